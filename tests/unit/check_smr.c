/*
 * check_smr.c - unit tests of sim/hyp/smr (shared memory regions, seed 000)
 * through small whole machines built from a config (1 module, 2 cores, 2
 * SMT threads each: 4 threads; LPARs of 256M with a 256K HPT and no vCPUs):
 *  - every SMR hcall's success path and its error codes, and the H_ENTER
 *    redirection of an attached client page to the shared real page;
 *  - every trigger (unmap, deauthorise, unshare partial and whole, destroy,
 *    terminate of the server and of a client, reclaim of a PMB of one or
 *    two LMBs, pages in a server's second LMB, 64K pages): which HPTEs and
 *    TLB entries go and which survive, one smr.invalidate op per trigger
 *    with parts summing to its total and charged whole to the hcall's
 *    "invalidate" part, memory contents after a reclaim (moved) and a
 *    termination (fresh), the same for all three strategies (loop tests
 *    over the strategy index);
 *  - the auditor: a strategy whose find drops its last hit is caught, with
 *    the missed LPAR and HPTE named; a pass-through copy is not; an HPTE
 *    or a TLB entry never given is caught when its page's sharing ends;
 *  - smr.metadata_bytes per strategy, computed by hand.
 *
 * Layout facts (by hand): the hypervisor needs less than one 256M LMB, so
 * LPAR k's logical 0 is real (k + 1) * 256M and PMB k + 1 (pmb_size 256M)
 * holds it; PMB 0 is the hypervisor's.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hyp/hcall.h"
#include "hyp/smr/smr.h"
#include "hyp/smr/smr_int.h"
#include "machine/machine.h"
#include "mmu/hpt.h"
#include "testutil.h"

#define MB (1ull << 20)
#define LMB (256 * MB)

static const char *const STRAT[3] = {"exhaustive", "export-vector", "rmap"};
static const hpte_attrs RW_M = {.pp = 2, .key = 0, .wimg = 2, .noexec = false, .bolted = false};

/* ---- rig: a small machine ------------------------------------------------ */

typedef struct rig {
    machine *m;
    hyp *h;
    smr *s;
    uint64_t now;
} rig;

static void set(machine_config *c, const char *kv)
{
    sim_err e = {{0}};
    ck_assert_msg(cfg_set(&machine_config_table, c, kv, &e) == 0, "%s: %s", kv, e.msg);
}

/* nlpars LPARs p0.. of 256M with a 256K HPT; `spare` free LMB slots
 * (hypervisor.spare_lmbs, after the LPARs'); extra assignments
 * (NULL-terminated, may be NULL) applied last. */
static void rig_build(rig *r, unsigned strat, unsigned nlpars, unsigned spare,
                      const char *const *extra)
{
    machine_config c;
    sim_err e = {{0}};
    char kv[128];
    ck_assert_int_eq(machine_config_init(&c, &e), 0);
    set(&c, "machine.modules=1");
    set(&c, "machine.cores_per_module=2");
    set(&c, "machine.threads_per_core=2");
    set(&c, "hypervisor.smr.enabled=true");
    snprintf(kv, sizeof kv, "hypervisor.smr.strategy=%s", STRAT[strat]);
    set(&c, kv);
    for (unsigned i = 0; i < nlpars; i++) {
        snprintf(kv, sizeof kv, "lpars[%u].name=p%u", i, i);
        set(&c, kv);
        snprintf(kv, sizeof kv, "lpars[%u].memory=256M", i);
        set(&c, kv);
        snprintf(kv, sizeof kv, "lpars[%u].hpt_size=256K", i);
        set(&c, kv);
    }
    for (unsigned i = 0; extra && extra[i]; i++)
        set(&c, extra[i]);
    snprintf(kv, sizeof kv, "hypervisor.spare_lmbs=%u", spare);
    set(&c, kv);
    r->m = machine_create(&c, NULL, &e);
    ck_assert_msg(r->m != NULL, "machine_create: %s", e.msg);
    machine_config_free(&c);
    r->h = machine_hyp(r->m);
    r->s = hyp_smr(r->h);
    r->now = 1000;
    ck_assert_uint_eq(hyp_lpar_count(r->h), nlpars);
}

static void rig_free(rig *r)
{
    machine_destroy(r->m);
}

static long hcall(rig *r, unsigned lpid, uint64_t op, uint64_t a0, uint64_t a1, uint64_t a2,
                  uint64_t a3, uint64_t *ret0)
{
    uint64_t a[8] = {a0, a1, a2, a3}, rets[8] = {0}, cyc = 0;
    long rc = hyp_hcall(r->h, lpid, 0, r->now, op, a, rets, &cyc);
    r->now += cyc + 10;
    if (ret0)
        *ret0 = rets[0];
    return rc;
}

static uint64_t counter(rig *r, const char *name)
{
    uint64_t x = 0;
    ck_assert_msg(stats_get_counter(machine_stats(r->m), name, &x) == 0, "no counter %s", name);
    return x;
}

static const op_type *inv_op(rig *r)
{
    const op_type *o = ops_find(machine_ops(r->m), "smr.invalidate");
    ck_assert_ptr_nonnull(o);
    return o;
}

/* The breakdown of smr.invalidate (and of every smr.* hcall op) adds up. */
static void check_parts(rig *r, const char *name)
{
    const op_type *o = ops_find(machine_ops(r->m), name);
    ck_assert_ptr_nonnull(o);
    uint64_t sum = 0;
    for (unsigned i = 0; i < o->nparts; i++)
        sum += o->part_total[i];
    ck_assert_msg(sum == o->total, "%s: parts %llu, total %llu", name, (unsigned long long)sum,
                  (unsigned long long)o->total);
}

/* ---- mappings -------------------------------------------------------------- */

typedef struct map {
    unsigned lpid;
    uint64_t vsid, ea, la, ptex, real;
} map;

static uint64_t vsid_of(unsigned lpid) { return 0x5a5a00ull + 0x1111 * lpid; }

/* H_ENTER of logical address la at EA ea (4K base segment, page size ps),
 * primary PTEG, no flags. */
static long enter(rig *r, unsigned lpid, uint64_t ea, uint64_t la, hpt_psize ps, map *out)
{
    const hpt *t = hyp_lpar_hpt(r->h, lpid);
    uint64_t vsid = vsid_of(lpid);
    hpte x = hpte_make(vsid, ea, false, PSZ_4K, ps, la, &RW_M, false);
    uint64_t pteg = hpt_pteg_index(t, hpt_hash(vsid, ea, hpt_psize_shift(ps), false), false);
    uint64_t ptex = 0;
    long rc = hcall(r, lpid, H_ENTER, 0, pteg * 8, x.v, x.r, &ptex);
    if (out) {
        *out = (map){lpid, vsid, ea, la, ptex, UINT64_MAX};
        if (rc == H_SUCCESS) {
            hpte y = hpt_read(t, ptex);
            int p = hpte_decode_psize_any(y.v, y.r);
            ck_assert_int_eq(p, (int)ps);
            out->real = hpte_real_addr(y.r, ps);
        }
    }
    return rc;
}

/* Map 4K page la at ea, expect success and that it maps `real`; put a TLB
 * entry for it into thread (lpid % 4)'s TLB. */
static map map4k(rig *r, unsigned lpid, uint64_t ea, uint64_t la, uint64_t real)
{
    map m;
    ck_assert_int_eq(enter(r, lpid, ea, la, PSZ_4K, &m), H_SUCCESS);
    ck_assert_msg(m.real == real, "LPAR %u la 0x%llx maps 0x%llx, expected 0x%llx", lpid,
                  (unsigned long long)la, (unsigned long long)m.real, (unsigned long long)real);
    tlb *t = machine_thread(r->m, lpid % 4)->tlb;
    tlb_insert(t, lpid, hpte_vpn(m.vsid, ea, 12, false), PSZ_4K, real >> 12, 3);
    return m;
}

static bool hpte_present(rig *r, const map *m)
{
    hpte x = hpt_read(hyp_lpar_hpt(r->h, m->lpid), m->ptex);
    return (x.v & HPTE_V_VALID) && hpte_real_addr(x.r, PSZ_4K) == m->real &&
           x.v == hpte_make(m->vsid, m->ea, false, PSZ_4K, PSZ_4K, 0, &RW_M, false).v;
}

static bool tlb_present(rig *r, const map *m)
{
    uint64_t vpn = hpte_vpn(m->vsid, m->ea, 12, false);
    for (unsigned th = 0; th < machine_threads(r->m); th++) {
        size_t n;
        const tlb_entry *e = tlb_entries(machine_thread(r->m, th)->tlb, &n);
        for (size_t i = 0; i < n; i++)
            if (e[i].ctx == tlb_make_ctx(m->lpid, PSZ_4K) && e[i].vpn == vpn)
                return true;
    }
    return false;
}

#define ALIVE(r, m) ck_assert_msg(hpte_present(r, &(m)) && tlb_present(r, &(m)), \
                                  "%s: mapping %s should survive", STRAT[_i], #m)
#define GONE(r, m) ck_assert_msg(!hpte_present(r, &(m)) && !tlb_present(r, &(m)), \
                                 "%s: mapping %s should be gone", STRAT[_i], #m)

/* No valid HPTE of any LPAR maps [base, base + len). */
static void nothing_maps(rig *r, uint64_t base, uint64_t len)
{
    for (unsigned l = 0; l < hyp_lpar_count(r->h); l++) {
        const hpt *t = hyp_lpar_hpt(r->h, l);
        for (uint64_t p = 0; p < t->npteg * 8; p++) {
            hpte x = hpt_read(t, p);
            if (!(x.v & HPTE_V_VALID))
                continue;
            uint64_t ra = hpte_real_addr(x.r, (hpt_psize)hpte_decode_psize_any(x.v, x.r));
            ck_assert_msg(ra - base >= len, "LPAR %u HPTE 0x%llx still maps 0x%llx", l,
                          (unsigned long long)p, (unsigned long long)ra);
        }
    }
}

/* ---- the standard scenario -------------------------------------------------
 * LPAR 0 (server S) creates SMR `id` of 4K pages and adds its logical pages
 * 0x100000..0x103000 (indices 0..3), maps them itself, authorises LPARs 1
 * (A) and 2 (B). A attaches index 0 at 0x200000 and index 1 at 0x201000, B
 * index 0 at 0x300000; each maps them with H_ENTER. A maps its own page
 * 0x400000, LPAR 3 (C, bystander) its own 0x500000. Each mapping has a TLB
 * entry. */
typedef struct scen {
    rig r;
    uint64_t id;
    uint64_t real[4];
    map srv[4], a0, a1, b0, aown, cown;
    uint64_t inv0, det0;
} scen;

#define EA(k) (0x10000000ull + 0x1000ull * (k))

