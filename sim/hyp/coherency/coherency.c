/*
 * coherency.c - the TLB coherency feature (see coherency_int.h): creation
 * (the strategy/filter combination checked, the strategy plugged into the
 * invalidation pipeline's coherency step), per-LPAR state (statistics, the
 * need_flush mask in hypervisor memory when the strategy defers), the step
 * itself (coh_invalidate: the strategy's work recorded as op
 * coherency.produce and charged to the calling hcall's tlb and queueing
 * parts, as the default step charges them), the dispatch hook (op
 * coherency.drain), the strategy's extensions (coh_strategy_ext: memory,
 * state, part lists, timed events such as latr's ticks) and the auditor's
 * switch.
 * Invariant: with strategy eager-tlbie the hcalls are charged exactly what
 * the core's default step charges (same calls, same parts).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shadow_int.h"

static const coh_strategy *const strategies[COH_NSTRATEGIES] = {
    &coh_eager_tlbie, &coh_eager_ipi, &coh_kvm_deferred, &coh_tlb_gen, &coh_latr,
    &coh_patch_channel};
static const char *const filter_names[COH_NFILTERS] = {"all", "running", "tracked"};
static const char *const mode_names[COH_NMODES] = {"papr", "remap", "shadow"};
/* What a strategy adds to the interface (coherency_int.h coh_strategy_ext). */
static const coh_strategy_ext no_ext;
static const coh_strategy_ext *const strategy_exts[COH_NSTRATEGIES] = {
    [COH_TLB_GEN] = &coh_tlb_gen_ext, [COH_LATR] = &coh_latr_ext,
    [COH_PATCH_CHANNEL] = &coh_patch_channel_ext};

static const coh_strategy_ext *ext_of(unsigned strategy)
{
    return strategy_exts[strategy] ? strategy_exts[strategy] : &no_ext;
}

/* Does this configuration mark threads need_flush (and so need masks)? */
static bool defers(const coh_config *c)
{
    const coh_strategy *s = strategies[c->strategy];
    return s->marks && s->marks(c);
}

/* Does it leave threads that do not run the LPAR to their next dispatch
 * (need_flush marks, or a strategy's own catch-up: tlb-gen, latr)? */
static bool flushes_at_dispatch(const coh_config *c)
{
    const coh_strategy *s = strategies[c->strategy];
    return defers(c) || (s->at_dispatch && !s->marks);
}

static uint64_t mask_bytes(uint64_t threads)
{
    return ((threads + 63) / 64 * 8 + 127) & ~127ull;
}

/* Does it leave threads that do not run the LPAR to a later event? */
static bool leaves_others(const coh_config *c)
{
    const coh_strategy_ext *x = ext_of(c->strategy);
    return x->defers ? x->defers(c) : flushes_at_dispatch(c);
}

static uint64_t coh_memory(const void *cfg, const hyp_config *hc, unsigned nlpars,
                           const uint64_t *mem, const uint64_t *hpt, unsigned nthreads)
{
    (void)hc, (void)mem;
    coh_config c = *(const coh_config *)cfg;
    if (!c.max_threads)
        c.max_threads = nthreads; /* automatic: the machine's */
    const coh_strategy_ext *x = ext_of(c.strategy);
    return (defers(&c) ? nlpars * mask_bytes(c.max_threads) : 0) +
           (c.filter == COH_FILTER_TRACKED ? coh_tracked_memory(nlpars, hpt) : 0) +
           (x->memory ? x->memory(&c, nlpars, hpt) : 0) + sh_memory(&c, nlpars, nthreads);
}

static void coh_invalidate(void *ctx, hcall_ctx *c, unsigned lpid, const uint64_t *vpns,
                           const uint8_t *psizes, unsigned n, bool flush);
static void coh_invalidate_slots(void *ctx, hcall_ctx *c, unsigned lpid, const uint64_t *vpns,
                                 const uint8_t *psizes, const uint64_t *ptexs, unsigned n,
                                 bool flush);
static void coh_set_audit(void *vk, bool on);
static void coh_destroy(void *vk);

