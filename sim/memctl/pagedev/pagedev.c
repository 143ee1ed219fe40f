/*
 * pagedev.c - the paging device's common engine: create/destroy, request
 * submission (data first, then timing), the queue-depth cap of the eager
 * models, completion delivery and statistics. The per-model service times
 * are in pagedev_flash.c, pagedev_hdd.c and (a few lines) here for fixed.
 *
 * Invariants: see pagedev_int.h. Every request is counted once in
 * reads/writes and in a latency histogram when it is dispatched.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "memctl/pagedev/pagedev_int.h"

/* ---- heap ---- */

static bool ev_less(const pd_ev *a, const pd_ev *b)
{
    return a->key < b->key || (a->key == b->key && a->seq < b->seq);
}

int pd_heap_push(pd_heap *h, uint64_t key, uint64_t seq, uint64_t tag)
{
    if (h->n == h->cap) {
        size_t nc = h->cap ? 2 * h->cap : 16;
        pd_ev *v = realloc(h->v, nc * sizeof *v);
        if (!v)
            return -1;
        h->v = v;
        h->cap = nc;
    }
    size_t i = h->n++;
    pd_ev x = {key, seq, tag};
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!ev_less(&x, &h->v[p]))
            break;
        h->v[i] = h->v[p];
        i = p;
    }
    h->v[i] = x;
    return 0;
}

pd_ev pd_heap_pop(pd_heap *h)
{
    pd_ev top = h->v[0], x = h->v[--h->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n)
            break;
        if (c + 1 < h->n && ev_less(&h->v[c + 1], &h->v[c]))
            c++;
        if (!ev_less(&h->v[c], &x))
            break;
        h->v[i] = h->v[c];
        i = c;
    }
    if (h->n)
        h->v[i] = x;
    return top;
}

void pd_heap_free(pd_heap *h)
{
    free(h->v);
    h->v = NULL;
    h->n = h->cap = 0;
}

/* ---- gap-filling resource ---- */

uint64_t pd_gap_acquire(pd_gap *g, uint64_t t, uint64_t len, uint64_t horizon)
{
    size_t drop = 0;
    while (drop < g->n && g->iv[drop][1] <= horizon)
        drop++;
    if (drop) {
        memmove(g->iv, g->iv + drop, (g->n - drop) * sizeof *g->iv);
        g->n -= drop;
    }
    uint64_t s = t;
    size_t i = 0;
    for (; i < g->n; i++) {
        if (s + len <= g->iv[i][0])
            break; /* fits before interval i */
        if (g->iv[i][1] > s)
            s = g->iv[i][1];
    }
    if (len == 0)
        return s;
    if (g->n == g->cap) {
        size_t nc = g->cap ? 2 * g->cap : 8;
        void *v = realloc(g->iv, nc * sizeof *g->iv);
        if (!v)
            return UINT64_MAX;
        g->iv = v;
        g->cap = nc;
    }
    memmove(g->iv + i + 1, g->iv + i, (g->n - i) * sizeof *g->iv);
    g->iv[i][0] = s;
    g->iv[i][1] = s + len;
    g->n++;
    return s;
}

void pd_gap_free(pd_gap *g)
{
    free(g->iv);
    g->iv = NULL;
    g->n = g->cap = 0;
}

/* ---- create / destroy ---- */

uint64_t pd_cycles(const pagedev *d, double us)
{
    return (uint64_t)llround(us * (double)d->freq_mhz);
}

