/*
 * coherency_driver.c - the coherency workload (drivers.coherency): N
 * generated LPARs, each with V vCPUs replaying a trace (dedicated threads,
 * or shared processors dispatched on the pool: overcommitted when there
 * are more virtual processors than cores), and `pages` pages of each LPAR
 * that all its vCPUs share (one address space, the driver's segment
 * context). Rounds arrive at `rate` per second per LPAR (seeded gaps); a
 * round runs at a driver step (every thread has reached its cycle), from
 * the vCPUs running then:
 *  - the producer is the lowest-numbered running vCPU of the LPAR; it
 *    makes the hcalls on its thread, at its clock (the cycles are its);
 *    with no vCPU running the round is put off to the next arrival; with
 *    `producers` > 1 the changes are shared by that many of the
 *    lowest-numbered running vCPUs at once (coherency_driver_producers.c);
 *  - every running vCPU touches the pages on its own thread
 *    (coherency_driver_touch.c: TLB, walk, caches), so the TLBs of the
 *    running threads, and of those that ran earlier, hold the
 *    translations the producer then removes or downgrades;
 *  - patterns: map-unmap (H_ENTER each page, loads, H_BULK_REMOVE four
 *    at a time), mprotect (stores, H_PROTECT read-only, loads, H_PROTECT
 *    writable), reclaim (evicted pages mapped again, loads of a seeded
 *    half, H_CLEAR_REF of every page and H_REMOVE of those whose R was
 *    clear), remap (the hypervisor relocating pages under the vCPUs,
 *    mode remap: coherency_driver_remap.c). mprotect, reclaim and remap
 *    map the pages once first (a step of its own). The driver's HPTEs
 *    are bolted (the guest's evictions skip them).
 * Op coherency.change: one per hcall that removed or downgraded a driver
 * translation: parts hcall (its cycles) and interrupts (cycles the other
 * threads lost to shootdown interrupts during it). When every LPAR has done
 * its rounds, its vCPUs stop (the binding's max_records is set to what they
 * have replayed; one that has replayed nothing yet replays one record) and
 * the digest of the driver's translations is taken.
 * Why vCPUs: deferring strategies defer to a vCPU's dispatch; the driver's
 * accesses are made by running vCPUs on their threads, so a thread holds
 * the LPAR's translations only while or after it ran the LPAR, and the
 * coherency auditor checks it at every step and dispatch (bare_lpars is
 * false: every strategy applies).
 * Determinism: gaps from one stream per LPAR, reclaim's half from one
 * stream per (LPAR, round), so postponed rounds change no later choice.
 * Invariants: a page is touched only while mapped; a round's changes are
 * made by a running vCPU of its LPAR.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coherency_driver_int.h"

#define CDRV_EA 0x10000000ull /* the first page's effective address (segment 1) */

typedef struct clp {
    unsigned lpid;
    cdrv_page *pg;
    uint64_t next;         /* cycle of its next round; UINT64_MAX: done */
    uint64_t done;         /* rounds done */
    bool setup;            /* the pages mapped once (mprotect, reclaim) */
    rng r;                 /* gaps */
    uint64_t round_seed;   /* reclaim's half, per round */
    uint64_t prod_seed;    /* the changes' producers, per round */
} clp;

struct cdrv {
    hyp *h;
    cdrv_config c;
    uint64_t gap;          /* mean cycles between rounds */
    clp *lp;
    unsigned nlp, left;    /* LPARs, those not done */
    int *run;              /* scratch: per vCPU, the thread running it or -1 */
    unsigned maxv;
    uint64_t now;
    cdrv_stats st;
    op_id op_change;
    coh *k;                /* the coherency feature, NULL when disabled */
    cdrv_remap *rm;        /* pattern remap (coherency_driver_remap.c) */
};

static uint64_t draw(cdrv *s, rng *r)
{
    if (s->c.distribution == CDRV_FIXED)
        return s->gap;
    double x = -log1p(-rng_double(r)) * (double)s->gap;
    return x < 1 ? 1 : x > 1e15 ? (uint64_t)1e15 : (uint64_t)(x + 0.5);
}

