/*
 * pagedev_int.h - inside the paging device: the device object, the event
 * heaps, the sparse data store and the per-model service functions.
 *
 * Timing engine (pagedev.c): ssd, optane and fixed know a request's
 * completion when it is dispatched, so they are evaluated eagerly at
 * submission (dispatch = arrival, or later when queue_depth requests are
 * in service: the earliest completion frees a slot; FIFO). The hdd serves
 * one request at a time and picks among the queued ones, so its decisions
 * are made lazily: when the head is free at f and the caller has submitted
 * every request arriving before f (pd_hdd_dispatch, pagedev_hdd.c).
 * Invariants: dispatch cycles never decrease; resources' next-free times
 * never decrease; every request is dispatched once.
 */
#ifndef LPARSIM_MEMCTL_PAGEDEV_INT_H
#define LPARSIM_MEMCTL_PAGEDEV_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/resource.h"
#include "core/u64map.h"
#include "memctl/pagedev/pagedev.h"

/* ---- a binary min-heap of (key, seq, tag), ordered by key then seq ---- */

typedef struct pd_ev {
    uint64_t key, seq, tag;
} pd_ev;

typedef struct pd_heap {
    pd_ev *v;
    size_t n, cap;
} pd_heap;

int pd_heap_push(pd_heap *h, uint64_t key, uint64_t seq, uint64_t tag); /* 0 or -1 (memory) */
pd_ev pd_heap_pop(pd_heap *h);                                        /* h->n > 0 */
void pd_heap_free(pd_heap *h);

/* ---- a resource that fills gaps: its busy intervals, sorted and disjoint.
 * A request at t takes the first idle stretch of len cycles at or after t,
 * even before a later-booked interval (a channel whose transfers are booked
 * out of time order wastes no idle time). Intervals ending at or before
 * the horizon (no later request starts before it) are forgotten. ---- */

typedef struct pd_gap {
    uint64_t (*iv)[2];
    size_t n, cap;
} pd_gap;

/* Start cycle, or UINT64_MAX when out of host memory. */
uint64_t pd_gap_acquire(pd_gap *g, uint64_t t, uint64_t len, uint64_t horizon);
void pd_gap_free(pd_gap *g);

/* ---- the data (pagedev_store.c) ---- */

typedef struct pd_store {
    u64map blocks;   /* 4 KiB block index -> its block in a slab (memory mode) */
    char **slabs;    /* 2 MiB slabs of 512 blocks, zeroed, handed out in order */
    size_t nslabs, slabcap, used; /* used: blocks taken from the last slab */
    int fd;          /* >= 0: sparse host file instead */
    const char *path;
} pd_store;

int pd_store_open(pd_store *s, const char *path, uint64_t capacity, sim_err *e);
void pd_store_close(pd_store *s);
int pd_store_write(pd_store *s, uint64_t off, uint64_t len, const void *buf, sim_err *e);
int pd_store_read(pd_store *s, uint64_t off, uint64_t len, void *buf, sim_err *e);

/* ---- the device ---- */

typedef struct pd_req {          /* an hdd request not yet dispatched */
    uint64_t arrival, orig, enter, off, len, seq, tag;
    int op;
    bool notify;
} pd_req;

struct pagedev {
    unsigned preset;
    uint64_t freq_mhz, qd, capacity;
    pagedev_stats st;
    pd_store store;
    uint64_t seq, last_arrival, last_dispatch, busy_end;
    bool any;
    pd_heap deliver;     /* completions not yet delivered: (done, seq, tag) */
    pd_heap outstanding; /* completion cycles of dispatched requests (queue depth) */
    pd_heap inflight;    /* eager models: completions of requests holding a slot */
    uint64_t io_seq, io_done; /* pagedev_io's request and its completion once known */
    bool io_known;

    /* ssd / optane */
    struct {
        uint64_t page, nunits, nchan, slots;
        uint64_t ctrl, read, program, ack; /* cycles */
        double xfer_per_byte;              /* cycles */
        resource ctrl_r;
        pd_gap *unit, *chan;
        pd_heap drains;  /* write-cache entries: (drained, seq, flash page) */
        u64map cached;   /* flash page -> cycle its newest cached copy is drained */
    } fl;

    /* hdd */
    struct {
        uint64_t rev, overhead, cylinders, head_cyl, head_free;
        double track_bytes, cyl_bytes, seek_a, seek_b, xfer_per_byte; /* cycles */
        unsigned sched;
        /* read-ahead: byte x in [ra_off, ra_lim) is in the buffer from
         * ra_t + (x - ra_off) x xfer_per_byte on; ra_lim == ra_off: none */
        uint64_t readahead, ra_off, ra_lim, ra_t;
        pd_req *q;       /* pending, in submission order: q[qh .. qn) */
        size_t qh, qn, qcap;
    } hd;

    /* fixed */
    struct {
        uint64_t latency, gap; /* cycles; gap 0 = no cap */
        resource issue;
    } fx;
};

/* Cycles of t microseconds at the device's clock (rounded to nearest). */
uint64_t pd_cycles(const pagedev *d, double us);
double pd_hdd_track_bytes(const pagedev_hdd_config *h);

/* A request dispatched at disp completes at done: statistics, busy time,
 * the heaps (notify: deliver it through pagedev_next_done). 0 or -1. */
int pd_finish(pagedev *d, int op, uint64_t orig, uint64_t disp, uint64_t done, uint64_t seq,
              uint64_t tag, bool notify);

/* ssd/optane (pagedev_flash.c) */
int pd_flash_init(pagedev *d, const pagedev_flash_config *c, sim_err *e);
void pd_flash_free(pagedev *d);
/* Serve a request dispatched at t; returns its completion, UINT64_MAX when
 * out of host memory. */
uint64_t pd_flash_serve(pagedev *d, int op, uint64_t off, uint64_t len, uint64_t t);

/* hdd (pagedev_hdd.c) */
int pd_hdd_init(pagedev *d, const pagedev_hdd_config *c, sim_err *e);
void pd_hdd_free(pagedev *d);
int pd_hdd_enqueue(pagedev *d, const pd_req *r);
/* Dispatch the next request (there must be one pending). 0 or -1. */
int pd_hdd_dispatch(pagedev *d);
/* Cycle of the next decision (UINT64_MAX when nothing is pending). */
uint64_t pd_hdd_next_decision(const pagedev *d);
static inline size_t pd_hdd_pending(const pagedev *d) { return d->hd.qn - d->hd.qh; }

#endif
