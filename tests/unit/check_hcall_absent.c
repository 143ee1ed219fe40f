/*
 * check_hcall_absent.c - unit tests of the PAPR HPT hcalls on ABSENT
 * entries (issue 13): an entry the hypervisor made absent (HPTE_V_ABSENT
 * set, V clear, r holding the logical page: a page of a shared-memory LPAR
 * that is not resident) is valid to the guest, as KVM treats V|ABSENT.
 * H_REMOVE and H_BULK_REMOVE find it and clear it without a tlbie (it is in
 * no TLB), H_READ (also H_READ_4, H_R_XLATE) returns the guest's view (V
 * set, ABSENT clear, the logical page), H_PROTECT rewrites it in place and
 * it stays absent, H_CLEAR_REF/H_CLEAR_MOD clear the bit in place, H_ENTER
 * never takes its slot, and an H_ENTER whose translation is absent (a
 * hyp_ext.xlate returning HYP_XLATE_ABSENT, as the paging feature's does)
 * writes such an entry. Each test has an assertion that fails where the
 * hcalls ignore ABSENT (before commit a6e2cef: H_NOT_FOUND, raw words).
 *
 * The rig is check_hcall's (unit/hcall_rig.h): one 1G module, 4 hardware
 * threads with default TLBs, fake memory ports returning READ_LAT/WRITE_LAT,
 * so each cost is computed by hand from the hypervisor defaults (entry 150,
 * exit 100, step 4, tlbie 2660 + 1672 per extra page).
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hyp/hcall.h"
#include "hyp/hyp.h"
#include "mmu/hpte_vpn.h"
#include "testutil.h"

#include "unit/hcall_rig.h"

/* 1G in one module, 256M of hypervisor memory, LPAR 0 of 256M with a 256K
 * HPT (2048 PTEGs). */
static void env_std(env *v)
{
    env_base(v, 1 * GB, 256 * MB);
    sim_err e = {{0}};
    hyp_env he = henv(v);
    v->h = hyp_create(&v->hc, &he, 256 * MB, &e);
    ck_assert_msg(v->h != NULL, "%s", e.msg);
    ck_assert_int_eq(hyp_lpar_create(v->h, "a", 256 * MB, 256 * KB, &e), 0);
}

static long hc(env *v, uint64_t op, const uint64_t *args, uint64_t *rets, uint64_t *cycles)
{
    uint64_t a[8] = {0}, r[8] = {0}, cyc = 0;
    if (args)
        memcpy(a, args, sizeof a);
    long rc = hyp_hcall(v->h, 0, 0, 0, op, a, r, &cyc);
    if (rets)
        memcpy(rets, r, sizeof r);
    if (cycles)
        *cycles = cyc;
    return rc;
}

static uint64_t counter(env *v, const char *name)
{
    uint64_t x = 0;
    ck_assert_msg(stats_get_counter(v->st, name, &x) == 0, "no counter %s", name);
    return x;
}

static uint64_t tlbies(env *v) { return tlbie_get_stats(v->fab)->tlbies; }

static const hpte_attrs RW_M = {.pp = 2, .key = 0, .wimg = 2, .noexec = false, .bolted = false};

#define VSID 0x123456789ULL
#define EA 0x10005000ULL

/* The guest's 4K translation (VSID, ea) -> logical la, as H_ENTER gets it. */
static hpte guest4k(uint64_t ea, uint64_t la)
{
    return hpte_make(VSID, ea, false, PSZ_4K, PSZ_4K, la, &RW_M, false);
}

static uint64_t pteg0(env *v)
{
    const hpt *t = hyp_lpar_hpt(v->h, 0);
    return hpt_pteg_index(t, hpt_hash(VSID, EA, 12, false), false);
}

/* The entry the hypervisor keeps for a page that is not resident: V clear,
 * ABSENT set, r the guest's (the logical page). */
static hpte absent_of(hpte g)
{
    return (hpte){(g.v & ~HPTE_V_VALID) | HPTE_V_ABSENT, g.r};
}

/* Write an absent entry for (VSID, ea) -> la at slot s of PTEG pteg0 (EAs
 * differing in bit 23 and up hash to the same PTEG); returns its ptex. */
static uint64_t put_absent(env *v, unsigned s, uint64_t la, hpte *guest)
{
    uint64_t ea = EA + ((uint64_t)s << 23);
    hpte g = guest4k(ea, la);
    uint64_t ptex = pteg0(v) * 8 + s;
    hpt_write(hyp_lpar_hpt(v->h, 0), ptex, absent_of(g));
    if (guest)
        *guest = g;
    return ptex;
}

