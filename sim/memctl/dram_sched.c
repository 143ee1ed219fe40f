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
 *
 * Event-driven: each queue caches a lower bound of the cycle it can next
 * issue (q.ready; valid because "not before" cycles only grow, reset to 0
 * when the queue or its bank changes) and sits in the due set, a slot of
 * a 64-cycle timing wheel or the far set by that cycle (dram_internal.h).
 * A visited cycle looks only into the due queues, in round-robin order;
 * after it, the due queues are re-evaluated at the next cycle until one
 * is found ready then (the next event is that cycle), else the next event
 * is the first non-empty wheel slot, the far minimum or the next refresh.
 * A queue left due is looked into by the next visit or re-evaluation, so
 * the commands issued and their cycles are those of a plain scan of every
 * queue at every cycle; which stale lower bounds are visited (and with
 * them dram_next_event(), where a caller retries a full queue) is not
 * (dram_stats.queue_full counts requests, not retries, for that reason).
 * The hot paths are compiled twice, for
 * one-word sets (<= 64 queues: nw is the constant 1) and for any size;
 * the command effects (dram_apply.h) are inlined with their kind known.
 */
#include <assert.h>

#include "memctl/dram_apply.h"

static inline uint64_t mx(uint64_t a, uint64_t b) { return a > b ? a : b; }