static void scen_setup(scen *sc, unsigned strat, unsigned spare, const char *const *extra)
{
    rig *r = &sc->r;
    rig_build(r, strat, 4, spare, extra);
    uint64_t first = 99;
    ck_assert_int_eq(hcall(r, 0, H_SMR_CREATE, 12, 0, 0, 0, &sc->id), H_SUCCESS);
    ck_assert_uint_eq(sc->id, 0);
    ck_assert_int_eq(hcall(r, 0, H_SMR_ADD, sc->id, 0x100000, 4, 0, &first), H_SUCCESS);
    ck_assert_uint_eq(first, 0);
    for (unsigned i = 0; i < 4; i++) {
        sc->real[i] = smr_page_real(r->s, sc->id, i);
        /* S's logical 0x100000 is real 256M + 0x100000 */
        ck_assert_uint_eq(sc->real[i], LMB + 0x100000 + 0x1000 * i);
        sc->srv[i] = map4k(r, 0, EA(i), 0x100000 + 0x1000 * i, sc->real[i]);
    }
    ck_assert_int_eq(hcall(r, 0, H_SMR_AUTHORIZE, sc->id, 1, 0, 0, NULL), H_SUCCESS);
    ck_assert_int_eq(hcall(r, 0, H_SMR_AUTHORIZE, sc->id, 2, 0, 0, NULL), H_SUCCESS);
    ck_assert_int_eq(hcall(r, 1, H_SMR_MAP, sc->id, 0, 0x200000, 0, NULL), H_SUCCESS);
    ck_assert_int_eq(hcall(r, 1, H_SMR_MAP, sc->id, 1, 0x201000, 0, NULL), H_SUCCESS);
    ck_assert_int_eq(hcall(r, 2, H_SMR_MAP, sc->id, 0, 0x300000, 0, NULL), H_SUCCESS);
    sc->a0 = map4k(r, 1, EA(10), 0x200000, sc->real[0]);
    sc->a1 = map4k(r, 1, EA(11), 0x201000, sc->real[1]);
    sc->b0 = map4k(r, 2, EA(20), 0x300000, sc->real[0]);
    sc->aown = map4k(r, 1, EA(12), 0x400000, 2 * LMB + 0x400000);
    sc->cown = map4k(r, 3, EA(30), 0x500000, 4 * LMB + 0x500000);
    sc->inv0 = inv_op(r)->count;
    sc->det0 = counter(r, "smr.detaches");
    ck_assert_uint_eq(sc->inv0, 0);
    ck_assert_uint_eq(counter(r, "smr.attaches"), 3);
}

/* Every smr.invalidate is charged, whole, to the "invalidate" part of the
 * hcall that triggered it. */
static void check_inv_charged(rig *r)
{
    static const char *const trig[] = {"smr.unmap", "smr.deauthorize", "smr.unshare",
                                       "smr.destroy", "smr.terminate", "smr.reclaim"};
    uint64_t sum = 0;
    for (unsigned i = 0; i < 6; i++) {
        const op_type *o = ops_find(machine_ops(r->m), trig[i]);
        ck_assert_ptr_nonnull(o);
        ck_assert_uint_eq(o->nparts, 5);
        ck_assert_str_eq(o->part_name[4], "invalidate");
        sum += o->part_total[4];
        check_parts(r, trig[i]);
    }
    ck_assert_uint_eq(sum, inv_op(r)->total);
    ck_assert_uint_gt(sum, 0);
}

/* After a trigger: exactly one more smr.invalidate, parts adding up, no
 * auditor complaint. */
static void one_more_inv(scen *sc, uint64_t mappings)
{
    ck_assert_uint_eq(inv_op(&sc->r)->count, sc->inv0 + 1);
    ck_assert_uint_eq(counter(&sc->r, "smr.invalidations"), sc->inv0 + 1);
    ck_assert_uint_eq(counter(&sc->r, "smr.mappings_invalidated"), mappings);
    check_parts(&sc->r, "smr.invalidate");
    check_inv_charged(&sc->r);
    sim_err e = {{0}};
    ck_assert_msg(hyp_check_error(sc->r.h, &e) == 0, "%s", e.msg);
}

/* ---- hcalls: success paths ------------------------------------------------ */

START_TEST(success_paths)
{
    rig r;
    rig_build(&r, (unsigned)_i, 3, 0, NULL);
    uint64_t id0, id1, id2, first = 99;
    ck_assert_uint_eq(smr_capacity(r.s), 256 * 64);
    /* LPAR 0 takes server slot 0 (ids 0..255), LPAR 1 slot 1 (256..) */
    ck_assert_int_eq(hcall(&r, 0, H_SMR_CREATE, 12, 0, 0, 0, &id0), H_SUCCESS);
    ck_assert_int_eq(hcall(&r, 0, H_SMR_CREATE, 16, 0, 0, 0, &id1), H_SUCCESS);
    ck_assert_int_eq(hcall(&r, 1, H_SMR_CREATE, 24, 0, 0, 0, &id2), H_SUCCESS);
    ck_assert_uint_eq(id0, 0);
    ck_assert_uint_eq(id1, 1);
    ck_assert_uint_eq(id2, 256);
    ck_assert(smr_is_active(r.s, 0) && smr_is_active(r.s, 1) && smr_is_active(r.s, 256));
    ck_assert(!smr_is_active(r.s, 2));
    ck_assert_uint_eq(smr_server_of(r.s, 1), 0);
    ck_assert_uint_eq(smr_server_of(r.s, 256), 1);
    /* pages: indices handed out in order */
    ck_assert_int_eq(hcall(&r, 0, H_SMR_ADD, 0, 0x10000, 3, 0, &first), H_SUCCESS);
    ck_assert_uint_eq(first, 0);
    ck_assert_int_eq(hcall(&r, 0, H_SMR_ADD, 0, 0x20000, 2, 0, &first), H_SUCCESS);
    ck_assert_uint_eq(first, 3);
    ck_assert_int_eq(hcall(&r, 0, H_SMR_ADD, 1, 0x30000, 2, 0, &first), H_SUCCESS);
    ck_assert_uint_eq(first, 0);
    ck_assert_uint_eq(smr_page_count(r.s, 0), 5);
    ck_assert_uint_eq(smr_page_real(r.s, 0, 2), LMB + 0x12000);
    ck_assert_uint_eq(smr_page_real(r.s, 0, 4), LMB + 0x21000);
    ck_assert_uint_eq(smr_page_real(r.s, 1, 1), LMB + 0x40000); /* 64K pages */
    ck_assert_uint_eq(smr_page_real(r.s, 0, 5), UINT64_MAX);
    ck_assert_uint_eq(counter(&r, "smr.created"), 3);
    ck_assert_uint_eq(counter(&r, "smr.pages_shared"), 7);
    /* authorisation */
    ck_assert_int_eq(hcall(&r, 0, H_SMR_AUTHORIZE, 0, 2, 0, 0, NULL), H_SUCCESS);
    ck_assert_int_eq(hcall(&r, 0, H_SMR_AUTHORIZE, 0, 2, 0, 0, NULL), H_SUCCESS); /* idempotent */
    ck_assert(smr_is_authorized(r.s, 0, 2));
    ck_assert(!smr_is_authorized(r.s, 0, 1));
    ck_assert(!smr_is_authorized(r.s, 1, 2));
    /* map: LPAR 2 attaches its la 0x800000 to page 4; H_ENTER of that la
     * maps the shared real page, the next la its own (LPAR 2: real 3 x 256M) */
    ck_assert_int_eq(hcall(&r, 2, H_SMR_MAP, 0, 4, 0x800000, 0, NULL), H_SUCCESS);
    map m, own, big;
    ck_assert_int_eq(enter(&r, 2, EA(1), 0x800000, PSZ_4K, &m), H_SUCCESS);
    ck_assert_uint_eq(m.real, smr_page_real(r.s, 0, 4));
    ck_assert_uint_eq(m.real, LMB + 0x21000);
    ck_assert_int_eq(enter(&r, 2, EA(2), 0x801000, PSZ_4K, &own), H_SUCCESS);
    ck_assert_uint_eq(own.real, 3 * LMB + 0x801000);
    /* the HPTE keeps the guest's bits; only the RPN is the shared page */
    hpte x = hpt_read(hyp_lpar_hpt(r.h, 2), m.ptex);
    hpte want = hpte_make(m.vsid, m.ea, false, PSZ_4K, PSZ_4K, LMB + 0x21000, &RW_M, false);
    ck_assert_uint_eq(x.v, want.v);
    ck_assert_uint_eq(x.r, want.r);
    /* 64K pages: the entry must be of the SMR's page size */
    ck_assert_int_eq(hcall(&r, 0, H_SMR_AUTHORIZE, 1, 2, 0, 0, NULL), H_SUCCESS);
    ck_assert_int_eq(hcall(&r, 2, H_SMR_MAP, 1, 1, 0x900000, 0, NULL), H_SUCCESS);
    ck_assert_int_eq(enter(&r, 2, 0x20000000, 0x900000, PSZ_64K, &big), H_SUCCESS);
    ck_assert_uint_eq(big.real, LMB + 0x40000);
    ck_assert_int_eq(enter(&r, 2, EA(3), 0x900000, PSZ_4K, NULL), H_PARAMETER);
    ck_assert_uint_eq(counter(&r, "smr.attaches"), 2);
    /* unmap: the mapping goes, a second unmap finds nothing */
    ck_assert_int_eq(hcall(&r, 2, H_SMR_UNMAP, 0x800000, 0, 0, 0, NULL), H_SUCCESS);
    ck_assert(!(hpt_read(hyp_lpar_hpt(r.h, 2), m.ptex).v & HPTE_V_VALID));
    ck_assert(hpt_read(hyp_lpar_hpt(r.h, 2), own.ptex).v & HPTE_V_VALID);
    ck_assert(hpt_read(hyp_lpar_hpt(r.h, 2), big.ptex).v & HPTE_V_VALID);
    ck_assert_int_eq(hcall(&r, 2, H_SMR_UNMAP, 0x800000, 0, 0, 0, NULL), H_NOT_FOUND);
    ck_assert_uint_eq(counter(&r, "smr.detaches"), 1);
    /* every smr op's breakdown adds up */
    static const char *const ops[] = {"smr.create", "smr.add", "smr.authorize", "smr.map",
                                      "smr.unmap", "smr.invalidate"};
    for (unsigned i = 0; i < 6; i++) {
        ck_assert_uint_gt(ops_find(machine_ops(r.m), ops[i])->count, 0);
        check_parts(&r, ops[i]);
    }
    rig_free(&r);
}
END_TEST

/* ---- hcalls: errors --------------------------------------------------------- */

