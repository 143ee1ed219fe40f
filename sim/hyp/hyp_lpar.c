/*
 * hyp_lpar.c - an LPAR in the hypervisor: creation (HPT from the bottom of
 * hypervisor memory, LMB table and reverse-map tables from the top, its
 * LMBs, every enabled feature told), the HPT's store (every word written
 * goes to the HPTE-write listeners), host-side queries and the charged
 * translation of logical addresses. Each LPAR is allocated apart, so
 * pointers to its HPT stay valid while more LPARs are created.
 */
#include <stdlib.h>
#include <string.h>

#include "hyp_int.h"

static uint64_t store_read(void *ctx, uint64_t pa)
{
    const hyp *h = ctx;
    return physmem_read64(h->env.pm, pa);
}

static void store_prefetch(void *ctx, uint64_t pa)
{
    const hyp *h = ctx;
    physmem_prefetch(h->env.pm, pa);
}

static void store_write(void *ctx, uint64_t pa, uint64_t v)
{
    /* a host allocation failure cannot be reported through the hcall: it
     * is latched, and the run stops after the hcall with the message */
    hyp *h = ctx;
    if (physmem_write64(h->env.pm, pa, v) != 0) {
        sim_err e;
        sim_errf(&e, "out of host memory writing an HPTE at real address 0x%llx",
                 (unsigned long long)pa);
        hyp_fail(h, &e);
    }
    for (unsigned i = 0; i < h->nlisten; i++)
        h->listen[i].fn(h->listen[i].ctx, pa);
}

uint64_t hyp_lmbtab_bytes(const hyp_config *c, uint64_t memory)
{
    uint64_t n = (memory + c->lmb_size - 1) / c->lmb_size;
    return (8 * n + 127) & ~127ULL;
}

/* Everything of a new LPAR but its registration: HPT, LMB table, LMBs. */
static int lpar_init(hyp *h, hyp_lpar *lp, const char *name, uint64_t memory, uint64_t hpt_bytes,
                     const hyp_lpar_home *home, sim_err *e)
{
    const hyp_config *c = &h->cfg;
    lp->memory = memory;
    lp->nlmbs = lp->shared ? 0 : memory / c->lmb_size; /* shared: frames of a pool */
    uint64_t hsize = hyp_hpt_size(c, memory, hpt_bytes);
    if (hsize & (hsize - 1) || hsize < (1ULL << HPT_MIN_SHIFT) || hsize > (1ULL << HPT_MAX_SHIFT))
        return sim_errf(e, "HPT size %llu bytes; expected a power of two from 256K to 64T",
                        (unsigned long long)hsize);
    if (!lp->shared && lmb_free_bytes(&h->lmb) < memory)
        return sim_errf(e, "memory %llu bytes needs %llu LMBs but only %llu are free",
                        (unsigned long long)memory, (unsigned long long)lp->nlmbs,
                        (unsigned long long)(lmb_free_bytes(&h->lmb) / c->lmb_size));
    uint64_t hbase = UINT64_MAX, hrun = 0; /* hrun: the home node's run of LMBs */
    if (home && home->n && home->hpt_home && home->nodes[0] < memmap_nodes(h->env.mm))
        hbase = lmb_hyp_alloc_node(&h->lmb, hsize, hsize, home->nodes[0]);
    if (hbase != UINT64_MAX)
        hrun = (hsize + c->lmb_size - 1) / c->lmb_size * c->lmb_size;
    if (hbase == UINT64_MAX)
        hbase = lmb_hyp_alloc(&h->lmb, hsize, hsize);
    lp->lmbtab_paddr = lmb_hyp_alloc_top(&h->lmb, hyp_lmbtab_bytes(c, memory), 128);
    if (h->rmap && hyp_rmap_charged(h->rmap) && lp->lmbtab_paddr != UINT64_MAX) {
        /* the reverse map with the HPT on the home node when the rest of
         * its run holds it (numa.hpt_home), else in hypervisor memory */
        uint64_t rb = hyp_rmap_lpar_bytes(memory, hsize);
        lp->rmap_paddr = hrun && hrun - hsize >= rb ? hbase + hsize
                                            : lmb_hyp_alloc_top(&h->lmb, rb, 128);
    }
    if (lp->lmbtab_paddr == UINT64_MAX || hbase == UINT64_MAX || lp->rmap_paddr == UINT64_MAX)
        return sim_errf(e, "hypervisor memory (%llu bytes) is too small for this LPAR's HPT of "
                           "%llu bytes and its tables; raise hypervisor.memory or set it to 0 "
                           "(automatic)",
                        (unsigned long long)h->lmb.hyp_bytes, (unsigned long long)hsize);
    hpt_store st = {store_read, store_write, h, store_prefetch};
    if (hpt_init(&lp->hpt, hbase, hsize, &st, e) != 0)
        return -1;
    lp->lmb_base = malloc((lp->nlmbs ? lp->nlmbs : 1) * sizeof *lp->lmb_base);
    lp->name = strdup(name ? name : "");
    if (!lp->lmb_base || !lp->name) {
        free(lp->lmb_base);
        free(lp->name);
        return sim_errf(e, "out of host memory");
    }
    if ((home && home->n ? hyp_home_assign(h, lp, home, e)
                         : lmb_assign(&h->lmb, h->nlpars, lp->nlmbs, lp->lmbtab_paddr, e)) != 0) {
        free(lp->lmb_base);
        free(lp->name);
        free(lp->home);
        free(lp->home_pages);
        return sim_err_prefix(e, "memory %llu bytes", (unsigned long long)memory);
    }
    for (uint64_t k = 0; k < lp->nlmbs; k++)
        lp->lmb_base[k] = physmem_read64(h->env.pm, lp->lmbtab_paddr + 8 * k);
    return 0;
}

