/*
 * coherency_driver_int.h - the coherency workload driver (drivers.coherency,
 * sim/hyp/coherency only): generated LPARs whose vCPUs replay a trace while
 * the driver maps, touches and changes a set of shared pages through them
 * (coherency_driver.c; touches: coherency_driver_touch.c).
 */
#ifndef LPARSIM_HYP_COHERENCY_DRIVER_INT_H
#define LPARSIM_HYP_COHERENCY_DRIVER_INT_H

#include "core/rng.h"
#include "coherency_int.h"

enum { CDRV_MAP_UNMAP = 0, CDRV_MPROTECT = 1, CDRV_RECLAIM = 2, CDRV_SHADOW = 3, CDRV_REMAP = 4 };
enum { CDRV_DEDICATED = 0, CDRV_SHARED = 1 };
enum { CDRV_EXPONENTIAL = 0, CDRV_FIXED = 1 };

typedef struct cdrv_config {
    bool enabled;                /* first field (feature.h) */
    char *name;                  /* LPAR name prefix: <name>0, <name>1, ... */
    uint64_t lpars;
    uint64_t vcpus;              /* per LPAR */
    unsigned processors;         /* CDRV_DEDICATED | CDRV_SHARED */
    uint64_t virtual_processors; /* shared: per LPAR; 0: vcpus / threads_per_core */
    double entitlement;          /* shared: per LPAR; 0: the free cores shared equally */
    uint64_t memory;             /* per LPAR */
    uint64_t hpt_size;           /* per LPAR; 0: hypervisor default */
    char *trace;                 /* what every vCPU replays between the driver's rounds */
    uint64_t repeat;
    unsigned pattern;            /* CDRV_MAP_UNMAP | CDRV_MPROTECT | CDRV_RECLAIM */
    uint64_t pages;              /* shared pages per LPAR */
    uint64_t rounds;             /* per LPAR */
    uint64_t rate;               /* rounds per second per LPAR (mean) */
    unsigned distribution;       /* CDRV_EXPONENTIAL | CDRV_FIXED */
    uint64_t touchers;           /* vCPUs 0..touchers-1 touch the pages; 0: all */
    uint64_t producers;          /* running vCPUs that make a round's changes concurrently */
    double retouch;              /* pattern shadow: chance a vCPU touches a changed page again */
    uint64_t relocate;           /* remap: pages relocated per round */
    uint64_t spare;              /* remap: real pages each LPAR adds to the free pool */
} cdrv_config;

extern const param_table coherency_driver_params;

typedef struct cdrv cdrv;

typedef struct cdrv_stats {
    uint64_t rounds;             /* rounds done (all LPARs) */
    uint64_t postponed;          /* rounds put off: no vCPU of the LPAR ran */
    uint64_t maps;               /* H_ENTERs */
    uint64_t changes;            /* translations removed or downgraded */
    uint64_t change_hcalls;      /* hcalls that made them */
    uint64_t change_cycles;      /* their cycles on the producing vCPU */
    uint64_t touches;            /* page accesses by the vCPUs */
    uint64_t touch_misses;       /* ... that missed in the thread's TLB */
    uint64_t touch_cycles;       /* cycles of the accesses (walks included) */
    uint64_t evictions;          /* reclaim: pages evicted (R clear) */
    uint64_t trace_ends;         /* LPARs whose vCPUs all ended before their rounds */
    uint64_t hpt_digest;         /* the driver's translations at the end (32 bits) */
    uint64_t relocations;        /* remap: pages relocated (completed) */
    uint64_t remap_faults;       /* remap: touches that found their page being moved */
    uint64_t stale_touches;      /* remap: touches through a gated old page's TLB entry */
    uint64_t copy_cycles;        /* remap: page copies and new HPTEs */
    uint64_t lost_stores;        /* remap: pages whose last store is not in their page */
    uint64_t data_digest;        /* remap: the pages' data words at the end (sum of 32-bit digests) */
    const cdrv *owner;           /* for the derived figure (not a statistic) */
} cdrv_stats;

extern const stat_table cdrv_stat_table;

/* The machine-wide coherency cycles charged so far: coherency.drain's
 * total and the interrupt cycles of every LPAR (0 without the feature). */
uint64_t cdrv_consumer_cycles(const cdrv *s);

/* ---- concurrent producers (coherency_driver_producers.c) ---- */

#define CDRV_MAX_PRODUCERS 64

