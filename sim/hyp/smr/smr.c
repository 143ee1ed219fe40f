/*
 * smr.c - the SMR state inside the hypervisor: creation and layout of its
 * tables in hypervisor memory, the charging helpers (memory accesses through
 * the calling thread's caches, HPT scans as prefetched streams), the hooks
 * that keep every strategy's index current on H_ENTER / H_REMOVE, and the
 * redirection of attached client pages on H_ENTER.
 * Invariants: an SMR id is active iff its region has active = true; a real
 * 4K page is in page_smr iff it lies in a page of an active SMR; attach and
 * grant describe the same attachments (grant counts them per real page).
 */
#include <stdlib.h>
#include <string.h>

#include "smr_int.h"

const char *smr_strategy_name(unsigned kind)
{
    static const char *const n[] = {"exhaustive", "export-vector", "rmap"};
    return kind < SMR_STRATEGY_COUNT ? n[kind] : "?";
}

static const smr_strategy_ops *strategy_ops(unsigned k)
{
    return k == SMR_EXHAUSTIVE ? &smr_exhaustive_ops
           : k == SMR_EXPORT_VECTOR ? &smr_export_vector_ops
                                    : &smr_rmap_ops;
}

static uint64_t vec_bytes(uint64_t bits)
{
    return (bits + 63) / 64 * 8;
}

/* The common tables: descriptors, authorisations, page lists, server
 * slots, attachment hash. */
static uint64_t common_bytes(const smr_config *c)
{
    uint64_t nsmr = c->max_per_server * c->max_servers;
    return nsmr * (64 + vec_bytes(c->max_lpars) + 8 * c->max_pages) + 8 * c->max_servers +
           16ull * SMR_ATTACH_BUCKETS;
}

uint64_t smr_memory_needed(const void *cfg, const hyp_config *hc, unsigned nlpars,
                           const uint64_t *lpar_memory, const uint64_t *hpt_bytes,
                           unsigned nthreads)
{
    (void)nthreads;
    const smr_config *c = cfg;
    const smr_strategy_ops *o = strategy_ops(c->strategy);
    uint64_t need = common_bytes(c) + o->global_bytes(c) + 4096;
    for (unsigned i = 0; i < nlpars && c->strategy != SMR_RMAP; i++) /* rmap: the core's */
        need += (o->lpar_bytes(c, hc->lmb_size, lpar_memory[i], hpt_bytes ? hpt_bytes[i] : 0) +
                 127) & ~127ull;
    return need;
}

/* The rmap strategy's index is the core's reverse map (charged when it is
 * the selected strategy); the auditor cross-checks it in every case. */
static bool smr_wants_rmap(const void *cfg, bool *charged)
{
    *charged = ((const smr_config *)cfg)->strategy == SMR_RMAP;
    return true;
}

