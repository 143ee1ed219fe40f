/*
 * check_hcall.c - unit tests of sim/hyp: LMB allocation, hypervisor memory
 * sizing, the PAPR HPT hcalls (H_ENTER, H_REMOVE, H_PROTECT, H_READ,
 * H_CLEAR_REF, H_CLEAR_MOD, H_BULK_REMOVE), their TLB invalidations and
 * their exact cycle costs, the ownership invariant (an LPAR can only map
 * its own LMBs), and hpte_slot_vpn (sim/mmu/hpte_vpn.h).
 *
 * The environment is built by hand: one 1G memory module, 4 hardware
 * threads with default TLBs, a tlbie fabric, and a fake memory port per
 * thread that counts accesses and returns READ_LAT for reads and WRITE_LAT
 * for writes, so every cost below is computed by hand from the hypervisor
 * defaults: entry 150, exit 100, step 4; tlbie 2660 + 1672 per extra page.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "hyp/hcall.h"
#include "hyp/hyp.h"
#include "hyp/hyp_int.h" /* white box: the hcall registry check */
#include "mmu/hpte_vpn.h"
#include "testutil.h"

#include "unit/hcall_rig.h"

/* Standard setup: 1G, hypervisor sized for two 256M LPARs: LPAR 0 with a
 * 256K HPT (2048 PTEGs), LPAR 1 with the default (256M/128 = 2M). */
static void env_std(env *v)
{
    env_base(v, 1 * GB, 256 * MB);
    uint64_t mem[2] = {256 * MB, 256 * MB}, hsz[2] = {256 * KB, 0};
    uint64_t need = hyp_memory_needed(&v->hc, 2, mem, hsz, 4);
    ck_assert_uint_eq(need, 256 * MB);
    sim_err e = {{0}};
    hyp_env he = henv(v);
    v->h = hyp_create(&v->hc, &he, need, &e);
    ck_assert_msg(v->h != NULL, "%s", e.msg);
    ck_assert_int_eq(hyp_lpar_create(v->h, "a", 256 * MB, 256 * KB, &e), 0);
    ck_assert_int_eq(hyp_lpar_create(v->h, "b", 256 * MB, 0, &e), 1);
}


static long hc(env *v, unsigned lpid, unsigned thread, uint64_t now, uint64_t op,
               const uint64_t *args, uint64_t *rets, uint64_t *cycles)
{
    uint64_t a[8] = {0}, r[8] = {0}, cyc = 0;
    if (args)
        memcpy(a, args, sizeof a);
    long rc = hyp_hcall(v->h, lpid, thread, now, op, a, r, &cyc);
    if (rets)
        memcpy(rets, r, sizeof r);
    if (cycles)
        *cycles = cyc;
    return rc;
}

static const hpte_attrs RW_M = {.pp = 2, .key = 0, .wimg = 2, .noexec = false, .bolted = false};
static const hpte_attrs RW_M_BOLTED = {.pp = 2, .key = 0, .wimg = 2, .noexec = false,
                                       .bolted = true};

/* A 4K translation: VSID `vsid`, EA `ea` -> logical address la. */
static hpte mk4k(uint64_t vsid, uint64_t ea, uint64_t la, bool sec)
{
    return hpte_make(vsid, ea, false, PSZ_4K, PSZ_4K, la, &RW_M, sec);
}

static uint64_t pteg_of(const hpt *t, uint64_t vsid, uint64_t ea, unsigned shift, bool sec)
{
    return hpt_pteg_index(t, hpt_hash(vsid, ea, shift, false), sec);
}

/* H_ENTER without flags into the primary PTEG of (vsid, ea); returns rc. */
static long enter4k(env *v, unsigned lpid, uint64_t vsid, uint64_t ea, uint64_t la,
                    uint64_t *slot, uint64_t *cycles)
{
    const hpt *t = hyp_lpar_hpt(v->h, lpid);
    hpte x = mk4k(vsid, ea, la, false);
    uint64_t a[8] = {0, pteg_of(t, vsid, ea, 12, false) * 8, x.v, x.r}, r[8];
    long rc = hc(v, lpid, 0, 1000, H_ENTER, a, r, cycles);
    if (slot)
        *slot = r[0];
    return rc;
}

static uint64_t counter(env *v, const char *name)
{
    uint64_t x = 0;
    ck_assert_msg(stats_get_counter(v->st, name, &x) == 0, "no counter %s", name);
    return x;
}

#define VSID 0x123456789ULL
#define EA 0x10005000ULL

/* H_ENTER costs: entry + LMB-table read + PTEG read + (slot+1) steps +
 * 1 step + HPTE write + exit */
static uint64_t enter_cost(unsigned slot)
{
    return ENTRY + READ_LAT + READ_LAT + (slot + 1) * STEP + STEP + WRITE_LAT + EXIT;
}

/* ---- H_ENTER ------------------------------------------------------------ */

START_TEST(enter_success_first_free_slot_and_real_address)
{
    env v;
    env_std(&v);
    const hpt *t = hyp_lpar_hpt(v.h, 0);
    uint64_t pteg = pteg_of(t, VSID, EA, 12, false);
    uint64_t slot, cyc;
    /* two entries into the same PTEG (different EAs, same hash via bits 23+) */
    ck_assert_int_eq(enter4k(&v, 0, VSID, EA, 0x3000, &slot, &cyc), H_SUCCESS);
    ck_assert_uint_eq(slot, pteg * 8 + 0);
    ck_assert_uint_eq(cyc, enter_cost(0)); /* 150+10+10+4+4+6+100 = 284 */
    ck_assert_uint_eq(cyc, 284);
    /* EA differing only in bit 23 of the segment offset hashes to the same PTEG */
    uint64_t ea2 = EA + (1ull << 23);
    ck_assert_uint_eq(pteg_of(t, VSID, ea2, 12, false), pteg);
    ck_assert_int_eq(enter4k(&v, 0, VSID, ea2, 0x7000, &slot, &cyc), H_SUCCESS);
    ck_assert_uint_eq(slot, pteg * 8 + 1);
    ck_assert_uint_eq(cyc, enter_cost(1));
    /* the HPTE holds the REAL address: LPAR 0's LMB 0 is the slot after the
     * hypervisor's 256M, so logical 0x3000 -> real 256M + 0x3000 */
    hpte x = hpt_read(t, pteg * 8);
    ck_assert_uint_eq(hyp_logical_to_real(v.h, 0, 0x3000), 256 * MB + 0x3000);
    ck_assert_uint_eq(hpte_real_addr(x.r, PSZ_4K), 256 * MB + 0x3000);
    ck_assert(x.v & HPTE_V_VALID);
    ck_assert_uint_eq(x.v, mk4k(VSID, EA, 0x3000, false).v);
    /* everything except the RPN is the guest's ptel */
    ck_assert_uint_eq(x.r & ~HPTE_R_RPN, mk4k(VSID, EA, 0x3000, false).r & ~HPTE_R_RPN);
    /* the LPAR 1 HPT is untouched, LPAR 1 maps at 512M */
    ck_assert_uint_eq(hyp_logical_to_real(v.h, 1, 0x3000), 512 * MB + 0x3000);
    /* the PTEG read went to the HPT's real address */
    ck_assert_uint_eq(v.fp[0].reads, 4);
    ck_assert_uint_eq(v.fp[0].writes, 2);
    /* op record */
    const op_type *o = ops_find(v.ops, "hcall.H_ENTER");
    ck_assert_ptr_nonnull(o);
    ck_assert_uint_eq(o->count, 2);
    ck_assert_uint_eq(o->total, enter_cost(0) + enter_cost(1));
    ck_assert_uint_eq(counter(&v, "hypervisor.hptes_inserted"), 2);
    ck_assert_uint_eq(counter(&v, "hypervisor.hcalls"), 2);
    ck_assert_uint_eq(counter(&v, "hypervisor.hcall_errors"), 0);
    env_free(&v);
}
END_TEST

START_TEST(enter_exact_and_full_pteg)
{
    env v;
    env_std(&v);
    const hpt *t = hyp_lpar_hpt(v.h, 0);
    uint64_t pteg = pteg_of(t, VSID, EA, 12, false);
    hpte x = mk4k(VSID, EA, 0x5000, false);
    uint64_t a[8] = {H_EXACT, pteg * 8 + 5, x.v, x.r}, r[8], cyc;
    ck_assert_int_eq(hc(&v, 0, 0, 0, H_ENTER, a, r, &cyc), H_SUCCESS);
    ck_assert_uint_eq(r[0], pteg * 8 + 5);
    ck_assert_uint_eq(cyc, enter_cost(0)); /* H_EXACT: one step for the slot */
    ck_assert(hpt_read(t, pteg * 8 + 5).v & HPTE_V_VALID);
    ck_assert(!(hpt_read(t, pteg * 8 + 0).v & HPTE_V_VALID));
    /* same slot again: occupied */
    ck_assert_int_eq(hc(&v, 0, 0, 0, H_ENTER, a, r, &cyc), H_PTEG_FULL);
    ck_assert_uint_eq(cyc, ENTRY + 2 * READ_LAT + STEP + EXIT);
    /* without H_EXACT fill the rest: slots 0..4, 6, 7 in order */
    const unsigned expect[7] = {0, 1, 2, 3, 4, 6, 7};
    for (unsigned i = 0; i < 7; i++) {
        uint64_t s;
        ck_assert_int_eq(enter4k(&v, 0, VSID, EA + ((uint64_t)(i + 1) << 23), 0x9000, &s, &cyc),
                         H_SUCCESS);
        ck_assert_uint_eq(s, pteg * 8 + expect[i]);
        ck_assert_uint_eq(cyc, enter_cost(expect[i]));
    }
    /* full: 8 steps examined */
    ck_assert_int_eq(enter4k(&v, 0, VSID, EA + (9ull << 23), 0x9000, NULL, &cyc), H_PTEG_FULL);
    ck_assert_uint_eq(cyc, ENTRY + 2 * READ_LAT + 8 * STEP + EXIT); /* 302 */
    ck_assert_uint_eq(counter(&v, "hypervisor.hcall_errors"), 2);
    /* the PTEG-full H_ENTER never probed the secondary group */
    uint64_t sec = pteg_of(t, VSID, EA, 12, true);
    for (unsigned s = 0; s < 8; s++)
        ck_assert_uint_eq(hpt_read(t, sec * 8 + s).v, 0);
    env_free(&v);
}
END_TEST

