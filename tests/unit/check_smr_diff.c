/*
 * check_smr_diff.c - differential and random-audit tests of sim/hyp/smr.
 *
 * A seeded generator (core/rng.h) makes short random operation sequences
 * (30-60 operations, 4-6 LPARs of one or two 16M LMBs, PMBs of one or two
 * LMBs, 2 spare LMBs; 8 set-up operations first): SMR creates, adds, authorisations, maps
 * followed by H_ENTERs, H_ENTERs of any page, H_REMOVEs and H_PROTECTs,
 * unmaps, deauthorisations, unshares, destroys, terminations and PMB
 * reclaims, valid and invalid alike (ids, indices, LPARs and logical pages
 * are drawn from small pools so that collisions - double maps, pages already
 * shared, unknown ids - are frequent). Every successful H_ENTER also puts
 * its translation into a TLB, as a touch would.
 *
 *  - differential: each sequence runs on three machines, one per strategy,
 *    with the auditor on. After every operation the return codes and
 *    returned values must be equal and no auditor error may be pending; at
 *    the end every valid HPTE of every LPAR, every TLB entry and the SMR
 *    counters must be equal, audit.violations must be 0, the SMR tables
 *    must be consistent (white box: attachments, grants, shared pages,
 *    client counts, reference bits, server slots) and, for one sequence
 *    in 8, terminating every LPAR must leave nothing behind.
 *  - random audit: a sequence runs on a correct machine and on one whose
 *    strategy's find drops its last hit; the broken one must be flagged by
 *    the auditor exactly at the first trigger that finds a mapping, and not
 *    before.
 *
 * A failure message names the sequence seed and the operation index, so
 * one sequence can be replayed alone (SMR_DIFF_SEED=<seed>).
 */
#include <check.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "hyp/hcall.h"
#include "hyp/smr/smr.h"
#include "hyp/smr/smr_int.h"
#include "machine/machine.h"
#include "mmu/hpt.h"
#include "testutil.h"

#define MB (1ull << 20)
#define LMB (16 * MB) /* small LPARs: per-page work (audit, rmap) scales with memory */
#define MAXL 6
#define SPARE 2
#define PER_SERVER 64
#define SERVERS 3
#define MAX_PAGES 8
#ifndef NSEQ
#define NSEQ 2000
#endif

/* Check's ck_assert records every passing assertion through a pipe (a
 * system call): in the hot loops below failures are tested first. */
#define REQUIRE(cond, ...)                                                                         \
    do {                                                                                           \
        if (!(cond))                                                                               \
            ck_abort_msg(__VA_ARGS__);                                                             \
    } while (0)

static const char *const STRAT[3] = {"exhaustive", "export-vector", "rmap"};
static const hpte_attrs RW_M = {.pp = 2, .key = 0, .wimg = 2, .noexec = false, .bolted = false};

/* ---- machines ---------------------------------------------------------------- */

static void set(machine_config *c, const char *kv)
{
    sim_err e = {{0}};
    REQUIRE(cfg_set(&machine_config_table, c, kv, &e) == 0, "%s: %s", kv, e.msg);
}

/* LPARs of one or two 16M LMBs (256K HPT), PMBs of one or two LMBs, SPARE
 * free LMB slots, small SMR limits, auditor on; fresh for every sequence. */
/* What a sequence's machines look like. */
typedef struct shape {
    unsigned nlpars;
    unsigned lmbs[MAXL];  /* LMBs of 16M per LPAR (1 or 2) */
    unsigned pmb_lmbs;    /* PMB size in LMBs (1 or 2) */
} shape;

static shape random_shape(rng *r)
{
    shape sh;
    sh.nlpars = 4 + (unsigned)rng_below(r, 3);
    for (unsigned i = 0; i < MAXL; i++)
        sh.lmbs[i] = rng_below(r, 4) ? 1 : 2;
    sh.pmb_lmbs = rng_below(r, 10) < 7 ? 1 : 2;
    return sh;
}