/* Mode and strategy combinations that do not apply (mode shadow:
 * shadow_int.h); true with e set. */
static bool shadow_refused(const coh_config *c, sim_err *e)
{
    const char *s = strategies[c->strategy]->name;
    if (c->mode == COH_MODE_SHADOW && c->strategy != COH_EAGER_TLBIE &&
        c->strategy != COH_PATCH_CHANNEL) {
        sim_errf(e, "hypervisor.coherency.mode: shadow does not apply with strategy %s (its "
                    "producer is a traced guest store, which only the shadow page table shutdown "
                    "and the patent's patch channels are built for); expected eager-tlbie or "
                    "patch-channel", s);
        return true;
    }
    if (c->mode == COH_MODE_SHADOW && c->channel.derived_value && !c->channel.usefulness) {
        sim_errf(e, "hypervisor.coherency.channel.derived_value: true in mode shadow needs "
                    "channel.usefulness: true (without 394E a consumer cannot tell a derived "
                    "value that another producer's later change superseded)");
        return true;
    }
    if (c->inject == COH_INJECT_SKIP_SHADOW_UPDATE &&
        (c->mode != COH_MODE_SHADOW || c->strategy != COH_PATCH_CHANNEL)) {
        sim_errf(e, "hypervisor.coherency.inject: skip-shadow-update does not apply with mode %s "
                    "and strategy %s (no drain updates a shadow HPTE); expected mode shadow and "
                    "patch-channel", mode_names[c->mode], s);
        return true;
    }
    return false;
}