START_TEST(enter_parameter_errors)
{
    env v;
    env_std(&v);
    const hpt *t = hyp_lpar_hpt(v.h, 0);
    uint64_t pteg = pteg_of(t, VSID, EA, 12, false);
    uint64_t r[8], cyc;
    /* bad page-size encoding: L set, LP bits 0 */
    hpte x = mk4k(VSID, EA, 0x5000, false);
    uint64_t a[8] = {0, pteg * 8, x.v | HPTE_V_LARGE, x.r};
    ck_assert_int_eq(hc(&v, 0, 0, 0, H_ENTER, a, r, &cyc), H_PARAMETER);
    ck_assert_uint_eq(cyc, ENTRY + EXIT);
    /* L set, LP = 0x3 (no such code for either base) */
    a[3] = (x.r & ~0xf000ULL) | 0x3000;
    ck_assert_int_eq(hc(&v, 0, 0, 0, H_ENTER, a, r, &cyc), H_PARAMETER);
    /* WIMG other than M: I, W, G, none, M|G */
    const uint64_t wimg[] = {HPTE_R_I | HPTE_R_M, HPTE_R_W | HPTE_R_M, HPTE_R_G | HPTE_R_M, 0,
                             HPTE_R_I | HPTE_R_G};
    for (unsigned i = 0; i < 5; i++) {
        uint64_t b[8] = {0, pteg * 8, x.v, (x.r & ~HPTE_R_WIMG) | wimg[i]};
        ck_assert_int_eq(hc(&v, 0, 0, 0, H_ENTER, b, r, NULL), H_PARAMETER);
    }
    /* logical address beyond the LPAR's memory (256M) */
    hpte y = mk4k(VSID, EA, 256 * MB, false);
    uint64_t c[8] = {0, pteg * 8, y.v, y.r};
    ck_assert_int_eq(hc(&v, 0, 0, 0, H_ENTER, c, r, &cyc), H_PARAMETER);
    ck_assert_uint_eq(cyc, ENTRY + EXIT); /* rejected before any access */
    /* last page is fine */
    y = mk4k(VSID, EA, 256 * MB - 4 * KB, false);
    c[2] = y.v;
    c[3] = y.r;
    ck_assert_int_eq(hc(&v, 0, 0, 0, H_ENTER, c, r, NULL), H_SUCCESS);
    ck_assert_uint_eq(hpte_real_addr(hpt_read(t, r[0]).r, PSZ_4K), 512 * MB - 4 * KB);
    /* 64K page straddling the end: la = 256M - 64K ok, 256M not */
    hpte z = hpte_make(VSID, EA, false, PSZ_4K, PSZ_64K, 256 * MB, &RW_M, false);
    uint64_t d[8] = {0, pteg_of(t, VSID, EA, 16, false) * 8, z.v, z.r};
    ck_assert_int_eq(hc(&v, 0, 0, 0, H_ENTER, d, r, NULL), H_PARAMETER);
    /* ptex out of range: 2048 PTEGs * 8 */
    uint64_t f[8] = {0, 2048 * 8, x.v, x.r};
    ck_assert_int_eq(hc(&v, 0, 0, 0, H_ENTER, f, r, NULL), H_PARAMETER);
    f[0] = H_EXACT;
    f[1] = UINT64_MAX;
    ck_assert_int_eq(hc(&v, 0, 0, 0, H_ENTER, f, r, NULL), H_PARAMETER);
    /* but the same ptex is valid for LPAR 1's 2M HPT (16384 PTEGs) */
    f[0] = 0;
    f[1] = 2048 * 8;
    ck_assert_int_eq(hc(&v, 1, 0, 0, H_ENTER, f, r, NULL), H_SUCCESS);
    ck_assert_uint_eq(counter(&v, "hypervisor.hptes_inserted"), 2);
    env_free(&v);
}
END_TEST

START_TEST(enter_large_pages_keep_lp)
{
    env v;
    env_std(&v);
    const hpt *t = hyp_lpar_hpt(v.h, 1);
    uint64_t r[8];
    /* 64K page, 4K base: LP code 0x7 in r bits 12..15; logical 0x120000 */
    hpte x = hpte_make(VSID, EA, false, PSZ_4K, PSZ_64K, 0x120000, &RW_M, false);
    ck_assert_uint_eq(x.r & 0xf000, 0x7000);
    uint64_t a[8] = {0, pteg_of(t, VSID, EA, 16, false) * 8, x.v, x.r};
    ck_assert_int_eq(hc(&v, 1, 0, 0, H_ENTER, a, r, NULL), H_SUCCESS);
    hpte got = hpt_read(t, r[0]);
    ck_assert_uint_eq(got.r & 0xf000, 0x7000);
    ck_assert_int_eq(hpte_decode_psize(got.v, got.r, PSZ_4K), PSZ_64K);
    ck_assert_uint_eq(hpte_real_addr(got.r, PSZ_64K), 512 * MB + 0x120000);
    /* 64K page, 64K base: code 0x1 */
    x = hpte_make(VSID, EA, false, PSZ_64K, PSZ_64K, 0x130000, &RW_M, false);
    a[2] = x.v;
    a[3] = x.r;
    ck_assert_int_eq(hc(&v, 1, 0, 0, H_ENTER, a, r, NULL), H_SUCCESS);
    got = hpt_read(t, r[0]);
    ck_assert_uint_eq(got.r & 0xf000, 0x1000);
    ck_assert_uint_eq(hpte_real_addr(got.r, PSZ_64K), 512 * MB + 0x130000);
    /* 16M page, 4K base: code 0x38 in bits 12..23; logical 32M */
    x = hpte_make(VSID, EA, false, PSZ_4K, PSZ_16M, 32 * MB, &RW_M, false);
    ck_assert_uint_eq(x.r & 0xfff000, 0x38000);
    uint64_t b[8] = {0, pteg_of(t, VSID, EA, 24, false) * 8, x.v, x.r};
    ck_assert_int_eq(hc(&v, 1, 0, 0, H_ENTER, b, r, NULL), H_SUCCESS);
    got = hpt_read(t, r[0]);
    ck_assert_uint_eq(got.r & 0xfff000, 0x38000);
    ck_assert_uint_eq(hpte_real_addr(got.r, PSZ_16M), 512 * MB + 32 * MB);
    /* 16M page, 64K base: code 0x8 */
    x = hpte_make(VSID, EA, false, PSZ_64K, PSZ_16M, 48 * MB, &RW_M, false);
    b[2] = x.v;
    b[3] = x.r;
    ck_assert_int_eq(hc(&v, 1, 0, 0, H_ENTER, b, r, NULL), H_SUCCESS);
    got = hpt_read(t, r[0]);
    ck_assert_uint_eq(got.r & 0xfff000, 0x8000);
    ck_assert_uint_eq(hpte_real_addr(got.r, PSZ_16M), 512 * MB + 48 * MB);
    /* the last 16M page fits, one beyond does not */
    x = hpte_make(VSID, EA, false, PSZ_4K, PSZ_16M, 240 * MB, &RW_M, false);
    b[2] = x.v;
    b[3] = x.r;
    ck_assert_int_eq(hc(&v, 1, 0, 0, H_ENTER, b, r, NULL), H_SUCCESS);
    x = hpte_make(VSID, EA, false, PSZ_4K, PSZ_16M, 256 * MB, &RW_M, false);
    b[2] = x.v;
    b[3] = x.r;
    ck_assert_int_eq(hc(&v, 1, 0, 0, H_ENTER, b, r, NULL), H_PARAMETER);
    env_free(&v);
}
END_TEST

START_TEST(enter_zero_page_charges_lines)
{
    env v;
    env_std(&v);
    const hpt *t = hyp_lpar_hpt(v.h, 0);
    hpte x = mk4k(VSID, EA, 0x5000, false);
    uint64_t a[8] = {H_ZERO_PAGE, pteg_of(t, VSID, EA, 12, false) * 8, x.v, x.r}, r[8], cyc;
    ck_assert_int_eq(hc(&v, 0, 2, 0, H_ENTER, a, r, &cyc), H_SUCCESS);
    /* 4096 / 128 = 32 line writes of 6 cycles on top of the plain cost */
    ck_assert_uint_eq(cyc, enter_cost(0) + 32 * WRITE_LAT);
    ck_assert_uint_eq(v.fp[2].writes, 33);
    ck_assert_uint_eq(v.fp[2].reads, 2);
    /* 64K page: 512 lines */
    hpte y = hpte_make(VSID, EA, false, PSZ_4K, PSZ_64K, 0x20000, &RW_M, false);
    uint64_t b[8] = {H_ZERO_PAGE, pteg_of(t, VSID, EA, 16, false) * 8, y.v, y.r};
    ck_assert_int_eq(hc(&v, 0, 3, 0, H_ENTER, b, r, &cyc), H_SUCCESS);
    ck_assert_uint_eq(cyc, enter_cost(0) + 512 * WRITE_LAT);
    ck_assert_uint_eq(v.fp[3].writes, 513);
    ck_assert_uint_eq(v.fp[3].bytes, 8 + 128 + 64 * KB + 16);
    /* the time was charged to the thread that made the call only */
    ck_assert_uint_eq(v.fp[0].reads + v.fp[0].writes + v.fp[1].reads + v.fp[1].writes, 0);
    env_free(&v);
}
END_TEST

/* ---- ownership property ------------------------------------------------- */

