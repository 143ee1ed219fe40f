/*
 * hcall_crit.c - the core's registration hcalls, which name guest memory
 * the hypervisor itself will reach ("critical areas", seed 002's
 * transparent pinning), and the hypervisor's own accesses to them:
 *
 *   H_PUT_TCE 0x20      (liobn, ioba, tce): a DMA window's page; valid
 *                        while the TCE's read/write bits are not both 0
 *   H_REGISTER_VPA 0xDC (flags, proc, addr): function (flags >> 45) & 7:
 *                        1 VPA, 2 dispatch trace log, 3 SLB shadow,
 *                        5/6/7 deregister them (Linux hvcall.h, KVM's
 *                        do_h_register_vpa)
 *   H_REG_CRQ 0xFC      (unit, queue, len): a command/response queue
 *   H_FREE_CRQ 0x100    (unit)
 *
 * Model: each area is kept per LPAR (VPA, DTL and SLB shadow per vCPU: the
 * 4K page holding the address, as Linux's lppaca, slb_shadow and DTL each
 * lie within one 4K page; a CRQ's whole queue; a TCE's page), each
 * (de)registration is one step of hypervisor work, and the feature backing
 * a shared-memory LPAR hears of it (hyp_feature.pin: it may pin the pages,
 * or refuse with H_RESOURCE). PAPR order checks as KVM has them: a DTL or
 * SLB shadow needs the VPA (H_RESOURCE), a VPA with either registered
 * cannot go (H_RESOURCE). The hypervisor writes a vCPU's VPA (its yield
 * count) at every dispatch (hyp_vcpu_dispatched), through the backing
 * feature's hv_access for a shared-memory LPAR.
 * Invariant: a page is reported pinned by exactly the areas that name it;
 * every area is unregistered from the backing feature when it goes.
 */
#include "hyp_int.h"

enum { CK_VPA = 1, CK_DTL = 2, CK_SLB = 3, CK_CRQ = 8, CK_TCE = 9, CK_FEATURE = 10 };
#define CRIT_KEY(kind, id) (((uint64_t)(kind) << 56) | ((id) & ((1ULL << 56) - 1)))
#define CRIT_VAL(la, pages) ((la) | ((uint64_t)(pages) << 48))
#define CRIT_LA(v) ((v) & ((1ULL << 48) - 1))
#define CRIT_PAGES(v) ((v) >> 48)
#define CRIT_PAGE 4096ULL

#define CS_F(f) offsetof(hyp_crit_stats, f)
static const stat_desc crit_stat_list[] = {
    {"registered", SK_COUNTER, "areas", "critical areas registered (VPA, DTL, SLB shadow, "
     "CRQ, valid TCE)", CS_F(registered), NULL},
    {"released", SK_COUNTER, "areas", "critical areas deregistered, freed or replaced",
     CS_F(released), NULL},
    {"refused", SK_COUNTER, "hcalls", "registrations refused by the backing feature "
     "(H_RESOURCE: over the I/O entitlement)", CS_F(refused), NULL},
    {"vpa_writes", SK_COUNTER, "writes", "VPA writes by the hypervisor at dispatch",
     CS_F(vpa_writes), NULL},
};
static const stat_table crit_stat_table = {"critical", crit_stat_list,
                                           PARAM_COUNT(crit_stat_list)};

int hyp_crit_init(hyp *h, sim_err *e)
{
    if (stats_register_if_used(h->env.stats, "critical", &crit_stat_table, &h->crit) != 0)
        return sim_errf(e, "out of host memory");
    return 0;
}

/* The feature backing lpid's memory, if it is shared and the feature
 * hears of critical areas; else HYP_NFEATURES. */
static unsigned backer(const hyp *h, unsigned lpid)
{
    unsigned f = h->lpars[lpid]->shared ? hyp_backer_index(h) : HYP_NFEATURES;
    return f < HYP_NFEATURES && hyp_features[f]->pin ? f : HYP_NFEATURES;
}

static long tell(hcall_ctx *c, uint64_t val, bool pin)
{
    unsigned f = backer(c->h, c->lpid);
    if (f == HYP_NFEATURES)
        return H_SUCCESS;
    void *save = c->fs;
    c->fs = c->h->feat[f];
    long rc = hyp_features[f]->pin(c->fs, c, CRIT_LA(val), CRIT_PAGES(val) * CRIT_PAGE, pin);
    c->fs = save;
    return rc;
}

/* Area `key` of c's LPAR becomes val (0: none): the old one released, the
 * new one registered (and refused as a whole if the feature says so). */
static long set_area(hcall_ctx *c, uint64_t key, uint64_t val)
{
    hyp *h = c->h;
    u64map *m = &h->lpars[c->lpid]->crit;
    hcall_steps(c, 1); /* the registration table */
    uint64_t *old = u64map_get(m, key);
    if (val) {
        long rc = tell(c, val, true);
        if (rc != H_SUCCESS) {
            h->crit.refused++;
            return rc;
        }
        h->crit.registered++;
    }
    if (old) {
        uint64_t o = *old;
        u64map_del(m, key, NULL);
        tell(c, o, false);
        h->crit.released++;
    }
    if (val && u64map_put(m, key, val) != 0)
        return H_HARDWARE;
    return H_SUCCESS;
}

