/*
 * dispatch.c - shared-processor dispatch (PowerVM style): the shared LPARs'
 * virtual processors (VPs) are dispatched onto the cores of the shared
 * pool, a VP's vCPUs on the core's SMT threads.
 *
 * Policy, per dispatch wheel period of `wheel` cycles:
 *  - every VP is entitled to entitlement / virtual_processors of a core per
 *    period (its budget, refilled at each period start, not carried over);
 *  - a free core takes first the VP with budget left that has waited
 *    longest (ties: LPAR, then VP order) for min(budget, rest of period),
 *    the VP's last core if it is free (affinity);
 *  - otherwise an uncapped VP with weight > 0 gets unused capacity for at
 *    most slice_us (preempted as soon as a VP with budget left waits),
 *    chosen by stride scheduling (the smallest pass, which
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
 * Waits: H_CEDE (and the trace's idle/wait markers) takes a vCPU off its
 * thread until H_PROD, an interrupt or its decrementer (a timeout); a VP
 * with no vCPU left to run leaves its core at once. A woken vCPU runs again
 * hypervisor.interrupts.deliver_cycles later, after its VP's dispatch wait
 * if it was off a core.
 * Interrupts (hyp_interrupt, for a shared vCPU): a ceded vCPU wakes (not
 * one in a timed wait); for a running one the core charges the delivery to
 * the pool thread it is on; one whose VP is off a core takes it when next
 * dispatched (interrupts meanwhile: one delivery; a wake's delivery covers
 * them).
 * H_CONFER ends the caller's slice, its target's VP first in line.
 * A VP whose vCPUs all finish leaves its core when the last one does.
 * Every vCPU put on a thread is announced to the features
 * (hyp_vcpu_dispatched); what they spend first (a deferred TLB flush)
 * delays it on that thread.
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

/* The dispatcher's record of vCPU v, or NULL (a dedicated vCPU). */
static dvcpu *dv_of(const dispatch *d, const cpu_vcpu *v)
{
    return v && v->tag < d->ndv && d->dv[v->tag].v == v ? &d->dv[v->tag] : NULL;
}

/* Has the VP a vCPU with work that is not waiting? */
static bool vp_runnable(const dispatch *d, const dvp *v)
{
    for (unsigned i = 0; i < v->nv; i++)
        if (!v->v[i]->done && !d->dv[v->dv[i]].waiting)
            return true;
    return false;
}

static void resched(dispatch *d, uint64_t at)
{
    if (at < d->resched_at)
        d->resched_at = at;
    hyp_request_event(d->h, at); /* stop the threads there */
}

/* Thread t runs cv from now on (NULL: nothing): the vCPU leaving it
 * stops accumulating run time at `left` (the thread's clock when it left,
 * before any switch); the features do their dispatch-time work
 * (hyp_vcpu_dispatched), then cv's run time starts. */
static void run_on(dispatch *d, cpu_thread *t, cpu_vcpu *cv, uint64_t left)
{
    cpu_vcpu *old = t->v;
    if (old && old->tag < d->ndv && d->dv[old->tag].v == old && d->dv[old->tag].thread >= 0) {
        dvcpu *o = &d->dv[old->tag];
        o->ran += left > o->run_from ? left - o->run_from : 0;
        o->thread = -1;
        o->off_why = d->why_off;
    }
    cpu_thread_switch(t, cv);
    if (cv) {
        dvcpu *x = &d->dv[cv->tag];
        if (d->dtl)
            dispatch_dtl_row(d, x, t->id, t->clock);
        x->wake_why = 0;
        x->waited = 0;
        /* features' work before it runs (a deferred TLB flush) */
        t->clock += hyp_vcpu_dispatched(d->h, t->id, cv->b.lpid, cv->b.vcpu, t->clock);
        x->thread = (int)t->id;
        x->run_from = t->clock;
    }
}