START_TEST(create_errors)
{
    rig r;
    static const char *const lim[] = {"hypervisor.smr.max_per_server=64", NULL};
    rig_build(&r, 0, 2, 0, lim);
    uint64_t id = 0;
    ck_assert_int_eq(hcall(&r, 0, H_SMR_CREATE, 13, 0, 0, 0, NULL), H_PARAMETER);
    ck_assert_int_eq(hcall(&r, 0, H_SMR_CREATE, 0, 0, 0, 0, NULL), H_PARAMETER);
    ck_assert_int_eq(hcall(&r, 0, H_SMR_CREATE, 20, 0, 0, 0, NULL), H_PARAMETER);
    for (uint64_t i = 0; i < 64; i++) {
        ck_assert_int_eq(hcall(&r, 0, H_SMR_CREATE, 12, 0, 0, 0, &id), H_SUCCESS);
        ck_assert_uint_eq(id, i);
    }
    ck_assert_int_eq(hcall(&r, 0, H_SMR_CREATE, 12, 0, 0, 0, NULL), H_RESOURCE);
    /* another server has its own 64 */
    ck_assert_int_eq(hcall(&r, 1, H_SMR_CREATE, 12, 0, 0, 0, &id), H_SUCCESS);
    ck_assert_uint_eq(id, 64);
    /* a destroyed id is reused */
    ck_assert_int_eq(hcall(&r, 0, H_SMR_DESTROY, 17, 0, 0, 0, NULL), H_SUCCESS);
    ck_assert_int_eq(hcall(&r, 0, H_SMR_CREATE, 12, 0, 0, 0, &id), H_SUCCESS);
    ck_assert_uint_eq(id, 17);
    ck_assert_uint_eq(counter(&r, "smr.created"), 66);
    rig_free(&r);

    static const char *const one[] = {"hypervisor.smr.max_servers=1", NULL};
    rig_build(&r, 0, 3, 0, one);
    ck_assert_uint_eq(smr_capacity(r.s), 256);
    ck_assert_int_eq(hcall(&r, 0, H_SMR_CREATE, 12, 0, 0, 0, &id), H_SUCCESS);
    ck_assert_int_eq(hcall(&r, 1, H_SMR_CREATE, 12, 0, 0, 0, NULL), H_RESOURCE);
    /* destroying its SMRs does not free the slot; terminating the server does */
    ck_assert_int_eq(hcall(&r, 0, H_SMR_DESTROY, id, 0, 0, 0, NULL), H_SUCCESS);
    ck_assert_int_eq(hcall(&r, 1, H_SMR_CREATE, 12, 0, 0, 0, NULL), H_RESOURCE);
    ck_assert_int_eq(hcall(&r, 2, H_SMR_TERMINATE, 0, 0, 0, 0, NULL), H_SUCCESS);
    ck_assert_int_eq(hcall(&r, 1, H_SMR_CREATE, 12, 0, 0, 0, &id), H_SUCCESS);
    ck_assert_uint_eq(id, 0);
    ck_assert_uint_eq(smr_server_of(r.s, 0), 1);
    rig_free(&r);
}
END_TEST

START_TEST(unknown_smr)
{
    rig r;
    rig_build(&r, 1, 2, 0, NULL);
    uint64_t id;
    ck_assert_int_eq(hcall(&r, 0, H_SMR_CREATE, 12, 0, 0, 0, &id), H_SUCCESS);
    ck_assert_int_eq(hcall(&r, 0, H_SMR_ADD, id, 0, 1, 0, NULL), H_SUCCESS);
    ck_assert_int_eq(hcall(&r, 0, H_SMR_CREATE, 12, 0, 0, 0, &id), H_SUCCESS);
    ck_assert_uint_eq(id, 1);
    ck_assert_int_eq(hcall(&r, 0, H_SMR_DESTROY, 1, 0, 0, 0, NULL), H_SUCCESS);
    ck_assert(!smr_is_active(r.s, 1));
    /* never created (5), destroyed (1), beyond capacity (16384, 2^40, ~0) */
    const uint64_t ids[] = {5, 1, 16384, 1ull << 40, UINT64_MAX};
    for (unsigned k = 0; k < 5; k++) {
        uint64_t i = ids[k];
        ck_assert_int_eq(hcall(&r, 0, H_SMR_ADD, i, 0x1000, 1, 0, NULL), H_NOT_FOUND);
        ck_assert_int_eq(hcall(&r, 0, H_SMR_AUTHORIZE, i, 1, 0, 0, NULL), H_NOT_FOUND);
        ck_assert_int_eq(hcall(&r, 0, H_SMR_DEAUTHORIZE, i, 1, 0, 0, NULL), H_NOT_FOUND);
        ck_assert_int_eq(hcall(&r, 1, H_SMR_MAP, i, 0, 0x1000, 0, NULL), H_NOT_FOUND);
        ck_assert_int_eq(hcall(&r, 0, H_SMR_UNSHARE, i, 0, 0, 0, NULL), H_NOT_FOUND);
        ck_assert_int_eq(hcall(&r, 0, H_SMR_DESTROY, i, 0, 0, 0, NULL), H_NOT_FOUND);
    }
    ck_assert_uint_eq(smr_server_of(r.s, 5), UINT32_MAX);
    ck_assert_uint_eq(smr_page_real(r.s, 16384, 0), UINT64_MAX);
    ck_assert_uint_eq(inv_op(&r)->count, 1); /* only the destroy */
    rig_free(&r);
}
END_TEST

START_TEST(not_the_server)
{
    rig r;
    rig_build(&r, 2, 3, 0, NULL);
    uint64_t id;
    ck_assert_int_eq(hcall(&r, 0, H_SMR_CREATE, 12, 0, 0, 0, &id), H_SUCCESS);
    ck_assert_int_eq(hcall(&r, 0, H_SMR_ADD, id, 0x1000, 2, 0, NULL), H_SUCCESS);
    ck_assert_int_eq(hcall(&r, 0, H_SMR_AUTHORIZE, id, 1, 0, 0, NULL), H_SUCCESS);
    /* LPAR 1 (an authorised client) and LPAR 2 (a stranger) */
    for (unsigned l = 1; l <= 2; l++) {
        ck_assert_int_eq(hcall(&r, l, H_SMR_ADD, id, 0x5000, 1, 0, NULL), H_PRIVILEGE);
        ck_assert_int_eq(hcall(&r, l, H_SMR_AUTHORIZE, id, 2, 0, 0, NULL), H_PRIVILEGE);
        ck_assert_int_eq(hcall(&r, l, H_SMR_DEAUTHORIZE, id, 1, 0, 0, NULL), H_PRIVILEGE);
        ck_assert_int_eq(hcall(&r, l, H_SMR_UNSHARE, id, 0, 0, 0, NULL), H_PRIVILEGE);
        ck_assert_int_eq(hcall(&r, l, H_SMR_DESTROY, id, 0, 0, 0, NULL), H_PRIVILEGE);
    }
    ck_assert(smr_is_active(r.s, id));
    ck_assert_uint_eq(smr_page_count(r.s, id), 2);
    ck_assert(smr_is_authorized(r.s, id, 1));
    ck_assert(!smr_is_authorized(r.s, id, 2));
    ck_assert_uint_eq(inv_op(&r)->count, 0);
    rig_free(&r);
}
END_TEST

START_TEST(unauthorised_client)
{
    rig r;
    rig_build(&r, 0, 3, 0, NULL);
    uint64_t id;
    ck_assert_int_eq(hcall(&r, 0, H_SMR_CREATE, 12, 0, 0, 0, &id), H_SUCCESS);
    ck_assert_int_eq(hcall(&r, 0, H_SMR_ADD, id, 0x1000, 2, 0, NULL), H_SUCCESS);
    ck_assert_int_eq(hcall(&r, 0, H_SMR_AUTHORIZE, id, 1, 0, 0, NULL), H_SUCCESS);
    ck_assert_int_eq(hcall(&r, 2, H_SMR_MAP, id, 0, 0x7000, 0, NULL), H_PRIVILEGE);
    ck_assert_uint_eq(counter(&r, "smr.attaches"), 0);
    /* its H_ENTER of that la maps its own page (LPAR 2: real 3 x 256M) */
    map m;
    ck_assert_int_eq(enter(&r, 2, EA(1), 0x7000, PSZ_4K, &m), H_SUCCESS);
    ck_assert_uint_eq(m.real, 3 * LMB + 0x7000);
    /* a logical address outside its memory is refused */
    ck_assert_int_eq(enter(&r, 2, EA(2), LMB, PSZ_4K, NULL), H_PARAMETER);
    /* after deauthorisation the client's la is its own again */
    ck_assert_int_eq(hcall(&r, 1, H_SMR_MAP, id, 1, 0x9000, 0, NULL), H_SUCCESS);
    ck_assert_int_eq(enter(&r, 1, EA(3), 0x9000, PSZ_4K, &m), H_SUCCESS);
    ck_assert_uint_eq(m.real, LMB + 0x2000);
    ck_assert_int_eq(hcall(&r, 0, H_SMR_DEAUTHORIZE, id, 1, 0, 0, NULL), H_SUCCESS);
    ck_assert_int_eq(hcall(&r, 1, H_SMR_MAP, id, 1, 0x9000, 0, NULL), H_PRIVILEGE);
    ck_assert_int_eq(enter(&r, 1, EA(4), 0x9000, PSZ_4K, &m), H_SUCCESS);
    ck_assert_uint_eq(m.real, 2 * LMB + 0x9000);
    /* deauthorising a client that is not authorised */
    ck_assert_int_eq(hcall(&r, 0, H_SMR_DEAUTHORIZE, id, 1, 0, 0, NULL), H_NOT_FOUND);
    ck_assert_int_eq(hcall(&r, 0, H_SMR_DEAUTHORIZE, id, 2, 0, 0, NULL), H_NOT_FOUND);
    /* authorising oneself or a missing LPAR */
    ck_assert_int_eq(hcall(&r, 0, H_SMR_AUTHORIZE, id, 0, 0, 0, NULL), H_PARAMETER);
    ck_assert_int_eq(hcall(&r, 0, H_SMR_AUTHORIZE, id, 3, 0, 0, NULL), H_PARAMETER);
    ck_assert_int_eq(hcall(&r, 0, H_SMR_DEAUTHORIZE, id, 7, 0, 0, NULL), H_PARAMETER);
    rig_free(&r);
}
END_TEST

START_TEST(double_map)
{
    rig r;
    rig_build(&r, 1, 3, 0, NULL);
    uint64_t id, id2;
    ck_assert_int_eq(hcall(&r, 0, H_SMR_CREATE, 12, 0, 0, 0, &id), H_SUCCESS);
    ck_assert_int_eq(hcall(&r, 0, H_SMR_ADD, id, 0x1000, 3, 0, NULL), H_SUCCESS);
    ck_assert_int_eq(hcall(&r, 0, H_SMR_AUTHORIZE, id, 1, 0, 0, NULL), H_SUCCESS);
    ck_assert_int_eq(hcall(&r, 1, H_SMR_MAP, id, 0, 0x200000, 0, NULL), H_SUCCESS);
    /* same la again (other page), same page at another la */
    ck_assert_int_eq(hcall(&r, 1, H_SMR_MAP, id, 1, 0x200000, 0, NULL), H_PARAMETER);
    ck_assert_int_eq(hcall(&r, 1, H_SMR_MAP, id, 0, 0x200000, 0, NULL), H_PARAMETER);
    ck_assert_int_eq(hcall(&r, 1, H_SMR_MAP, id, 0, 0x201000, 0, NULL), H_PARAMETER);
    ck_assert_uint_eq(counter(&r, "smr.attaches"), 1);
    /* misaligned la, la outside its memory, the server mapping its own SMR */
    ck_assert_int_eq(hcall(&r, 1, H_SMR_MAP, id, 1, 0x201800, 0, NULL), H_PARAMETER);
    ck_assert_int_eq(hcall(&r, 1, H_SMR_MAP, id, 1, LMB, 0, NULL), H_PARAMETER);
    ck_assert_int_eq(hcall(&r, 0, H_SMR_MAP, id, 1, 0x9000, 0, NULL), H_PARAMETER);
    /* a client cannot attach a page it shares itself */
    ck_assert_int_eq(hcall(&r, 1, H_SMR_CREATE, 12, 0, 0, 0, &id2), H_SUCCESS);
    ck_assert_int_eq(hcall(&r, 1, H_SMR_ADD, id2, 0x300000, 1, 0, NULL), H_SUCCESS);
    ck_assert_int_eq(hcall(&r, 1, H_SMR_MAP, id, 1, 0x300000, 0, NULL), H_PARAMETER);
    /* nor share a page it has attached */
    ck_assert_int_eq(hcall(&r, 1, H_SMR_ADD, id2, 0x200000, 1, 0, NULL), H_PARAMETER);
    /* a map after unmap works again */
    ck_assert_int_eq(hcall(&r, 1, H_SMR_UNMAP, 0x200000, 0, 0, 0, NULL), H_SUCCESS);
    ck_assert_int_eq(hcall(&r, 1, H_SMR_MAP, id, 0, 0x201000, 0, NULL), H_SUCCESS);
    ck_assert_int_eq(hcall(&r, 1, H_SMR_UNMAP, 0x200000, 0, 0, 0, NULL), H_NOT_FOUND);
    ck_assert_int_eq(hcall(&r, 2, H_SMR_UNMAP, 0x201000, 0, 0, 0, NULL), H_NOT_FOUND);
    ck_assert_uint_eq(counter(&r, "smr.attaches"), 2);
    rig_free(&r);
}
END_TEST

