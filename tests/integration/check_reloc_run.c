/*
 * check_reloc_run.c - LMB relocation (sim/hyp/reloc) end to end through
 * the lparsim binary: a small machine (16M LMBs and PMBs) whose LPAR
 * replays a busy trace (2000 loads over 64 MiB, repeated) while its LMB 0
 * moves in 1M granules, with the auditor on:
 *  - the whole LMB moves (granules, bytes, table), 0 violations, every
 *    entry made absent comes back (retargeted by the relocation or by a
 *    miss), vCPUs stall and never longer than a granule's block;
 *  - the HPT-scan finder moves it too, audited;
 *  - the same run twice gives the same report;
 *  - injected bugs (skip-block, skip-tlbie) stop the run with the audit's
 *    message (exit 1);
 *  - bad values are refused on one line at the key's file:line.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* line 9 is hypervisor.reloc.granule, line 10 lpar, 11 lmb, 12 thread;
 * spare_lmbs is on line 6 */
static const char *yaml_fmt =
    "machine: {modules: 1, cores_per_module: 2, threads_per_core: 2, seed: 3}\n"
    "memory: {pmb_size: 16M}\n"
    "hypervisor:\n"
    "  audit: true\n"
    "  lmb_size: 16M\n"
    "  spare_lmbs: %s\n"
    "  reloc:\n"
    "    enabled: true\n"
    "    granule: %s\n"
    "    lpar: %s\n"
    "    lmb: %s\n"
    "    thread: %s\n"
    "    at: 300000\n"
    "    inject: %s\n"
    "lpars:\n"
    "  - name: p\n"
    "    memory: 64M\n"
    "    hpt_size: 256K\n"
    "    vcpus:\n"
    "      - {thread: 0, trace: %s, repeat: 40}\n"
    "      - {thread: 1, trace: %s, repeat: 40}\n";

static char *yaml(const char *spare, const char *gran, const char *lpar, const char *lmb,
                  const char *thread, const char *inject)
{
    const char *tr = tu_busy_trace();
    size_t n = strlen(yaml_fmt) + 2 * strlen(tr) + 256;
    char *s = malloc(n);
    snprintf(s, n, yaml_fmt, spare, gran, lpar, lmb, thread, inject, tr, tr);
    return s;
}

static char *run_ok(const char *csv_name)
{
    char *y = yaml("1", "1M", "p", "0", "3", "none");
    char *csv = tu_run_yaml("reloc.yaml", y, csv_name);
    free(y);
    return csv;
}

START_TEST(t_audited_move)
{
    char *c = run_ok("a.csv");
    double lmb = 16.0 * 1024 * 1024, gran = 1024.0 * 1024;
    ck_assert_int_eq((int)tu_csv_get(c, "reloc.lmbs_moved"), 1);
    ck_assert_int_eq((int)tu_csv_get(c, "reloc.granules"), (int)(lmb / gran));
    ck_assert(tu_csv_get(c, "reloc.bytes_copied") == lmb);
    ck_assert_int_eq((int)tu_csv_get(c, "reloc.audit.violations"), 0);
    ck_assert_int_eq((int)tu_csv_get(c, "reloc.audit.checks"), (int)(4 * lmb / gran + 2));
    double abs = tu_csv_get(c, "reloc.hptes_absented");
    ck_assert(abs > 0);
    ck_assert(tu_csv_get(c, "reloc.hptes_retargeted") + tu_csv_get(c, "reloc.hptes_refaulted") +
                  tu_csv_get(c, "reloc.leftover_absent") ==
              abs + tu_csv_get(c, "reloc.enter_absent"));
    ck_assert(tu_csv_get(c, "reloc.tlbies") <= lmb / gran);
    /* the trace keeps the LMB busy: misses wait, never past a block */
    ck_assert(tu_csv_get(c, "reloc.stalls") > 0);
    ck_assert(tu_csv_get(c, "reloc.max_stall_cycles") <= tu_csv_get(c, "ops.reloc.granule.max"));
    ck_assert(tu_csv_get(c, "ops.reloc.lmb.breakdown.stall") == tu_csv_get(c, "reloc.stall_cycles"));
    ck_assert(tu_csv_get(c, "ops.reloc.fault.breakdown.wait") == tu_csv_get(c, "reloc.stall_cycles"));
    free(c);
}
END_TEST

/* HPTEs found by scanning the HPT per granule instead of the rmap */
START_TEST(t_find_scan)
{
    char *y = yaml("1", "1M", "p", "0", "3", "none");
    tu_write_tmp("scan.yaml", y);
    free(y);
    const char *sets[] = {"hypervisor.reloc.find=scan", NULL};
    char *c = tu_run_config_ok(tu_tmp("scan.yaml"), sets, "scan.csv", false);
    ck_assert_int_eq((int)tu_csv_get(c, "reloc.lmbs_moved"), 1);
    ck_assert_int_eq((int)tu_csv_get(c, "reloc.audit.violations"), 0);
    ck_assert(tu_csv_get(c, "reloc.hptes_absented") > 0);
    ck_assert(tu_csv_get(c, "ops.reloc.lmb.breakdown.find") > 0);
    free(c);
}
END_TEST

START_TEST(t_deterministic)
{
    char *a = run_ok("d1.csv"), *b = run_ok("d2.csv");
    /* host timing aside */
    char *pa = strstr(a, "sim.host_seconds"), *pb = strstr(b, "sim.host_seconds");
    if (pa)
        *pa = 0;
    if (pb)
        *pb = 0;
    ck_assert_str_eq(a, b);
    free(a), free(b);
}
END_TEST

static void injected(const char *inject, const char *want)
{
    char *y = yaml("1", "1M", "p", "0", "3", inject);
    tu_write_tmp("inj.yaml", y);
    free(y);
    tu_run r = tu_run_config(tu_tmp("inj.yaml"), NULL, tu_tmp("inj.csv"), false);
    ck_assert_int_eq(r.status, 1);
    ck_assert_msg(strstr(r.err, want) != NULL, "%s: stderr '%s'", inject, r.err);
    tu_run_free(&r);
}

START_TEST(t_injected_caught)
{
    injected("skip-block", "reloc audit: HPTE");
    injected("skip-tlbie", "(a stale entry: no tlbie)");
}
END_TEST

static void refused(const char *spare, const char *gran, const char *lpar, const char *lmb,
                    const char *thread, const char *want)
{
    char *y = yaml(spare, gran, lpar, lmb, thread, "none");
    tu_refused(y, want);
    free(y);
}

START_TEST(t_refused)
{
    refused("1", "48K", "p", "0", "3", "hypervisor.reloc.granule: 49152; expected a power of two");
    refused("1", "32M", "p", "0", "3", "hypervisor.reloc.granule");
    refused("1", "1M", "q", "0", "3", "hypervisor.reloc.lpar: 'q' is not an LPAR");
    refused("1", "1M", "1", "0", "3", "hypervisor.reloc.lpar: '1' is not an LPAR");
    refused("1", "1M", "p", "4", "3", "hypervisor.reloc.lmb: LMBs 4..4; expected LMBs of 'p'");
    refused("1", "1M", "p", "0", "4", "hypervisor.reloc.thread: 4; expected a hardware thread "
                                      "below 4");
    refused("0", "1M", "p", "0", "3", "no free LMB slot");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("reloc_run");
    TCase *tc = tcase_create("run");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, t_audited_move);
    tcase_add_test(tc, t_find_scan);
    tcase_add_test(tc, t_deterministic);
    tcase_add_test(tc, t_injected_caught);
    tcase_add_test(tc, t_refused);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
