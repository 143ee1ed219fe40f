/*
 * memhier.h - the cache hierarchy of the machine: per core an L1I, an L1D
 * and an L2; per processor module one L3 shared by its cores. Below the L3
 * is whatever the caller binds (DRAM).
 *
 * Timing: a hit at a level costs that level's configured latency, which is
 * the load-to-use total (L1 3, L2 13, L3 27 core cycles by default, after
 * POWER-NOTES), not an increment over the level above. An L3 miss costs the
 * L3 latency plus the fill latency returned by below.access(). An access
 * that crosses line boundaries is charged line by line, sequentially.
 * Fills allocate in every level (inclusive on fill; no back-invalidation on
 * eviction). Dirty victims are written back to the next level; dirty L3
 * victims go to below.access(write=true), whose latency is not charged to
 * the requester (posted writeback). With cache.coherence: mesi the cores'
 * L1D/L2 and the modules' L3s keep MESI states (with POWER's T for a dirty
 * line another cache shares) and an access pays interventions and
 * invalidations (memhier_coh.c, docs/memory.md); with none (the default)
 * no cache sees another.
 * memhier_stream applies a long stream's effect on the tags without
 * accessing it line by line (the scanning core's caches only).
 * Invariants: core c belongs to module c / cores_per_module; all levels
 * share one line size.
 */
#ifndef LPARSIM_MEMCTL_MEMHIER_H
#define LPARSIM_MEMCTL_MEMHIER_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "core/memport.h"
#include "core/param.h"
#include "core/stats.h"
#include "cache.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { CACHE_COH_NONE, CACHE_COH_MESI };

typedef struct cache_config {
    uint64_t line_size;   /* bytes, all levels */
    cache_level_config l1i, l1d, l2, l3;
    unsigned coherence;        /* CACHE_COH_* */
    uint64_t coherence_onchip;  /* cycles: intervention/invalidation transfer on a module */
    uint64_t coherence_offchip; /* cycles: the same between modules */
} cache_config;

/* Coherence counters of the hierarchy (mesi only; stat table
 * memhier_coh_stat_table, registered as "cache.coherence"). */
typedef struct memhier_coh_stats {
    uint64_t interventions_onchip;  /* misses served by a dirty line of a cache on the module */
    uint64_t interventions_offchip; /* ... of a cache on another module */
    uint64_t intervention_cycles;   /* latency of those accesses */
    uint64_t invalidations;         /* copies invalidated (a core's L1D+L2 or an L3: one each) */
    uint64_t upgrades;              /* writes that hit a shared line (S or T) */
    uint64_t invalidation_waits;    /* writes that waited for an invalidation */
    uint64_t invalidation_cycles;   /* cycles those writes waited beyond their own latency */
    uint64_t downgrades;            /* E -> S or M -> T in another cache by a read */
} memhier_coh_stats;

extern const stat_table memhier_coh_stat_table;

extern const param_table cache_params; /* "cache" */

/* Memory below the L3. access() returns the latency of a read fill in core
 * cycles; it is also called with write=true for dirty L3 victims (posted).
 * line_paddr is line aligned; now is the core cycle the request leaves the
 * L3 (request time + L3 latency). */
typedef struct memhier_below {
    uint64_t (*access)(void *ctx, uint64_t line_paddr, bool write, uint64_t now);
    void *ctx;
    /* Functional mode (memhier_set_functional): what a fill or a writeback
     * leaves behind below (an open DRAM row), untimed; NULL: nothing. */
    void (*touch)(void *ctx, uint64_t line_paddr, bool write);
    /* Optional: a demand read fill, told which core (global index) asked,
     * so that the memory below can tell a local access from a remote one
     * (NUMA, docs/numa.md); NULL: read fills go to access(write=false). */
    uint64_t (*fill)(void *ctx, unsigned core, uint64_t line_paddr, uint64_t now);
} memhier_below;

typedef struct memhier memhier;

/* Check a config without building anything: the declared ranges, a
 * power-of-two line size, latencies that do not decrease with depth and
 * every level's geometry (cache_level_check). Errors name the key path
 * ("cache.l2.size: ..."); the caller prefixes where it came from. 0 or -1. */
