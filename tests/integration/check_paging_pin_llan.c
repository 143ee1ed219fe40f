/*
 * check_paging_pin_llan.c - the virtual Ethernet's areas are critical
 * (issue 13: "H_REGISTER_LOGICAL_LAN and its buffers"): on a shared-memory
 * LPAR with feature comm, H_REGISTER_LOGICAL_LAN pins its buffer list,
 * filter list and receive queue, each H_ADD_LOGICAL_LAN_BUFFER its
 * buffer, H_FREE_LOGICAL_LAN releases them all; with pin_critical off
 * nothing is pinned. Driven by a text trace of H records through lparsim
 * run (guest.vpa off: only these areas); pages computed from the trace.
 */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define UNIT ((uint64_t)805306370) /* hypervisor.comm.unit_address's default */
#define BD(addr, len) (((uint64_t)1 << 63) | ((uint64_t)(len) << 32) | (uint64_t)(addr))

static double g(const char *csv, const char *key) { return tu_csv_get(csv, key); }

/* The LPAR registers its adapter (buffer list at 1M, filter at 1M+4K,
 * receive queue of 8K at 1M+8K: 4 pages), posts two 2K buffers on one
 * page (1M+16K) and one of 6K over two pages (1M+20K), then, with
 * `free`, frees the adapter; then loads over 256 pages. */
static const char *llan(bool free_it, const char *pin)
{
    char t[4096], *p = t;
    const uint64_t b = (uint64_t)1 << 20;
    p += sprintf(p, "#lparsim-trace v1\n");
    p += sprintf(p, "H 0x114 %" PRIu64 " 0x%" PRIx64 " 0x%" PRIx64 " 0x%" PRIx64 " 0x%" PRIx64 "\n",
                 UNIT, b, BD(b + 8192, 8192), b + 4096, (uint64_t)0x020000000000);
    p += sprintf(p, "H 0x11c %" PRIu64 " 0x%" PRIx64 "\n", UNIT, BD(b + 16384, 2048));
    p += sprintf(p, "H 0x11c %" PRIu64 " 0x%" PRIx64 "\n", UNIT, BD(b + 16384 + 2048, 2048));
    p += sprintf(p, "H 0x11c %" PRIu64 " 0x%" PRIx64 "\n", UNIT, BD(b + 20480, 6144));
    if (free_it)
        p += sprintf(p, "H 0x118 %" PRIu64 "\n", UNIT);
    for (unsigned i = 0; i < 256; i++)
        p += sprintf(p, "L 0x%x 8\n", 0x10000000 + i * 4096);
    tu_write_tmp("l.txt", t);
    char y[1024];
    snprintf(y, sizeof y,
             "machine: {name: llan, seed: 1, modules: 1, cores_per_module: 2, threads_per_core: 2}\n"
             "hypervisor:\n  lmb_size: 16M\n  comm: {enabled: true}\n"
             "  paging: {enabled: true, audit: true, pool: 8M, pin_critical: %s}\n"
             "pagedev: {preset: ssd}\nguest: {vpa: off}\n"
             "lpars:\n  - {name: a, memory: 64M, memory_mode: shared,\n"
             "     vcpus: [{thread: 0, trace: %s}]}\n",
             pin, tu_tmp("l.txt"));
    tu_write_tmp("l.yaml", y);
    static char path[1024];
    snprintf(path, sizeof path, "%s", tu_tmp("l.yaml"));
    return path;
}

START_TEST(llan_areas_pinned_and_released)
{
    /* list 1 + filter 1 + queue 2 + the 2K buffers' page (shared by two
     * areas: one page) + the 6K buffer's 2 pages */
    char *c = tu_run_config_ok(llan(false, "true"), NULL, "l1.csv", false);
    ck_assert_uint_eq(g(c, "comm.llan.registered"), 1);
    ck_assert_uint_eq(g(c, "comm.llan.buffers_added"), 3);
    ck_assert_uint_eq(g(c, "critical.registered"), 6);
    ck_assert_uint_eq(g(c, "paging.pinned_pages"), 1 + 1 + 2 + 1 + 2);
    ck_assert_uint_eq(g(c, "paging.audit.violations"), 0);
    free(c);
    c = tu_run_config_ok(llan(true, "true"), NULL, "l2.csv", false);
    ck_assert_uint_eq(g(c, "comm.llan.freed"), 1);
    ck_assert_uint_eq(g(c, "critical.released"), 6);
    ck_assert_uint_eq(g(c, "paging.pinned_pages"), 0);
    free(c);
    c = tu_run_config_ok(llan(false, "false"), NULL, "l3.csv", false);
    ck_assert_uint_eq(g(c, "critical.registered"), 6);
    ck_assert_uint_eq(g(c, "paging.pinned_pages"), 0);
    free(c);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("paging_pin_llan");
    TCase *t = tcase_create("llan");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, llan_areas_pinned_and_released);
    suite_add_tcase(s, t);
    return tu_run_suite(s);
}