static int lpar_create(hyp *h, const char *name, uint64_t memory, uint64_t hpt_bytes,
                       bool shared, const hyp_lpar_home *home, sim_err *e)
{
    const hyp_config *c = &h->cfg;
    if (memory == 0 || memory % c->lmb_size != 0)
        return sim_errf(e, "memory %llu bytes is not a whole number of LMBs; expected a "
                           "multiple of hypervisor.lmb_size = %llu",
                        (unsigned long long)memory, (unsigned long long)c->lmb_size);
    if (h->env.fabric && tlbie_fabric_reserve(h->env.fabric, h->nlpars + 1, e) != 0)
        return -1;
    if (h->nlpars == h->cap) {
        unsigned cap = h->cap ? 2 * h->cap : 8;
        hyp_lpar **v = realloc(h->lpars, cap * sizeof *v);
        if (!v)
            return sim_errf(e, "out of host memory");
        h->lpars = v;
        h->cap = cap;
    }
    /* each LPAR apart, so that guests' pointers to its HPT survive the
     * creation of more LPARs (a driver's) */
    hyp_lpar *lp = calloc(1, sizeof *lp);
    if (!lp)
        return sim_errf(e, "out of host memory");
    h->lpars[h->nlpars] = lp;
    lp->shared = shared;
    lp->memory_weight = 128;
    int rc = lpar_init(h, lp, name, memory, hpt_bytes, home, e);
    if (rc != 0) {
        free(lp);
        return -1;
    }
    h->nlpars++;
    for (unsigned f = 0; f < HYP_NFEATURES; f++)
        if (h->feat[f] && hyp_features[f]->lpar_added &&
            hyp_features[f]->lpar_added(h->feat[f], h->nlpars - 1, e) != 0)
            return -1;
    return (int)h->nlpars - 1;
}

int hyp_lpar_create(hyp *h, const char *name, uint64_t memory, uint64_t hpt_bytes, sim_err *e)
{
    return lpar_create(h, name, memory, hpt_bytes, false, NULL, e);
}

int hyp_lpar_create_home(hyp *h, const char *name, uint64_t memory, uint64_t hpt_bytes,
                         const hyp_lpar_home *home, sim_err *e)
{
    return lpar_create(h, name, memory, hpt_bytes, false, home, e);
}

int hyp_lpar_create_shared(hyp *h, const char *name, uint64_t memory, uint64_t hpt_bytes,
                           const hyp_lpar_home *home, sim_err *e)
{
    if (!hyp_shared_backer(h))
        return sim_errf(e, "memory_mode: shared, but no enabled feature backs shared memory; "
                           "expected hypervisor.paging.enabled: true");
    return lpar_create(h, name, memory, hpt_bytes, true, home, e);
}

bool hyp_lpar_shared(const hyp *h, unsigned lpid) { return h->lpars[lpid]->shared; }
void hyp_lpar_set_memory_weight(hyp *h, unsigned lpid, unsigned w)
{
    h->lpars[lpid]->memory_weight = w;
}
unsigned hyp_lpar_memory_weight(const hyp *h, unsigned lpid)
{
    return h->lpars[lpid]->memory_weight;
}