static machine *build(unsigned strat, const shape *sh)
{
    machine_config c;
    sim_err e = {{0}};
    char kv[128];
    REQUIRE(machine_config_init(&c, &e) == 0, "%s", e.msg);
    set(&c, "machine.modules=1");
    set(&c, "machine.cores_per_module=2");
    set(&c, "machine.threads_per_core=2");
    set(&c, "hypervisor.smr.enabled=true");
    snprintf(kv, sizeof kv, "hypervisor.smr.strategy=%s", STRAT[strat]);
    set(&c, kv);
    set(&c, "hypervisor.smr.audit=true");
    /* timing only (the functional results do not depend on it): HPT scans
     * charged from a 32-line sample, small L2/L3 (quick to create) */
    set(&c, "hypervisor.scan_sample_lines=32");
    set(&c, "cache.l2.size=128K");
    set(&c, "cache.l3.size=640K");
    snprintf(kv, sizeof kv, "hypervisor.smr.max_per_server=%d", PER_SERVER);
    set(&c, kv);
    snprintf(kv, sizeof kv, "hypervisor.smr.max_servers=%d", SERVERS);
    set(&c, kv);
    set(&c, "hypervisor.smr.max_lpars=64");
    set(&c, "hypervisor.lmb_size=16M");
    snprintf(kv, sizeof kv, "memory.pmb_size=%lluM", (unsigned long long)(sh->pmb_lmbs * 16));
    set(&c, kv);
    snprintf(kv, sizeof kv, "hypervisor.smr.max_pages=%d", MAX_PAGES);
    set(&c, kv);
    for (unsigned i = 0; i < sh->nlpars; i++) {
        snprintf(kv, sizeof kv, "lpars[%u].name=p%u", i, i);
        set(&c, kv);
        snprintf(kv, sizeof kv, "lpars[%u].hpt_size=256K", i);
        set(&c, kv);
        snprintf(kv, sizeof kv, "lpars[%u].memory=%uM", i, 16 * sh->lmbs[i]);
        set(&c, kv);
    }
    snprintf(kv, sizeof kv, "hypervisor.spare_lmbs=%d", SPARE);
    set(&c, kv);
    machine *m = machine_create(&c, NULL, &e);
    REQUIRE(m != NULL, "machine_create: %s", e.msg);
    REQUIRE(hyp_memory_bytes(machine_hyp(m)) == LMB, "hypervisor memory %llu, expected one LMB",
            (unsigned long long)hyp_memory_bytes(machine_hyp(m)));
    machine_config_free(&c);
    return m;
}

/* ---- the generator ------------------------------------------------------------ */

typedef struct sop {
    unsigned lpid;
    uint64_t opcode;
    uint64_t a[8];
    /* H_ENTER: the translation, for the TLB touch */
    uint64_t vsid, ea;
    hpt_psize ps;
} sop;

typedef struct gen {
    rng r;
    unsigned nlpars;
    uint64_t npmb;
    uint64_t ids[24];
    unsigned server[24], shift[24], nids;
    unsigned auth[24];          /* LPARs authorised for ids[k] (as far as it knows) */
    uint64_t npages[24];        /* page-list high-water mark of ids[k] */
    unsigned att_lpid[32];      /* attachments made (some may be gone) */
    uint64_t att_la[32];
    unsigned natt;
    uint64_t ptex[MAXL][16];
    unsigned nptex[MAXL];
    unsigned step;              /* operations generated */
    unsigned setup_server[2];
    bool pending;               /* an H_ENTER of the page just attached */
    unsigned pend_lpid, pend_shift;
    uint64_t pend_la;
} gen;

static void gen_init(gen *g, uint64_t seed, unsigned nlpars, uint64_t npmb)
{
    memset(g, 0, sizeof *g);
    rng_seed(&g->r, seed);
    g->nlpars = nlpars;
    g->npmb = npmb;
}

static uint64_t below(gen *g, uint64_t n) { return rng_below(&g->r, n); }
static bool chance(gen *g, unsigned pct) { return below(g, 100) < pct; }
static uint64_t vsid_of(unsigned lpid) { return 0x5a5a00ull + 0x1111 * lpid; }

/* A logical page from a small pool per page size (pools overlap; LMB 0 or
 * 1, the latter outside the memory of a one-LMB LPAR). */
static uint64_t pick_la(gen *g, unsigned shift)
{
    if (shift == 24)
        return below(g, 2) << 24;
    uint64_t lmb = chance(g, 30) ? LMB : 0;
    if (shift == 16)
        return lmb + (below(g, 6) << 16);
    return lmb + (below(g, 24) << 12);
}

static uint64_t pmb_count(machine *m)
{
    return memmap_pmb_count(machine_hyp(m)->env.mm);
}

/* An id: mostly one created earlier, sometimes any plausible one. */
static unsigned pick_id(gen *g, uint64_t *id)
{
    if (g->nids && chance(g, 90)) {
        unsigned k = (unsigned)below(g, g->nids);
        *id = g->ids[k];
        return k;
    }
    *id = below(g, SERVERS + 1) * PER_SERVER + below(g, 3);
    return UINT32_MAX;
}

static unsigned other_lpar(gen *g) { return (unsigned)below(g, g->nlpars); }

/* The server of a known id (mostly), else anyone. */
static unsigned pick_caller(gen *g, unsigned k)
{
    return k != UINT32_MAX && chance(g, 85) ? g->server[k] : other_lpar(g);
}

static void forget_id(gen *g, unsigned k)
{
    g->nids--;
    g->ids[k] = g->ids[g->nids];
    g->server[k] = g->server[g->nids];
    g->shift[k] = g->shift[g->nids];
    g->auth[k] = g->auth[g->nids];
    g->npages[k] = g->npages[g->nids];
}

