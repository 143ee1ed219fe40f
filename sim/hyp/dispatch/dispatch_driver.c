/*
 * dispatch_driver.c - the consolidation workload (drivers.dispatch): N
 * generated shared LPARs, each with V vCPUs replaying one trace. Every
 * vCPU alternates busy phases and idle phases:
 *  - a busy phase is `work` cycles of run time (time on a hardware thread,
 *    so it stretches while its virtual processor waits for a core); it
 *    ends at the driver step once the vCPU has run that long, when the
 *    vCPU cedes (H_CEDE with the idle time as timeout, through the
 *    hypervisor on the thread it runs on, charged like a traced idle
 *    marker);
 *  - the idle phase ends when the dispatcher wakes it (its decrementer),
 *    and the next busy phase's work arrives then.
 * Phase lengths are exponential with the configured means (or fixed),
 * drawn from one seeded stream per vCPU. All vCPUs start busy at cycle 0.
 * Op dispatch.phase: a busy phase from its work's arrival to its end:
 * run (its run time) and wait (the rest: dispatch waits, wake delivery).
 * After its last phase a vCPU cedes with no timeout (idle for good); the
 * run ends when every vCPU has done its phases (or its trace ended).
 * Invariants: a phase ends only while its vCPU runs, at a step no earlier
 * than the cycle its run time reached the work; every cycle of a phase is
 * either run or wait.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch_driver_int.h"
#include "hyp/feature.h"

typedef struct dwork {
    unsigned lpid, vcpu;
    bool finished;
    uint64_t work;             /* run time of the current busy phase */
    uint64_t ran0;             /* run time when it began */
    uint64_t arrival;          /* cycle its work arrived */
    uint64_t left;             /* busy phases still to finish, this one included */
    rng r;
} dwork;

typedef struct ddrv {
    hyp *h;
    dispatch *d;
    ddrv_config c;
    uint64_t busy, idle;       /* mean cycles */
    dwork *w;
    unsigned nw;
    uint64_t now;              /* the last phase end */
    uint64_t done, total;      /* phases */
    ddrv_stats st;
    op_id op_phase;
} ddrv;

static uint64_t draw(ddrv *s, rng *r, uint64_t mean)
{
    if (s->c.distribution == DDRV_FIXED || !mean)
        return mean;
    double u = rng_double(r);
    double x = -log1p(-u) * (double)mean;
    return x < 1 ? 1 : x > 1e15 ? (uint64_t)1e15 : (uint64_t)(x + 0.5);
}

/* The shared pool's cores as the dispatcher will build them (every
 * configured LPAR is bound by now; the driver's are shared), or -1. */
static int pool_cores(dispatch *d, sim_err *e)
{
    if (dispatch_build_pool(d, e) != 0)
        return -1;
    int n = (int)d->npool;
    free(d->pool);
    d->pool = NULL;
    d->npool = 0;
    return n;
}

static unsigned ddrv_lpars(const void *cfg, uint64_t *memory, uint64_t *hpt, unsigned max)
{
    const ddrv_config *c = cfg;
    for (unsigned i = 0; i < max && i < c->lpars; i++) {
        memory[i] = c->memory;
        hpt[i] = 0;
    }
    return (unsigned)c->lpars;
}

static void ddrv_destroy(void *vs)
{
    ddrv *s = vs;
    if (s)
        free(s->w);
    free(s);
}

