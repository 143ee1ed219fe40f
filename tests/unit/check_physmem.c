/*
 * check_physmem.c - unit tests of the sparse physical memory store (physmem)
 * and of memory modules / PMB tiling (memmap). Expected values are computed
 * by hand in the comments.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "memctl/memmap.h"
#include "memctl/physmem.h"
#include "testutil.h"

#define KB (1ull << 10)
#define MB (1ull << 20)
#define GB (1ull << 30)
#define TB (1ull << 40)

/* ---------------------------------------------------------------- physmem */

START_TEST(pm_sparse_readback)
{
    physmem *pm = physmem_create(64 * TB);
    ck_assert_ptr_nonnull(pm);
    ck_assert_int_eq(physmem_write64(pm, 0, 0x1111), 0);
    ck_assert_int_eq(physmem_write64(pm, 1ull << 45, 0x2222), 0);
    ck_assert_int_eq(physmem_write64(pm, 64 * TB - 8, 0x3333), 0);
    ck_assert_uint_eq(physmem_read64(pm, 0), 0x1111);
    ck_assert_uint_eq(physmem_read64(pm, 1ull << 45), 0x2222);
    ck_assert_uint_eq(physmem_read64(pm, 64 * TB - 8), 0x3333);
    /* neighbours and far addresses were never written */
    ck_assert_uint_eq(physmem_read64(pm, 8), 0);
    ck_assert_uint_eq(physmem_read64(pm, (1ull << 45) + 8), 0);
    ck_assert_uint_eq(physmem_read64(pm, (1ull << 45) - 8), 0);
    ck_assert_uint_eq(physmem_read64(pm, 48 * TB), 0);
    /* three distinct 64 KiB chunks */
    ck_assert_uint_eq(physmem_chunks(pm), 3);
    /* overwrite */
    ck_assert_int_eq(physmem_write64(pm, 0, 0xdeadbeefcafef00dull), 0);
    ck_assert_uint_eq(physmem_read64(pm, 0), 0xdeadbeefcafef00dull);
    physmem_destroy(pm);
    physmem_destroy(NULL);
}
END_TEST

START_TEST(pm_spread_small_footprint)
{
    /* 1000 words spread over 64 TB: stride 64T/1000 ~ 68.7 GB > 64 KiB, so
     * 1000 distinct chunks = 62.5 MiB of data + a 2048-slot table. */
    physmem *pm = physmem_create(0);
    const uint64_t stride = (64 * TB / 1000) & ~7ull;
    for (uint64_t i = 0; i < 1000; i++)
        ck_assert_int_eq(physmem_write64(pm, i * stride, i * 3 + 1), 0);
    for (uint64_t i = 0; i < 1000; i++)
        ck_assert_uint_eq(physmem_read64(pm, i * stride), i * 3 + 1);
    ck_assert_uint_eq(physmem_chunks(pm), 1000);
    ck_assert_uint_ge(physmem_bytes_allocated(pm), 1000 * 64 * KB);
    ck_assert_uint_lt(physmem_bytes_allocated(pm), 1000 * 64 * KB + 1 * MB);
    physmem_destroy(pm);
}
END_TEST

START_TEST(pm_chunk_words)
{
    /* every word of one chunk, then the next chunk is still empty */
    physmem *pm = physmem_create(1 * GB);
    for (uint64_t a = 0; a < 64 * KB; a += 8)
        physmem_write64(pm, 1 * MB + a, a ^ 0x5a5a);
    for (uint64_t a = 0; a < 64 * KB; a += 8)
        ck_assert_uint_eq(physmem_read64(pm, 1 * MB + a), a ^ 0x5a5a);
    ck_assert_uint_eq(physmem_read64(pm, 1 * MB + 64 * KB), 0);
    ck_assert_uint_eq(physmem_read64(pm, 1 * MB - 8), 0);
    ck_assert_uint_eq(physmem_chunks(pm), 1);
    /* a zero written to never-written memory allocates nothing */
    physmem_write64(pm, 512 * MB, 0);
    ck_assert_uint_eq(physmem_chunks(pm), 1);
    physmem_destroy(pm);
}
END_TEST