START_TEST(lpar_cannot_map_outside_its_lmbs)
{
    env v;
    env_std(&v);
    rng g;
    rng_seed(&g, 0xfeedULL);
    unsigned ok[2] = {0, 0}, bad[2] = {0, 0};
    for (unsigned i = 0; i < 6000; i++) {
        unsigned lp = (unsigned)rng_below(&g, 2);
        const hpt *t = hyp_lpar_hpt(v.h, lp);
        hpt_psize ps = (hpt_psize)rng_below(&g, 3);
        hpt_psize base = ps == PSZ_4K ? PSZ_4K : (hpt_psize)rng_below(&g, 2);
        unsigned shift = hpt_psize_shift(ps);
        uint64_t la;
        switch (rng_below(&g, 4)) {
        case 0: la = rng_below(&g, 256 * MB); break;               /* valid */
        case 1: la = 256 * MB - 1 - rng_below(&g, 32 * MB); break; /* near the end */
        case 2: la = 256 * MB + rng_below(&g, 1 * GB); break;      /* into others' memory */
        default: la = rng_next(&g) & HPTE_R_RPN; break;            /* anywhere */
        }
        uint64_t vsid = 1 + rng_below(&g, (1ull << 40) - 2);
        uint64_t ea = rng_next(&g) & 0x0fffffffULL;
        bool sec = rng_below(&g, 2);
        hpte x = hpte_make(vsid, ea, false, base, ps, la, &RW_M, sec);
        /* also garbage in the bits above the RPN (key, PP0) */
        x.r |= rng_next(&g) & (HPTE_R_KEY_HI | HPTE_R_PP0);
        uint64_t pteg = pteg_of(t, vsid, ea, shift, sec);
        uint64_t a[8] = {rng_below(&g, 4) == 0 ? H_EXACT : 0,
                         pteg * 8 + rng_below(&g, 8), x.v, x.r}, r[8];
        long rc = hc(&v, lp, (unsigned)rng_below(&g, NTHREADS), i, H_ENTER, a, r, NULL);
        uint64_t page = la & ~((1ull << shift) - 1);
        if (rc == H_SUCCESS) {
            ok[lp]++;
            ck_assert_msg(page + (1ull << shift) <= 256 * MB, "accepted la 0x%llx",
                          (unsigned long long)la);
        } else {
            ck_assert_msg(rc == H_PTEG_FULL || rc == H_PARAMETER, "rc %ld", rc);
            if (rc == H_PARAMETER) {
                bad[lp]++;
                ck_assert_msg(page + (1ull << shift) > 256 * MB, "refused la 0x%llx",
                              (unsigned long long)la);
            }
        }
    }
    ck_assert_uint_gt(ok[0], 1000);
    ck_assert_uint_gt(ok[1], 1000);
    ck_assert_uint_gt(bad[0], 500);
    ck_assert_uint_gt(bad[1], 500);
    /* scan both HPTs */
    uint64_t hyp_mem = hyp_memory_bytes(v.h);
    unsigned valid = 0;
    for (unsigned lp = 0; lp < 2; lp++) {
        const hpt *t = hyp_lpar_hpt(v.h, lp);
        for (uint64_t p = 0; p < t->npteg * 8; p++) {
            hpte x = hpt_read(t, p);
            if (!(x.v & HPTE_V_VALID))
                continue;
            valid++;
            int ps = hpte_decode_psize_any(x.v, x.r);
            ck_assert_int_ge(ps, 0);
            uint64_t ra = hpte_real_addr(x.r, (hpt_psize)ps);
            uint64_t last = ra + (1ull << hpt_psize_shift((hpt_psize)ps)) - 1;
            ck_assert_msg(hyp_real_owned_by(v.h, lp, ra) && hyp_real_owned_by(v.h, lp, last),
                          "LPAR %u HPTE %llu maps 0x%llx", lp, (unsigned long long)p,
                          (unsigned long long)ra);
            ck_assert(!hyp_real_owned_by(v.h, 1 - lp, ra));
            ck_assert(!hyp_real_owned_by(v.h, 1 - lp, last));
            ck_assert_uint_ge(ra, hyp_mem);
        }
    }
    ck_assert_uint_eq(valid, ok[0] + ok[1]);
    ck_assert_uint_eq(counter(&v, "hypervisor.hptes_inserted"), ok[0] + ok[1]);
    env_free(&v);
}
END_TEST

/* ---- H_REMOVE ----------------------------------------------------------- */

/* Enter (VSID, EA) -> la into LPAR lp and put the translation into every
 * thread's TLB; returns the ptex. */
static uint64_t enter_and_cache(env *v, unsigned lp, uint64_t vsid, uint64_t ea, uint64_t la)
{
    uint64_t slot;
    ck_assert_int_eq(enter4k(v, lp, vsid, ea, la, &slot, NULL), H_SUCCESS);
    uint64_t vpn = hpte_vpn(vsid, ea, 12, false);
    for (unsigned i = 0; i < NTHREADS; i++)
        tlb_insert(v->tlbs[i], lp, vpn, PSZ_4K, hyp_logical_to_real(v->h, lp, la) >> 12, 3);
    return slot;
}

START_TEST(remove_success_and_tlb_scope)
{
    env v;
    env_std(&v);
    uint64_t p0 = enter_and_cache(&v, 0, VSID, EA, 0x5000);
    uint64_t p1 = enter_and_cache(&v, 1, VSID, EA, 0x5000); /* same VPN, other LPAR */
    /* an unrelated LPAR 0 translation in the TLBs */
    uint64_t other = hpte_vpn(VSID, EA + 0x1000, 12, false);
    for (unsigned i = 0; i < NTHREADS; i++)
        tlb_insert(v.tlbs[i], 0, other, PSZ_4K, 77, 3);
    hpte before = hpt_read(hyp_lpar_hpt(v.h, 0), p0);
    uint64_t a[8] = {0, p0, 0}, r[8], cyc;
    uint64_t tlbies = tlbie_get_stats(v.fab)->tlbies;
    ck_assert_int_eq(hc(&v, 0, 1, 5000, H_REMOVE, a, r, &cyc), H_SUCCESS);
    ck_assert_uint_eq(r[0], before.v);
    ck_assert_uint_eq(r[1], before.r);
    hpte after = hpt_read(hyp_lpar_hpt(v.h, 0), p0);
    ck_assert_uint_eq(after.v, 0);
    ck_assert_uint_eq(after.r, 0);
    /* entry + read + step + write + tlbie(1 page) + exit */
    ck_assert_uint_eq(cyc, ENTRY + READ_LAT + STEP + WRITE_LAT + TLBIE1 + EXIT);
    ck_assert_uint_eq(tlbie_global_work(&v.tc, 1), TLBIE1);
    ck_assert_uint_eq(tlbie_get_stats(v.fab)->tlbies, tlbies + 1);
    uint64_t vpn = hpte_vpn(VSID, EA, 12, false);
    for (unsigned i = 0; i < NTHREADS; i++) {
        ck_assert_ptr_null(tlb_lookup(v.tlbs[i], 0, vpn, PSZ_4K));
        ck_assert_ptr_nonnull(tlb_lookup(v.tlbs[i], 1, vpn, PSZ_4K));
        ck_assert_ptr_nonnull(tlb_lookup(v.tlbs[i], 0, other, PSZ_4K));
    }
    ck_assert(hpt_read(hyp_lpar_hpt(v.h, 1), p1).v & HPTE_V_VALID);
    /* removing again: not valid -> H_NOT_FOUND, no tlbie */
    ck_assert_int_eq(hc(&v, 0, 1, 9000, H_REMOVE, a, r, &cyc), H_NOT_FOUND);
    ck_assert_uint_eq(cyc, ENTRY + READ_LAT + STEP + EXIT);
    ck_assert_uint_eq(tlbie_get_stats(v.fab)->tlbies, tlbies + 1);
    /* out of range */
    uint64_t b[8] = {0, 2048 * 8, 0};
    ck_assert_int_eq(hc(&v, 0, 1, 9000, H_REMOVE, b, r, NULL), H_PARAMETER);
    ck_assert_uint_eq(counter(&v, "hypervisor.hptes_removed"), 1);
    const op_type *o = ops_find(v.ops, "hcall.H_REMOVE");
    ck_assert_uint_eq(o->count, 3);
    env_free(&v);
}
END_TEST

START_TEST(remove_avpn_andcond)
{
    env v;
    env_std(&v);
    const hpt *t = hyp_lpar_hpt(v.h, 0);
    uint64_t p = enter_and_cache(&v, 0, VSID, EA, 0x5000);
    hpte x = hpt_read(t, p);
    uint64_t avpn = x.v & ~0x7fULL;
    uint64_t r[8];
    /* H_AVPN with a different AVPN */
    uint64_t a[8] = {H_AVPN, p, avpn ^ 0x80};
    ck_assert_int_eq(hc(&v, 0, 0, 0, H_REMOVE, a, r, NULL), H_NOT_FOUND);
    ck_assert(hpt_read(t, p).v & HPTE_V_VALID);
    /* the TLB entry survives a failed remove */
    ck_assert_ptr_nonnull(tlb_lookup(v.tlbs[0], 0, hpte_vpn(VSID, EA, 12, false), PSZ_4K));
    /* H_ANDCOND BOLTED on a non-bolted entry succeeds */
    uint64_t b[8] = {H_ANDCOND, p, HPTE_V_BOLTED};
    ck_assert_int_eq(hc(&v, 0, 0, 0, H_REMOVE, b, r, NULL), H_SUCCESS);
    /* bolted entry: H_ANDCOND BOLTED -> not found; absolute works */
    hpte y = hpte_make(VSID, EA, false, PSZ_4K, PSZ_4K, 0x6000, &RW_M_BOLTED, false);
    uint64_t c[8] = {0, p & ~7ULL, y.v, y.r};
    ck_assert_int_eq(hc(&v, 0, 0, 0, H_ENTER, c, r, NULL), H_SUCCESS);
    uint64_t q = r[0];
    b[1] = q;
    ck_assert_int_eq(hc(&v, 0, 0, 0, H_REMOVE, b, r, NULL), H_NOT_FOUND);
    ck_assert(hpt_read(t, q).v & HPTE_V_BOLTED);
    /* H_AVPN with the right AVPN (v without its low 7 bits) */
    uint64_t d[8] = {H_AVPN, q, hpt_read(t, q).v & ~0x7fULL};
    ck_assert_int_eq(hc(&v, 0, 0, 0, H_REMOVE, d, r, NULL), H_SUCCESS);
    ck_assert_uint_eq(r[0], y.v);
    env_free(&v);
}
END_TEST