static int find_id(const gen *g, uint64_t id)
{
    for (unsigned k = 0; k < g->nids; k++)
        if (g->ids[k] == id)
            return (int)k;
    return -1;
}

static unsigned shift_of(gen *g, unsigned k)
{
    return k != UINT32_MAX ? g->shift[k] : 12;
}

/* H_ENTER of la with pages of 2^sh (la = UINT64_MAX: a random page) */
static void make_enter(gen *g, sop *o, unsigned lpid, uint64_t la, unsigned sh)
{
    if (la == UINT64_MAX) {
        unsigned pick = (unsigned)below(g, 100);
        sh = pick < 80 ? 12 : pick < 95 ? 16 : 24;
        la = pick_la(g, sh);
    }
    hpt_psize ps = sh == 12 ? PSZ_4K : sh == 16 ? PSZ_64K : PSZ_16M;
    uint64_t ea = (ps == PSZ_4K ? 0x10000000ull : ps == PSZ_64K ? 0x20000000ull : 0x40000000ull) +
                  (below(g, 16) << sh);
    uint64_t vsid = vsid_of(lpid);
    hpte x = hpte_make(vsid, ea, false, PSZ_4K, ps, la, &RW_M, false);
    /* the PTEG index does not depend on the HPT (all are 256K: 2048 PTEGs) */
    uint64_t pteg = hpt_hash(vsid, ea, sh, false) & 2047;
    o->opcode = H_ENTER;
    o->a[0] = 0;
    o->a[1] = pteg * 8;
    o->a[2] = x.v;
    o->a[3] = x.r;
    o->vsid = vsid;
    o->ea = ea;
    o->ps = ps;
}

static void make_add(gen *g, sop *o, unsigned k, uint64_t id)
{
    o->opcode = H_SMR_ADD;
    o->lpid = pick_caller(g, k);
    o->a[0] = id;
    o->a[1] = pick_la(g, shift_of(g, k));
    o->a[2] = shift_of(g, k) == 12 ? 1 + below(g, 3) : 1;
}

/* Operation kinds and their weights (percent). */
enum { K_CREATE, K_ADD, K_AUTH, K_MAP, K_ENTER, K_REMOVE, K_PROTECT, K_UNMAP, K_DEAUTH,
       K_UNSHARE, K_DESTROY, K_TERMINATE, K_RECLAIM, K_COUNT };
static const unsigned WEIGHT[K_COUNT] = {3, 10, 8, 27, 18, 5, 2, 8, 5, 7, 3, 2, 2};

static unsigned pick_kind(gen *g)
{
    /* without SMRs most operations would be refused: create some first */
    if (g->nids < 2 && chance(g, g->nids ? 30 : 60))
        return K_CREATE;
    unsigned w = (unsigned)below(g, 100), k = 0;
    while (w >= WEIGHT[k])
        w -= WEIGHT[k++];
    return k;
}

/* The first 8 operations set two SMRs up (random servers, page sizes,
 * pages and clients): server creates, adds 3 pages, authorises 2 LPARs. */
static void setup_op(gen *g, sop *o, unsigned step)
{
    unsigned n = step / 4;
    if (step % 4 == 0) {
        g->setup_server[n] = other_lpar(g);
        o->lpid = g->setup_server[n];
        o->opcode = H_SMR_CREATE;
        o->a[0] = chance(g, 80) ? 12 : 16;
        return;
    }
    o->lpid = g->setup_server[n];
    unsigned k = g->nids ? g->nids - 1 : UINT32_MAX;
    uint64_t id = k != UINT32_MAX ? g->ids[k] : 0;
    if (step % 4 == 1) {
        o->opcode = H_SMR_ADD;
        o->a[0] = id;
        o->a[1] = pick_la(g, shift_of(g, k));
        o->a[2] = shift_of(g, k) == 12 ? 3 : 1;
    } else {
        o->opcode = H_SMR_AUTHORIZE;
        o->a[0] = id;
        o->a[1] = (o->lpid + 1 + below(g, g->nlpars - 1)) % g->nlpars;
    }
}

