/*
 * paging.c - hypervisor paging of shared-memory LPARs (seed 002): the
 * feature's state and table, the pool, the PPT and frame table in
 * hypervisor memory, one paging device per shared LPAR, H_ENTER's
 * translation of a shared LPAR's logical page (its frame, or absent), and
 * the background stealer's timed event.
 * Invariants: see paging_int.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "paging_int.h"

static uint64_t pool_bytes(const paging_config *c, const hyp_config *hc)
{
    if (c->pool)
        return c->pool;
    return (uint64_t)((double)hc->shared_bytes / c->overcommit) / PG_PAGE * PG_PAGE;
}

static uint64_t paging_memory_needed(const void *cfg, const hyp_config *hc, unsigned nlpars,
                                     const uint64_t *lpar_memory, const uint64_t *hpt_bytes,
                                     unsigned nthreads)
{
    (void)lpar_memory, (void)hpt_bytes, (void)nthreads;
    uint64_t pool = pool_bytes(cfg, hc);
    /* the pool (4K-aligned; with numa, on each node's LMBs instead:
     * paging_node.c), the frame table, the PPTs (8 B per page each, every
     * table rounded up to 128 B) */
    return (hc->numa_nodes ? 0 : pool) + PG_PAGE + (pool / PG_PAGE) * 8 + 128 +
           hc->shared_bytes / PG_PAGE * 8 + 128ull * nlpars;
}

static bool paging_wants_rmap(const void *cfg, bool *charged)
{
    (void)cfg;
    *charged = true; /* KVM's rmap: page-out finds a frame's HPTEs through it */
    return true;
}

pg_lpar *pg_lpar_of(const paging *f, unsigned lpid)
{
    if (lpid >= f->nlp_of || f->lp_of[lpid] < 0)
        return NULL;
    return f->lp[f->lp_of[lpid]];
}

uint64_t pg_frame_addr(const paging *f, uint32_t fr)
{
    if (f->nnode)
        return pg_node_frame_addr(f, fr);
    return f->pool_base + (uint64_t)fr * PG_PAGE;
}

uint64_t pg_ftab_addr(const paging *f, uint32_t fr)
{
    if (f->nnode)
        return pg_node_ftab_addr(f, fr);
    return f->ftab_paddr + 8 * (uint64_t)fr;
}

uint32_t pg_frame_of(const paging *f, uint64_t ra)
{
    if (f->nnode)
        return pg_node_frame_of(f, ra);
    if (ra < f->pool_base || ra - f->pool_base >= f->nframes * PG_PAGE)
        return PG_NOFRAME;
    return (uint32_t)((ra - f->pool_base) / PG_PAGE);
}

int pg_fail(paging *f, const char *fmt, ...)
{
    f->ast.violations++;
    va_list ap;
    va_start(ap, fmt);
    sim_err_vlatch(&f->err, &f->failed, fmt, ap);
    va_end(ap);
    return -1;
}

void pg_ppt_access(paging *f, hcall_ctx *c, pg_lpar *l, uint64_t lpn, mem_kind k)
{
    (void)f;
    if (c)
        hcall_mem(c, l->ppt_paddr + 8 * lpn, 8, k);
}

/* H_ENTER's translation (hyp_ext.xlate): the frame of a resident page, or
 * absent; UINT64_MAX for a dedicated LPAR's address. */
static uint64_t pg_xlate(void *ctx, hcall_ctx *c, uint64_t la)
{
    paging *f = ctx;
    pg_lpar *l = pg_lpar_of(f, c->lpid);
    if (!l)
        return UINT64_MAX;
    uint64_t lpn = la >> PG_SHIFT;
    pg_ppt_access(f, c, l, lpn, MEM_READ);
    pg_coop_mapped(f, l, lpn);
    if (l->state[lpn] != PG_RESIDENT)
        return HYP_XLATE_ABSENT;
    return pg_frame_addr(f, l->frame[lpn]) + la % PG_PAGE;
}

/* An HPTE of a shared LPAR removed (the guest's H_REMOVE/H_BULK_REMOVE, an
 * eviction to make room, a page-out), or its C cleared by H_CLEAR_MOD: C
 * is harvested into the page, as KVM's remove_revmap_chain does into the
 * rmap, so a page that stays resident without an HPTE is still known to be
 * dirty; otherwise its page-out would drop it as clean and keep a stale
 * device copy. Host-side state kept with the PPT word (not charged: a
 * simplification). */
static void pg_on_remove(void *ctx, hcall_ctx *c, uint64_t ptex, hpte old, uint64_t ra)
{
    (void)ptex;
    paging *f = ctx;
    pg_lpar *l = pg_lpar_of(f, c->lpid);
    uint32_t fr = l && (old.r & HPTE_R_C) ? pg_frame_of(f, ra) : PG_NOFRAME;
    if (fr == PG_NOFRAME)
        return;
    if (f->fr[fr].owner == l->index + 1)
        l->copy_valid[f->fr[fr].lpn] = 0;
}

