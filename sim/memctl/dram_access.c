/*
 * dram_access.c - blocking access for the full-system CPU model.
 *
 * write_policy buffered (the default): the request goes through the
 * queued controller (dram_queue.c, dram_sched.c: read queue and write
 * buffer, DRAMsim3's write-drain policy, FR-FCFS, forwarding of a read
 * from a buffered write) exactly as `lparsim dram` replays a trace; a
 * write is posted (returns arrival + 1 once accepted), a read runs the
 * controller until its data cycle is known -- the controller's time then
 * stands at the read's column command, not at its data. A read arriving
 * behind that time (another thread's, or the next line of a burst) is
 * issued at once against the banks' next-free times as with fcfs, so
 * that reads of many threads overlap across banks as in a real
 * controller; it pays what the commands already issued impose. Threads
 * interleave within the scheduler quantum, so a request may also arrive
 * earlier than one already taken: that one is served as arriving with the
 * latest request seen and its latency counts from there (the skew is a
 * simulation artifact, not charged; out_of_order and out_of_order_cycles
 * measure it, docs/dram.md bounds the error).
 *
 * Posted writes do not move the controller's time: dram_access holds
 * them (a ring sorted by arrival, then call order) and hands them to the controller, in
 * arrival order, when a read arrives at or after them, or when more than
 * STAGE_MAX wait. A thread running ahead inside one record (a page
 * zeroed line by line, its write-backs far ahead of the other threads)
 * would otherwise drag the controller's time with it and make every
 * other thread's requests out of order; a read still meets every write
 * that arrived before it.
 *
 * write_policy fcfs (the model before the write buffer, for comparison):
 * every access, posted writes included, is issued at once against the
 * shared bank/rank timing state: precharge (on a row conflict), activate
 * and the column command each at the earliest cycle >= arrival + 1 their
 * bank, bank group, rank, bus turnaround and tFAW "not before" cycles
 * allow, after the refreshes that fell due. An earlier arrival simply
 * waits for the resources a later one already took; no reordering.
 */
#include <stdlib.h>

#include "memctl/dram_apply.h"

static inline uint64_t mx(uint64_t a, uint64_t b) { return a > b ? a : b; }

#define STAGE_MAX 4096u

static bool stage_before(const dram_staged *a, const dram_staged *b)
{
    return a->arrival != b->arrival ? a->arrival < b->arrival : a->seq < b->seq;
}

/* The held writes are a ring sorted by (arrival, call order): entry k of
 * the order is stage[(stage_head + k) & (cap_stage - 1)]. Arrivals come
 * almost in order, so a new write is appended and moved back past the
 * few later ones; taking the earliest is taking the head. */
static bool stage_grow(dram *d)
{
    uint32_t cap = d->cap_stage ? 2 * d->cap_stage : 64, m = d->cap_stage - 1;
    dram_staged *n = malloc(cap * sizeof *n);
    if (!n)
        return false;
    for (uint32_t k = 0; k < d->nstage; k++)
        n[k] = d->stage[(d->stage_head + k) & m];
    free(d->stage);
    d->stage = n;
    d->cap_stage = cap;
    d->stage_head = 0;
    return true;
}

static bool stage_push(dram *d, uint64_t addr, uint64_t arrival)
{
    if (d->nstage == d->cap_stage && !stage_grow(d))
        return false;
    dram_staged *r = d->stage, w = {arrival, d->stage_seq++, addr};
    uint32_t m = d->cap_stage - 1, k = d->nstage++;
    for (; k && stage_before(&w, &r[(d->stage_head + k - 1) & m]); k--)
        r[(d->stage_head + k) & m] = r[(d->stage_head + k - 1) & m];
    r[(d->stage_head + k) & m] = w;
    return true;
}

static inline const dram_staged *stage_first(const dram *d) { return &d->stage[d->stage_head]; }

static dram_staged stage_pop(dram *d)
{
    dram_staged top = d->stage[d->stage_head];
    d->stage_head = (d->stage_head + 1) & (d->cap_stage - 1);
    d->nstage--;
    return top;
}

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