START_TEST(remove_tlbie_lock_queueing)
{
    env v;
    env_std(&v);
    uint64_t p = enter_and_cache(&v, 0, VSID, EA, 0x5000);
    uint64_t q = enter_and_cache(&v, 0, VSID, EA + 0x1000, 0x6000);
    uint64_t s = enter_and_cache(&v, 1, VSID, EA, 0x5000);
    uint64_t r[8], c1, c2, c3;
    uint64_t a[8] = {0, p, 0}, b[8] = {0, q, 0}, d[8] = {0, s, 0};
    uint64_t base = ENTRY + READ_LAT + STEP + WRITE_LAT + TLBIE1 + EXIT; /* 2930 */
    ck_assert_int_eq(hc(&v, 0, 0, 100000, H_REMOVE, a, r, &c1), H_SUCCESS);
    ck_assert_int_eq(hc(&v, 0, 1, 100000, H_REMOVE, b, r, &c2), H_SUCCESS);
    /* LPAR 1's tlbie lock is independent */
    ck_assert_int_eq(hc(&v, 1, 2, 100000, H_REMOVE, d, r, &c3), H_SUCCESS);
    ck_assert_uint_eq(c1, base);
    /* the second tlbie is issued at the same time and waits the whole first */
    ck_assert_uint_eq(c2, base + TLBIE1);
    ck_assert_uint_eq(c3, base);
    const tlbie_stats *ts = tlbie_get_stats(v.fab);
    ck_assert_uint_eq(ts->lock_waits, 1);
    ck_assert_uint_eq(ts->wait_cycles, TLBIE1);
    /* parts in declaration order: compute, memory, tlb, queueing */
    const op_type *o = ops_find(v.ops, "hcall.H_REMOVE");
    ck_assert_str_eq(o->part_name[3], "queueing");
    ck_assert_uint_eq(o->count, 3);
    ck_assert_uint_eq(o->total, 3 * base + TLBIE1);
    ck_assert_uint_eq(o->part_total[3], TLBIE1);     /* queueing */
    ck_assert_uint_eq(o->part_total[2], 3 * TLBIE1); /* tlb */
    ck_assert_uint_eq(o->part_total[1], 3 * (READ_LAT + WRITE_LAT));
    env_free(&v);
}
END_TEST

/* The tlbie operand of a large page or a 1T-segment entry must name the VPN
 * and page size the TLB holds (what the hardware walk inserted). */
START_TEST(remove_large_pages_and_1t_invalidate_tlb)
{
    env v;
    env_std(&v);
    const hpt *t = hyp_lpar_hpt(v.h, 1);
    const struct {
        bool seg_1t;
        hpt_psize base, ps;
        uint64_t la;
    } cs[] = {
        {false, PSZ_4K, PSZ_16M, 16 * MB}, {false, PSZ_64K, PSZ_64K, 0x10000},
        {false, PSZ_64K, PSZ_16M, 32 * MB}, {true, PSZ_4K, PSZ_4K, 0x2000},
        {true, PSZ_4K, PSZ_64K, 0x30000},  {true, PSZ_64K, PSZ_16M, 48 * MB},
    };
    for (unsigned i = 0; i < sizeof cs / sizeof cs[0]; i++) {
        uint64_t vsid = 0xabcdef + i;
        uint64_t ea = cs[i].seg_1t ? 0x3456789000ULL + i * 0x1000000ULL : 0x6789000ULL;
        unsigned shift = hpt_psize_shift(cs[i].ps);
        hpte x = hpte_make(vsid, ea, cs[i].seg_1t, cs[i].base, cs[i].ps, cs[i].la, &RW_M, true);
        uint64_t pteg = hpt_pteg_index(t, hpt_hash(vsid, ea, shift, cs[i].seg_1t), true);
        uint64_t a[8] = {0, pteg * 8, x.v, x.r}, r[8];
        ck_assert_int_eq(hc(&v, 1, 0, 0, H_ENTER, a, r, NULL), H_SUCCESS);
        uint64_t slot = r[0];
        uint64_t vpn = hpte_vpn(vsid, ea, shift, cs[i].seg_1t);
        for (unsigned k = 0; k < NTHREADS; k++) {
            tlb_insert(v.tlbs[k], 1, vpn, cs[i].ps, 1, 3);
            tlb_insert(v.tlbs[k], 1, vpn + 1, cs[i].ps, 2, 3);
            tlb_insert(v.tlbs[k], 1, vpn, (cs[i].ps + 1) % 3, 3, 3); /* other size */
        }
        uint64_t b[8] = {H_AVPN, slot, x.v & ~0x7fULL};
        ck_assert_int_eq(hc(&v, 1, 0, 0, H_REMOVE, b, r, NULL), H_SUCCESS);
        for (unsigned k = 0; k < NTHREADS; k++) {
            ck_assert_msg(tlb_lookup(v.tlbs[k], 1, vpn, cs[i].ps) == NULL, "case %u", i);
            ck_assert_ptr_nonnull(tlb_lookup(v.tlbs[k], 1, vpn + 1, cs[i].ps));
            ck_assert_ptr_nonnull(tlb_lookup(v.tlbs[k], 1, vpn, (cs[i].ps + 1) % 3));
        }
    }
    env_free(&v);
}
END_TEST

/* ---- H_PROTECT ---------------------------------------------------------- */

START_TEST(protect_flags_and_tlb)
{
    env v;
    env_std(&v);
    const hpt *t = hyp_lpar_hpt(v.h, 0);
    uint64_t p = enter_and_cache(&v, 0, VSID, EA, 0x5000);
    hpte old = hpt_read(t, p);
    ck_assert_uint_eq(hpte_pp(old.r), 2);
    /* KVM layout: PP = flags & 3, N = flags & 4, KEY_LO = flags & 0xe00,
     * KEY_HI = flags bits 12..13 (<< 48), PP0 = flags bit 8 (<< 55).
     * New: pp 3 | PP0 -> pp 7; N; key 0b10101 = KEY_HI 0b10, KEY_LO 0b101 */
    uint64_t flags = 0x3 | 0x4 | (0x5ULL << 9) | (0x2ULL << 12) | (1ULL << 8);
    uint64_t a[8] = {flags, p, 0}, r[8], cyc;
    ck_assert_int_eq(hc(&v, 0, 0, 0, H_PROTECT, a, r, &cyc), H_SUCCESS);
    hpte n = hpt_read(t, p);
    ck_assert_uint_eq(hpte_pp(n.r), 7);
    ck_assert(n.r & HPTE_R_N);
    ck_assert_uint_eq(hpte_key(n.r), 0x15);
    ck_assert_uint_eq(n.v, old.v); /* valid again, same v */
    ck_assert_uint_eq(hpte_real_addr(n.r, PSZ_4K), hpte_real_addr(old.r, PSZ_4K));
    ck_assert_uint_eq(n.r & HPTE_R_WIMG, HPTE_R_M);
    /* entry + read + step + write(invalid) + tlbie + step + write + exit */
    ck_assert_uint_eq(cyc, ENTRY + READ_LAT + STEP + WRITE_LAT + TLBIE1 + STEP + WRITE_LAT + EXIT);
    for (unsigned i = 0; i < NTHREADS; i++)
        ck_assert_ptr_null(tlb_lookup(v.tlbs[i], 0, hpte_vpn(VSID, EA, 12, false), PSZ_4K));
    /* back to pp 1, no N, key 0 */
    uint64_t b[8] = {0x1, p, 0};
    ck_assert_int_eq(hc(&v, 0, 0, 0, H_PROTECT, b, r, NULL), H_SUCCESS);
    n = hpt_read(t, p);
    ck_assert_uint_eq(hpte_pp(n.r), 1);
    ck_assert(!(n.r & HPTE_R_N));
    ck_assert_uint_eq(hpte_key(n.r), 0);
    /* AVPN mismatch / match */
    uint64_t c[8] = {H_AVPN | 0x2, p, (n.v & ~0x7fULL) ^ 0x100};
    ck_assert_int_eq(hc(&v, 0, 0, 0, H_PROTECT, c, r, &cyc), H_NOT_FOUND);
    ck_assert_uint_eq(cyc, ENTRY + READ_LAT + STEP + EXIT);
    ck_assert_uint_eq(hpte_pp(hpt_read(t, p).r), 1);
    c[2] = n.v & ~0x7fULL;
    ck_assert_int_eq(hc(&v, 0, 0, 0, H_PROTECT, c, r, NULL), H_SUCCESS);
    ck_assert_uint_eq(hpte_pp(hpt_read(t, p).r), 2);
    /* invalid entry */
    uint64_t d[8] = {0x2, p ^ 1, 0};
    ck_assert_int_eq(hc(&v, 0, 0, 0, H_PROTECT, d, r, NULL), H_NOT_FOUND);
    env_free(&v);
}
END_TEST

/* ---- H_READ ------------------------------------------------------------- */

START_TEST(read_single_four_xlate)
{
    env v;
    env_std(&v);
    const hpt *t = hyp_lpar_hpt(v.h, 0);
    uint64_t pteg = pteg_of(t, VSID, EA, 12, false);
    /* fill slots 4..7 via H_EXACT with logical 0x10000 + i*0x1000 */
    for (unsigned i = 0; i < 4; i++) {
        hpte x = mk4k(VSID, EA + ((uint64_t)i << 23), 0x10000 + i * 0x1000, false);
        uint64_t a[8] = {H_EXACT, pteg * 8 + 4 + i, x.v, x.r}, r[8];
        ck_assert_int_eq(hc(&v, 0, 0, 0, H_ENTER, a, r, NULL), H_SUCCESS);
    }
    uint64_t r[8], cyc;
    uint64_t a[8] = {0, pteg * 8 + 5};
    ck_assert_int_eq(hc(&v, 0, 0, 0, H_READ, a, r, &cyc), H_SUCCESS);
    hpte x = hpt_read(t, pteg * 8 + 5);
    ck_assert_uint_eq(r[0], x.v);
    ck_assert_uint_eq(r[1], x.r);
    ck_assert_uint_eq(hpte_real_addr(r[1], PSZ_4K), 256 * MB + 0x11000);
    ck_assert_uint_eq(cyc, ENTRY + READ_LAT + STEP + EXIT);
    /* H_READ_4 from ptex & ~3 */
    uint64_t b[8] = {H_READ_4, pteg * 8 + 7};
    ck_assert_int_eq(hc(&v, 0, 0, 0, H_READ, b, r, &cyc), H_SUCCESS);
    for (unsigned i = 0; i < 4; i++) {
        hpte y = hpt_read(t, pteg * 8 + 4 + i);
        ck_assert_uint_eq(r[2 * i], y.v);
        ck_assert_uint_eq(r[2 * i + 1], y.r);
        ck_assert(y.v & HPTE_V_VALID);
    }
    ck_assert_uint_eq(cyc, ENTRY + READ_LAT + 4 * STEP + EXIT);
    /* H_READ_4 of slots 0..3: all invalid */
    b[1] = pteg * 8 + 2;
    ck_assert_int_eq(hc(&v, 0, 0, 0, H_READ, b, r, NULL), H_SUCCESS);
    for (unsigned i = 0; i < 8; i++)
        ck_assert_uint_eq(r[i], 0);
    /* H_R_XLATE: logical address back, LP bits and other fields intact */
    uint64_t c[8] = {H_R_XLATE, pteg * 8 + 6};
    ck_assert_int_eq(hc(&v, 0, 0, 0, H_READ, c, r, &cyc), H_SUCCESS);
    ck_assert_uint_eq(hpte_real_addr(r[1], PSZ_4K), 0x12000);
    ck_assert_uint_eq(r[1] & ~HPTE_R_RPN, hpt_read(t, pteg * 8 + 6).r & ~HPTE_R_RPN);
    ck_assert_uint_eq(cyc, ENTRY + READ_LAT + STEP + READ_LAT + EXIT);
    /* H_R_XLATE of a 64K page in LPAR 1 */
    const hpt *t1 = hyp_lpar_hpt(v.h, 1);
    hpte z = hpte_make(VSID, EA, false, PSZ_4K, PSZ_64K, 0x4560000, &RW_M, false);
    uint64_t d[8] = {0, pteg_of(t1, VSID, EA, 16, false) * 8, z.v, z.r};
    ck_assert_int_eq(hc(&v, 1, 0, 0, H_ENTER, d, r, NULL), H_SUCCESS);
    uint64_t f[8] = {H_R_XLATE, r[0]};
    ck_assert_int_eq(hc(&v, 1, 0, 0, H_READ, f, r, NULL), H_SUCCESS);
    ck_assert_uint_eq(r[1], z.r);
    /* out of range */
    uint64_t g[8] = {0, 2048 * 8};
    ck_assert_int_eq(hc(&v, 0, 0, 0, H_READ, g, r, NULL), H_PARAMETER);
    g[0] = H_READ_4;
    ck_assert_int_eq(hc(&v, 0, 0, 0, H_READ, g, r, NULL), H_PARAMETER);
    env_free(&v);
}
END_TEST

