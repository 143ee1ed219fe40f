/*
 * smr_driver.c - the SMR workload driver (config drivers.smr): a seeded
 * generator of sharing workloads. It adds generated LPARs g0, g1, ... to
 * the machine, sets up servers, their SMRs and clients that attach and map
 * the shared pages, then issues a random mix of sharing operations at a
 * fixed rate while the traced vCPUs (if any) run, with memory traffic by
 * the mapping LPARs between operations. After each operation that ends
 * sharing it restores the sharing set-up, so every invalidation sees the
 * same population. Determinism: all choices come from machine.seed.
 * Errors: a set-up the hypervisor refuses (a limit, a full PTEG) stops the
 * run with the refused hcall and the limit to raise; a configuration that
 * could never invalidate anything is refused.
 *
 * Layout of a generated LPAR's logical memory: a server's SMRs are spread
 * evenly over its memory (SMR j starts at j x memory / smrs_per_server,
 * so in its own LMB while there are enough LMBs); a client attaches shared pages at logical pages taken from the top of
 * its memory downwards, and maps each at an effective address in its own
 * segment space (context 1). Every hcall runs on hardware thread
 * lpid % threads at the scenario's clock.
 * Invariant: after restore(j), SMR j is live with all its pages, every
 * client authorised, every mapper attached with a valid HPTE, and the
 * server maps its own pages.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "smr_int.h"

#include "smr_driver_int.h"

typedef struct mapping {
    uint32_t lpid;
    uint64_t la, ea, ptex; /* ptex UINT64_MAX: not mapped yet */
} mapping;

typedef struct plan_smr {
    uint32_t server;
    uint64_t id;        /* UINT64_MAX until created */
    uint64_t la;        /* server logical base */
    uint32_t *clients;  /* clients_per_smr */
    uint32_t nmappers;  /* the first nmappers clients map */
    mapping *srv;       /* server's own mappings, pages_per_smr */
    mapping *map;       /* nmappers x pages_per_smr */
} plan_smr;

typedef struct scenario {
    hyp *h;
    const hyp_env *env;
    scenario_config c;
    rng r;
    unsigned first;     /* lpid of g0 */
    plan_smr *p;
    uint64_t np;
    uint64_t *next_top; /* per generated LPAR: next attach page from the top */
    uint64_t now;
    uint64_t done;      /* operations issued */
    scen_stats st;
    bool setup_done;
    bool strict;        /* the set-up: a refused hcall is an error */
    sim_err err;        /* the first refusal while strict */
} scenario;

static unsigned thread_of(const scenario *s, unsigned lpid) { return lpid % s->env->nthreads; }

/* What a refused set-up hcall most likely means (which limit to raise). */
static const char *refusal_hint(uint64_t op, long rc)
{
    if (op == H_ENTER && rc == H_PTEG_FULL)
        return "a full PTEG; expected larger HPTs (drivers.smr.hpt_size or hypervisor.hpt_ratio)";
    if (op == H_SMR_ADD)
        return "expected hypervisor.smr.max_pages >= drivers.smr.pages_per_smr";
    if (op == H_SMR_CREATE)
        return "expected hypervisor.smr.max_per_server >= drivers.smr.smrs_per_server and "
               "hypervisor.smr.max_servers >= drivers.smr.servers";
    return "expected the hypervisor.smr limits to hold the drivers.smr set-up";
}

static long hcall(scenario *s, unsigned lpid, uint64_t op, uint64_t a0, uint64_t a1, uint64_t a2,
                  uint64_t a3, uint64_t *ret0)
{
    uint64_t args[8] = {a0, a1, a2, a3}, rets[8] = {0}, cyc = 0;
    long rc = hyp_hcall(s->h, lpid, thread_of(s, lpid), s->now, op, args, rets, &cyc);
    s->now += cyc;
    s->st.hcalls++;
    if (rc != H_SUCCESS) {
        s->st.refused++;
        if (s->strict && !s->err.msg[0]) {
            const char *n = hcall_name(op);
            sim_errf(&s->err, "drivers.smr: the set-up's %s by LPAR %s was refused (%ld): %s",
                     n ? n : "hcall", hyp_lpar_name(s->h, lpid), rc, refusal_hint(op, rc));
        }
    }
    if (ret0)
        *ret0 = rets[0];
    return rc;
}