START_TEST(add_errors)
{
    rig r;
    static const char *const lim[] = {"hypervisor.smr.max_pages=4", NULL};
    rig_build(&r, 2, 2, 0, lim);
    uint64_t id, id2, first;
    ck_assert_int_eq(hcall(&r, 0, H_SMR_CREATE, 12, 0, 0, 0, &id), H_SUCCESS);
    ck_assert_int_eq(hcall(&r, 0, H_SMR_CREATE, 16, 0, 0, 0, &id2), H_SUCCESS);
    ck_assert_int_eq(hcall(&r, 0, H_SMR_ADD, id, 0x10000, 3, 0, &first), H_SUCCESS);
    /* already in this SMR, in part, or in another SMR (a 64K page holding it) */
    ck_assert_int_eq(hcall(&r, 0, H_SMR_ADD, id, 0x11000, 1, 0, NULL), H_PARAMETER);
    ck_assert_int_eq(hcall(&r, 0, H_SMR_ADD, id2, 0x10000, 1, 0, NULL), H_PARAMETER);
    ck_assert_int_eq(hcall(&r, 0, H_SMR_ADD, id2, 0x0, 2, 0, NULL), H_PARAMETER);
    ck_assert_int_eq(hcall(&r, 0, H_SMR_ADD, id, 0xf000, 1, 0, &first), H_SUCCESS);
    ck_assert_uint_eq(first, 3);
    ck_assert_uint_eq(smr_page_count(r.s, id2), 0);
    /* max_pages = 4: the SMR is full */
    ck_assert_uint_eq(smr_page_count(r.s, id), 4);
    ck_assert_int_eq(hcall(&r, 0, H_SMR_ADD, id, 0x20000, 1, 0, NULL), H_RESOURCE);
    ck_assert_int_eq(hcall(&r, 0, H_SMR_ADD, id2, 0x20000, 5, 0, NULL), H_RESOURCE);
    /* bad arguments */
    ck_assert_int_eq(hcall(&r, 0, H_SMR_ADD, id2, 0x20000, 0, 0, NULL), H_PARAMETER);
    ck_assert_int_eq(hcall(&r, 0, H_SMR_ADD, id2, 0x21000, 1, 0, NULL), H_PARAMETER);
    ck_assert_int_eq(hcall(&r, 0, H_SMR_ADD, id2, LMB - 0x10000, 2, 0, NULL), H_PARAMETER);
    ck_assert_int_eq(hcall(&r, 0, H_SMR_ADD, id2, LMB, 1, 0, NULL), H_PARAMETER);
    /* a hole left by an unshare is reused */
    ck_assert_int_eq(hcall(&r, 0, H_SMR_UNSHARE, id, 1, 1, 0, NULL), H_SUCCESS);
    ck_assert_uint_eq(smr_page_real(r.s, id, 1), UINT64_MAX);
    ck_assert_int_eq(hcall(&r, 0, H_SMR_ADD, id, 0x11000, 2, 0, NULL), H_RESOURCE);
    ck_assert_int_eq(hcall(&r, 0, H_SMR_ADD, id, 0x30000, 1, 0, &first), H_SUCCESS);
    ck_assert_uint_eq(first, 1);
    ck_assert_uint_eq(smr_page_real(r.s, id, 1), LMB + 0x30000);
    /* unshare bounds */
    ck_assert_int_eq(hcall(&r, 0, H_SMR_UNSHARE, id, 4, 0, 0, NULL), H_PARAMETER);
    ck_assert_int_eq(hcall(&r, 0, H_SMR_UNSHARE, id, 2, 3, 0, NULL), H_PARAMETER);
    ck_assert_int_eq(hcall(&r, 0, H_SMR_UNSHARE, id2, 0, 0, 0, NULL), H_PARAMETER);
    rig_free(&r);
}
END_TEST

START_TEST(removed_page_and_platform_errors)
{
    rig r;
    rig_build(&r, 0, 2, 0, NULL);
    uint64_t id, pmbs;
    ck_assert_int_eq(hcall(&r, 0, H_SMR_CREATE, 12, 0, 0, 0, &id), H_SUCCESS);
    ck_assert_int_eq(hcall(&r, 0, H_SMR_ADD, id, 0x1000, 3, 0, NULL), H_SUCCESS);
    ck_assert_int_eq(hcall(&r, 0, H_SMR_AUTHORIZE, id, 1, 0, 0, NULL), H_SUCCESS);
    ck_assert_int_eq(hcall(&r, 0, H_SMR_UNSHARE, id, 2, 1, 0, NULL), H_SUCCESS);
    ck_assert_int_eq(hcall(&r, 1, H_SMR_MAP, id, 2, 0x5000, 0, NULL), H_NOT_FOUND);
    ck_assert_int_eq(hcall(&r, 1, H_SMR_MAP, id, 3, 0x5000, 0, NULL), H_NOT_FOUND);
    ck_assert_int_eq(hcall(&r, 1, H_SMR_MAP, id, 1, 0x5000, 0, NULL), H_SUCCESS);
    ck_assert_int_eq(hcall(&r, 1, H_SMR_UNMAP, 0x6000, 0, 0, 0, NULL), H_NOT_FOUND);
    /* platform: no such LPAR; the hypervisor's PMB; no such PMB; no free
     * slot to move to (no spare LMBs): 3 PMBs of 256M */
    ck_assert_int_eq(hcall(&r, 0, H_SMR_TERMINATE, 2, 0, 0, 0, NULL), H_PARAMETER);
    pmbs = 3;
    ck_assert_int_eq(hcall(&r, 0, H_SMR_RECLAIM, 0, 0, 0, 0, NULL), H_PARAMETER);
    ck_assert_int_eq(hcall(&r, 0, H_SMR_RECLAIM, pmbs, 0, 0, 0, NULL), H_PARAMETER);
    ck_assert_int_eq(hcall(&r, 0, H_SMR_RECLAIM, 1, 0, 0, 0, NULL), H_RESOURCE);
    ck_assert_int_eq(hcall(&r, 0, H_SMR_RECLAIM, 2, 0, 0, 0, NULL), H_RESOURCE);
    ck_assert_uint_eq(smr_page_real(r.s, id, 0), LMB + 0x1000);
    ck_assert_uint_eq(inv_op(&r)->count, 1); /* the unshare only */
    rig_free(&r);
}
END_TEST

/* H_SMR_UNMAP of a logical address beyond the caller's memory: refused, and
 * above all it must not reach another LPAR's attachment (attachment keys
 * pack lpid and page number: an address of 2^52 or 2^56 and more would
 * spill into the lpid bits). */
START_TEST(unmap_outside_memory)
{
    rig r;
    rig_build(&r, 2, 3, 0, NULL);
    uint64_t id;
    ck_assert_int_eq(hcall(&r, 0, H_SMR_CREATE, 12, 0, 0, 0, &id), H_SUCCESS);
    ck_assert_int_eq(hcall(&r, 0, H_SMR_ADD, id, 0x1000, 1, 0, NULL), H_SUCCESS);
    ck_assert_int_eq(hcall(&r, 0, H_SMR_AUTHORIZE, id, 1, 0, 0, NULL), H_SUCCESS);
    ck_assert_int_eq(hcall(&r, 1, H_SMR_MAP, id, 0, 0x200000, 0, NULL), H_SUCCESS);
    map m = map4k(&r, 1, EA(1), 0x200000, LMB + 0x1000);
    const uint64_t bad[] = {LMB, (1ull << 52) | 0x200000, (1ull << 56) | 0x200000,
                            (1ull << 57) | 0x200000, UINT64_MAX};
    for (unsigned l = 0; l < 3; l += 2)
        for (unsigned k = 0; k < 5; k++)
            ck_assert_int_eq(hcall(&r, l, H_SMR_UNMAP, bad[k], 0, 0, 0, NULL), H_PARAMETER);
    ck_assert(smr_attached(r.s, 1, 0x200000));
    ck_assert(hpte_present(&r, &m) && tlb_present(&r, &m));
    ck_assert_uint_eq(counter(&r, "smr.detaches"), 0);
    ck_assert_uint_eq(inv_op(&r)->count, 0);
    /* the owner's own unmap still works */
    ck_assert_int_eq(hcall(&r, 1, H_SMR_UNMAP, 0x200000, 0, 0, 0, NULL), H_SUCCESS);
    ck_assert(!smr_attached(r.s, 1, 0x200000));
    ck_assert(!hpte_present(&r, &m) && !tlb_present(&r, &m));
    rig_free(&r);
}
END_TEST

static void add_hcall_tests(TCase *t)
{
    tcase_add_loop_test(t, success_paths, 0, 3);
    tcase_add_test(t, create_errors);
    tcase_add_test(t, unknown_smr);
    tcase_add_test(t, not_the_server);
    tcase_add_test(t, unauthorised_client);
    tcase_add_test(t, double_map);
    tcase_add_test(t, add_errors);
    tcase_add_test(t, removed_page_and_platform_errors);
    tcase_add_test(t, unmap_outside_memory);
}
/* ---- triggers (loop index = strategy) ----------------------------------- */

START_TEST(trig_unmap)
{
    scen sc;
    scen_setup(&sc, (unsigned)_i, 0, NULL);
    rig *r = &sc.r;
    /* A maps the same attached page a second time (another EA) */
    map a0b = map4k(r, 1, EA(13), 0x200000, sc.real[0]);
    ck_assert_int_eq(hcall(r, 1, H_SMR_UNMAP, 0x200000, 0, 0, 0, NULL), H_SUCCESS);
    one_more_inv(&sc, 2);
    GONE(r, sc.a0);
    GONE(r, a0b);
    ALIVE(r, sc.a1);
    ALIVE(r, sc.b0);
    ALIVE(r, sc.aown);
    ALIVE(r, sc.cown);
    for (unsigned i = 0; i < 4; i++)
        ALIVE(r, sc.srv[i]);
    ck_assert_uint_eq(counter(r, "smr.detaches"), sc.det0 + 1);
    /* the la is A's own page again */
    map m;
    ck_assert_int_eq(enter(r, 1, EA(14), 0x200000, PSZ_4K, &m), H_SUCCESS);
    ck_assert_uint_eq(m.real, 2 * LMB + 0x200000);
    /* and may be attached again */
    ck_assert_int_eq(hcall(r, 1, H_SMR_MAP, sc.id, 2, 0x200000, 0, NULL), H_SUCCESS);
    rig_free(r);
}
END_TEST