START_TEST(pm_zero_and_copy)
{
    physmem *pm = physmem_create(0);
    /* 3 chunks at 0, 64K, 128K; zero [32K, 192K): chunks 64K and 128K are wholly
     * covered (released), chunk 0 loses its upper half. */
    for (uint64_t a = 0; a < 192 * KB; a += 4 * KB)
        physmem_write64(pm, a, a + 1);
    ck_assert_uint_eq(physmem_chunks(pm), 3);
    physmem_zero(pm, 32 * KB, 160 * KB);
    ck_assert_uint_eq(physmem_chunks(pm), 1);
    ck_assert_uint_eq(physmem_read64(pm, 28 * KB), 28 * KB + 1);
    ck_assert_uint_eq(physmem_read64(pm, 32 * KB), 0);
    ck_assert_uint_eq(physmem_read64(pm, 64 * KB), 0);
    ck_assert_uint_eq(physmem_read64(pm, 188 * KB), 0);

    /* copy a 16K range from 8K to 1G+4K (unaligned to chunks on both sides) */
    physmem_copy(pm, 1 * GB + 4 * KB, 8 * KB, 16 * KB);
    ck_assert_uint_eq(physmem_read64(pm, 1 * GB + 4 * KB), 8 * KB + 1);
    ck_assert_uint_eq(physmem_read64(pm, 1 * GB + 16 * KB), 20 * KB + 1);
    ck_assert_uint_eq(physmem_read64(pm, 1 * GB + 20 * KB), 0); /* past the end */
    ck_assert_uint_eq(physmem_chunks(pm), 2);
    /* copying never-written memory onto never-written memory allocates nothing */
    physmem_copy(pm, 2 * GB, 3 * GB, 1 * MB);
    ck_assert_uint_eq(physmem_chunks(pm), 2);
    /* copying never-written memory over written memory clears it */
    physmem_copy(pm, 0, 3 * GB, 16 * KB);
    ck_assert_uint_eq(physmem_read64(pm, 4 * KB), 0);
    ck_assert_uint_eq(physmem_read64(pm, 16 * KB), 16 * KB + 1);
    physmem_destroy(pm);
}
END_TEST

START_TEST(pm_remove_keeps_others)
{
    /* many chunks, release every other one: the rest must stay reachable
     * (exercises deletion from the open-addressing table) */
    physmem *pm = physmem_create(0);
    uint64_t x = 12345;
    uint64_t keys[1000];
    for (int i = 0; i < 1000; i++) {
        /* chunk number r * 4096 + i: distinct for distinct i */
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        keys[i] = (((x >> 20) % (1ull << 30)) * 4096 + (uint64_t)i) * 64 * KB;
        physmem_write64(pm, keys[i], (uint64_t)i + 1);
    }
    uint64_t n = physmem_chunks(pm);
    ck_assert_uint_eq(n, 1000);
    for (int i = 0; i < 1000; i += 2)
        physmem_zero(pm, keys[i], 64 * KB);
    ck_assert_uint_eq(physmem_chunks(pm), 500);
    for (int i = 0; i < 1000; i++)
        ck_assert_uint_eq(physmem_read64(pm, keys[i]), i % 2 ? (uint64_t)i + 1 : 0);
    physmem_destroy(pm);
}
END_TEST

START_TEST(pm_released_chunk_reused_zeroed)
{
    /* 40 full chunks (more than one 2 MiB slab of 32), every word written;
     * release them all, then write one word into each of 40 other chunks:
     * the released memory comes back, and every other word reads 0. */
    physmem *pm = physmem_create(0);
    for (uint64_t c = 0; c < 40; c++)
        for (uint64_t a = 0; a < 64 * KB; a += 8)
            physmem_write64(pm, c * 64 * KB + a, ~a);
    ck_assert_uint_eq(physmem_chunks(pm), 40);
    physmem_zero(pm, 0, 40 * 64 * KB);
    ck_assert_uint_eq(physmem_chunks(pm), 0);
    for (uint64_t c = 0; c < 40; c++)
        physmem_write64(pm, 1 * GB + c * 64 * KB + 8 * c, c + 1);
    ck_assert_uint_eq(physmem_chunks(pm), 40);
    for (uint64_t c = 0; c < 40; c++)
        for (uint64_t a = 0; a < 64 * KB; a += 8)
            ck_assert_uint_eq(physmem_read64(pm, 1 * GB + c * 64 * KB + a),
                              a == 8 * c ? c + 1 : 0);
    for (uint64_t a = 0; a < 40 * 64 * KB; a += 4 * KB)
        ck_assert_uint_eq(physmem_read64(pm, a), 0);
    physmem_destroy(pm);
}
END_TEST