/* Is the mapping's HPTE still there (valid, same effective page)? */
static bool mapped(scenario *s, const mapping *mp)
{
    if (mp->ptex == UINT64_MAX)
        return false;
    hpte x = hpt_read(hyp_lpar_hpt(s->h, mp->lpid), mp->ptex);
    uint64_t vsid = seg_vsid(1, mp->ea, false);
    return (x.v & HPTE_V_VALID) && ((x.v ^ hpte_ptem(vsid, mp->ea, 12, false, false)) & HPTE_V_AVPN) == 0;
}

static void enter(scenario *s, mapping *mp)
{
    const hpt *t = hyp_lpar_hpt(s->h, mp->lpid);
    uint64_t vsid = seg_vsid(1, mp->ea, false);
    uint64_t hash = hpt_hash(vsid, mp->ea, 12, false);
    hpte_attrs at = {.pp = 2, .key = 0, .wimg = 2, .noexec = false, .bolted = false};
    for (int sec = 0; sec < 2; sec++) {
        hpte x = hpte_make(vsid, mp->ea, false, PSZ_4K, PSZ_4K, mp->la, &at, sec);
        uint64_t ptex;
        if (hcall(s, mp->lpid, H_ENTER, 0, hpt_pteg_index(t, hash, sec) * HPT_PTEG_SLOTS, x.v, x.r,
                  &ptex) == H_SUCCESS) {
            mp->ptex = ptex;
            return;
        }
    }
    mp->ptex = UINT64_MAX;
}

/* Bring SMR j back to its full set-up. */
static void restore(scenario *s, plan_smr *p)
{
    smr *sm = hyp_smr(s->h);
    const scenario_config *c = &s->c;
    if (p->id == UINT64_MAX || !smr_is_active(sm, p->id) || smr_server_of(sm, p->id) != p->server) {
        if (hcall(s, p->server, H_SMR_CREATE, 12, 0, 0, 0, &p->id) != H_SUCCESS) {
            p->id = UINT64_MAX;
            return;
        }
    }
    for (uint64_t i = 0; i < c->pages_per_smr; i++)
        if (smr_page_real(sm, p->id, i) == UINT64_MAX)
            hcall(s, p->server, H_SMR_ADD, p->id, p->la + 4096 * i, 1, 0, NULL);
    for (uint64_t i = 0; i < c->pages_per_smr; i++)
        if (!mapped(s, &p->srv[i]))
            enter(s, &p->srv[i]);
    for (uint64_t k = 0; k < c->clients_per_smr; k++)
        if (!smr_is_authorized(sm, p->id, p->clients[k]))
            hcall(s, p->server, H_SMR_AUTHORIZE, p->id, p->clients[k], 0, 0, NULL);
    for (uint64_t k = 0; k < p->nmappers; k++)
        for (uint64_t i = 0; i < c->pages_per_smr; i++) {
            mapping *mp = &p->map[k * c->pages_per_smr + i];
            if (!smr_attached(sm, mp->lpid, mp->la)) {
                mp->ptex = UINT64_MAX;
                if (hcall(s, mp->lpid, H_SMR_MAP, p->id, i, mp->la, 0, NULL) != H_SUCCESS)
                    continue;
            }
            if (!mapped(s, mp))
                enter(s, mp);
        }
    s->st.restores++;
}

static void scenario_destroy(void *vs);