void *smr_create(hyp *h, const void *cfg, bool audit, sim_err *e)
{
    const smr_config *c = cfg;
    if (c->max_per_server % 64 || c->max_lpars % 64) {
        sim_errf(e, "hypervisor.smr: max_per_server %llu and max_lpars %llu; expected multiples "
                    "of 64", (unsigned long long)c->max_per_server,
                 (unsigned long long)c->max_lpars);
        return NULL;
    }
    smr *s = calloc(1, sizeof *s);
    if (!s) {
        sim_errf(e, "out of host memory");
        return NULL;
    }
    s->h = h;
    s->cfg = *c;
    s->nsmr = c->max_per_server * c->max_servers;
    s->vwords = (unsigned)(c->max_lpars / 64);
    s->evwords = (unsigned)(c->max_per_server / 64);
    s->vbytes = vec_bytes(c->max_lpars);
    s->evbytes = vec_bytes(c->max_per_server);
    s->sel = c->strategy;
    s->r = calloc(s->nsmr, sizeof *s->r);
    s->slot_lpid = malloc(c->max_servers * sizeof *s->slot_lpid);
    u64map_init(&s->page_smr);
    u64map_init(&s->attach);
    u64map_init(&s->grant);
    u64map_init(&s->client_smr);
    if (!s->r || !s->slot_lpid)
        goto oom;
    for (uint64_t i = 0; i < c->max_servers; i++)
        s->slot_lpid[i] = UINT32_MAX;
    lmb_space *l = &h->lmb;
    s->desc_paddr = lmb_hyp_alloc_top(l, 64 * s->nsmr, 128);
    s->auth_paddr = lmb_hyp_alloc_top(l, s->vbytes * s->nsmr, 128);
    s->pages_paddr = lmb_hyp_alloc_top(l, 8 * c->max_pages * s->nsmr, 128);
    s->slots_paddr = lmb_hyp_alloc_top(l, 8 * c->max_servers, 128);
    s->attach_paddr = lmb_hyp_alloc_top(l, 16ull * SMR_ATTACH_BUCKETS, 128);
    for (unsigned k = 0; k < SMR_STRATEGY_COUNT; k++)
        s->ops[k] = strategy_ops(k);
    uint64_t g = s->ops[s->sel]->global_bytes(c);
    s->strat_paddr = g ? lmb_hyp_alloc_top(l, g, 128) : 0;
    if (s->desc_paddr == UINT64_MAX || s->auth_paddr == UINT64_MAX ||
        s->pages_paddr == UINT64_MAX || s->slots_paddr == UINT64_MAX ||
        s->attach_paddr == UINT64_MAX || s->strat_paddr == UINT64_MAX) {
        smr_destroy(s);
        sim_errf(e, "hypervisor.memory: too small for the SMR tables (%llu bytes); raise it or "
                    "set it to 0 (automatic)", (unsigned long long)(common_bytes(c) + g));
        return NULL;
    }
    s->stt.table_bytes = common_bytes(c);
    s->stt.metadata_bytes = g;
    for (unsigned k = 0; k < SMR_STRATEGY_COUNT; k++)
        if (!(s->st[k] = s->ops[k]->create(s)))
            goto oom;
    s->op_inv = ops_declare(h->env.ops, "smr.invalidate",
                            "finding and invalidating every mapping of pages whose sharing ends "
                            "(one per triggering operation)",
                            "find,hpte_remove,tlb_invalidate,queueing");
    if (s->op_inv == OP_INVALID ||
        stats_register(h->env.stats, "smr", &smr_stat_table, &s->stt) != 0 ||
        stats_register(h->env.stats, "audit", &smr_audit_stat_table, &s->ast) != 0 ||
        smr_register_hcalls(s) != 0)
        goto oom;
    smr_set_audit(s, c->audit || audit);
    if (s->audit && !s->audit_state)
        goto oom;
    return s;
oom:
    smr_destroy(s);
    sim_errf(e, "out of host memory for the SMR tables");
    return NULL;
}

void smr_destroy(void *vs)
{
    smr *s = vs;
    if (!s)
        return;
    for (unsigned k = 0; k < SMR_STRATEGY_COUNT; k++)
        if (s->st[k])
            s->ops[k]->destroy(s->st[k]);
    for (uint64_t i = 0; s->r && i < s->nsmr; i++) {
        free(s->r[i].pages);
        free(s->r[i].auth);
        free(s->r[i].ref);
    }
    free(s->r);
    free(s->lp);
    free(s->slot_lpid);
    u64map_free(&s->page_smr);
    u64map_free(&s->attach);
    u64map_free(&s->grant);
    u64map_free(&s->client_smr);
    smr_audit_destroy(s->audit_state);
    free(s);
}

int smr_lpar_added(void *vs, unsigned lpid, sim_err *e)
{
    smr *s = vs;
    if (lpid >= s->cfg.max_lpars)
        return sim_errf(e, "LPAR %u is one too many for hypervisor.smr.max_lpars = %llu (the bits "
                           "of each SMR's reference array); raise it",
                        lpid, (unsigned long long)s->cfg.max_lpars);
    if (lpid >= s->caplp) {
        unsigned cap = s->caplp ? 2 * s->caplp : 16;
        while (cap <= lpid)
            cap *= 2;
        smr_lpar *v = realloc(s->lp, cap * sizeof *v);
        if (!v)
            return sim_errf(e, "out of host memory");
        s->lp = v;
        s->caplp = cap;
    }
    smr_lpar *p = &s->lp[lpid];
    memset(p, 0, sizeof *p);
    p->server_slot = -1;
    p->alive = true;
    s->nlp = lpid + 1;
    const hyp_lpar *hl = s->h->lpars[lpid];
    uint64_t b = s->ops[s->sel]->lpar_bytes(&s->cfg, s->h->cfg.lmb_size, hl->memory, hl->hpt.size);
    if (b && s->sel != SMR_RMAP) { /* the core allocates its reverse map */
        p->strat_paddr = lmb_hyp_alloc_top(&s->h->lmb, b, 128);
        if (p->strat_paddr == UINT64_MAX)
            return sim_errf(e, "hypervisor memory is too small for the %s tables of LPAR %u "
                               "(%llu bytes); set hypervisor.memory to 0 (automatic)",
                            smr_strategy_name(s->sel), lpid, (unsigned long long)b);
    }
    s->stt.metadata_bytes += b;
    return 0;
}

