/*
 * memhier_int.h - the inside of memhier, shared by memhier.c (the
 * hierarchy) and memhier_coh.c (MESI coherence between the cores' private
 * caches and the modules' L3s). Not for use outside sim/memctl.
 * Invariants: caches are indexed by global core (l1i/l1d/l2) or module
 * (l3); ports[c].port.ctx == &ports[c]; coh is false when
 * cache.coherence is none, and then memhier_coh.c is never entered.
 */
#ifndef LPARSIM_MEMCTL_MEMHIER_INT_H
#define LPARSIM_MEMCTL_MEMHIER_INT_H

#include "memhier.h"

typedef struct memhier_core_port {
    memhier *h;
    unsigned core;
    /* copies for the hot path (fixed after memhier_create): h->l1i[core],
     * h->l1d[core], their latencies and h->line_shift, one load away from
     * the port instead of three */
    unsigned line_shift;
    cache *l1i, *l1d;
    uint64_t lat_l1i, lat_l1d;
    /* the line of the last fetch that hit the L1I's MRU way, and the L1I's
     * cache_gen then: the next fetch of that line hits again while the
     * generation holds (line UINT64_MAX: none); published as port.ifetch */
    mem_port_memo imemo;
    mem_port port;
} memhier_core_port;

struct memhier {
    unsigned ncores, cpm, nmod;
    unsigned line_shift;
    uint64_t lat_l1i, lat_l1d, lat_l2, lat_l3;
    cache **l1i, **l1d, **l2; /* ncores each */
    cache **l3;               /* nmod */
    cache **l3c;              /* ncores: l3c[c] == l3[c / cpm], its module's L3 (no
                               * division per miss); fixed by memhier_create */
    memhier_below below;
    bool functional;          /* memhier_set_functional */
    memhier_core_port *ports;
    uint64_t *wb;       /* memhier_stream: L3 victims waiting to go below */
    size_t nwb, capwb;
    uint64_t wb_now;    /* ... issued at once (here) when wb cannot grow */
    memhier_core_port *walk_ports; /* entering at the L2 (memhier_walk_port) */
    bool coh;                        /* cache.coherence: mesi */
    uint64_t coh_onchip, coh_offchip; /* transfer cycles (cache.coherence_*) */
    memhier_coh_stats cst;
    /* mesi: per core, a filter of the lines its L1D and L2 may hold: a bit
     * per hash of the line, set by every miss of the core (mh_coh_miss) and
     * rebuilt from the tags after MH_FILTER_REBUILD misses; a snoop skips a
     * core whose bit is clear. Never a false negative (no line enters an
     * L1D or L2 but through a miss); speed only. */
    uint64_t *filter;   /* ncores x MH_FILTER_WORDS */
    uint32_t *fmisses;  /* ncores: misses since the last rebuild */
};

#define MH_FILTER_BITS 16 /* 64 Ki bits (8 KiB) per core */
#define MH_FILTER_WORDS ((1u << MH_FILTER_BITS) / 64)
#define MH_FILTER_REBUILD 8192u

/* The write-backs of one demand fill's dirty victims, deepest first: v3 (an
 * L3 victim) to below, v2 (an L2 victim) into the L3, v1 (an L1 victim) into
 * the L2 and on down; t3 is when they leave the L3. With coherence on, a
 * victim that was shared keeps its shared bit where it is allocated. */
void mh_writebacks(memhier *h, unsigned core, uint64_t v1, uint64_t v2, uint64_t v3,
                   uint64_t t3);

/* A read fill of one line from below at t3 for `core`: its latency (in
 * functional mode untimed, 0). */
uint64_t mh_fill(memhier *h, unsigned core, uint64_t line, uint64_t t3);

/* Coherent versions of one line's access (memhier_coh.c): an L1D access of
 * kind MEM_READ, MEM_WRITE or MEM_ZERO, and the rest of an access that
 * missed in its L1 (filled there already, dirty victim v1). */
/* Allocate the filters (mesi); 0 or -1. */
int mh_coh_init(memhier *h);

uint64_t mh_coh_line(memhier *h, unsigned core, uint64_t line, mem_kind kind, uint64_t now);
uint64_t mh_coh_miss(memhier *h, unsigned core, uint64_t line, uint64_t v1, uint64_t now,
                     mem_kind kind);

#endif