/* ---- H_CLEAR_REF / H_CLEAR_MOD ------------------------------------------ */

START_TEST(clear_ref_and_mod)
{
    env v;
    env_std(&v);
    const hpt *t = hyp_lpar_hpt(v.h, 0);
    uint64_t p = enter_and_cache(&v, 0, VSID, EA, 0x5000);
    uint64_t vpn = hpte_vpn(VSID, EA, 12, false);
    hpte x = hpt_read(t, p);
    /* set R and C as the hardware would */
    x.r |= HPTE_R_R | HPTE_R_C;
    hpt_write(t, p, x);
    uint64_t a[8] = {0, p}, r[8], cyc;
    uint64_t tlbies = tlbie_get_stats(v.fab)->tlbies;
    ck_assert_int_eq(hc(&v, 0, 0, 0, H_CLEAR_REF, a, r, &cyc), H_SUCCESS);
    ck_assert_uint_eq(r[0], x.r);
    ck_assert(!(hpt_read(t, p).r & HPTE_R_R));
    ck_assert(hpt_read(t, p).r & HPTE_R_C);
    /* R was set: clear it and invalidate the TLBs (KVM's kvmppc_clear_ref_hpte) */
    ck_assert_uint_eq(cyc, ENTRY + READ_LAT + STEP + WRITE_LAT + TLBIE1 + EXIT);
    ck_assert_uint_eq(tlbie_get_stats(v.fab)->tlbies, tlbies + 1);
    /* R already clear: no write */
    ck_assert_int_eq(hc(&v, 0, 0, 0, H_CLEAR_REF, a, r, &cyc), H_SUCCESS);
    ck_assert(!(r[0] & HPTE_R_R));
    ck_assert_uint_eq(cyc, ENTRY + READ_LAT + STEP + EXIT);
    /* CLEAR_MOD with C set: invalidate, tlbie, clear C, valid again */
    ck_assert_int_eq(hc(&v, 0, 0, 0, H_CLEAR_MOD, a, r, &cyc), H_SUCCESS);
    ck_assert(r[0] & HPTE_R_C);
    hpte y = hpt_read(t, p);
    ck_assert(!(y.r & HPTE_R_C));
    ck_assert(y.v & HPTE_V_VALID);
    /* H_CLEAR_REF's tlbie at the same instant still holds the LPAR's lock */
    ck_assert_uint_eq(cyc, ENTRY + READ_LAT + STEP + WRITE_LAT + TLBIE1 + TLBIE1 + WRITE_LAT + EXIT);
    ck_assert_uint_eq(tlbie_get_stats(v.fab)->tlbies, tlbies + 2);
    for (unsigned i = 0; i < NTHREADS; i++)
        ck_assert_ptr_null(tlb_lookup(v.tlbs[i], 0, vpn, PSZ_4K));
    /* C clear: no invalidation */
    for (unsigned i = 0; i < NTHREADS; i++)
        tlb_insert(v.tlbs[i], 0, vpn, PSZ_4K, 5, 3);
    ck_assert_int_eq(hc(&v, 0, 0, 0, H_CLEAR_MOD, a, r, &cyc), H_SUCCESS);
    ck_assert(!(r[0] & HPTE_R_C));
    ck_assert_uint_eq(cyc, ENTRY + READ_LAT + STEP + EXIT);
    ck_assert_uint_eq(tlbie_get_stats(v.fab)->tlbies, tlbies + 2);
    ck_assert_ptr_nonnull(tlb_lookup(v.tlbs[3], 0, vpn, PSZ_4K));
    /* invalid entry -> H_NOT_FOUND; out of range -> H_PARAMETER */
    uint64_t b[8] = {0, p ^ 1};
    ck_assert_int_eq(hc(&v, 0, 0, 0, H_CLEAR_REF, b, r, NULL), H_NOT_FOUND);
    ck_assert_int_eq(hc(&v, 0, 0, 0, H_CLEAR_MOD, b, r, NULL), H_NOT_FOUND);
    b[1] = 1ull << 40;
    ck_assert_int_eq(hc(&v, 0, 0, 0, H_CLEAR_REF, b, r, NULL), H_PARAMETER);
    ck_assert_int_eq(hc(&v, 0, 0, 0, H_CLEAR_MOD, b, r, NULL), H_PARAMETER);
    env_free(&v);
}
END_TEST

/* ---- H_BULK_REMOVE ------------------------------------------------------ */

static uint64_t req(uint64_t flags, uint64_t ptex)
{
    return H_BULK_REMOVE_REQUEST | flags | ptex;
}

START_TEST(bulk_remove_batch)
{
    env v;
    env_std(&v);
    const hpt *t = hyp_lpar_hpt(v.h, 0);
    uint64_t p[3];
    for (unsigned i = 0; i < 3; i++)
        p[i] = enter_and_cache(&v, 0, VSID, EA + i * 0x1000, 0x5000 + i * 0x1000);
    /* R on p0, R|C on p2 */
    hpte x0 = hpt_read(t, p[0]), x2 = hpt_read(t, p[2]);
    x0.r |= HPTE_R_R;
    x2.r |= HPTE_R_R | HPTE_R_C;
    hpt_write(t, p[0], x0);
    hpt_write(t, p[2], x2);
    hpte x1 = hpt_read(t, p[1]);
    uint64_t empty = p[0] ^ 7; /* an empty slot of the same PTEG */
    ck_assert_uint_eq(hpt_read(t, empty).v, 0);
    uint64_t a[8] = {req(H_BULK_REMOVE_ABSOLUTE, p[0]), 0,
                     req(H_BULK_REMOVE_AVPN, p[1]), (x1.v & ~0x7fULL) ^ 0x80, /* mismatch */
                     req(H_BULK_REMOVE_ANDCOND, p[2]), HPTE_V_BOLTED,
                     req(H_BULK_REMOVE_ABSOLUTE, empty), 0};
    uint64_t r[8], cyc;
    uint64_t tlbies = tlbie_get_stats(v.fab)->tlbies;
    ck_assert_int_eq(hc(&v, 0, 0, 0, H_BULK_REMOVE, a, r, &cyc), H_SUCCESS);
    /* responses: type 10, code, R/C in bits 59/58, flags and ptex kept */
    ck_assert_uint_eq(r[0], H_BULK_REMOVE_RESPONSE | H_BULK_REMOVE_SUCCESS | (1ULL << 59) | p[0]);
    ck_assert_uint_eq(r[2], H_BULK_REMOVE_RESPONSE | H_BULK_REMOVE_NOT_FOUND |
                                H_BULK_REMOVE_AVPN | p[1]);
    ck_assert_uint_eq(r[4], H_BULK_REMOVE_RESPONSE | H_BULK_REMOVE_SUCCESS | (3ULL << 58) |
                                H_BULK_REMOVE_ANDCOND | p[2]);
    ck_assert_uint_eq(r[6], H_BULK_REMOVE_RESPONSE | H_BULK_REMOVE_NOT_FOUND | empty);
    ck_assert_uint_eq(r[1], 0);
    ck_assert_uint_eq(r[3], a[3]);
    ck_assert_uint_eq(hpt_read(t, p[0]).v, 0);
    ck_assert(hpt_read(t, p[1]).v & HPTE_V_VALID);
    ck_assert_uint_eq(hpt_read(t, p[2]).v, 0);
    /* one tlbie sequence of 2 pages */
    ck_assert_uint_eq(tlbie_get_stats(v.fab)->tlbies, tlbies + 1);
    ck_assert_uint_eq(cyc, ENTRY + 4 * (READ_LAT + STEP) + 2 * WRITE_LAT + TLBIE1 + TLBIE_PAGE +
                               EXIT);
    ck_assert_uint_eq(tlbie_global_work(&v.tc, 2), TLBIE1 + TLBIE_PAGE);
    for (unsigned i = 0; i < NTHREADS; i++) {
        ck_assert_ptr_null(tlb_lookup(v.tlbs[i], 0, hpte_vpn(VSID, EA, 12, false), PSZ_4K));
        ck_assert_ptr_nonnull(
            tlb_lookup(v.tlbs[i], 0, hpte_vpn(VSID, EA + 0x1000, 12, false), PSZ_4K));
        ck_assert_ptr_null(
            tlb_lookup(v.tlbs[i], 0, hpte_vpn(VSID, EA + 0x2000, 12, false), PSZ_4K));
    }
    ck_assert_uint_eq(counter(&v, "hypervisor.hptes_removed"), 2);
    env_free(&v);
}
END_TEST

