/*
 * dram_sched.c - one controller cycle of a channel, and the earliest cycle
 * at which the next one can do anything.
 *
 * A cycle (as in DRAMsim3's Controller::ClockTick): a due refresh is queued
 * and, if one waits, its precharge/refresh command is tried first; else
 * the per-bank command queues are visited round-robin (starting after the
 * last queue that issued) and the first queue with a ready command issues
 * it -- within a queue the oldest ready command wins, and a precharge is
 * only allowed to the queue's oldest command when no younger command hits
 * the open row (or four hits were already served): FR-FCFS. At most one
 * command per cycle. Then one transaction moves from the read queue (or,
 * while draining, the write buffer) into its bank's command queue.
 *
 * Write draining (DRAMsim3 policy): start when the write buffer is full,
 * or holds more than write_drain_min writes while every command queue is
 * empty; then move that many writes before serving reads again.
 */
#include <string.h>

#include "memctl/dram_internal.h"

static inline uint64_t mx(uint64_t a, uint64_t b) { return a > b ? a : b; }

bool dram_chan_busy(const dram_chan *c)
{
    return c->nrq || c->nwq || c->cmds || c->ref_n;
}

static void q_candidates(const dram *d, dram_cmdq *q)
{
    const dram_bank *bk = q->bk;
    q->i_rd = q->i_wr = DRAM_NONE16;
    q->pre_ok = false;
    q->dirty = false;
    if (bk->open_row == DRAM_NO_ROW || !q->n)
        return;
    bool hit = false;
    for (uint32_t i = 0; i < q->n; i++) {
        const dram_trans *tr = &d->tr[q->t[i]];
        if (tr->row != bk->open_row)
            continue;
        hit = true;
        if (!tr->is_write) {
            if (q->i_rd == DRAM_NONE16)
                q->i_rd = (uint16_t)i;
        } else if (q->i_wr == DRAM_NONE16) {
            bool dep = false; /* an older read of the same column */
            for (uint32_t j = 0; j < i && !dep; j++) {
                const dram_trans *o = &d->tr[q->t[j]];
                dep = !o->is_write && o->row == tr->row && o->col == tr->col;
            }
            if (!dep)
                q->i_wr = (uint16_t)i;
        }
    }
    /* only the oldest command may close the row, and not while a younger
     * one still hits it (unless four hits were already served) */
    q->pre_ok = d->tr[q->t[0]].row != bk->open_row && (!hit || bk->hits >= 4);
}

/* If some command of queue q can issue at t, return t and the first such
 * (in queue order) in idx and kind; otherwise the earliest cycle any can. */
static uint64_t q_scan(const dram *d, dram_cmdq *q, uint64_t t, uint32_t *idx, int *kind)
{
    const dram_bank *bk = q->bk;
    const dram_rank *rk = q->rk;
    if (bk->open_row == DRAM_NO_ROW) {
        uint64_t r = mx(mx(bk->t_act, q->bg->t_act), rk->t_act);
        if (rk->faw_n >= 4)
            r = mx(r, rk->faw[rk->faw_i] + d->tm.faw);
        *idx = 0;
        *kind = DC_ACT;
        return mx(t, r);
    }
    if (q->dirty)
        q_candidates(d, q);
    bool close = d->cfg.row_policy == DRAM_CLOSE_PAGE;
    uint64_t r[3] = {UINT64_MAX, UINT64_MAX, UINT64_MAX};
    uint32_t at[3] = {0, q->i_rd, q->i_wr};
    int kd[3] = {DC_PRE, close ? DC_READP : DC_READ, close ? DC_WRITEP : DC_WRITE};
    if (q->pre_ok)
        r[0] = bk->t_pre;
    if (q->i_rd != DRAM_NONE16)
        r[1] = mx(mx(bk->t_rd, q->bg->t_rd), mx(rk->t_rd, rk->t_xrd));
    if (q->i_wr != DRAM_NONE16)
        r[2] = mx(mx(bk->t_wr, q->bg->t_wr), mx(rk->t_wr, rk->t_xwr));
    uint64_t best = UINT64_MAX;
    int pick = -1;
    for (int k = 0; k < 3; k++) {
        if (r[k] <= t) { /* ready now: the oldest ready command wins */
            if (pick < 0 || best > t || at[k] < at[pick]) {
                pick = k;
                best = t;
            }
        } else if (r[k] < best) {
            best = r[k];
            pick = k;
        }
    }
    if (pick >= 0) {
        *idx = at[pick];
        *kind = kd[pick];
    }
    return best;
}

