/*
 * dispatch.c - shared-processor dispatch (PowerVM style): the shared LPARs'
 * virtual processors (VPs) are dispatched onto the cores of the shared
 * pool, a VP's vCPUs on the core's SMT threads.
 *
 * Policy, per dispatch wheel period of `wheel` cycles:
 *  - every VP is entitled to entitlement / virtual_processors of a core per
 *    period (its budget, refilled at each period start, not carried over);
 *  - a free core takes first the VP with budget left that has waited
 *    longest (ties: LPAR, then VP order) for min(budget, rest of period);
 *  - otherwise an uncapped VP with weight > 0 gets unused capacity for at
 *    most slice_us, chosen by stride scheduling (the smallest pass, which
 *    grows by slice x 65536 / weight), so unused capacity is shared in
 *    proportion to weight; capped VPs wait for the next period.
 * Events: period boundaries and slice ends; every thread has reached the
 * event's cycle when it runs (the machine's loop). A switch of VP on a core
 * costs each thread switch_cycles plus saving the old vCPU's state and
 * restoring the new one's (save_bytes each way, through the thread's
 * caches, at the VPs' save areas in hypervisor memory): op dispatch.switch.
 * dispatch.wait is the time from runnable to dispatched.
 * Invariants: a VP is on at most one core, a core runs at most one VP; a
 * slice never crosses a period boundary; a VP's budget never goes below 0.
 * Simplifications: a VP whose vCPUs all finish mid-slice holds its core to
 * the end of the slice (and is charged for it); there is no cede, confer or
 * prod yet, so a dispatched VP always has work until its traces end.
 */
#include <stdlib.h>
#include <string.h>

#include "dispatch_int.h"

static bool vp_done(const dvp *v)
{
    for (unsigned i = 0; i < v->nv; i++)
        if (!v->v[i]->done)
            return false;
    return true;
}

static void *dispatch_create(hyp *h, const void *cfg, bool audit, sim_err *e)
{
    (void)audit; /* no auditor yet */
    dispatch *d = calloc(1, sizeof *d);
    if (!d) {
        sim_errf(e, "out of host memory");
        return NULL;
    }
    d->h = h;
    d->cfg = *(const dispatch_config *)cfg;
    d->wheel = d->cfg.wheel_us * h->env.freq_mhz;
    d->slice_max = d->cfg.slice_us * h->env.freq_mhz;
    uint64_t bytes = d->cfg.max_vcpus * d->cfg.save_bytes;
    d->save_base = lmb_hyp_alloc_top(&h->lmb, bytes, 128);
    d->op_switch = ops_declare(h->env.ops, "dispatch.switch",
                               "a hardware thread switching virtual processors: hypervisor "
                               "compute and the vCPU state saved and restored", "compute,memory");
    d->op_wait = ops_declare(h->env.ops, "dispatch.wait",
                             "a virtual processor runnable and waiting for a core", "wait");
    if (d->save_base == UINT64_MAX || d->op_switch == OP_INVALID || d->op_wait == OP_INVALID) {
        free(d);
        sim_errf(e, "hypervisor memory too small for %llu bytes of vCPU save areas, or out of "
                    "host memory; set hypervisor.memory to 0 (automatic)",
                 (unsigned long long)bytes);
        return NULL;
    }
    hyp_claim_shared(h);
    return d;
}

static void dispatch_destroy(void *vd)
{
    dispatch *d = vd;
    if (!d)
        return;
    free(d->lp);
    free(d->vp);
    free(d->pool);
    free(d);
}

static uint64_t dispatch_memory(const void *cfg, const hyp_config *hc, unsigned nlpars,
                                const uint64_t *mem, const uint64_t *hpt)
{
    (void)hc, (void)nlpars, (void)mem, (void)hpt;
    const dispatch_config *c = cfg;
    return c->max_vcpus * c->save_bytes;
}

/* The pool: cores none of whose threads runs a dedicated vCPU. */
static int build_pool(dispatch *d, sim_err *e)
{
    const hyp_env *env = &d->h->env;
    unsigned tpc = env->threads_per_core, ncores = env->nthreads / tpc;
    d->pool = calloc(ncores ? ncores : 1, sizeof *d->pool);
    if (!d->pool)
        return sim_errf(e, "out of host memory");
    for (unsigned c = 0; c < ncores; c++) {
        bool used = false;
        for (unsigned k = 0; k < tpc; k++)
            used |= env->threads[c * tpc + k].bound;
        if (!used)
            d->pool[d->npool++] = (dcore){c, -1, -1, 0, 0};
    }
    return 0;
}