static bool in_memory(const hcall_ctx *c, uint64_t la, uint64_t bytes)
{
    uint64_t mem = c->h->lpars[c->lpid]->memory;
    return la < mem && bytes <= mem - la && la < (1ULL << 48);
}

static long h_register_vpa(hcall_ctx *c, const uint64_t *a, uint64_t *rets)
{
    (void)rets;
    hyp_lpar *lp = c->h->lpars[c->lpid];
    unsigned fn = (unsigned)(a[0] >> 45) & 7;
    uint64_t proc = a[1], la = a[2] & ~(CRIT_PAGE - 1);
    if (proc >= lp->nvcpus)
        return H_PARAMETER;
    bool vpa = u64map_get(&lp->crit, CRIT_KEY(CK_VPA, proc)) != NULL;
    switch (fn) {
    case CK_VPA:
    case CK_DTL:
    case CK_SLB:
        if (!in_memory(c, la, CRIT_PAGE))
            return H_PARAMETER;
        if (fn != CK_VPA && !vpa)
            return H_RESOURCE;
        return set_area(c, CRIT_KEY(fn, proc), CRIT_VAL(la, 1));
    case 4 + CK_VPA:
        if (u64map_get(&lp->crit, CRIT_KEY(CK_DTL, proc)) ||
            u64map_get(&lp->crit, CRIT_KEY(CK_SLB, proc)))
            return H_RESOURCE;
        /* fall through */
    case 4 + CK_DTL:
    case 4 + CK_SLB:
        return set_area(c, CRIT_KEY(fn - 4, proc), 0);
    default:
        return H_PARAMETER;
    }
}

static long h_reg_crq(hcall_ctx *c, const uint64_t *a, uint64_t *rets)
{
    (void)rets;
    uint64_t key = CRIT_KEY(CK_CRQ, a[0]), la = a[1], len = a[2];
    if (!len || len % CRIT_PAGE || la % CRIT_PAGE || !in_memory(c, la, len) ||
        len / CRIT_PAGE >= (1ULL << 16))
        return H_PARAMETER;
    if (u64map_get(&c->h->lpars[c->lpid]->crit, key))
        return H_RESOURCE;
    return set_area(c, key, CRIT_VAL(la, len / CRIT_PAGE));
}

static long h_free_crq(hcall_ctx *c, const uint64_t *a, uint64_t *rets)
{
    (void)rets;
    uint64_t key = CRIT_KEY(CK_CRQ, a[0]);
    if (!u64map_get(&c->h->lpars[c->lpid]->crit, key))
        return H_PARAMETER;
    return set_area(c, key, 0);
}

static long h_put_tce(hcall_ctx *c, const uint64_t *a, uint64_t *rets)
{
    (void)rets;
    uint64_t liobn = a[0], ioba = a[1], tce = a[2], la = tce & ~(CRIT_PAGE - 1);
    if (ioba % CRIT_PAGE || liobn >> 32 || ioba / CRIT_PAGE >= (1ULL << 24))
        return H_PARAMETER;
    bool valid = (tce & 3) != 0;
    if (valid && !in_memory(c, la, CRIT_PAGE))
        return H_PARAMETER;
    return set_area(c, CRIT_KEY(CK_TCE, (liobn << 24) | ioba / CRIT_PAGE),
                    valid ? CRIT_VAL(la, 1) : 0);
}

long hyp_crit_area(hcall_ctx *c, uint64_t id, uint64_t la, uint64_t bytes)
{
    uint64_t first = la & ~(CRIT_PAGE - 1);
    uint64_t pages = bytes ? (la + bytes - first + CRIT_PAGE - 1) / CRIT_PAGE : 0;
    if (bytes && (!in_memory(c, la, bytes) || pages >= (1ULL << 16)))
        return H_PARAMETER;
    return set_area(c, CRIT_KEY(CK_FEATURE, id), bytes ? CRIT_VAL(first, pages) : 0);
}

const hyp_hcall_desc hyp_crit_hcalls[] = {
    {H_PUT_TCE, "H_PUT_TCE", NULL, NULL, h_put_tce},
    {H_REGISTER_VPA, "H_REGISTER_VPA", NULL, NULL, h_register_vpa},
    {H_REG_CRQ, "H_REG_CRQ", NULL, NULL, h_reg_crq},
    {H_FREE_CRQ, "H_FREE_CRQ", NULL, NULL, h_free_crq},
};
const size_t hyp_crit_hcall_count = sizeof hyp_crit_hcalls / sizeof hyp_crit_hcalls[0];

uint64_t hyp_crit_dispatch(hyp *h, unsigned thread, unsigned lpid, unsigned vcpu, uint64_t at)
{
    const uint64_t *v = u64map_get(&h->lpars[lpid]->crit, CRIT_KEY(CK_VPA, vcpu));
    if (!v)
        return 0;
    hcall_ctx c;
    hyp_ctx_begin(h, &c, lpid, thread, at);
    uint64_t ra = hyp_hv_real(&c, lpid, CRIT_LA(*v), true);
    /* its yield count, a 32-bit word in the VPA's first line */
    if (ra != UINT64_MAX)
        hcall_mem(&c, ra, 4, MEM_WRITE);
    h->crit.vpa_writes++;
    return c.op.end - c.op.start;
}
