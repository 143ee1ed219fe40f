/*
 * check_hyp_stream.c - a sampled HPT scan (hypervisor.scan_sample_lines)
 * leaves the caches as a full one does (hyp_stream -> mem_port.stream):
 * on the machine of configs/smr/base.yaml (5 LPARs of 1G; default caches, L3
 * 10M 20-way), thread 0 reads 2M of resident data (every third line
 * written), the hypervisor streams S bytes of an HPT-sized region through
 * hyp_stream on that thread, and the resident data is read again. With a
 * sample of 1024 lines the re-read misses to memory (latency above the
 * L3's) as often as after a full scan (scan_sample_lines 0), within 1% of
 * the resident lines, for S below, at and above what the L3 holds beside
 * the resident data; a scan the L3 cannot hold makes (nearly) every
 * resident line miss. Without the stream fill the sampled scan left all
 * of them in the L3 (what follows a large scan was too cheap).
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "cpu/cpu.h"
#include "hyp/hyp.h"
#include "hyp/inval.h"
#include "machine/machine.h"
#include "testutil.h"

#define MB (1024ull * 1024)
#define RES (512 * MB)  /* resident data, real address */
#define RES_BYTES (2 * MB)
#define SCAN (1024 * MB) /* the scanned region */

typedef struct res {
    uint64_t misses, lines, l3_lines;
} res;

static res run(uint64_t sample, uint64_t scan_bytes)
{
    char s1[64];
    snprintf(s1, sizeof s1, "hypervisor.scan_sample_lines=%llu", (unsigned long long)sample);
    const char *sets[] = {"drivers.smr.lpars=5", s1};
    machine_config c;
    sim_err e = {{0}};
    ck_assert_msg(machine_config_init(&c, &e) == 0, "%s", e.msg);
    ck_assert_msg(machine_config_load(&c, tu_src("configs/smr/base.yaml"), sets, 2, NULL, &e) == 0,
                  "%s", e.msg);
    uint64_t lat3 = c.cache.l3.latency, line = c.cache.line_size;
    res r = {0, RES_BYTES / line, c.cache.l3.size / line};
    machine *m = machine_create(&c, NULL, &e);
    machine_config_free(&c);
    ck_assert_msg(m != NULL, "%s", e.msg);
    const mem_port *port = machine_thread(m, 0)->port;
    uint64_t now = 1000;
    for (uint64_t a = RES, i = 0; a < RES + RES_BYTES; a += line, i++)
        now += mem_access(port, a, 8, i % 3 ? MEM_READ : MEM_WRITE, now);
    hcall_ctx x = {.h = machine_hyp(m), .lpid = 0, .thread = 0, .port = port};
    op_begin(&x.op, now);
    hyp_stream(x.h, &x, SCAN, scan_bytes, MEM_READ);
    now = x.op.end;
    for (uint64_t a = RES; a < RES + RES_BYTES; a += line) {
        uint64_t l = mem_access(port, a, 8, MEM_READ, now);
        r.misses += l > lat3;
        now += l;
    }
    machine_destroy(m);
    return r;
}

START_TEST(sampled_scan_evicts_as_a_full_one)
{
    /* the L3 holds 80K lines, 20 a set; the resident data 16K, 4 a set:
     * a scan of 16 lines a set (8M) leaves it; one of 18 (9M) pushes the 2
     * oldest of each set out, and the re-read in address order then
     * misses on all 4 (each refill evicts the next one: LRU); one of 24+
     * (12M, 16M) pushes it all out */
    static const uint64_t sizes[] = {8 * MB, 9 * MB, 12 * MB, 16 * MB};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        res full = run(0, sizes[i]), smp = run(1024, sizes[i]);
        uint64_t tol = full.lines / 100;
        uint64_t d = full.misses > smp.misses ? full.misses - smp.misses : smp.misses - full.misses;
        ck_assert_msg(d <= tol, "%llu MB: resident lines missing after a full scan %llu, after a "
                                "sampled one %llu (of %llu)",
                      (unsigned long long)(sizes[i] / MB), (unsigned long long)full.misses,
                      (unsigned long long)smp.misses, (unsigned long long)full.lines);
        /* expected from the geometry: a set of the L3 keeps 20 lines */
        uint64_t per_set = full.lines * 20 / full.l3_lines, scan = sizes[i] / 128 * 20 /
                                                                     full.l3_lines;
        if (scan + per_set <= 20)
            ck_assert_uint_le(smp.misses, tol);
        if (scan >= 20)
            ck_assert_uint_ge(smp.misses, full.lines - tol);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("hyp_stream");
    TCase *t = tcase_create("stream");
    tcase_set_timeout(t, 300);
    tcase_add_test(t, sampled_scan_evicts_as_a_full_one);
    suite_add_tcase(s, t);
    return tu_run_suite(s);
}