/* A valid entry for slot s through H_EXACT, cached in every TLB. */
static uint64_t put_valid(env *v, unsigned s, uint64_t la)
{
    uint64_t ea = EA + ((uint64_t)s << 23);
    hpte g = guest4k(ea, la);
    uint64_t a[8] = {H_EXACT, pteg0(v) * 8 + s, g.v, g.r}, r[8];
    ck_assert_int_eq(hc(v, H_ENTER, a, r, NULL), H_SUCCESS);
    uint64_t vpn = hpte_vpn(VSID, ea, 12, false);
    for (unsigned i = 0; i < NTHREADS; i++)
        tlb_insert(v->tlbs[i], 0, vpn, PSZ_4K, hyp_logical_to_real(v->h, 0, la) >> 12, 3);
    return r[0];
}

/* ---- H_REMOVE ----------------------------------------------------------- */

START_TEST(remove_finds_absent_without_tlbie)
{
    env v;
    env_std(&v);
    const hpt *t = hyp_lpar_hpt(v.h, 0);
    hpte g;
    uint64_t p = put_absent(&v, 2, 0x7000, &g);
    uint64_t before = tlbies(&v), removed = counter(&v, "hypervisor.hptes_removed");
    uint64_t a[8] = {0, p, 0}, r[8], cyc;
    ck_assert_int_eq(hc(&v, H_REMOVE, a, r, &cyc), H_SUCCESS);
    /* the guest's view: V set, ABSENT clear, r its logical page */
    ck_assert_uint_eq(r[0], g.v);
    ck_assert(r[0] & HPTE_V_VALID);
    ck_assert(!(r[0] & HPTE_V_ABSENT));
    ck_assert_uint_eq(r[1], g.r);
    ck_assert_uint_eq(hpte_real_addr(r[1], PSZ_4K), 0x7000);
    ck_assert_uint_eq(hpt_read(t, p).v, 0);
    ck_assert_uint_eq(hpt_read(t, p).r, 0);
    /* in no TLB: no tlbie; entry, read + step, step, write, exit */
    ck_assert_uint_eq(tlbies(&v), before);
    ck_assert_uint_eq(cyc, ENTRY + READ_LAT + STEP + STEP + WRITE_LAT + EXIT);
    /* not a valid entry's removal (no rmap/hook notification) */
    ck_assert_uint_eq(counter(&v, "hypervisor.hptes_removed"), removed);
    /* gone: a second H_REMOVE finds nothing */
    ck_assert_int_eq(hc(&v, H_REMOVE, a, r, NULL), H_NOT_FOUND);
    env_free(&v);
}
END_TEST

START_TEST(remove_absent_avpn_uses_the_guest_view)
{
    env v;
    env_std(&v);
    const hpt *t = hyp_lpar_hpt(v.h, 0);
    hpte g;
    uint64_t p = put_absent(&v, 0, 0x9000, &g);
    uint64_t avpn = g.v & ~0x7fULL, r[8];
    uint64_t bad[8] = {H_AVPN, p, avpn ^ 0x80};
    ck_assert_int_eq(hc(&v, H_REMOVE, bad, r, NULL), H_NOT_FOUND);
    ck_assert_uint_eq(hpt_read(t, p).v, absent_of(g).v); /* untouched */
    /* H_ANDCOND BOLTED: not bolted, so removed */
    uint64_t ok[8] = {H_AVPN, p, avpn};
    uint64_t before = tlbies(&v);
    ck_assert_int_eq(hc(&v, H_REMOVE, ok, r, NULL), H_SUCCESS);
    ck_assert_uint_eq(r[0], g.v);
    ck_assert_uint_eq(tlbies(&v), before);
    p = put_absent(&v, 1, 0xa000, &g);
    uint64_t andc[8] = {H_ANDCOND, p, HPTE_V_BOLTED};
    ck_assert_int_eq(hc(&v, H_REMOVE, andc, r, NULL), H_SUCCESS);
    ck_assert_uint_eq(hpt_read(t, p).v, 0);
    env_free(&v);
}
END_TEST

/* ---- H_BULK_REMOVE ------------------------------------------------------ */

static uint64_t req(uint64_t flags, uint64_t ptex) { return H_BULK_REMOVE_REQUEST | flags | ptex; }