START_TEST(trig_deauthorize)
{
    scen sc;
    scen_setup(&sc, (unsigned)_i, 0, NULL);
    rig *r = &sc.r;
    ck_assert_int_eq(hcall(r, 0, H_SMR_DEAUTHORIZE, sc.id, 1, 0, 0, NULL), H_SUCCESS);
    one_more_inv(&sc, 2);
    GONE(r, sc.a0);
    GONE(r, sc.a1);
    ALIVE(r, sc.b0);
    ALIVE(r, sc.aown);
    ALIVE(r, sc.cown);
    for (unsigned i = 0; i < 4; i++)
        ALIVE(r, sc.srv[i]);
    ck_assert(!smr_is_authorized(r->s, sc.id, 1));
    ck_assert(smr_is_authorized(r->s, sc.id, 2));
    ck_assert_uint_eq(counter(r, "smr.detaches"), sc.det0 + 2);
    ck_assert_int_eq(hcall(r, 1, H_SMR_MAP, sc.id, 2, 0x202000, 0, NULL), H_PRIVILEGE);
    ck_assert_int_eq(hcall(r, 1, H_SMR_UNMAP, 0x200000, 0, 0, 0, NULL), H_NOT_FOUND);
    /* re-authorised, it starts from nothing */
    ck_assert_int_eq(hcall(r, 0, H_SMR_AUTHORIZE, sc.id, 1, 0, 0, NULL), H_SUCCESS);
    ck_assert_int_eq(hcall(r, 1, H_SMR_MAP, sc.id, 0, 0x200000, 0, NULL), H_SUCCESS);
    map m = map4k(r, 1, EA(15), 0x200000, sc.real[0]);
    /* a deauthorisation of a client with nothing mapped is still a trigger */
    ck_assert_int_eq(hcall(r, 0, H_SMR_AUTHORIZE, sc.id, 3, 0, 0, NULL), H_SUCCESS);
    ck_assert_int_eq(hcall(r, 0, H_SMR_DEAUTHORIZE, sc.id, 3, 0, 0, NULL), H_SUCCESS);
    ck_assert_uint_eq(inv_op(r)->count, 2);
    ALIVE(r, m);
    ALIVE(r, sc.b0);
    rig_free(r);
}
END_TEST

START_TEST(trig_unshare_partial)
{
    scen sc;
    scen_setup(&sc, (unsigned)_i, 0, NULL);
    rig *r = &sc.r;
    ck_assert_int_eq(hcall(r, 0, H_SMR_UNSHARE, sc.id, 1, 1, 0, NULL), H_SUCCESS);
    one_more_inv(&sc, 1);
    GONE(r, sc.a1);
    ALIVE(r, sc.a0);
    ALIVE(r, sc.b0);
    ALIVE(r, sc.aown);
    ALIVE(r, sc.cown);
    for (unsigned i = 0; i < 4; i++)
        ALIVE(r, sc.srv[i]); /* the server keeps its own page */
    ck_assert_uint_eq(smr_page_real(r->s, sc.id, 1), UINT64_MAX);
    ck_assert_uint_eq(smr_page_real(r->s, sc.id, 2), sc.real[2]);
    ck_assert_uint_eq(counter(r, "smr.detaches"), sc.det0 + 1);
    ck_assert_int_eq(hcall(r, 2, H_SMR_MAP, sc.id, 1, 0x301000, 0, NULL), H_NOT_FOUND);
    ck_assert_int_eq(hcall(r, 1, H_SMR_UNMAP, 0x201000, 0, 0, 0, NULL), H_NOT_FOUND);
    /* A's la 0x201000 is its own again */
    map m;
    ck_assert_int_eq(enter(r, 1, EA(16), 0x201000, PSZ_4K, &m), H_SUCCESS);
    ck_assert_uint_eq(m.real, 2 * LMB + 0x201000);
    /* the server may share that page again: it fills the hole */
    uint64_t first = 9;
    ck_assert_int_eq(hcall(r, 0, H_SMR_ADD, sc.id, 0x101000, 1, 0, &first), H_SUCCESS);
    ck_assert_uint_eq(first, 1);
    /* unsharing pages nobody else maps: a trigger with nothing to remove */
    ck_assert_int_eq(hcall(r, 0, H_SMR_UNSHARE, sc.id, 2, 2, 0, NULL), H_SUCCESS);
    ck_assert_uint_eq(inv_op(r)->count, 2);
    ck_assert_uint_eq(counter(r, "smr.mappings_invalidated"), 1);
    ALIVE(r, sc.a0);
    ALIVE(r, sc.b0);
    rig_free(r);
}
END_TEST

START_TEST(trig_unshare_all)
{
    scen sc;
    scen_setup(&sc, (unsigned)_i, 0, NULL);
    rig *r = &sc.r;
    ck_assert_int_eq(hcall(r, 0, H_SMR_UNSHARE, sc.id, 0, 0, 0, NULL), H_SUCCESS);
    one_more_inv(&sc, 3);
    GONE(r, sc.a0);
    GONE(r, sc.a1);
    GONE(r, sc.b0);
    ALIVE(r, sc.aown);
    ALIVE(r, sc.cown);
    for (unsigned i = 0; i < 4; i++) {
        ALIVE(r, sc.srv[i]);
        ck_assert_uint_eq(smr_page_real(r->s, sc.id, i), UINT64_MAX);
    }
    ck_assert(smr_is_active(r->s, sc.id));
    ck_assert(smr_is_authorized(r->s, sc.id, 1));
    ck_assert_uint_eq(counter(r, "smr.detaches"), sc.det0 + 3);
    ck_assert_int_eq(hcall(r, 1, H_SMR_MAP, sc.id, 0, 0x200000, 0, NULL), H_NOT_FOUND);
    rig_free(r);
}
END_TEST

START_TEST(trig_destroy)
{
    scen sc;
    scen_setup(&sc, (unsigned)_i, 0, NULL);
    rig *r = &sc.r;
    ck_assert_int_eq(hcall(r, 0, H_SMR_DESTROY, sc.id, 0, 0, 0, NULL), H_SUCCESS);
    one_more_inv(&sc, 3);
    GONE(r, sc.a0);
    GONE(r, sc.a1);
    GONE(r, sc.b0);
    ALIVE(r, sc.aown);
    ALIVE(r, sc.cown);
    for (unsigned i = 0; i < 4; i++)
        ALIVE(r, sc.srv[i]);
    ck_assert(!smr_is_active(r->s, sc.id));
    ck_assert(!smr_is_authorized(r->s, sc.id, 1));
    ck_assert_uint_eq(counter(r, "smr.destroyed"), 1);
    ck_assert_uint_eq(counter(r, "smr.detaches"), sc.det0 + 3);
    ck_assert_int_eq(hcall(r, 1, H_SMR_MAP, sc.id, 0, 0x200000, 0, NULL), H_NOT_FOUND);
    /* the same id comes back empty, nobody authorised, pages shareable */
    uint64_t id = 9, first = 9;
    ck_assert_int_eq(hcall(r, 0, H_SMR_CREATE, 12, 0, 0, 0, &id), H_SUCCESS);
    ck_assert_uint_eq(id, sc.id);
    ck_assert_uint_eq(smr_page_count(r->s, id), 0);
    ck_assert(!smr_is_authorized(r->s, id, 1));
    ck_assert_int_eq(hcall(r, 1, H_SMR_MAP, id, 0, 0x200000, 0, NULL), H_NOT_FOUND);
    ck_assert_int_eq(hcall(r, 0, H_SMR_ADD, id, 0x100000, 1, 0, &first), H_SUCCESS);
    ck_assert_uint_eq(first, 0);
    ck_assert_int_eq(hcall(r, 1, H_SMR_MAP, id, 0, 0x200000, 0, NULL), H_PRIVILEGE);
    rig_free(r);
}
END_TEST

START_TEST(trig_terminate_server)
{
    scen sc;
    scen_setup(&sc, (unsigned)_i, 0, NULL);
    rig *r = &sc.r;
    physmem *pm = r->h->env.pm;
    ck_assert_int_eq(physmem_write64(pm, sc.real[1] + 8, 0x5e7e7), 0);
    ck_assert_int_eq(physmem_write64(pm, sc.cown.real, 0xc0c0), 0);
    ck_assert_int_eq(hcall(r, 3, H_SMR_TERMINATE, 0, 0, 0, 0, NULL), H_SUCCESS);
    /* it restarts with fresh (zeroed) memory; other LPARs' stays */
    ck_assert_uint_eq(physmem_read64(pm, hyp_logical_to_real(r->h, 0, 0x101008)), 0);
    ck_assert_uint_eq(physmem_read64(pm, sc.real[1] + 8), 0);
    ck_assert_uint_eq(physmem_read64(pm, sc.cown.real), 0xc0c0);
    one_more_inv(&sc, 3); /* the clients' three; the server's HPT is wiped */
    GONE(r, sc.a0);
    GONE(r, sc.a1);
    GONE(r, sc.b0);
    for (unsigned i = 0; i < 4; i++)
        GONE(r, sc.srv[i]);
    ALIVE(r, sc.aown);
    ALIVE(r, sc.cown);
    /* the server's HPT is empty */
    const hpt *t = hyp_lpar_hpt(r->h, 0);
    for (uint64_t p = 0; p < t->npteg * 8; p++)
        ck_assert(!(hpt_read(t, p).v & HPTE_V_VALID));
    ck_assert(!smr_is_active(r->s, sc.id));
    ck_assert(smr_lpar_alive(r->s, 0));
    ck_assert_uint_eq(counter(r, "smr.destroyed"), 1);
    ck_assert_uint_eq(counter(r, "smr.detaches"), sc.det0 + 3);
    ck_assert_int_eq(hcall(r, 1, H_SMR_UNMAP, 0x200000, 0, 0, 0, NULL), H_NOT_FOUND);
    /* restarted: it owns one LMB again and can serve again */
    uint64_t ra = hyp_logical_to_real(r->h, 0, 0);
    ck_assert(ra != UINT64_MAX && hyp_real_owned_by(r->h, 0, ra));
    uint64_t id = 9;
    ck_assert_int_eq(hcall(r, 0, H_SMR_CREATE, 12, 0, 0, 0, &id), H_SUCCESS);
    ck_assert_uint_eq(id, 0);
    map m;
    ck_assert_int_eq(enter(r, 1, EA(17), 0x200000, PSZ_4K, &m), H_SUCCESS);
    ck_assert_uint_eq(m.real, 2 * LMB + 0x200000);
    rig_free(r);
}
END_TEST

START_TEST(trig_terminate_client)
{
    scen sc;
    scen_setup(&sc, (unsigned)_i, 0, NULL);
    rig *r = &sc.r;
    uint64_t scans = counter(r, "smr.lpars_scanned");
    ck_assert_int_eq(hcall(r, 0, H_SMR_TERMINATE, 1, 0, 0, 0, NULL), H_SUCCESS);
    one_more_inv(&sc, 0); /* A shares nothing; its own HPT is wiped */
    /* nothing to find: no strategy reads another HPT (only the wipe) */
    ck_assert_uint_eq(counter(r, "smr.lpars_scanned"), scans);
    GONE(r, sc.a0);
    GONE(r, sc.a1);
    GONE(r, sc.aown);
    ALIVE(r, sc.b0);
    ALIVE(r, sc.cown);
    for (unsigned i = 0; i < 4; i++)
        ALIVE(r, sc.srv[i]);
    ck_assert(smr_is_active(r->s, sc.id));
    ck_assert(!smr_is_authorized(r->s, sc.id, 1));
    ck_assert(smr_is_authorized(r->s, sc.id, 2));
    ck_assert_uint_eq(counter(r, "smr.detaches"), sc.det0 + 2);
    ck_assert_int_eq(hcall(r, 1, H_SMR_MAP, sc.id, 0, 0x200000, 0, NULL), H_PRIVILEGE);
    map m;
    ck_assert_int_eq(enter(r, 1, EA(18), 0x200000, PSZ_4K, &m), H_SUCCESS);
    ck_assert_uint_eq(m.real, hyp_logical_to_real(r->h, 1, 0x200000));
    ck_assert(hyp_real_owned_by(r->h, 1, m.real));
    /* B is unaffected: it can still unmap */
    ck_assert_int_eq(hcall(r, 2, H_SMR_UNMAP, 0x300000, 0, 0, 0, NULL), H_SUCCESS);
    GONE(r, sc.b0);
    rig_free(r);
}
END_TEST

