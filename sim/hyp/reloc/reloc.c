/*
 * reloc.c - the LMB relocation feature's life (seed 002, abstract B;
 * docs/reloc.md): the tracker it reserves in hypervisor memory (16 bytes
 * per granule: block indicator and pin count), creation (ops, statistics,
 * H_ENTER's translation hook), the check of what to move against the built
 * machine (start), its timed events, and the feature table.
 * Invariant: nothing is charged and no state changes before cycle
 * hypervisor.reloc.at; LPARs other than the moving one are never touched.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reloc_int.h"

static uint64_t tracker_bytes(const reloc_config *c, uint64_t lmb_size)
{
    uint64_t n = c->granule && c->granule <= lmb_size ? lmb_size / c->granule : 1;
    return (16 * n + 127) & ~127ull;
}

static uint64_t reloc_memory_needed(const void *cfg, const hyp_config *hc, unsigned nlpars,
                                    const uint64_t *lpar_memory, const uint64_t *hpt_bytes,
                                    unsigned nthreads)
{
    (void)nlpars, (void)lpar_memory, (void)hpt_bytes, (void)nthreads;
    return tracker_bytes(cfg, hc->lmb_size);
}

static bool reloc_wants_rmap(const void *cfg, bool *charged)
{
    const reloc_config *c = cfg;
    *charged = true;
    return c->find == RELOC_FIND_RMAP;
}

void reloc_fail(reloc *r, const char *fmt, ...)
{
    if (r->failed)
        return;
    r->failed = true;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err.msg, sizeof r->err.msg, fmt, ap);
    va_end(ap);
    hyp_fail(r->h, &r->err);
}

static void *reloc_create(hyp *h, const void *cfg, bool audit, sim_err *e)
{
    const reloc_config *c = cfg;
    uint64_t lsz = h->cfg.lmb_size;
    if (c->granule & (c->granule - 1)) {
        sim_errf(e, "hypervisor.reloc.granule: %llu; expected a power of two from 4K to 16M",
                 (unsigned long long)c->granule);
        return NULL;
    }
    if (c->granule > lsz) {
        sim_errf(e, "hypervisor.reloc.granule: %llu; expected at most hypervisor.lmb_size (%llu)",
                 (unsigned long long)c->granule, (unsigned long long)lsz);
        return NULL;
    }
    reloc *r = calloc(1, sizeof *r);
    if (!r) {
        sim_errf(e, "out of host memory");
        return NULL;
    }
    r->h = h;
    r->cfg = *c;
    r->cfg.lpar = strdup(c->lpar ? c->lpar : ""); /* resolved at start */
    r->audit = c->audit || audit;
    r->ngran = lsz / c->granule;
    r->gstate = calloc(r->ngran, 1);
    r->pin = calloc(r->ngran, sizeof *r->pin);
    r->tracker_paddr = lmb_hyp_alloc_top(&h->lmb, tracker_bytes(c, lsz), 128);
    if (!r->gstate || !r->pin || !r->cfg.lpar) {
        sim_errf(e, "out of host memory");
        goto fail;
    }
    if (r->tracker_paddr == UINT64_MAX) {
        sim_errf(e, "hypervisor.memory: too small for the relocation tracker (%llu bytes); "
                    "raise it or set it to 0 (automatic)",
                 (unsigned long long)tracker_bytes(c, lsz));
        goto fail;
    }
    r->op_lmb = ops_declare(h->env.ops, "reloc.lmb",
                            "relocating one LMB in granules: finding the HPTEs, blocking, "
                            "copying, HPTE updates, tlbie batches, and the vCPUs' stalls",
                            "find,block,copy,hpte_update,tlb,stall");
    r->op_granule = ops_declare(h->env.ops, "reloc.granule",
                                "one granule in transit: from its block to the end of its copy "
                                "(the longest a miss on it can wait)",
                                "find,block,copy,hpte_update,tlb");
    r->op_fault = ops_declare(h->env.ops, "reloc.fault",
                              "a translation miss of the moving LPAR taken by the hypervisor: "
                              "the absent-entry search, the wait for a granule in transit, "
                              "the retarget",
                              "search,wait,retarget");
    if (r->op_lmb == OP_INVALID || r->op_granule == OP_INVALID || r->op_fault == OP_INVALID ||
        stats_register(h->env.stats, "reloc", &reloc_stat_table, &r->st) != 0 ||
        stats_register(h->env.stats, "reloc.audit", &reloc_audit_stat_table, &r->ast) != 0) {
        sim_errf(e, "out of host memory for the relocation's ops and statistics");
        goto fail;
    }
    hyp_ext x = {.ctx = r, .xlate = reloc_xlate};
    if (hyp_add_ext(h, &x) != 0) {
        sim_errf(e, "hypervisor.reloc: too many HPTE hooks");
        goto fail;
    }
    return r;
