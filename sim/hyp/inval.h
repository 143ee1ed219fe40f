/*
 * inval.h - the hypervisor's one invalidation pipeline, for every path that
 * removes or downgrades a translation (H_REMOVE, H_BULK_REMOVE, H_PROTECT,
 * H_CLEAR_REF/MOD, guest evictions, feature and platform invalidations):
 *
 *   find   the mappings of a target (a feature's finder or an HPT scan)
 *   clear  each HPTE (modeled write; HPTE listeners told)
 *   cohere make the TLBs coherent: the coherency strategy (eager global
 *          tlbie by default; TLB-coherence features replace it)
 *   release only after that may pages, slots and redirections be reused
 *
 * The ordering rule lives here: an hyp_batch collects the cleared entries of
 * one LPAR and hyp_batch_commit makes the TLBs coherent; callers release
 * only after the commit. hyp_invalidate runs the whole pipeline for a
 * target as one op.
 */
#ifndef LPARSIM_HYP_INVAL_H
#define LPARSIM_HYP_INVAL_H

#include <stdbool.h>
#include <stdint.h>

#include "hyp/hyp.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A range of real addresses whose mappings are wanted. */
typedef struct hyp_range {
    uint64_t base, len;
} hyp_range;

typedef struct hyp_ranges {
    hyp_range *v;
    unsigned n, cap;
} hyp_ranges;

int hyp_ranges_push(hyp_ranges *r, uint64_t base, uint64_t len);

typedef struct hyp_target {
    const hyp_range *r;
    unsigned n;
    int only;   /* only this lpid's mappings, or -1 */
    int except; /* every LPAR but this one, or -1 */
} hyp_target;

bool hyp_target_wants(const hyp_target *t, unsigned lpid);
/* Does a valid HPTE (whatever its page size) overlap the target? */
bool hyp_target_hits(const hyp_target *t, hpte x);

/* One mapping found: LPAR and HPTE index. */
typedef struct hyp_hit {
    uint32_t lpid;
    uint64_t ptex;
} hyp_hit;

typedef struct hyp_hits {
    hyp_hit *v;
    size_t n, cap;
} hyp_hits;

int hyp_hits_push(hyp_hits *h, uint32_t lpid, uint64_t ptex);
void hyp_hits_sort(hyp_hits *h); /* by (lpid, ptex) */

/* Real page an HPTE maps (UINT64_MAX if not valid) and its size. */
uint64_t hyp_hpte_real(hpte x, uint64_t *bytes);

/* ---- coherency: the pluggable "make the TLBs coherent" step ---- */

typedef struct hyp_coherency_ops {
    const char *name;
    /* The HPTEs of lpid whose translations are (vpns, psizes)[0..n) were
     * just cleared or downgraded; make every TLB that may hold them
     * coherent before returning (flush: all of lpid's entries). Charges
     * c's tlb and queueing parts. */
    void (*invalidate)(void *ctx, hcall_ctx *c, unsigned lpid, const uint64_t *vpns,
                       const uint8_t *psizes, unsigned n, bool flush);
    /* Optional (NULL: invalidate is called): the same, also told the HPTE
     * slot each translation was cleared or downgraded at (ptexs[i]; NULL
     * for a flush), for strategies that keep per-slot records. */
    void (*invalidate_slots)(void *ctx, hcall_ctx *c, unsigned lpid, const uint64_t *vpns,
                             const uint8_t *psizes, const uint64_t *ptexs, unsigned n,
                             bool flush);
} hyp_coherency_ops;

extern const hyp_coherency_ops hyp_eager_tlbie; /* the default: one global tlbie batch */

/* Replace the coherency strategy (a TLB-coherence feature, at create). */
void hyp_set_coherency(hyp *h, const hyp_coherency_ops *ops, void *ctx);

/* ---- the steps ---- */

/* Entries of one LPAR cleared or downgraded, waiting for the coherency
 * step. */
typedef struct hyp_batch {
    hcall_ctx *c;
    unsigned lpid;
    unsigned n, cap;
    uint64_t *vpn;
    uint8_t *ps;
    uint64_t *ptex;         /* the slot of each queued operand */
    uint64_t vpn_small[4];
    uint8_t ps_small[4];
    uint64_t ptex_small[4];
    bool flush;
    bool oom;
} hyp_batch;

void hyp_batch_init(hyp_batch *b, hcall_ctx *c, unsigned lpid);
/* Clear HPTE ptex of the batch's LPAR (old: its value as read): modeled
 * write, listeners and hooks told, operand queued. */
void hyp_batch_clear(hyp_batch *b, uint64_t ptex, hpte old);
/* Write ptex as `now` (already made invalid or downgraded by the caller's
 * rules) and queue old's operand. */
void hyp_batch_downgrade(hyp_batch *b, uint64_t ptex, hpte old, hpte now);
/* Make the TLBs coherent for the batch; after this, release is safe.
 * Returns 0, or -1 if the batch ran out of host memory (flushed whole). */
int hyp_batch_commit(hyp_batch *b);

/* Stream [paddr, paddr+bytes) line by line (MEM_READ scan, MEM_ZERO clear)
 * with hypervisor.scan_outstanding lines in flight; a region longer than
 * hypervisor.scan_sample_lines has that many lines simulated (from where
 * its previous sample stopped) and the rest charged at the sample's mean
 * window time; the rest also leaves the caches as streaming it would
 * (mem_stream: what it evicts is evicted, dirty victims written back over
 * the charged time; docs/smr.md). A NULL context charges nothing. */
void hyp_stream(hyp *h, hcall_ctx *x, uint64_t paddr, uint64_t bytes, mem_kind kind);

/* Call fn for every valid HPTE of lpid (host side, no cycles), skipping
 * the chunks never written; fn may clear the entry it is given. Stops at
 * and returns fn's first non-zero result. */
typedef int (*hyp_hpte_fn)(void *ctx, unsigned lpid, uint64_t ptex, hpte e);
int hyp_each_valid_hpte(hyp *h, unsigned lpid, hyp_hpte_fn fn, void *ctx);

/* Scan lpid's whole HPT (a charged stream, one step per PTEG) for valid
 * entries overlapping the target. *lines receives the PTEG lines read. */
int hyp_scan_hpt(hyp *h, hcall_ctx *x, unsigned lpid, const hyp_target *t, hyp_hits *out);

/* A finder: every valid HPTE of the target, in (lpid, ptex) order. */
typedef int (*hyp_find_fn)(void *ctx, hcall_ctx *x, const hyp_target *t, hyp_hits *out);

/* Parts of the invalidation op ("find,hpte_remove,tlb_invalidate,queueing"). */
#define HYP_INVAL_PARTS "find,hpte_remove,tlb_invalidate,queueing"

/* The whole pipeline for a target, as one op `op` (parts HYP_INVAL_PARTS)
 * whose total is charged to part `part` of c: find (find, or every HPT
 * scanned when find is NULL), clear each HPTE, make the TLBs coherent (one
 * batch per LPAR). wipe_lpid >= 0 also zeroes that LPAR's whole HPT and
 * flushes its TLB entries. *found (may be NULL) receives the mappings
 * cleared. 0, or -1 on host OOM. */
int hyp_invalidate(hcall_ctx *c, const hyp_target *t, int wipe_lpid, hyp_find_fn find,
                   void *find_ctx, op_id op, unsigned part, uint64_t *found);

#ifdef __cplusplus
}
#endif
#endif