static uint64_t pg_la_to_ra(const void *vf, unsigned lpid, uint64_t la)
{
    const paging *f = vf;
    const pg_lpar *l = pg_lpar_of(f, lpid);
    if (!l || la >> PG_SHIFT >= l->npages || l->state[la >> PG_SHIFT] != PG_RESIDENT)
        return UINT64_MAX;
    return pg_frame_addr(f, l->frame[la >> PG_SHIFT]) + la % PG_PAGE;
}

static void paging_destroy(void *vf)
{
    paging *f = vf;
    if (!f)
        return;
    pg_audit_set(f, false);
    for (unsigned i = 0; i < f->nlp; i++) {
        pagedev_destroy(f->lp[i]->dev);
        free(f->lp[i]->frame);
        free(f->lp[i]->state);
        free(f->lp[i]->copy_valid);
        free(f->lp[i]->shadow);
        free(f->lp[i]->fifo);
        free(f->lp[i]->pins);
        free(f->lp[i]->slot);
        free(f->lp[i]->hint);
        free(f->lp[i]->node_used);
        free(f->lp[i]);
    }
    free(f->lp);
    free(f->lp_of);
    free(f->fr);
    free(f->free_ring);
    free(f->unused_ring);
    pg_node_free(f);
    free(f->hits.v);
    free(f);
}

static void *paging_create(hyp *h, const void *cfg, bool audit, sim_err *e)
{
    const paging_config *c = cfg;
    if (c->high_wm < c->low_wm) {
        sim_errf(e, "hypervisor.paging.high_wm: %g is below low_wm %g; expected high_wm >= "
                    "low_wm", c->high_wm, c->low_wm);
        return NULL;
    }
    if (c->pool % PG_PAGE) {
        sim_errf(e, "hypervisor.paging.pool: %llu bytes; expected a multiple of 4K",
                 (unsigned long long)c->pool);
        return NULL;
    }
    if (c->thread >= h->env.nthreads) {
        sim_errf(e, "hypervisor.paging.thread: %u does not exist; expected 0..%u", c->thread,
                 h->env.nthreads - 1);
        return NULL;
    }
    if (!h->env.pagedev) {
        sim_errf(e, "hypervisor.paging: no paging device config (pagedev)");
        return NULL;
    }
    paging *f = calloc(1, sizeof *f);
    if (!f) {
        sim_errf(e, "out of host memory");
        return NULL;
    }
    f->h = h;
    f->cfg = *c;
    uint64_t pool = pool_bytes(c, &h->cfg);
    f->nframes = pool / PG_PAGE;
    if (f->nframes >= PG_NOFRAME) {
        paging_destroy(f);
        sim_errf(e, "hypervisor.paging.pool: %llu bytes; expected at most 16T",
                 (unsigned long long)pool);
        return NULL;
    }
    f->low = (uint64_t)((double)f->nframes * c->low_wm / 100.0 + 0.999999);
    f->high = (uint64_t)((double)f->nframes * c->high_wm / 100.0 + 0.999999);
    if (f->high > f->nframes)
        f->high = f->nframes;
    f->vios_cycles = (uint64_t)(c->vios_us * (double)h->env.freq_mhz + 0.5);
    f->steal_at = UINT64_MAX;
    rng_seed(&f->rng, c->seed);
    /* numa: the pool is carved per node at start (paging_node.c) */
    f->pool_base = f->nframes && !h->cfg.numa_nodes ? lmb_hyp_alloc_top(&h->lmb, pool, PG_PAGE)
                                                    : 0;
    f->ftab_paddr = lmb_hyp_alloc_top(&h->lmb, (f->nframes + 1) * 8, 128);
    if (f->pool_base == UINT64_MAX || f->ftab_paddr == UINT64_MAX) {
        paging_destroy(f);
        sim_errf(e, "hypervisor.memory: too small for the shared memory pool of %llu bytes "
                    "and its frame table; raise it or set it to 0 (automatic)",
                 (unsigned long long)pool);
        return NULL;
    }
    f->fr = calloc(f->nframes + 1, sizeof *f->fr);
    f->free_ring = calloc(f->nframes + 1, sizeof *f->free_ring);
    f->unused_ring = calloc(f->nframes + 1, sizeof *f->unused_ring);
    if (!f->fr || !f->free_ring || !f->unused_ring)
        goto oom;
    for (uint64_t i = 0; i < f->nframes; i++)
        f->free_ring[i] = (uint32_t)i;
    f->nfree = f->nframes;
    f->st.pool_frames = f->nframes;
    f->st.free_frames = f->st.free_frames_min = f->nframes;
    const char *fp = "entry,find,lookup,alloc,disk_queue,disk_service,copy,hpte_update";
    f->op_fault = ops_declare(h->env.ops, "paging.fault",
                              "a miss on a page the hypervisor paged out or never backed: "
                              "entry, absent-HPTE search, PPT lookup, frame allocation, the "
                              "device (queue, service incl. the VIOS round trip), the copy "
                              "or zero fill, the HPTE made valid", fp);
    f->op_reflect = ops_declare(h->env.ops, "paging.reflect",
                                "a miss that is the guest's own: entry, absent-HPTE search, "
                                "the reflection to the guest's handler", "entry,find");
    const char *pp = "select,unmap,tlb,disk_queue,disk_service,free";
    f->op_pageout = ops_declare(h->env.ops, "paging.pageout",
                                "one page taken from its frame: victim choice, HPTEs made "
                                "absent, the tlbie, the write-back (if dirty), the frame freed",
                                pp);
    f->op_steal = ops_declare(h->env.ops, "paging.steal",
                              "one run of the background stealer (hypervisor time, on no "
                              "vCPU's clock)", pp);
    f->op_hvint = ops_declare(h->env.ops, "paging.hv_internal_fault",
                              "the hypervisor's own access (a VPA write at dispatch) to a "
                              "page that is not resident: the dispatch waits for it, with "
                              "paging.fault's parts", fp);
    hyp_ext x = {.ctx = f, .on_remove = pg_on_remove, .xlate = pg_xlate,
                 .on_clear_mod = pg_on_remove}; /* H_CLEAR_MOD's C: the same harvest */
    if (f->op_fault == OP_INVALID || f->op_reflect == OP_INVALID ||
        f->op_pageout == OP_INVALID || f->op_steal == OP_INVALID || f->op_hvint == OP_INVALID ||
        hyp_add_ext(h, &x) != 0 ||
        stats_register(h->env.stats, "paging", &paging_stat_table, &f->st) != 0 ||
        stats_register_if_used(h->env.stats, "paging", &pg_coop_stat_table, &f->cst) != 0 ||
        stats_register(h->env.stats, "paging.audit", &paging_audit_stat_table, &f->ast) != 0 ||
        pg_audit_set(f, c->audit || audit) != 0)
        goto oom;
    return f;
oom:
    paging_destroy(f);
    sim_errf(e, "out of host memory for the paging tables");
    return NULL;
}