fail:
    free(r->cfg.lpar), free(r->gstate), free(r->pin), free(r);
    return NULL;
}

static void reloc_destroy(void *f)
{
    reloc *r = f;
    if (!r)
        return;
    free(r->cfg.lpar), free(r->gstate), free(r->pin), free(r->absent), free(r);
}

static bool all_digits(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

static int reloc_start(void *f, sim_err *e)
{
    reloc *r = f;
    hyp *h = r->h;
    const reloc_config *c = &r->cfg;
    const char *name = c->lpar;
    unsigned n = hyp_lpar_count(h), lpid = n;
    for (unsigned i = 0; i < n; i++)
        if (strcmp(hyp_lpar_name(h, i), name) == 0)
            lpid = i;
    if (lpid == n && all_digits(name) && strtoull(name, NULL, 10) < n)
        lpid = (unsigned)strtoull(name, NULL, 10);
    if (lpid == n)
        return sim_errf(e, "hypervisor.reloc.lpar: '%s' is not an LPAR; expected a name or an "
                           "index of lpars[] (%u LPARs)", name, n);
    if (hyp_lpar_shared(h, lpid))
        return sim_errf(e, "hypervisor.reloc.lpar: '%s' has shared memory; expected an LPAR "
                           "with memory_mode dedicated (shared memory has no LMBs to move)",
                        name);
    uint64_t nl = h->lpars[lpid]->nlmbs;
    if (c->lmb >= nl || c->count > nl - c->lmb)
        return sim_errf(e, "hypervisor.reloc.lmb: LMBs %llu..%llu; expected LMBs of '%s', "
                           "which has %llu (0..%llu)", (unsigned long long)c->lmb,
                        (unsigned long long)(c->lmb + c->count - 1), name,
                        (unsigned long long)nl, (unsigned long long)(nl - 1));
    if (c->thread >= h->env.nthreads)
        return sim_errf(e, "hypervisor.reloc.thread: %llu; expected a hardware thread below %u",
                        (unsigned long long)c->thread, h->env.nthreads);
    if (lmb_free_bytes(&h->lmb) < h->cfg.lmb_size)
        return sim_errf(e, "hypervisor.reloc.lmb: no free LMB slot to move LMB %llu to; "
                           "expected hypervisor.spare_lmbs of at least 1",
                        (unsigned long long)c->lmb);
    r->lpid = lpid;
    r->state = RELOC_IDLE;
    return 0;
}

static uint64_t reloc_next_event(const void *f)
{
    const reloc *r = f;
    return r->state == RELOC_IDLE ? r->cfg.at : r->state == RELOC_RUNNING ? r->next_at
                                                                            : UINT64_MAX;
}

static int reloc_check_error(const void *f, sim_err *e)
{
    const reloc *r = f;
    if (!r->failed)
        return 0;
    if (e)
        *e = r->err;
    return -1;
}

static void reloc_set_audit(void *f, bool on)
{
    ((reloc *)f)->audit = on || ((reloc *)f)->cfg.audit;
}

const hyp_feature reloc_feature = {
    .name = "reloc",
    .desc = "LMB relocation in granules (seed 002): blocked translations wait, copy charged.",
    .params = &reloc_feature_params,
    .memory_needed = reloc_memory_needed,
    .wants_rmap = reloc_wants_rmap,
    .create = reloc_create,
    .destroy = reloc_destroy,
    .start = reloc_start,
    .next_event = reloc_next_event,
    .event = reloc_event,
    .check_error = reloc_check_error,
    .set_audit = reloc_set_audit,
    .hv_fault = reloc_hv_fault,
};
