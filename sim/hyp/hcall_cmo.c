/*
 * hcall_cmo.c - the core's PAPR hcalls of Cooperative Memory Overcommit
 * (PowerVM Active Memory Sharing), as Linux pseries uses them:
 *   H_PAGE_INIT 0x2C (flags, dest, src): H_ZERO_PAGE zeroes the 4K page at
 *     logical dest, H_COPY_PAGE copies src to it (both through the memory
 *     model), and the CMO page usage states (H_PAGE_SET_ACTIVE/UNUSED/
 *     LOANED, Linux asm/hvcall.h; lpar.c plpar_page_set_loaned/active,
 *     arch_free_page) tell the hypervisor how the guest uses the page;
 *   H_GET_MPP 0x2D4: the LPAR's memory performance parameters, laid out
 *     in rets as Linux lpar.c h_get_mpp reads them;
 *   H_SET_MPP 0x2D0 (entitled, weight): the LPAR's memory entitlement and
 *     weight (lparcfg's writes).
 * A dedicated-memory LPAR: the states succeed with no effect (its memory
 * is its own), H_GET_MPP reports its memory as entitled and mapped with no
 * pool (pool and group 0xffff) and no loan request, H_SET_MPP is
 * H_FUNCTION (not a shared-memory partition). A shared-memory LPAR: the
 * core forwards the states and H_ZERO_PAGE to the feature backing it
 * (hyp_feature.page_state) and H_GET_MPP/H_SET_MPP to hyp_feature.mpp;
 * H_COPY_PAGE is not modeled there (H_PARAMETER).
 * Invariants: dest/src are 4K-aligned logical addresses inside the LPAR's
 * memory (else H_PARAMETER); H_ZERO_PAGE with H_COPY_PAGE is H_PARAMETER
 * (as KVM's kvmppc_h_page_init); unknown flags are H_PARAMETER. Ops
 * hcall.H_PAGE_INIT, hcall.H_GET_MPP, hcall.H_SET_MPP with the standard
 * parts, reported once used.
 */
#include "hyp_int.h"

#define CMO_PAGE 4096u
#define CMO_STATE_BITS (H_PAGE_SET_LOANED) /* bits 28..31 */

static const hyp_feature *backer(hcall_ctx *c, void **fs)
{
    unsigned f = hyp_backer_index(c->h);
    if (f >= HYP_NFEATURES)
        return NULL;
    *fs = c->h->feat[f];
    return hyp_features[f];
}

/* The CMO state flags as a request; -1: no state change; -2: a bad
 * combination. */
static int state_op(uint64_t flags)
{
    uint64_t s = flags & CMO_STATE_BITS;
    if (!s)
        return -1;
    if (s == H_PAGE_SET_ACTIVE)
        return HYP_PAGE_ACTIVE;
    if (s == H_PAGE_SET_UNUSED)
        return HYP_PAGE_UNUSED;
    if (s == H_PAGE_SET_LOANED)
        return HYP_PAGE_LOANED;
    return -2;
}

static long page_init_dedicated(hcall_ctx *c, hyp_lpar *lp, uint64_t flags, uint64_t dest,
                                uint64_t src)
{
    if (!(flags & (H_ZERO_PAGE | H_COPY_PAGE)))
        return H_SUCCESS; /* usage states: its memory is its own */
    uint64_t rd = hyp_xlate_logical(c, lp, dest);
    physmem *pm = c->h->env.pm;
    hcall_steps(c, 1);
    if (flags & H_ZERO_PAGE) {
        physmem_zero(pm, rd, CMO_PAGE);
        hcall_mem(c, rd, CMO_PAGE, MEM_ZERO);
        return H_SUCCESS;
    }
    uint64_t rs = hyp_xlate_logical(c, lp, src);
    unsigned char buf[CMO_PAGE];
    physmem_read_bytes(pm, rs, buf, CMO_PAGE);
    physmem_write_bytes(pm, rd, buf, CMO_PAGE);
    hcall_mem(c, rs, CMO_PAGE, MEM_READ);
    hcall_mem(c, rd, CMO_PAGE, MEM_WRITE);
    return H_SUCCESS;
}

static bool page_ok(const hyp_lpar *lp, uint64_t la)
{
    return la % CMO_PAGE == 0 && la < lp->memory;
}