static uint64_t interrupt_cycles(const cdrv *s)
{
    uint64_t n = 0;
    for (unsigned i = 0; s->k && i < s->k->nlp; i++)
        if (s->k->lp[i])
            n += s->k->lp[i]->st.interrupt_cycles;
    return n;
}

uint64_t cdrv_consumer_cycles(const cdrv *s)
{
    if (!s || !s->k)
        return 0;
    const op_type *d = ops_find(s->h->env.ops, "coherency.drain");
    return (d ? d->total : 0) + interrupt_cycles(s);
}

/* ---- hcalls on the producer's thread ---- */

static long call(cdrv *s, unsigned lpid, unsigned t, uint64_t op, const uint64_t *args,
                 uint64_t *rets, uint64_t *cyc, sim_err *e, bool *failed)
{
    cpu_thread *th = &s->h->env.threads[t];
    long rc = hyp_hcall(s->h, lpid, t, th->clock, op, args, rets, cyc);
    th->clock += *cyc;
    if (hyp_check_error(s->h, e) != 0)
        *failed = true;
    return rc;
}

/* An hcall that may remove or downgrade driver translations; `changed`
 * says how many it did (from its return), recorded as op coherency.change. */
static long change(cdrv *s, unsigned lpid, unsigned t, uint64_t op, const uint64_t *args,
                   uint64_t *rets, sim_err *e, bool *failed)
{
    uint64_t irq = interrupt_cycles(s), cyc = 0, start = s->h->env.threads[t].clock;
    long rc = call(s, lpid, t, op, args, rets, &cyc, e, failed);
    unsigned changed = 0;
    if (op == H_BULK_REMOVE) {
        for (unsigned i = 0; i < H_BULK_REMOVE_MAX_BATCH; i++)
            changed += (args[2 * i] & H_BULK_REMOVE_TYPE) == H_BULK_REMOVE_REQUEST &&
                       (rets[2 * i] & H_BULK_REMOVE_CODE) == H_BULK_REMOVE_SUCCESS;
    } else if (op == H_CLEAR_REF) {
        changed = rc == H_SUCCESS && (rets[0] & HPTE_R_R);
    } else {
        changed = rc == H_SUCCESS;
    }
    if (!changed)
        return rc;
    op_rec o;
    op_begin(&o, start);
    op_charge(&o, 0, cyc);
    op_charge(&o, 1, interrupt_cycles(s) - irq);
    ops_record(s->h->env.ops, s->op_change, &o);
    s->st.changes += changed;
    s->st.change_hcalls++;
    s->st.change_cycles += cyc;
    return rc;
}

static int map(cdrv *s, clp *lp, unsigned t, cdrv_page *p, sim_err *e)
{
    const hpt *ht = hyp_lpar_hpt(s->h, lp->lpid);
    uint64_t vsid = seg_vsid(CDRV_CONTEXT, p->ea, false);
    uint64_t hash = hpt_hash(vsid, p->ea, 12, false);
    hpte_attrs at = {.pp = 2, .key = 0, .wimg = 2, .noexec = false, .bolted = true};
    bool failed = false;
    for (int sec = 0; sec < 2; sec++) {
        hpte x = hpte_make(vsid, p->ea, false, PSZ_4K, PSZ_4K, p->la, &at, sec);
        uint64_t args[8] = {0, hpt_pteg_index(ht, hash, sec) * HPT_PTEG_SLOTS, x.v, x.r};
        uint64_t rets[8] = {0}, cyc;
        long rc = call(s, lp->lpid, t, H_ENTER, args, rets, &cyc, e, &failed);
        s->st.maps++;
        if (failed)
            return -1;
        if (rc == H_SUCCESS) {
            p->ptex = rets[0];
            p->mapped = true;
            return 0;
        }
        if (rc != H_PTEG_FULL)
            return sim_errf(e, "drivers.coherency: LPAR %s: H_ENTER of the page at EA 0x%llx "
                               "returned %ld", hyp_lpar_name(s->h, lp->lpid),
                            (unsigned long long)p->ea, rc);
    }
    return sim_errf(e, "drivers.coherency: LPAR %s: both PTEGs of the page at EA 0x%llx are "
                       "full; expected a larger drivers.coherency.hpt_size",
                    hyp_lpar_name(s->h, lp->lpid), (unsigned long long)p->ea);
}

