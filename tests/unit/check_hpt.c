/*
 * check_hpt.c - unit tests of sim/mmu: HPTE encoding, hashes, HPT sizing,
 * the PTEG search with its memory charges, R/C, protection, page-size codes,
 * H_REMOVE matching and the segment table. Expected values are computed by
 * hand in the comments from POWER-NOTES.md.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mmu/hpt.h"
#include "testutil.h"

#define KB (1ull << 10)
#define MB (1ull << 20)
#define GB (1ull << 30)

/* ---- in-test backing store and memory port ------------------------------ */

typedef struct backing {
    uint64_t base, size;
    uint64_t *w;
    unsigned reads, writes;
} backing;

static uint64_t bk_read(void *ctx, uint64_t pa)
{
    backing *b = ctx;
    ck_assert(pa >= b->base && pa + 8 <= b->base + b->size && (pa & 7) == 0);
    b->reads++;
    return b->w[(pa - b->base) / 8];
}

static void bk_write(void *ctx, uint64_t pa, uint64_t v)
{
    backing *b = ctx;
    ck_assert(pa >= b->base && pa + 8 <= b->base + b->size && (pa & 7) == 0);
    b->writes++;
    b->w[(pa - b->base) / 8] = v;
}

typedef struct port_log {
    unsigned n;
    uint64_t addr[8];
    uint32_t size[8];
    mem_kind kind[8];
    uint64_t now[8];
} port_log;

static uint64_t log_access(void *ctx, uint64_t pa, uint32_t size, mem_kind k, uint64_t now)
{
    port_log *l = ctx;
    ck_assert_uint_lt(l->n, 8);
    l->addr[l->n] = pa;
    l->size[l->n] = size;
    l->kind[l->n] = k;
    l->now[l->n] = now;
    l->n++;
    return k == MEM_READ ? 100 : 7;
}

/* A 256 KiB HPT (2048 PTEGs, mask 0x7ff) at real address 16 MiB. */
#define TBASE (16 * MB)
static backing bk;
static hpt H;
static port_log plog;
static mem_port port;

static void setup(void)
{
    bk.base = TBASE;
    bk.size = 256 * KB;
    bk.w = calloc(bk.size / 8, 8);
    bk.reads = bk.writes = 0;
    hpt_store st = {bk_read, bk_write, &bk, NULL};
    sim_err e;
    ck_assert_int_eq(hpt_init(&H, TBASE, 256 * KB, &st, &e), 0);
    memset(&plog, 0, sizeof plog);
    port.access = log_access;
    port.ctx = &plog;
}

static void teardown(void) { free(bk.w); }

static const hpte_attrs ATTR_RW = {.pp = 2, .key = 0, .wimg = 2, .noexec = false, .bolted = false};

/* ---- HPTE encoding ------------------------------------------------------ */

START_TEST(enc_4k_256m)
{
    /* vsid 0x123456, ea 0x12345000, 4K, 256 MB segment.
     * AVPN = VA >> 23 = (vsid << 5) | (0x2345000 >> 23) = 0x2468ac0 | 4 = 0x2468ac4
     * v = AVPN << 7 | V = 0x123456200 | 1 = 0x123456201.
     * r = pa 0xabcde000 | M (0x10) | PP 2 = 0xabcde012. */
    hpte x = hpte_make(0x123456, 0x12345000, false, PSZ_4K, PSZ_4K, 0xabcde000, &ATTR_RW, false);
    ck_assert_uint_eq(x.v, 0x0000000123456201ull);
    ck_assert_uint_eq(x.r, 0x00000000abcde012ull);
    ck_assert_uint_eq(hpte_ptem(0x123456, 0x12345000, 12, false, true), 0x123456203ull);
    /* vpn = vsid << 16 | 0x2345 */
    ck_assert_uint_eq(hpte_vpn(0x123456, 0x12345000, 12, false), 0x1234562345ull);
}
END_TEST