START_TEST(bulk_remove_absent_and_valid)
{
    env v;
    env_std(&v);
    const hpt *t = hyp_lpar_hpt(v.h, 0);
    hpte g0, g2;
    uint64_t p0 = put_absent(&v, 0, 0x5000, &g0);
    uint64_t p1 = put_valid(&v, 1, 0x6000);
    uint64_t p2 = put_absent(&v, 2, 0x8000, &g2);
    /* R|C kept in the absent entry (a page-out clears them; the guest may
     * still see them through H_READ): reported back like a valid entry's */
    hpte x2 = hpt_read(t, p2);
    x2.r |= HPTE_R_R | HPTE_R_C;
    hpt_write(t, p2, x2);
    uint64_t a[8] = {req(H_BULK_REMOVE_ABSOLUTE, p0), 0, req(H_BULK_REMOVE_ABSOLUTE, p1), 0,
                     req(H_BULK_REMOVE_AVPN, p2), g2.v & ~0x7fULL, H_BULK_REMOVE_END, 0};
    uint64_t r[8], cyc, before = tlbies(&v);
    ck_assert_int_eq(hc(&v, H_BULK_REMOVE, a, r, &cyc), H_SUCCESS);
    ck_assert_uint_eq(r[0], H_BULK_REMOVE_RESPONSE | H_BULK_REMOVE_SUCCESS | p0);
    ck_assert_uint_eq(r[2] & H_BULK_REMOVE_CODE, H_BULK_REMOVE_SUCCESS);
    ck_assert_uint_eq(r[4], H_BULK_REMOVE_RESPONSE | H_BULK_REMOVE_SUCCESS | (3ULL << 58) |
                                H_BULK_REMOVE_AVPN | p2);
    ck_assert_uint_eq(hpt_read(t, p0).v, 0);
    ck_assert_uint_eq(hpt_read(t, p1).v, 0);
    ck_assert_uint_eq(hpt_read(t, p2).v, 0);
    /* one tlbie sequence, of one page: the valid entry's only */
    ck_assert_uint_eq(tlbies(&v), before + 1);
    ck_assert_uint_eq(tlbie_get_stats(v.fab)->pages, 1);
    ck_assert_uint_eq(cyc, ENTRY + 3 * (READ_LAT + STEP) + 3 * WRITE_LAT + TLBIE1 + EXIT);
    /* only absent entries: no tlbie at all */
    p0 = put_absent(&v, 3, 0x5000, NULL);
    p2 = put_absent(&v, 4, 0x8000, NULL);
    uint64_t b[8] = {req(0, p0), 0, req(0, p2), 0, H_BULK_REMOVE_END, 0};
    ck_assert_int_eq(hc(&v, H_BULK_REMOVE, b, r, &cyc), H_SUCCESS);
    ck_assert_uint_eq(r[0] & H_BULK_REMOVE_CODE, H_BULK_REMOVE_SUCCESS);
    ck_assert_uint_eq(r[2] & H_BULK_REMOVE_CODE, H_BULK_REMOVE_SUCCESS);
    ck_assert_uint_eq(tlbies(&v), before + 1);
    ck_assert_uint_eq(cyc, ENTRY + 2 * (READ_LAT + STEP + WRITE_LAT) + EXIT);
    env_free(&v);
}
END_TEST

/* ---- H_READ ------------------------------------------------------------- */

START_TEST(read_returns_the_guest_view)
{
    env v;
    env_std(&v);
    const hpt *t = hyp_lpar_hpt(v.h, 0);
    hpte g4, g6;
    put_absent(&v, 4, 0x14000, &g4);
    uint64_t p5 = put_valid(&v, 5, 0x15000);
    put_absent(&v, 6, 0x16000, &g6);
    uint64_t base = pteg0(&v) * 8;
    uint64_t a[8] = {0, base + 4}, r[8], cyc;
    ck_assert_int_eq(hc(&v, H_READ, a, r, &cyc), H_SUCCESS);
    ck_assert_uint_eq(r[0], g4.v);
    ck_assert(!(r[0] & HPTE_V_ABSENT));
    ck_assert_uint_eq(r[1], g4.r);
    ck_assert_uint_eq(cyc, ENTRY + READ_LAT + STEP + EXIT);
    /* H_R_XLATE: r already holds the logical page, no LMB-table read */
    uint64_t x[8] = {H_R_XLATE, base + 6};
    ck_assert_int_eq(hc(&v, H_READ, x, r, &cyc), H_SUCCESS);
    ck_assert_uint_eq(r[0], g6.v);
    ck_assert_uint_eq(hpte_real_addr(r[1], PSZ_4K), 0x16000);
    ck_assert_uint_eq(cyc, ENTRY + READ_LAT + STEP + EXIT);
    /* H_READ_4 of slots 4..7: absent, valid, absent, empty */
    uint64_t b[8] = {H_READ_4 | H_R_XLATE, base + 7};
    ck_assert_int_eq(hc(&v, H_READ, b, r, NULL), H_SUCCESS);
    ck_assert_uint_eq(r[0], g4.v);
    ck_assert_uint_eq(r[1], g4.r);
    ck_assert_uint_eq(r[2], hpt_read(t, p5).v);
    ck_assert_uint_eq(hpte_real_addr(r[3], PSZ_4K), 0x15000); /* translated back */
    ck_assert_uint_eq(r[4], g6.v);
    ck_assert_uint_eq(r[5], g6.r);
    ck_assert_uint_eq(r[6], 0);
    ck_assert_uint_eq(r[7], 0);
    /* the entries themselves stay absent */
    ck_assert_uint_eq(hpt_read(t, base + 4).v, absent_of(g4).v);
    ck_assert_uint_eq(hpt_read(t, base + 6).v, absent_of(g6).v);
    env_free(&v);
}
END_TEST