static int map_unmapped(cdrv *s, clp *lp, unsigned t, sim_err *e)
{
    for (uint64_t i = 0; i < s->c.pages; i++)
        if (!lp->pg[i].mapped && map(s, lp, t, &lp->pg[i], e) != 0)
            return -1;
    return 0;
}

/* Every running vCPU (s->run) touches the mapped pages (half: those whose
 * bit the round's stream sets); with touchers, only vCPUs below it. */
static int touch_all(cdrv *s, clp *lp, unsigned nv, bool store, const uint8_t *half, sim_err *e)
{
    for (unsigned v = 0; v < nv; v++) {
        if (s->run[v] < 0 || (s->c.touchers && v >= s->c.touchers))
            continue;
        for (uint64_t i = 0; i < s->c.pages; i++)
            if (lp->pg[i].mapped && (!half || half[i]) &&
                cdrv_touch(s->h, (unsigned)s->run[v], lp->lpid, &lp->pg[i], store, &s->st, e))
                return -1;
    }
    return 0;
}

/* What a round's change items need (cdrv_each_item's ctx). */
typedef struct citem {
    cdrv *s;
    clp *lp;
    uint64_t pp; /* H_PROTECT's new protection */
} citem;

/* Item i of an unmap: the H_BULK_REMOVE of pages 4i .. 4i+3. */
static int unmap_batch(void *vc, unsigned t, uint64_t item, sim_err *e)
{
    citem *c = vc;
    cdrv *s = c->s;
    clp *lp = c->lp;
    bool failed = false;
    uint64_t i = item * H_BULK_REMOVE_MAX_BATCH, args[8], rets[8] = {0};
    for (unsigned j = 0; j < H_BULK_REMOVE_MAX_BATCH; j++) {
        const cdrv_page *p = i + j < s->c.pages ? &lp->pg[i + j] : NULL;
        args[2 * j] = p && p->mapped ? H_BULK_REMOVE_REQUEST | p->ptex : H_BULK_REMOVE_END;
        args[2 * j + 1] = 0;
    }
    change(s, lp->lpid, t, H_BULK_REMOVE, args, rets, e, &failed);
    if (failed)
        return -1;
    for (unsigned j = 0; j < H_BULK_REMOVE_MAX_BATCH && i + j < s->c.pages; j++)
        lp->pg[i + j].mapped = false;
    return 0;
}

static int unmap_all(cdrv *s, clp *lp, const cdrv_prods *P, sim_err *e)
{
    citem c = {s, lp, 0};
    uint64_t n = (s->c.pages + H_BULK_REMOVE_MAX_BATCH - 1) / H_BULK_REMOVE_MAX_BATCH;
    return cdrv_each_item(P, s->h, n, unmap_batch, &c, e);
}

/* Item i of an mprotect: H_PROTECT of page i. */
static int protect_one(void *vc, unsigned t, uint64_t i, sim_err *e)
{
    citem *c = vc;
    bool failed = false;
    uint64_t args[8] = {c->pp, c->lp->pg[i].ptex, 0}, rets[8] = {0};
    if (change(c->s, c->lp->lpid, t, H_PROTECT, args, rets, e, &failed) != H_SUCCESS || failed)
        return failed ? -1 : sim_errf(e, "drivers.coherency: H_PROTECT of a driver page "
                                         "of LPAR %s failed", hyp_lpar_name(c->s->h, c->lp->lpid));
    return 0;
}

static int protect_all(cdrv *s, clp *lp, const cdrv_prods *P, uint64_t pp, sim_err *e)
{
    citem c = {s, lp, pp};
    return cdrv_each_item(P, s->h, s->c.pages, protect_one, &c, e);
}

