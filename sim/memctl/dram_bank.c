/*
 * dram_bank.c - the bank/rank timing state: when a command may legally
 * issue, and issuing it (its effects on the "not before" cycles of its
 * bank, bank group, rank and the other ranks are in dram_apply.h).
 *
 * Invariant: every t_* field only grows (updates take the max), so the
 * blocking path may apply commands out of arrival order safely.
 */
#include <assert.h>

#include "memctl/dram_apply.h"

static inline uint64_t mx(uint64_t a, uint64_t b) { return a > b ? a : b; }

int dram_decode(const dram *d, uint64_t addr, dram_loc *out)
{
    if (addr >= d->capacity)
        return -1;
    dram_decode_loc(d, addr, out);
    return 0;
}

/* b is the bank index within the rank: bankgroup * banks_per_group + bank */
uint64_t dram_ready_act(const dram *d, const dram_chan *c, uint32_t rank, uint32_t b)
{
    const dram_bank *bk = &c->bank[rank * d->banks + b];
    const dram_rank *rk = &c->rank[rank];
    uint32_t g = b / (uint32_t)d->cfg.banks_per_group;
    return mx(mx(bk->t_act, c->bg[rank * d->cfg.bankgroups + g].t_act),
              rk->t_act); /* (with the four-activate window's bound) */
}

uint64_t dram_ready_col(const dram *d, const dram_chan *c, uint32_t rank, uint32_t b, bool wr)
{
    const dram_bank *bk = &c->bank[rank * d->banks + b];
    const dram_rank *rk = &c->rank[rank];
    const dram_bgrp *g = &c->bg[rank * d->cfg.bankgroups + b / (uint32_t)d->cfg.banks_per_group];
    if (wr)
        return mx(mx(bk->t_wr, g->t_wr), rk->t_wr);
    return mx(mx(bk->t_rd, g->t_rd), rk->t_rd);
}

/* Earliest cycle the refresh of `rank` can make progress: a precharge of
 * an open bank (its index in *pre_bank), or the REFRESH itself when every
 * bank is closed (*pre_bank = DRAM_NIL). */
uint64_t dram_ref_ready(const dram *d, const dram_chan *c, uint32_t rank, uint32_t *pre_bank)
{
    const dram_bank *bk = &c->bank[rank * d->banks];
    uint64_t best = UINT64_MAX, all = c->rank[rank].t_ref;
    uint32_t pb = DRAM_NIL;
    for (uint32_t i = 0; i < d->banks; i++) {
        if (bk[i].open_row != DRAM_NO_ROW) {
            if (bk[i].t_pre < best) {
                best = bk[i].t_pre;
                pb = i;
            }
        } else {
            all = mx(all, bk[i].t_ref);
        }
    }
    *pre_bank = pb;
    return pb != DRAM_NIL ? best : all;
}

void dram_apply(dram *d, dram_chan *c, int kind, uint32_t rank, uint32_t b,
                uint32_t row, uint64_t t)
{
    uint32_t qi = rank * d->banks + b;
    dram_cmdq *q = &c->q[qi];
    q->dirty = true;
    if (q->n)
        dram_q_set(c, qi, 0);
    dram_apply_cmd(d, c, q, kind, row, t);
}

void dram_apply_cmd(dram *d, dram_chan *c, const dram_cmdq *q, int kind, uint32_t row,
                    uint64_t t)
{
    dram_apply_inl(d, c, q, kind, row, t);
}