static void *coh_create(hyp *h, const void *cfg, bool audit, sim_err *e)
{
    coh_config resolved = *(const coh_config *)cfg;
    if (!resolved.max_threads)
        resolved.max_threads = h->env.nthreads; /* automatic: the machine's */
    const coh_config *c = &resolved;
    const coh_strategy *s = strategies[c->strategy];
    if (!(s->filters & (1u << c->filter))) {
        sim_errf(e, "hypervisor.coherency.filter: %s does not apply with strategy %s (%s)",
                 filter_names[c->filter], s->name, s->why);
        return NULL;
    }
    const char *rw = c->mode == COH_MODE_REMAP ? coh_remap_refusal(c) : NULL;
    if (rw) {
        sim_errf(e, "hypervisor.coherency.mode: remap does not apply with strategy %s and filter "
                    "%s (%s)", s->name, filter_names[c->filter], rw);
        return NULL;
    }
    if (c->inject == COH_INJECT_REUSE_BEFORE_DRAIN && c->mode != COH_MODE_REMAP) {
        sim_errf(e, "hypervisor.coherency.inject: reuse-before-drain does not apply with mode "
                    "%s (no reuse gate); expected mode remap", mode_names[c->mode]);
        return NULL;
    }
    if (h->env.nthreads > c->max_threads) {
        sim_errf(e, "hypervisor.coherency.max_threads: %llu, but the machine has %u hardware "
                    "threads; expected at least %u",
                 (unsigned long long)c->max_threads, h->env.nthreads, h->env.nthreads);
        return NULL;
    }
    if (c->inject == COH_INJECT_SKIP_DISPATCH_FLUSH && !flushes_at_dispatch(c)) {
        sim_errf(e, "hypervisor.coherency.inject: skip-dispatch-flush does not apply with "
                    "strategy %s and filter %s (nothing is flushed at dispatch)",
                 s->name, filter_names[c->filter]);
        return NULL;
    }
    if (c->inject == COH_INJECT_SKIP_IPI_TLBIEL && c->strategy != COH_EAGER_IPI) {
        sim_errf(e, "hypervisor.coherency.inject: skip-ipi-tlbiel does not apply with strategy "
                    "%s (it sends no interrupts); expected eager-ipi", s->name);
        return NULL;
    }
    const char *ck = c->strategy != COH_PATCH_CHANNEL ? coh_channel_key_set(&c->channel) : NULL;
    if (ck) {
        sim_errf(e, "hypervisor.coherency.channel.%s: set, but strategy %s has no patch "
                    "channels; expected strategy patch-channel", ck, s->name);
        return NULL;
    }
    if (c->inject >= COH_INJECT_SKIP_DRAIN && c->inject <= COH_INJECT_SKIP_FALLBACK &&
        c->strategy != COH_PATCH_CHANNEL) {
        static const char *const names[] = {"skip-drain", "publish-before-primary",
                                            "overwrite-on-full", "skip-fallback"};
        sim_errf(e, "hypervisor.coherency.inject: %s does not apply with strategy %s (it has no "
                    "patch channels); expected patch-channel",
                 names[c->inject - COH_INJECT_SKIP_DRAIN], s->name);
        return NULL;
    }
    if (shadow_refused(c, e))
        return NULL;
    coh *k = calloc(1, sizeof *k);
    if (!k) {
        sim_errf(e, "out of host memory");
        return NULL;
    }
    k->h = h;
    k->cfg = *c;
    k->strat = s;
    k->ext = ext_of(c->strategy);
    k->step = (hyp_coherency_ops){s->name, coh_invalidate, coh_invalidate_slots};
    k->defers = defers(c);
    k->words = (h->env.nthreads + 63) / 64;
    k->op_produce = ops_declare(h->env.ops, "coherency.produce",
                                "the coherency step of one change: the TLBs that may hold it "
                                "made coherent (strict PAPR: before the hcall returns) or "
                                "marked to flush at their next dispatch, or sent patches",
                                k->ext->produce_parts ? k->ext->produce_parts
                                                      : COH_PRODUCE_PARTS);
    k->op_drain = ops_declare(h->env.ops, "coherency.drain",
                              "a thread's deferred work: when a vCPU is put on it (its "
                              "need_flush bit, its generation, its lazy states) or at a tick "
                              "(latr): what it must invalidate read (need_flush bit, generation, lazy states, "
                              "patch channels), and invalidated",
                              k->ext->drain_parts ? k->ext->drain_parts : COH_DRAIN_PARTS);
    if (k->op_produce == OP_INVALID || k->op_drain == OP_INVALID ||
        stats_register(h->env.stats, "coherency.audit", &coh_audit_stat_table, &k->ast) != 0 ||
        coh_events_start(k) != 0) {
        free(k);
        sim_errf(e, "out of host memory");
        return NULL;
    }
    if (c->mode == COH_MODE_REMAP && coh_remap_create(k, e) != 0) {
        coh_destroy(k);
        return NULL;
    }
    if ((k->ext->create && k->ext->create(k, e) != 0) ||
        (c->mode == COH_MODE_SHADOW && sh_create(k, e) != 0)) {
        coh_destroy(k);
        return NULL;
    }
    if (c->filter == COH_FILTER_TRACKED && coh_tracked_start(k) != 0) {
        coh_destroy(k);
        sim_errf(e, "no room for another TLB-fill listener (filter tracked)");
        return NULL;
    }
    coh_set_audit(k, audit);
    if (audit && !k->audit) {
        coh_destroy(k);
        sim_errf(e, "out of host memory for the coherency auditor, or no room for another "
                    "HPTE-write listener");
        return NULL;
    }
    hyp_set_coherency(h, &k->step, k);
    return k;
}

static void coh_destroy(void *vk)
{
    coh *k = vk;
    if (!k)
        return;
    if (k->h->coh_ctx == k)
        hyp_set_coherency(k->h, &hyp_eager_tlbie, NULL);
    coh_set_audit(k, false);
    if (k->cfg.filter == COH_FILTER_TRACKED)
        coh_tracked_stop(k);
    sh_destroy(k);
    if (k->ext->destroy)
        k->ext->destroy(k); /* its per-LPAR state too */
    coh_remap_destroy(k);
    for (unsigned i = 0; i < k->nlp; i++)
        if (k->lp[i]) {
            free(k->lp[i]->need);
            free(k->lp[i]);
        }
    free(k->lp);
    free(k);
}

