/*
 * dram_queue.c - the dram object and the queued (trace-replay) entry
 * point: creation, transaction and pending-address pools, enqueue with
 * DRAMsim3's read/write buffering rules, and the event loop.
 *
 * Buffering rules: a write to a line with a write already pending merges
 * into it; a read of a line with a pending write is served from it (1
 * cycle); a read of a line with a pending read waits for the same READ.
 * Writes complete (are posted) one cycle after acceptance.
 *
 * Event loop: each channel caches the earliest cycle it can act (c->next,
 * dram_sched.c); dram_run_until (dram_chan_run) jumps from one such cycle
 * to the next and never visits idle cycles; idle refreshes are applied in
 * closed form.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "memctl/dram_internal.h"

#define PEND_BUCKETS 4096u

static bool grow(void **p, uint32_t *n, size_t elem)
{
    uint32_t nn = *n ? *n * 2 : 256;
    void *q = realloc(*p, (size_t)nn * elem);
    if (!q)
        return false;
    *p = q;
    *n = nn;
    return true;
}

dram_pend *dram_pend_add(dram *d, uint64_t key)
{
    dram_pend *p;
    assert(d->pend_free != DRAM_NIL); /* dram_reserve() ran first */
    uint32_t i = d->pend_free, h = dram_pend_hash(d, key);
    p = &d->pend[i];
    d->pend_free = p->next;
    p->key = key;
    p->reads = p->write = DRAM_NIL;
    p->next = d->pend_bucket[h];
    d->pend_bucket[h] = i;
    return p;
}

/* Make sure one transaction and one pending entry can be allocated. */
static bool dram_reserve(dram *d)
{
    if (d->tr_free == DRAM_NIL) {
        uint32_t old = d->ntr;
        if (!grow((void **)&d->tr, &d->ntr, sizeof *d->tr))
            return false;
        for (uint32_t i = old; i < d->ntr; i++)
            d->tr[i].next = i + 1 < d->ntr ? i + 1 : DRAM_NIL;
        d->tr_free = old;
    }
    if (d->pend_free == DRAM_NIL) {
        uint32_t old = d->npend;
        if (!grow((void **)&d->pend, &d->npend, sizeof *d->pend))
            return false;
        for (uint32_t i = old; i < d->npend; i++)
            d->pend[i].next = i + 1 < d->npend ? i + 1 : DRAM_NIL;
        d->pend_free = old;
    }
    return true;
}

uint32_t dram_trans_alloc(dram *d)
{
    assert(d->tr_free != DRAM_NIL); /* dram_reserve() ran first */
    uint32_t i = d->tr_free;
    d->tr_free = d->tr[i].next;
    d->tr[i].next = DRAM_NIL;
    return i;
}

dram *dram_create(const dram_config *cfg, sim_err *e)
{
    if (dram_config_validate(cfg, e) != 0)
        return NULL;
    dram *d = calloc(1, sizeof *d);
    if (!d)
        goto oom;
    d->cfg = *cfg;
    d->cfg.address_mapping = NULL;
    d->cfg.trace_out = NULL;
    d->horizon = UINT64_MAX;
    if (dram_map_parse(cfg, &d->map, e) != 0) {
        free(d);
        return NULL;
    }
    dram_timing_derive(cfg, &d->tm);
    d->banks = (uint32_t)(cfg->bankgroups * cfg->banks_per_group);
    d->capacity = dram_config_capacity(cfg);
    d->req_bytes = dram_config_request_bytes(cfg);
    hist_init(&d->st.read_latency);
    d->tr_free = d->pend_free = DRAM_NIL;
    d->pend_mask = PEND_BUCKETS - 1;
    d->pend_bucket = malloc(PEND_BUCKETS * sizeof *d->pend_bucket);
    d->ch = calloc(cfg->channels, sizeof *d->ch);
    if (!d->pend_bucket || !d->ch)
        goto oom;
    memset(d->pend_bucket, 0xff, PEND_BUCKETS * sizeof *d->pend_bucket);
    for (uint64_t i = 0; i < cfg->channels; i++) {
        dram_chan *c = &d->ch[i];
        c->nq = (uint32_t)cfg->ranks * d->banks;
        c->bank = calloc(c->nq, sizeof *c->bank);
        c->bg = calloc(cfg->ranks * cfg->bankgroups, sizeof *c->bg);
        c->rank = calloc(cfg->ranks, sizeof *c->rank);
        /* one queue per 64-byte line */
        c->q = aligned_alloc(64, ((c->nq * sizeof *c->q + 63) / 64) * 64);
        if (c->q)
            memset(c->q, 0, c->nq * sizeof *c->q);
        c->nwords = (c->nq + 63) / 64;
        if (c->nwords == 1) { /* the sets live in the channel */
            c->due = &c->due1;
            c->far = &c->far1;
            c->wheel = c->wheel1;
        } else {
            c->due = calloc(c->nwords, sizeof *c->due);
            c->far = calloc(c->nwords, sizeof *c->far);
            c->wheel = calloc((size_t)DRAM_WHEEL * c->nwords, sizeof *c->wheel);
        }
        c->farmin = UINT64_MAX;
        c->rq = c->rqbuf = malloc(2 * cfg->trans_queue_size * sizeof *c->rq);
        c->wq = c->wqbuf = malloc(2 * cfg->trans_queue_size * sizeof *c->wq);
        c->refq = malloc((cfg->ranks * 2 + 2) * sizeof *c->refq);
        if (!c->bank || !c->bg || !c->rank || !c->q || !c->due || !c->far || !c->wheel || !c->rq || !c->wq || !c->refq)
            goto oom;
        for (uint32_t q = 0; q < c->nq; q++) {
            c->bank[q].open_row = DRAM_NO_ROW;
            c->q[q].bk = &c->bank[q];
            uint32_t rank = q / d->banks, b = q % d->banks;
            c->q[q].bg = &c->bg[rank * cfg->bankgroups + b / cfg->banks_per_group];
            c->q[q].rk = &c->rank[rank];
            c->q[q].dirty = true;
            c->q[q].ready = UINT64_MAX;
            c->q[q].t = malloc(cfg->cmd_queue_size * sizeof *c->q[q].t);
            if (!c->q[q].t)
                goto oom;
        }
        c->rr = 0; /* the first search starts at queue 0 */
        dram_refresh_init(d, c);
        c->next = c->ref_next;
        c->quiet = UINT64_MAX;
    }
    return d;
oom:
    dram_destroy(d);
    sim_errf(e, "dram: out of memory");
    return NULL;
}