START_TEST(trig_reclaim_server_pmb)
{
    scen sc;
    scen_setup(&sc, (unsigned)_i, 2, NULL);
    rig *r = &sc.r;
    /* slots: 0 hypervisor, 1..4 the LPARs, 5 and 6 free */
    ck_assert_uint_eq(hyp_logical_to_real(r->h, 0, 0), LMB);
    ck_assert_int_eq(hcall(r, 3, H_SMR_RECLAIM, 6, 0, 0, 0, NULL), H_SUCCESS); /* free PMB */
    ck_assert_uint_eq(inv_op(r)->count, 0);
    ck_assert_int_eq(hcall(r, 3, H_SMR_RECLAIM, 1, 0, 0, 0, NULL), H_SUCCESS);
    one_more_inv(&sc, 7); /* 4 of the server, 3 of the clients */
    for (unsigned i = 0; i < 4; i++) {
        GONE(r, sc.srv[i]);
        ck_assert_uint_eq(smr_page_real(r->s, sc.id, i), UINT64_MAX);
    }
    GONE(r, sc.a0);
    GONE(r, sc.a1);
    GONE(r, sc.b0);
    ALIVE(r, sc.aown);
    ALIVE(r, sc.cown);
    nothing_maps(r, LMB, LMB);
    ck_assert(smr_is_active(r->s, sc.id));
    ck_assert_uint_eq(counter(r, "smr.detaches"), sc.det0 + 3);
    /* the server's LMB moved to the first never-used slot, 5 */
    ck_assert_uint_eq(hyp_logical_to_real(r->h, 0, 0x100000), 5 * LMB + 0x100000);
    ck_assert(!hyp_real_owned_by(r->h, 0, LMB));
    map m;
    ck_assert_int_eq(enter(r, 0, EA(40), 0x100000, PSZ_4K, &m), H_SUCCESS);
    ck_assert_uint_eq(m.real, 5 * LMB + 0x100000);
    /* the page can be shared again, at its new real address */
    uint64_t first = 9;
    ck_assert_int_eq(hcall(r, 0, H_SMR_ADD, sc.id, 0x100000, 1, 0, &first), H_SUCCESS);
    ck_assert_uint_eq(first, 0);
    ck_assert_uint_eq(smr_page_real(r->s, sc.id, 0), 5 * LMB + 0x100000);
    ck_assert_int_eq(hcall(r, 1, H_SMR_MAP, sc.id, 0, 0x200000, 0, NULL), H_SUCCESS);
    map a = map4k(r, 1, EA(41), 0x200000, 5 * LMB + 0x100000);
    /* the freed PMB 1 is now a destination: reclaim PMB 5 moves back to 1
     * (the free list) */
    ck_assert_int_eq(hcall(r, 3, H_SMR_RECLAIM, 5, 0, 0, 0, NULL), H_SUCCESS);
    ck_assert_uint_eq(inv_op(r)->count, 2);
    GONE(r, a);
    ck_assert_uint_eq(hyp_logical_to_real(r->h, 0, 0x100000), LMB + 0x100000);
    nothing_maps(r, 5 * LMB, LMB);
    ck_assert_int_eq(hcall(r, 3, H_SMR_RECLAIM, 0, 0, 0, 0, NULL), H_PARAMETER);
    rig_free(r);
}
END_TEST

START_TEST(trig_reclaim_client_pmb)
{
    scen sc;
    scen_setup(&sc, (unsigned)_i, 1, NULL);
    rig *r = &sc.r;
    physmem *pm = r->h->env.pm;
    ck_assert_int_eq(physmem_write64(pm, 2 * LMB + 0x400010, 0xa11ce), 0);
    ck_assert_int_eq(hcall(r, 0, H_SMR_RECLAIM, 2, 0, 0, 0, NULL), H_SUCCESS);
    /* the contents moved with the LMB; the old slot is zeroed */
    ck_assert_uint_eq(physmem_read64(pm, 5 * LMB + 0x400010), 0xa11ce);
    ck_assert_uint_eq(physmem_read64(pm, 2 * LMB + 0x400010), 0);
    one_more_inv(&sc, 1); /* A's own page only */
    GONE(r, sc.aown);
    ALIVE(r, sc.a0); /* they map the server's pages, elsewhere */
    ALIVE(r, sc.a1);
    ALIVE(r, sc.b0);
    ALIVE(r, sc.cown);
    for (unsigned i = 0; i < 4; i++)
        ALIVE(r, sc.srv[i]);
    nothing_maps(r, 2 * LMB, LMB);
    ck_assert_uint_eq(counter(r, "smr.detaches"), sc.det0);
    ck_assert_uint_eq(hyp_logical_to_real(r->h, 1, 0x400000), 5 * LMB + 0x400000);
    /* the attachment survived the move */
    ck_assert_int_eq(hcall(r, 1, H_SMR_UNMAP, 0x200000, 0, 0, 0, NULL), H_SUCCESS);
    GONE(r, sc.a0);
    /* the slot A left (2) is where the server's LMB goes next */
    ck_assert_int_eq(hcall(r, 0, H_SMR_RECLAIM, 1, 0, 0, 0, NULL), H_SUCCESS);
    ck_assert_uint_eq(hyp_logical_to_real(r->h, 0, 0), 2 * LMB);
    GONE(r, sc.a1);
    GONE(r, sc.b0);
    ck_assert_uint_eq(inv_op(r)->count, 3);
    rig_free(r);
}
END_TEST

/* PMBs of two LMBs (512M): slots 0 hypervisor, 1..4 the LPARs, 5..7 free
 * (2 spare + 1 to fill the last PMB). PMB 2 = slots 4 (C) and 5 (free,
 * the next never-used slot): C's LMB must skip slot 5 and go to 6. */
START_TEST(trig_reclaim_two_lmb_pmb)
{
    static const char *const pmb2[] = {"memory.pmb_size=512M", NULL};
    scen sc;
    scen_setup(&sc, (unsigned)_i, 2, pmb2);
    rig *r = &sc.r;
    physmem *pm = r->h->env.pm;
    ck_assert_int_eq(physmem_write64(pm, sc.cown.real + 8, 0xc0ffee), 0);
    ck_assert_int_eq(hcall(r, 0, H_SMR_RECLAIM, 0, 0, 0, 0, NULL), H_PARAMETER);
    ck_assert_int_eq(hcall(r, 0, H_SMR_RECLAIM, 2, 0, 0, 0, NULL), H_SUCCESS);
    one_more_inv(&sc, 1);
    GONE(r, sc.cown);
    ALIVE(r, sc.aown);
    ALIVE(r, sc.a0);
    ALIVE(r, sc.b0);
    nothing_maps(r, 4 * LMB, 2 * LMB);
    ck_assert_uint_eq(hyp_logical_to_real(r->h, 3, 0), 6 * LMB);
    ck_assert_uint_eq(physmem_read64(pm, 6 * LMB + 0x500008), 0xc0ffee);
    ck_assert(!hyp_real_owned_by(r->h, 3, 5 * LMB));
    ck_assert(!hyp_real_owned_by(r->h, 3, 4 * LMB));
    /* PMB 1 = A (2) and B (3): A goes to 5, B to 4 (free list, LIFO; 2
     * is inside the PMB and skipped) */
    ck_assert_int_eq(hcall(r, 0, H_SMR_RECLAIM, 1, 0, 0, 0, NULL), H_SUCCESS);
    ck_assert_uint_eq(inv_op(r)->count, 2);
    GONE(r, sc.aown);
    ALIVE(r, sc.a0);
    ALIVE(r, sc.a1);
    ALIVE(r, sc.b0);
    for (unsigned i = 0; i < 4; i++)
        ALIVE(r, sc.srv[i]);
    ck_assert_uint_eq(hyp_logical_to_real(r->h, 1, 0), 5 * LMB);
    ck_assert_uint_eq(hyp_logical_to_real(r->h, 2, 0), 4 * LMB);
    /* the attachments survived: A and B still unmap */
    ck_assert_int_eq(hcall(r, 1, H_SMR_UNMAP, 0x200000, 0, 0, 0, NULL), H_SUCCESS);
    ck_assert_int_eq(hcall(r, 2, H_SMR_UNMAP, 0x300000, 0, 0, 0, NULL), H_SUCCESS);
    GONE(r, sc.a0);
    GONE(r, sc.b0);
    sim_err e = {{0}};
    ck_assert_msg(hyp_check_error(r->h, &e) == 0, "%s", e.msg);
    rig_free(r);
}
END_TEST

/* The server's shared pages in its second LMB (a 512M server): the export
 * vector of LMB 1; a reclaim of that LMB's PMB ends their sharing. */
START_TEST(trig_second_lmb)
{
    static const char *const big[] = {"lpars[0].memory=512M", NULL};
    rig r;
    rig_build(&r, (unsigned)_i, 3, 1, big);
    /* slots: 0 hypervisor, 1-2 LPAR 0, 3 LPAR 1, 4 LPAR 2, 5 spare */
    ck_assert_uint_eq(hyp_logical_to_real(r.h, 0, LMB), 2 * LMB);
    uint64_t id;
    ck_assert_int_eq(hcall(&r, 0, H_SMR_CREATE, 12, 0, 0, 0, &id), H_SUCCESS);
    ck_assert_int_eq(hcall(&r, 0, H_SMR_ADD, id, 0x1000, 1, 0, NULL), H_SUCCESS);
    ck_assert_int_eq(hcall(&r, 0, H_SMR_ADD, id, LMB + 0x2000, 2, 0, NULL), H_SUCCESS);
    ck_assert_uint_eq(smr_page_real(r.s, id, 2), 2 * LMB + 0x3000);
    ck_assert_int_eq(hcall(&r, 0, H_SMR_AUTHORIZE, id, 1, 0, 0, NULL), H_SUCCESS);
    ck_assert_int_eq(hcall(&r, 1, H_SMR_MAP, id, 0, 0x10000, 0, NULL), H_SUCCESS);
    ck_assert_int_eq(hcall(&r, 1, H_SMR_MAP, id, 2, 0x11000, 0, NULL), H_SUCCESS);
    map m0 = map4k(&r, 1, EA(1), 0x10000, LMB + 0x1000);
    map m2 = map4k(&r, 1, EA(2), 0x11000, 2 * LMB + 0x3000);
    map s2 = map4k(&r, 0, EA(3), LMB + 0x3000, 2 * LMB + 0x3000);
    /* unsharing page 2 (LMB 1) leaves page 0 (LMB 0) mapped */
    ck_assert_int_eq(hcall(&r, 0, H_SMR_UNSHARE, id, 2, 1, 0, NULL), H_SUCCESS);
    ck_assert(!hpte_present(&r, &m2) && !tlb_present(&r, &m2));
    ck_assert(hpte_present(&r, &m0) && tlb_present(&r, &m0));
    ck_assert(hpte_present(&r, &s2));
    /* page 1 (LMB 1) mapped again, then PMB 2 (LMB 1 of LPAR 0) reclaimed */
    ck_assert_int_eq(hcall(&r, 1, H_SMR_MAP, id, 1, 0x12000, 0, NULL), H_SUCCESS);
    map m1 = map4k(&r, 1, EA(4), 0x12000, 2 * LMB + 0x2000);
    ck_assert_int_eq(hcall(&r, 2, H_SMR_RECLAIM, 2, 0, 0, 0, NULL), H_SUCCESS);
    ck_assert(!hpte_present(&r, &m1) && !tlb_present(&r, &m1));
    ck_assert(!hpte_present(&r, &s2));
    ck_assert(hpte_present(&r, &m0) && tlb_present(&r, &m0));
    ck_assert_uint_eq(hyp_logical_to_real(r.h, 0, LMB), 5 * LMB);
    ck_assert_uint_eq(smr_page_real(r.s, id, 1), UINT64_MAX);
    ck_assert_uint_eq(smr_page_real(r.s, id, 0), LMB + 0x1000);
    ck_assert_uint_eq(inv_op(&r)->count, 2);
    ck_assert_uint_eq(counter(&r, "smr.mappings_invalidated"), 3);
    sim_err e = {{0}};
    ck_assert_msg(hyp_check_error(r.h, &e) == 0, "%s", e.msg);
    rig_free(&r);
}
END_TEST