/* Item i of the clock scan: clear page i's R, evict it if it was clear. */
static int scan_one(void *vc, unsigned t, uint64_t i, sim_err *e)
{
    citem *c = vc;
    cdrv *s = c->s;
    clp *lp = c->lp;
    bool failed = false;
    cdrv_page *p = &lp->pg[i];
    uint64_t args[8] = {0, p->ptex, 0}, rets[8] = {0};
    if (change(s, lp->lpid, t, H_CLEAR_REF, args, rets, e, &failed) != H_SUCCESS || failed)
        return failed ? -1 : sim_errf(e, "drivers.coherency: H_CLEAR_REF of a driver page "
                                         "of LPAR %s failed", hyp_lpar_name(s->h, lp->lpid));
    if (rets[0] & HPTE_R_R)
        return 0;
    uint64_t a2[8] = {0, p->ptex, 0};
    if (change(s, lp->lpid, t, H_REMOVE, a2, rets, e, &failed) != H_SUCCESS || failed)
        return failed ? -1 : sim_errf(e, "drivers.coherency: H_REMOVE of a driver page of "
                                         "LPAR %s failed", hyp_lpar_name(s->h, lp->lpid));
    p->mapped = false;
    s->st.evictions++;
    return 0;
}

/* The clock scan: clear R everywhere, evict what was not referenced. */
static int scan(cdrv *s, clp *lp, const cdrv_prods *P, sim_err *e)
{
    citem c = {s, lp, 0};
    return cdrv_each_item(P, s->h, s->c.pages, scan_one, &c, e);
}

/* The vCPUs stop at their next record (see the header). */
static void end_vcpus(cdrv *s, clp *lp)
{
    cpu_vcpu *const *v;
    unsigned n = hyp_lpar_vcpus(s->h, lp->lpid, &v);
    for (unsigned i = 0; i < n; i++) {
        uint64_t at = v[i]->records ? v[i]->records : 1;
        if (!v[i]->b.max_records || v[i]->b.max_records > at)
            v[i]->b.max_records = at;
    }
}

static uint32_t fnv(uint32_t h, uint64_t x)
{
    for (int i = 0; i < 8; i++, x >>= 8)
        h = (h ^ (uint32_t)(x & 0xff)) * 16777619u;
    return h;
}

/* The driver's translations, slot-free: per page mapped or not and, when
 * mapped, logical page, protection, R and C. */
static void digest(cdrv *s)
{
    uint32_t d = 2166136261u;
    for (unsigned l = 0; l < s->nlp; l++) {
        const clp *lp = &s->lp[l];
        const hpt *ht = hyp_lpar_hpt(s->h, lp->lpid);
        for (uint64_t i = 0; i < s->c.pages; i++) {
            const cdrv_page *p = &lp->pg[i];
            hpte x = p->mapped ? hpt_read(ht, p->ptex) : (hpte){0, 0};
            /* remap: the real page depends on the pool's order, R and C on
             * when the relocations completed: mapped and protection only */
            bool remap = s->c.pattern == CDRV_REMAP;
            bool ok = (x.v & HPTE_V_VALID) &&
                      (remap || hpte_real_addr(x.r, PSZ_4K) ==
                                    hyp_logical_to_real(s->h, lp->lpid, p->la));
            uint64_t bits = HPTE_R_PP | HPTE_R_PP0 | HPTE_R_N | (remap ? 0 : HPTE_R_R | HPTE_R_C);
            d = fnv(d, l * 0x100000000ull + i);
            d = fnv(d, ok ? p->la | 1 : 0);
            d = fnv(d, ok ? x.r & bits : 0);
        }
    }
    s->st.hpt_digest = d;
}

static void finish(cdrv *s, clp *lp)
{
    lp->next = UINT64_MAX;
    end_vcpus(s, lp);
    if (--s->left == 0)
        digest(s);
}