START_TEST(enc_64k_1t_all_fields)
{
    /* vsid 0x1234567, ea 0x1234567890, 64K page in a 4K-base 1 TB segment.
     * AVPN = (vsid << 17) | (ea >> 23) = 0x2468ace0000 | 0x2468 = 0x2468ace2468
     * v = 1<<62 | AVPN << 7 (0x1234567123400: vsid << 24 | (ea >> 16) & ~0x7f)
     *   | L 4 | V 1 = 0x4001234567123405.
     * r: PP0 (pp 6) 1<<63 | key 0x1b: hi 0b11 << 60, lo 0b011 << 9 = 0x600 |
     *    pa 0x87650000 | LP 0x7 << 12 | WIMG 0xf << 3 = 0x78 | N 4 | PP 2
     *  = 0xb00000008765767e. */
    hpte_attrs a = {.pp = 6, .key = 0x1b, .wimg = 0xf, .noexec = true, .bolted = false};
    hpte x = hpte_make(0x1234567, 0x1234567890, true, PSZ_4K, PSZ_64K, 0x87650000, &a, false);
    ck_assert_uint_eq(x.v, 0x4001234567123405ull);
    ck_assert_uint_eq(x.r, 0xb00000008765767eull);
    ck_assert_uint_eq(hpte_pp(x.r), 6);
    ck_assert_uint_eq(hpte_key(x.r), 0x1b);
    ck_assert_uint_eq(hpte_wimg(x.r), 0xf);
    ck_assert_uint_eq(hpte_real_addr(x.r, PSZ_64K), 0x87650000ull);
}
END_TEST

START_TEST(enc_16m_secondary_bolted)
{
    /* vsid 0xabcdef, ea 0x0fffffff, 16M in a 4K-base 256 MB segment, H set.
     * AVPN = (vsid << 5) | (0xfffffff >> 23 = 0x1f) = 0x1579bdff, VA bit 23
     * cleared for 16M -> 0x1579bdfe; << 7 = 0xabcdeff00.
     * v = 0xabcdeff00 | BOLTED 0x10 | L 4 | H 2 | V 1 = 0xabcdeff17.
     * r = pa 0x123000000 | LP 0x38 << 12 = 0x38000 | M 0x10 | pp 0 = 0x123038010. */
    hpte_attrs a = {.pp = 0, .key = 0, .wimg = 2, .noexec = false, .bolted = true};
    hpte x = hpte_make(0xabcdef, 0x0fffffff, false, PSZ_4K, PSZ_16M, 0x123456789, &a, true);
    ck_assert_uint_eq(x.v, 0xabcdeff17ull);
    ck_assert_uint_eq(x.r, 0x123038010ull);
    ck_assert_uint_eq(hpte_real_addr(x.r, PSZ_16M), 0x123000000ull);
    /* 64K base: 16M code 0x8 -> r = 0x123000000 | 0x8000 | 0x10 */
    x = hpte_make(0xabcdef, 0x0fffffff, false, PSZ_64K, PSZ_16M, 0x123000000, &a, false);
    ck_assert_uint_eq(x.r, 0x123008010ull);
    /* 64K base: 64K code 0x1 -> r = 0x50000 | 0x1000 | 0x10 | 0 */
    x = hpte_make(0xabcdef, 0x0fffffff, false, PSZ_64K, PSZ_64K, 0x50000, &a, false);
    ck_assert_uint_eq(x.r, 0x51010ull);
}
END_TEST