static int coh_lpar_added(void *vk, unsigned lpid, sim_err *e)
{
    coh *k = vk;
    if (lpid >= k->caplp) {
        unsigned cap = k->caplp ? 2 * k->caplp : 16;
        while (cap <= lpid)
            cap *= 2;
        coh_lpar **v = realloc(k->lp, cap * sizeof *v);
        if (!v)
            return sim_errf(e, "out of host memory");
        k->lp = v;
        k->caplp = cap;
    }
    for (; k->nlp <= lpid; k->nlp++)
        k->lp[k->nlp] = NULL;
    /* each apart: the statistics registry keeps a pointer to its stats */
    coh_lpar *lp = k->lp[lpid] = calloc(1, sizeof *lp);
    if (!lp)
        return sim_errf(e, "out of host memory");
    snprintf(lp->prefix, sizeof lp->prefix, "coherency.%s", hyp_lpar_name(k->h, lpid));
    if (stats_register(k->h->env.stats, lp->prefix, &coh_lpar_stat_table, &lp->st) != 0)
        return sim_errf(e, "out of host memory");
    if (k->defers) {
        lp->need = calloc(k->words ? k->words : 1, sizeof *lp->need);
        if (!lp->need)
            return sim_errf(e, "out of host memory");
        uint64_t b = mask_bytes(k->cfg.max_threads);
        lp->mask_paddr = lmb_hyp_alloc_top(&k->h->lmb, b, 128);
        if (lp->mask_paddr == UINT64_MAX)
            return sim_errf(e, "hypervisor memory is too small for LPAR %u's need_flush mask "
                               "(%llu bytes); set hypervisor.memory to 0 (automatic)",
                            lpid, (unsigned long long)b);
    }
    if (k->cfg.filter == COH_FILTER_TRACKED && coh_tracked_lpar(k, lpid, e) != 0)
        return -1;
    return k->ext->lpar_added ? k->ext->lpar_added(k, lpid, e) : 0;
}

/* The pipeline's coherency step (hyp_coherency_ops.invalidate). */
static void coh_invalidate(void *ctx, hcall_ctx *c, unsigned lpid, const uint64_t *vpns,
                           const uint8_t *psizes, unsigned n, bool flush)
{
    coh_invalidate_slots(ctx, c, lpid, vpns, psizes, NULL, n, flush);
}

static void coh_invalidate_slots(void *ctx, hcall_ctx *c, unsigned lpid, const uint64_t *vpns,
                                 const uint8_t *psizes, const uint64_t *ptexs, unsigned n,
                                 bool flush)
{
    coh *k = ctx;
    if (!flush && !n)
        return; /* nothing named: no step (as the default) */
    coh_change ch = {lpid, vpns, psizes, n, flush, flush ? NULL : ptexs};
    coh_lpar *lp = k->lp[lpid];
    lp->st.invalidations++;
    lp->st.pages += flush ? 0 : n;
    lp->st.flushes += flush;
    /* the strategy charges a copy of the hcall's context whose op is the
     * produce record, its parts mapped onto the produce op's */
    hcall_ctx x = *c;
    op_begin(&x.op, c->op.end);
    x.p_tlb = COH_P_TLB;
    x.p_queueing = COH_P_QUEUE;
    x.p_memory = x.p_compute = COH_P_MARK;
    k->strat->invalidate(k, &x, &ch);
    unsigned qi = k->ext->produce_parts ? k->ext->produce_queue : COH_P_QUEUE;
    uint64_t q = x.op.part[qi], total = x.op.end - x.op.start;
    unsigned part = coh_hcall_part(c);
    if (part != UINT_MAX) {
        op_charge(&c->op, part, total); /* an hcall: its coherency part */
    } else {
        op_charge(&c->op, c->p_queueing, q); /* a platform op: as the default step */
        op_charge(&c->op, c->p_tlb, total - q);
    }
    ops_record(k->h->env.ops, k->op_produce, &x.op);
    if (k->audit)
        coh_audit_after_step(k, &ch, c->thread, c->op.end);
}