pagedev *pagedev_create(const pagedev_config *cfg, uint64_t freq_mhz, sim_err *e)
{
    if (pagedev_config_validate(cfg, e) != 0)
        return NULL;
    if (freq_mhz == 0) {
        sim_errf(e, "pagedev: clock of 0 MHz; expected machine.freq_mhz > 0");
        return NULL;
    }
    pagedev *d = calloc(1, sizeof *d);
    if (!d) {
        sim_errf(e, "out of host memory");
        return NULL;
    }
    d->preset = cfg->preset;
    d->freq_mhz = freq_mhz;
    d->qd = cfg->queue_depth;
    d->capacity = pagedev_config_capacity(cfg);
    d->store.fd = -1;
    hist_init(&d->st.read_latency);
    hist_init(&d->st.write_latency);
    hist_init(&d->st.queue_depth);
    int rc = 0;
    switch (d->preset) {
    case PAGEDEV_SSD: rc = pd_flash_init(d, &cfg->ssd, e); break;
    case PAGEDEV_OPTANE: rc = pd_flash_init(d, &cfg->optane, e); break;
    case PAGEDEV_HDD: rc = pd_hdd_init(d, &cfg->hdd, e); break;
    default:
        d->fx.latency = pd_cycles(d, cfg->fixed.latency_us);
        d->fx.gap = cfg->fixed.iops > 0 ? pd_cycles(d, 1e6 / cfg->fixed.iops) : 0;
        break;
    }
    if (rc == 0)
        rc = pd_store_open(&d->store, cfg->backing_file, d->capacity, e);
    if (rc != 0) {
        pagedev_destroy(d);
        return NULL;
    }
    return d;
}

void pagedev_destroy(pagedev *d)
{
    if (!d)
        return;
    pd_flash_free(d);
    pd_hdd_free(d);
    pd_store_close(&d->store);
    pd_heap_free(&d->deliver);
    pd_heap_free(&d->outstanding);
    pd_heap_free(&d->inflight);
    hist_free(&d->st.read_latency);
    hist_free(&d->st.write_latency);
    hist_free(&d->st.queue_depth);
    free(d);
}

uint64_t pagedev_capacity(const pagedev *d) { return d->capacity; }
uint64_t pagedev_freq_mhz(const pagedev *d) { return d->freq_mhz; }
const pagedev_stats *pagedev_get_stats(const pagedev *d) { return &d->st; }

/* ---- completion bookkeeping ---- */

int pd_finish(pagedev *d, int op, uint64_t orig, uint64_t disp, uint64_t done, uint64_t seq,
              uint64_t tag, bool notify)
{
    pagedev_stats *s = &d->st;
    if (hist_add(op == PAGEDEV_WRITE ? &s->write_latency : &s->read_latency, done - orig) != 0)
        return -1;
    if (disp >= d->busy_end) {
        s->busy_cycles += done - disp;
        d->busy_end = done;
    } else if (done > d->busy_end) {
        s->busy_cycles += done - d->busy_end;
        d->busy_end = done;
    }
    if (done > s->last_cycle)
        s->last_cycle = done;
    if (seq == d->io_seq && !notify) {
        d->io_done = done;
        d->io_known = true;
    }
    if (pd_heap_push(&d->outstanding, done, seq, 0) != 0)
        return -1;
    return notify ? pd_heap_push(&d->deliver, done, seq, tag) : 0;
}

/* ---- submission ---- */

static uint64_t fixed_serve(pagedev *d, uint64_t t)
{
    uint64_t s = t;
    if (d->fx.gap) {
        s = resource_acquire(&d->fx.issue, t, d->fx.gap);
        if (s > t)
            d->st.throttled++;
    }
    return s + d->fx.latency;
}