START_TEST(bulk_remove_end_and_errors)
{
    env v;
    env_std(&v);
    const hpt *t = hyp_lpar_hpt(v.h, 0);
    uint64_t p0 = enter_and_cache(&v, 0, VSID, EA, 0x5000);
    uint64_t p1 = enter_and_cache(&v, 0, VSID, EA + 0x1000, 0x6000);
    uint64_t r[8], cyc;
    /* one request then END: the request after END is not looked at */
    uint64_t a[8] = {req(0, p0), 0, H_BULK_REMOVE_END, 0, req(0, p1), 0, 0, 0};
    uint64_t tlbies = tlbie_get_stats(v.fab)->tlbies;
    ck_assert_int_eq(hc(&v, 0, 0, 0, H_BULK_REMOVE, a, r, &cyc), H_SUCCESS);
    ck_assert_uint_eq(r[0] & H_BULK_REMOVE_TYPE, H_BULK_REMOVE_RESPONSE);
    ck_assert_uint_eq(r[0] & H_BULK_REMOVE_CODE, H_BULK_REMOVE_SUCCESS);
    ck_assert_uint_eq(r[2], H_BULK_REMOVE_END);
    ck_assert_uint_eq(r[4], req(0, p1));
    ck_assert(hpt_read(t, p1).v & HPTE_V_VALID);
    ck_assert_uint_eq(cyc, ENTRY + READ_LAT + STEP + WRITE_LAT + TLBIE1 + EXIT);
    ck_assert_uint_eq(tlbie_get_stats(v.fab)->tlbies, tlbies + 1);
    /* all not found: no tlbie at all */
    uint64_t b[8] = {req(0, p0), 0, H_BULK_REMOVE_END, 0};
    ck_assert_int_eq(hc(&v, 0, 0, 0, H_BULK_REMOVE, b, r, &cyc), H_SUCCESS);
    ck_assert_uint_eq(r[0] & H_BULK_REMOVE_CODE, H_BULK_REMOVE_NOT_FOUND);
    ck_assert_uint_eq(cyc, ENTRY + READ_LAT + STEP + EXIT);
    ck_assert_uint_eq(tlbie_get_stats(v.fab)->tlbies, tlbies + 1);
    /* a request carrying stale R/C bits must not report them back */
    uint64_t c[8] = {req(0, p0) | H_BULK_REMOVE_RC, 0, H_BULK_REMOVE_END, 0};
    ck_assert_int_eq(hc(&v, 0, 0, 0, H_BULK_REMOVE, c, r, NULL), H_SUCCESS);
    ck_assert_uint_eq(r[0], H_BULK_REMOVE_RESPONSE | H_BULK_REMOVE_NOT_FOUND | p0);
    /* bad type (a response given as a request) -> H_PARAMETER, PARM code */
    uint64_t d[8] = {H_BULK_REMOVE_RESPONSE | p1, 0, req(0, p1), 0};
    ck_assert_int_eq(hc(&v, 0, 0, 0, H_BULK_REMOVE, d, r, NULL), H_PARAMETER);
    ck_assert_uint_eq(r[0], H_BULK_REMOVE_RESPONSE | H_BULK_REMOVE_PARM | p1);
    ck_assert(hpt_read(t, p1).v & HPTE_V_VALID); /* processing stopped */
    /* type 00 is also not a request */
    uint64_t d0[8] = {p1, 0, H_BULK_REMOVE_END, 0};
    ck_assert_int_eq(hc(&v, 0, 0, 0, H_BULK_REMOVE, d0, r, NULL), H_PARAMETER);
    /* success then ANDCOND|AVPN (flags 3) -> H_PARAMETER after removing the first,
     * whose tlbie still happens */
    uint64_t e[8] = {req(0, p1), 0, req(H_BULK_REMOVE_ANDCOND | H_BULK_REMOVE_AVPN, p0), 0,
                     req(0, p0), 0, 0, 0};
    uint64_t before = tlbie_get_stats(v.fab)->tlbies;
    ck_assert_int_eq(hc(&v, 0, 0, 0, H_BULK_REMOVE, e, r, NULL), H_PARAMETER);
    ck_assert_uint_eq(r[0] & H_BULK_REMOVE_CODE, H_BULK_REMOVE_SUCCESS);
    ck_assert_uint_eq(r[2] & (H_BULK_REMOVE_TYPE | H_BULK_REMOVE_CODE),
                      H_BULK_REMOVE_RESPONSE | H_BULK_REMOVE_PARM);
    ck_assert_uint_eq(r[4], e[4]);
    ck_assert_uint_eq(hpt_read(t, p1).v, 0);
    ck_assert_uint_eq(tlbie_get_stats(v.fab)->tlbies, before + 1);
    ck_assert_ptr_null(tlb_lookup(v.tlbs[2], 0, hpte_vpn(VSID, EA + 0x1000, 12, false), PSZ_4K));
    /* ptex out of range */
    uint64_t f[8] = {req(0, 2048 * 8), 0, H_BULK_REMOVE_END, 0};
    ck_assert_int_eq(hc(&v, 0, 0, 0, H_BULK_REMOVE, f, r, NULL), H_PARAMETER);
    ck_assert_uint_eq(r[0] & H_BULK_REMOVE_CODE, H_BULK_REMOVE_PARM);
    env_free(&v);
}
END_TEST

/* ---- dispatcher --------------------------------------------------------- */

START_TEST(unknown_hcall)
{
    env v;
    env_std(&v);
    uint64_t r[8], cyc;
    ck_assert_int_eq(hc(&v, 0, 0, 0, 0x1234, NULL, r, &cyc), H_FUNCTION);
    ck_assert_uint_eq(cyc, ENTRY + EXIT);
    ck_assert_int_eq(hc(&v, 1, 3, 0, 0x30, NULL, r, NULL), H_FUNCTION);
    ck_assert_uint_eq(counter(&v, "hypervisor.hcalls_unsupported"), 2);
    ck_assert_uint_eq(counter(&v, "hypervisor.hcall_errors"), 2);
    ck_assert_uint_eq(counter(&v, "hypervisor.hcalls"), 2);
    ck_assert_str_eq(hcall_name(H_BULK_REMOVE), "H_BULK_REMOVE");
    ck_assert_ptr_null(hcall_name(0x1234));
    /* a feature's hcalls have names too, enabled or not (SMR's is 0xE000) */
    ck_assert_str_eq(hcall_name(0xE000), "H_SMR_CREATE");
    ck_assert_uint_eq(counter(&v, "hypervisor.hcalls"), 2);
    /* every HPT hcall has its op type, with the four parts */
    const char *names[] = {"H_ENTER", "H_REMOVE", "H_PROTECT", "H_READ", "H_CLEAR_REF",
                           "H_CLEAR_MOD", "H_BULK_REMOVE"};
    for (unsigned i = 0; i < 7; i++) {
        char buf[64];
        snprintf(buf, sizeof buf, "hcall.%s", names[i]);
        const op_type *o = ops_find(v.ops, buf);
        ck_assert_msg(o != NULL, "%s", buf);
        ck_assert_uint_eq(o->nparts, 4);
        ck_assert_uint_eq(o->count, 0);
    }
    env_free(&v);
}
END_TEST

/* ---- H_IPI and doorbells ------------------------------------------------ */

#define DELIVER 777 /* hypervisor.interrupts.deliver_cycles for these tests */

/* LPAR "a" with three dedicated vCPUs: 0 on thread 0, 1 on thread 2 (the
 * other core: two threads per core), 2 on thread 1 (vCPU 0's sibling).
 * The threads are bare (a clock, a bound vCPU): all the core touches. */
static void env_irq(env *v, cpu_thread *thr)
{
    env_base(v, 1 * GB, 256 * MB);
    v->hc.interrupts.deliver_cycles = DELIVER;
    memset(thr, 0, NTHREADS * sizeof *thr);
    uint64_t mem[1] = {256 * MB};
    uint64_t need = hyp_memory_needed(&v->hc, 1, mem, NULL, 4);
    sim_err e = {{0}};
    hyp_env he = henv(v);
    he.threads = thr;
    he.threads_per_core = 2;
    v->h = hyp_create(&v->hc, &he, need, &e);
    ck_assert_msg(v->h != NULL, "%s", e.msg);
    ck_assert_int_eq(hyp_lpar_create(v->h, "a", 256 * MB, 0, &e), 0);
    const unsigned on[3] = {0, 2, 1};
    for (unsigned k = 0; k < 3; k++) {
        cpu_thread *t = &thr[on[k]];
        t->id = on[k];
        cpu_binding b;
        memset(&b, 0, sizeof b);
        b.lpid = 0;
        b.vcpu = k;
        cpu_thread_bind(t, &b);
        ck_assert_int_eq(hyp_lpar_add_vcpu(v->h, 0, &t->own, on[k], &e), 0);
    }
}

/* H_IPI(server, mfrr) from vCPU 0 to vCPU 1: one step of hypervisor work,
 * an external interrupt that the running target's thread takes (its clock
 * advances by exactly deliver_cycles, op interrupt.deliver); mfrr 0xFF
 * raises nothing; a server the LPAR does not have is H_PARAMETER; a
 * finished vCPU is counted but takes nothing. */
