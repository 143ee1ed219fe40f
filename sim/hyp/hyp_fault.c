/*
 * hyp_fault.c - the hypervisor's side of translation misses and of
 * shared-memory LPARs: routing a miss to the features that take misses
 * first (hyp_hv_fault, the analogue of KVM's kvmppc_hpte_hv_fault), the
 * charged search for an absent HPTE, and the translation of a
 * shared-memory LPAR's logical addresses through the feature backing it,
 * for its own kernel (hyp_guest_real) and for the hypervisor's own
 * accesses (hyp_hv_real).
 * Invariants: with no feature taking misses a miss costs nothing here and
 * goes to the guest; an LPAR whose memory is shared is translated only by
 * its backing feature (it owns no LMB).
 */
#include <string.h>

#include "hyp_int.h"

unsigned hyp_backer_index(const hyp *h)
{
    for (unsigned f = 0; f < HYP_NFEATURES; f++)
        if (h->feat[f] && hyp_features[f]->shared_memory)
            return f;
    return HYP_NFEATURES;
}

const void *hyp_shared_backer(const hyp *h)
{
    unsigned f = hyp_backer_index(h);
    return f < HYP_NFEATURES ? hyp_features[f] : NULL;
}

uint64_t hyp_shared_la_to_ra(const hyp *h, unsigned lpid, uint64_t la)
{
    unsigned f = hyp_backer_index(h);
    if (f == HYP_NFEATURES || !hyp_features[f]->la_to_ra)
        return UINT64_MAX;
    return hyp_features[f]->la_to_ra(h->feat[f], lpid, la);
}

int hyp_backing_read(hyp *h, hcall_ctx *c, unsigned lpid, uint64_t la, void *buf, sim_err *e)
{
    unsigned f = hyp_backer_index(h);
    if (f == HYP_NFEATURES || !hyp_features[f]->page_read)
        return sim_errf(e, "no enabled feature reads shared-memory pages");
    return hyp_features[f]->page_read(h->feat[f], c, lpid, la, buf, e);
}

int hyp_backing_import(hyp *h, hcall_ctx *c, unsigned lpid, uint64_t la, const void *buf,
                       bool to_memory, uint64_t *done, sim_err *e)
{
    unsigned f = hyp_backer_index(h);
    if (f == HYP_NFEATURES || !hyp_features[f]->page_import)
        return sim_errf(e, "no enabled feature imports shared-memory pages");
    return hyp_features[f]->page_import(h->feat[f], c, lpid, la, buf, to_memory, done, e);
}

void hyp_backing_counts(const hyp *h, unsigned lpid, uint64_t *resident, uint64_t *page_ins)
{
    unsigned f = hyp_backer_index(h);
    *resident = *page_ins = 0;
    if (f < HYP_NFEATURES && hyp_features[f]->backing_counts)
        hyp_features[f]->backing_counts(h->feat[f], lpid, resident, page_ins);
}

uint64_t hyp_backing_ra_to_la(const hyp *h, unsigned lpid, uint64_t ra)
{
    unsigned f = hyp_backer_index(h);
    if (f == HYP_NFEATURES || !hyp_features[f]->ra_to_la)
        return UINT64_MAX;
    return hyp_features[f]->ra_to_la(h->feat[f], lpid, ra);
}

bool hyp_intercepts_faults(const hyp *h)
{
    for (unsigned f = 0; f < HYP_NFEATURES; f++)
        if (h->feat[f] && hyp_features[f]->hv_fault)
            return true;
    return false;
}

int hyp_hv_fault(hyp *h, unsigned lpid, unsigned thread, uint64_t vsid, uint64_t ea,
                 unsigned page_shift, bool seg_1t, bool store, uint64_t now, uint64_t *cycles,
                 sim_err *e)
{
    *cycles = 0;
    for (unsigned f = 0; f < HYP_NFEATURES; f++) {
        if (!h->feat[f] || !hyp_features[f]->hv_fault)
            continue;
        hcall_ctx c;
        hyp_ctx_begin(h, &c, lpid, thread, now);
        c.fs = h->feat[f];
        int rc = hyp_features[f]->hv_fault(h->feat[f], &c, vsid, ea, page_shift, seg_1t, store, e);
        if (rc == HYP_HVF_NOT_MINE)
            continue;
        if (rc < 0)
            return -1;
        *cycles = c.op.end - c.op.start - c.off_thread;
        hyp_check_features(h);
        if (hyp_check_error(h, e) != 0)
            return -1;
        return rc;
    }
    return CPU_HVF_REFLECT;
}