/* An SMR of 64K pages: the client's 64K entry goes, the server's 64K entry
 * and its own 4K entry inside the shared page stay. */
START_TEST(trig_64k_pages)
{
    rig r;
    rig_build(&r, (unsigned)_i, 3, 0, NULL);
    uint64_t id;
    ck_assert_int_eq(hcall(&r, 0, H_SMR_CREATE, 16, 0, 0, 0, &id), H_SUCCESS);
    ck_assert_int_eq(hcall(&r, 0, H_SMR_ADD, id, 0x1000000, 2, 0, NULL), H_SUCCESS);
    ck_assert_uint_eq(smr_page_real(r.s, id, 1), LMB + 0x1010000);
    ck_assert_int_eq(hcall(&r, 0, H_SMR_AUTHORIZE, id, 1, 0, 0, NULL), H_SUCCESS);
    ck_assert_int_eq(hcall(&r, 0, H_SMR_AUTHORIZE, id, 2, 0, 0, NULL), H_SUCCESS);
    map srv, srv4, cl, cl2;
    ck_assert_int_eq(enter(&r, 0, 0x30000000, 0x1010000, PSZ_64K, &srv), H_SUCCESS);
    ck_assert_int_eq(enter(&r, 0, 0x40001000, 0x1011000, PSZ_4K, &srv4), H_SUCCESS);
    ck_assert_int_eq(hcall(&r, 1, H_SMR_MAP, id, 1, 0x2000000, 0, NULL), H_SUCCESS);
    ck_assert_int_eq(enter(&r, 1, 0x30000000, 0x2000000, PSZ_64K, &cl), H_SUCCESS);
    ck_assert_uint_eq(cl.real, LMB + 0x1010000);
    ck_assert_int_eq(hcall(&r, 2, H_SMR_MAP, id, 1, 0x2010000, 0, NULL), H_SUCCESS);
    ck_assert_int_eq(enter(&r, 2, 0x50000000, 0x2010000, PSZ_64K, &cl2), H_SUCCESS);
    ck_assert_uint_eq(cl2.real, LMB + 0x1010000);
    ck_assert_int_eq(hcall(&r, 0, H_SMR_DEAUTHORIZE, id, 1, 0, 0, NULL), H_SUCCESS);
    const hpt *t0 = hyp_lpar_hpt(r.h, 0), *t1 = hyp_lpar_hpt(r.h, 1), *t2 = hyp_lpar_hpt(r.h, 2);
    ck_assert(!(hpt_read(t1, cl.ptex).v & HPTE_V_VALID));
    ck_assert(hpt_read(t2, cl2.ptex).v & HPTE_V_VALID);
    ck_assert(hpt_read(t0, srv.ptex).v & HPTE_V_VALID);
    ck_assert(hpt_read(t0, srv4.ptex).v & HPTE_V_VALID);
    ck_assert_int_eq(hcall(&r, 0, H_SMR_UNSHARE, id, 1, 1, 0, NULL), H_SUCCESS);
    ck_assert(!(hpt_read(t2, cl2.ptex).v & HPTE_V_VALID));
    ck_assert(hpt_read(t0, srv.ptex).v & HPTE_V_VALID);
    ck_assert(hpt_read(t0, srv4.ptex).v & HPTE_V_VALID);
    ck_assert_uint_eq(inv_op(&r)->count, 2);
    ck_assert_uint_eq(counter(&r, "smr.mappings_invalidated"), 2);
    check_parts(&r, "smr.invalidate");
    sim_err e = {{0}};
    ck_assert_msg(hyp_check_error(r.h, &e) == 0, "%s", e.msg);
    rig_free(&r);
}
END_TEST

/* Mixed page sizes: a 4K H_ENTER inside a 64K attachment lands in the
 * shared page and is refused for its size (it must not map the client's own
 * memory behind the attachment); attachments of different sizes may not
 * overlap, either way round. */
START_TEST(mixed_sizes_inside_attachment)
{
    rig r;
    rig_build(&r, (unsigned)_i, 3, 0, NULL);
    uint64_t big, small;
    ck_assert_int_eq(hcall(&r, 0, H_SMR_CREATE, 16, 0, 0, 0, &big), H_SUCCESS);
    ck_assert_int_eq(hcall(&r, 0, H_SMR_ADD, big, 0x1000000, 2, 0, NULL), H_SUCCESS);
    ck_assert_int_eq(hcall(&r, 0, H_SMR_CREATE, 12, 0, 0, 0, &small), H_SUCCESS);
    ck_assert_int_eq(hcall(&r, 0, H_SMR_ADD, small, 0x1100000, 4, 0, NULL), H_SUCCESS);
    for (uint64_t id = big; id <= small; id += small - big)
        ck_assert_int_eq(hcall(&r, 0, H_SMR_AUTHORIZE, id, 1, 0, 0, NULL), H_SUCCESS);
    ck_assert_int_eq(hcall(&r, 1, H_SMR_MAP, big, 0, 0x2000000, 0, NULL), H_SUCCESS);
    map m;
    ck_assert_int_eq(enter(&r, 1, 0x30001000, 0x2001000, PSZ_4K, &m), H_PARAMETER);
    ck_assert_int_eq(enter(&r, 1, 0x30000000, 0x2000000, PSZ_64K, &m), H_SUCCESS);
    ck_assert_uint_eq(m.real, LMB + 0x1000000);
    /* just outside the attachment: the client's own page */
    ck_assert_int_eq(enter(&r, 1, 0x30010000, 0x2010000, PSZ_4K, &m), H_SUCCESS);
    ck_assert_uint_ne(m.real >> 16, (LMB + 0x1000000) >> 16);
    /* a 4K attachment inside the 64K one, and a 64K one over a 4K one */
    ck_assert_int_eq(hcall(&r, 1, H_SMR_MAP, small, 0, 0x2003000, 0, NULL), H_PARAMETER);
    ck_assert_int_eq(hcall(&r, 1, H_SMR_MAP, small, 0, 0x2105000, 0, NULL), H_SUCCESS);
    ck_assert_int_eq(hcall(&r, 1, H_SMR_MAP, big, 1, 0x2100000, 0, NULL), H_PARAMETER);
    ck_assert_int_eq(hcall(&r, 1, H_SMR_MAP, big, 1, 0x2110000, 0, NULL), H_SUCCESS);
    ck_assert_int_eq(enter(&r, 1, 0x40005000, 0x2105000, PSZ_4K, &m), H_SUCCESS);
    ck_assert_uint_eq(m.real, LMB + 0x1100000);
    sim_err e = {{0}};
    ck_assert_msg(hyp_check_error(r.h, &e) == 0, "%s", e.msg);
    rig_free(&r);
}
END_TEST

static void add_trigger_tests(TCase *t)
{
    tcase_add_loop_test(t, trig_unmap, 0, 3);
    tcase_add_loop_test(t, trig_deauthorize, 0, 3);
    tcase_add_loop_test(t, trig_unshare_partial, 0, 3);
    tcase_add_loop_test(t, trig_unshare_all, 0, 3);
    tcase_add_loop_test(t, trig_destroy, 0, 3);
    tcase_add_loop_test(t, trig_terminate_server, 0, 3);
    tcase_add_loop_test(t, trig_terminate_client, 0, 3);
    tcase_add_loop_test(t, trig_reclaim_server_pmb, 0, 3);
    tcase_add_loop_test(t, trig_reclaim_client_pmb, 0, 3);
    tcase_add_loop_test(t, trig_64k_pages, 0, 3);
    tcase_add_loop_test(t, mixed_sizes_inside_attachment, 0, 3);
    tcase_add_loop_test(t, trig_reclaim_two_lmb_pmb, 0, 3);
    tcase_add_loop_test(t, trig_second_lmb, 0, 3);
}
/* ---- the auditor ----------------------------------------------------------- */

/* The selected strategy's find, minus its last hit (broken), or as is. */
static int find_drop(const smr_strategy_ops *o, void *st, smr_exec *x, const hyp_target *t,
                     hyp_hits *out)
{
    int rc = o->find(st, x, t, out);
    if (rc == 0 && out->n)
        out->n--;
    return rc;
}
static int drop_exh(void *st, smr_exec *x, const hyp_target *t, hyp_hits *out)
{
    return find_drop(&smr_exhaustive_ops, st, x, t, out);
}
static int drop_ev(void *st, smr_exec *x, const hyp_target *t, hyp_hits *out)
{
    return find_drop(&smr_export_vector_ops, st, x, t, out);
}
static int drop_rmap(void *st, smr_exec *x, const hyp_target *t, hyp_hits *out)
{
    return find_drop(&smr_rmap_ops, st, x, t, out);
}
static int same_exh(void *st, smr_exec *x, const hyp_target *t, hyp_hits *out)
{
    return smr_exhaustive_ops.find(st, x, t, out);
}
static int same_ev(void *st, smr_exec *x, const hyp_target *t, hyp_hits *out)
{
    return smr_export_vector_ops.find(st, x, t, out);
}
static int same_rmap(void *st, smr_exec *x, const hyp_target *t, hyp_hits *out)
{
    return smr_rmap_ops.find(st, x, t, out);
}

static const smr_strategy_ops *const ORIG[3] = {&smr_exhaustive_ops, &smr_export_vector_ops,
                                                &smr_rmap_ops};
typedef int (*find_fn)(void *, smr_exec *, const hyp_target *, hyp_hits *);
static const find_fn DROP[3] = {drop_exh, drop_ev, drop_rmap};
static const find_fn SAME[3] = {same_exh, same_ev, same_rmap};

static const char *const AUDIT_ON[] = {"hypervisor.smr.audit=true", NULL};

/* Deauthorising A (2 mappings) with a find that drops the last one (the
 * higher HPTE index of A's two) */