static void q_remove(dram_chan *c, uint32_t qi, uint32_t i)
{
    dram_cmdq *q = &c->q[qi];
    memmove(&q->t[i], &q->t[i + 1], (q->n - i - 1) * sizeof q->t[0]);
    q->dirty = true;
    dram_q_set(c, qi, --q->n ? 0 : UINT64_MAX);
    if (!q->n) { /* swap-remove from the dense list */
        uint32_t p = c->pos[qi], last = c->act[--c->nact];
        c->act[p] = last;
        c->pos[last] = p;
    }
    c->cmds--;
}

static void issue(dram *d, dram_chan *c, uint32_t qi, uint32_t i, int kind, uint64_t t)
{
    uint32_t ti = c->q[qi].t[i];
    dram_trans *tr = &d->tr[ti];
    dram_apply(d, c, kind, c->q[qi].rank, c->q[qi].b, tr->row, t);
    if (kind == DC_ACT || kind == DC_PRE)
        return;
    q_remove(c, qi, i);
    dram_pend *p = dram_pend_find(d, tr->addr >> d->map.shift);
    if (kind == DC_READ || kind == DC_READP) {
        uint64_t done = t + d->tm.read_delay;
        uint32_t r = p ? p->reads : ti;
        if (p)
            p->reads = DRAM_NIL;
        while (r != DRAM_NIL) {
            uint32_t nx = d->tr[r].next;
            dram_complete(d, r, done);
            dram_trans_free(d, r);
            r = nx;
        }
    } else {
        uint64_t done = t + d->tm.write_delay;
        if (done > d->last_done)
            d->last_done = done;
        if (p && p->write == ti)
            p->write = DRAM_NIL;
        dram_trans_free(d, ti);
    }
    if (p)
        dram_pend_drop_if_empty(d, p);
}

/* Mark in c->due the queues whose cached ready cycle is <= t and return
 * the minimum of the others, leaving out the rank waiting for refresh (no
 * command may go to it until its REFRESH issues). Only non-empty queues
 * are visited, branch-free. */
static uint64_t compute_due(const dram *d, dram_chan *c, uint64_t t)
{
    uint64_t later = UINT64_MAX;
    memset(c->due, 0, c->nwords * sizeof *c->due);
    for (uint32_t k = 0; k < c->nact; k++) {
        uint32_t qi = c->act[k];
        uint64_t v = c->qready[qi];
        c->due[qi / 64] |= (uint64_t)(v <= t) << (qi % 64);
        later = v > t && v < later ? v : later;
    }
    if (c->ref_n) {
        uint32_t lo = c->refq[c->ref_head] * d->banks;
        later = UINT64_MAX;
        for (uint32_t k = 0; k < c->nact; k++) {
            uint32_t qi = c->act[k];
            if (qi >= lo && qi < lo + d->banks)
                c->due[qi / 64] &= ~(1ULL << (qi % 64));
            else if (c->qready[qi] > t && c->qready[qi] < later)
                later = c->qready[qi];
        }
    }
    return later;
}

/* First due queue in [from, to), or `to`. */
static uint32_t next_due(const dram_chan *c, uint32_t from, uint32_t to)
{
    while (from < to) {
        uint64_t w = c->due[from / 64] >> (from % 64);
        if (w) {
            uint32_t i = from + (uint32_t)__builtin_ctzll(w);
            return i < to ? i : to;
        }
        from = (from / 64 + 1) * 64;
    }
    return to;
}