/* One arrival of LPAR lp's rounds at cycle `at`. */
static int round_of(cdrv *s, clp *lp, uint64_t at, sim_err *e)
{
    cpu_vcpu *const *v;
    unsigned nv = hyp_lpar_vcpus(s->h, lp->lpid, &v);
    bool alive = false;
    for (unsigned i = 0; i < nv; i++) {
        s->run[i] = -1;
        alive |= !v[i]->done;
    }
    if (!alive) {
        s->st.trace_ends++;
        finish(s, lp);
        return 0;
    }
    for (unsigned t = 0; t < s->h->env.nthreads; t++) {
        const cpu_thread *th = &s->h->env.threads[t];
        if (th->bound && !th->done && th->v && th->v->b.lpid == lp->lpid && th->v->b.vcpu < nv)
            s->run[th->v->b.vcpu] = (int)t;
    }
    /* the producers: the lowest-numbered running vCPUs (the first also maps) */
    cdrv_prods P = {0, {0}, rng_derive(lp->prod_seed, lp->done)};
    for (unsigned i = 0; i < nv && P.n < s->c.producers; i++)
        if (s->run[i] >= 0)
            P.t[P.n++] = (unsigned)s->run[i];
    if (!P.n) {
        s->st.postponed++;
        lp->next = at + draw(s, &lp->r);
        return 0;
    }
    unsigned t = P.t[0];
    int rc = 0;
    if (s->c.pattern != CDRV_MAP_UNMAP && !lp->setup) {
        rc = s->c.pattern == CDRV_SHADOW
                 ? cdrv_shadow_setup(s->k, &s->c, lp->lpid, s->run, nv, e)
                 : map_unmapped(s, lp, t, e);
        lp->setup = true;
    } else {
        switch (s->c.pattern) {
        case CDRV_MAP_UNMAP:
            rc = map_unmapped(s, lp, t, e) || touch_all(s, lp, nv, false, NULL, e) ||
                 unmap_all(s, lp, &P, e);
            break;
        case CDRV_SHADOW:
            rc = cdrv_shadow_round(s->k, &s->c, lp->lpid, s->run, nv, t,
                                   rng_derive(lp->round_seed, lp->done), &s->st, e);
            break;
        case CDRV_MPROTECT:
            rc = touch_all(s, lp, nv, true, NULL, e) || protect_all(s, lp, &P, 3, e) ||
                 touch_all(s, lp, nv, false, NULL, e) || protect_all(s, lp, &P, 2, e);
            break;
        case CDRV_REMAP:
            rc = cdrv_remap_round(s->rm, (unsigned)(lp - s->lp), t, s->run, nv, lp->done,
                                  &s->st, e);
            break;
        default: { /* reclaim */
            uint8_t *half = malloc(s->c.pages);
            if (!half)
                return sim_errf(e, "out of host memory");
            rng r;
            rng_seed(&r, rng_derive(lp->round_seed, lp->done));
            for (uint64_t i = 0; i < s->c.pages; i++)
                half[i] = (uint8_t)rng_below(&r, 2);
            rc = map_unmapped(s, lp, t, e) || touch_all(s, lp, nv, false, half, e) ||
                 scan(s, lp, &P, e);
            free(half);
            break;
        }
        }
        lp->done++;
        s->st.rounds++;
    }
    if (rc)
        return -1;
    for (unsigned i = 0; i < nv; i++)
        if (s->run[i] >= 0 && s->h->env.threads[s->run[i]].clock > s->now)
            s->now = s->h->env.threads[s->run[i]].clock;
    if (lp->done == s->c.rounds && s->rm &&
        cdrv_remap_settle(s->rm, (unsigned)(lp - s->lp), t, &s->st, e) != 0)
        return -1;
    if (lp->done == s->c.rounds)
        finish(s, lp);
    else
        lp->next = at + draw(s, &lp->r);
    return 0;
}

/* ---- the driver interface ---- */

static unsigned cdrv_lpars(const void *cfg, uint64_t *memory, uint64_t *hpt, unsigned max)
{
    const cdrv_config *c = cfg;
    for (unsigned i = 0; i < max && i < c->lpars; i++) {
        memory[i] = c->memory;
        hpt[i] = c->hpt_size;
    }
    return (unsigned)c->lpars;
}

static void cdrv_destroy(void *vs)
{
    cdrv *s = vs;
    if (!s)
        return;
    for (unsigned i = 0; s->lp && i < s->nlp; i++)
        free(s->lp[i].pg);
    free(s->lp);
    free(s->run);
    cdrv_remap_destroy(s->rm);
    free(s);
}