int memhier_config_check(const cache_config *c, sim_err *e);

/* modules >= 1, cores_per_module >= 1; c must pass memhier_config_check
 * (checked again here). Errors name the key path; the caller prefixes
 * file:line. */
memhier *memhier_create(const cache_config *c, unsigned modules,
                        unsigned cores_per_module, memhier_below below, sim_err *e);
void memhier_destroy(memhier *h);

/* Access `size` bytes at paddr by `core` (global index) at cycle now; returns
 * the latency in core cycles (>= 1). MEM_IFETCH goes through L1I, MEM_READ and
 * MEM_WRITE through L1D. size 0 is treated as 1. */
uint64_t memhier_access(memhier *h, unsigned core, uint64_t paddr, uint32_t size,
                        mem_kind kind, uint64_t now);

/* The cache state a stream of [paddr, paddr+bytes) by `core` leaves, as if
 * every line were accessed in order (kind as memhier_access), computed set
 * by set (cache_stream_fill) for the core's L1 (L1I for MEM_IFETCH, else
 * L1D), its L2 and its module's L3, top down: the dirty lines a level
 * pushes out are written back into the next one before that level's own
 * fill (they leave early in a real stream), and those the L3 pushes out go
 * below as posted writes at cycles spread evenly over [now, now+span). A
 * writing kind (MEM_WRITE, MEM_ZERO) leaves the stream's lines dirty in
 * every level. Not counted as hits or misses; the stream's own lines that
 * it pushes out again are not written back (their traffic, like their
 * time, is the caller's estimate). The mem_port's `stream`. */
void memhier_stream(memhier *h, unsigned core, uint64_t paddr, uint64_t bytes, mem_kind kind,
                    uint64_t now, uint64_t span);
/* Functional mode (run.warmup_records): accesses update the caches (tags,
 * LRU, dirty bits, writebacks) exactly as timed ones do, but what reaches
 * the memory below goes to below.touch, untimed, and a miss in every level
 * costs the L3 latency (a nominal figure: the caller uses it only to order
 * hypervisor work during a warm-up). Off by default. */
void memhier_set_functional(memhier *h, bool on);

/* A mem_port bound to one core (owned by h, valid until memhier_destroy). */
const mem_port *memhier_port(memhier *h, unsigned core);

/* The same access entering at the L2 of `core`, as the MMU's table walk
 * does on POWER (it does not go through or allocate in the L1D): the L1I
 * and L1D are neither looked up nor filled, and their stats do not move. A
 * line costs the L2 latency on an L2 hit, else the L3's (plus below's on an
 * L3 miss), and fills the L2 and the L3 as a demand miss does; a write
 * (MEM_WRITE, the walk's R/C update) leaves the L2 line dirty. The L1D may
 * keep a stale copy of a line so written (no coherence, see above). */
uint64_t memhier_access_l2(memhier *h, unsigned core, uint64_t paddr, uint32_t size,
                           mem_kind kind, uint64_t now);
/* A mem_port doing memhier_access_l2 for one core (owned by h). */
const mem_port *memhier_walk_port(memhier *h, unsigned core);

/* Drop the line holding paddr from every cache, without writeback (e.g. a
 * page whose contents are replaced by DMA or page-in). */
void memhier_invalidate(memhier *h, uint64_t paddr);

/* Register every cache's stats: "<prefix>.module<M>.core<C>.l1i|l1d|l2" and
 * "<prefix>.module<M>.l3" with prefix "cache" (core index C is local to
 * module M), and with coherence on "cache.coherence". Returns 0 or -1
 * (allocation failure). */
int memhier_register_stats(memhier *h, stats_reg *r);

unsigned memhier_cores(const memhier *h);
/* The coherence counters (all zero with cache.coherence: none). */
const memhier_coh_stats *memhier_coh_get_stats(const memhier *h);
uint64_t memhier_line_size(const memhier *h);
/* Individual caches, for tests and reports. */
cache *memhier_l1i(memhier *h, unsigned core);
cache *memhier_l1d(memhier *h, unsigned core);
cache *memhier_l2(memhier *h, unsigned core);
cache *memhier_l3(memhier *h, unsigned module);

#ifdef __cplusplus
}
#endif
#endif