static int build_vps(dispatch *d, sim_err *e)
{
    hyp *h = d->h;
    unsigned tpc = h->env.threads_per_core, nvcpu = 0;
    for (unsigned l = 0; l < h->nlpars; l++) {
        const hyp_procs *p = hyp_lpar_procs(h, l);
        if (p->mode != HYP_PROCS_SHARED)
            continue;
        d->nlp++;
        d->nvp += (unsigned)p->virtual_processors;
        if (!d->npool)
            return sim_errf(e, "lpars[%u].processors.mode: shared, but no core is left for the "
                               "shared pool (each runs a dedicated vCPU); expected a core none "
                               "of whose threads a dedicated vCPU names", l);
        if (p->entitlement > (double)d->npool + 1e-9)
            return sim_errf(e, "lpars[%u].processors.entitlement: %g processing units, but the "
                               "shared pool has %u cores; expected at most %u",
                            l, p->entitlement, d->npool, d->npool);
    }
    if (tpc > DISPATCH_MAX_SMT)
        return sim_errf(e, "hypervisor.dispatch: %u threads per core; at most %d supported",
                        tpc, DISPATCH_MAX_SMT);
    d->lp = calloc(d->nlp ? d->nlp : 1, sizeof *d->lp);
    d->vp = calloc(d->nvp ? d->nvp : 1, sizeof *d->vp);
    if (!d->lp || !d->vp)
        return sim_errf(e, "out of host memory");
    unsigned li = 0, vi = 0;
    for (unsigned l = 0; l < h->nlpars; l++) {
        const hyp_procs *p = hyp_lpar_procs(h, l);
        if (p->mode != HYP_PROCS_SHARED)
            continue;
        dlpar *lp = &d->lp[li];
        *lp = (dlpar){l, p->entitlement, p->capped, p->weight, "", {0}};
        snprintf(lp->prefix, sizeof lp->prefix, "dispatch.%s", hyp_lpar_name(h, l));
        if (stats_register(h->env.stats, lp->prefix, &dispatch_lpar_stat_table, &lp->st) != 0)
            return sim_errf(e, "out of host memory");
        cpu_vcpu *const *v;
        unsigned n = hyp_lpar_vcpus(h, l, &v);
        uint64_t per = (uint64_t)(p->entitlement / (double)p->virtual_processors *
                                  (double)d->wheel + 0.5);
        for (unsigned k = 0; k < p->virtual_processors; k++, vi++) {
            dvp *vp = &d->vp[vi];
            vp->lp = li;
            vp->index = k;
            vp->core = vp->last_core = -1;
            vp->per_wheel = vp->budget = per;
            for (unsigned t = k * tpc; t < n && t < (k + 1) * tpc; t++)
                vp->v[vp->nv++] = v[t];
            vp->save_paddr = d->save_base + (uint64_t)nvcpu * d->cfg.save_bytes;
            nvcpu += vp->nv;
        }
        li++;
    }
    if (nvcpu > d->cfg.max_vcpus)
        return sim_errf(e, "hypervisor.dispatch.max_vcpus: %llu, but the shared LPARs have %u "
                           "vCPUs; expected at least %u", (unsigned long long)d->cfg.max_vcpus,
                        nvcpu, nvcpu);
    return 0;
}

/* Charge one thread's part of a switch (old vCPU's state out, new in) at
 * cycle `at`; returns the cycles. */
static uint64_t switch_thread(dispatch *d, cpu_thread *t, const dvp *old, unsigned k,
                              const dvp *nw, uint64_t at)
{
    op_rec o;
    op_begin(&o, at);
    op_charge(&o, 0, d->cfg.switch_cycles);
    uint64_t lines = (d->cfg.save_bytes + 127) / 128;
    for (uint64_t i = 0; old && k < old->nv && i < lines; i++)
        op_charge(&o, 1, mem_access(t->port, old->save_paddr + (k * lines + i) * 128, 128,
                                    MEM_WRITE, o.end));
    for (uint64_t i = 0; nw && k < nw->nv && i < lines; i++)
        op_charge(&o, 1, mem_access(t->port, nw->save_paddr + (k * lines + i) * 128, 128,
                                    MEM_READ, o.end));
    ops_record(d->h->env.ops, d->op_switch, &o);
    return o.end - at;
}

/* Put VP v (or nothing, v < 0) on pool core c at `at`. */
static void put(dispatch *d, unsigned c, int v, uint64_t at)
{
    dcore *pc = &d->pool[c];
    unsigned tpc = d->h->env.threads_per_core;
    const dvp *old = pc->prev_vp >= 0 ? &d->vp[pc->prev_vp] : NULL;
    dvp *nw = v >= 0 ? &d->vp[v] : NULL;
    bool change = v >= 0 && v != pc->prev_vp;
    for (unsigned k = 0; k < tpc; k++) {
        cpu_thread *t = &d->h->env.threads[pc->core * tpc + k];
        if (t->clock < at)
            t->clock = at; /* an idle thread waits for the dispatch */
        if (change)
            t->clock += switch_thread(d, t, old, k, nw, t->clock);
        cpu_vcpu *cv = nw && k < nw->nv && !nw->v[k]->done ? nw->v[k] : NULL;
        cpu_thread_switch(t, cv);
    }
    pc->vp = v;
    if (v >= 0)
        pc->prev_vp = v;
}