void dram_destroy(dram *d)
{
    if (!d)
        return;
    for (uint64_t i = 0; d->ch && i < d->cfg.channels; i++) {
        dram_chan *c = &d->ch[i];
        for (uint32_t q = 0; c->q && q < c->nq; q++)
            free(c->q[q].t);
        free(c->bank);
        free(c->bg);
        free(c->rank);
        free(c->q);
        if (c->nwords > 1) {
            free(c->due);
            free(c->far);
            free(c->wheel);
        }
        free(c->rqbuf);
        free(c->wqbuf);
        free(c->refq);
    }
    free(d->ch);
    free(d->stage);
    free(d->tr);
    free(d->pend);
    free(d->pend_bucket);
    hist_free(&d->st.read_latency);
    free(d);
}

void dram_set_callback(dram *d, dram_done_fn fn, void *ctx)
{
    d->done = fn;
    d->done_ctx = ctx;
}

const dram_stats *dram_get_stats(const dram *d) { return &d->st; }
uint64_t dram_now(const dram *d) { return d->now; }
uint64_t dram_last_done(const dram *d) { return d->last_done; }

void dram_run_until(dram *d, uint64_t cycle)
{
    if (cycle <= d->now)
        return;
    for (uint64_t i = 0; i < d->cfg.channels; i++)
        dram_chan_run(d, &d->ch[i], cycle);
    d->now = cycle;
}

uint64_t dram_next_event(const dram *d)
{
    uint64_t best = UINT64_MAX;
    for (uint64_t i = 0; i < d->cfg.channels; i++) {
        const dram_chan *c = &d->ch[i];
        uint64_t n = c->next < c->quiet ? c->next : c->quiet;
        best = n < best ? n : best;
    }
    return best < d->now ? d->now : best;
}

bool dram_will_accept(const dram *d, uint64_t addr, bool is_write)
{
    dram_loc l;
    dram_decode_loc(d, addr % d->capacity, &l);
    const dram_chan *c = &d->ch[l.channel];
    return (is_write ? c->nwq : c->nrq) < d->cfg.trans_queue_size;
}

bool dram_try_enqueue(dram *d, uint64_t addr, bool is_write, uint64_t arrival, uint64_t tag)
{
    return dram_enqueue_stamped(d, addr, is_write, arrival, arrival, tag);
}

/* A queued transaction's row, column and command queue (rank * banks +
 * bank index), from its line (addr >> map.shift): dram_decode_loc's. */
static inline void trans_loc(const dram *d, dram_trans *tr, uint64_t key)
{
    const dram_map *m = &d->map;
#define F(i) ((uint32_t)(key >> m->pos[i]) & m->mask[i])
    tr->row = F(DM_RO);
    tr->col = F(DM_CO);
    tr->queue = F(DM_RA) * d->banks + F(DM_BG) * (uint32_t)d->cfg.banks_per_group + F(DM_BA);
#undef F
}

/* Whether this request is the one last refused (being retried). */
static inline bool refused_before(const dram *d, uint64_t addr, bool is_write, uint64_t tag)
{
    return d->refused && d->ref_addr == addr && d->ref_wr == is_write && d->ref_tag == tag;
}