/* The processors of every generated LPAR, or -1 with e set. */
static int procs_of(const cdrv_config *c, const hyp *h, hyp_procs *p, sim_err *e)
{
    unsigned tpc = h->env.threads_per_core, free_threads = 0, free_cores = 0;
    for (unsigned core = 0; core < h->env.nthreads / tpc; core++) {
        unsigned used = 0;
        for (unsigned k = 0; k < tpc; k++)
            used += h->env.threads[core * tpc + k].bound;
        free_threads += tpc - used;
        free_cores += !used;
    }
    if (c->processors == CDRV_DEDICATED) {
        if (c->lpars * c->vcpus > free_threads)
            return sim_errf(e, "drivers.coherency.vcpus: %llu LPARs of %llu dedicated vCPUs need "
                               "%llu free hardware threads, but the machine has %u; expected "
                               "fewer, or processors: shared",
                            (unsigned long long)c->lpars, (unsigned long long)c->vcpus,
                            (unsigned long long)(c->lpars * c->vcpus), free_threads);
        *p = (hyp_procs){HYP_PROCS_DEDICATED, 0, 0, false, 0};
        return 0;
    }
    if (!h->shared_claimed)
        return sim_errf(e, "drivers.coherency.processors: shared, but no feature dispatches "
                           "shared processors; expected hypervisor.dispatch.enabled: true");
    uint64_t vps = c->virtual_processors ? c->virtual_processors : (c->vcpus + tpc - 1) / tpc;
    if (c->vcpus > vps * tpc)
        return sim_errf(e, "drivers.coherency.vcpus: %llu vCPUs on %llu virtual processors of "
                           "%u threads; expected at most %llu (or more virtual_processors)",
                        (unsigned long long)c->vcpus, (unsigned long long)vps, tpc,
                        (unsigned long long)(vps * tpc));
    double ent = c->entitlement;
    if (ent == 0) {
        ent = (double)free_cores / (double)c->lpars;
        if (ent > (double)vps)
            ent = (double)vps;
        if (ent < 0.05 * (double)vps)
            ent = 0.05 * (double)vps;
        ent = floor(ent * 100) / 100;
    }
    if (ent < 0.05 * (double)vps - 1e-9 || ent > (double)vps + 1e-9)
        return sim_errf(e, "drivers.coherency.entitlement: %g processing units for %llu virtual "
                           "processors; expected %g to %llu (0.05 to 1 per virtual processor)",
                        ent, (unsigned long long)vps, 0.05 * (double)vps,
                        (unsigned long long)vps);
    *p = (hyp_procs){HYP_PROCS_SHARED, ent, vps, false, 128};
    return 0;
}

