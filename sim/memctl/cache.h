/*
 * cache.h - one set-associative, write-back, write-allocate cache with true
 * LRU replacement. Tags only (no data: contents live in physmem); it answers
 * hit or miss, keeps dirty bits and reports dirty victims. Timing is applied
 * by the caller (memhier); the latency field of the config is not used here.
 * Each line also has a shared bit for MESI (memhier's coherence): with it
 * clear a valid line is E (clean) or M (dirty), with it set S (clean) or
 * T (dirty, shared: POWER's tagged state); only cache_set_shared sets it and
 * a write access clears it (the caller invalidates the other copies first).
 * Invariants: sets = size / (ways * line_size) is a power of two; within a
 * set the valid lines are kept in recency order (MRU first) followed by the
 * invalid ways; a line is in at most one way.
 */
#ifndef LPARSIM_MEMCTL_CACHE_H
#define LPARSIM_MEMCTL_CACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "core/param.h"
#include "core/stats.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One cache level; the owning table (cache_params) gives per-level defaults. */
typedef struct cache_level_config {
    uint64_t size;    /* bytes */
    uint64_t ways;    /* associativity */
    uint64_t latency; /* load-to-use cycles for a hit at this level (total, not increment) */
} cache_level_config;

/* Counters of one cache instance (stat table: cache_stat_table). */
typedef struct cache_stats {
    uint64_t hits;       /* demand accesses (cache_access) that hit */
    uint64_t misses;     /* demand accesses that missed (and filled) */
    uint64_t writebacks; /* dirty lines evicted from this cache */
    uint64_t invalidations; /* valid lines removed by cache_invalidate_line */
} cache_stats;

extern const stat_table cache_stat_table; /* hits, misses, writebacks, invalidations, miss_rate */

#define CACHE_NO_LINE UINT64_MAX
#define CACHE_DIRTY 1u  /* cache_state bit: the line is dirty (M or T) */
#define CACHE_SHARED 2u /* cache_state bit: other caches may hold it (S or T) */

typedef struct cache cache;

/* Check one level's geometry without building it: line_size a power of
 * two >= 8, ways 1..1024, size = ways x line_size x a power-of-two number
 * of sets. `name` is the config key path ("cache.l1d") that messages start
 * with ("cache.l1d.size: ..."). 0 or -1. */
int cache_level_check(const cache_level_config *c, uint64_t line_size, const char *name,
                      sim_err *e);
/* A cache of that geometry (cache_level_check), or NULL with e set. */
cache *cache_create(const cache_level_config *c, uint64_t line_size,
                    const char *name, sim_err *e);
void cache_destroy(cache *c);

/* Demand access to the line holding byte address line_addr (offset bits are
 * ignored). Returns 1 on hit, 0 on miss (the line is then filled as MRU;
 * write-allocate). A write leaves the line dirty and not shared (M). If evicted_dirty_line is
 * not NULL it receives the base address of the dirty victim evicted by the
 * fill, or CACHE_NO_LINE. */
int cache_access(cache *c, uint64_t line_addr, bool write, uint64_t *evicted_dirty_line);

/* cache_access without its first check of the MRU way: the same result,
 * state, counts and cache_gen; cheaper for a level whose MRU way seldom
 * hits (an L2 or L3 behind an L1 miss). */
int cache_access_nomru(cache *c, uint64_t line_addr, bool write, uint64_t *evicted_dirty_line);

/* Fast path for callers: if the line is in the MRU way of its set, do what
 * cache_access would (count a hit, apply the write) and return 1; otherwise
 * return 0 and change nothing (the caller then uses cache_access). */
int cache_hit_mru(cache *c, uint64_t line_addr, bool write);

/* A count that changes whenever a line of the cache is filled, evicted,
 * invalidated, reordered or changes state; MRU hits (cache_hit_mru) leave
 * it. So a line that hit the MRU way when cache_gen was g is still there
 * while it is g, and a read of it again is a hit and nothing else. */
uint64_t cache_gen(const cache *c);
/* Where cache_gen and the hit count live (for a port's fetch memo,
 * memport.h: it reads the one and counts hits in the other). */
const uint64_t *cache_gen_ptr(const cache *c);
uint64_t *cache_hits_ptr(cache *c);

/* A dirty line written back into this cache from the level above: marks it
 * dirty if present (LRU order unchanged), else allocates it dirty as MRU.
 * Not counted as a hit or miss. Returns 1 if the line was present. */
int cache_writeback_in(cache *c, uint64_t line_addr, uint64_t *evicted_dirty_line);

/* The line's state bits (CACHE_DIRTY | CACHE_SHARED), or -1 if absent (no
 * LRU or stats change). */
int cache_state(const cache *c, uint64_t line_addr);

/* Set (M -> T, E -> S) or clear (T -> M, S -> E) the line's shared bit if
 * present; returns its state bits before, or -1 if absent. No LRU or stats
 * change. */
int cache_set_shared(cache *c, uint64_t line_addr, bool shared);

/* The state bits (CACHE_DIRTY | CACHE_SHARED) of the last dirty victim this
 * cache reported (by cache_access or cache_writeback_in). */
unsigned cache_victim_state(const cache *c);

/* Call fn with the base address of every valid line (no order promised). */
void cache_for_each_line(const cache *c, void (*fn)(void *ctx, uint64_t line_addr), void *ctx);

/* True if the line is present (no LRU or stats change). */
bool cache_probe(const cache *c, uint64_t line_addr);

/* Drop the line if present; returns 1 if it was present and dirty (the data
 * are discarded: the caller decides whether that is a writeback). */
int cache_invalidate_line(cache *c, uint64_t line_addr);

/* A dirty line leaving the cache in a stream fill (its base address). */
typedef void (*cache_victim_fn)(void *ctx, uint64_t line_addr);

/* The tag state that accessing the nlines consecutive lines from the one
 * holding line_addr, in order, leaves (cache_access with write = dirty),
 * computed set by set instead of line by line (cache_stream.c): a set the
 * stream maps k lines to gets the last min(k, ways) of them as its MRU
 * ways (newest first); its old lines the stream did not touch follow in
 * their old order while ways remain; an old line the stream touched stays
 * dirty if it was. Every dirty old line that leaves is counted in
 * writebacks and passed to victim (may be NULL). Stream lines that later
 * stream lines push out again are not reported (a dirty stream's own
 * write-backs are the caller's). Hits and misses are not counted. Host
 * cost O(min(nlines, sets) x ways), whatever nlines. Returns the number
 * of old valid lines that left the cache. */
uint64_t cache_stream_fill(cache *c, uint64_t line_addr, uint64_t nlines, bool dirty,
                           cache_victim_fn victim, void *ctx);

/* Invalidate every line; returns the number of dirty lines that were held
 * (counted as writebacks). */
uint64_t cache_flush_all(cache *c);

const cache_stats *cache_get_stats(const cache *c);
void cache_reset_stats(cache *c);

/* Geometry. */
uint64_t cache_sets(const cache *c);
unsigned cache_ways(const cache *c);
uint64_t cache_line_size(const cache *c);

#ifdef __cplusplus
}
#endif
#endif
