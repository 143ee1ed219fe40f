/*
 * check_paging_pin.c - transparent pinning of critical areas (issue 13,
 * H1; sim/hyp/hcall_crit.c, sim/hyp/paging/paging_pin.c) end to end,
 * through lparsim run on small configs and traces this test writes:
 *  - VPAs on shared processors and shared memory (guest.vpa auto, dispatch
 *    on, a pool small enough that pages go out): with pin_critical every
 *    VPA page is pinned (paging.pinned_pages = the vCPUs) and no dispatch
 *    takes a hypervisor-internal fault; without it the VPA pages are
 *    paged out and dispatches do (the op count equals the counter);
 *  - io_entitled smaller than the VPAs stops the run on one line naming
 *    H_REGISTER_VPA and H_RESOURCE;
 *  - the injected ignore-pins bug is caught by --audit;
 *  - guest.vpa off: no critical.* figures, no hypervisor access;
 *    dedicated memory: guest.vpa auto is bit-identical to off;
 *  - determinism; the data config of the lparsim-sc comparison
 *    (tests/data/paging/sc-pin.yaml) does take hypervisor-internal faults.
 * check_paging_pin_trace.c drives the registrations from traces.
 * Expected values come from the config, the trace or other figures of the
 * same run.
 */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hyp/hcall.h"
#include "paging_trace.h"
#include "testutil.h"

#define PAGE 4096ULL

static double g(const char *csv, const char *key) { return tu_csv_get(csv, key); }


/* ---- VPAs on shared processors ------------------------------------------ */

#define NLPARS 2
#define VCPUS_PER_LPAR 2

/* Two shared-memory LPARs on shared processors (one virtual processor
 * each, two vCPUs replaying t.txt and u.txt), a pool of 2M: pages go out
 * while vCPUs wait for their virtual processor. extra: more lines under
 * hypervisor.paging. Returns its path (static). */
static const char *vpa_config(const char *name, const char *extra)
{
    mixed_trace("t.txt", 2048, 256, 6000, 7);
    mixed_trace("u.txt", 1024, 128, 5000, 9);
    char y[2048];
    const char *lpar = "  - name: %s\n    memory: 64M\n    memory_mode: shared\n"
                       "    processors: {mode: shared, entitlement: 0.5, virtual_processors: 1, "
                       "capped: false}\n"
                       "    vcpus: [{trace: %s, repeat: 2}, {trace: %s, repeat: 2}]\n";
    int n = snprintf(y, sizeof y,
                     "machine: {name: pin, seed: 1, modules: 1, cores_per_module: 2, "
                     "threads_per_core: 2}\n"
                     "hypervisor:\n  lmb_size: 16M\n  dispatch: {enabled: true}\n"
                     "  paging:\n    enabled: true\n    pool: 2M\n%s"
                     "pagedev: {preset: ssd}\nlpars:\n",
                     extra ? extra : "");
    n += snprintf(y + n, sizeof y - n, lpar, "a", tu_tmp("t.txt"), tu_tmp("u.txt"));
    snprintf(y + n, sizeof y - n, lpar, "b", tu_tmp("u.txt"), tu_tmp("t.txt"));
    tu_write_tmp(name, y);
    static char path[1024];
    snprintf(path, sizeof path, "%s", tu_tmp(name));
    return path;
}