/* ---- H_PROTECT ---------------------------------------------------------- */

START_TEST(protect_rewrites_absent_in_place)
{
    env v;
    env_std(&v);
    const hpt *t = hyp_lpar_hpt(v.h, 0);
    hpte g;
    uint64_t p = put_absent(&v, 3, 0x5000, &g);
    uint64_t before = tlbies(&v);
    /* pp 1, N, with H_AVPN matching the guest's view */
    uint64_t a[8] = {H_AVPN | 0x1 | 0x4, p, g.v & ~0x7fULL}, r[8], cyc;
    ck_assert_int_eq(hc(&v, H_PROTECT, a, r, &cyc), H_SUCCESS);
    hpte n = hpt_read(t, p);
    ck_assert_uint_eq(n.v, absent_of(g).v); /* still absent */
    ck_assert(!(n.v & HPTE_V_VALID));
    ck_assert_uint_eq(hpte_pp(n.r), 1);
    ck_assert(n.r & HPTE_R_N);
    ck_assert_uint_eq(hpte_real_addr(n.r, PSZ_4K), 0x5000); /* the logical page kept */
    ck_assert_uint_eq(tlbies(&v), before);
    ck_assert_uint_eq(cyc, ENTRY + READ_LAT + STEP + STEP + WRITE_LAT + EXIT);
    /* AVPN mismatch: not found, unchanged */
    uint64_t b[8] = {H_AVPN | 0x2, p, (g.v & ~0x7fULL) ^ 0x100};
    ck_assert_int_eq(hc(&v, H_PROTECT, b, r, NULL), H_NOT_FOUND);
    ck_assert_uint_eq(hpte_pp(hpt_read(t, p).r), 1);
    env_free(&v);
}
END_TEST

/* ---- H_CLEAR_REF / H_CLEAR_MOD ------------------------------------------ */

START_TEST(clear_ref_mod_absent_in_place)
{
    env v;
    env_std(&v);
    const hpt *t = hyp_lpar_hpt(v.h, 0);
    hpte g;
    uint64_t p = put_absent(&v, 0, 0x5000, &g);
    hpte x = hpt_read(t, p);
    x.r |= HPTE_R_R | HPTE_R_C;
    hpt_write(t, p, x);
    uint64_t before = tlbies(&v);
    uint64_t a[8] = {0, p}, r[8], cyc;
    ck_assert_int_eq(hc(&v, H_CLEAR_REF, a, r, &cyc), H_SUCCESS);
    ck_assert_uint_eq(r[0], x.r);
    hpte y = hpt_read(t, p);
    ck_assert(!(y.r & HPTE_R_R));
    ck_assert(y.r & HPTE_R_C);
    ck_assert_uint_eq(y.v, x.v); /* still absent */
    ck_assert_uint_eq(cyc, ENTRY + READ_LAT + STEP + WRITE_LAT + EXIT);
    ck_assert_int_eq(hc(&v, H_CLEAR_MOD, a, r, &cyc), H_SUCCESS);
    ck_assert(r[0] & HPTE_R_C);
    ck_assert(!(r[0] & HPTE_R_R));
    y = hpt_read(t, p);
    ck_assert(!(y.r & (HPTE_R_R | HPTE_R_C)));
    ck_assert_uint_eq(y.v, x.v);
    ck_assert_uint_eq(hpte_real_addr(y.r, PSZ_4K), 0x5000);
    ck_assert_uint_eq(cyc, ENTRY + READ_LAT + STEP + WRITE_LAT + EXIT);
    ck_assert_uint_eq(tlbies(&v), before);
    /* bits already clear: found, nothing written */
    ck_assert_int_eq(hc(&v, H_CLEAR_REF, a, r, &cyc), H_SUCCESS);
    ck_assert_uint_eq(cyc, ENTRY + READ_LAT + STEP + EXIT);
    ck_assert_int_eq(hc(&v, H_CLEAR_MOD, a, r, &cyc), H_SUCCESS);
    ck_assert_uint_eq(cyc, ENTRY + READ_LAT + STEP + EXIT);
    env_free(&v);
}
END_TEST