START_TEST(psize_round_trip)
{
    static const struct { hpt_psize base, actual; unsigned code; } ok[] = {
        {PSZ_4K, PSZ_4K, 0}, {PSZ_4K, PSZ_64K, 0x7}, {PSZ_4K, PSZ_16M, 0x38},
        {PSZ_64K, PSZ_64K, 0x1}, {PSZ_64K, PSZ_16M, 0x8}, {PSZ_16M, PSZ_16M, 0x0},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        unsigned code = 99;
        ck_assert(hpte_lp_encode(ok[i].base, ok[i].actual, &code));
        ck_assert_uint_eq(code, ok[i].code);
        uint64_t pa = 0x7000000000ull; /* 16M aligned, so every size keeps it */
        hpte x = hpte_make(0x42, 0x3000000, false, ok[i].base, ok[i].actual, pa, &ATTR_RW, false);
        ck_assert_int_eq(hpte_decode_psize(x.v, x.r, ok[i].base), (int)ok[i].actual);
        ck_assert_int_eq(hpte_decode_psize_any(x.v, x.r), (int)ok[i].actual);
        ck_assert_uint_eq(hpte_real_addr(x.r, ok[i].actual), pa);
    }
    ck_assert(!hpte_lp_encode(PSZ_64K, PSZ_4K, NULL));
    /* L=1, LP 0: a 16M page in a 16M segment only (not in a 4K or 64K one) */
    ck_assert_int_eq(hpte_decode_psize(HPTE_V_VALID | HPTE_V_LARGE, 0x1000000, PSZ_4K), -1);
    ck_assert_int_eq(hpte_decode_psize(HPTE_V_VALID | HPTE_V_LARGE, 0x1000000, PSZ_64K), -1);
    ck_assert_int_eq(hpte_decode_psize_any(HPTE_V_VALID | HPTE_V_LARGE, 0x1000000), PSZ_16M);
    /* L=1 with an unknown LP code (0x5) decodes to nothing */
    ck_assert_int_eq(hpte_decode_psize(HPTE_V_VALID | HPTE_V_LARGE, 0x5000, PSZ_4K), -1);
    ck_assert_int_eq(hpte_decode_psize_any(HPTE_V_VALID | HPTE_V_LARGE, 0x5000), -1);
    /* L=0 in a 64K segment is not a 4K page */
    ck_assert_int_eq(hpte_decode_psize(HPTE_V_VALID, 0x5000, PSZ_64K), -1);
    /* 64K-base 64K code (0x1) is not valid in a 4K-base segment */
    ck_assert_int_eq(hpte_decode_psize(HPTE_V_VALID | HPTE_V_LARGE, 0x1000, PSZ_4K), -1);
    ck_assert_uint_eq(hpt_psize_shift(PSZ_4K), 12);
    ck_assert_uint_eq(hpt_psize_shift(PSZ_64K), 16);
    ck_assert_uint_eq(hpt_psize_shift(PSZ_16M), 24);
    ck_assert_int_eq(hpt_psize_from_shift(16), PSZ_64K);
    ck_assert_int_eq(hpt_psize_from_shift(20), -1);
}
END_TEST

START_TEST(avpn_match_rules)
{
    uint64_t v = 0x123456201ull; /* valid, AVPN field 0x123456200 */
    ck_assert(hpte_avpn_match(v, 0, 0));
    ck_assert(hpte_avpn_match(v, HPTE_FLAG_AVPN, 0x123456200ull));
    ck_assert(!hpte_avpn_match(v, HPTE_FLAG_AVPN, 0x123456280ull));
    ck_assert(!hpte_avpn_match(v, HPTE_FLAG_ANDCOND, 0x200ull)); /* v & 0x200 != 0 */
    ck_assert(hpte_avpn_match(v, HPTE_FLAG_ANDCOND, 0x400ull));  /* v & 0x400 == 0 */
    ck_assert(!hpte_avpn_match(v & ~HPTE_V_VALID, 0, 0));
    /* H_PROTECT style rewrite keeps the RPN: pp 3, N, key 5 (lo 0b101) */
    uint64_t r = hpte_set_prot(0xabcde012ull, 3, true, 5);
    ck_assert_uint_eq(r, 0xabcde000ull | 0x10 | 0x3 | 0x4 | (5ull << 9));
}
END_TEST

/* ---- hashing and sizing ------------------------------------------------- */