START_TEST(pinned_vpas_take_no_internal_fault)
{
    const char *cfg = vpa_config("vpa.yaml", NULL);
    const unsigned vcpus = NLPARS * VCPUS_PER_LPAR;
    const char *on[] = {"hypervisor.paging.pin_critical=true", "hypervisor.paging.audit=true",
                        NULL};
    char *c = tu_run_config_ok(cfg, on, "on.csv", false);
    ck_assert_uint_gt(g(c, "paging.page_outs"), 0); /* overcommitted */
    ck_assert_uint_eq(g(c, "critical.registered"), vcpus);
    ck_assert_uint_eq(g(c, "ops.hcall.H_REGISTER_VPA.count"), vcpus);
    ck_assert_uint_eq(g(c, "paging.pin_requests"), vcpus);
    ck_assert_uint_eq(g(c, "paging.pinned_pages"), vcpus); /* one page per VPA */
    ck_assert_uint_eq(g(c, "paging.pin_refusals"), 0);
    /* every dispatch of a vCPU with a VPA wrote it, through paging */
    ck_assert_uint_gt(g(c, "critical.vpa_writes"), 0);
    ck_assert_uint_eq(g(c, "paging.hv_accesses"), g(c, "critical.vpa_writes"));
    ck_assert_uint_eq(g(c, "paging.hv_internal_faults"), 0);
    ck_assert_uint_eq(g(c, "ops.paging.hv_internal_fault.count"), 0);
    /* the pins' page-ins are paging.fault ops, counted as touches */
    ck_assert_uint_eq(g(c, "ops.paging.fault.count"),
                      g(c, "paging.faults") + g(c, "paging.touches"));
    ck_assert_uint_eq(g(c, "paging.audit.violations"), 0);
    ck_assert_uint_gt(g(c, "paging.audit.checks"), 0);
    double cyc_on = g(c, "sim.cycles");
    free(c);

    const char *off[] = {"hypervisor.paging.pin_critical=false", "hypervisor.paging.audit=true",
                         NULL};
    c = tu_run_config_ok(cfg, off, "off.csv", false);
    ck_assert_uint_eq(g(c, "critical.registered"), vcpus);
    ck_assert_uint_eq(g(c, "paging.pin_requests"), 0);
    ck_assert_uint_eq(g(c, "paging.pinned_pages"), 0);
    ck_assert_uint_eq(g(c, "paging.hv_accesses"), g(c, "critical.vpa_writes"));
    /* the VPA pages went out and dispatches waited for them */
    ck_assert_uint_gt(g(c, "paging.hv_internal_faults"), 0);
    ck_assert_uint_le(g(c, "paging.hv_internal_faults"), g(c, "paging.hv_accesses"));
    ck_assert_uint_eq(g(c, "ops.paging.hv_internal_fault.count"),
                      g(c, "paging.hv_internal_faults"));
    ck_assert_uint_gt(g(c, "ops.paging.hv_internal_fault.total"), 0);
    ck_assert_uint_eq(g(c, "paging.audit.violations"), 0);
    fprintf(stderr, "pinning: sim.cycles %.0f pinned, %.0f unpinned (%.0f internal faults)\n",
            cyc_on, g(c, "sim.cycles"), g(c, "paging.hv_internal_faults"));
    free(c);
}
END_TEST

static void refused_run(const char *cfg, const char *const *sets, const char *want, int status)
{
    tu_run r = tu_run_config(cfg, sets, tu_tmp("refused.csv"), false);
    ck_assert_msg(r.status == status, "exit %d, expected %d: %s", r.status, status, r.err);
    ck_assert_msg(strstr(r.err, want) != NULL, "'%s' not in '%s'", want, r.err);
    ck_assert_msg(strchr(r.err, '\n') == r.err + strlen(r.err) - 1, "not one line: %s", r.err);
    tu_run_free(&r);
}

/* io_entitled for fewer VPAs than an LPAR's vCPUs: the guest's
 * H_REGISTER_VPA is refused with H_RESOURCE and the run stops. */
START_TEST(io_entitled_too_small_for_the_vpas)
{
    const char *cfg = vpa_config("io.yaml", NULL);
    char want[128];
    snprintf(want, sizeof want, "H_REGISTER_VPA returned %d; expected H_SUCCESS", H_RESOURCE);
    char set[96];
    /* room for one VPA less than an LPAR's vCPUs */
    snprintf(set, sizeof set, "hypervisor.paging.io_entitled=%llu",
             (unsigned long long)((VCPUS_PER_LPAR - 1) * PAGE));
    const char *one[] = {set, NULL};
    refused_run(cfg, one, want, 1);
    refused_run(cfg, one, "io_entitled", 1);
    const char *none[] = {"hypervisor.paging.io_entitled=0", NULL};
    refused_run(cfg, none, want, 1);
    /* exactly enough: the run completes */
    snprintf(set, sizeof set, "hypervisor.paging.io_entitled=%llu",
             (unsigned long long)(VCPUS_PER_LPAR * PAGE));
    char *c = tu_run_config_ok(cfg, one, "io.csv", false);
    ck_assert_uint_eq(g(c, "paging.pinned_pages"), NLPARS * VCPUS_PER_LPAR);
    free(c);
    /* without pinning nothing is pinned, so nothing is refused */
    const char *nopin[] = {"hypervisor.paging.io_entitled=0",
                           "hypervisor.paging.pin_critical=false", NULL};
    c = tu_run_config_ok(cfg, nopin, "nopin.csv", false);
    ck_assert_uint_eq(g(c, "critical.refused"), 0);
    free(c);
}
END_TEST

START_TEST(ignore_pins_caught)
{
    const char *cfg = vpa_config("inj.yaml", "    inject: ignore-pins\n");
    const char *argv[] = {"run", cfg, "-q", "--audit", NULL};
    tu_run r = tu_lparsim(argv);
    ck_assert_msg(r.status == 1, "ignore-pins not caught (exit %d): %s", r.status, r.err);
    ck_assert_msg(strstr(r.err, "paging audit") != NULL, "%s", r.err);
    ck_assert_msg(strstr(r.err, "is pinned (a critical area) but was chosen for page-out") != NULL,
                  "%s", r.err);
    ck_assert_msg(strchr(r.err, '\n') == r.err + strlen(r.err) - 1, "not one line: %s", r.err);
    tu_run_free(&r);
    /* without --audit it runs (wrong on purpose) */
    const char *plain[] = {"run", cfg, "-q", NULL};
    r = tu_lparsim(plain);
    ck_assert_msg(r.status == 0, "%s", r.err);
    tu_run_free(&r);
}
END_TEST