/* The procs every generated LPAR gets, or -1 with e set. */
static int procs_of(const ddrv_config *c, dispatch *d, hyp_procs *p, sim_err *e)
{
    unsigned tpc = d->h->env.threads_per_core;
    uint64_t vps = c->virtual_processors ? c->virtual_processors : (c->vcpus + tpc - 1) / tpc;
    if (c->vcpus > vps * tpc)
        return sim_errf(e, "drivers.dispatch.vcpus: %llu vCPUs on %llu virtual processors of %u "
                           "threads; expected at most %llu (or more virtual_processors)",
                        (unsigned long long)c->vcpus, (unsigned long long)vps, tpc,
                        (unsigned long long)(vps * tpc));
    double ent = c->entitlement;
    if (ent == 0) {
        int pool = pool_cores(d, e);
        if (pool < 0)
            return -1;
        ent = (double)pool / (double)c->lpars;
        if (ent > (double)vps)
            ent = (double)vps;
        if (ent < 0.05 * (double)vps)
            ent = 0.05 * (double)vps;
        ent = floor(ent * 100) / 100; /* whole hundredths, as the HMC sets it */
    }
    if (ent < 0.05 * (double)vps - 1e-9 || ent > (double)vps + 1e-9)
        return sim_errf(e, "drivers.dispatch.entitlement: %g processing units for %llu virtual "
                           "processors; expected %g to %llu (0.05 to 1 per virtual processor)",
                        ent, (unsigned long long)vps, 0.05 * (double)vps,
                        (unsigned long long)vps);
    *p = (hyp_procs){HYP_PROCS_SHARED, ent, vps, c->capped, c->weight};
    return 0;
}

static void *ddrv_create(const hyp_driver_env *env, const void *cfg, sim_err *e)
{
    const ddrv_config *c = cfg;
    hyp *h = env->h;
    dispatch *d = hyp_feature_state(h, HYP_FEATURE_dispatch);
    if (!d) {
        sim_errf(e, "drivers.dispatch.enabled: true, but hypervisor.dispatch is not enabled; "
                    "expected hypervisor.dispatch.enabled: true");
        return NULL;
    }
    if (!env->add_lpar) {
        sim_errf(e, "drivers.dispatch: this front end cannot build traced LPARs");
        return NULL;
    }
    if (!c->trace || !*c->trace) {
        sim_errf(e, "drivers.dispatch.trace: missing; expected the path of a native trace");
        return NULL;
    }
    hyp_procs p;
    if (procs_of(c, d, &p, e) != 0)
        return NULL;
    ddrv *s = calloc(1, sizeof *s);
    if (!s || !(s->w = calloc(c->lpars * c->vcpus, sizeof *s->w))) {
        ddrv_destroy(s);
        sim_errf(e, "out of host memory");
        return NULL;
    }
    s->h = h;
    s->d = d;
    s->c = *c;
    s->busy = c->busy_us * h->env.freq_mhz;
    s->idle = c->idle_us * h->env.freq_mhz;
    for (uint64_t i = 0; i < c->lpars; i++) {
        char name[96];
        snprintf(name, sizeof name, "%.64s%llu", c->name ? c->name : "", (unsigned long long)i);
        for (unsigned l = 0; l < hyp_lpar_count(h); l++)
            if (!strcmp(hyp_lpar_name(h, l), name)) {
                sim_errf(e, "drivers.dispatch.name: generated LPAR '%s' has the name of a "
                            "configured one; expected another prefix", name);
                goto fail;
            }
        hyp_lpar_spec sp = {name, c->memory, 0, p, (unsigned)c->vcpus, c->trace, c->repeat,
                            "drivers.dispatch.trace"};
        int lpid = env->add_lpar(env->ctx, &sp, e);
        if (lpid < 0)
            goto fail;
        for (unsigned v = 0; v < c->vcpus; v++) {
            dwork *w = &s->w[s->nw];
            w->lpid = (unsigned)lpid;
            w->vcpu = v;
            w->left = c->phases;
            rng_seed(&w->r, rng_derive(env->seed, 0x44525600u + s->nw));
            w->work = draw(s, &w->r, s->busy);
            s->nw++;
        }
    }
    s->total = (uint64_t)s->nw * c->phases;
    s->op_phase = ops_declare(h->env.ops, "dispatch.phase",
                              "a busy phase of the consolidation workload, from its work's "
                              "arrival to its end: run time and waiting (for a core, for the "
                              "wake)", "run,wait");
    if (s->op_phase == OP_INVALID ||
        stats_register(h->env.stats, "drivers.dispatch", &ddrv_stat_table, &s->st) != 0) {
        sim_errf(e, "out of host memory");
        goto fail;
    }
    return s;
fail:
    ddrv_destroy(s);
    return NULL;
}

