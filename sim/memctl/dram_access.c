/*
 * dram_access.c - blocking access for the full-system CPU model.
 *
 * write_policy buffered (the default): the request goes through the
 * queued controller (dram_queue.c, dram_sched.c: read queue and write
 * buffer, DRAMsim3's write-drain policy, FR-FCFS, forwarding of a read
 * from a buffered write) exactly as `lparsim dram` replays a trace; a
 * write is posted (returns arrival + 1 once accepted), a read runs the
 * controller until its data cycle is known -- the controller's time then
 * stands at the read's column command, not at its data. Its latency
 * counts from its arrival: a read behind the controller's time because
 * the controller is busy with earlier or simultaneous requests (a
 * thread's burst of lines) pays that queueing. Threads interleave within
 * the scheduler quantum, so a request may also arrive earlier than one
 * already taken: that one is served as arriving with the latest request
 * seen and its latency counts from there (the skew is a simulation
 * artifact, not charged; out_of_order and out_of_order_cycles measure it,
 * docs/dram.md bounds the error).
 *
 * write_policy fcfs (the model before the write buffer, for comparison):
 * every access, posted writes included, is issued at once against the
 * shared bank/rank timing state: precharge (on a row conflict), activate
 * and the column command each at the earliest cycle >= arrival + 1 their
 * bank, bank group, rank, bus turnaround and tFAW "not before" cycles
 * allow, after the refreshes that fell due. An earlier arrival simply
 * waits for the resources a later one already took; no reordering.
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

static uint64_t access_fcfs(dram *d, uint64_t addr, bool is_write, uint64_t arrival)
{
    dram_loc l;
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

/* The queued controller's completion callback while dram_access owns it. */
static void blk_done(void *ctx, uint64_t tag, uint64_t done)
{
    dram *d = ctx;
    if (tag == d->blk_tag)
        d->blk_done = done;
}

static uint64_t access_queued(dram *d, uint64_t addr, bool is_write, uint64_t arrival)
{
    d->done = blk_done;
    d->done_ctx = d;
    uint64_t tag = ++d->blk_tag;
    d->blk_done = UINT64_MAX;
    /* out of order (behind a request already taken): served as arriving
     * with the latest one, the difference not charged */
    uint64_t from = arrival;
    if (arrival < d->blk_latest) {
        d->st.out_of_order++;
        d->st.out_of_order_cycles += d->blk_latest - arrival;
        from = d->blk_latest;
    } else {
        d->blk_latest = arrival;
    }
    uint64_t at = from > d->now ? from : d->now;
    while (!dram_enqueue_stamped(d, addr, is_write, at, from, tag)) {
        if (d->oom)
            return arrival + 1; /* host out of memory: the request is dropped, never hangs */
        at = dram_next_event(d) + 1;
    }
    if (is_write)
        return arrival + 1; /* posted (the writer never waits for the buffer) */
    while (d->blk_done == UINT64_MAX) {
        uint64_t next = dram_next_event(d);
        if (next == UINT64_MAX) /* cannot happen: a queued read always issues */
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