static uint64_t coh_dispatched(void *vk, unsigned thread, unsigned lpid, uint64_t at)
{
    coh *k = vk;
    if (!k->strat->at_dispatch && !k->audit && !k->shx)
        return 0;
    op_rec o;
    op_begin(&o, at);
    bool did = k->strat->at_dispatch && lpid < k->nlp && k->lp[lpid] &&
               k->strat->at_dispatch(k, thread, lpid, &o);
    did |= k->shx && sh_dispatched(k, thread, lpid, &o); /* mode shadow: E2 */
    if (did) {
        ops_record(k->h->env.ops, k->op_drain, &o);
        k->est.dispatch_drains++;
    }
    if (k->audit && k->cfg.mode == COH_MODE_REMAP)
        coh_audit_owner_at_dispatch(k, thread, lpid, o.end);
    if (k->audit)
        coh_audit_at_dispatch(k, thread, lpid, o.end);
    return o.end - at;
}

static void coh_set_audit(void *vk, bool on)
{
    coh *k = vk;
    if (on && !k->audit) {
        coh_audit *a = coh_audit_create(k);
        if (!a)
            return;
        if (hyp_add_hpte_listener(k->h, coh_audit_hpte_listener, a) != 0) {
            coh_audit_destroy(a);
            return;
        }
        k->audit = a;
    } else if (!on && k->audit) {
        hyp_remove_hpte_listener(k->h, coh_audit_hpte_listener, k->audit);
        coh_audit_destroy(k->audit);
        k->audit = NULL;
    }
}

/* Every LPAR and driver is known. A driver may use the threads' TLBs for
 * its LPARs without vCPUs (feature.h bare_lpars): nothing is ever dispatched for them, so what a
 * strategy defers to a dispatch would never be done. */
static int coh_start(void *vk, sim_err *e)
{
    coh *k = vk;
    if (leaves_others(&k->cfg) && k->h->bare_driver)
        return sim_errf(e, "hypervisor.coherency.strategy: %s with filter %s defers the threads "
                           "that run no vCPU of the LPAR to its next dispatch, but a workload "
                           "driver (drivers.*) uses the threads' TLBs for LPARs that have no "
                           "vCPU and are never dispatched; expected eager-tlbie, or eager-ipi "
                           "with filter all",
                        k->strat->name, filter_names[k->cfg.filter]);
    if (k->cfg.filter == COH_FILTER_TRACKED && k->h->bare_driver)
        return sim_errf(e, "hypervisor.coherency.filter: tracked records the threads whose walk "
                           "filled a TLB entry, but a workload driver (drivers.*) fills the "
                           "threads' TLBs without a walk; expected filter all");
    return 0;
}

static uint64_t coh_next_event(const void *vk)
{
    const coh *k = vk;
    return k->ext->next_event ? k->ext->next_event(k) : UINT64_MAX;
}

static int coh_event(void *vk, uint64_t at, sim_err *e)
{
    coh *k = vk;
    return k->ext->event ? k->ext->event(k, at, e) : 0;
}

static int coh_check_error(const void *vk, sim_err *e)
{
    const coh *k = vk;
    if (!k->failed)
        return 0;
    if (e)
        *e = k->err;
    return -1;
}

const hyp_feature coherency_feature = {
    .name = "coherency",
    .desc = "TLB coherency strategies for the invalidation pipeline's coherency step (seed 004): "
            "eager tlbie, IPI shootdown, KVM-style deferred flush, TLB generations, LATR, "
            "patch channels; auditor.",
    .params = &coherency_feature_params,
    .hcalls = NULL,
    .nhcalls = 0,
    .memory_needed = coh_memory,
    .create = coh_create,
    .destroy = coh_destroy,
    .lpar_added = coh_lpar_added,
    .start = coh_start,
    .next_event = coh_next_event,
    .event = coh_event,
    .vcpu_dispatched = coh_dispatched,
    .hyp_entered = coh_entered,
    .hcall_part = "coherency",
    .check_error = coh_check_error,
    .set_audit = coh_set_audit,
};