/* H_PAGE_INIT(flags, dest, src) */
static long h_page_init(hcall_ctx *c, const uint64_t *a, uint64_t *rets)
{
    (void)rets;
    hyp_lpar *lp = c->h->lpars[c->lpid];
    uint64_t flags = a[0], dest = a[1], src = a[2];
    const uint64_t known = H_ZERO_PAGE | H_COPY_PAGE | CMO_STATE_BITS;
    int op = state_op(flags);
    if ((flags & ~known) || op == -2 ||
        (flags & (H_ZERO_PAGE | H_COPY_PAGE)) == (H_ZERO_PAGE | H_COPY_PAGE) ||
        !page_ok(lp, dest) || ((flags & H_COPY_PAGE) && !page_ok(lp, src)))
        return H_PARAMETER;
    if (!lp->shared)
        return page_init_dedicated(c, lp, flags, dest, src);
    void *fs = NULL;
    const hyp_feature *f = backer(c, &fs);
    if (!f || !f->page_state)
        return H_FUNCTION;
    if (flags & H_COPY_PAGE)
        return H_PARAMETER; /* not modeled for shared-memory LPARs */
    long rc = H_SUCCESS;
    if (flags & H_ZERO_PAGE)
        rc = f->page_state(fs, c, dest, HYP_PAGE_ZERO);
    if (rc == H_SUCCESS && op >= 0)
        rc = f->page_state(fs, c, dest, (hyp_page_op)op);
    return rc;
}

static void put_mpp(const hyp_mpp *m, uint64_t *rets)
{
    rets[0] = m->entitled_mem;
    rets[1] = m->mapped_mem;
    rets[2] = ((uint64_t)(m->group_num & 0xffff) << 16) | (m->pool_num & 0xffff);
    rets[3] = ((uint64_t)(m->mem_weight & 0xff) << 56) |
              ((uint64_t)(m->unallocated_mem_weight & 0xff) << 48) |
              (m->unallocated_entitlement & 0xffffffffffffULL);
    rets[4] = m->pool_size;
    rets[5] = (uint64_t)m->loan_request;
    rets[6] = m->backing_mem;
}

/* H_GET_MPP() -> rets[0..6] as Linux h_get_mpp reads them */
static long h_get_mpp(hcall_ctx *c, const uint64_t *a, uint64_t *rets)
{
    (void)a;
    hyp_lpar *lp = c->h->lpars[c->lpid];
    hcall_steps(c, 1);
    hyp_mpp m = {.entitled_mem = lp->memory, .mapped_mem = lp->memory, .group_num = 0xffff,
                 .pool_num = 0xffff, .backing_mem = lp->memory};
    if (lp->shared) {
        void *fs = NULL;
        const hyp_feature *f = backer(c, &fs);
        if (!f || !f->mpp)
            return H_FUNCTION;
        m.mem_weight = lp->memory_weight;
        long rc = f->mpp(fs, c, false, &m);
        if (rc != H_SUCCESS)
            return rc;
    }
    put_mpp(&m, rets);
    return H_SUCCESS;
}

/* H_SET_MPP(entitled, weight) */
static long h_set_mpp(hcall_ctx *c, const uint64_t *a, uint64_t *rets)
{
    (void)rets;
    hyp_lpar *lp = c->h->lpars[c->lpid];
    hcall_steps(c, 1);
    if (!lp->shared)
        return H_FUNCTION;
    void *fs = NULL;
    const hyp_feature *f = backer(c, &fs);
    if (!f || !f->mpp)
        return H_FUNCTION;
    if (a[1] > 255 || a[0] > lp->memory)
        return H_PARAMETER;
    lp->memory_weight = (unsigned)a[1];
    hyp_mpp m = {.entitled_mem = a[0], .mem_weight = lp->memory_weight};
    return f->mpp(fs, c, true, &m);
}

const hyp_hcall_desc hyp_cmo_hcalls[] = {
    {H_PAGE_INIT, "H_PAGE_INIT", NULL, NULL, h_page_init},
    {H_GET_MPP, "H_GET_MPP", NULL, NULL, h_get_mpp},
    {H_SET_MPP, "H_SET_MPP", NULL, NULL, h_set_mpp},
};
const size_t hyp_cmo_hcall_count = sizeof hyp_cmo_hcalls / sizeof hyp_cmo_hcalls[0];