bool dram_enqueue_stamped(dram *d, uint64_t addr, bool is_write, uint64_t arrival, uint64_t stamp,
                          uint64_t tag)
{
    if (arrival < d->now)
        arrival = d->now;
    if (stamp > arrival)
        stamp = arrival;
    dram_run_until(d, arrival);
    if (addr >= d->capacity) /* no division in the usual case */
        addr %= d->capacity;
    uint64_t key = addr >> d->map.shift; /* the line; its location only when queued */
    dram_chan *c = &d->ch[(uint32_t)(key >> d->map.pos[DM_CH]) & d->map.mask[DM_CH]];
    if ((is_write ? c->nwq : c->nrq) >= d->cfg.trans_queue_size) {
        /* counted once per request, not per retry: how often a caller
         * polls (at dram_next_event(), a lower bound) is not the model's */
        if (!refused_before(d, addr, is_write, tag)) {
            d->st.queue_full++;
            d->refused = true;
            d->ref_addr = addr;
            d->ref_wr = is_write;
            d->ref_tag = tag;
            d->ref_since = arrival;
        }
        return false;
    }
    if (d->refused) { /* accepted at last (or another request is offered) */
        if (refused_before(d, addr, is_write, tag))
            d->st.queue_full_cycles += arrival - d->ref_since;
        d->refused = false;
    }
    if (!dram_reserve(d)) {
        d->oom = true;
        return false;
    }
    dram_pend *p = dram_pend_find(d, key);
    if (is_write) {
        d->st.writes++;
        if (p && p->write != DRAM_NIL) {
            d->st.merged_writes++;
        } else {
            uint32_t ti = dram_trans_alloc(d);
            dram_trans *tr = &d->tr[ti];
            if (!p)
                p = dram_pend_add(d, key);
            *tr = (dram_trans){addr, tag, arrival, 0, 0, 0,
                               DRAM_NIL, (uint32_t)(p - d->pend), true};
            trans_loc(d, tr, key);
            dram_list_push(&c->wq, &c->nwq, c->wqbuf, d->cfg.trans_queue_size, ti);
            c->sched_idle = false;
            p->write = ti;
        }
        if (d->done)
            d->done(d->done_ctx, tag, arrival + 1);
    } else {
        d->st.reads++;
        if (p && p->write != DRAM_NIL) {
            d->st.forwarded_reads++;
            hist_add(&d->st.read_latency, arrival + 1 - stamp);
            if (arrival + 1 > d->last_done)
                d->last_done = arrival + 1;
            if (d->done)
                d->done(d->done_ctx, tag, arrival + 1);
            return true;
        }
        uint32_t ti = dram_trans_alloc(d);
        dram_trans *tr = &d->tr[ti];
        if (!p) /* found above, or not there */
            p = dram_pend_add(d, key);
        *tr = (dram_trans){addr, tag, stamp, 0, 0, 0,
                           DRAM_NIL, (uint32_t)(p - d->pend), false};
        trans_loc(d, tr, key);
        if (p->reads != DRAM_NIL) { /* join the pending READ */
            d->st.merged_reads++;
            tr->next = d->tr[p->reads].next;
            d->tr[p->reads].next = ti;
            return true;
        }
        p->reads = ti;
        dram_list_push(&c->rq, &c->nrq, c->rqbuf, d->cfg.trans_queue_size, ti);
        c->sched_idle = false;
    }
    /* the channel acts at arrival (schedule() moves the request or starts
     * a drain), except for a write that starts no drain: schedule() would
     * do nothing then (whatever could move has moved) and, with the next
     * event two or more cycles ahead, a visit of arrival would leave next
     * as it is; it is only remembered (quiet) for dram_next_event() */
    if (arrival < c->next) {
        if (is_write && !c->write_draining && !dram_drain_starts(d, c) && arrival + 1 < c->next)
            c->quiet = arrival < c->quiet ? arrival : c->quiet;
        else
            c->next = arrival;
    }
    return true;
}

uint64_t dram_drain(dram *d)
{
    uint64_t end = d->now;
    d->flushing = true;
    for (uint64_t i = 0; i < d->cfg.channels; i++) {
        dram_chan *c = &d->ch[i];
        c->sched_idle = false; /* flushing changes the drain decision */
        if (dram_chan_busy(c) && d->now < c->next)
            c->next = d->now; /* re-evaluate the drain decision now */
        uint64_t t = d->now;
        while (dram_chan_busy(c)) {
            assert(c->next != UINT64_MAX);
            t = c->next + 1;
            dram_chan_run(d, c, t);
        }
        if (t > end)
            end = t;
    }
    d->flushing = false;
    for (uint64_t i = 0; i < d->cfg.channels; i++)
        d->ch[i].sched_idle = false;
    d->now = end;
    return d->last_done;
}