/* A configuration that could never end any sharing is an error. */
static int check_config(const scenario_config *c, const hyp *h, sim_err *e)
{
    if (!hyp_smr((hyp *)h))
        return sim_errf(e, "drivers.smr.enabled: the SMR workload needs the SMR feature; "
                           "expected hypervisor.smr.enabled: true");
    const scenario_mix *w = &c->mix;
    if (!(w->map + w->unmap + w->unshare + w->deauthorize + w->destroy + w->terminate + w->reclaim))
        return sim_errf(e, "drivers.smr.mix: every weight is 0; expected at least one operation "
                           "with a positive weight");
    uint64_t nclients = c->lpars > c->servers ? c->lpars - c->servers : 0;
    if (c->servers > c->lpars || c->clients_per_smr > nclients)
        return sim_errf(e, "drivers.smr: %llu servers and %llu clients per SMR need at least %llu "
                           "generated LPARs; expected lpars >= servers + clients_per_smr",
                        (unsigned long long)c->servers, (unsigned long long)c->clients_per_smr,
                        (unsigned long long)(c->servers + c->clients_per_smr));
    if (c->pages_per_smr * 4096 > c->lpar_memory / c->smrs_per_server)
        return sim_errf(e, "drivers.smr: %llu SMRs x %llu pages do not fit a server's %llu bytes; "
                           "expected smrs_per_server x pages_per_smr x 4K <= lpar_memory",
                        (unsigned long long)c->smrs_per_server,
                        (unsigned long long)c->pages_per_smr, (unsigned long long)c->lpar_memory);
    return 0;
}

static void *scenario_create(const hyp_driver_env *env, const void *cfg, sim_err *e)
{
    const scenario_config *c = cfg;
    if (check_config(c, env->h, e) != 0)
        return NULL;
    scenario *s = calloc(1, sizeof *s);
    if (!s) {
        sim_errf(e, "out of host memory");
        return NULL;
    }
    s->h = env->h;
    s->env = env->env;
    s->c = *c;
    rng_seed(&s->r, rng_derive(env->seed, 0x5343454e));
    hyp *h = env->h;
    s->first = hyp_lpar_count(h);
    uint64_t nclients = c->lpars - c->servers;
    for (uint64_t i = 0; i < c->lpars; i++) {
        char name[32];
        snprintf(name, sizeof name, "g%llu", (unsigned long long)i);
        if (hyp_lpar_create(h, name, c->lpar_memory, c->hpt_size, e) < 0) {
            sim_err_prefix(e, "drivers.smr: generated LPAR %s", name);
            goto fail;
        }
    }
    s->np = c->servers * c->smrs_per_server;
    s->p = calloc(s->np ? s->np : 1, sizeof *s->p);
    s->next_top = calloc(c->lpars ? c->lpars : 1, sizeof *s->next_top);
    if (!s->p || !s->next_top)
        goto oom;
    uint64_t turn = 0;
    uint64_t mappers = (uint64_t)(c->map_fraction * (double)c->clients_per_smr + 0.5);
    for (uint64_t j = 0; j < s->np; j++) {
        plan_smr *p = &s->p[j];
        p->server = s->first + (unsigned)(j / c->smrs_per_server);
        p->id = UINT64_MAX;
        /* SMRs spread evenly over the server's memory (one per LMB while
         * there are enough LMBs), so export vectors stay selective */
        uint64_t stride = c->lpar_memory / c->smrs_per_server / 4096 * 4096;
        p->la = (j % c->smrs_per_server) * stride;
        p->clients = malloc((c->clients_per_smr + 1) * sizeof *p->clients);
        p->srv = malloc(c->pages_per_smr * sizeof *p->srv);
        p->nmappers = (uint32_t)mappers;
        p->map = malloc((mappers * c->pages_per_smr + 1) * sizeof *p->map);
        if (!p->clients || !p->srv || !p->map)
            goto oom;
        for (uint64_t i = 0; i < c->pages_per_smr; i++)
            p->srv[i] = (mapping){p->server, p->la + 4096 * i,
                                  0x100000000000ull + p->la + 4096 * i, UINT64_MAX};
        for (uint64_t k = 0; k < c->clients_per_smr; k++)
            p->clients[k] = s->first + (unsigned)(c->servers + (turn++ % nclients));
        for (uint64_t k = 0; k < mappers; k++)
            for (uint64_t i = 0; i < c->pages_per_smr; i++) {
                unsigned l = p->clients[k];
                uint64_t slot = s->next_top[l - s->first]++;
                if ((slot + 1) * 4096 > c->lpar_memory / 2) {
                    sim_errf(e, "drivers.smr: client g%u attaches more pages than half its "
                                "memory holds; expected a larger drivers.smr.lpar_memory",
                             l - s->first);
                    goto fail;
                }
                uint64_t la = c->lpar_memory - (slot + 1) * 4096;
                p->map[k * c->pages_per_smr + i] =
                    (mapping){l, la, 0x200000000000ull + slot * 4096, UINT64_MAX};
            }
    }
    if (stats_register(s->env->stats, "drivers.smr", &scen_stat_table, &s->st) != 0)
        goto oom;
    return s;
oom:
    sim_errf(e, "out of host memory for the SMR driver");
fail:
    scenario_destroy(s);
    return NULL;
}