unsigned hyp_lpar_count(const hyp *h) { return h->nlpars; }
const char *hyp_lpar_name(const hyp *h, unsigned lpid) { return h->lpars[lpid]->name; }
const hpt *hyp_lpar_hpt(const hyp *h, unsigned lpid) { return &h->lpars[lpid]->hpt; }
uint64_t hyp_freq_mhz(const hyp *h) { return h->env.freq_mhz; }

uint64_t hyp_lpar_memory(const hyp *h, unsigned lpid) { return h->lpars[lpid]->memory; }
uint64_t hyp_lmb_size(const hyp *h) { return h->cfg.lmb_size; }
uint64_t hyp_memory_bytes(const hyp *h) { return h->lmb.hyp_bytes; }
void *hyp_feature_state(const hyp *h, unsigned index)
{
    return index < HYP_NFEATURES ? h->feat[index] : NULL;
}

uint64_t hyp_logical_to_real(const hyp *h, unsigned lpid, uint64_t la)
{
    const hyp_lpar *lp = h->lpars[lpid];
    if (la >= lp->memory)
        return UINT64_MAX;
    if (lp->shared)
        return hyp_shared_la_to_ra(h, lpid, la);
    return lp->lmb_base[la / h->cfg.lmb_size] + la % h->cfg.lmb_size;
}

uint64_t hyp_real_to_logical(const hyp *h, unsigned lpid, uint64_t ra)
{
    uint64_t k = lmb_index_of(&h->lmb, lpid, ra);
    return k == UINT64_MAX ? UINT64_MAX : k * h->cfg.lmb_size + ra % h->cfg.lmb_size;
}

bool hyp_real_owned_by(const hyp *h, unsigned lpid, uint64_t ra)
{
    uint64_t slot = ra / h->cfg.lmb_size;
    return slot < h->lmb.nslots && h->lmb.owner[slot] == lpid;
}

uint64_t hyp_xlate_logical(hcall_ctx *c, hyp_lpar *lp, uint64_t la)
{
    if (la >= lp->memory || lp->shared)
        return UINT64_MAX;
    uint64_t k = la / c->h->cfg.lmb_size;
    hcall_mem(c, lp->lmbtab_paddr + 8 * k, 8, MEM_READ);
    uint64_t base = physmem_read64(c->h->env.pm, lp->lmbtab_paddr + 8 * k);
    return base + la % c->h->cfg.lmb_size;
}

uint64_t hyp_xlate_enter(hcall_ctx *c, hyp_lpar *lp, uint64_t la)
{
    if (la >= lp->memory)
        return UINT64_MAX;
    for (unsigned i = 0; i < c->h->next; i++)
        if (c->h->ext[i].xlate) {
            uint64_t ra = c->h->ext[i].xlate(c->h->ext[i].ctx, c, la);
            if (ra != UINT64_MAX)
                return ra;
        }
    return hyp_xlate_logical(c, lp, la);
}


int hyp_lpar_set_procs(hyp *h, unsigned lpid, const hyp_procs *p, sim_err *e)
{
    if (lpid >= h->nlpars)
        return sim_errf(e, "no LPAR %u", lpid);
    h->lpars[lpid]->procs = *p;
    return 0;
}

int hyp_lpar_add_vcpu(hyp *h, unsigned lpid, cpu_vcpu *v, unsigned thread, sim_err *e)
{
    hyp_lpar *lp = h->lpars[lpid];
    cpu_vcpu **nv = realloc(lp->vcpus, (lp->nvcpus + 1) * sizeof *nv);
    if (nv)
        lp->vcpus = nv;
    unsigned *nt = nv ? realloc(lp->vcpu_thread, (lp->nvcpus + 1) * sizeof *nt) : NULL;
    if (!nt)
        return sim_errf(e, "out of host memory");
    lp->vcpu_thread = nt;
    lp->vcpus[lp->nvcpus] = v;
    lp->vcpu_thread[lp->nvcpus++] = thread;
    return 0;
}

const hyp_procs *hyp_lpar_procs(const hyp *h, unsigned lpid) { return &h->lpars[lpid]->procs; }

unsigned hyp_lpar_vcpus(const hyp *h, unsigned lpid, cpu_vcpu *const **v)
{
    *v = h->lpars[lpid]->vcpus;
    return h->lpars[lpid]->nvcpus;
}