static uint64_t access_fcfs(dram *d, uint64_t addr, bool is_write, uint64_t arrival)
{
    dram_loc l;
    dram_decode_loc(d, addr, &l);
    dram_chan *c = &d->ch[l.channel];
    if (c->ref_next <= arrival)
        dram_refresh_catch_up(d, c, arrival);
    uint32_t qi = dram_loc_queue(d, &l);
    dram_cmdq *q = &c->q[qi];
    dram_bank *bk = q->bk;
    uint64_t t0 = arrival + 1;
    if (bk->open_row != l.row) {
        if (bk->open_row != DRAM_NO_ROW)
            APPLY(DC_PRE, 0, mx(t0, bk->t_pre));
        APPLY(DC_ACT, l.row, mx(t0, dram_ready_act_q(q)));
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
    if (c->next > d->now)
        c->next = d->now; /* queued work re-evaluated (a row opened here may serve it) */
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

/* The queued controller's completion callback while dram_access owns it. */
static void blk_done(void *ctx, uint64_t tag, uint64_t done)
{
    dram *d = ctx;
    if (tag == d->blk_tag)
        d->blk_done = done;
}

/* The cycle a request arriving at `arrival` counts from: its arrival, or,
 * when that is earlier than a request already taken (threads within the
 * quantum), the latest one's (the skew counted, not charged). */
static uint64_t take(dram *d, uint64_t arrival)
{
    if (arrival < d->blk_latest) {
        d->st.out_of_order++;
        d->st.out_of_order_cycles += d->blk_latest - arrival;
        return d->blk_latest;
    }
    d->blk_latest = arrival;
    return arrival;
}

/* Offer one request to the controller at `from` (or its time, when that
 * is later). */
static void enter(dram *d, uint64_t addr, bool is_write, uint64_t from, uint64_t tag)
{
    uint64_t at = from > d->now ? from : d->now;
    while (!dram_enqueue_stamped(d, addr, is_write, at, from, tag)) {
        if (d->oom)
            return; /* host out of memory: the request is dropped, never hangs */
        at = dram_next_event(d) + 1;
    }
    if (is_write)
        d->st.writes--; /* counted when dram_access took it (held or not) */
}

static void enter_write(dram *d, uint64_t addr, uint64_t arrival)
{
    enter(d, addr, true, take(d, arrival), 0);
}

/* Whether a posted write of addr's line waits in the controller. */
static bool write_pending(const dram *d, uint64_t addr)
{
    const dram_pend *p = dram_pend_find(d, addr >> d->map.shift);
    return p && p->write != DRAM_NIL;
}

/* Hand the held writes that arrived by `until` to the controller. */
static void feed(dram *d, uint64_t until)
{
    while (d->nstage && stage_first(d)->arrival <= until) {
        dram_staged w = stage_pop(d);
        enter_write(d, w.addr, w.arrival);
    }
}

void dram_access_flush(dram *d)
{
    if (d)
        feed(d, UINT64_MAX);
}

void dram_set_horizon(dram *d, uint64_t floor, uint64_t horizon)
{
    d->floor = floor;
    d->horizon = horizon;
}

/* A read beyond the horizon: forwarded from a buffered write of its line,
 * else the latency of an idle controller from its bank's state (row hit,
 * closed, conflict); nothing moves. */
static uint64_t access_ahead(dram *d, uint64_t addr, uint64_t arrival)
{
    d->st.reads++;
    d->st.ahead_reads++;
    uint64_t lat;
    if (write_pending(d, addr)) {
        d->st.forwarded_reads++;
        lat = 1;
    } else {
        dram_loc l;
        dram_decode_loc(d, addr, &l);
        const dram_bank *bk = &d->ch[l.channel].bank[dram_loc_queue(d, &l)];
        lat = 1 + d->tm.read_delay;
        if (bk->open_row != l.row)
            lat += d->tm.rcd + (bk->open_row != DRAM_NO_ROW ? d->tm.rp : 0);
    }
    hist_add(&d->st.read_latency, lat);
    return arrival + lat;
}

static uint64_t access_queued(dram *d, uint64_t addr, bool is_write, uint64_t arrival)
{
    d->done = blk_done;
    d->done_ctx = d;
    feed(d, d->floor);
    if (is_write) {
        d->st.writes++;
        if (d->nstage >= STAGE_MAX) {
            dram_staged w = stage_pop(d);
            enter_write(d, w.addr, w.arrival);
        }
        if (!stage_push(d, addr, arrival)) /* host out of memory: enter it now */
            enter_write(d, addr, arrival);
        return arrival + 1; /* posted: the writer never waits */
    }
    if (arrival > d->horizon)
        return access_ahead(d, addr, arrival);
    feed(d, arrival);
    /* behind the controller's time (it served a read of another thread
     * that arrived no later): issued at once against the banks' next-free
     * times, which the commands already issued have set, so that it
     * overlaps with them where the banks allow (bank-level parallelism);
     * the channel re-evaluates its queues (a row it opened may serve a
     * queued command) */
    uint64_t from = take(d, arrival);
    if (from < d->now) {
        d->st.behind_reads++;
        if (write_pending(d, addr)) {
            d->st.reads++;
            d->st.forwarded_reads++;
            hist_add(&d->st.read_latency, 1);
            return arrival + 1;
        }
        return arrival + (access_fcfs(d, addr, false, from) - from);
    }
    uint64_t tag = ++d->blk_tag;
    d->blk_done = UINT64_MAX;
    enter(d, addr, false, from, tag);
    while (d->blk_done == UINT64_MAX) {
        uint64_t next = dram_next_event(d);
        if (next == UINT64_MAX) /* only when out of host memory */
            return arrival + 1;
        dram_run_until(d, next + 1);
    }
    return arrival + (d->blk_done - from);
}

void dram_set_request_hook(dram *d, dram_request_fn fn, void *ctx)
{
    d->req_hook = fn;
    d->req_ctx = ctx;
}

uint64_t dram_access(dram *d, uint64_t addr, bool is_write, uint64_t arrival)
{
    if (addr >= d->capacity)
        addr %= d->capacity;
    if (d->req_hook)
        d->req_hook(d->req_ctx, addr, is_write, arrival);
    if (d->cfg.write_policy == DRAM_WRITES_FCFS)
        return access_fcfs(d, addr, is_write, arrival);
    return access_queued(d, addr, is_write, arrival);
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
    uint32_t qi = dram_loc_queue(d, &l);
    dram_cmdq *q = &c->q[qi];
    if (q->n)
        return; /* commands queued (not in a warm-up, which precedes them) */
    if (q->bk->open_row != l.row) {
        q->bk->open_row = l.row;
        q->bk->hits = 0;
        q->dirty = true;
    }
}
