/*
 * dram_bank.c - address decoding and the bank/rank timing state: when a
 * command may legally issue and what issuing it does to the "not before"
 * cycles of its bank, bank group, rank and the other ranks.
 *
 * Invariant: every t_* field only grows (updates take the max), so the
 * blocking path may apply commands out of arrival order safely.
 */
#include <assert.h>

#include "memctl/dram_internal.h"

static inline uint64_t mx(uint64_t a, uint64_t b) { return a > b ? a : b; }
static inline void up(uint64_t *f, uint64_t v) { if (v > *f) *f = v; }

void dram_decode_loc(const dram *d, uint64_t addr, dram_loc *l)
{
    const dram_map *m = &d->map;
    uint64_t a = addr >> m->shift;
#define F(i) (uint32_t)((a >> m->pos[i]) & ((1ULL << m->bits[i]) - 1))
    l->channel = F(DM_CH);
    l->rank = F(DM_RA);
    l->bankgroup = F(DM_BG);
    l->bank = F(DM_BA);
    l->row = F(DM_RO);
    l->column = F(DM_CO);
#undef F
}

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
    uint64_t t = mx(mx(bk->t_act, c->bg[rank * d->cfg.bankgroups + g].t_act), rk->t_act);
    if (rk->faw_n >= 4)
        t = mx(t, rk->faw[rk->faw_i] + d->tm.faw); /* oldest of the last four */
    return t;
}

uint64_t dram_ready_col(const dram *d, const dram_chan *c, uint32_t rank, uint32_t b, bool wr)
{
    const dram_bank *bk = &c->bank[rank * d->banks + b];
    const dram_rank *rk = &c->rank[rank];
    const dram_bgrp *g = &c->bg[rank * d->cfg.bankgroups + b / (uint32_t)d->cfg.banks_per_group];
    if (wr)
        return mx(mx(bk->t_wr, g->t_wr), mx(rk->t_wr, rk->t_xwr));
    return mx(mx(bk->t_rd, g->t_rd), mx(rk->t_rd, rk->t_xrd));
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

/* The effects of a column command on its bank group, rank and the other
 * ranks (bus turnarounds). */
static void col_common(dram *d, dram_chan *c, const dram_cmdq *q, bool wr, uint64_t t)
{
    const dram_timing *tm = &d->tm;
    dram_bgrp *g = q->bg;
    dram_rank *rk = q->rk;
    up(&g->t_rd, t + (wr ? tm->w2r_l : tm->rr_l));
    up(&g->t_wr, t + (wr ? tm->ww_l : tm->r2w));
    up(&rk->t_rd, t + (wr ? tm->w2r_s : tm->rr_s));
    up(&rk->t_wr, t + (wr ? tm->ww_s : tm->r2w));
    uint64_t xr = t + (wr ? tm->w2r_o : tm->rr_o), xw = t + (wr ? tm->ww_o : tm->r2w_o);
    for (dram_rank *r = c->rank, *end = c->rank + d->cfg.ranks; r < end; r++) {
        if (r == rk)
            continue;
        up(&r->t_xrd, xr);
        up(&r->t_xwr, xw);
    }
}

static void count_col(dram *d, const dram_bank *bk, bool wr)
{
    if (bk->hits) {
        if (wr)
            d->st.write_row_hits++;
        else
            d->st.read_row_hits++;
    }
    wr ? d->st.write_cmds++ : d->st.read_cmds++;
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
    const dram_timing *tm = &d->tm;
    dram_bank *bk = q->bk;
    dram_rank *rk = q->rk;
    switch (kind) {
    case DC_READ:
    case DC_WRITE: {
        bool wr = kind == DC_WRITE;
        assert(bk->open_row != DRAM_NO_ROW);
        count_col(d, bk, wr);
        bk->hits++;
        col_common(d, c, q, wr, t);
        up(&bk->t_pre, t + (wr ? tm->w2p : tm->r2p));
        break;
    }
    case DC_READP:
    case DC_WRITEP: {
        bool wr = kind == DC_WRITEP;
        count_col(d, bk, wr);
        col_common(d, c, q, wr, t);
        up(&bk->t_act, t + (wr ? tm->wrp2act : tm->rdp2act));
        up(&bk->t_ref, t + (wr ? tm->wrp2act : tm->rd2act));
        bk->open_row = DRAM_NO_ROW;
        bk->hits = 0;
        break;
    }
    case DC_ACT: {
        dram_bgrp *g = q->bg;
        assert(bk->open_row == DRAM_NO_ROW);
        up(&bk->t_act, t + tm->rc);
        up(&bk->t_rd, t + tm->rcd);
        up(&bk->t_wr, t + tm->rcd);
        up(&bk->t_pre, t + tm->ras);
        up(&g->t_act, t + tm->rrd_l);
        up(&rk->t_act, t + tm->rrd_s);
        if (rk->faw_n < 4) {
            rk->faw[(rk->faw_i + rk->faw_n) % 4] = t;
            rk->faw_n++;
        } else {
            rk->faw[rk->faw_i] = t;
            rk->faw_i = (rk->faw_i + 1) % 4;
        }
        bk->open_row = row;
        bk->hits = 0;
        d->st.acts++;
        break;
    }
    case DC_PRE:
        assert(bk->open_row != DRAM_NO_ROW);
        up(&bk->t_act, t + tm->rp);
        up(&bk->t_ref, t + tm->rp);
        bk->open_row = DRAM_NO_ROW;
        bk->hits = 0;
        d->st.pres++;
        break;
    case DC_REF:
        up(&rk->t_act, t + tm->rfc);
        up(&rk->t_ref, t + tm->rfc);
        d->st.refs++;
        break;
    default:
        assert(0);
    }
}
