/*
 * smr_platform.c - the platform's triggers (issued by the management
 * console, carried as hcalls H_SMR_TERMINATE / H_SMR_RECLAIM):
 *
 * Termination of an LPAR: one smr.invalidate covering (a) every other
 * LPAR's mappings of the pages it shares, found by the strategy, and (b)
 * its own HPT, zeroed line by line, with an LPAR-scoped TLB flush. Then its
 * SMRs, attachments and server slot are dropped, its LMBs go back to the
 * free list (checked unmapped by the auditor, then zeroed host-side, not
 * charged) and the LPAR restarts empty on fresh LMBs (the free list is
 * LIFO: in practice the same slots), so long scenarios keep their
 * population.
 * Reclaim of a PMB: every mapping of any page in it, by any LPAR (its
 * owner included) is invalidated, shared pages in it leave their SMRs, and
 * each LMB it held moves to a free slot outside it (the LMB-table word is
 * rewritten; the page contents are copied host-side, the copy itself is
 * not charged: the model is about finding and invalidating mappings).
 */
#include <stdlib.h>

#include "smr_int.h"

long smr_terminate(smr *s, hcall_ctx *c, unsigned lpid)
{
    hyp *h = s->h;
    hyp_lpar *lp = &h->lpars[lpid];
    /* the pages it shares, as target ranges */
    smr_range *rg = NULL;
    unsigned n = 0, cap = 0;
    for (uint64_t id = 0; id < s->nsmr; id++) {
        if (!s->r[id].active || s->r[id].server != lpid)
            continue;
        unsigned k;
        smr_range *v = smr_region_ranges(s, id, 0, s->r[id].npages, &k);
        if (!v)
            goto oom;
        if (n + k > cap) {
            cap = 2 * (n + k) + 8;
            smr_range *w = realloc(rg, cap * sizeof *w);
            if (!w) {
                free(v);
                goto oom;
            }
            rg = w;
        }
        for (unsigned i = 0; i < k; i++)
            rg[n++] = v[i];
        free(v);
    }
    smr_target t = {rg, n, -1, (int)lpid};
    if (smr_end_sharing(s, c, &t, (int)lpid) != 0)
        goto oom;
    /* its SMRs: pages dropped, clients detached, ids freed */
    for (uint64_t id = 0; id < s->nsmr; id++) {
        smr_region *r = &s->r[id];
        if (!r->active || r->server != lpid)
            continue;
        for (uint64_t i = 0; i < r->npages; i++)
            smr_drop_page(s, c, id, i);
        for (unsigned l = 0; l < s->nlp; l++)
            for (unsigned k = 0; k < SMR_STRATEGY_COUNT; k++)
                if (s->ops[k]->on_forget && smr_vbit(r->ref, l))
                    s->ops[k]->on_forget(s->st[k], smr_for(s, k, c), id, l);
        for (unsigned w = 0; w < s->vwords; w++)
            r->auth[w] = r->ref[w] = 0;
        r->active = false;
        r->npages = 0;
        smr_mem(c, s->desc_paddr + 64 * id, 64, MEM_WRITE);
        s->stt.destroyed++;
    }
    /* its attachments as a client (its mappings went with its HPT) */
    for (size_t i = 0; s->lp[lpid].nattach;) {
        const u64map_slot *sl;
        if (!u64map_next(&s->attach, &i, &sl))
            break;
        if (smr_key_lpid(sl->key) == lpid) {
            smr_detach(s, c, lpid, smr_key_addr(sl->key));
            i = 0; /* deletion moves entries: start over */
        }
    }
    /* and every authorisation it held */
    for (uint64_t id = 0; id < s->nsmr; id++)
        if (s->r[id].active && smr_vbit(s->r[id].auth, lpid))
            s->r[id].auth[lpid / 64] &= ~(1ull << (lpid % 64));
    if (s->lp[lpid].server_slot >= 0) {
        s->slot_lpid[s->lp[lpid].server_slot] = UINT32_MAX;
        smr_mem(c, s->slots_paddr + 8ull * (uint64_t)s->lp[lpid].server_slot, 8, MEM_WRITE);
        s->lp[lpid].server_slot = -1;
    }
    /* its memory goes back; only now may the slots be reused */
    uint64_t lsz = h->cfg.lmb_size;
    if (lmb_release(&h->lmb, lpid, lp->nlmbs, lp->lmbtab_paddr) != 0)
        goto oom;
    for (uint64_t k = 0; k < lp->nlmbs; k++) {
        if (s->audit)
            smr_audit_free(s, lp->lmb_base[k], lsz, "a slot freed by a termination");
        physmem_zero(h->env.pm, lp->lmb_base[k], lsz); /* fresh memory (host side) */
    }
    /* restart on fresh LMBs (the table is rewritten: modeled writes) */
    sim_err e;
    if (lmb_assign(&h->lmb, lpid, lp->nlmbs, lp->lmbtab_paddr, &e) != 0) {
        smr_fail(s, "restarting LPAR %u after its termination: %s", lpid, e.msg);
        return H_RESOURCE;
    }
    for (uint64_t k = 0; k < lp->nlmbs; k++) {
        lp->lmb_base[k] = physmem_read64(h->env.pm, lp->lmbtab_paddr + 8 * k);
        smr_mem(c, lp->lmbtab_paddr + 8 * k, 8, MEM_WRITE);
    }
    if (s->audit)
        smr_audit_after(s, &t);
    free(rg);
    return H_SUCCESS;
oom:
    free(rg);
    smr_fail(s, "out of host memory terminating LPAR %u", lpid);
    return H_NO_MEM;
}