START_TEST(vpa_off_and_dedicated_memory)
{
    const char *cfg = vpa_config("off.yaml", NULL);
    const char *off[] = {"guest.vpa=off", NULL};
    char *c = tu_run_config_ok(cfg, off, "off.csv", false);
    ck_assert_ptr_null(strstr(c, "critical."));
    ck_assert_ptr_null(strstr(c, "H_REGISTER_VPA"));
    ck_assert_uint_eq(g(c, "paging.hv_accesses"), 0);
    ck_assert_uint_eq(g(c, "paging.hv_internal_faults"), 0);
    ck_assert_uint_eq(g(c, "paging.pinned_pages"), 0);
    free(c);
    char *j = tu_run_config_ok(cfg, off, "off.json", true);
    ck_assert_ptr_null(strstr(j, "\"critical\""));
    free(j);

    /* dedicated memory on capped shared processors (a short dispatch
     * wheel: redispatches): auto registers nothing, the report is the one
     * of off; on does register, and dispatches write the VPAs */
    mixed_trace("t.txt", 2048, 256, 3000, 7);
    char y[1024];
    snprintf(y, sizeof y,
             "machine: {name: pin, seed: 1, modules: 1, cores_per_module: 2, threads_per_core: 2}\n"
             "hypervisor:\n  lmb_size: 16M\n  dispatch: {enabled: true, wheel_us: 100}\n"
             "lpars:\n  - name: a\n    memory: 64M\n"
             "    processors: {mode: shared, entitlement: 0.5, virtual_processors: 1, "
             "capped: true}\n"
             "    vcpus: [{trace: %s}, {trace: %s}]\n",
             tu_tmp("t.txt"), tu_tmp("t.txt"));
    tu_write_tmp("ded.yaml", y);
    const char *sa[] = {"guest.vpa=auto", NULL}, *so[] = {"guest.vpa=off", NULL},
               *sn[] = {"guest.vpa=on", NULL};
    char *a = tu_strip_host(tu_run_config_ok(tu_tmp("ded.yaml"), sa, "auto.json", true));
    char *o = tu_strip_host(tu_run_config_ok(tu_tmp("ded.yaml"), so, "off.json", true));
    char *n = tu_strip_host(tu_run_config_ok(tu_tmp("ded.yaml"), sn, "on.json", true));
    ck_assert_msg(strcmp(a, o) == 0, "guest.vpa auto changed a dedicated-memory report");
    ck_assert_ptr_null(strstr(a, "\"critical\""));
    ck_assert_msg(strcmp(a, n) != 0, "guest.vpa on left the report as it was");
    ck_assert_ptr_nonnull(strstr(n, "\"critical\""));
    free(a);
    free(o);
    free(n);
    c = tu_run_config_ok(tu_tmp("ded.yaml"), sn, "on.csv", false);
    ck_assert_uint_eq(g(c, "critical.registered"), 2);
    ck_assert_uint_gt(g(c, "critical.vpa_writes"), 0);
    free(c);
}
END_TEST

START_TEST(deterministic_and_sc_config_faults)
{
    const char *cfg = vpa_config("det.yaml", NULL);
    char *a = tu_strip_host(tu_run_config_ok(cfg, NULL, "d1.json", true));
    char *b = tu_strip_host(tu_run_config_ok(cfg, NULL, "d2.json", true));
    ck_assert_msg(strcmp(a, b) == 0, "two runs of the pinning config differ");
    free(a);
    free(b);
    /* the lparsim / lparsim-sc comparison's config covers the internal
     * faults (tests/systemc compares its reports) */
    char *c = tu_run_config_ok(tu_src("tests/data/paging/sc-pin.yaml"), NULL, "sc.csv", false);
    ck_assert_uint_gt(g(c, "paging.hv_internal_faults"), 0);
    ck_assert_uint_eq(g(c, "ops.paging.hv_internal_fault.count"),
                      g(c, "paging.hv_internal_faults"));
    ck_assert_uint_eq(g(c, "paging.audit.violations"), 0);
    free(c);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("paging_pin");
    TCase *t = tcase_create("paging_pin");
    tcase_set_timeout(t, 300);
    tcase_add_test(t, pinned_vpas_take_no_internal_fault);
    tcase_add_test(t, io_entitled_too_small_for_the_vpas);
    tcase_add_test(t, ignore_pins_caught);
    tcase_add_test(t, vpa_off_and_dedicated_memory);
    tcase_add_test(t, deterministic_and_sc_config_faults);
    suite_add_tcase(s, t);
    return tu_run_suite(s);
}