START_TEST(hash_256m)
{
    /* vsid 0x123456, ea 0x12345000, p 12: 0x2345000 >> 12 = 0x2345;
     * hash = 0x123456 ^ 0x2345 = 0x121713. mask 0x7ff: primary 0x713,
     * secondary ~hash & 0x7ff = 0x0ec. */
    uint64_t h = hpt_hash(0x123456, 0x12345000, 12, false);
    ck_assert_uint_eq(h, 0x121713);
    ck_assert_uint_eq(H.mask, 0x7ff);
    ck_assert_uint_eq(hpt_pteg_index(&H, h, false), 0x713);
    ck_assert_uint_eq(hpt_pteg_index(&H, h, true), 0x0ec);
    /* 16M page: 0x2345000 >> 24 = 2 -> 0x123454 */
    ck_assert_uint_eq(hpt_hash(0x123456, 0x12345000, 24, false), 0x123454);
    ck_assert_uint_eq(hpt_pteg_addr(&H, 0x713), TBASE + 0x713 * 128);
}
END_TEST

START_TEST(hash_1t)
{
    /* vsid 0x1234567, ea 0x1234567890, p 16: ea >> 16 = 0x123456;
     * vsid << 25 = 0x2468ace000000; vsid ^ 0x123456 = 0x1317131;
     * hash = 0x2468ace000000 ^ 0x1317131 = 0x2468acf317131.
     * mask 0xfffff: primary 0x17131, secondary 0xe8ece. */
    uint64_t h = hpt_hash(0x1234567, 0x1234567890, 16, true);
    ck_assert_uint_eq(h, 0x2468acf317131ull);
    hpt big = {.base = 0, .size = 128 * MB, .npteg = 1 << 20, .mask = 0xfffff};
    ck_assert_uint_eq(hpt_pteg_index(&big, h, false), 0x17131);
    ck_assert_uint_eq(hpt_pteg_index(&big, h, true), 0xe8ece);
}
END_TEST

START_TEST(sizing)
{
    /* 1 GiB / 128 = 8 MiB = 2^23 -> HTABSIZE 5 */
    ck_assert_uint_eq(hpt_size_for_ram(1 * GB), 8 * MB);
    ck_assert_uint_eq(hpt_htabsize(8 * MB), 5);
    /* 3 GiB / 128 = 24 MiB -> 32 MiB = 2^25, HTABSIZE 7 */
    ck_assert_uint_eq(hpt_size_for_ram(3 * GB), 32 * MB);
    ck_assert_uint_eq(hpt_htabsize(32 * MB), 7);
    /* 64 GiB -> 512 MiB (POWER-NOTES) */
    ck_assert_uint_eq(hpt_size_for_ram(64 * GB), 512 * MB);
    /* tiny RAM clamps to 256 KiB, HTABSIZE 0; huge clamps to 2^46, HTABSIZE 28 */
    ck_assert_uint_eq(hpt_size_for_ram(1 * MB), 256 * KB);
    ck_assert_uint_eq(hpt_size_for_ram(0), 256 * KB);
    ck_assert_uint_eq(hpt_htabsize(256 * KB), 0);
    ck_assert_uint_eq(hpt_size_for_ram(1ull << 62), 1ull << 46);
    ck_assert_uint_eq(hpt_htabsize(1ull << 46), 28);
    /* geometry of the fixture: 256 KiB = 2048 PTEGs */
    ck_assert_uint_eq(H.npteg, 2048);
}
END_TEST

START_TEST(init_errors)
{
    hpt h;
    sim_err e;
    hpt_store st = {bk_read, bk_write, &bk, NULL};
    ck_assert_int_eq(hpt_init(&h, 0, 3 * 128 * KB, &st, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "power of two"));
    ck_assert_int_eq(hpt_init(&h, 0, 128 * KB, &st, &e), -1);
    ck_assert_int_eq(hpt_init(&h, 0, 1ull << 47, &st, &e), -1);
    ck_assert_int_eq(hpt_init(&h, 256 * KB, 512 * KB, &st, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "aligned"));
    ck_assert_int_eq(hpt_init(&h, 512 * KB, 512 * KB, &st, &e), 0);
    ck_assert_uint_eq(h.npteg, 4096);
    ck_assert_uint_eq(h.mask, 4095);
}
END_TEST

/* ---- search ------------------------------------------------------------- */