/* ----------------------------------------------------------------- memmap */

static memory_config mc_make(const uint64_t *sizes, size_t n, uint64_t pmb)
{
    memory_config c;
    memory_module_config *m = calloc(n, sizeof *m);
    for (size_t i = 0; i < n; i++)
        m[i].size = sizes[i];
    c.modules.items = m;
    c.modules.n = n;
    c.pmb_size = pmb;
    return c;
}

START_TEST(mm_pmb_spans_modules)
{
    /* 2 x 1G, pmb 2G: one PMB [0, 2G) spanning modules 0..1 */
    const uint64_t s[] = {1 * GB, 1 * GB};
    memory_config c = mc_make(s, 2, 2 * GB);
    sim_err e = {""};
    memmap *m = memmap_create(&c, &e);
    ck_assert_msg(m != NULL, "%s", e.msg);
    ck_assert_uint_eq(memmap_total_bytes(m), 2 * GB);
    ck_assert_uint_eq(memmap_pmb_count(m), 1);
    ck_assert_uint_eq(memmap_pmb_base(m, 0), 0);
    ck_assert_uint_eq(memmap_pmb_size(m, 0), 2 * GB);
    unsigned f = 9, l = 9;
    memmap_pmb_modules(m, 0, &f, &l);
    ck_assert_uint_eq(f, 0);
    ck_assert_uint_eq(l, 1);
    ck_assert_uint_eq(memmap_module_of(m, 1 * GB - 1), 0);
    ck_assert_uint_eq(memmap_module_of(m, 1 * GB), 1);
    ck_assert_uint_eq(memmap_module_base(m, 1), 1 * GB);
    ck_assert_uint_eq(memmap_pmb_of(m, 2 * GB - 8), 0);
    memmap_destroy(m);
    memmap_destroy(NULL);
    free(c.modules.items);
}
END_TEST

START_TEST(mm_pmbs_inside_modules)
{
    /* 2 x 2G, pmb 256M: 16 PMBs, PMB i in module i / 8 */
    const uint64_t s[] = {2 * GB, 2 * GB};
    memory_config c = mc_make(s, 2, 256 * MB);
    sim_err e = {""};
    memmap *m = memmap_create(&c, &e);
    ck_assert_msg(m != NULL, "%s", e.msg);
    ck_assert_uint_eq(memmap_pmb_count(m), 16);
    for (size_t i = 0; i < 16; i++) {
        unsigned f, l;
        memmap_pmb_modules(m, i, &f, &l);
        ck_assert_uint_eq(f, i / 8);
        ck_assert_uint_eq(l, i / 8);
        ck_assert_uint_eq(memmap_pmb_base(m, i), i * 256 * MB);
    }
    ck_assert_uint_eq(memmap_pmb_of(m, 2 * GB + 256 * MB), 9);
    ck_assert_uint_eq(memmap_pmb_of(m, 2 * GB + 256 * MB - 1), 8);
    ck_assert_uint_eq(memmap_module_of(m, 4 * GB - 1), 1);
    ck_assert_uint_eq(memmap_module_count(m), 2);
    memmap_destroy(m);
    free(c.modules.items);
}
END_TEST

START_TEST(mm_misaligned_modules)
{
    /* modules 48M, 16M, 64M (total 128M), pmb 32M: 4 PMBs
     * PMB0 [0,32M) in m0; PMB1 [32M,64M) spans m0 (32-48M) and m1 (48-64M);
     * PMB2, PMB3 [64M,128M) in m2. */
    const uint64_t s[] = {48 * MB, 16 * MB, 64 * MB};
    memory_config c = mc_make(s, 3, 32 * MB);
    sim_err e = {""};
    memmap *m = memmap_create(&c, &e);
    ck_assert_msg(m != NULL, "%s", e.msg);
    ck_assert_uint_eq(memmap_pmb_count(m), 4);
    unsigned exp_first[] = {0, 0, 2, 2}, exp_last[] = {0, 1, 2, 2};
    for (size_t i = 0; i < 4; i++) {
        unsigned f, l;
        memmap_pmb_modules(m, i, &f, &l);
        ck_assert_uint_eq(f, exp_first[i]);
        ck_assert_uint_eq(l, exp_last[i]);
    }
    ck_assert_uint_eq(memmap_module_of(m, 48 * MB), 1);
    ck_assert_uint_eq(memmap_module_of(m, 64 * MB - 1), 1);
    ck_assert_uint_eq(memmap_module_of(m, 64 * MB), 2);
    ck_assert_uint_eq(memmap_module_size(m, 1), 16 * MB);
    memmap_destroy(m);
    free(c.modules.items);
}
END_TEST

