/*
 * tlb.h - per-hardware-thread TLBs and the cost of invalidating them.
 *
 * A TLB is set-associative (POWER9 hash mode: 1024 entries, 256 sets x 4
 * ways). Entries are tagged (lpid, vpn, page size) and hold the real page
 * number and protection bits; vpn is in units of the entry's page size
 * (VA >> page_shift) and the set index is its low bits. Hit path: one
 * xor/or compare per way (lpid, page size and valid folded into one 32-bit
 * context word), LRU stamp store on a hit; victim choice only on a miss.
 *
 * Invalidation (tlbie.c): global tlbies are LPID-scoped and serialised per
 * LPAR by a tlbie lock (one `resource` per LPAR); above a page threshold the
 * LPAR's entries are flushed instead. Local tlbiel touches one thread's TLB.
 * Costs are core cycles from POWER9 measurements (POWER-NOTES "TLBs and
 * invalidation"), given at 3.8 GHz.
 *
 * Invariants: sets = entries / ways is a power of two; an entry is valid
 * iff ctx != 0; no two valid entries of a set share (vpn, ctx).
 */
#ifndef LPARSIM_TLB_TLB_H
#define LPARSIM_TLB_TLB_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "core/param.h"
#include "core/stats.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum tlb_repl { TLB_REPL_LRU = 0, TLB_REPL_FIFO = 1 } tlb_repl;

typedef struct tlb_config {
    uint64_t entries;               /* total entries */
    uint64_t ways;                  /* associativity */
    unsigned replacement;           /* tlb_repl */
    uint64_t tlbie_fixed_cycles;    /* global sequence, first page */
    uint64_t tlbie_page_cycles;     /* each extra global page */
    uint64_t tlbiel_page_cycles;    /* each local page (and each set on a local flush) */
    uint64_t tlbie_flush_threshold; /* global: flush the LPAR above this many pages */
    uint64_t tlbiel_flush_threshold;/* local: flush the LPAR above this many pages */
    uint64_t tlbie_flush_cycles;    /* global LPID-scoped flush */
} tlb_config;

extern const param_table tlb_param_table;

/* Highest LPID a tag can hold. */
#define TLB_MAX_LPID ((1u << 24) - 1)
#define TLB_PSIZES 4u /* page-size codes 0..3 (PSZ_* of sim/mmu) */

typedef struct tlb_entry {
    uint64_t vpn;   /* tag: VA >> page_shift */
    uint32_t ctx;   /* tag: lpid << 3 | psize << 1 | 1; 0 = invalid */
    uint8_t prot;   /* caller's protection bits (e.g. HPTE_PROT_*) */
    uint64_t rpn;   /* real page number, in units of the page size */
    uint64_t stamp; /* replacement stamp (LRU: last use; FIFO: insertion) */
} tlb_entry;

/* The tag word of an entry for (lpid, psize). */
static inline uint32_t tlb_make_ctx(uint32_t lpid, unsigned psize)
{
    return lpid << 3 | (uint32_t)psize << 1 | 1u;
}
static inline uint32_t tlb_entry_lpid(const tlb_entry *e) { return e->ctx >> 3; }
static inline unsigned tlb_entry_psize(const tlb_entry *e) { return (e->ctx >> 1) & 3; }

typedef struct tlb_stats {
    uint64_t hits, misses, inserts, evictions;
    uint64_t invalidations;   /* single-page invalidations that dropped an entry */
    uint64_t flushes;         /* LPAR or full flushes */
    uint64_t flushed_entries; /* entries dropped by flushes */
} tlb_stats;

extern const stat_table tlb_stat_table; /* base: const tlb_stats * */

typedef struct tlb tlb;

/* Check a config without building anything: the declared ranges, entries a
 * multiple of ways, entries/ways a power of two. Errors name the key
 * ("tlb.entries: ..."); the caller prefixes where it came from. 0 or -1. */
int tlb_config_check(const tlb_config *cfg, sim_err *e);
/* Returns NULL with e set if tlb_config_check refuses cfg (or out of host
 * memory). cfg is copied. */
tlb *tlb_create(const tlb_config *cfg, sim_err *e);
void tlb_destroy(tlb *t);
const tlb_config *tlb_get_config(const tlb *t);
const tlb_stats *tlb_get_stats(const tlb *t);
uint64_t tlb_sets(const tlb *t);
/* The set an entry (from a lookup) lives in. */
uint64_t tlb_entry_set(const tlb *t, const tlb_entry *e);
/* All entries (sets x ways, invalid ones have ctx 0), for checkers; none
 * (*n = 0, NULL) until the first insert allocates them. */
const tlb_entry *tlb_entries(const tlb *t, size_t *n);