START_TEST(h_ipi_delivers_to_running_vcpu)
{
    env v;
    cpu_thread thr[NTHREADS];
    env_irq(&v, thr);
    ck_assert_str_eq(hcall_name(H_IPI), "H_IPI");
    thr[2].clock = 5000;
    uint64_t r[8], cyc;
    uint64_t a[8] = {1, 5};
    ck_assert_int_eq(hc(&v, 0, 0, 1000, H_IPI, a, r, &cyc), H_SUCCESS);
    ck_assert_uint_eq(cyc, ENTRY + STEP + EXIT);
    ck_assert_uint_eq(thr[2].clock, 5000 + DELIVER);
    ck_assert_uint_eq(thr[0].clock, 0); /* the sender's cycles are the caller's to add */
    ck_assert_uint_eq(counter(&v, "interrupts.external"), 1);
    ck_assert_uint_eq(counter(&v, "interrupts.doorbell"), 0);
    const op_type *d = ops_find(v.ops, "interrupt.deliver");
    ck_assert_ptr_nonnull(d);
    ck_assert_uint_eq(d->count, 1);
    ck_assert_uint_eq(d->total, DELIVER);
    const op_type *o = ops_find(v.ops, "hcall.H_IPI");
    ck_assert_ptr_nonnull(o);
    ck_assert_uint_eq(o->nparts, 4);
    ck_assert_uint_eq(o->count, 1);
    ck_assert_uint_eq(o->total, ENTRY + STEP + EXIT);
    /* mfrr 0xFF: no interrupt */
    a[1] = H_IPI_MFRR_NONE;
    ck_assert_int_eq(hc(&v, 0, 0, 2000, H_IPI, a, r, &cyc), H_SUCCESS);
    ck_assert_uint_eq(thr[2].clock, 5000 + DELIVER);
    ck_assert_uint_eq(counter(&v, "interrupts.external"), 1);
    /* no server 3 in an LPAR of three vCPUs */
    a[0] = 3;
    a[1] = 0;
    ck_assert_int_eq(hc(&v, 0, 0, 3000, H_IPI, a, r, &cyc), H_PARAMETER);
    ck_assert_uint_eq(cyc, ENTRY + STEP + EXIT);
    ck_assert_uint_eq(counter(&v, "interrupts.external"), 1);
    ck_assert_uint_eq(counter(&v, "hypervisor.hcall_errors"), 1);
    /* an IPI to itself: the caller's thread takes it */
    a[0] = 0;
    ck_assert_int_eq(hc(&v, 0, 0, 4000, H_IPI, a, r, &cyc), H_SUCCESS);
    ck_assert_uint_eq(thr[0].clock, DELIVER);
    /* a finished vCPU: counted, not taken */
    thr[2].own.done = thr[2].done = true;
    a[0] = 1;
    ck_assert_int_eq(hc(&v, 0, 0, 6000, H_IPI, a, r, &cyc), H_SUCCESS);
    ck_assert_uint_eq(thr[2].clock, 5000 + DELIVER);
    ck_assert_uint_eq(counter(&v, "interrupts.external"), 3);
    ck_assert_uint_eq(ops_find(v.ops, "interrupt.deliver")->count, 2);
    /* hyp_interrupt itself refuses a vCPU or LPAR that does not exist */
    ck_assert_int_eq(hyp_interrupt(v.h, 0, 3, HYP_IRQ_TIMER, 0), -1);
    ck_assert_int_eq(hyp_interrupt(v.h, 1, 0, HYP_IRQ_TIMER, 0), -1);
    ck_assert_int_eq(hyp_interrupt(v.h, 0, 2, HYP_IRQ_TIMER, 0), 0);
    ck_assert_uint_eq(counter(&v, "interrupts.timer"), 1);
    ck_assert_uint_eq(thr[1].clock, DELIVER);
    env_free(&v);
}
END_TEST

/* hyp_doorbell: the sender pays doorbell_cycles, the target takes a
 * doorbell interrupt; to the sibling thread of the same core it is
 * msgsndp, to the other core msgsnd (counted apart); a vCPU the LPAR does
 * not have is UINT64_MAX. */
START_TEST(doorbell_sibling_and_remote)
{
    env v;
    cpu_thread thr[NTHREADS];
    env_irq(&v, thr);
    uint64_t db = v.hc.interrupts.doorbell_cycles;
    ck_assert_uint_gt(db, 0);
    ck_assert_uint_eq(hyp_doorbell(v.h, 0, 0, 2, 100), db); /* thread 1: sibling */
    ck_assert_uint_eq(thr[1].clock, DELIVER);
    ck_assert_uint_eq(counter(&v, "interrupts.doorbell"), 1);
    ck_assert_uint_eq(counter(&v, "interrupts.doorbell_msgsnd"), 0);
    ck_assert_uint_eq(hyp_doorbell(v.h, 0, 0, 1, 100), db); /* thread 2: other core */
    ck_assert_uint_eq(thr[2].clock, DELIVER);
    ck_assert_uint_eq(counter(&v, "interrupts.doorbell"), 2);
    ck_assert_uint_eq(counter(&v, "interrupts.doorbell_msgsnd"), 1);
    ck_assert_uint_eq(hyp_doorbell(v.h, 0, 0, 3, 100), UINT64_MAX);
    ck_assert_uint_eq(counter(&v, "interrupts.doorbell"), 2);
    ck_assert_uint_eq(counter(&v, "interrupts.external"), 0);
    env_free(&v);
}
END_TEST

/* ---- the hcall registry ------------------------------------------------ */

static long no_fn(hcall_ctx *c, const uint64_t *a, uint64_t *r)
{
    (void)c, (void)a, (void)r;
    return H_SUCCESS;
}

/* Clashes are refused with a message naming both owners: two ranges
 * overlapping, a feature range over a core PAPR hcall, an hcall outside
 * its feature's range, the same number twice in one feature. The
 * shipped registry passes. */
START_TEST(hcall_registry_refuses_clashes)
{
    static const hyp_hcall_desc ca[] = {{0xE100, "H_A1", NULL, NULL, no_fn}};
    static const hyp_hcall_desc cb[] = {{0xE104, "H_B1", NULL, NULL, no_fn},
                                        {0xE104, "H_B2", NULL, NULL, no_fn}};
    hyp_feature fa = {.name = "alpha", .hcalls = ca, .nhcalls = 1};
    hyp_feature fb = {.name = "beta", .hcalls = cb, .nhcalls = 1};
    const hyp_feature *const fs[2] = {&fa, &fb};
    sim_err e = {{0}};
    hyp_hcall_range ok[2] = {{0xE100, 0xE1FC}, {0xE200, 0xE2FC}};
    ck_assert_int_eq(hyp_check_hcall_ranges(ok, fs, 2, &e), -1); /* H_B1 outside beta's */
    ck_assert_msg(strstr(e.msg, "H_B1") && strstr(e.msg, "beta"), "%s", e.msg);
    hyp_hcall_range overlap[2] = {{0xE100, 0xE1FC}, {0xE104, 0xE2FC}};
    ck_assert_int_eq(hyp_check_hcall_ranges(overlap, fs, 2, &e), -1);
    ck_assert_msg(strstr(e.msg, "alpha") && strstr(e.msg, "beta"), "%s", e.msg);
    hyp_hcall_range papr[1] = {{0x0, 0xE1FC}};
    ck_assert_int_eq(hyp_check_hcall_ranges(papr, fs, 1, &e), -1);
    ck_assert_msg(strstr(e.msg, "H_ENTER") && strstr(e.msg, "alpha"), "%s", e.msg);
    fb.nhcalls = 2;
    hyp_hcall_range twice[2] = {{0xE100, 0xE100}, {0xE104, 0xE1FC}};
    ck_assert_int_eq(hyp_check_hcall_ranges(twice, fs, 2, &e), -1);
    ck_assert_msg(strstr(e.msg, "H_B1") && strstr(e.msg, "H_B2"), "%s", e.msg);
    fb.nhcalls = 1;
    ck_assert_int_eq(hyp_check_hcall_ranges(twice, fs, 2, &e), 0);
    /* the shipped registry */
    ck_assert_int_eq(hyp_check_hcall_ranges(hyp_feature_ranges, hyp_features, HYP_NFEATURES, &e),
                     0);
}
END_TEST

/* ---- hpte_slot_vpn ------------------------------------------------------ */

static uint64_t dummy_read(void *ctx, uint64_t pa)
{
    (void)ctx;
    (void)pa;
    return 0;
}

static void dummy_write(void *ctx, uint64_t pa, uint64_t v)
{
    (void)ctx;
    (void)pa;
    (void)v;
}

START_TEST(slot_vpn_property)
{
    rng g;
    rng_seed(&g, 42);
    hpt_store st = {dummy_read, dummy_write, NULL, NULL};
    unsigned n = 0;
    for (unsigned shift = 18; shift <= 34; shift++) {
        hpt h;
        sim_err e;
        ck_assert_int_eq(hpt_init(&h, 0, 1ULL << shift, &st, &e), 0);
        for (unsigned i = 0; i < 4000; i++) {
            bool seg_1t = rng_below(&g, 2);
            uint64_t vsid = 1 + rng_below(&g, (1ULL << (seg_1t ? 28 : 40)) - 2);
            hpt_psize ps = (hpt_psize)rng_below(&g, 3);
            hpt_psize base = ps == PSZ_4K ? PSZ_4K : (hpt_psize)rng_below(&g, 2);
            unsigned p = hpt_psize_shift(ps);
            uint64_t ea = rng_next(&g);
            bool sec = rng_below(&g, 2);
            hpte x = hpte_make(vsid, ea, seg_1t, base, ps, 0, &RW_M, sec);
            uint64_t pteg = hpt_pteg_index(&h, hpt_hash(vsid, ea, p, seg_1t), sec);
            uint64_t ptex = pteg * 8 + rng_below(&g, 8);
            uint64_t want = hpte_vpn(vsid, ea, p, seg_1t);
            uint64_t got = hpte_slot_vpn(&h, x.v, ptex, ps);
            ck_assert_msg(got == want,
                          "hpt 2^%u vsid 0x%llx ea 0x%llx shift %u 1t %d sec %d: 0x%llx != 0x%llx",
                          shift, (unsigned long long)vsid, (unsigned long long)ea, p, seg_1t,
                          sec, (unsigned long long)got, (unsigned long long)want);
            n++;
        }
    }
    ck_assert_uint_eq(n, 17 * 4000);
    /* a hand-checked case: 256M, 4K, vsid 0x5, ea 0x1234000, primary, 2048 PTEGs:
     * hash = 5 ^ 0x1234 = 0x1231, pteg = 0x231; VA = 5 << 28 | 0x1234000,
     * vpn = 0x51234 */
    hpt h;
    sim_err e;
    ck_assert_int_eq(hpt_init(&h, 0, 256 * KB, &st, &e), 0);
    hpte x = hpte_make(5, 0x1234000, false, PSZ_4K, PSZ_4K, 0, &RW_M, false);
    ck_assert_uint_eq(hpt_pteg_index(&h, hpt_hash(5, 0x1234000, 12, false), false), 0x231);
    ck_assert_uint_eq(hpte_slot_vpn(&h, x.v, 0x231 * 8 + 3, PSZ_4K), 0x51234);
    /* same entry in the secondary group: ~0x1231 & 0x7ff = 0x5ce */
    x = hpte_make(5, 0x1234000, false, PSZ_4K, PSZ_4K, 0, &RW_M, true);
    ck_assert_uint_eq(hpt_pteg_index(&h, hpt_hash(5, 0x1234000, 12, false), true), 0x5ce);
    ck_assert_uint_eq(hpte_slot_vpn(&h, x.v, 0x5ce * 8, PSZ_4K), 0x51234);
}
END_TEST

