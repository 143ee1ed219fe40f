/*
 * dram_access.c - blocking access for the full-system CPU model.
 *
 * The access is issued at once against the shared bank/rank timing state:
 * precharge (on a row conflict), activate and the column command each go
 * at the earliest cycle >= arrival + 1 (the controller's one-cycle
 * transaction-to-command step) that their bank, bank group, rank, bus
 * turnaround and tFAW "not before" cycles allow. Refreshes that fell due
 * up to the arrival are performed first, each as early as its rank
 * allows. Arrivals may come slightly out of order (several CPU threads):
 * an earlier arrival simply waits for the resources a later one already
 * took -- no global clock ever goes back, nothing asserts on it.
 *
 * There is no queueing or reordering here (no FR-FCFS across requests);
 * docs/dram.md states the approximation.
 */
#include "memctl/dram_internal.h"

static inline uint64_t mx(uint64_t a, uint64_t b) { return a > b ? a : b; }

uint64_t dram_access(dram *d, uint64_t addr, bool is_write, uint64_t arrival)
{
    dram_loc l;
    addr %= d->capacity;
    dram_decode_loc(d, addr, &l);
    dram_chan *c = &d->ch[l.channel];
    dram_refresh_catch_up(d, c, arrival);
    uint32_t b = l.bankgroup * (uint32_t)d->cfg.banks_per_group + l.bank;
    dram_bank *bk = &c->bank[l.rank * d->banks + b];
    uint64_t t0 = arrival + 1;
    if (bk->open_row != l.row) {
        if (bk->open_row != DRAM_NO_ROW)
            dram_apply(d, c, DC_PRE, l.rank, b, 0, mx(t0, bk->t_pre));
        dram_apply(d, c, DC_ACT, l.rank, b, l.row, mx(t0, dram_ready_act(d, c, l.rank, b)));
    }
    uint64_t col = mx(t0, dram_ready_col(d, c, l.rank, b, is_write));
    int kind = d->cfg.row_policy == DRAM_CLOSE_PAGE ? (is_write ? DC_WRITEP : DC_READP)
                                                     : (is_write ? DC_WRITE : DC_READ);
    dram_apply(d, c, kind, l.rank, b, l.row, col);
    uint64_t done;
    if (is_write) {
        d->st.writes++;
        done = arrival + 1;
        d->last_done = mx(d->last_done, col + d->tm.write_delay);
    } else {
        d->st.reads++;
        done = col + d->tm.read_delay;
        hist_add(&d->st.read_latency, done - arrival);
        d->last_done = mx(d->last_done, done);
    }
    return done;
}
