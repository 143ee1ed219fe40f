/*
 * check_memcopy.c - byte-granular physical memory (physmem_bytes.c) and the
 * copy loop's timing (memcopy.c) on a port with fixed latencies, values
 * computed by hand from memcopy.h's model: a window's loads at t, its stores
 * at t + R, the next window at t + max(R, previous W, lines x line_cycles),
 * the end at the last window's t + R + W.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "memctl/memcopy.h"
#include "memctl/physmem.h"
#include "testutil.h"

typedef struct fake {
    uint64_t rd, wr;            /* latencies */
    uint64_t n[4];              /* accesses by kind */
} fake;

static uint64_t fake_access(void *ctx, uint64_t paddr, uint32_t size, mem_kind kind, uint64_t now)
{
    (void)paddr, (void)size, (void)now;
    fake *f = ctx;
    f->n[kind]++;
    return kind == MEM_READ ? f->rd : f->wr;
}

static mem_port port_of(fake *f) { return (mem_port){fake_access, f, 128, NULL, NULL}; }

START_TEST(bytes_roundtrip_any_alignment)
{
    physmem *pm = physmem_create(0);
    unsigned char ref[5000], got[5000];
    for (unsigned i = 0; i < sizeof ref; i++)
        ref[i] = (unsigned char)(i * 37 + 11);
    for (unsigned off = 0; off < 9; off++) {
        ck_assert_int_eq(physmem_write_bytes(pm, 4096 + off, ref, 4999 - off), 0);
        memset(got, 0, sizeof got);
        physmem_read_bytes(pm, 4096 + off, got, 4999 - off);
        ck_assert_mem_eq(got, ref, 4999 - off);
    }
    /* neighbours untouched by a 3-byte write in the middle of a word */
    ck_assert_int_eq(physmem_write64(pm, 1 << 20, 0x1122334455667788ull), 0);
    ck_assert_int_eq(physmem_write_bytes(pm, (1 << 20) + 2, "\xaa\xbb\xcc", 3), 0);
    ck_assert_uint_eq(physmem_read64(pm, 1 << 20), 0x112233ccbbaa7788ull);
    physmem_destroy(pm);
}
END_TEST

START_TEST(copy_bytes_all_offsets)
{
    physmem *pm = physmem_create(0);
    unsigned char ref[3000], got[3000];
    for (unsigned i = 0; i < sizeof ref; i++)
        ref[i] = (unsigned char)(i * 13 + 5);
    for (unsigned so = 0; so < 8; so++)
        for (unsigned d = 0; d < 8; d++) {
            uint64_t src = (1 << 16) + so, dst = (3 << 16) + d;
            ck_assert_int_eq(physmem_write_bytes(pm, src, ref, sizeof ref), 0);
            ck_assert_int_eq(physmem_copy_bytes(pm, dst, src, sizeof ref), 0);
            physmem_read_bytes(pm, dst, got, sizeof got);
            ck_assert_mem_eq(got, ref, sizeof ref);
        }
    physmem_destroy(pm);
}
END_TEST

START_TEST(copy_moves_bytes_and_counts_lines)
{
    physmem *pm = physmem_create(0);
    fake f = {300, 300, {0}};
    mem_port p = port_of(&f);
    unsigned char ref[8192], got[8192];
    for (unsigned i = 0; i < sizeof ref; i++)
        ref[i] = (unsigned char)(i ^ 0x5a);
    ck_assert_int_eq(physmem_write_bytes(pm, 0x10008, ref, sizeof ref), 0);
    mem_copy_cfg c = {8, 4, false};
    mem_copy_res r;
    ck_assert_int_eq(mem_copy(&p, pm, 0x40000, 0x10008, sizeof ref, &c, 100, &r), 0);
    physmem_read_bytes(pm, 0x40000, got, sizeof got);
    ck_assert_mem_eq(got, ref, sizeof ref);
    /* 8192 bytes from offset 8: 65 source lines, 64 aligned destination */
    ck_assert_uint_eq(r.lines_read, 65);
    ck_assert_uint_eq(r.lines_written, 64);
    ck_assert_uint_eq(f.n[MEM_READ], 65);
    physmem_destroy(pm);
}
END_TEST

START_TEST(copy_window_timing)
{
    fake f = {300, 300, {0}};
    mem_port p = port_of(&f);
    mem_copy_res r;
    /* 64 aligned lines, 8 in flight: 8 windows of 300, the last + 600 */
    mem_copy_cfg c8 = {8, 4, false};
    mem_copy(&p, NULL, 1 << 20, 0, 64 * 128, &c8, 0, &r);
    ck_assert_uint_eq(r.cycles, 7 * 300 + 600);
    /* one in flight: 64 windows */
    mem_copy_cfg c1 = {1, 4, false};
    mem_copy(&p, NULL, 1 << 20, 0, 64 * 128, &c1, 0, &r);
    ck_assert_uint_eq(r.cycles, 63 * 300 + 600);
    /* hot lines (2 cycles): the bandwidth floor, 8 lines x 4 per window */
    f.rd = f.wr = 2;
    mem_copy(&p, NULL, 1 << 20, 0, 64 * 128, &c8, 0, &r);
    ck_assert_uint_eq(r.cycles, 7 * 32 + 4 < 8 * 32 ? 8 * 32 : 7 * 32 + 4);
}
END_TEST

START_TEST(copy_dst_zero_whole_lines_only)
{
    fake f = {10, 10, {0}};
    mem_port p = port_of(&f);
    mem_copy_res r;
    mem_copy_cfg z = {8, 4, true};
    /* destination offset 64, 1024 bytes: lines [0,128) and [1024,1152) are
     * partial (read for ownership), the 7 between are whole (dcbz) */
    mem_copy(&p, NULL, (1 << 20) + 64, 0, 1024, &z, 0, &r);
    ck_assert_uint_eq(r.lines_written, 9);
    ck_assert_uint_eq(f.n[MEM_ZERO], 7);
    ck_assert_uint_eq(f.n[MEM_WRITE], 2);
}
END_TEST

START_TEST(touch_counts_lines)
{
    fake f = {50, 50, {0}};
    mem_port p = port_of(&f);
    mem_copy_cfg c = {4, 4, false};
    uint64_t lines = 0;
    uint64_t t = mem_touch(&p, 64, 1024, MEM_READ, &c, 0, &lines);
    ck_assert_uint_eq(lines, 9);   /* [64, 1088): 9 lines */
    ck_assert_uint_eq(t, 150);     /* windows of 4 lines from line 0: 3 of 50 */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("memcopy");
    TCase *t = tcase_create("memcopy");
    tcase_add_test(t, bytes_roundtrip_any_alignment);
    tcase_add_test(t, copy_bytes_all_offsets);
    tcase_add_test(t, copy_moves_bytes_and_counts_lines);
    tcase_add_test(t, copy_window_timing);
    tcase_add_test(t, copy_dst_zero_whole_lines_only);
    tcase_add_test(t, touch_counts_lines);
    suite_add_tcase(s, t);
    return tu_run_suite(s);
}
