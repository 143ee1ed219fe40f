/*
 * comm_driver.c - the communication workload driver (drivers.comm): it adds
 * generated LPARs comm0 (and comm1 unless the transport is the loopback
 * "tcp"), puts the client and server endpoints on hardware threads
 * (placement), each with its own clock, and runs the pattern over the
 * transport named by drivers.comm.transport (any feature's: found with
 * hyp_transport_find, so the driver names none of the others). Each step
 * is one call of the endpoint whose clock is earliest (comm_driver_flow.c).
 * Layout of an endpoint's memory: its user buffers in the lower half of its
 * LPAR (tx then rx, each the largest message rounded up to 64 KiB; the two
 * endpoints of "tcp" one after the other), guest kernel buffers above.
 * Determinism: every choice comes from machine.seed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "comm_driver_int.h"

static bool loopback(const comm_driver_config *c)
{
    return c->transport && strcmp(c->transport, "tcp") == 0;
}

/* One endpoint here, the other on another machine (comm_remote.c)? */
static bool remote(const comm_driver_config *c)
{
    return c->remote && *c->remote;
}

static unsigned drv_lpars(const void *cfg, uint64_t *memory, uint64_t *hpt_bytes, unsigned max)
{
    const comm_driver_config *c = cfg;
    unsigned n = loopback(c) || remote(c) ? 1 : 2;
    for (unsigned i = 0; i < n && i < max; i++) {
        memory[i] = c->lpar_memory;
        hpt_bytes[i] = 0;
    }
    return n;
}

static void drv_destroy(void *vd)
{
    comm_drv *d = vd;
    if (!d)
        return;
    sim_err e;
    comm_remote_destroy(d);
    comm_flow_close_all(d, &e);
    for (unsigned i = 0; i < d->ncn; i++)
        for (int k = 0; k < 2; k++)
            free(d->cn[i].d[k].q);
    free(d->cn);
    free(d->scratch);
    free(d);
}

static int check(const comm_driver_config *c, hyp *h, const hyp_transport **t, void **st,
                 sim_err *e)
{
    const char *owner = NULL;
    char names[256];
    hyp_transport_names(names, sizeof names);
    if (!c->transport || !(*t = hyp_transport_find(h, c->transport, st, &owner)))
        return sim_errf(e, "drivers.comm.transport: unknown transport '%s'; expected one of %s",
                        c->transport ? c->transport : "", names);
    if (!*st)
        return sim_errf(e, "drivers.comm.transport: %s needs hypervisor.%s.enabled: true",
                        c->transport, owner);
    if (c->pattern == PAT_CONNS && c->connections < 1)
        return sim_errf(e, "drivers.comm.connections: expected at least 1 for pattern conns");
    return 0;
}