/* The next operation. */
static void gen_next(gen *g, sop *o)
{
    memset(o, 0, sizeof *o);
    unsigned k;
    uint64_t id;
    if (g->step < 8) {
        setup_op(g, o, g->step++);
        return;
    }
    g->step++;
    if (g->pending && chance(g, 90)) {
        g->pending = false;
        o->lpid = g->pend_lpid;
        make_enter(g, o, o->lpid, g->pend_la, g->pend_shift);
        return;
    }
    g->pending = false;
    o->lpid = other_lpar(g);
    switch (pick_kind(g)) {
    case K_CREATE: {
        unsigned p = (unsigned)below(g, 100);
        o->opcode = H_SMR_CREATE;
        o->a[0] = p < 70 ? 12 : p < 90 ? 16 : p < 97 ? 24 : 13;
        break;
    }
    case K_ADD:
        k = pick_id(g, &id);
        make_add(g, o, k, id);
        break;
    case K_AUTH:
    case K_DEAUTH:
        k = pick_id(g, &id);
        o->opcode = H_SMR_AUTHORIZE;
        o->lpid = pick_caller(g, k);
        o->a[0] = id;
        o->a[1] = chance(g, 90) ? (o->lpid + 1 + below(g, g->nlpars - 1)) % g->nlpars
                                : below(g, g->nlpars + 1);
        if (o->opcode == H_SMR_AUTHORIZE && chance(g, (unsigned)(100 * WEIGHT[K_DEAUTH] /
                                                                 (WEIGHT[K_AUTH] + WEIGHT[K_DEAUTH]))))
            o->opcode = H_SMR_DEAUTHORIZE;
        break;
    case K_MAP:
        k = pick_id(g, &id);
        if (k != UINT32_MAX && !g->npages[k] && chance(g, 75)) {
            make_add(g, o, k, id); /* an empty SMR: fill it first */
            break;
        }
        o->opcode = H_SMR_MAP;
        o->a[0] = id;
        o->a[1] = below(g, (k != UINT32_MAX ? g->npages[k] : 2) + 1);
        if (k != UINT32_MAX && g->auth[k] && chance(g, 80)) {
            unsigned l;
            do
                l = (unsigned)below(g, g->nlpars);
            while (!(g->auth[k] >> l & 1));
            o->lpid = l;
        }
        o->a[2] = pick_la(g, shift_of(g, k));
        break;
    case K_ENTER:
        make_enter(g, o, o->lpid, UINT64_MAX, 12);
        break;
    case K_REMOVE:
    case K_PROTECT: {
        unsigned n = g->nptex[o->lpid];
        o->opcode = H_REMOVE;
        o->a[1] = n ? g->ptex[o->lpid][below(g, n)] : below(g, 2048 * 8);
        if (chance(g, 100 * WEIGHT[K_PROTECT] / (WEIGHT[K_REMOVE] + WEIGHT[K_PROTECT]))) {
            o->opcode = H_PROTECT;
            o->a[0] = 1; /* pp 1 */
        }
        break;
    }
    case K_UNMAP: {
        o->opcode = H_SMR_UNMAP;
        unsigned p = (unsigned)below(g, 10);
        o->a[0] = pick_la(g, p < 7 ? 12 : p < 9 ? 16 : 24);
        if (g->natt && chance(g, 70)) {
            unsigned j = (unsigned)below(g, g->natt);
            o->lpid = g->att_lpid[j];
            o->a[0] = g->att_la[j];
        }
        break;
    }
    case K_UNSHARE:
        k = pick_id(g, &id);
        o->opcode = H_SMR_UNSHARE;
        o->lpid = pick_caller(g, k);
        o->a[0] = id;
        o->a[1] = below(g, (k != UINT32_MAX ? g->npages[k] : 2) + 1);
        o->a[2] = below(g, 3);
        break;
    case K_DESTROY:
        k = pick_id(g, &id);
        o->opcode = H_SMR_DESTROY;
        o->lpid = pick_caller(g, k);
        o->a[0] = id;
        break;
    case K_TERMINATE:
        o->opcode = H_SMR_TERMINATE;
        o->a[0] = below(g, g->nlpars + (chance(g, 10) ? 1 : 0));
        break;
    default:
        o->opcode = H_SMR_RECLAIM;
        o->a[0] = below(g, g->npmb + 1);
        break;
    }
}

/* What the generator learns from the outcome (of the first machine). */
static void gen_feedback(gen *g, const sop *o, long rc, const uint64_t *rets)
{
    if (rc != H_SUCCESS)
        return;
    if (o->opcode == H_SMR_CREATE) {
        unsigned k = 0;
        while (k < g->nids && g->ids[k] != rets[0])
            k++;
        if (k == g->nids) {
            if (g->nids == 24)
                return;
            g->nids++;
        }
        g->ids[k] = rets[0];
        g->server[k] = o->lpid;
        g->auth[k] = 0;
        g->npages[k] = 0;
        g->shift[k] = (unsigned)o->a[0];
    } else if (o->opcode == H_SMR_ADD) {
        int k = find_id(g, o->a[0]);
        if (k >= 0 && rets[0] + o->a[2] > g->npages[k])
            g->npages[k] = rets[0] + o->a[2];
    } else if (o->opcode == H_SMR_DESTROY) {
        int k = find_id(g, o->a[0]);
        if (k >= 0)
            forget_id(g, (unsigned)k);
    } else if (o->opcode == H_SMR_TERMINATE) {
        for (unsigned k = 0; k < g->nids;)
            if (g->server[k] == o->a[0])
                forget_id(g, k);
            else
                k++;
    } else if (o->opcode == H_SMR_AUTHORIZE) {
        int k = find_id(g, o->a[0]);
        if (k >= 0)
            g->auth[k] |= 1u << o->a[1];
    } else if (o->opcode == H_SMR_MAP) {
        unsigned j = g->natt < 32 ? g->natt++ : (unsigned)below(g, 32);
        g->att_lpid[j] = o->lpid;
        g->att_la[j] = o->a[2];
        g->pending = true;
        g->pend_lpid = o->lpid;
        g->pend_la = o->a[2];
        g->pend_shift = 12;
        for (unsigned k = 0; k < g->nids; k++)
            if (g->ids[k] == o->a[0])
                g->pend_shift = g->shift[k];
    } else if (o->opcode == H_ENTER) {
        unsigned *n = &g->nptex[o->lpid];
        g->ptex[o->lpid][*n < 16 ? (*n)++ : below(g, 16)] = rets[0];
    }
}