static void *cdrv_create(const hyp_driver_env *env, const void *cfg, sim_err *e)
{
    const cdrv_config *c = cfg;
    hyp *h = env->h;
    if (!env->add_lpar) {
        sim_errf(e, "drivers.coherency: this front end cannot build traced LPARs");
        return NULL;
    }
    if (!c->trace || !*c->trace) {
        sim_errf(e, "drivers.coherency.trace: missing; expected the path of a native trace");
        return NULL;
    }
    uint64_t spare = c->pattern == CDRV_REMAP ? c->spare : 0;
    if ((c->pages + spare) * 4096 > c->memory / 2) {
        sim_errf(e, "drivers.coherency.pages: %llu pages of 4K%s are more than half of an "
                    "LPAR's %llu bytes; expected at most %llu (or more memory)",
                 (unsigned long long)(c->pages + spare), spare ? " (with the spare ones)" : "",
                 (unsigned long long)c->memory, (unsigned long long)(c->memory / 2 / 4096));
        return NULL;
    }
    if (c->pattern != CDRV_SHADOW && c->retouch != 1) {
        sim_errf(e, "drivers.coherency.retouch: %g, but only pattern shadow re-touches its "
                    "pages; expected pattern shadow (or retouch 1)", c->retouch);
        return NULL;
    }
    hyp_procs p;
    if (procs_of(c, h, &p, e) != 0)
        return NULL;
    cdrv *s = calloc(1, sizeof *s);
    if (!s || !(s->lp = calloc(c->lpars, sizeof *s->lp)) ||
        !(s->run = calloc(c->vcpus, sizeof *s->run))) {
        cdrv_destroy(s);
        sim_errf(e, "out of host memory");
        return NULL;
    }
    s->h = h;
    s->c = *c;
    s->k = hyp_feature_state(h, HYP_FEATURE_coherency);
    s->st.owner = s;
    if (c->pattern == CDRV_REMAP && !(s->rm = cdrv_remap_create(h, s->k, c, env->seed, e)))
        goto fail;
    s->gap = h->env.freq_mhz * 1000000ull / c->rate;
    if (!s->gap)
        s->gap = 1;
    for (uint64_t i = 0; i < c->lpars; i++) {
        char name[96];
        snprintf(name, sizeof name, "%.64s%llu", c->name ? c->name : "", (unsigned long long)i);
        for (unsigned l = 0; l < hyp_lpar_count(h); l++)
            if (!strcmp(hyp_lpar_name(h, l), name)) {
                sim_errf(e, "drivers.coherency.name: generated LPAR '%s' has the name of a "
                            "configured one; expected another prefix", name);
                goto fail;
            }
        hyp_lpar_spec sp = {name, c->memory, c->hpt_size, p, (unsigned)c->vcpus, c->trace,
                            c->repeat, "drivers.coherency.trace"};
        int lpid = env->add_lpar(env->ctx, &sp, e);
        if (lpid < 0)
            goto fail;
        clp *lp = &s->lp[s->nlp++];
        lp->lpid = (unsigned)lpid;
        if (!(lp->pg = calloc(c->pages, sizeof *lp->pg))) {
            sim_errf(e, "out of host memory");
            goto fail;
        }
        for (uint64_t k = 0; k < c->pages; k++)
            lp->pg[k] = (cdrv_page){CDRV_EA + 4096 * k, c->memory - 4096 * (k + 1), 0, false};
        if (s->rm && cdrv_remap_lpar(s->rm, (unsigned)i, lp->lpid, lp->pg, e) != 0)
            goto fail;
        rng_seed(&lp->r, rng_derive(env->seed, 0x434f4800u + i));
        lp->round_seed = rng_derive(env->seed, 0x434f5200u + i);
        lp->prod_seed = rng_derive(env->seed, 0x434f5000u + i);
        lp->next = draw(s, &lp->r);
        if (c->pattern == CDRV_SHADOW && cdrv_shadow_attach(h, s->k, c, lp->lpid, e) != 0)
            goto fail;
    }
    s->left = s->nlp;
    s->op_change = ops_declare(h->env.ops, "coherency.change",
                               "an hcall of the coherency driver that removed or downgraded "
                               "its translations: its cycles on the producing vCPU, and the "
                               "cycles other threads lost to shootdown interrupts meanwhile",
                               "hcall,interrupts");
    if (s->op_change == OP_INVALID ||
        stats_register(h->env.stats, "drivers.coherency", &cdrv_stat_table, &s->st) != 0) {
        sim_errf(e, "out of host memory");
        goto fail;
    }
    return s;
fail:
    cdrv_destroy(s);
    return NULL;
}

static uint64_t cdrv_next(const void *vs)
{
    const cdrv *s = vs;
    uint64_t next = UINT64_MAX;
    for (unsigned i = 0; i < s->nlp; i++)
        if (s->lp[i].next < next)
            next = s->lp[i].next;
    return next;
}

static int cdrv_step(void *vs, sim_err *e)
{
    cdrv *s = vs;
    uint64_t at = cdrv_next(s);
    for (unsigned i = 0; i < s->nlp; i++)
        if (s->lp[i].next == at && round_of(s, &s->lp[i], at, e) != 0)
            return -1;
    if (at > s->now)
        s->now = at;
    return 0;
}

static uint64_t cdrv_now(const void *vs)
{
    return ((const cdrv *)vs)->now;
}

static void cdrv_progress(const void *vs, uint64_t *done, uint64_t *total)
{
    const cdrv *s = vs;
    *done = 0;
    for (unsigned i = 0; i < s->nlp; i++)
        *done += s->lp[i].next == UINT64_MAX ? s->c.rounds : s->lp[i].done;
    *total = s->nlp * s->c.rounds;
}

const hyp_driver coherency_driver = {
    .name = "coherency",
    .params = &coherency_driver_params,
    .lpars = cdrv_lpars,
    .create = cdrv_create,
    .destroy = cdrv_destroy,
    .next = cdrv_next,
    .step = cdrv_step,
    .now = cdrv_now,
    .progress = cdrv_progress,
    .bare_lpars = false,
};