uint64_t hyp_hv_real(hcall_ctx *c, unsigned lpid, uint64_t la, bool store)
{
    hyp *h = c->h;
    unsigned f = h->lpars[lpid]->shared ? hyp_backer_index(h) : HYP_NFEATURES;
    if (f == HYP_NFEATURES || !hyp_features[f]->hv_access)
        return hyp_logical_to_real(h, lpid, la);
    /* the backing feature translates (and pages in, if it must) on a
     * context of its own whose time the caller waits for in place */
    hcall_ctx pc = *c;
    op_begin(&pc.op, c->op.end);
    pc.lpid = lpid;
    pc.fs = h->feat[f];
    uint64_t ra = hyp_features[f]->hv_access(pc.fs, &pc, la, store, &h->err);
    if (ra == UINT64_MAX)
        h->failed = true;
    op_charge(&c->op, c->p_memory, pc.op.end - pc.op.start);
    return ra;
}

uint64_t hyp_guest_real(hyp *h, unsigned lpid, unsigned thread, uint64_t la, unsigned access,
                        uint64_t now, uint64_t *cycles, sim_err *e)
{
    *cycles = 0;
    const hyp_lpar *lp = h->lpars[lpid];
    if (!lp->shared)
        return hyp_logical_to_real(h, lpid, la);
    if (la >= lp->memory) {
        sim_errf(e, "LPAR %s: logical address 0x%llx is beyond its memory", lp->name,
                 (unsigned long long)la);
        return UINT64_MAX;
    }
    unsigned f = hyp_backer_index(h);
    uint64_t ra = hyp_shared_la_to_ra(h, lpid, la);
    if (ra != UINT64_MAX || f == HYP_NFEATURES || !hyp_features[f]->touch)
        return ra;
    hcall_ctx c;
    hyp_ctx_begin(h, &c, lpid, thread, now);
    c.fs = h->feat[f];
    ra = hyp_features[f]->touch(h->feat[f], &c, la, access, e);
    *cycles = c.op.end - c.op.start;
    if (ra == UINT64_MAX)
        return UINT64_MAX;
    hyp_check_features(h);
    return hyp_check_error(h, e) != 0 ? UINT64_MAX : ra;
}

void hyp_guest_freed(hyp *h, unsigned lpid, uint64_t la)
{
    unsigned f = hyp_backer_index(h);
    if (lpid < h->nlpars && h->lpars[lpid]->shared && f < HYP_NFEATURES &&
        hyp_features[f]->guest_freed)
        hyp_features[f]->guest_freed(h->feat[f], lpid, la);
}

bool hyp_absent_search(hcall_ctx *c, unsigned lpid, uint64_t vsid, uint64_t ea,
                       unsigned page_shift, bool seg_1t, uint64_t *ptex, hpte *out)
{
    const hpt *t = &c->h->lpars[lpid]->hpt;
    uint64_t hash = hpt_hash(vsid, ea, page_shift, seg_1t);
    for (int sec = 0; sec < 2; sec++) {
        uint64_t pteg = hpt_pteg_index(t, hash, sec);
        hcall_mem(c, hpt_pteg_addr(t, pteg), HPT_PTEG_BYTES, MEM_READ);
        uint64_t ptem = hpte_ptem(vsid, ea, page_shift, seg_1t, sec);
        for (unsigned s = 0; s < HPT_PTEG_SLOTS; s++) {
            hpte x = hpt_read(t, pteg * HPT_PTEG_SLOTS + s);
            if ((x.v & (HPTE_V_ABSENT | HPTE_V_VALID)) != HPTE_V_ABSENT)
                continue;
            uint64_t gv = (x.v & ~HPTE_V_ABSENT) | HPTE_V_VALID;
            int ps = hpte_decode_psize_any(gv, x.r);
            if (((gv ^ ptem) & HPTE_V_CMP_MASK) == 0 && ps >= 0 &&
                hpt_psize_shift((hpt_psize)ps) == page_shift) {
                hcall_steps(c, s + 1);
                *ptex = pteg * HPT_PTEG_SLOTS + s;
                *out = x;
                return true;
            }
        }
        hcall_steps(c, HPT_PTEG_SLOTS);
    }
    return false;
}