/* The cycle the earliest running busy vCPU will have run its work. */
static uint64_t ddrv_next(const void *vs)
{
    const ddrv *s = vs;
    uint64_t next = UINT64_MAX;
    cpu_vcpu *const *v;
    for (unsigned i = 0; i < s->nw; i++) {
        const dwork *w = &s->w[i];
        if (w->finished)
            continue;
        hyp_lpar_vcpus(s->h, w->lpid, &v);
        dispatch_vcpu_view x;
        if (dispatch_vcpu(s->d, w->lpid, w->vcpu, &x) != 0)
            continue;
        if (v[w->vcpu]->done)
            return s->now; /* a trace ended: the next step counts it */
        if (x.thread < 0 || x.waiting)
            continue;
        /* when its run time reaches the work: fixed while it runs (not
         * the thread's clock), so every front end steps at the same cycle */
        uint64_t target = w->ran0 + w->work; /* its run time at the phase end */
        uint64_t at = x.run_from + (target > x.ran_before ? target - x.ran_before : 0);
        if (at < next)
            next = at;
    }
    return next;
}

/* vCPU w's busy phase is done on thread t: record it and cede. */
static int phase_end(ddrv *s, dwork *w, int t, uint64_t ran, sim_err *e)
{
    cpu_thread *th = &s->h->env.threads[t];
    uint64_t end = th->clock, run = ran - w->ran0;
    op_rec o;
    op_begin(&o, w->arrival);
    op_charge(&o, 0, run);
    op_charge(&o, 1, end - w->arrival - run);
    ops_record(s->h->env.ops, s->op_phase, &o);
    s->st.phases++;
    s->st.busy_cycles += run;
    s->done++;
    if (end > s->now)
        s->now = end;
    uint64_t idle = --w->left ? draw(s, &w->r, s->idle) : 0;
    if (w->left && !idle) {
        w->ran0 = ran; /* always busy: the next phase starts at once */
        w->arrival = end;
        w->work = draw(s, &w->r, s->busy);
        return 0;
    }
    uint64_t args[8] = {idle}, rets[8], cyc;
    long rc = hyp_hcall(s->h, w->lpid, th->id, end, H_CEDE, args, rets, &cyc);
    if (hyp_check_error(s->h, e) != 0)
        return -1;
    if (rc != H_SUCCESS)
        return sim_errf(e, "drivers.dispatch: H_CEDE of LPAR %s vCPU %u returned %ld",
                        hyp_lpar_name(s->h, w->lpid), w->vcpu, rc);
    th->clock += cyc;
    s->st.idle_cycles += idle;
    dispatch_vcpu_view x;
    dispatch_vcpu(s->d, w->lpid, w->vcpu, &x);
    if (!w->left) {
        w->finished = true;
        return 0;
    }
    w->ran0 = x.ran;
    w->arrival = x.wake_at;
    w->work = draw(s, &w->r, s->busy);
    return 0;
}

static int ddrv_step(void *vs, sim_err *e)
{
    ddrv *s = vs;
    cpu_vcpu *const *v;
    for (unsigned i = 0; i < s->nw; i++) {
        dwork *w = &s->w[i];
        if (w->finished)
            continue;
        hyp_lpar_vcpus(s->h, w->lpid, &v);
        dispatch_vcpu_view x;
        if (dispatch_vcpu(s->d, w->lpid, w->vcpu, &x) != 0)
            continue;
        if (v[w->vcpu]->done) {
            w->finished = true;
            s->st.trace_ends++;
            s->total -= w->left;
            continue;
        }
        if (x.thread >= 0 && !x.waiting && x.ran - w->ran0 >= w->work &&
            phase_end(s, w, x.thread, x.ran, e) != 0)
            return -1;
    }
    return 0;
}

static uint64_t ddrv_now(const void *vs)
{
    return ((const ddrv *)vs)->now;
}

static void ddrv_progress(const void *vs, uint64_t *done, uint64_t *total)
{
    const ddrv *s = vs;
    *done = s->done;
    *total = s->total;
}

const hyp_driver dispatch_driver = {
    .name = "dispatch",
    .params = &dispatch_driver_params,
    .lpars = ddrv_lpars,
    .create = ddrv_create,
    .destroy = ddrv_destroy,
    .next = ddrv_next,
    .step = ddrv_step,
    .now = ddrv_now,
    .progress = ddrv_progress,
};