/* ---- H_ENTER ------------------------------------------------------------ */

START_TEST(enter_never_takes_an_absent_slot)
{
    env v;
    env_std(&v);
    const hpt *t = hyp_lpar_hpt(v.h, 0);
    uint64_t base = pteg0(&v) * 8;
    for (unsigned s = 0; s < 8; s++)
        if (s != 5)
            put_absent(&v, s, 0x20000 + s * 0x1000, NULL);
    hpte g = guest4k(EA + (9ULL << 23), 0x30000);
    /* H_EXACT on an absent slot: occupied */
    uint64_t a[8] = {H_EXACT, base + 2, g.v, g.r}, r[8];
    ck_assert_int_eq(hc(&v, H_ENTER, a, r, NULL), H_PTEG_FULL);
    ck_assert(hpt_read(t, base + 2).v & HPTE_V_ABSENT);
    /* without: the one free slot, 5 */
    a[0] = 0;
    ck_assert_int_eq(hc(&v, H_ENTER, a, r, NULL), H_SUCCESS);
    ck_assert_uint_eq(r[0], base + 5);
    /* now 7 absent + 1 valid: full */
    hpte h = guest4k(EA + (10ULL << 23), 0x31000);
    uint64_t b[8] = {0, base, h.v, h.r};
    ck_assert_int_eq(hc(&v, H_ENTER, b, r, NULL), H_PTEG_FULL);
    for (unsigned s = 0; s < 8; s++)
        ck_assert_msg(s == 5 ? (hpt_read(t, base + s).v & HPTE_V_VALID) != 0
                             : (hpt_read(t, base + s).v & HPTE_V_ABSENT) != 0,
                      "slot %u", s);
    env_free(&v);
}
END_TEST

/* A backing feature that says every page is not resident (as the paging
 * feature's xlate for a page that is paged out); counts its other hooks. */
typedef struct absent_ext {
    unsigned xlates, checks, inserts;
} absent_ext;

static uint64_t ax_xlate(void *ctx, hcall_ctx *c, uint64_t la)
{
    (void)c, (void)la;
    ((absent_ext *)ctx)->xlates++;
    return HYP_XLATE_ABSENT;
}

static long ax_check(void *ctx, hcall_ctx *c, uint64_t ra, uint64_t bytes)
{
    (void)c, (void)ra, (void)bytes;
    ((absent_ext *)ctx)->checks++;
    return H_SUCCESS;
}

static void ax_insert(void *ctx, hcall_ctx *c, uint64_t ptex, hpte e, uint64_t ra)
{
    (void)c, (void)ptex, (void)e, (void)ra;
    ((absent_ext *)ctx)->inserts++;
}

