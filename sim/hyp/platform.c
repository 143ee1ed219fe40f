/*
 * platform.c - LPAR termination/restart and PMB reclaim (see platform.h):
 * the hypervisor core's side of each (invalidation, LMB table, free list)
 * with every enabled feature told through its platform hooks.
 * Ordering rule: the pipeline clears the HPTEs and makes the TLBs coherent
 * before any slot is released or reused; auditors check each release.
 */
#include <stdlib.h>

#include "hyp_int.h"
#include "platform.h"

#define EACH_FEATURE(h, f, hook)                                                                   \
    for (unsigned f = 0; f < HYP_NFEATURES; f++)                                                   \
        if ((h)->feat[f] && hyp_features[f]->platform.hook)

static hyp_find_fn finder(hyp *h, void **ctx)
{
    for (unsigned f = 0; f < HYP_NFEATURES; f++)
        if (h->feat[f] && hyp_features[f]->find) {
            *ctx = h->feat[f];
            return hyp_features[f]->find;
        }
    *ctx = NULL;
    return NULL;
}

static void releasing(hyp *h, uint64_t base, uint64_t len, const char *what)
{
    EACH_FEATURE(h, f, releasing)
        hyp_features[f]->platform.releasing(h->feat[f], base, len, what);
}

static void after(hyp *h, const hyp_target *t)
{
    EACH_FEATURE(h, f, after)
        hyp_features[f]->platform.after(h->feat[f], t);
}

static long oom(hyp *h, const char *what, uint64_t n)
{
    sim_err e;
    sim_errf(&e, "out of host memory %s %llu", what, (unsigned long long)n);
    hyp_fail(h, &e);
    return H_NO_MEM;
}

long hyp_lpar_terminate(hcall_ctx *c, unsigned lpid, op_id op, unsigned part)
{
    hyp *h = c->h;
    hyp_lpar *lp = h->lpars[lpid];
    hyp_ranges shared = {0};
    EACH_FEATURE(h, f, terminating)
        if (hyp_features[f]->platform.terminating(h->feat[f], c, lpid, &shared) != 0) {
            free(shared.v);
            return oom(h, "terminating LPAR", lpid);
        }
    /* others' mappings of what it shares, and its own HPT */
    hyp_target t = {shared.v, shared.n, -1, (int)lpid};
    void *fctx;
    hyp_find_fn find = finder(h, &fctx);
    if (hyp_invalidate(c, &t, (int)lpid, find, fctx, op, part, NULL) != 0) {
        free(shared.v);
        return oom(h, "terminating LPAR", lpid);
    }
    EACH_FEATURE(h, f, terminated)
        hyp_features[f]->platform.terminated(h->feat[f], c, lpid);
    /* its memory goes back; only now may the slots be reused */
    uint64_t lsz = h->cfg.lmb_size;
    if (lmb_release(&h->lmb, lpid, lp->nlmbs, lp->lmbtab_paddr) != 0) {
        free(shared.v);
        return oom(h, "terminating LPAR", lpid);
    }
    for (uint64_t k = 0; k < lp->nlmbs; k++) {
        releasing(h, lp->lmb_base[k], lsz, "a slot freed by a termination");
        physmem_zero(h->env.pm, lp->lmb_base[k], lsz); /* fresh memory (host side) */
    }
    /* restart on fresh LMBs (the table is rewritten: modeled writes) */
    sim_err e;
    if (lmb_assign(&h->lmb, lpid, lp->nlmbs, lp->lmbtab_paddr, &e) != 0) {
        sim_err_prefix(&e, "restarting LPAR %u after its termination", lpid);
        hyp_fail(h, &e);
        free(shared.v);
        return H_RESOURCE;
    }
    for (uint64_t k = 0; k < lp->nlmbs; k++) {
        lp->lmb_base[k] = physmem_read64(h->env.pm, lp->lmbtab_paddr + 8 * k);
        hcall_mem(c, lp->lmbtab_paddr + 8 * k, 8, MEM_WRITE);
    }
    EACH_FEATURE(h, f, restarted)
        hyp_features[f]->platform.restarted(h->feat[f], c, lpid);
    after(h, &t);
    free(shared.v);
    return H_SUCCESS;
}