/* ---- running and comparing ----------------------------------------------------- */

static long run_op(machine *m, const sop *o, uint64_t now, uint64_t *rets)
{
    uint64_t a[8], cyc = 0;
    memcpy(a, o->a, sizeof a);
    memset(rets, 0, 8 * sizeof *rets);
    hyp *h = machine_hyp(m);
    long rc = hyp_hcall(h, o->lpid, o->lpid % machine_threads(m), now, o->opcode, a, rets, &cyc);
    if (o->opcode == H_ENTER && rc == H_SUCCESS) {
        /* the guest touches the page: its translation enters a TLB */
        hpte x = hpt_read(hyp_lpar_hpt(h, o->lpid), rets[0]);
        unsigned sh = hpt_psize_shift(o->ps);
        tlb_insert(machine_thread(m, o->lpid % machine_threads(m))->tlb, o->lpid,
                   hpte_vpn(o->vsid, o->ea, sh, false), o->ps,
                   hpte_real_addr(x.r, o->ps) >> sh, 3);
    }
    return rc;
}

static uint64_t counter(machine *m, const char *name)
{
    uint64_t x = 0;
    REQUIRE(stats_get_counter(machine_stats(m), name, &x) == 0, "no counter %s", name);
    return x;
}

/* Every valid HPTE of every LPAR equal in a and b. */
static void same_hpts(machine *a, machine *b, uint64_t seed, const char *who)
{
    hyp *ha = machine_hyp(a), *hb = machine_hyp(b);
    for (unsigned l = 0; l < hyp_lpar_count(ha); l++) {
        const hpt *ta = hyp_lpar_hpt(ha, l), *tb = hyp_lpar_hpt(hb, l);
        REQUIRE(ta->base == tb->base, "HPT bases differ");
        for (uint64_t off = 0; off < ta->size; off += PHYSMEM_CHUNK_BYTES) {
            const uint64_t *wa = physmem_chunk(ha->env.pm, ta->base + off);
            const uint64_t *wb = physmem_chunk(hb->env.pm, tb->base + off);
            for (uint64_t i = 0; i < PHYSMEM_CHUNK_BYTES / 8; i += 2) {
                uint64_t va = wa ? wa[i] : 0, vb = wb ? wb[i] : 0;
                uint64_t ra = wa ? wa[i + 1] : 0, rb = wb ? wb[i + 1] : 0;
                if (!(va & HPTE_V_VALID) && !(vb & HPTE_V_VALID))
                    continue;
                REQUIRE(va == vb && ra == rb,
                              "seed %" PRIu64 ": LPAR %u HPTE 0x%" PRIx64 " differs (%s): "
                              "%" PRIx64 "/%" PRIx64 " vs %" PRIx64 "/%" PRIx64,
                              seed, l, (off + 8 * i) / 16, who, va, ra, vb, rb);
            }
        }
    }
}

static void same_tlbs(machine *a, machine *b, uint64_t seed, const char *who)
{
    for (unsigned th = 0; th < machine_threads(a); th++) {
        size_t na, nb;
        const tlb_entry *ea = tlb_entries(machine_thread(a, th)->tlb, &na);
        const tlb_entry *eb = tlb_entries(machine_thread(b, th)->tlb, &nb);
        REQUIRE(na == nb, "TLB sizes differ");
        for (size_t i = 0; i < na; i++)
            REQUIRE(ea[i].ctx == eb[i].ctx &&
                              (!ea[i].ctx || (ea[i].vpn == eb[i].vpn && ea[i].rpn == eb[i].rpn)),
                          "seed %" PRIu64 ": thread %u TLB entry %zu differs (%s)", seed, th, i,
                          who);
    }
}

/* White-box consistency of the SMR tables (smr_int.h): attachments,
 * grants, shared pages, per-client counts, reference bits, server slots. */