/* Visit the due queues round-robin from the one after the last issuer;
 * the first with a command ready at t issues it. Queues whose cached
 * ready cycle is later than t are not looked into. */
static void issue_from_queues(dram *d, dram_chan *c, uint64_t t)
{
    if (!c->qreset && t < c->qmin)
        return; /* no queue can be ready yet */
    compute_due(d, c, t);
    uint32_t start = (c->rr + 1) % c->nq;
    for (int pass = 0; pass < 2; pass++) {
        uint32_t lo = pass ? 0 : start, hi = pass ? start : c->nq;
        for (uint32_t qi = next_due(c, lo, hi); qi < hi; qi = next_due(c, qi + 1, hi)) {
            uint32_t idx;
            int kind;
            uint64_t r = q_scan(d, &c->q[qi], t, &idx, &kind);
            c->qready[qi] = r;
            if (r == t) {
                issue(d, c, qi, idx, kind, t);
                c->rr = qi;
                return;
            }
        }
    }
}

/* Earliest cycle >= from at which some queue may issue (a lower bound;
 * UINT64_MAX if none), re-evaluating the cached cycles that are due. */
static uint64_t queues_next(dram *d, dram_chan *c, uint64_t from)
{
    uint64_t best = compute_due(d, c, from);
    for (uint32_t qi = next_due(c, 0, c->nq); qi < c->nq; qi = next_due(c, qi + 1, c->nq)) {
        uint32_t idx;
        int kind;
        uint64_t v = q_scan(d, &c->q[qi], from, &idx, &kind);
        c->qready[qi] = v;
        best = v < best ? v : best;
    }
    return best;
}

static void list_remove(uint32_t *l, uint32_t *n, uint32_t i)
{
    memmove(&l[i], &l[i + 1], (*n - i - 1) * sizeof l[0]);
    (*n)--;
}

static void schedule(dram *d, dram_chan *c)
{
    uint64_t cap = d->cfg.trans_queue_size;
    c->sched_again = false;
    if (!c->write_draining &&
        (c->nwq >= cap || (c->nwq > d->cfg.write_drain_min && c->cmds == 0) ||
         (d->flushing && c->nwq && !c->nrq)))
        c->write_draining = c->nwq;
    for (int pass = 0; pass < 2; pass++) {
        bool w = c->write_draining > 0;
        uint32_t *l = w ? c->wq : c->rq, *n = w ? &c->nwq : &c->nrq;
        for (uint32_t i = 0; i < *n; i++) {
            dram_trans *tr = &d->tr[l[i]];
            dram_cmdq *q = &c->q[tr->queue];
            if (q->n >= d->cfg.cmd_queue_size)
                continue;
            if (w) {
                const dram_pend *p = dram_pend_find(d, tr->addr >> d->map.shift);
                if (p && p->reads != DRAM_NIL) {
                    /* read-before-write to this line: stop draining; unlike
                     * DRAMsim3 serve reads this cycle (avoids a livelock) */
                    c->write_draining = 0;
                    break;
                }
                c->write_draining--;
            }
            if (!q->n) {
                c->pos[tr->queue] = c->nact;
                c->act[c->nact++] = tr->queue;
            }
            q->t[q->n++] = l[i];
            q->dirty = true;
            dram_q_set(c, tr->queue, 0);
            c->cmds++;
            list_remove(l, n, i);
            c->sched_again = true;
            return;
        }
        if (!w || c->write_draining)
            return;
    }
}

void dram_chan_tick(dram *d, dram_chan *c, uint64_t t)
{
    if (!dram_refresh_tick(d, c, t))
        issue_from_queues(d, c, t);
    schedule(d, c);
    c->next = dram_chan_next(d, c, t + 1);
}

uint64_t dram_chan_next(dram *d, dram_chan *c, uint64_t from)
{
    if (c->sched_again) {
        c->qreset = true;
        return from;
    }
    uint64_t best = dram_refresh_next(d, c, from);
    uint64_t q = queues_next(d, c, from);
    c->qmin = q;
    c->qreset = false;
    best = q < best ? q : best;
    return best > from ? best : from;
}