static int paging_lpar_added(void *vf, unsigned lpid, sim_err *e)
{
    paging *f = vf;
    hyp *h = f->h;
    if (lpid >= f->nlp_of) {
        unsigned n = lpid + 8;
        int *v = realloc(f->lp_of, n * sizeof *v);
        if (!v)
            return sim_errf(e, "out of host memory");
        for (unsigned i = f->nlp_of; i < n; i++)
            v[i] = -1;
        f->lp_of = v;
        f->nlp_of = n;
    }
    if (!hyp_lpar_shared(h, lpid))
        return 0;
    uint64_t cap = pagedev_config_capacity(h->env.pagedev);
    if (cap < hyp_lpar_memory(h, lpid))
        return sim_errf(e, "pagedev.%s.capacity: %llu bytes is smaller than LPAR %s's memory "
                           "(%llu bytes); expected a paging device at least as large as the "
                           "LPAR (AMS)", pagedev_preset_name(h->env.pagedev->preset),
                        (unsigned long long)cap, hyp_lpar_name(h, lpid),
                        (unsigned long long)hyp_lpar_memory(h, lpid));
    pg_lpar **v = realloc(f->lp, (f->nlp + 1) * sizeof *v);
    if (!v)
        return sim_errf(e, "out of host memory");
    f->lp = v;
    pg_lpar *l = calloc(1, sizeof *l);
    if (!l)
        return sim_errf(e, "out of host memory");
    f->lp[f->nlp] = l;
    l->lpid = lpid;
    l->index = f->nlp;
    l->npages = hyp_lpar_memory(h, lpid) / PG_PAGE;
    l->ppt_paddr = lmb_hyp_alloc_top(&h->lmb, l->npages * 8, 128);
    if (l->ppt_paddr == UINT64_MAX) {
        free(l);
        return sim_errf(e, "hypervisor.memory: too small for LPAR %s's page table (PPT); raise "
                           "it or set it to 0 (automatic)", hyp_lpar_name(h, lpid));
    }
    l->frame = malloc(l->npages * sizeof *l->frame);
    l->state = calloc(l->npages, 1);
    l->copy_valid = calloc(l->npages, 1);
    l->shadow = calloc(l->npages, sizeof *l->shadow);
    l->fifo = calloc(f->nframes + 1, sizeof *l->fifo);
    l->hint = calloc(l->npages, 1);
    if (!l->frame || !l->state || !l->copy_valid || !l->shadow || !l->fifo || !l->hint) {
        free(l->frame), free(l->state), free(l->copy_valid), free(l->shadow), free(l->fifo);
        free(l->hint);
        free(l);
        return sim_errf(e, "out of host memory");
    }
    for (uint64_t i = 0; i < l->npages; i++)
        l->frame[i] = PG_NOFRAME;
    l->dev = pagedev_create(h->env.pagedev, h->env.freq_mhz, e);
    char prefix[160];
    snprintf(prefix, sizeof prefix, "paging.%s", hyp_lpar_name(h, lpid));
    if (!l->dev || stats_register(h->env.stats, prefix, &pg_lpar_stat_table, &l->st) != 0 ||
        stats_register_if_used(h->env.stats, prefix, &pg_lpar_coop_stat_table, &l->cst) != 0) {
        bool dev = l->dev != NULL;
        pagedev_destroy(l->dev);
        free(l->frame), free(l->state), free(l->copy_valid), free(l->shadow), free(l->fifo);
        free(l->hint);
        free(l);
        return dev ? sim_errf(e, "out of host memory") : -1;
    }
    snprintf(prefix, sizeof prefix, "paging.%s.pagedev", hyp_lpar_name(h, lpid));
    stats_register(h->env.stats, prefix, &pagedev_stat_table,
                   (void *)pagedev_get_stats(l->dev));
    f->lp_of[lpid] = (int)f->nlp++;
    return 0;
}