static void scenario_destroy(void *vs)
{
    scenario *s = vs;
    if (!s)
        return;
    for (uint64_t j = 0; s->p && j < s->np; j++) {
        free(s->p[j].clients);
        free(s->p[j].srv);
        free(s->p[j].map);
    }
    free(s->p);
    free(s->next_top);
    free(s);
}

/* Loads by mapping LPARs to their shared pages: TLB lookup, refill from
 * the HPTE on a miss, then the access through the thread's caches. */
static void traffic(scenario *s)
{
    const scenario_config *c = &s->c;
    uint64_t per = s->c.pages_per_smr;
    for (uint64_t n = 0; n < c->traffic && s->np; n++) {
        plan_smr *p = &s->p[rng_below(&s->r, s->np)];
        uint64_t nm = p->nmappers * per;
        mapping *mp = nm ? &p->map[rng_below(&s->r, nm)] : &p->srv[rng_below(&s->r, per)];
        if (!mapped(s, mp))
            continue;
        unsigned th = thread_of(s, mp->lpid);
        tlb *t = s->env->tlbs[th];
        uint64_t vpn = hpte_vpn(seg_vsid(1, mp->ea, false), mp->ea, 12, false);
        hpte x = hpt_read(hyp_lpar_hpt(s->h, mp->lpid), mp->ptex);
        uint64_t real = hpte_real_addr(x.r, PSZ_4K);
        if (!tlb_lookup(t, mp->lpid, vpn, PSZ_4K))
            tlb_insert(t, mp->lpid, vpn, PSZ_4K, real >> 12, HPTE_PROT_R | HPTE_PROT_W);
        s->now += mem_access(s->env->ports[th], real, 8, MEM_READ, s->now);
    }
}

static void restore_all_of(scenario *s, unsigned lpid)
{
    for (uint64_t j = 0; j < s->np; j++) {
        plan_smr *p = &s->p[j];
        bool involved = p->server == lpid;
        for (uint64_t k = 0; k < s->c.clients_per_smr && !involved; k++)
            involved = p->clients[k] == lpid;
        if (involved || lpid == UINT32_MAX)
            restore(s, p);
    }
}