static void *drv_create(const hyp_driver_env *env, const void *cfg, sim_err *e)
{
    const comm_driver_config *c = cfg;
    hyp *h = env->h;
    const hyp_transport *t;
    void *st;
    if (check(c, h, &t, &st, e) != 0)
        return NULL;
    comm_drv *d = calloc(1, sizeof *d);
    if (!d) {
        sim_errf(e, "out of host memory");
        return NULL;
    }
    d->h = h;
    d->env = env->env;
    d->c = *c;
    d->t = t;
    d->tstate = st;
    d->seed = rng_derive(env->seed, 0x434f4d4d);
    rng_seed(&d->r, d->seed);
    if (!remote(c) && (t->over_tcp || !strcmp(t->name, "veth"))) {
        const char *owner;
        d->veth = hyp_transport_find(h, "veth", &d->vstate, &owner);
        if (!d->veth || !d->vstate) {
            sim_errf(e, "drivers.comm.transport: %s runs over TCP on the virtual Ethernet; "
                        "expected hypervisor.comm.enabled: true", t->name);
            goto fail;
        }
    }
    comm *cs = hyp_feature_state(h, HYP_FEATURE_comm);
    if (cs)
        comm_set_tcp(cs, &c->tcp);
    /* the endpoints: LPARs, threads, buffers */
    unsigned first = hyp_lpar_count(h), n = loopback(c) || remote(c) ? 1 : 2;
    for (unsigned i = 0; i < n; i++) {
        char name[16];
        snprintf(name, sizeof name, "comm%u", i);
        if (hyp_lpar_create(h, name, c->lpar_memory, 0, e) < 0) {
            sim_err_prefix(e, "drivers.comm: generated LPAR %s", name);
            goto fail;
        }
    }
    unsigned tpc = env->env->threads_per_core, nth = env->env->nthreads;
    unsigned t1 = c->placement == PL_SAME_CORE     ? 1
                  : c->placement == PL_SAME_MODULE ? tpc
                                                   : nth / 2 / tpc * tpc;
    if (!remote(c) && (t1 == 0 || t1 >= nth || (c->placement == PL_SAME_CORE && tpc < 2))) {
        sim_errf(e, "drivers.comm.placement: the machine (%u threads, %u per core) has no second "
                    "%s for the server", nth, tpc,
                 c->placement == PL_SAME_CORE ? "thread on the core" : "core");
        goto fail;
    }
    uint64_t msgmax = c->size_max > c->size ? c->size_max : c->size;
    uint64_t region = (2 * msgmax + 65535) / 65536 * 65536;
    if (2 * region > c->lpar_memory / 2 || region / 2 > hyp_lmb_size(h)) {
        sim_errf(e, "drivers.comm.size: messages of %llu bytes need user buffers of %llu bytes "
                    "per endpoint; expected them to fit in a quarter of lpar_memory and half an "
                    "LMB", (unsigned long long)msgmax, (unsigned long long)region);
        goto fail;
    }
    d->msgmax = msgmax;
    if (!(d->scratch = malloc(msgmax + 1)))
        goto oom;
    for (unsigned s = 0; s < 2; s++) {
        endpoint *ep = &d->ep[s];
        ep->lpid = first + (n == 2 ? s : 0);
        ep->thread = s ? t1 : 0;
        ep->region = region;
        ep->tx_la = n == 2 ? 0 : s * region;
        ep->rx_la = ep->tx_la + region / 2;
        ep->state = EP_RUN;
    }
    snprintf(d->prefix, sizeof d->prefix, "comm.%s", t->name);
    /* comm.run.* is the same counters under a name that does not depend on
     * the transport (sweeps compare transports with one metric) */
    d->op_all = ops_declare(d->env->ops, "comm.msg", "every message of the run, whatever "
                            "carried it (the same as <transport>.msg, fallbacks included)",
                            HYP_XPORT_PARTS);
    if (d->op_all == OP_INVALID ||
        stats_register(d->env->stats, d->prefix, &comm_drv_stat_table, &d->st) != 0 ||
        stats_register(d->env->stats, "comm.run", &comm_drv_stat_table, &d->st) != 0 ||
        stats_register(d->env->stats, "comm.audit", &comm_audit_stat_table, &d->au) != 0)
        goto oom;
    if (remote(c) && comm_remote_create(d, e) != 0)
        goto fail;
    return d;
oom:
    sim_errf(e, "out of host memory for the comm driver");
fail:
    drv_destroy(d);
    return NULL;
}

static uint64_t drv_next(const void *vd)
{
    const comm_drv *d = vd;
    if (d->rm)
        return comm_remote_next(d);
    if (d->failed || d->closed_all)
        return UINT64_MAX;
    uint64_t at = 0;
    if (comm_flow_pick(d, &at) >= 0)
        return at;
    /* finished (close at the later clock) or stuck (step reports it) */
    return d->ep[0].clock > d->ep[1].clock ? d->ep[0].clock : d->ep[1].clock;
}

static int drv_step(void *vd, sim_err *e)
{
    comm_drv *d = vd;
    uint64_t at;
    int side = d->rm ? -1 : comm_flow_pick(d, &at);
    int rc;
    if (d->rm) {
        rc = comm_remote_step(d, e);
    } else if (side >= 0) {
        rc = comm_flow_step(d, (unsigned)side, e);
    } else if (comm_flow_finished(d)) {
        rc = comm_flow_close_all(d, e);
        d->closed_all = true;
    } else {
        rc = sim_errf(e, "drivers.comm: deadlock: both endpoints wait on transport %s after %llu "
                         "of %llu transactions (a notification never came)",
                      d->t->name, (unsigned long long)d->resp, (unsigned long long)d->c.messages);
    }
    if (rc == 0 && hyp_check_error(d->h, e) != 0)
        rc = -1;
    if (rc != 0)
        d->failed = true;
    return rc;
}

static uint64_t drv_now(const void *vd)
{
    const comm_drv *d = vd;
    return d->ep[0].clock > d->ep[1].clock ? d->ep[0].clock : d->ep[1].clock;
}

static void drv_progress(const void *vd, uint64_t *done, uint64_t *total)
{
    const comm_drv *d = vd;
    *done = d->c.pattern == PAT_STREAM || (d->rm && d->c.role == ROLE_SERVER) ? d->srv : d->resp;
    *total = d->c.messages;
}

const hyp_driver comm_driver = {
    .name = "comm",
    .params = &comm_driver_params,
    .lpars = drv_lpars,
    .create = drv_create,
    .destroy = drv_destroy,
    .next = drv_next,
    .step = drv_step,
    .now = drv_now,
    .progress = drv_progress,
    .bare_lpars = true,
};