/* q_candidates for two or more commands in the queue (open row) */
static void q_candidates_n(const dram *d, dram_cmdq *q)
{
    const dram_bank *bk = q->bk;
    bool hit = false;
    if (!q->nrd) { /* writes only (write-backs): the first row hit, no older reads */
        for (uint32_t i = 0; i < q->n; i++)
            if (d->tr[q->t[i]].row == bk->open_row) {
                q->i_wr = (uint16_t)i;
                hit = true;
                break;
            }
        q->pre_ok = d->tr[q->t[0]].row != bk->open_row && (!hit || bk->hits >= 4);
        return;
    }
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

DRAM_INLINE void q_candidates(const dram *d, dram_cmdq *q)
{
    const dram_bank *bk = q->bk;
    q->dirty = false; /* (i_rd, i_wr, pre_ok: only those cand names are read) */
    if (bk->open_row == DRAM_NO_ROW) {
        q->cand = DRAM_CAND_ACT;
        return;
    }
    if (!q->n) {
        q->cand = 0;
        return;
    }
    if (q->n == 1) { /* the common case, in short */
        const dram_trans *tr = &d->tr[q->t[0]];
        if (tr->row != bk->open_row) {
            q->cand = DRAM_CAND_PRE;
        } else if (tr->is_write) {
            q->i_wr = 0;
            q->cand = DRAM_CAND_WR;
        } else {
            q->i_rd = 0;
            q->cand = DRAM_CAND_RD;
        }
        return;
    }
    q->i_rd = q->i_wr = DRAM_NONE16;
    q_candidates_n(d, q);
    q->cand = (uint8_t)(q->pre_ok * DRAM_CAND_PRE + (q->i_rd != DRAM_NONE16) * DRAM_CAND_RD +
                        (q->i_wr != DRAM_NONE16) * DRAM_CAND_WR);
}

static inline uint64_t mn(uint64_t a, uint64_t b) { return a < b ? a : b; }

/* ---- the due / wheel / far sets (dram_internal.h, dram_qsets.c) ---- */

/* Move the wheel on so that wbase = x + 1: the queues due by x join the
 * due set, the far ones now within the wheel's reach join the wheel. */
DRAM_INLINE void advance(dram_chan *c, uint64_t x, uint32_t nw)
{
    uint64_t wb = c->wbase;
    if (x < wb)
        return;
    c->wbase = x + 1;
    if (x == wb) { /* the usual step: one slot */
        uint64_t bit = 1ULL << (wb % DRAM_WHEEL);
        if (c->wmask & bit) {
            uint64_t *w = dram_slot(c, wb, nw);
            c->wmask &= ~bit;
            for (uint32_t k = 0; k < nw; k++) {
                dram_due(c, nw)[k] |= w[k];
                w[k] = 0;
            }
        }
        if (c->farmin < x + 1 + DRAM_WHEEL)
            dram_far_migrate(c);
        return;
    }
    uint64_t fire = c->wmask, span = x - wb + 1;
    if (span < DRAM_WHEEL) { /* the slots of cycles wb..x */
        unsigned k = (unsigned)(wb % DRAM_WHEEL);
        uint64_t m = (1ULL << span) - 1;
        fire &= m << k | m >> ((64 - k) % 64);
    }
    if (fire) {
        c->wmask &= ~fire;
        do {
            uint64_t *w = dram_slot(c, (uint64_t)__builtin_ctzll(fire), nw);
            for (uint32_t k = 0; k < nw; k++) {
                dram_due(c, nw)[k] |= w[k];
                w[k] = 0;
            }
            fire &= fire - 1;
        } while (fire);
    }
    if (c->farmin < x + 1 + DRAM_WHEEL)
        dram_far_migrate(c);
}

/* First set bit of m in [from, to), or `to`. */
DRAM_INLINE uint32_t next_bit(const uint64_t *m, uint32_t from, uint32_t to, uint32_t nw)
{
    if (nw == 1) {
        uint64_t w = from < 64 ? m[0] >> from : 0;
        uint32_t i = w ? from + (uint32_t)__builtin_ctzll(w) : to;
        return i < to ? i : to;
    }
    while (from < to) {
        uint64_t w = m[from / 64] >> (from % 64);
        if (w) {
            uint32_t i = from + (uint32_t)__builtin_ctzll(w);
            return i < to ? i : to;
        }
        from = (from / 64 + 1) * 64;
    }
    return to;
}

/* ---- one queue ---- */

/* Earliest cycle >= t at which queue q can issue a command (UINT64_MAX if
 * it has none): the best of its FR-FCFS candidates. If that is t and
 * kind is not NULL, also the command: the oldest ready one (its kind, and
 * its index in the queue in *idx). */
DRAM_INLINE uint64_t q_eval(const dram *d, dram_cmdq *q, uint64_t t, int *kind, uint32_t *idx)
{
    const dram_bank *bk = q->bk;
    const dram_rank *rk = q->rk;
    const dram_bgrp *bg = q->bg;
    if (q->dirty)
        q_candidates(d, q);
    unsigned cand = q->cand; /* one candidate: only its bound */
    bool close = d->cfg.row_policy == DRAM_CLOSE_PAGE;
    uint64_t r;
    if (cand == DRAM_CAND_ACT) {
        r = mx(mx(bk->t_act, bg->t_act), rk->t_act);
        if (kind) {
            *kind = DC_ACT;
            *idx = 0;
        }
        return mx(t, r);
    }
    if (cand == DRAM_CAND_RD) {
        r = mx(mx(bk->t_rd, bg->t_rd), rk->t_rd);
        if (r > t || !kind)
            return mx(t, r);
        *kind = close ? DC_READP : DC_READ;
        *idx = q->i_rd;
        return t;
    }
    if (cand == DRAM_CAND_PRE) {
        r = bk->t_pre;
        if (r > t || !kind)
            return mx(t, r);
        *kind = DC_PRE;
        *idx = 0;
        return t;
    }
    if (cand == DRAM_CAND_WR) {
        r = mx(mx(bk->t_wr, bg->t_wr), rk->t_wr);
        if (r > t || !kind)
            return mx(t, r);
        *kind = close ? DC_WRITEP : DC_WRITE;
        *idx = q->i_wr;
        return t;
    }
    if (!cand)
        return UINT64_MAX;
    uint64_t rp = q->pre_ok ? bk->t_pre : UINT64_MAX;
    uint64_t rr = q->i_rd != DRAM_NONE16 ? mx(mx(bk->t_rd, bg->t_rd), rk->t_rd)
                                         : UINT64_MAX;
    uint64_t rw = q->i_wr != DRAM_NONE16 ? mx(mx(bk->t_wr, bg->t_wr), rk->t_wr)
                                         : UINT64_MAX;
    r = mn(rp, mn(rr, rw));
    if (r > t || !kind)
        return mx(t, r);
    if (rp <= t) { /* the oldest command (index 0) */
        *kind = DC_PRE;
        *idx = 0;
    } else if (rr <= t && (rw > t || q->i_rd < q->i_wr)) {
        *kind = close ? DC_READP : DC_READ;
        *idx = q->i_rd;
    } else {
        *kind = close ? DC_WRITEP : DC_WRITE;
        *idx = q->i_wr;
    }
    return t;
}

DRAM_INLINE void issue(dram *d, dram_chan *c, uint32_t qi, uint32_t i, int kind, uint64_t t,
                       uint32_t nw)
{
    dram_cmdq *q = &c->q[qi];
    uint32_t ti = q->t[i];
    dram_trans *tr = &d->tr[ti];
    q->dirty = true; /* re-evaluate the queue */
    if (kind == DC_ACT || kind == DC_PRE) { /* each compiled with its kind */
        if (kind == DC_ACT)
            dram_apply_inl(d, c, q, DC_ACT, tr->row, t);
        else
            dram_apply_inl(d, c, q, DC_PRE, tr->row, t);
        dram_qset_due(c, qi, 0, nw); /* the issuer is a due queue */
        return;
    }
    if (kind == DC_READ)
        dram_apply_inl(d, c, q, DC_READ, tr->row, t);
    else if (kind == DC_WRITE)
        dram_apply_inl(d, c, q, DC_WRITE, tr->row, t);
    else
        dram_apply_cmd(d, c, q, kind, tr->row, t);
    for (uint32_t k = i + 1; k < q->n; k++) /* short: no memmove call */
        q->t[k - 1] = q->t[k];
    q->n--;
    q->nrd -= !tr->is_write;
    c->sched_idle = false; /* a transaction may move into q */
    dram_qset_due(c, qi, q->n ? 0 : UINT64_MAX, nw);
    c->cmds--;
    dram_pend *p = &d->pend[tr->pend]; /* the queued one is its line's */
    assert(p->key == tr->addr >> d->map.shift);
    if (kind == DC_READ || kind == DC_READP) {
        uint64_t done = t + d->tm.read_delay;
        uint32_t r = p->reads;
        assert(r == ti);
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
        assert(p->write == ti);
        p->write = DRAM_NIL;
        dram_trans_free(d, ti);
    }
    dram_pend_drop_if_empty(d, p);
}

/* ---- the channel's queues ---- */

/* Look into queue qi at t during the round-robin visit: issue its command
 * if it has one ready (true), else refresh its cached ready cycle. */
DRAM_INLINE bool try_queue(dram *d, dram_chan *c, uint32_t qi, uint64_t t, uint32_t nw)
{
    int kind;
    uint32_t idx;
    uint64_t r = q_eval(d, &c->q[qi], t, &kind, &idx);
    if (r == t) {
        issue(d, c, qi, idx, kind, t, nw);
        c->rr = qi + 1; /* (nq: from queue 0) */
        return true;
    }
    dram_qset_due(c, qi, r, nw);
    return false;
}

/* Visit the due queues round-robin from the one after the last issuer;
 * the first with a command ready at t issues it. Queues not yet due are
 * not looked into; each due queue looked into gets its ready cycle
 * refreshed. */
DRAM_INLINE void issue_from_queues(dram *d, dram_chan *c, uint64_t t, uint32_t nw)
{
    advance(c, t, nw);
    uint32_t start = c->rr;
    if (nw == 1) { /* the set bits of one word, from start on, then below it:
                    * the word rotated right by start, bit j is queue j + start
                    * (start = nq <= 64 works as 0) */
        start %= 64;
        uint64_t m = c->due1 & ~c->xmask, rot = m >> start | m << ((64 - start) % 64);
        for (uint64_t b = rot; b; b &= b - 1)
            if (try_queue(d, c, ((uint32_t)__builtin_ctzll(b) + start) % 64, t, nw))
                return;
        return;
    }
    for (int pass = 0; pass < 2; pass++) {
        uint32_t lo = pass ? 0 : start, hi = pass ? start : c->nq;
        for (uint32_t qi = next_bit(c->due, lo, hi, nw); qi < hi;
             qi = next_bit(c->due, qi + 1, hi, nw)) {
            if (qi >= c->xlo && qi < c->xhi) {
                qi = c->xhi - 1;
                continue;
            }
            if (try_queue(d, c, qi, t, nw))
                return;
        }
    }
}

/* Re-evaluate due queue qi at from; whether it can issue then. */
DRAM_INLINE bool recheck(dram *d, dram_chan *c, uint32_t qi, uint64_t from, uint32_t nw)
{
    uint64_t r = q_eval(d, &c->q[qi], from, NULL, NULL);
    if (r == from) {
        c->q[qi].ready = r; /* still due */
        return true;
    }
    dram_qset_due(c, qi, r, nw);
    return false;
}

/* Earliest cycle >= from at which some queue may issue (a lower bound;
 * UINT64_MAX if none), re-evaluating the cached cycles that are due: up to
 * the first queue ready at from (the rest stay due, for the visit). */
DRAM_INLINE uint64_t queues_next(dram *d, dram_chan *c, uint64_t from, uint32_t nw)
{
    advance(c, from, nw);
    if (nw == 1) {
        for (uint64_t b = c->due1 & ~c->xmask; b; b &= b - 1)
            if (recheck(d, c, (uint32_t)__builtin_ctzll(b), from, nw))
                return from;
    } else {
        for (uint32_t qi = next_bit(c->due, 0, c->nq, nw); qi < c->nq;
             qi = next_bit(c->due, qi + 1, c->nq, nw)) {
            if (qi >= c->xlo && qi < c->xhi) {
                qi = c->xhi - 1;
                continue;
            }
            if (recheck(d, c, qi, from, nw))
                return from;
        }
    }
    /* the first wheel slot holding a queue that is not excluded */
    bool none = nw == 1 ? c->xmask == 0 : c->xlo == c->xhi; /* no rank excluded */
    unsigned k = (unsigned)(c->wbase % DRAM_WHEEL);
    uint64_t rot = k ? (c->wmask >> k | c->wmask << (64 - k)) : c->wmask;
    for (; rot; rot &= rot - 1) {
        uint64_t cyc = c->wbase + (uint64_t)__builtin_ctzll(rot);
        if (none || (nw == 1 ? (c->wheel1[cyc % DRAM_WHEEL] & ~c->xmask) != 0
                             : dram_any_outside(c, dram_slot(c, cyc, nw), c->xlo, c->xhi)))
            return cyc;
    }
    if (none)
        return c->farmin;
    uint64_t m = UINT64_MAX;
    for (uint32_t qi = next_bit(dram_far(c, nw), 0, c->nq, nw); qi < c->nq;
         qi = next_bit(dram_far(c, nw), qi + 1, c->nq, nw))
        if (qi < c->xlo || qi >= c->xhi)
            m = mn(m, c->q[qi].ready);
    return m;
}

/* Move one transaction from the read queue (or, while draining, the write
 * buffer) into its bank's command queue; sched_again if one moved (or the
 * next cycle must be visited). */
DRAM_INLINE void schedule(dram *d, dram_chan *c, uint32_t nw)
{
    c->sched_again = false;
    if (c->sched_idle)
        return;
    if (!c->write_draining) { /* (draining, the write buffer is not empty) */
        if (dram_drain_starts(d, c)) {
            c->write_draining = c->nwq;
        } else if (!c->nrq) {
            c->sched_idle = true;
            return; /* nothing to move: the usual case */
        }
    }
    for (int pass = 0; pass < 2; pass++) {
        bool w = c->write_draining > 0;
        uint32_t **lp = w ? &c->wq : &c->rq, *l = *lp, *n = w ? &c->nwq : &c->nrq;
        for (uint32_t i = 0; i < *n; i++) {
            dram_trans *tr = &d->tr[l[i]];
            dram_cmdq *q = &c->q[tr->queue];
            if (q->n >= d->cfg.cmd_queue_size)
                continue;
            if (w) {
                if (d->pend[tr->pend].reads != DRAM_NIL) {
                    /* read-before-write to this line: stop draining; unlike
                     * DRAMsim3 serve reads this cycle (avoids a livelock) */
                    c->write_draining = 0;
                    break;
                }
                c->write_draining--;
            }
            q->t[q->n++] = l[i];
            q->nrd += !w;
            q->dirty = true;
            dram_qset(c, tr->queue, 0, nw);
            c->cmds++;
            dram_list_remove(lp, n, i);
            c->sched_again = true;
            return;
        }
        if (!w || c->write_draining) {
            /* nothing moved: idle until what it reads changes -- unless a
             * drain stopped for a read of a written line that could not
             * move yet: then the next cycle may act (DRAMsim3 ticks every
             * cycle), whichever stale bounds are visited before it */
            c->sched_idle = pass == 0;
            c->sched_again = pass != 0;
            return;
        }
    }
}

/* One controller cycle t, then the next cycle worth visiting. */
DRAM_INLINE void tick(dram *d, dram_chan *c, uint64_t t, uint32_t nw)
{
    bool ref = (t == c->ref_next || c->ref_n) && dram_refresh_tick(d, c, t);
    if (!ref) /* (the queues of a rank waiting for refresh are excluded) */
        issue_from_queues(d, c, t, nw);
    schedule(d, c, nw);
    uint64_t from = t + 1;
    if (c->sched_again) {
        c->next = from;
        return;
    }
    uint64_t best = c->ref_n ? dram_refresh_next(d, c, from) : c->ref_next;
    best = mn(best, queues_next(d, c, from, nw));
    c->next = mx(best, from);
}

DRAM_INLINE void run(dram *d, dram_chan *c, uint64_t until, uint32_t nw)
{
    for (;;) {
        /* cheapest test first: the next refresh is rarely before until */
        if (c->ref_next < until && !c->sched_again && !dram_chan_busy(c)) {
            dram_refresh_skip_idle(d, c, until);
            c->next = c->ref_next; /* nothing but refresh can be pending */
        }
        if (c->next >= until)
            return;
        tick(d, c, c->next, nw); /* sets c->next */
    }
}

/* Visit every cycle < until at which the channel can act. */
void dram_chan_run(dram *d, dram_chan *c, uint64_t until)
{
    if (c->quiet < until) /* passed: the visit would have done nothing */
        c->quiet = UINT64_MAX;
    if (c->nwords == 1)
        run(d, c, until, 1);
    else
        run(d, c, until, c->nwords);
}
