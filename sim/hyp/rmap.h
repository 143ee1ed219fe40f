/*
 * rmap.h - the hypervisor's reverse map (real page -> HPTE slots), kept by
 * the core when an enabled feature asks for it (feature.h wants_rmap), the
 * way KVM keeps one (book3s_64_mmu_hv): a head word per 4K logical page of
 * each LPAR (8 B) and, per HPTE slot, a revmap entry {forw, back} (16 B)
 * linking every HPTE that maps the same real page into one chain. H_ENTER
 * links the new entry at the chain's front, a removal unlinks it: O(1)
 * each. When charged, those accesses go to the hcall at the tables' real
 * addresses (per LPAR: heads, then the revmap, as large as its HPT);
 * otherwise it is a host-only index.
 * Invariant: the chain of a real 4K page lists exactly the valid HPTEs (of
 * any LPAR) whose page starts there.
 */
#ifndef LPARSIM_HYP_RMAP_H
#define LPARSIM_HYP_RMAP_H

#include <stdbool.h>
#include <stdint.h>

#include "hyp/hyp.h"
#include "hyp/inval.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hyp_rmap hyp_rmap;

/* Hypervisor bytes of an LPAR's tables when the map is charged. */
uint64_t hyp_rmap_lpar_bytes(uint64_t memory, uint64_t hpt_bytes);

/* The core's map (NULL when no enabled feature wants one). */
hyp_rmap *hyp_get_rmap(hyp *h);
bool hyp_rmap_charged(const hyp_rmap *r);

/* Every valid HPTE overlapping the target, by walking the chains of its 4K
 * pages (head read, then each revmap entry, charged to x when x is not
 * NULL), in (lpid, ptex) order. *walked (may be NULL) += entries followed.
 * 0 or -1 (host OOM). */
int hyp_rmap_find(hyp_rmap *r, hcall_ctx *x, const hyp_target *t, hyp_hits *out,
                  uint64_t *walked);

#ifdef __cplusplus
}
#endif
#endif
