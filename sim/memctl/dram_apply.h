/*
 * dram_apply.h - what issuing a command does to the "not before" cycles of
 * its bank, bank group, rank and the other ranks (not public). Inline so
 * that the scheduler's hot path (dram_sched.c) compiles it in place, with
 * the command kind known at each call; dram_apply_cmd() (dram_bank.c) is
 * the out-of-line form. Every t_* field only grows (updates take the max).
 */
#ifndef LPARSIM_MEMCTL_DRAM_APPLY_H
#define LPARSIM_MEMCTL_DRAM_APPLY_H

#include <assert.h>

#include "memctl/dram_internal.h"

DRAM_INLINE void dram_up(uint64_t *f, uint64_t v) { if (v > *f) *f = v; }

DRAM_INLINE uint64_t dram_mx(uint64_t a, uint64_t b) { return a > b ? a : b; }

/* Earliest cycle an ACTIVATE may issue on queue q's bank (dram_ready_act). */
DRAM_INLINE uint64_t dram_ready_act_q(const dram_cmdq *q)
{
    const dram_rank *rk = q->rk;
    return dram_mx(dram_mx(q->bk->t_act, q->bg->t_act), rk->t_act);
}

/* Earliest cycle a column command may issue on queue q's bank
 * (dram_ready_col). */
DRAM_INLINE uint64_t dram_ready_col_q(const dram_cmdq *q, bool wr)
{
    const dram_bank *bk = q->bk;
    const dram_bgrp *g = q->bg;
    const dram_rank *rk = q->rk;
    if (wr)
        return dram_mx(dram_mx(bk->t_wr, g->t_wr), rk->t_wr);
    return dram_mx(dram_mx(bk->t_rd, g->t_rd), rk->t_rd);
}

/* The effects of a column command on its bank group, rank and the other
 * ranks (bus turnarounds). */
DRAM_INLINE void dram_col_common(dram *d, dram_chan *c, const dram_cmdq *q, bool wr, uint64_t t)
{
    const dram_timing *tm = &d->tm;
    dram_bgrp *g = q->bg;
    dram_rank *rk = q->rk;
    dram_up(&g->t_rd, t + (wr ? tm->w2r_l : tm->rr_l));
    dram_up(&g->t_wr, t + (wr ? tm->ww_l : tm->r2w));
    dram_up(&rk->t_rd, t + (wr ? tm->w2r_s : tm->rr_s));
    dram_up(&rk->t_wr, t + (wr ? tm->ww_s : tm->r2w));
    uint64_t xr = t + (wr ? tm->w2r_o : tm->rr_o), xw = t + (wr ? tm->ww_o : tm->r2w_o);
    for (dram_rank *r = c->rank, *end = c->rank + d->cfg.ranks; r < end; r++) {
        if (r == rk)
            continue;
        dram_up(&r->t_rd, xr);
        dram_up(&r->t_wr, xw);
    }
}

DRAM_INLINE void dram_count_col(dram *d, const dram_bank *bk, bool wr)
{
    if (bk->hits) {
        if (wr)
            d->st.write_row_hits++;
        else
            d->st.read_row_hits++;
    }
    wr ? d->st.write_cmds++ : d->st.read_cmds++;
}

DRAM_INLINE void dram_apply_inl(dram *d, dram_chan *c, const dram_cmdq *q, int kind, uint32_t row,
                                uint64_t t)
{
    const dram_timing *tm = &d->tm;
    dram_bank *bk = q->bk;
    dram_rank *rk = q->rk;
    switch (kind) {
    case DC_READ:
    case DC_WRITE: {
        bool wr = kind == DC_WRITE;
        assert(bk->open_row != DRAM_NO_ROW);
        dram_count_col(d, bk, wr);
        bk->hits++;
        dram_col_common(d, c, q, wr, t);
        dram_up(&bk->t_pre, t + (wr ? tm->w2p : tm->r2p));
        break;
    }
    case DC_READP:
    case DC_WRITEP: {
        bool wr = kind == DC_WRITEP;
        dram_count_col(d, bk, wr);
        dram_col_common(d, c, q, wr, t);
        dram_up(&bk->t_act, t + (wr ? tm->wrp2act : tm->rdp2act));
        dram_up(&bk->t_ref, t + (wr ? tm->wrp2act : tm->rd2act));
        bk->open_row = DRAM_NO_ROW;
        bk->hits = 0;
        break;
    }
    case DC_ACT: {
        dram_bgrp *g = q->bg;
        assert(bk->open_row == DRAM_NO_ROW);
        dram_up(&bk->t_act, t + tm->rc);
        dram_up(&bk->t_rd, t + tm->rcd);
        dram_up(&bk->t_wr, t + tm->rcd);
        dram_up(&bk->t_pre, t + tm->ras);
        dram_up(&g->t_act, t + tm->rrd_l);
        dram_up(&rk->t_act, t + tm->rrd_s);
        if (rk->faw_n < 4) {
            rk->faw[(rk->faw_i + rk->faw_n) % 4] = t;
            rk->faw_n++;
        } else {
            rk->faw[rk->faw_i] = t;
            rk->faw_i = (rk->faw_i + 1) % 4;
        }
        if (rk->faw_n >= 4) /* the oldest of the last four */
            dram_up(&rk->t_act, rk->faw[rk->faw_i] + tm->faw);
        bk->open_row = row;
        bk->hits = 0;
        d->st.acts++;
        break;
    }
    case DC_PRE:
        assert(bk->open_row != DRAM_NO_ROW);
        dram_up(&bk->t_act, t + tm->rp);
        dram_up(&bk->t_ref, t + tm->rp);
        bk->open_row = DRAM_NO_ROW;
        bk->hits = 0;
        d->st.pres++;
        break;
    case DC_REF:
        dram_up(&rk->t_act, t + tm->rfc);
        dram_up(&rk->t_ref, t + tm->rfc);
        d->st.refs++;
        break;
    default:
        assert(0);
    }
}

#endif