/* the 4K page of enc_4k_256m: primary PTEG 0x713, secondary 0x0ec */
#define VS 0x123456ull
#define EA 0x12345000ull

START_TEST(search_primary)
{
    hpte x = hpte_make(VS, EA, false, PSZ_4K, PSZ_4K, 0xabcde000, &ATTR_RW, false);
    hpt_write(&H, 0x713 * 8 + 3, x);
    hpt_result res;
    ck_assert(hpt_search(&H, VS, EA, 12, false, &port, 1000, &res));
    ck_assert(res.found);
    ck_assert_uint_eq(res.ptex, 0x713 * 8 + 3);
    ck_assert_uint_eq(res.e.v, x.v);
    ck_assert_uint_eq(res.e.r, x.r);
    ck_assert_int_eq(res.psize, PSZ_4K);
    ck_assert_uint_eq(res.probes, 1);
    ck_assert_uint_eq(res.cycles, 100);
    ck_assert_uint_eq(plog.n, 1);
    ck_assert_uint_eq(plog.addr[0], TBASE + 0x713 * 128);
    ck_assert_uint_eq(plog.size[0], 128);
    ck_assert_int_eq(plog.kind[0], MEM_READ);
    ck_assert_uint_eq(plog.now[0], 1000);
    /* the search is side-effect free */
    ck_assert_uint_eq(hpt_read(&H, 0x713 * 8 + 3).r, x.r);
}
END_TEST

START_TEST(search_secondary_needs_h)
{
    /* without H in the secondary group: not found, two probes charged */
    hpte x = hpte_make(VS, EA, false, PSZ_4K, PSZ_4K, 0xabcde000, &ATTR_RW, false);
    hpt_write(&H, 0x0ec * 8 + 6, x);
    hpt_result res;
    ck_assert(!hpt_search(&H, VS, EA, 12, false, &port, 50, &res));
    ck_assert_uint_eq(res.probes, 2);
    ck_assert_uint_eq(res.cycles, 200);
    ck_assert_uint_eq(plog.n, 2);
    ck_assert_uint_eq(plog.addr[0], TBASE + 0x713 * 128);
    ck_assert_uint_eq(plog.addr[1], TBASE + 0x0ec * 128);
    ck_assert_uint_eq(plog.now[1], 150); /* issued after the first probe */
    /* with H: found in the secondary */
    x = hpte_make(VS, EA, false, PSZ_4K, PSZ_4K, 0xabcde000, &ATTR_RW, true);
    hpt_write(&H, 0x0ec * 8 + 6, x);
    plog.n = 0;
    ck_assert(hpt_search(&H, VS, EA, 12, false, &port, 50, &res));
    ck_assert_uint_eq(res.ptex, 0x0ec * 8 + 6);
    ck_assert_uint_eq(res.probes, 2);
    ck_assert_uint_eq(plog.n, 2);
    /* an H entry in the primary group does not match */
    hpt_write(&H, 0x0ec * 8 + 6, (hpte){0, 0});
    hpt_write(&H, 0x713 * 8 + 0, x);
    ck_assert(!hpt_search(&H, VS, EA, 12, false, NULL, 0, &res));
    ck_assert_uint_eq(res.cycles, 0); /* NULL port: nothing charged */
}
END_TEST