static void check_tables(machine *m, uint64_t seed, const char *who)
{
    const smr *s = hyp_smr(machine_hyp(m));
    uint64_t shared4k = 0, attached = 0;
    for (uint64_t id = 0; id < s->nsmr; id++) {
        const smr_region *r = &s->r[id];
        if (!r->active)
            continue;
        REQUIRE(r->server < s->nlp && s->lp[r->server].server_slot >= 0 &&
                    (uint64_t)s->lp[r->server].server_slot == id / s->cfg.max_per_server &&
                    s->slot_lpid[id / s->cfg.max_per_server] == r->server,
                "seed %" PRIu64 " (%s): SMR %" PRIu64 " server slot", seed, who, id);
        uint64_t act = 0;
        for (uint64_t i = 0; i < r->npages; i++) {
            uint64_t real = r->pages[i].real;
            if (real == UINT64_MAX)
                continue;
            act++;
            REQUIRE(hyp_real_owned_by(machine_hyp(m), r->server, real) &&
                        hyp_logical_to_real(machine_hyp(m), r->server, r->pages[i].server_la) ==
                            real,
                    "seed %" PRIu64 " (%s): SMR %" PRIu64 " page %" PRIu64
                    " is not its server's page",
                    seed, who, id, i);
            for (uint64_t off = 0; off < 1ull << r->pshift; off += 4096, shared4k++) {
                uint64_t *v = u64map_get(&s->page_smr, (real + off) >> 12);
                REQUIRE(v && *v == (id << 32 | i), "seed %" PRIu64 " (%s): page_smr of 0x%" PRIx64,
                        seed, who, real + off);
            }
        }
        REQUIRE(act == r->nactive, "seed %" PRIu64 " (%s): SMR %" PRIu64 " nactive", seed, who,
                id);
    }
    REQUIRE(s->page_smr.n == shared4k, "seed %" PRIu64 " (%s): page_smr holds %zu, expected %" PRIu64,
            seed, who, s->page_smr.n, shared4k);
    const u64map_slot *sl;
    for (size_t i = 0; u64map_next(&s->attach, &i, &sl);) {
        unsigned l = smr_key_lpid(sl->key);
        uint64_t la = smr_key_addr(sl->key), id = sl->val >> 32, idx = sl->val & 0xffffffffu;
        attached++;
        REQUIRE(l < s->nlp && id < s->nsmr && s->r[id].active && idx < s->r[id].npages &&
                    s->r[id].pages[idx].real != UINT64_MAX && s->r[id].server != l &&
                    smr_vbit(s->r[id].auth, l),
                "seed %" PRIu64 " (%s): stale attachment of LPAR %u la 0x%" PRIx64, seed, who, l,
                la);
        uint64_t *g = u64map_get(&s->grant, smr_attach_key(l, s->r[id].pages[idx].real));
        REQUIRE(g && *g == (la >> 12) + 1, "seed %" PRIu64 " (%s): grant of LPAR %u la 0x%" PRIx64,
                seed, who, l, la);
        uint64_t *cnt = u64map_get(&s->client_smr, smr_client_key(l, id));
        REQUIRE(cnt && *cnt > 0, "seed %" PRIu64 " (%s): client count", seed, who);
        REQUIRE(smr_vbit(s->r[id].ref, l),
                "seed %" PRIu64 " (%s): LPAR %u attached to SMR %" PRIu64 " without its reference bit",
                seed, who, l, id);
    }
    REQUIRE(s->grant.n == attached, "seed %" PRIu64 " (%s): grants", seed, who);
    uint64_t sum = 0, per = 0;
    for (size_t i = 0; u64map_next(&s->client_smr, &i, &sl);)
        sum += sl->val;
    REQUIRE(sum == attached, "seed %" PRIu64 " (%s): client counts %" PRIu64 " vs %" PRIu64, seed,
            who, sum, attached);
    for (unsigned l = 0; l < s->nlp; l++)
        per += s->lp[l].nattach;
    REQUIRE(per == attached, "seed %" PRIu64 " (%s): nattach", seed, who);
}

/* Terminate every LPAR: nothing may be left (no SMR, attachment, grant,
 * shared page, reference bit, server slot, valid HPTE or TLB entry). */