/* The lookup of an access that needs the protection bits `need` (e.g.
 * HPTE_PROT_W for a store). A TLB miss is, by definition, a lookup that
 * yields no translation usable for the access: no entry for (lpid, vpn,
 * psize), or an entry lacking a bit of `need` (a store through an entry
 * loaded while the page's C bit was 0, which does not let stores through).
 * Returns the entry and counts a hit, or returns NULL and counts a miss:
 * the caller walks the HPT on exactly these misses (the cpu model records
 * one "tlb.miss" op per walk, so the two counts agree). The pointer is
 * valid until the next insert/invalidate on t. */
const tlb_entry *tlb_lookup_access(tlb *t, uint32_t lpid, uint64_t vpn, unsigned psize,
                                   unsigned need);
/* tlb_lookup_access with no protection needed (any entry will do). */
const tlb_entry *tlb_lookup(tlb *t, uint32_t lpid, uint64_t vpn, unsigned psize);
/* Count a hit on entry e of t that the caller found through its own
 * one-entry lookaside (e's tag checked current, and e allows the access):
 * the same statistics and replacement state as tlb_lookup_access returning
 * e. */
void tlb_note_hit(tlb *t, const tlb_entry *e);
/* Install (or refresh) a translation; evicts the LRU (or oldest) way of a
 * full set. Returns true if a valid entry was evicted. */
bool tlb_insert(tlb *t, uint32_t lpid, uint64_t vpn, unsigned psize, uint64_t rpn,
                unsigned prot);
/* Drop one translation; true if it was present. */
bool tlb_inval_va(tlb *t, uint32_t lpid, uint64_t vpn, unsigned psize);
/* Drop every entry of lpid; returns how many were dropped. */
uint64_t tlb_inval_lpid(tlb *t, uint32_t lpid);
/* Drop everything; returns how many were dropped. */
uint64_t tlb_flush(tlb *t);

/* ---- invalidation costs and the per-LPAR tlbie lock (tlbie.c) ----------- */
typedef struct tlbie_cost {
    uint64_t total;    /* queueing + work */
    uint64_t queueing; /* waiting for the LPAR's tlbie lock */
    uint64_t work;     /* the invalidation sequence itself */
} tlbie_cost;

typedef struct tlbie_stats {
    uint64_t tlbies;        /* global invalidation sequences */
    uint64_t pages;         /* pages requested by them */
    uint64_t flushes;       /* sequences turned into an LPAR flush */
    uint64_t lock_waits;    /* sequences that waited for the lock */
    uint64_t wait_cycles;   /* cycles spent waiting */
    uint64_t busy_cycles;   /* cycles the locks were held */
    uint64_t dropped;       /* TLB entries removed */
} tlbie_stats;

extern const stat_table tlbie_stat_table; /* base: const tlbie_stats * */

typedef struct tlbie_fabric tlbie_fabric;

/* One tlbie lock per LPAR, lpid 0 .. nlpars-1. cfg is copied. */
tlbie_fabric *tlbie_fabric_create(const tlb_config *cfg, unsigned nlpars, sim_err *e);
/* Room for lpids 0 .. nlpars-1 (an LPAR created after the machine was
 * sized); 0, or -1 with e set. */
int tlbie_fabric_reserve(tlbie_fabric *f, unsigned nlpars, sim_err *e);
void tlbie_fabric_destroy(tlbie_fabric *f);
const tlbie_stats *tlbie_get_stats(const tlbie_fabric *f);
/* Cycles a global sequence for n pages costs, without queueing. */
uint64_t tlbie_global_work(const tlb_config *cfg, unsigned n);
/* Cycles a local tlbiel of n pages costs on a TLB with `sets` sets. */
uint64_t tlbiel_local_work(const tlb_config *cfg, uint64_t sets, unsigned n);

/* Global tlbie of n pages of LPAR lpid, issued at `now`: removes those
 * translations from every TLB in tlbs (other LPARs' entries stay), or all
 * of lpid's entries if n > tlbie_flush_threshold. Waits for the LPAR's
 * tlbie lock and holds it for the work. Returns out->total (out may be
 * NULL). n == 0 costs nothing. */
uint64_t tlbie_global(tlbie_fabric *f, tlb **tlbs, unsigned ntlbs, uint32_t lpid,
                      const uint64_t *vpns, const uint8_t *psizes, unsigned n,
                      uint64_t now, tlbie_cost *out);
/* Global LPID-scoped flush (one sequence, lock held for tlbie_flush_cycles). */
uint64_t tlbie_global_flush(tlbie_fabric *f, tlb **tlbs, unsigned ntlbs, uint32_t lpid,
                            uint64_t now, tlbie_cost *out);
/* Local tlbiel of n pages in one thread's TLB (no lock); above
 * tlbiel_flush_threshold all of lpid's entries are dropped, at one tlbiel
 * per set. Returns the cycles. */
uint64_t tlbiel_local(tlb *t, uint32_t lpid, const uint64_t *vpns, const uint8_t *psizes,
                      unsigned n, uint64_t now);

#ifdef __cplusplus
}
#endif
#endif