START_TEST(search_first_match_and_filters)
{
    hpte a = hpte_make(VS, EA, false, PSZ_4K, PSZ_4K, 0x1000, &ATTR_RW, false);
    hpte b = hpte_make(VS, EA, false, PSZ_4K, PSZ_4K, 0x2000, &ATTR_RW, false);
    hpte s = hpte_make(VS, EA, false, PSZ_4K, PSZ_4K, 0x3000, &ATTR_RW, true);
    /* slot 1: same AVPN but a 64K page: skipped for a 4K lookup */
    hpte big = hpte_make(VS, EA, false, PSZ_4K, PSZ_64K, 0x40000, &ATTR_RW, false);
    /* slot 0: other VSID */
    hpte other = hpte_make(VS + 1, EA, false, PSZ_4K, PSZ_4K, 0x5000, &ATTR_RW, false);
    /* slot 4: invalid copy */
    hpte inval = a;
    inval.v &= ~HPTE_V_VALID;
    hpt_write(&H, 0x713 * 8 + 0, other);
    hpt_write(&H, 0x713 * 8 + 1, big);
    hpt_write(&H, 0x713 * 8 + 2, b);
    hpt_write(&H, 0x713 * 8 + 4, inval);
    hpt_write(&H, 0x713 * 8 + 5, a);
    hpt_write(&H, 0x0ec * 8 + 0, s);
    hpt_result res;
    ck_assert(hpt_search(&H, VS, EA, 12, false, &port, 0, &res));
    ck_assert_uint_eq(res.ptex, 0x713 * 8 + 2);
    ck_assert_uint_eq(res.e.r & HPTE_R_RPN, 0x2000);
    ck_assert_uint_eq(res.probes, 1);
    /* the 64K lookup of the same ea finds slot 1 (hash uses p = 16) */
    uint64_t h16 = hpt_hash(VS, EA, 16, false); /* 0x123456 ^ 0x234 = 0x123662 */
    ck_assert_uint_eq(h16, 0x123662);
    hpt_write(&H, (h16 & 0x7ff) * 8 + 7, big);
    ck_assert(hpt_search(&H, VS, EA, 16, false, NULL, 0, &res));
    ck_assert_uint_eq(res.ptex, 0x662 * 8 + 7);
    ck_assert_int_eq(res.psize, PSZ_64K);
}
END_TEST

START_TEST(translate_rc)
{
    hpte x = hpte_make(VS, EA, false, PSZ_4K, PSZ_4K, 0xabcde000, &ATTR_RW, false);
    uint64_t ptex = 0x713 * 8 + 1;
    hpt_write(&H, ptex, x);
    hpt_result res;
    /* load: R set, C clear; written back once (8-byte write at r's address) */
    ck_assert_int_eq(hpt_translate(&H, VS, EA, 12, false, 0, false, &port, 10, &res),
                     HPT_XLATE_OK);
    ck_assert(res.rc_written);
    ck_assert_uint_eq(hpt_read(&H, ptex).r, x.r | HPTE_R_R);
    ck_assert_uint_eq(plog.n, 2);
    ck_assert_uint_eq(plog.addr[1], TBASE + ptex * 16 + 8);
    ck_assert_uint_eq(plog.size[1], 8);
    ck_assert_int_eq(plog.kind[1], MEM_WRITE);
    ck_assert_uint_eq(plog.now[1], 110);
    ck_assert_uint_eq(res.cycles, 107);
    /* second load: nothing to write */
    plog.n = 0;
    hpt_translate(&H, VS, EA, 12, false, 0, false, &port, 10, &res);
    ck_assert(!res.rc_written);
    ck_assert_uint_eq(plog.n, 1);
    /* store: C set */
    hpt_translate(&H, VS, EA, 12, false, 0, true, &port, 10, &res);
    ck_assert(res.rc_written);
    ck_assert_uint_eq(hpt_read(&H, ptex).r, x.r | HPTE_R_R | HPTE_R_C);
    /* miss */
    ck_assert_int_eq(hpt_translate(&H, VS + 7, EA, 12, false, 0, false, NULL, 0, &res),
                     HPT_XLATE_MISS);
}
END_TEST