START_TEST(enter_writes_an_absent_entry)
{
    env v;
    env_std(&v);
    absent_ext ax = {0};
    hyp_ext x = {.ctx = &ax, .check_enter = ax_check, .on_insert = ax_insert, .xlate = ax_xlate};
    ck_assert_int_eq(hyp_add_ext(v.h, &x), 0);
    const hpt *t = hyp_lpar_hpt(v.h, 0);
    uint64_t base = pteg0(&v) * 8;
    hpte g = guest4k(EA, 0x42000);
    uint64_t a[8] = {H_ZERO_PAGE, base, g.v, g.r}, r[8], cyc;
    uint64_t inserted = counter(&v, "hypervisor.hptes_inserted");
    ck_assert_int_eq(hc(&v, H_ENTER, a, r, &cyc), H_SUCCESS);
    ck_assert_uint_eq(r[0], base);
    hpte n = hpt_read(t, base);
    ck_assert_uint_eq(n.v, absent_of(g).v);
    ck_assert_uint_eq(n.r, g.r); /* the logical page, not a real address */
    ck_assert_uint_eq(ax.xlates, 1);
    ck_assert_uint_eq(ax.checks, 0);  /* no real page to check */
    ck_assert_uint_eq(ax.inserts, 0); /* not a valid entry */
    ck_assert_uint_eq(counter(&v, "hypervisor.hptes_inserted"), inserted);
    /* H_ZERO_PAGE has no frame to zero: entry, PTEG read, 2 steps, write, exit */
    ck_assert_uint_eq(cyc, ENTRY + READ_LAT + STEP + STEP + WRITE_LAT + EXIT);
    ck_assert_uint_eq(v.fp[0].writes, 1);
    /* the guest finds it with H_READ as it entered it, and removes it */
    uint64_t b[8] = {0, base};
    ck_assert_int_eq(hc(&v, H_READ, b, r, NULL), H_SUCCESS);
    ck_assert_uint_eq(r[0], g.v);
    ck_assert_uint_eq(r[1], g.r);
    uint64_t c[8] = {H_AVPN, base, g.v & ~0x7fULL};
    ck_assert_int_eq(hc(&v, H_REMOVE, c, r, NULL), H_SUCCESS);
    ck_assert_uint_eq(hpt_read(t, base).v, 0);
    env_free(&v);
}
END_TEST

/* H_CLEAR_MOD on a valid entry whose C is set hands the modification to
 * the hooks (paging keeps the page dirty); with C clear, or on an absent
 * entry, they hear nothing. */
typedef struct harvest_ext {
    unsigned calls;
    uint64_t ptex, ra, old_r;
} harvest_ext;

static void hx_clear_mod(void *ctx, hcall_ctx *c, uint64_t ptex, hpte old, uint64_t ra)
{
    (void)c;
    harvest_ext *h = ctx;
    h->calls++;
    h->ptex = ptex;
    h->ra = ra;
    h->old_r = old.r;
}

START_TEST(clear_mod_hands_c_to_the_hooks)
{
    env v;
    env_std(&v);
    harvest_ext hx = {0};
    hyp_ext x = {.ctx = &hx, .on_clear_mod = hx_clear_mod};
    ck_assert_int_eq(hyp_add_ext(v.h, &x), 0);
    const hpt *t = hyp_lpar_hpt(v.h, 0);
    uint64_t p = put_valid(&v, 1, 0x7000);
    hpte e = hpt_read(t, p);
    uint64_t a[8] = {0, p}, r[8], cyc;
    ck_assert_int_eq(hc(&v, H_CLEAR_MOD, a, r, &cyc), H_SUCCESS); /* C clear */
    ck_assert_uint_eq(hx.calls, 0);
    e.r |= HPTE_R_C;
    hpt_write(t, p, e);
    ck_assert_int_eq(hc(&v, H_CLEAR_MOD, a, r, &cyc), H_SUCCESS);
    ck_assert_uint_eq(hx.calls, 1);
    ck_assert_uint_eq(hx.ptex, p);
    ck_assert(hx.old_r & HPTE_R_C);
    ck_assert_uint_eq(hx.ra, hpte_real_addr(e.r, PSZ_4K));
    ck_assert(!(hpt_read(t, p).r & HPTE_R_C));
    hpte g;
    uint64_t q = put_absent(&v, 2, 0x8000, &g);
    hpte y = hpt_read(t, q);
    y.r |= HPTE_R_C;
    hpt_write(t, q, y);
    uint64_t b[8] = {0, q};
    ck_assert_int_eq(hc(&v, H_CLEAR_MOD, b, r, &cyc), H_SUCCESS);
    ck_assert_uint_eq(hx.calls, 1); /* absent: its C is the hypervisor's already */
    env_free(&v);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("hcall_absent");
    TCase *t = tcase_create("absent");
    tcase_add_test(t, remove_finds_absent_without_tlbie);
    tcase_add_test(t, remove_absent_avpn_uses_the_guest_view);
    tcase_add_test(t, bulk_remove_absent_and_valid);
    tcase_add_test(t, read_returns_the_guest_view);
    tcase_add_test(t, protect_rewrites_absent_in_place);
    tcase_add_test(t, clear_ref_mod_absent_in_place);
    tcase_add_test(t, enter_never_takes_an_absent_slot);
    tcase_add_test(t, enter_writes_an_absent_entry);
    tcase_add_test(t, clear_mod_hands_c_to_the_hooks);
    suite_add_tcase(s, t);
    return tu_run_suite(s);
}