/* The producers of one round: the threads of the lowest-numbered running
 * vCPUs of the LPAR (at most drivers.coherency.producers), and the stream
 * that assigns the round's changes to them (one per LPAR and round). */
typedef struct cdrv_prods {
    unsigned n;
    unsigned t[CDRV_MAX_PRODUCERS];
    uint64_t seed;
} cdrv_prods;

/* One change item of a round (an hcall, or H_CLEAR_REF and its H_REMOVE),
 * made on thread t: 0, or -1 with e set. */
typedef int (*cdrv_item_fn)(void *ctx, unsigned t, uint64_t item, sim_err *e);

/* Items [0, n) of a round: each drawn to a producer from P's stream (all
 * to the only one when P->n is 1: in order on its thread), each producer
 * making its own in order, the producers interleaved by their threads'
 * clocks (the one furthest behind issues its next hcall first, ties to the
 * lower index), so concurrent producers reach the hypervisor's locks in
 * time order. 0, or -1 with e set. */
int cdrv_each_item(const cdrv_prods *P, const hyp *h, uint64_t n, cdrv_item_fn fn, void *ctx,
                   sim_err *e);

/* ---- touches (coherency_driver_touch.c) ---- */

/* A page of the driver: effective address in the driver's address space,
 * logical address, HPTE slot while mapped. */
typedef struct cdrv_page {
    uint64_t ea, la, ptex;
    bool mapped;
} cdrv_page;

/* The driver's segment context (address-space id) for every LPAR. */
#define CDRV_CONTEXT 0x7ffffu

/* Hardware thread t, running a vCPU of lpid, accesses page p (a store or
 * a load) as its vCPU would: TLB lookup, on a miss the HPT walk (R/C set,
 * op tlb.miss), the access through its caches. Its clock advances by the
 * cycles; st counts them. 0, or -1 with e set (no translation). */
int cdrv_touch(hyp *h, unsigned t, unsigned lpid, const cdrv_page *p, bool store,
               cdrv_stats *st, sim_err *e);
/* The same; *rpn (if not NULL) receives the real page the access reached. */
int cdrv_touch_rpn(hyp *h, unsigned t, unsigned lpid, const cdrv_page *p, bool store,
                   cdrv_stats *st, uint64_t *rpn, sim_err *e);

/* ---- pattern remap (coherency_driver_remap.c) ---- */

typedef struct cdrv_remap cdrv_remap;
cdrv_remap *cdrv_remap_create(hyp *h, coh *k, const cdrv_config *c, uint64_t seed, sim_err *e);
void cdrv_remap_destroy(cdrv_remap *r);
/* LPAR number idx (lpid) of the driver, its pages: its spare pages join
 * the free pool. */
int cdrv_remap_lpar(cdrv_remap *r, unsigned idx, unsigned lpid, cdrv_page *pg, sim_err *e);
/* One round of LPAR idx: producer thread t, run[v] the thread running
 * vCPU v (or -1) of its nv. */
int cdrv_remap_round(cdrv_remap *r, unsigned idx, unsigned t, const int *run, unsigned nv,
                     uint64_t round, cdrv_stats *st, sim_err *e);
/* LPAR idx is done: its relocations in flight completed on thread t (the
 * gates forced), then every page checked for lost stores. */
int cdrv_remap_settle(cdrv_remap *r, unsigned idx, unsigned t, cdrv_stats *st, sim_err *e);

/* ---- pattern shadow (coherency_driver_shadow.c; mode shadow, shadow_int.h) ---- */

/* LPAR lpid's guest page table written (before the run) and attached to
 * mode shadow: PTE i maps EA page i to its first logical page. */
int cdrv_shadow_attach(hyp *h, coh *k, const cdrv_config *c, unsigned lpid, sim_err *e);
/* The first step: every running toucher (run[v]: its thread, or -1)
 * touches every page (hidden faults build the shadow HPTEs). */
int cdrv_shadow_setup(coh *k, const cdrv_config *c, unsigned lpid, const int *run, unsigned nv,
                      sim_err *e);
/* A round: the producer thread stores a new PTE for every page (each
 * remapped to its other logical page), every running vCPU issues a tlbiel
 * of each (E4), then each running toucher touches each page again with
 * probability c->retouch (stream `seed`). */
int cdrv_shadow_round(coh *k, const cdrv_config *c, unsigned lpid, const int *run, unsigned nv,
                      unsigned producer, uint64_t seed, cdrv_stats *st, sim_err *e);

#endif
