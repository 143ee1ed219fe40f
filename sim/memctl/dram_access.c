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
#include "memctl/dram_apply.h"

static inline uint64_t mx(uint64_t a, uint64_t b) { return a > b ? a : b; }

/* One command on bank queue q, as dram_apply() does it (the queue is
 * marked for re-evaluation; with queued work its cached ready cycle is
 * reset), with the kind known here so that dram_apply_inl() folds. */
#define APPLY(kind, row, t)                                                                        \
    do {                                                                                           \
        q->dirty = true;                                                                           \
        if (q->n)                                                                                  \
            dram_q_set(c, qi, 0);                                                                  \
        dram_apply_inl(d, c, q, kind, row, t);                                                     \
    } while (0)

uint64_t dram_access(dram *d, uint64_t addr, bool is_write, uint64_t arrival)
{
    dram_loc l;
    if (addr >= d->capacity)
        addr %= d->capacity;
    dram_decode_loc(d, addr, &l);
    dram_chan *c = &d->ch[l.channel];
    if (c->ref_next <= arrival)
        dram_refresh_catch_up(d, c, arrival);
    uint32_t qi = l.rank * d->banks + l.bankgroup * (uint32_t)d->cfg.banks_per_group + l.bank;
    dram_cmdq *q = &c->q[qi];
    dram_bank *bk = q->bk;
    uint64_t t0 = arrival + 1;
    if (bk->open_row != l.row) {
        if (bk->open_row != DRAM_NO_ROW)
            APPLY(DC_PRE, 0, mx(t0, bk->t_pre));
        APPLY(DC_ACT, l.row, mx(t0, dram_ready_act_q(d, q)));
    }
    uint64_t col = mx(t0, dram_ready_col_q(q, is_write));
    if (d->cfg.row_policy == DRAM_CLOSE_PAGE) {
        if (is_write)
            APPLY(DC_WRITEP, l.row, col);
        else
            APPLY(DC_READP, l.row, col);
    } else if (is_write) {
        APPLY(DC_WRITE, l.row, col);
    } else {
        APPLY(DC_READ, l.row, col);
    }
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

void dram_touch(dram *d, uint64_t addr)
{
    if (d->cfg.row_policy == DRAM_CLOSE_PAGE)
        return;
    dram_loc l;
    if (addr >= d->capacity)
        addr %= d->capacity;
    dram_decode_loc(d, addr, &l);
    dram_chan *c = &d->ch[l.channel];
    uint32_t qi = l.rank * d->banks + l.bankgroup * (uint32_t)d->cfg.banks_per_group + l.bank;
    dram_cmdq *q = &c->q[qi];
    if (q->bk->open_row != l.row) {
        q->bk->open_row = l.row;
        q->bk->hits = 0;
        q->dirty = true;
    }
}