static void terminate_all(machine *m, uint64_t seed, const char *who, uint64_t now)
{
    hyp *h = machine_hyp(m);
    for (unsigned l = 0; l < hyp_lpar_count(h); l++) {
        uint64_t a[8] = {l}, rets[8], cyc;
        REQUIRE(hyp_hcall(h, l, 0, now, H_SMR_TERMINATE, a, rets, &cyc) == H_SUCCESS,
                "seed %" PRIu64 " (%s): terminate %u", seed, who, l);
    }
    const smr *s = hyp_smr(h);
    for (uint64_t id = 0; id < s->nsmr; id++) {
        REQUIRE(!s->r[id].active, "seed %" PRIu64 " (%s): SMR %" PRIu64 " survived", seed, who,
                id);
        for (unsigned w = 0; s->r[id].ref && w < s->vwords; w++)
            REQUIRE(!s->r[id].ref[w] && !s->r[id].auth[w], "seed %" PRIu64 " (%s): bits of %" PRIu64,
                    seed, who, id);
    }
    REQUIRE(!s->attach.n && !s->grant.n && !s->page_smr.n && !s->client_smr.n,
            "seed %" PRIu64 " (%s): tables not empty (%zu %zu %zu %zu)", seed, who, s->attach.n,
            s->grant.n, s->page_smr.n, s->client_smr.n);
    for (uint64_t k = 0; k < s->cfg.max_servers; k++)
        REQUIRE(s->slot_lpid[k] == UINT32_MAX, "seed %" PRIu64 " (%s): server slot", seed, who);
    for (unsigned l = 0; l < hyp_lpar_count(h); l++) {
        const hpt *t = hyp_lpar_hpt(h, l);
        for (uint64_t off = 0; off < t->size; off += PHYSMEM_CHUNK_BYTES) {
            const uint64_t *w = physmem_chunk(h->env.pm, t->base + off);
            for (uint64_t i = 0; w && i < PHYSMEM_CHUNK_BYTES / 8; i += 2)
                REQUIRE(!(w[i] & HPTE_V_VALID), "seed %" PRIu64 " (%s): LPAR %u HPT not empty",
                        seed, who, l);
        }
    }
    for (unsigned th = 0; th < machine_threads(m); th++) {
        size_t n;
        const tlb_entry *e = tlb_entries(machine_thread(m, th)->tlb, &n);
        for (size_t i = 0; i < n; i++)
            REQUIRE(!e[i].ctx, "seed %" PRIu64 " (%s): thread %u TLB not empty", seed, who, th);
    }
    sim_err e = {{0}};
    REQUIRE(hyp_check_error(h, &e) == 0, "seed %" PRIu64 " (%s): %s", seed, who, e.msg);
}

static const char *const COUNTERS[] = {
    "smr.created",       "smr.destroyed",     "smr.pages_shared",
    "smr.attaches",      "smr.detaches",      "smr.invalidations",
    "smr.mappings_invalidated", "hypervisor.hptes_inserted", "hypervisor.hptes_removed",
    "hypervisor.hcall_errors",
};

typedef struct diff_totals {
    uint64_t ops, errors, triggers, mappings, enters;
} diff_totals;

/* Run sequence `seed` on the three strategies; returns through t what it
 * exercised. */
static void diff_sequence(uint64_t seed, diff_totals *t)
{
    gen g;
    rng pre;
    rng_seed(&pre, seed ^ 0xd1ffull);
    shape sh = random_shape(&pre);
    unsigned nops = 30 + (unsigned)rng_below(&pre, 31);
    machine *m[3];
    for (unsigned k = 0; k < 3; k++)
        m[k] = build(k, &sh);
    gen_init(&g, seed, sh.nlpars, pmb_count(m[0]));
    uint64_t now = 1000;
    for (unsigned i = 0; i < nops; i++) {
        sop o;
        gen_next(&g, &o);
        uint64_t rets[3][8];
        long rc[3];
        for (unsigned k = 0; k < 3; k++) {
            rc[k] = run_op(m[k], &o, now, rets[k]);
            sim_err e = {{0}};
            REQUIRE(hyp_check_error(machine_hyp(m[k]), &e) == 0,
                          "seed %" PRIu64 " op %u (0x%" PRIx64 " by LPAR %u): %s: %s", seed, i,
                          o.opcode, o.lpid, STRAT[k], e.msg);
        }
        for (unsigned k = 1; k < 3; k++)
            REQUIRE(rc[k] == rc[0] && rets[k][0] == rets[0][0],
                          "seed %" PRIu64 " op %u (0x%" PRIx64 " by LPAR %u): %s rc %ld/%" PRIu64
                          ", %s rc %ld/%" PRIu64,
                          seed, i, o.opcode, o.lpid, STRAT[0], rc[0], rets[0][0], STRAT[k], rc[k],
                          rets[k][0]);
        gen_feedback(&g, &o, rc[0], rets[0]);
        t->ops++;
        t->errors += rc[0] != H_SUCCESS;
        t->enters += o.opcode == H_ENTER && rc[0] == H_SUCCESS;
        now += 5000;
    }
    for (unsigned k = 1; k < 3; k++) {
        same_hpts(m[0], m[k], seed, STRAT[k]);
        same_tlbs(m[0], m[k], seed, STRAT[k]);
        for (unsigned c = 0; c < sizeof COUNTERS / sizeof *COUNTERS; c++)
            REQUIRE(counter(m[0], COUNTERS[c]) == counter(m[k], COUNTERS[c]),
                          "seed %" PRIu64 ": %s differs (%s)", seed, COUNTERS[c], STRAT[k]);
    }
    for (unsigned k = 0; k < 3; k++) {
        ck_assert_uint_eq(counter(m[k], "audit.violations"), 0);
        ck_assert_uint_eq(counter(m[k], "audit.cross_checks"),
                          counter(m[k], "smr.invalidations"));
        const op_type *inv = ops_find(machine_ops(m[k]), "smr.invalidate");
        uint64_t sum = 0;
        for (unsigned p = 0; p < inv->nparts; p++)
            sum += inv->part_total[p];
        ck_assert_uint_eq(sum, inv->total);
    }
    t->triggers += counter(m[0], "smr.invalidations");
    t->mappings += counter(m[0], "smr.mappings_invalidated");
    for (unsigned k = 0; k < 3; k++) {
        check_tables(m[k], seed, STRAT[k]);
        if (seed % 8 == 0) /* one sequence in 8 (a terminate is a whole-HPT wipe) */
            terminate_all(m[k], seed, STRAT[k], now);
    }
    for (unsigned k = 0; k < 3; k++)
        machine_destroy(m[k]);
}