START_TEST(audit_catches_missed_mapping)
{
    scen sc;
    scen_setup(&sc, (unsigned)_i, 0, AUDIT_ON);
    rig *r = &sc.r;
    ck_assert_uint_eq(counter(r, "audit.violations"), 0);
    ck_assert_uint_gt(counter(r, "audit.checks"), 0);
    smr_strategy_ops bad = *ORIG[_i];
    bad.find = DROP[_i];
    smr_test_set_ops(r->s, &bad);
    ck_assert_int_eq(hcall(r, 0, H_SMR_DEAUTHORIZE, sc.id, 1, 0, 0, NULL), H_SUCCESS);
    sim_err e = {{0}};
    ck_assert_int_eq(hyp_check_error(r->h, &e), -1);
    uint64_t last = sc.a0.ptex > sc.a1.ptex ? sc.a0.ptex : sc.a1.ptex;
    char want[96];
    snprintf(want, sizeof want, "misses LPAR 1 HPTE 0x%llx", (unsigned long long)last);
    ck_assert_msg(strstr(e.msg, want) != NULL, "'%s' not in '%s'", want, e.msg);
    ck_assert_msg(strstr(e.msg, STRAT[_i]) != NULL, "%s", e.msg);
    ck_assert_uint_ge(counter(r, "audit.violations"), 1);
    /* the missed entry is indeed still there */
    map *m = sc.a0.ptex == last ? &sc.a0 : &sc.a1;
    ck_assert(hpte_present(r, m));
    rig_free(r);
}
END_TEST

/* Destroy: mappings in LPARs 1 and 2; the last one is B's */
START_TEST(audit_catches_missed_lpar)
{
    scen sc;
    scen_setup(&sc, (unsigned)_i, 0, AUDIT_ON);
    rig *r = &sc.r;
    smr_strategy_ops bad = *ORIG[_i];
    bad.find = DROP[_i];
    smr_test_set_ops(r->s, &bad);
    ck_assert_int_eq(hcall(r, 0, H_SMR_DESTROY, sc.id, 0, 0, 0, NULL), H_SUCCESS);
    sim_err e = {{0}};
    ck_assert_int_eq(hyp_check_error(r->h, &e), -1);
    char want[96];
    snprintf(want, sizeof want, "misses LPAR 2 HPTE 0x%llx", (unsigned long long)sc.b0.ptex);
    ck_assert_msg(strstr(e.msg, want) != NULL, "'%s' not in '%s'", want, e.msg);
    ck_assert_uint_ge(counter(r, "audit.violations"), 1);
    rig_free(r);
}
END_TEST

/* The same violation raised by an hcall in a guest's trace, under the
 * generic hypervisor.audit (lparsim run --audit): the hypervisor checks
 * its features after every hcall and the run stops with the message. */
START_TEST(audit_stops_traced_hcall)
{
    char trc[256];
    snprintf(trc, sizeof trc, "#lparsim-trace v1\nL 0x10000000 8\nH 0x%x 0\nL 0x10001000 8\n",
             H_SMR_DESTROY);
    const char *path = tu_tmp("destroy.txt");
    ck_assert_int_eq(tu_write_file(path, trc), 0);
    char tr[512];
    snprintf(tr, sizeof tr, "lpars[0].vcpus[0].trace=%s", path);
    const char *extra[] = {"hypervisor.audit=true", "lpars[0].vcpus[0].thread=0", tr, NULL};
    scen sc;
    scen_setup(&sc, (unsigned)_i, 0, extra);
    rig *r = &sc.r;
    smr_strategy_ops bad = *ORIG[_i];
    bad.find = DROP[_i];
    smr_test_set_ops(r->s, &bad);
    sim_err e = {{0}};
    ck_assert_int_eq(machine_run(r->m, NULL, NULL, &e), -1);
    char want[96];
    snprintf(want, sizeof want, "misses LPAR 2 HPTE 0x%llx", (unsigned long long)sc.b0.ptex);
    ck_assert_msg(strstr(e.msg, want) != NULL, "'%s' not in '%s'", want, e.msg);
    /* it stopped at the hcall: the load after it never ran */
    uint64_t loads = 0;
    ck_assert_int_eq(stats_get_counter(machine_stats(r->m), "cpu.thread0.loads", &loads), 0);
    ck_assert_uint_eq(loads, 1);
    rig_free(r);
}
END_TEST

/* A copy that drops nothing: every trigger passes the audit. */
START_TEST(audit_control_passes)
{
    scen sc;
    scen_setup(&sc, (unsigned)_i, 1, AUDIT_ON);
    rig *r = &sc.r;
    smr_strategy_ops ok = *ORIG[_i];
    ok.find = SAME[_i];
    smr_test_set_ops(r->s, &ok);
    ck_assert_int_eq(hcall(r, 1, H_SMR_UNMAP, 0x201000, 0, 0, 0, NULL), H_SUCCESS);
    ck_assert_int_eq(hcall(r, 0, H_SMR_UNSHARE, sc.id, 3, 1, 0, NULL), H_SUCCESS);
    ck_assert_int_eq(hcall(r, 0, H_SMR_DEAUTHORIZE, sc.id, 2, 0, 0, NULL), H_SUCCESS);
    ck_assert_int_eq(hcall(r, 3, H_SMR_RECLAIM, 2, 0, 0, 0, NULL), H_SUCCESS);
    ck_assert_int_eq(hcall(r, 3, H_SMR_TERMINATE, 1, 0, 0, 0, NULL), H_SUCCESS);
    ck_assert_int_eq(hcall(r, 0, H_SMR_DESTROY, sc.id, 0, 0, 0, NULL), H_SUCCESS);
    ck_assert_int_eq(hcall(r, 3, H_SMR_TERMINATE, 0, 0, 0, 0, NULL), H_SUCCESS);
    sim_err e = {{0}};
    ck_assert_msg(hyp_check_error(r->h, &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(counter(r, "audit.violations"), 0);
    ck_assert_uint_eq(counter(r, "audit.cross_checks"), 7);
    ck_assert_uint_eq(inv_op(r)->count, 7);
    ck_assert_uint_gt(counter(r, "audit.hptes_checked"), 0);
    ck_assert_uint_gt(counter(r, "audit.tlb_entries_checked"), 0);
    rig_free(r);
}
END_TEST

/* The auditor also catches an unauthorised entry written behind the
 * hypervisor's back (a stale mapping in the HPT's memory). */
START_TEST(audit_catches_foreign_hpte)
{
    scen sc;
    scen_setup(&sc, (unsigned)_i, 0, AUDIT_ON);
    rig *r = &sc.r;
    /* C (LPAR 3) gets an entry for the server's shared page 2 */
    const hpt *t = hyp_lpar_hpt(r->h, 3);
    hpte x = hpte_make(vsid_of(3), EA(50), false, PSZ_4K, PSZ_4K, sc.real[2], &RW_M, false);
    hpt_write(t, 16, x);
    ck_assert_int_eq(hcall(r, 0, H_SMR_UNSHARE, sc.id, 2, 1, 0, NULL), H_SUCCESS);
    sim_err e = {{0}};
    ck_assert_int_eq(hyp_check_error(r->h, &e), -1);
    ck_assert_msg(strstr(e.msg, "LPAR 3") && strstr(e.msg, "HPTE 0x10"), "%s", e.msg);
    rig_free(r);
}
END_TEST

/* ... and a TLB entry the hypervisor never gave (LPAR 3 holding a
 * translation to the server's shared page 3) once its sharing ends. */
START_TEST(audit_catches_stale_tlb)
{
    scen sc;
    scen_setup(&sc, (unsigned)_i, 0, AUDIT_ON);
    rig *r = &sc.r;
    tlb_insert(machine_thread(r->m, 2)->tlb, 3, 0x777, PSZ_4K, sc.real[3] >> 12, 3);
    ck_assert_int_eq(hcall(r, 0, H_SMR_UNSHARE, sc.id, 3, 1, 0, NULL), H_SUCCESS);
    sim_err e = {{0}};
    ck_assert_int_eq(hyp_check_error(r->h, &e), -1);
    ck_assert_msg(strstr(e.msg, "TLB of thread 2") && strstr(e.msg, "LPAR 3") &&
                      strstr(e.msg, "VPN 0x777"),
                  "%s", e.msg);
    ck_assert_uint_ge(counter(r, "audit.violations"), 1);
    rig_free(r);
}
END_TEST

/* ---- metadata ------------------------------------------------------------------ */

START_TEST(metadata_bytes_by_strategy)
{
    /* 4 LPARs of 256M (1 LMB, 65536 pages) with 256K HPTs; defaults
     * max_per_server 256, max_servers 64, max_lpars 1024 */
    const uint64_t want[3] = {
        0,
        256ull * 64 * 1024 / 8 + 4 * (1 * 256 / 8),          /* 2097280 */
        4 * (256 * MB / 4096 * 8 + 256 * 1024),               /* 3145728 */
    };
    ck_assert_uint_eq(want[1], 2097280);
    ck_assert_uint_eq(want[2], 3145728);
    rig r;
    rig_build(&r, (unsigned)_i, 4, 0, NULL);
    ck_assert_uint_eq(smr_metadata_bytes(r.s), want[_i]);
    ck_assert_uint_eq(counter(&r, "smr.metadata_bytes"), want[_i]);
    rig_free(&r);
    /* other limits and a 512M LPAR (2 LMBs) */
    static const char *const lim[] = {"hypervisor.smr.max_per_server=128",
                                      "hypervisor.smr.max_servers=2",
                                      "hypervisor.smr.max_lpars=64", "lpars[3].memory=512M",
                                      NULL};
    const uint64_t want2[3] = {
        0,
        128ull * 2 * 64 / 8 + 3 * (128 / 8) + 2 * (128 / 8),            /* 2128 */
        3 * (256 * MB / 4096 * 8 + 256 * 1024) + 512 * MB / 4096 * 8 + 256 * 1024,
    };
    ck_assert_uint_eq(want2[1], 2128);
    ck_assert_uint_eq(want2[2], 3670016);
    rig_build(&r, (unsigned)_i, 4, 0, lim);
    ck_assert_uint_eq(smr_metadata_bytes(r.s), want2[_i]);
    rig_free(&r);
}
END_TEST

static void add_audit_tests(TCase *t)
{
    tcase_add_loop_test(t, audit_catches_missed_mapping, 0, 3);
    tcase_add_loop_test(t, audit_catches_missed_lpar, 0, 3);
    tcase_add_loop_test(t, audit_stops_traced_hcall, 0, 3);
    tcase_add_loop_test(t, audit_control_passes, 0, 3);
    tcase_add_loop_test(t, audit_catches_foreign_hpte, 0, 3);
    tcase_add_loop_test(t, audit_catches_stale_tlb, 0, 3);
    tcase_add_loop_test(t, metadata_bytes_by_strategy, 0, 3);
}

static Suite *smr_suite(void)
{
    Suite *s = suite_create("smr");
    TCase *t = tcase_create("hcalls");
    tcase_set_timeout(t, 60);
    add_hcall_tests(t);
    suite_add_tcase(s, t);
    t = tcase_create("triggers");
    tcase_set_timeout(t, 60);
    add_trigger_tests(t);
    suite_add_tcase(s, t);
    t = tcase_create("audit");
    tcase_set_timeout(t, 60);
    add_audit_tests(t);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return tu_run_suite(smr_suite());
}