static int submit(pagedev *d, int op, uint64_t off, uint64_t len, void *buf, uint64_t cycle,
                  uint64_t tag, bool notify, uint64_t *done, sim_err *e)
{
    if (done)
        *done = UINT64_MAX;
    if (op != PAGEDEV_READ && op != PAGEDEV_WRITE)
        return sim_errf(e, "pagedev: operation %d; expected read (0) or write (1)", op);
    if (len == 0 || off >= d->capacity || len > d->capacity - off)
        return sim_errf(e, "pagedev: %s of %llu bytes at offset %llu is outside the device's "
                        "%llu bytes; expected 0 < length and offset + length <= capacity",
                        op == PAGEDEV_WRITE ? "write" : "read", (unsigned long long)len,
                        (unsigned long long)off, (unsigned long long)d->capacity);
    /* the data, in submission order */
    if (buf && (op == PAGEDEV_WRITE ? pd_store_write(&d->store, off, len, buf, e)
                                    : pd_store_read(&d->store, off, len, buf, e)) != 0)
        return -1;
    pagedev_stats *s = &d->st;
    uint64_t t = d->any && cycle < d->last_arrival ? d->last_arrival : cycle;
    if (!d->any)
        s->first_cycle = t;
    d->any = true;
    d->last_arrival = t;
    if (op == PAGEDEV_WRITE) {
        s->writes++;
        s->write_bytes += len;
    } else {
        s->reads++;
        s->read_bytes += len;
    }
    uint64_t seq = d->seq++;
    if (!notify)
        d->io_seq = seq, d->io_known = false;
    if (d->preset == PAGEDEV_HDD) {
        /* decisions before t see every request arriving before t */
        while (pd_hdd_pending(d) && pd_hdd_next_decision(d) < t)
            if (pd_hdd_dispatch(d) != 0)
                return sim_errf(e, "out of host memory");
    }
    while (d->outstanding.n && d->outstanding.v[0].key <= t)
        pd_heap_pop(&d->outstanding);
    uint64_t depth = d->outstanding.n + (d->preset == PAGEDEV_HDD ? pd_hdd_pending(d) : 0) + 1;
    if (hist_add(&s->queue_depth, depth) != 0)
        return sim_errf(e, "out of host memory");
    if (d->preset == PAGEDEV_HDD) {
        pd_req r = {.arrival = t, .orig = cycle, .off = off, .len = len, .seq = seq,
                    .tag = tag, .op = op, .notify = notify};
        if (pd_hdd_enqueue(d, &r) != 0)
            return sim_errf(e, "out of host memory");
        return 0;
    }
    /* eager models: FIFO dispatch, at most qd in service */
    uint64_t disp = t > d->last_dispatch ? t : d->last_dispatch;
    while (d->inflight.n && d->inflight.v[0].key <= disp)
        pd_heap_pop(&d->inflight);
    if (d->inflight.n >= d->qd)
        disp = pd_heap_pop(&d->inflight).key;
    if (disp > t) {
        s->host_queued++;
        s->host_queue_cycles += disp - t;
    }
    d->last_dispatch = disp;
    uint64_t c = d->preset == PAGEDEV_FIXED ? fixed_serve(d, disp)
                                            : pd_flash_serve(d, op, off, len, disp);
    if (c == UINT64_MAX || pd_heap_push(&d->inflight, c, seq, 0) != 0 ||
        pd_finish(d, op, cycle, disp, c, seq, tag, notify) != 0)
        return sim_errf(e, "out of host memory");
    if (done)
        *done = c;
    return 0;
}

int pagedev_submit(pagedev *d, int op, uint64_t off, uint64_t len, void *buf, uint64_t cycle,
                   uint64_t tag, uint64_t *done, sim_err *e)
{
    return submit(d, op, off, len, buf, cycle, tag, true, done, e);
}

bool pagedev_next_done(pagedev *d, uint64_t *tag, uint64_t *done_cycle)
{
    while (d->deliver.n == 0 && d->preset == PAGEDEV_HDD && pd_hdd_pending(d))
        if (pd_hdd_dispatch(d) != 0)
            return false; /* out of host memory: nothing more can be delivered */
    if (d->deliver.n == 0)
        return false;
    pd_ev x = pd_heap_pop(&d->deliver);
    *tag = x.tag;
    *done_cycle = x.key;
    return true;
}

int pagedev_io(pagedev *d, int op, uint64_t off, uint64_t len, void *buf, uint64_t cycle,
               uint64_t *done, sim_err *e)
{
    uint64_t c;
    if (submit(d, op, off, len, buf, cycle, 0, false, &c, e) != 0)
        return -1;
    if (d->preset == PAGEDEV_HDD)
        while (!d->io_known)
            if (pd_hdd_dispatch(d) != 0)
                return sim_errf(e, "out of host memory");
    *done = d->preset == PAGEDEV_HDD ? d->io_done : c;
    return 0;
}

int pagedev_peek(pagedev *d, uint64_t off, uint64_t len, void *buf, sim_err *e)
{
    if (len == 0 || off >= d->capacity || len > d->capacity - off)
        return sim_errf(e, "pagedev: peek of %llu bytes at %llu outside the device",
                        (unsigned long long)len, (unsigned long long)off);
    return pd_store_read(&d->store, off, len, buf, e);
}