long smr_reclaim(smr *s, hcall_ctx *c, uint64_t pmb)
{
    hyp *h = s->h;
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
    /* free slots outside the PMB to move to */
    uint64_t nfs = h->lmb.next_free_slot, ns = h->lmb.nslots;
    uint64_t ov_lo = lo > nfs ? lo : nfs, ov_hi = hi < ns ? hi : ns;
    uint64_t outside = (ns - nfs) - (ov_hi > ov_lo ? ov_hi - ov_lo : 0);
    for (uint64_t i = 0; i < h->lmb.nfree; i++)
        outside += h->lmb.freelist[i] < lo || h->lmb.freelist[i] >= hi;
    if (outside < owned)
        return H_RESOURCE;
    smr_range rg = {lo * lsz, (hi - lo) * lsz};
    smr_target t = {&rg, 1, -1, -1};
    if (smr_end_sharing(s, c, &t, -1) != 0) {
        smr_fail(s, "out of host memory reclaiming PMB %llu", (unsigned long long)pmb);
        return H_NO_MEM;
    }
    /* shared pages in it leave their SMRs */
    uint64_t *pages;
    size_t np = u64map_keys_between(&s->page_smr, rg.base >> 12, (rg.base + rg.len) >> 12, &pages);
    if (np == SIZE_MAX) {
        smr_fail(s, "out of host memory reclaiming PMB %llu", (unsigned long long)pmb);
        return H_NO_MEM;
    }
    for (size_t k = 0; k < np; k++) {
        uint64_t *v = u64map_get(&s->page_smr, pages[k]); /* NULL: its large page went */
        if (v)
            smr_drop_page(s, c, *v >> 32, *v & 0xffffffffu);
    }
    free(pages);
    /* move each LMB: take a slot outside, rewrite the owner's table */
    uint64_t *stash = malloc((hi - lo + 1) * sizeof *stash), nst = 0;
    if (!stash)
        return H_NO_MEM;
    for (uint64_t sl = lo; sl < hi; sl++) {
        uint32_t owner = h->lmb.owner[sl];
        if (owner == LMB_FREE)
            continue;
        hyp_lpar *lp = &h->lpars[owner];
        uint64_t k = smr_lmb_index(s, owner, sl * lsz);
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
        physmem_write64(h->env.pm, lp->lmbtab_paddr + 8 * k, to * lsz);
        smr_mem(c, lp->lmbtab_paddr + 8 * k, 8, MEM_WRITE);
        lp->lmb_base[k] = to * lsz;
        h->lmb.slot_lmb[to] = (uint32_t)k;
        h->lmb.owner[sl] = LMB_FREE; /* ownership gone before the check */
        if (s->audit)
            smr_audit_free(s, sl * lsz, lsz, "a reclaimed PMB slot");
        h->lmb.owner[sl] = owner;
        lmb_give(&h->lmb, sl);
        physmem_zero(h->env.pm, sl * lsz, lsz);
    }
    for (uint64_t i = 0; i < nst; i++)
        lmb_give(&h->lmb, stash[i]);
    free(stash);
    if (s->audit)
        smr_audit_after(s, &t);
    return H_SUCCESS;
}