static void one_op(scenario *s)
{
    const scenario_mix *w = &s->c.mix;
    uint64_t wt[7] = {w->map, w->unmap, w->unshare, w->deauthorize, w->destroy, w->terminate,
                      w->reclaim};
    uint64_t total = 0;
    for (int i = 0; i < 7; i++)
        total += wt[i];
    if (!total || !s->np)
        return;
    uint64_t x = rng_below(&s->r, total);
    int k = 0;
    while (x >= wt[k])
        x -= wt[k++];
    plan_smr *p = &s->p[rng_below(&s->r, s->np)];
    uint64_t per = s->c.pages_per_smr, nm = p->nmappers * per;
    s->st.ops++;
    s->st.by_kind[k]++;
    switch (k) {
    case 0: /* map: a mapping that is gone comes back */
    case 1: { /* unmap */
        if (!nm)
            break;
        mapping *mp = &p->map[rng_below(&s->r, nm)];
        if (k == 1 && smr_attached(hyp_smr(s->h), mp->lpid, mp->la)) {
            hcall(s, mp->lpid, H_SMR_UNMAP, mp->la, 0, 0, 0, NULL);
            mp->ptex = UINT64_MAX;
        } else {
            restore(s, p);
        }
        break;
    }
    case 2: hcall(s, p->server, H_SMR_UNSHARE, p->id, 0, 0, 0, NULL); restore(s, p); break;
    case 3:
        if (s->c.clients_per_smr)
            hcall(s, p->server, H_SMR_DEAUTHORIZE, p->id,
                  p->clients[rng_below(&s->r, s->c.clients_per_smr)], 0, 0, NULL);
        restore(s, p);
        break;
    case 4: hcall(s, p->server, H_SMR_DESTROY, p->id, 0, 0, 0, NULL); restore(s, p); break;
    case 5: {
        unsigned l = s->first + (unsigned)rng_below(&s->r, s->c.lpars);
        hcall(s, l, H_SMR_TERMINATE, l, 0, 0, 0, NULL);
        restore_all_of(s, l);
        break;
    }
    case 6: {
        uint64_t real = smr_page_real(hyp_smr(s->h), p->id, rng_below(&s->r, per));
        if (real != UINT64_MAX) {
            size_t pmb = memmap_pmb_of(s->env->mm, real);
            hcall(s, p->server, H_SMR_RECLAIM, pmb, 0, 0, 0, NULL);
            /* a PMB within one LMB held only this server's pages */
            bool one = memmap_pmb_size(s->env->mm, pmb) <= hyp_lmb_size(s->h);
            restore_all_of(s, one ? p->server : UINT32_MAX);
        }
        break;
    }
    }
}

static unsigned driver_lpars(const void *cfg, uint64_t *memory, uint64_t *hpt_bytes,
                             unsigned max)
{
    const scenario_config *c = cfg;
    for (unsigned i = 0; i < c->lpars && i < max; i++) {
        memory[i] = c->lpar_memory;
        hpt_bytes[i] = c->hpt_size;
    }
    return (unsigned)c->lpars;
}

static void scenario_progress(const void *vs, uint64_t *done, uint64_t *total)
{
    const scenario *s = vs;
    *done = s->done;
    *total = s->c.ops;
}

/* The set-up first (at cycle 0, before any vCPU runs), then an operation
 * every `interval` cycles after the previous one ended. */
static uint64_t scenario_next(const void *vs)
{
    const scenario *s = vs;
    if (!s->setup_done)
        return s->now;
    return s->done < s->c.ops ? s->now + s->c.interval : UINT64_MAX;
}

static uint64_t scenario_now(const void *vs)
{
    return ((const scenario *)vs)->now;
}

static int scenario_step(void *vs, sim_err *e)
{
    scenario *s = vs;
    if (!s->setup_done) {
        s->strict = true;
        for (uint64_t j = 0; j < s->np && !s->err.msg[0]; j++)
            restore(s, &s->p[j]);
        s->strict = false;
        s->setup_done = true;
        if (s->err.msg[0]) {
            *e = s->err;
            return -1;
        }
        return 0;
    }
    uint64_t at = s->now + s->c.interval;
    traffic(s);
    if (s->now < at)
        s->now = at;
    one_op(s);
    s->done++;
    return 0;
}

const hyp_driver smr_driver = {
    .name = "smr",
    .params = &smr_driver_params,
    .lpars = driver_lpars,
    .create = scenario_create,
    .destroy = scenario_destroy,
    .next = scenario_next,
    .step = scenario_step,
    .now = scenario_now,
    .progress = scenario_progress,
    .bare_lpars = true,
};