START_TEST(translate_prot_denied)
{
    /* pp 3 is read-only for key 0: a store is denied, R set, C not */
    hpte_attrs ro = {.pp = 3, .wimg = 2};
    hpte x = hpte_make(VS, EA, false, PSZ_4K, PSZ_4K, 0xabcde000, &ro, false);
    hpt_write(&H, 0x713 * 8, x);
    hpt_result res;
    ck_assert_int_eq(hpt_translate(&H, VS, EA, 12, false, 0, true, NULL, 0, &res),
                     HPT_XLATE_PROT);
    ck_assert_uint_eq(hpt_read(&H, 0x713 * 8).r, x.r | HPTE_R_R);
    /* pp 0 with key 1: even a load is denied */
    hpte_attrs none = {.pp = 0, .wimg = 2};
    x = hpte_make(VS, EA, false, PSZ_4K, PSZ_4K, 0xabcde000, &none, false);
    hpt_write(&H, 0x713 * 8, x);
    ck_assert_int_eq(hpt_translate(&H, VS, EA, 12, false, 1, false, NULL, 0, &res),
                     HPT_XLATE_PROT);
    ck_assert_int_eq(hpt_translate(&H, VS, EA, 12, false, 0, true, NULL, 0, &res),
                     HPT_XLATE_OK);
}
END_TEST

START_TEST(protection_table)
{
    enum { N = 0, RO = HPTE_PROT_R, RW = HPTE_PROT_R | HPTE_PROT_W };
    /* POWER-NOTES: key 0: 0,1,2 RW; 3,6 RO; else none.
     *              key 1: 0,6 none; 1,3 RO; 2 RW; else none. */
    static const unsigned want[2][8] = {
        {RW, RW, RW, RO, N, N, RO, N},
        {N, RO, RW, RO, N, N, N, N},
    };
    for (unsigned key = 0; key < 2; key++)
        for (unsigned pp = 0; pp < 8; pp++) {
            ck_assert_msg(hpte_pp_access(pp, key) == want[key][pp], "key %u pp %u", key, pp);
            uint64_t r = hpte_set_prot(0x1000, pp, false, 0);
            unsigned x = want[key][pp] ? HPTE_PROT_X : 0;
            ck_assert_uint_eq(hpte_prot(r, key), want[key][pp] | x);
        }
    /* N or G removes execute */
    ck_assert_uint_eq(hpte_prot(0x1000 | 2 | HPTE_R_N, 0), RW);
    ck_assert_uint_eq(hpte_prot(0x1000 | 2 | HPTE_R_G, 0), RW);
}
END_TEST

START_TEST(free_slots)
{
    ck_assert_int_eq(hpt_first_free_slot(&H, 5), 0);
    hpt_write(&H, 5 * 8 + 0, (hpte){HPTE_V_VALID, 0});
    hpt_write(&H, 5 * 8 + 1, (hpte){HPTE_V_ABSENT, 0}); /* held for a paged-out page */
    hpt_write(&H, 5 * 8 + 2, (hpte){HPTE_V_BOLTED, 0});  /* not valid: free */
    ck_assert_int_eq(hpt_first_free_slot(&H, 5), 2);
    for (unsigned s = 0; s < 8; s++)
        hpt_write(&H, 5 * 8 + s, (hpte){HPTE_V_VALID, 0});
    ck_assert_int_eq(hpt_first_free_slot(&H, 5), -1);
    /* hpt_write puts v at ptex*16 and r at +8 */
    hpt_write(&H, 9, (hpte){0x11, 0x22});
    ck_assert_uint_eq(bk.w[9 * 2], 0x11);
    ck_assert_uint_eq(bk.w[9 * 2 + 1], 0x22);
}
END_TEST

/* ---- segment table ------------------------------------------------------ */

START_TEST(seg_vsid_values)
{
    /* context 1, ea 0, 256M: proto = 1 << 21; 0xbf50d9 << 21 = 0x17ea1b200000;
     * mod 2^40-1 folds the top: 0xea1b200000 + 0x17 = 0xea1b200017. */
    ck_assert_uint_eq(seg_vsid(1, 0, false), 0xea1b200017ull);
    /* 1T, context 3, ea 2 TB: proto = 3 << 9 | 2 = 1538; 1538 * 12538073 =
     * 19283556274 = 71 * (2^28-1) + 224638969 -> 0xd63b7f9. */
    ck_assert_uint_eq(seg_vsid(3, 2ull << 40, true), 0xd63b7f9ull);
    /* out of range: context >= 2^19, ea >= 2^49 (256M) or 2^49 (1T) */
    ck_assert_uint_eq(seg_vsid(1u << 19, 0, false), 0);
    ck_assert_uint_eq(seg_vsid(1, 1ull << 49, false), 0);
    ck_assert_uint_eq(seg_vsid(1, 1ull << 49, true), 0);
    ck_assert_uint_ne(seg_vsid(1, (1ull << 49) - 1, true), 0);
}
END_TEST