void hyp_lmb_switch(hcall_ctx *c, unsigned lpid, uint64_t k, uint64_t to, const char *what)
{
    hyp *h = c->h;
    hyp_lpar *lp = h->lpars[lpid];
    uint64_t lsz = h->cfg.lmb_size, sl = lp->lmb_base[k] / lsz;
    physmem_write64(h->env.pm, lp->lmbtab_paddr + 8 * k, to * lsz);
    hcall_mem(c, lp->lmbtab_paddr + 8 * k, 8, MEM_WRITE);
    lp->lmb_base[k] = to * lsz;
    h->lmb.slot_lmb[to] = (uint32_t)k;
    h->lmb.owner[sl] = LMB_FREE; /* ownership gone before the check */
    releasing(h, sl * lsz, lsz, what);
    h->lmb.owner[sl] = lpid;
    lmb_give(&h->lmb, sl);
    physmem_zero(h->env.pm, sl * lsz, lsz);
    EACH_FEATURE(h, f, lmb_moved)
        hyp_features[f]->platform.lmb_moved(h->feat[f], c, lpid, k, sl * lsz, to * lsz);
}

/* Free slots outside [lo, hi) that LMBs could move to. */
static uint64_t free_outside(const lmb_space *l, uint64_t lo, uint64_t hi)
{
    uint64_t nfs = l->next_free_slot, ns = l->nslots;
    uint64_t ov_lo = lo > nfs ? lo : nfs, ov_hi = hi < ns ? hi : ns;
    uint64_t outside = (ns - nfs) - (ov_hi > ov_lo ? ov_hi - ov_lo : 0);
    for (uint64_t i = 0; i < l->nfree; i++)
        outside += l->freelist[i] < lo || l->freelist[i] >= hi;
    return outside;
}

long hyp_pmb_reclaim(hcall_ctx *c, uint64_t pmb, op_id op, unsigned part)
{
    hyp *h = c->h;
    const memmap *mm = h->env.mm;
    if (pmb >= memmap_pmb_count(mm))
        return H_PARAMETER;
    uint64_t base = memmap_pmb_base(mm, pmb), size = memmap_pmb_size(mm, pmb);
    uint64_t lsz = h->cfg.lmb_size, owned = 0;
    /* LMB slots overlapping the PMB: none may be the hypervisor's */
    uint64_t lo = base / lsz, hi = (base + size + lsz - 1) / lsz;
    for (uint64_t sl = lo; sl < hi; sl++) {
        if (h->lmb.owner[sl] == LMB_HYP)
            return H_PARAMETER;
        owned += h->lmb.owner[sl] != LMB_FREE;
    }
    hcall_steps(c, hi - lo);
    if (owned == 0)
        return H_SUCCESS;
    if (free_outside(&h->lmb, lo, hi) < owned)
        return H_RESOURCE;
    hyp_range rg = {lo * lsz, (hi - lo) * lsz};
    hyp_target t = {&rg, 1, -1, -1};
    void *fctx;
    hyp_find_fn find = finder(h, &fctx);
    if (hyp_invalidate(c, &t, -1, find, fctx, op, part, NULL) != 0)
        return oom(h, "reclaiming PMB", pmb);
    EACH_FEATURE(h, f, reclaimed)
        hyp_features[f]->platform.reclaimed(h->feat[f], c, rg.base, rg.len);
    /* move each LMB: take a slot outside, rewrite the owner's table */
    uint64_t *stash = malloc((hi - lo + 1) * sizeof *stash), nst = 0;
    if (!stash)
        return oom(h, "reclaiming PMB", pmb);
    for (uint64_t sl = lo; sl < hi; sl++) {
        uint32_t owner = h->lmb.owner[sl];
        if (owner == LMB_FREE)
            continue;
        uint64_t k = lmb_index_of(&h->lmb, owner, sl * lsz);
        uint64_t to;
        while ((to = lmb_take(&h->lmb, owner)) != UINT64_MAX && to >= lo && to < hi) {
            /* a free slot inside the PMB: not a destination; it stays free
             * (lmb_take marked it owned, and this loop would move it) */
            h->lmb.owner[to] = LMB_FREE;
            stash[nst++] = to;
        }
        if (to == UINT64_MAX)
            break; /* cannot happen: counted above */
        physmem_copy(h->env.pm, to * lsz, sl * lsz, lsz);
        hyp_lmb_switch(c, owner, k, to, "a reclaimed PMB slot");
    }
    for (uint64_t i = 0; i < nst; i++)
        lmb_give(&h->lmb, stash[i]);
    free(stash);
    after(h, &t);
    return H_SUCCESS;
}