static int paging_start(void *vf, sim_err *e)
{
    paging *f = vf;
    if (!f->nlp)
        return sim_errf(e, "hypervisor.paging.enabled: true, but no LPAR has memory_mode: "
                           "shared; expected at least one (or paging off)");
    if (!f->nframes)
        return sim_errf(e, "hypervisor.paging.pool: the pool has no frame; expected a pool of "
                           "at least 4K");
    if (pg_slots_init(f, e) != 0)
        return -1;
    if (f->cfg.policy == PG_LRU_ORACLE)
        hyp_set_access_oracle(f->h, pg_oracle_access, f);
    return f->h->cfg.numa_nodes ? pg_node_carve(f, e) : 0;
}

static uint64_t paging_next_event(const void *vf) { return ((const paging *)vf)->steal_at; }

static int paging_event(void *vf, uint64_t at, sim_err *e)
{
    paging *f = vf;
    f->steal_at = UINT64_MAX;
    return pg_steal(f, at, e);
}

static int paging_finish(void *vf, sim_err *e)
{
    (void)e;
    paging *f = vf;
    f->st.free_frames = f->nfree;
    f->st.resident = f->nframes - f->nfree;
    for (unsigned i = 0; i < f->nlp; i++) {
        pg_lpar *l = f->lp[i];
        l->st.resident = 0;
        for (uint64_t p = 0; p < l->npages; p++)
            l->st.resident += l->state[p] == PG_RESIDENT;
        l->cst.loaned_kb = l->loaned * (PG_PAGE / 1024);
    }
    pg_node_finish(f);
    if (f->audit)
        pg_audit_full(f);
    return 0;
}

static int paging_check_error(const void *vf, sim_err *e)
{
    const paging *f = vf;
    if (!f->failed)
        return 0;
    return sim_errf(e, "paging audit: %s", f->err.msg);
}

static void paging_set_audit(void *vf, bool on) { pg_audit_set(vf, on || ((paging *)vf)->cfg.audit); }

static const hyp_hcall_desc paging_hcalls[] = {{0}};

const hyp_feature paging_feature = {
    .name = "paging",
    .desc = "Hypervisor paging of shared-memory LPARs (seed 002): pool, PPT, absent HPTEs, "
            "faults served by the hypervisor, page-out policies, paging device.",
    .params = &paging_feature_params,
    .hcalls = paging_hcalls,
    .nhcalls = 0,
    .memory_needed = paging_memory_needed,
    .wants_rmap = paging_wants_rmap,
    .create = paging_create,
    .destroy = paging_destroy,
    .lpar_added = paging_lpar_added,
    .start = paging_start,
    .finish = paging_finish,
    .next_event = paging_next_event,
    .event = paging_event,
    .check_error = paging_check_error,
    .set_audit = paging_set_audit,
    .shared_memory = true,
    .la_to_ra = pg_la_to_ra,
    .touch = pg_touch,
    .hv_fault = pg_hv_fault,
    .pin = pg_pin,
    .hv_access = pg_hv_access,
    .page_state = pg_page_state,
    .mpp = pg_mpp,
    .guest_freed = pg_guest_freed,
    .page_read = pg_page_read,
    .page_import = pg_page_import,
    .backing_counts = pg_backing_counts,
    .ra_to_la = pg_ra_to_la,
};