smr *hyp_smr(hyp *h) { return hyp_feature_state(h, HYP_FEATURE_smr); }

/* ---- charging ---- */

void smr_mem(smr_exec *x, uint64_t paddr, uint32_t size, mem_kind kind)
{
    if (x)
        hcall_mem(x, paddr, size, kind);
}

void smr_steps(smr_exec *x, uint64_t n)
{
    if (x)
        hcall_steps(x, n);
}

smr_exec *smr_for(const smr *s, unsigned k, smr_exec *c)
{
    return k == s->sel ? c : NULL;
}

int smr_scan_hpt(smr *s, smr_exec *x, unsigned lpid, const hyp_target *t, hyp_hits *out)
{
    if (x) {
        s->stt.lpars_scanned++;
        s->stt.hpt_lines_scanned += s->h->lpars[lpid]->hpt.size / HPT_PTEG_BYTES;
    }
    return hyp_scan_hpt(s->h, x, lpid, t, out);
}

uint32_t smr_slot_owner(const smr *s, uint64_t ra)
{
    uint64_t slot = ra / s->h->cfg.lmb_size;
    return slot < s->h->lmb.nslots ? s->h->lmb.owner[slot] : LMB_FREE;
}

uint64_t smr_lmb_index(const smr *s, uint32_t lpid, uint64_t ra)
{
    return lmb_index_of(&s->h->lmb, lpid, ra);
}

/* ---- queries ---- */

uint64_t smr_metadata_bytes(const smr *s) { return s->stt.metadata_bytes; }
uint64_t smr_capacity(const smr *s) { return s->nsmr; }
bool smr_is_active(const smr *s, uint64_t id) { return id < s->nsmr && s->r[id].active; }
uint32_t smr_server_of(const smr *s, uint64_t id)
{
    return smr_is_active(s, id) ? s->r[id].server : UINT32_MAX;
}
uint64_t smr_page_count(const smr *s, uint64_t id)
{
    return smr_is_active(s, id) ? s->r[id].npages : 0;
}
uint64_t smr_page_real(const smr *s, uint64_t id, uint64_t index)
{
    return smr_is_active(s, id) && index < s->r[id].npages ? s->r[id].pages[index].real : UINT64_MAX;
}
bool smr_is_authorized(const smr *s, uint64_t id, unsigned lpid)
{
    return smr_is_active(s, id) && lpid < s->cfg.max_lpars && smr_vbit(s->r[id].auth, lpid);
}
bool smr_lpar_alive(const smr *s, unsigned lpid) { return lpid < s->nlp && s->lp[lpid].alive; }

bool smr_attached(const smr *s, unsigned lpid, uint64_t la)
{
    return u64map_get(&s->attach, smr_attach_key(lpid, la)) != NULL;
}

static int check_error(const void *vs, sim_err *e)
{
    return smr_check_error(vs, e);
}

static void set_audit(void *vs, bool on)
{
    smr_set_audit(vs, on);
}

const hyp_feature smr_feature = {
    .name = "smr",
    .desc = "Shared memory regions (seed 000): sharing hcalls, three invalidation strategies, "
            "auditor.",
    .params = &smr_feature_params,
    .hcalls = smr_hcalls,
    .nhcalls = SMR_NHCALLS,
    .memory_needed = smr_memory_needed,
    .wants_rmap = smr_wants_rmap,
    .create = smr_create,
    .destroy = smr_destroy,
    .lpar_added = smr_lpar_added,
    .find = smr_find,
    .platform = {.terminating = smr_on_terminating,
                 .terminated = smr_on_terminated,
                 .reclaimed = smr_on_reclaimed,
                 .releasing = smr_on_releasing,
                 .after = smr_on_after},
    .check_error = check_error,
    .set_audit = set_audit,
};

int smr_check_error(const smr *s, sim_err *e)
{
    if (!s->failed)
        return 0;
    if (e)
        *e = s->err;
    return -1;
}

void smr_test_set_ops(smr *s, const smr_strategy_ops *ops)
{
    s->ops[s->sel] = ops;
}