static uint64_t seq_seed(unsigned i) { return rng_derive(0x5eed000ull, i); }

START_TEST(differential_random_sequences)
{
    diff_totals t = {0};
    const char *one = getenv("SMR_DIFF_SEED");
    if (one) {
        diff_sequence(strtoull(one, NULL, 0), &t);
        return;
    }
    for (unsigned i = 0; i < NSEQ; i++)
        diff_sequence(seq_seed(i), &t);
    /* the sequences exercised what they should (not all error paths) */
    printf("smr diff: %u sequences, %" PRIu64 " ops (%" PRIu64 " errors), %" PRIu64
           " H_ENTERs, %" PRIu64 " triggers, %" PRIu64 " mappings invalidated\n",
           NSEQ, t.ops, t.errors, t.enters, t.triggers, t.mappings);
    ck_assert_uint_gt(t.triggers, NSEQ);
    ck_assert_uint_gt(t.mappings, NSEQ / 2);
    ck_assert_uint_lt(t.errors, t.ops * 3 / 4);
}
END_TEST

/* ---- random audit: a broken strategy is caught at the first miss ------------ */

static int drop_last(void *st, smr_exec *x, const hyp_target *t, hyp_hits *out)
{
    int rc = smr_rmap_ops.find(st, x, t, out);
    if (rc == 0 && out->n)
        out->n--;
    return rc;
}

START_TEST(random_audit_catches_broken_strategy)
{
    unsigned caught = 0, clean = 0;
    for (unsigned i = 0; i < 200; i++) {
        uint64_t seed = seq_seed(100000 + i);
        gen g;
        rng pre;
        rng_seed(&pre, seed ^ 0xd1ffull);
        shape sh = random_shape(&pre);
        machine *good = build(0, &sh), *bad = build(2, &sh);
        gen_init(&g, seed, sh.nlpars, pmb_count(good));
        smr_strategy_ops broken = smr_rmap_ops;
        broken.find = drop_last;
        smr_test_set_ops(hyp_smr(machine_hyp(bad)), &broken);
        uint64_t now = 1000;
        bool flagged = false;
        for (unsigned n = 0; n < 60 && !flagged; n++) {
            sop o;
            gen_next(&g, &o);
            uint64_t rg[8], rb[8];
            uint64_t before = counter(good, "smr.mappings_invalidated");
            long rc = run_op(good, &o, now, rg);
            long rc2 = run_op(bad, &o, now, rb);
            now += 5000;
            sim_err e = {{0}};
            REQUIRE(hyp_check_error(machine_hyp(good), &e) == 0, "seed %" PRIu64 ": %s", seed, e.msg);
            bool missed = counter(good, "smr.mappings_invalidated") > before;
            int err = hyp_check_error(machine_hyp(bad), &e);
            REQUIRE(err == (missed ? -1 : 0),
                          "seed %" PRIu64 " op %u: a trigger %s mappings, auditor %s", seed, n,
                          missed ? "found" : "did not find", err ? e.msg : "silent");
            if (missed) {
                REQUIRE(strstr(e.msg, "strategy rmap found") && strstr(e.msg, "misses LPAR"),
                              "%s", e.msg);
                ck_assert_uint_ge(counter(bad, "audit.violations"), 1);
                flagged = true;
            } else {
                REQUIRE(rc == rc2, "seed %" PRIu64 " op %u: rc %ld vs %ld", seed, n, rc, rc2);
            }
            gen_feedback(&g, &o, rc, rg);
        }
        caught += flagged;
        clean += !flagged;
        machine_destroy(good);
        machine_destroy(bad);
    }
    printf("smr random audit: %u of 200 sequences caught, %u never dropped a hit\n", caught,
           clean);
    ck_assert_uint_gt(caught, 100);
}
END_TEST

static Suite *smr_diff_suite(void)
{
    Suite *s = suite_create("smr_diff");
    TCase *t = tcase_create("differential");
    tcase_set_timeout(t, 300);
    tcase_add_test(t, differential_random_sequences);
    suite_add_tcase(s, t);
    t = tcase_create("random_audit");
    tcase_set_timeout(t, 300);
    tcase_add_test(t, random_audit_catches_broken_strategy);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return tu_run_suite(smr_diff_suite());
}