START_TEST(seg_table_ops)
{
    sim_err e;
    seg_table *st = seg_create(&e);
    ck_assert_ptr_nonnull(st);
    const seg_entry *s = seg_map(st, 1, 0x12345000, false, PSZ_4K, 0, 1, &e);
    ck_assert_ptr_nonnull(s);
    ck_assert_uint_eq(s->esid, 1);
    ck_assert_uint_eq(s->vsid, seg_vsid(1, 0x10000000, false));
    ck_assert_ptr_null(seg_map(st, 1u << 19, 0, false, PSZ_4K, 0, 1, &e));
    ck_assert_ptr_nonnull(strstr(e.msg, "out of range"));
    /* a 1 TB segment covering the same ea: the 256 MB one is preferred */
    ck_assert_ptr_nonnull(seg_map(st, 1, 0, true, PSZ_64K, 0, 1, &e));
    ck_assert(!seg_lookup(st, 1, 0x12345000)->seg_1t);
    ck_assert(seg_lookup(st, 1, 0x22345000)->seg_1t);
    ck_assert_ptr_null(seg_lookup(st, 2, 0x12345000));
    /* many entries: growth and deletion with backward shift keep lookups right */
    for (uint32_t c = 10; c < 60; c++)
        for (uint64_t es = 0; es < 20; es++)
            ck_assert_ptr_nonnull(seg_map(st, c, es << 28, false, PSZ_4K, 0, 1, &e));
    ck_assert_uint_eq(seg_count(st), 2 + 50 * 20);
    for (uint32_t c = 10; c < 60; c += 2)
        for (uint64_t es = 0; es < 20; es++)
            ck_assert(seg_unmap(st, c, es << 28, false));
    ck_assert(!seg_unmap(st, 10, 0, false));
    ck_assert_uint_eq(seg_count(st), 2 + 25 * 20);
    for (uint32_t c = 10; c < 60; c++)
        for (uint64_t es = 0; es < 20; es++) {
            const seg_entry *x = seg_lookup(st, c, (es << 28) | 0x123);
            if (c % 2 == 0) {
                ck_assert_ptr_null(x);
            } else {
                ck_assert_ptr_nonnull(x);
                ck_assert_uint_eq(x->vsid, seg_vsid(c, es << 28, false));
            }
        }
    seg_destroy(st);
    seg_destroy(NULL);
}
END_TEST

static Suite *hpt_suite(void)
{
    Suite *s = suite_create("hpt");
    TCase *tc = tcase_create("encoding");
    tcase_add_test(tc, enc_4k_256m);
    tcase_add_test(tc, enc_64k_1t_all_fields);
    tcase_add_test(tc, enc_16m_secondary_bolted);
    tcase_add_test(tc, psize_round_trip);
    tcase_add_test(tc, avpn_match_rules);
    tcase_add_test(tc, protection_table);
    suite_add_tcase(s, tc);

    tc = tcase_create("hash_sizing");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, hash_256m);
    tcase_add_test(tc, hash_1t);
    tcase_add_test(tc, sizing);
    tcase_add_test(tc, init_errors);
    suite_add_tcase(s, tc);

    tc = tcase_create("search");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, search_primary);
    tcase_add_test(tc, search_secondary_needs_h);
    tcase_add_test(tc, search_first_match_and_filters);
    tcase_add_test(tc, translate_rc);
    tcase_add_test(tc, translate_prot_denied);
    tcase_add_test(tc, free_slots);
    suite_add_tcase(s, tc);

    tc = tcase_create("segments");
    tcase_add_test(tc, seg_vsid_values);
    tcase_add_test(tc, seg_table_ops);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(hpt_suite());
}