static void mm_expect_err(const uint64_t *s, size_t n, uint64_t pmb, const char *want)
{
    memory_config c = mc_make(s, n, pmb);
    sim_err e = {""};
    memmap *m = memmap_create(&c, &e);
    ck_assert_ptr_null(m);
    ck_assert_msg(strstr(e.msg, want) != NULL, "got '%s', want '%s'", e.msg, want);
    ck_assert_ptr_null(strchr(e.msg, '\n'));
    free(c.modules.items);
}

START_TEST(mm_errors)
{
    const uint64_t two[] = {2 * GB, 2 * GB};
    mm_expect_err(two, 2, 3 * MB, "memory.pmb_size: 3M is not a power of two; expected");
    mm_expect_err(two, 2, 8 * MB, "memory.pmb_size: 8M is smaller than the largest page size 16M");
    const uint64_t odd[] = {2 * GB, 100 * MB};
    mm_expect_err(odd, 2, 256 * MB, "memory.modules[1].size: 100M is not a multiple of 16M");
    const uint64_t three[] = {1 * GB, 1 * GB, 1 * GB};
    mm_expect_err(three, 3, 2 * GB, "memory.pmb_size: 2G does not divide total memory 3G");
    mm_expect_err(two, 0, 256 * MB, "memory.modules: no memory modules");
}
END_TEST

START_TEST(mm_params_yaml)
{
    /* the declared table: defaults (pmb 256M) plus a YAML module list */
    memory_config c;
    sim_err e = {""};
    ck_assert_int_eq(param_defaults(&memory_params, &c, &e), 0);
    ck_assert_uint_eq(c.pmb_size, 256 * MB);
    ck_assert_uint_eq(c.modules.n, 0);
    int rc = cfg_load_yaml_string(&memory_params, &c, "mem.yaml",
                                  "modules: [{size: 2G}, {size: 1G}]\n", NULL, &e);
    ck_assert_msg(rc == 0, "%s", e.msg);
    ck_assert_uint_eq(c.modules.n, 2);
    memmap *m = memmap_create(&c, &e);
    ck_assert_msg(m != NULL, "%s", e.msg);
    ck_assert_uint_eq(memmap_total_bytes(m), 3 * GB);
    ck_assert_uint_eq(memmap_pmb_count(m), 12); /* 3G / 256M */
    memmap_destroy(m);
    param_free(&memory_params, &c);
}
END_TEST

START_TEST(mm_small_helpers)
{
    char b[32];
    ck_assert_str_eq(memmap_fmt_size(3 * MB, b, sizeof b), "3M");
    ck_assert_str_eq(memmap_fmt_size(64 * TB, b, sizeof b), "64T");
    ck_assert_str_eq(memmap_fmt_size(1536 * KB, b, sizeof b), "1536K");
    ck_assert_str_eq(memmap_fmt_size(100, b, sizeof b), "100");
    ck_assert(memmap_page_size_valid(4 * KB));
    ck_assert(memmap_page_size_valid(64 * KB));
    ck_assert(memmap_page_size_valid(16 * MB));
    ck_assert(!memmap_page_size_valid(2 * MB));
}
END_TEST

static Suite *physmem_suite(void)
{
    Suite *s = suite_create("physmem");
    TCase *t = tcase_create("physmem");
    tcase_add_test(t, pm_sparse_readback);
    tcase_add_test(t, pm_spread_small_footprint);
    tcase_add_test(t, pm_chunk_words);
    tcase_add_test(t, pm_zero_and_copy);
    tcase_add_test(t, pm_remove_keeps_others);
    tcase_add_test(t, pm_released_chunk_reused_zeroed);
    suite_add_tcase(s, t);
    t = tcase_create("memmap");
    tcase_add_test(t, mm_pmb_spans_modules);
    tcase_add_test(t, mm_pmbs_inside_modules);
    tcase_add_test(t, mm_misaligned_modules);
    tcase_add_test(t, mm_small_helpers);
    suite_add_tcase(s, t);
    t = tcase_create("memmap_config");
    tcase_add_test(t, mm_errors);
    tcase_add_test(t, mm_params_yaml);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return tu_run_suite(physmem_suite());
}