static void stop(dispatch *d, unsigned c, uint64_t at)
{
    dcore *pc = &d->pool[c];
    dvp *vp = &d->vp[pc->vp];
    dlpar *lp = &d->lp[vp->lp];
    uint64_t used = at - pc->start;
    lp->st.consumed_cycles += used;
    vp->budget -= used < vp->budget ? used : vp->budget;
    vp->core = -1;
    vp->ready_since = at;
    if (!vp_done(vp))
        lp->st.preemptions++;
    put(d, c, -1, at);
}

/* The VP a free core takes at `at`, or -1; *entitled says which kind. */
static int pick(const dispatch *d, bool *entitled)
{
    int best = -1;
    for (unsigned i = 0; i < d->nvp; i++) {
        const dvp *v = &d->vp[i];
        if (v->core >= 0 || !v->budget || vp_done(v))
            continue;
        if (best < 0 || v->ready_since < d->vp[best].ready_since)
            best = (int)i;
    }
    *entitled = best >= 0;
    if (best >= 0)
        return best;
    for (unsigned i = 0; i < d->nvp; i++) {
        const dvp *v = &d->vp[i];
        const dlpar *lp = &d->lp[v->lp];
        if (v->core >= 0 || lp->capped || !lp->weight || vp_done(v))
            continue;
        if (best < 0 || v->pass < d->vp[best].pass)
            best = (int)i;
    }
    return best;
}

static void fill(dispatch *d, uint64_t at)
{
    for (unsigned c = 0; c < d->npool; c++) {
        dcore *pc = &d->pool[c];
        if (pc->vp >= 0)
            continue;
        bool entitled;
        int v = pick(d, &entitled);
        if (v < 0)
            break; /* nothing for this core, nor for the next ones */
        dvp *vp = &d->vp[v];
        dlpar *lp = &d->lp[vp->lp];
        uint64_t len = d->wheel_end - at;
        if (entitled && vp->budget < len)
            len = vp->budget;
        if (!entitled && d->slice_max < len)
            len = d->slice_max;
        if (!entitled)
            vp->pass += len * 65536 / lp->weight;
        op_rec w;
        op_begin(&w, vp->ready_since);
        op_charge(&w, 0, at - vp->ready_since);
        ops_record(d->h->env.ops, d->op_wait, &w);
        lp->st.dispatches++;
        lp->st.dispersions += vp->last_core >= 0 && (unsigned)vp->last_core != c;
        vp->core = (int)c;
        vp->last_core = (int)c;
        pc->start = at;
        pc->end = at + len;
        put(d, c, v, at);
    }
}

static bool all_done(const dispatch *d)
{
    for (unsigned i = 0; i < d->nvp; i++)
        if (!vp_done(&d->vp[i]))
            return false;
    return true;
}

static void account(dispatch *d, uint64_t at)
{
    for (unsigned l = 0; l < d->nlp; l++)
        d->lp[l].st.entitled_cycles = (uint64_t)(d->lp[l].entitlement * (double)at + 0.5);
}

static int dispatch_start(void *vd, sim_err *e)
{
    dispatch *d = vd;
    if (build_pool(d, e) != 0 || build_vps(d, e) != 0)
        return -1;
    d->wheel_end = d->wheel;
    d->started = true;
    fill(d, 0);
    return 0;
}

static uint64_t dispatch_next(const void *vd)
{
    const dispatch *d = vd;
    if (!d->started || !d->nvp || all_done(d))
        return UINT64_MAX;
    uint64_t next = d->wheel_end;
    for (unsigned c = 0; c < d->npool; c++)
        if (d->pool[c].vp >= 0 && d->pool[c].end < next)
            next = d->pool[c].end;
    return next;
}

static int dispatch_event(void *vd, uint64_t at, sim_err *e)
{
    (void)e;
    dispatch *d = vd;
    for (unsigned c = 0; c < d->npool; c++)
        if (d->pool[c].vp >= 0 && d->pool[c].end <= at)
            stop(d, c, at);
    if (at >= d->wheel_end) {
        d->wheel_end += d->wheel;
        for (unsigned i = 0; i < d->nvp; i++)
            d->vp[i].budget = d->vp[i].per_wheel;
    }
    account(d, at);
    fill(d, at);
    return 0;
}

const hyp_feature dispatch_feature = {
    .name = "dispatch",
    .desc = "Shared-processor partitions: virtual processors dispatched on a pool of cores by "
            "entitlement, capping and weight within a dispatch wheel.",
    .params = &dispatch_feature_params,
    .memory_needed = dispatch_memory,
    .create = dispatch_create,
    .destroy = dispatch_destroy,
    .start = dispatch_start,
    .next_event = dispatch_next,
    .event = dispatch_event,
};