/* ---- LMBs and hypervisor memory ----------------------------------------- */

START_TEST(lmb_disjoint_after_hypervisor)
{
    env v;
    env_std(&v);
    ck_assert_uint_eq(hyp_memory_bytes(v.h), 256 * MB);
    ck_assert_uint_eq(hyp_lmb_size(v.h), 256 * MB);
    ck_assert_uint_eq(hyp_lpar_count(v.h), 2);
    ck_assert_str_eq(hyp_lpar_name(v.h, 1), "b");
    ck_assert_uint_eq(hyp_lpar_memory(v.h, 0), 256 * MB);
    /* slot 0 hypervisor, slot 1 LPAR 0, slot 2 LPAR 1, slot 3 free */
    ck_assert_uint_eq(hyp_logical_to_real(v.h, 0, 0), 256 * MB);
    ck_assert_uint_eq(hyp_logical_to_real(v.h, 0, 256 * MB - 1), 512 * MB - 1);
    ck_assert_uint_eq(hyp_logical_to_real(v.h, 0, 256 * MB), UINT64_MAX);
    ck_assert_uint_eq(hyp_logical_to_real(v.h, 1, 0), 512 * MB);
    ck_assert(!hyp_real_owned_by(v.h, 0, 0));
    ck_assert(!hyp_real_owned_by(v.h, 1, 0));
    ck_assert(hyp_real_owned_by(v.h, 0, 256 * MB));
    ck_assert(!hyp_real_owned_by(v.h, 1, 256 * MB));
    ck_assert(hyp_real_owned_by(v.h, 1, 512 * MB));
    ck_assert(!hyp_real_owned_by(v.h, 0, 768 * MB));
    ck_assert(!hyp_real_owned_by(v.h, 1, 768 * MB));
    ck_assert(!hyp_real_owned_by(v.h, 0, 4 * GB));
    /* both HPTs lie in hypervisor memory, naturally aligned, disjoint */
    const hpt *a = hyp_lpar_hpt(v.h, 0), *b = hyp_lpar_hpt(v.h, 1);
    ck_assert_uint_eq(a->size, 256 * KB);
    ck_assert_uint_eq(b->size, 2 * MB);
    ck_assert_uint_eq(a->base % a->size, 0);
    ck_assert_uint_eq(b->base % b->size, 0);
    ck_assert(a->base + a->size <= b->base || b->base + b->size <= a->base);
    ck_assert_uint_le(b->base + b->size, 256 * MB);
    /* the LMB tables are words in physmem: LPAR 0's single entry = 256M */
    /* a third LPAR takes the last slot; a fourth does not fit */
    sim_err e = {{0}};
    ck_assert_int_eq(hyp_lpar_create(v.h, "c", 256 * MB, 0, &e), 2);
    ck_assert_uint_eq(hyp_logical_to_real(v.h, 2, 0x1000), 768 * MB + 0x1000);
    ck_assert_int_eq(hyp_lpar_create(v.h, "d", 256 * MB, 0, &e), -1);
    ck_assert_msg(strstr(e.msg, "only 0 are free") != NULL, "%s", e.msg);
    ck_assert_uint_eq(hyp_lpar_count(v.h), 3);
    env_free(&v);
}
END_TEST

START_TEST(lmb_errors)
{
    env v;
    env_std(&v);
    sim_err e = {{0}};
    /* too big for what is left (256M free) */
    ck_assert_int_eq(hyp_lpar_create(v.h, "big", 512 * MB, 0, &e), -1);
    ck_assert_msg(strstr(e.msg, "needs 2 LMBs") && strstr(e.msg, "only 1 are free"), "%s",
                  e.msg);
    ck_assert_msg(strstr(e.msg, "536870912") != NULL, "%s", e.msg);
    /* not a whole number of LMBs */
    ck_assert_int_eq(hyp_lpar_create(v.h, "odd", 100 * MB, 0, &e), -1);
    ck_assert_msg(strstr(e.msg, "lmb_size") != NULL, "%s", e.msg);
    ck_assert_int_eq(hyp_lpar_create(v.h, "zero", 0, 0, &e), -1);
    /* nothing was handed out by the failures: the last slot is still free */
    ck_assert_int_eq(hyp_lpar_create(v.h, "c", 256 * MB, 0, &e), 2);
    env_free(&v);
}
END_TEST

START_TEST(hyp_memory_sizing)
{
    env v;
    env_base(&v, 1 * GB, 256 * MB);
    v.hc.lmb_size = 16 * MB;
    /* no feature enabled: just HPTs and LMB tables. HPTs from the bottom:
     * LPAR 0's 8M at 0, LPAR 1's 16M aligned at 16M -> 32M; two LMB tables
     * of 16 entries (128 B each) from the top: 32M + 256 B -> 48M in whole
     * 16M LMBs */
    uint64_t mem[2] = {256 * MB, 256 * MB}, hsz[2] = {8 * MB, 16 * MB};
    ck_assert_uint_eq(hyp_memory_needed(&v.hc, 2, mem, hsz, 4), 48 * MB);
    /* default sizes: 256M / 128 = 2M each: 0..2M, 2M..4M, + 256 B -> 16M */
    ck_assert_uint_eq(hyp_memory_needed(&v.hc, 2, mem, NULL, 4), 16 * MB);
    ck_assert_uint_eq(hyp_hpt_size(&v.hc, 256 * MB, 0), 2 * MB);
    ck_assert_uint_eq(hyp_hpt_size(&v.hc, 16 * MB, 0), 256 * KB);   /* clamped up */
    ck_assert_uint_eq(hyp_hpt_size(&v.hc, 96 * MB, 0), 1 * MB);     /* 768K -> 1M */
    ck_assert_uint_eq(hyp_hpt_size(&v.hc, 96 * MB, 512 * KB), 512 * KB);
    /* 32M: the second HPT (16M at 16M) collides with LPAR 0's table at the top */
    sim_err e = {{0}};
    hyp_env he = henv(&v);
    v.h = hyp_create(&v.hc, &he, 32 * MB, &e);
    ck_assert_msg(v.h != NULL, "%s", e.msg);
    ck_assert_int_eq(hyp_lpar_create(v.h, "a", 256 * MB, 8 * MB, &e), 0);
    ck_assert_int_eq(hyp_lpar_create(v.h, "b", 256 * MB, 16 * MB, &e), -1);
    ck_assert_msg(strstr(e.msg, "too small") != NULL, "%s", e.msg);
    hyp_destroy(v.h);
    /* exactly enough (fresh stats registry for the second hypervisor) */
    stats_destroy(v.st);
    v.st = stats_create();
    he = henv(&v);
    v.h = hyp_create(&v.hc, &he, 48 * MB, &e);
    ck_assert_msg(v.h != NULL, "%s", e.msg);
    ck_assert_int_eq(hyp_lpar_create(v.h, "a", 256 * MB, 8 * MB, &e), 0);
    ck_assert_int_eq(hyp_lpar_create(v.h, "b", 256 * MB, 16 * MB, &e), 1);
    ck_assert_uint_eq(hyp_lpar_hpt(v.h, 0)->base, 0);
    ck_assert_uint_eq(hyp_lpar_hpt(v.h, 1)->base, 16 * MB);
    ck_assert_uint_eq(hyp_logical_to_real(v.h, 0, 0), 48 * MB);
    ck_assert_uint_eq(hyp_logical_to_real(v.h, 1, 0), 48 * MB + 256 * MB);
    /* LPAR 1 spans 16 LMBs, in order */
    ck_assert_uint_eq(hyp_logical_to_real(v.h, 1, 255 * MB), 48 * MB + 511 * MB);
    env_free(&v);
}
END_TEST

START_TEST(lmb_size_must_be_power_of_two)
{
    /* 768M machine, 24M LMBs divide it, but a 16M page at logical 0 would
     * then start at real 24M, i.e. (aligned down) in hypervisor memory */
    env v;
    env_base(&v, 768 * MB, 256 * MB);
    v.hc.lmb_size = 24 * MB;
    sim_err e = {{0}};
    hyp_env he = henv(&v);
    v.h = hyp_create(&v.hc, &he, 24 * MB, &e);
    ck_assert_ptr_null(v.h);
    ck_assert_msg(strstr(e.msg, "power of two") != NULL, "%s", e.msg);
    env_free(&v);
}
END_TEST

static Suite *hcall_suite(void)
{
    Suite *s = suite_create("hcall");
    TCase *t = tcase_create("enter");
    tcase_add_test(t, enter_success_first_free_slot_and_real_address);
    tcase_add_test(t, enter_exact_and_full_pteg);
    tcase_add_test(t, enter_parameter_errors);
    tcase_add_test(t, enter_large_pages_keep_lp);
    tcase_add_test(t, enter_zero_page_charges_lines);
    suite_add_tcase(s, t);
    t = tcase_create("ownership");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, lpar_cannot_map_outside_its_lmbs);
    suite_add_tcase(s, t);
    t = tcase_create("remove");
    tcase_add_test(t, remove_success_and_tlb_scope);
    tcase_add_test(t, remove_avpn_andcond);
    tcase_add_test(t, remove_tlbie_lock_queueing);
    tcase_add_test(t, remove_large_pages_and_1t_invalidate_tlb);
    suite_add_tcase(s, t);
    t = tcase_create("other");
    tcase_add_test(t, protect_flags_and_tlb);
    tcase_add_test(t, read_single_four_xlate);
    tcase_add_test(t, clear_ref_and_mod);
    tcase_add_test(t, bulk_remove_batch);
    tcase_add_test(t, bulk_remove_end_and_errors);
    tcase_add_test(t, unknown_hcall);
    tcase_add_test(t, h_ipi_delivers_to_running_vcpu);
    tcase_add_test(t, doorbell_sibling_and_remote);
    suite_add_tcase(s, t);
    t = tcase_create("vpn");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, slot_vpn_property);
    suite_add_tcase(s, t);
    t = tcase_create("lmb");
    tcase_add_test(t, lmb_disjoint_after_hypervisor);
    tcase_add_test(t, lmb_errors);
    tcase_add_test(t, hyp_memory_sizing);
    tcase_add_test(t, hcall_registry_refuses_clashes);
    tcase_add_test(t, lmb_size_must_be_power_of_two);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return tu_run_suite(hcall_suite());
}