int dispatch_vcpu(const dispatch *d, unsigned lpid, unsigned vcpu, dispatch_vcpu_view *out)
{
    cpu_vcpu *const *v;
    unsigned n = hyp_lpar_vcpus(d->h, lpid, &v);
    if (vcpu >= n || v[vcpu]->tag >= d->ndv || d->dv[v[vcpu]->tag].v != v[vcpu])
        return -1;
    const dvcpu *x = &d->dv[v[vcpu]->tag];
    out->thread = x->thread;
    out->ran = out->ran_before = x->ran;
    out->run_from = x->run_from;
    if (x->thread >= 0) {
        uint64_t now = d->h->env.threads[x->thread].clock;
        out->ran += now > x->run_from ? now - x->run_from : 0;
    }
    out->waiting = x->waiting;
    out->wake_at = x->wake_at;
    return 0;
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
    d->cfg.pool = NULL; /* the config's string: copied into pool_spec */
    const char *spec = ((const dispatch_config *)cfg)->pool;
    if (spec && spec[strspn(spec, " \t")] && !(d->pool_spec = strdup(spec))) {
        free(d);
        sim_errf(e, "out of host memory");
        return NULL;
    }
    d->wheel = d->cfg.wheel_us * h->env.freq_mhz;
    d->slice_max = d->cfg.slice_us * h->env.freq_mhz;
    uint64_t bytes = d->cfg.max_vcpus * d->cfg.save_bytes;
    d->save_base = lmb_hyp_alloc_top(&h->lmb, bytes, 128);
    d->op_switch = ops_declare(h->env.ops, "dispatch.switch",
                               "a hardware thread switching virtual processors: hypervisor "
                               "compute and the vCPU state saved and restored", "compute,memory");
    d->op_wait = ops_declare(h->env.ops, "dispatch.wait",
                             "a virtual processor runnable and waiting for a core", "wait");
    d->op_wake = ops_declare(h->env.ops, "dispatch.wake",
                             "a ceded vCPU from its wake (prod, interrupt, decrementer) to "
                             "running again: the interrupt delivered, its virtual processor's "
                             "dispatch wait and switch", "deliver,wait,switch");
    if (d->save_base == UINT64_MAX || d->op_switch == OP_INVALID || d->op_wait == OP_INVALID ||
        d->op_wake == OP_INVALID) {
        free(d->pool_spec);
        free(d);
        sim_errf(e, "hypervisor memory too small for %llu bytes of vCPU save areas, or out of "
                    "host memory; set hypervisor.memory to 0 (automatic)",
                 (unsigned long long)bytes);
        return NULL;
    }
    if (dispatch_dtl_open(d, e) != 0) {
        free(d->pool_spec);
        free(d);
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
    free(d->dv);
    free(d->pool_spec);
    dispatch_dtl_close(d);
    free(d);
}

static uint64_t dispatch_memory(const void *cfg, const hyp_config *hc, unsigned nlpars,
                                const uint64_t *mem, const uint64_t *hpt, unsigned nthreads)
{
    (void)hc, (void)nlpars, (void)mem, (void)hpt, (void)nthreads;
    const dispatch_config *c = cfg;
    return c->max_vcpus * c->save_bytes;
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
        /* an explicit pool is located at its key, the automatic one at
         * the entitlement */
        if (p->entitlement > (double)d->npool + 1e-9 && d->pool_spec)
            return sim_errf(e, "hypervisor.dispatch.pool: %u core%s, but "
                               "lpars[%u].processors.entitlement is %g processing units; "
                               "expected at least %llu cores (or that entitlement at most %u)",
                            d->npool, d->npool == 1 ? "" : "s", l, p->entitlement,
                            (unsigned long long)(p->entitlement - 1e-9) + 1, d->npool);
        if (p->entitlement > (double)d->npool + 1e-9)
            return sim_errf(e, "lpars[%u].processors.entitlement: %g processing units, but the "
                               "shared pool has %u cores; expected at most %u",
                            l, p->entitlement, d->npool, d->npool);
    }
    double sum = 0;
    for (unsigned l = 0; l < h->nlpars; l++)
        if (hyp_lpar_procs(h, l)->mode == HYP_PROCS_SHARED)
            sum += hyp_lpar_procs(h, l)->entitlement;
    if (sum > (double)d->npool + 1e-6 && d->pool_spec)
        return sim_errf(e, "hypervisor.dispatch.pool: %u core%s, but the shared LPARs' "
                           "entitlements add up to %g processing units; expected at least %llu "
                           "cores (or entitlements adding up to at most %u)",
                        d->npool, d->npool == 1 ? "" : "s", sum, (unsigned long long)(sum - 1e-6) + 1, d->npool);
    if (sum > (double)d->npool + 1e-6)
        return sim_errf(e, "lpars: the shared LPARs' entitlements add up to %g processing units, "
                           "but the shared pool has %u cores; expected at most %u in all",
                        sum, d->npool, d->npool);
    if (tpc > DISPATCH_MAX_SMT)
        return sim_errf(e, "hypervisor.dispatch: %u threads per core; at most %d supported",
                        tpc, DISPATCH_MAX_SMT);
    unsigned total = 0;
    for (unsigned l = 0; l < h->nlpars; l++) {
        cpu_vcpu *const *v;
        total += hyp_lpar_vcpus(h, l, &v);
    }
    d->lp = calloc(d->nlp ? d->nlp : 1, sizeof *d->lp);
    d->vp = calloc(d->nvp ? d->nvp : 1, sizeof *d->vp);
    d->dv = calloc(total ? total : 1, sizeof *d->dv);
    if (!d->lp || !d->vp || !d->dv)
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
            for (unsigned t = k * tpc; t < n && t < (k + 1) * tpc; t++) {
                d->dv[d->ndv] = (dvcpu){.v = v[t], .vp = vi, .slot = vp->nv,
                                        .wake_at = UINT64_MAX, .woke_at = UINT64_MAX,
                                        .thread = -1};
                v[t]->tag = d->ndv;
                vp->dv[vp->nv] = d->ndv++;
                vp->v[vp->nv++] = v[t];
            }
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

/* Woken vCPU x runs again on thread t, which became ready for it at
 * `ready` and then spent sw cycles switching: the interrupt is delivered,
 * and dispatch.wake records wake -> running. */
static void resumed(dispatch *d, dvcpu *x, cpu_thread *t, uint64_t ready, uint64_t sw)
{
    op_rec o;
    op_begin(&o, x->woke_at);
    op_charge(&o, 1, ready - x->woke_at);
    op_charge(&o, 2, sw);
    op_charge(&o, 0, d->h->cfg.interrupts.deliver_cycles);
    t->clock += d->h->cfg.interrupts.deliver_cycles;
    ops_record(d->h->env.ops, d->op_wake, &o);
    x->woke_at = UINT64_MAX;
    x->irq_pending = false; /* taken with the wake's delivery */
}

/* Put VP v (or nothing, v < 0) on pool core c at `at`. */
static void put(dispatch *d, unsigned c, int v, uint64_t at)
{
    dcore *pc = &d->pool[c];
    unsigned tpc = d->h->env.threads_per_core;
    const dvp *old = pc->prev_vp >= 0 ? &d->vp[pc->prev_vp] : NULL;
    dvp *nw = v >= 0 ? &d->vp[v] : NULL;
    /* a switch saves the last VP's state and restores the new one's; the
     * very first dispatch of a VP onto an unused core is its boot */
    bool change = v >= 0 && v != pc->prev_vp && (pc->prev_vp >= 0 || nw->ran);
    for (unsigned k = 0; k < tpc; k++) {
        cpu_thread *t = &d->h->env.threads[pc->core * tpc + k];
        if (t->clock < at)
            t->clock = at; /* an idle thread waits for the dispatch */
        uint64_t ready = t->clock, sw = change ? switch_thread(d, t, old, k, nw, t->clock) : 0;
        t->clock += sw;
        cpu_vcpu *cv = nw && k < nw->nv && !nw->v[k]->done ? nw->v[k] : NULL;
        dvcpu *x = cv ? &d->dv[nw->dv[k]] : NULL;
        if (x && x->waiting)
            cv = NULL, x = NULL; /* ceded: the thread idles */
        if (x && x->woke_at != UINT64_MAX)
            resumed(d, x, t, ready, sw);
        run_on(d, t, cv, ready);
        if (x && x->irq_pending) {
            x->irq_pending = false; /* interrupted while off a core */
            hyp_irq_deliver(d->h, pc->core * tpc + k);
        }
    }
    pc->vp = v;
    if (v >= 0) {
        pc->prev_vp = v;
        nw->ran = true;
    }
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
    if (vp_runnable(d, vp))
        lp->st.preemptions++;
    d->why_off = vp->conferred ? DTL_OFF_CONFER : DTL_OFF_SLICE;
    vp->conferred = false;
    put(d, c, -1, at);
}

/* The VP a free core takes at `at`, or -1; *entitled says which kind. */
static int pick(const dispatch *d, bool *entitled)
{
    int best = -1;
    for (unsigned i = 0; i < d->nvp; i++) {
        const dvp *v = &d->vp[i];
        if (v->core >= 0 || !v->budget || !vp_runnable(d, v))
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
        if (v->core >= 0 || lp->capped || !lp->weight || !vp_runnable(d, v))
            continue;
        if (best < 0 || v->pass < d->vp[best].pass)
            best = (int)i;
    }
    return best;
}

/* Free cores take VPs (pick's order); a VP goes back to the core it ran
 * on last when that core is free (affinity: its state and cache footprint
 * are there), else to the first free core. An LPAR with home nodes: its
 * last core if free and on a home node, else the first free core on one,
 * else as without (dispatch_home_core). */
static void fill(dispatch *d, uint64_t at)
{
    for (;;) {
        int c = -1;
        for (unsigned k = 0; k < d->npool && c < 0; k++)
            if (d->pool[k].vp < 0)
                c = (int)k;
        if (c < 0)
            return;
        bool entitled;
        int v = pick(d, &entitled);
        if (v < 0)
            return; /* nothing for any free core */
        dvp *vp = &d->vp[v];
        int home = dispatch_home_core(d, vp);
        if (home >= 0)
            c = home;
        else if (vp->last_core >= 0 && d->pool[vp->last_core].vp < 0)
            c = vp->last_core;
        dcore *pc = &d->pool[c];
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
        lp->st.dispersions += vp->last_core >= 0 && vp->last_core != c;
        vp->core = c;
        vp->last_core = c;
        pc->start = at;
        pc->end = at + len;
        pc->entitled = entitled;
        d->why_on = entitled ? DTL_ON_ENTITLED : DTL_ON_UNCAPPED;
        d->enq_wait = at - vp->ready_since;
        put(d, (unsigned)c, v, at);
    }
}

/* Does a VP with budget left wait for a core? */
static bool entitled_waits(const dispatch *d)
{
    for (unsigned i = 0; i < d->nvp; i++)
        if (d->vp[i].core < 0 && d->vp[i].budget && vp_runnable(d, &d->vp[i]))
            return true;
    return false;
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
    if (dispatch_build_pool(d, e) != 0 || build_vps(d, e) != 0)
        return -1;
    d->wheel_end = d->wheel;
    d->resched_at = UINT64_MAX;
    d->started = true;
    fill(d, 0);
    return 0;
}

static uint64_t dispatch_next(const void *vd)
{
    const dispatch *d = vd;
    if (!d->started || !d->nvp || all_done(d))
        return UINT64_MAX;
    /* nothing can run and nothing will wake: the run ends */
    bool any = false;
    for (unsigned i = 0; i < d->nvp && !any; i++)
        any = vp_runnable(d, &d->vp[i]);
    uint64_t next = any ? d->wheel_end : UINT64_MAX;
    for (unsigned c = 0; c < d->npool; c++)
        if (d->pool[c].vp >= 0 && d->pool[c].end < next)
            next = d->pool[c].end;
    for (unsigned i = 0; i < d->ndv; i++)
        if (d->dv[i].waiting && !d->dv[i].v->done && d->dv[i].wake_at < next)
            next = d->dv[i].wake_at;
    return d->resched_at < next ? d->resched_at : next;
}

/* vCPU i wakes at `at` (a prod, an interrupt, its decrementer): it runs
 * again once its VP is on a core (at once if it is), deliver_cycles after
 * its thread is ready for it. */
static void wake(dispatch *d, unsigned i, uint64_t at, unsigned why)
{
    dvcpu *x = &d->dv[i];
    x->wake_why = (uint8_t)why;
    x->waited = at > x->wait_from ? at - x->wait_from : 0;
    dvp *v = &d->vp[x->vp];
    if (v->core < 0 && !vp_runnable(d, v))
        v->ready_since = at; /* it was idle, not waiting for a core, until now */
    x->waiting = x->blocked = false;
    x->wake_at = UINT64_MAX;
    x->woke_at = at;
    const dvp *vp = &d->vp[x->vp];
    if (vp->core >= 0 && !x->v->done) {
        /* its VP is on a core: its thread idles there and takes it now */
        cpu_thread *t = &d->h->env.threads[d->pool[vp->core].core * d->h->env.threads_per_core +
                                           x->slot];
        if (t->clock < at)
            t->clock = at;
        uint64_t ready = t->clock;
        resumed(d, x, t, t->clock, 0);
        run_on(d, t, x->v, ready);
    }
    resched(d, at); /* the scheduler takes the thread back, or a core the VP */
}

static int dispatch_event(void *vd, uint64_t at, sim_err *e)
{
    (void)e;
    dispatch *d = vd;
    d->resched_at = UINT64_MAX;
    for (unsigned i = 0; i < d->ndv; i++)
        if (d->dv[i].waiting && d->dv[i].wake_at <= at) {
            d->lp[d->vp[d->dv[i].vp].lp].st.interrupts++;
            wake(d, i, at, DTL_ON_TIMER);
        }
    d->resched_at = UINT64_MAX;
    /* slices that ended, and VPs with nothing left to run (all ceded) */
    for (unsigned c = 0; c < d->npool; c++)
        if (d->pool[c].vp >= 0 &&
            (d->pool[c].end <= at || !vp_runnable(d, &d->vp[d->pool[c].vp])))
            stop(d, c, at);
    if (at >= d->wheel_end) {
        d->wheel_end += d->wheel;
        for (unsigned i = 0; i < d->nvp; i++)
            d->vp[i].budget = d->vp[i].per_wheel;
    }
    /* entitled capacity comes first: a VP with budget that waits preempts
     * one running on unused capacity */
    for (unsigned c = 0; c < d->npool && entitled_waits(d); c++)
        if (d->pool[c].vp >= 0 && !d->pool[c].entitled) {
            stop(d, c, at);
            fill(d, at);
        }
    account(d, at);
    fill(d, at);
    return 0;
}

/* The shared vCPU running on the calling thread, or NULL (dedicated). */
static dvcpu *caller(dispatch *d, hcall_ctx *c)
{
    return dv_of(d, d->h->env.threads[c->thread].v);
}

/* Take the calling shared vCPU x off its thread until `until` (UINT64_MAX:
 * a prod or an interrupt); its VP leaves its core if nothing else runs. */
static void take_off(dispatch *d, hcall_ctx *c, dvcpu *x, uint64_t until, bool timed)
{
    dvp *vp = &d->vp[x->vp];
    x->waiting = true;
    x->blocked = timed;
    x->wake_at = until;
    x->wait_from = c->op.end;
    d->why_off = timed ? DTL_OFF_BLOCK : DTL_OFF_CEDE;
    run_on(d, &d->h->env.threads[c->thread], NULL, c->op.end);
    if (!vp_runnable(d, vp))
        resched(d, c->op.end); /* the core can take another VP */
}

/* The feature hook behind hyp_block: a shared vCPU waits off its thread. */
static bool dispatch_block(void *vd, hcall_ctx *c, uint64_t until)
{
    dispatch *d = vd;
    dvcpu *x = caller(d, c);
    if (!x)
        return false;
    take_off(d, c, x, until, true);
    return true;
}

/* H_CEDE(timeout): with timeout 0 the vCPU idles until a prod or an
 * interrupt; with a timeout (an lparsim extension standing for the
 * decrementer: the trace's idle marker) it sleeps exactly that long, a
 * blocking wait (hyp_block): the hcall's wait part is the time, spent off
 * the thread by a shared vCPU, in place by a dedicated one. */
static long h_cede(hcall_ctx *c, const uint64_t *a, uint64_t *rets)
{
    (void)rets;
    dispatch *d = c->fs;
    dvcpu *x = caller(d, c);
    if (x)
        d->lp[d->vp[x->vp].lp].st.cedes++;
    if (a[0]) {
        hyp_block(c, c->op.end + a[0], 4);
        return H_SUCCESS;
    }
    if (x)
        take_off(d, c, x, UINT64_MAX, false);
    return H_SUCCESS;
}

/* A pool thread's vCPU finished: if its VP has nothing left to run, the
 * core goes to another VP now rather than at the slice end. */
static void dispatch_thread_idle(void *vd, unsigned thread, uint64_t at)
{
    dispatch *d = vd;
    unsigned core = thread / d->h->env.threads_per_core;
    for (unsigned c = 0; c < d->npool; c++)
        if (d->pool[c].core == core && d->pool[c].vp >= 0 &&
            !vp_runnable(d, &d->vp[d->pool[c].vp]))
            resched(d, at);
}

/* The feature hook behind hyp_interrupt (see the header comment). */
static bool dispatch_interrupt(void *vd, unsigned lpid, unsigned vcpu, unsigned kind,
                               uint64_t at, unsigned *thread)
{
    (void)kind; /* every kind wakes a ceded vCPU */
    dispatch *d = vd;
    cpu_vcpu *const *v;
    unsigned n = hyp_lpar_vcpus(d->h, lpid, &v);
    dvcpu *x = vcpu < n ? dv_of(d, v[vcpu]) : NULL;
    if (!x)
        return false;
    *thread = HYP_NO_THREAD;
    const dvp *vp = &d->vp[x->vp];
    d->lp[vp->lp].st.interrupts++;
    if (x->v->done || x->blocked)
        return true; /* finished, or a timed wait: not taken */
    if (x->waiting)
        wake(d, (unsigned)(x - d->dv), at, DTL_ON_INTERRUPT);
    else if (vp->core >= 0)
        *thread = d->pool[vp->core].core * d->h->env.threads_per_core + x->slot; /* running */
    else if (x->woke_at == UINT64_MAX)
        x->irq_pending = true; /* its VP waits for a core (a woken vCPU's wake delivers it) */
    return true;
}

/* H_PROD(proc): wake the caller's LPAR's vCPU `proc` if it ceded. */
static long h_prod(hcall_ctx *c, const uint64_t *a, uint64_t *rets)
{
    (void)rets;
    dispatch *d = c->fs;
    cpu_vcpu *const *v;
    unsigned n = hyp_lpar_vcpus(d->h, c->lpid, &v);
    if (a[0] >= n)
        return H_PARAMETER;
    dvcpu *x = dv_of(d, v[a[0]]); /* NULL: a dedicated vCPU, never ceded */
    hcall_steps(c, 1);
    if (x && x->waiting && !x->blocked && !x->v->done) {
        d->lp[d->vp[x->vp].lp].st.prods++;
        wake(d, v[a[0]]->tag, c->op.end, DTL_ON_PROD);
    }
    return H_SUCCESS;
}

/* H_CONFER(proc, dispatch count): the caller's VP gives up the rest of its
 * slice, to vCPU `proc`'s VP first if it waits for a core (proc = -1:
 * to any). */
static long h_confer(hcall_ctx *c, const uint64_t *a, uint64_t *rets)
{
    (void)rets;
    dispatch *d = c->fs;
    dvcpu *x = caller(d, c);
    if (!x)
        return H_SUCCESS;
    d->lp[d->vp[x->vp].lp].st.confers++;
    cpu_vcpu *const *v;
    unsigned n = hyp_lpar_vcpus(d->h, c->lpid, &v);
    if (a[0] != UINT64_MAX && a[0] < n) {
        const dvcpu *tx = dv_of(d, v[a[0]]);
        dvp *to = tx ? &d->vp[tx->vp] : NULL;
        if (to && to->core < 0)
            to->ready_since = 0; /* first in line */
    } else if (a[0] != UINT64_MAX) {
        return H_PARAMETER;
    }
    dcore *pc = &d->pool[d->vp[x->vp].core];
    if (pc->end > c->op.end)
        pc->end = c->op.end; /* the slice ends now */
    d->vp[x->vp].conferred = true;
    return H_SUCCESS;
}

static int dispatch_dtl_finish_hook(void *vd, sim_err *e)
{
    return dispatch_dtl_finish(vd, e);
}

static const char parts[] = "compute,memory,tlb,queueing,wait";
static const hyp_hcall_desc hcalls[] = {
    {H_CEDE, "H_CEDE", NULL, parts, h_cede},
    {H_CONFER, "H_CONFER", NULL, parts, h_confer},
    {H_PROD, "H_PROD", NULL, parts, h_prod},
};

const hyp_feature dispatch_feature = {
    .name = "dispatch",
    .desc = "Shared-processor partitions: virtual processors dispatched on a pool of cores by "
            "entitlement, capping and weight within a dispatch wheel.",
    .params = &dispatch_feature_params,
    .hcalls = hcalls,
    .nhcalls = 3,
    .memory_needed = dispatch_memory,
    .create = dispatch_create,
    .destroy = dispatch_destroy,
    .start = dispatch_start,
    .finish = dispatch_dtl_finish_hook,
    .next_event = dispatch_next,
    .event = dispatch_event,
    .block = dispatch_block,
    .interrupt = dispatch_interrupt,
    .thread_idle = dispatch_thread_idle,
};
