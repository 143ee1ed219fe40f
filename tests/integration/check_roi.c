/*
 * check_roi.c - warm-up (run.warmup_records) and regions of interest
 * (docs/roi.md):
 *  - a replay with a functional warm-up then a region gives the region's
 *    per-op figures within 2% of a detailed replay of the whole trace over
 *    the same records (same counts), and the warm-up resets the run's own
 *    figures; slbie/slbia markers inside the warm-up act on the SLB;
 *  - regions: ids and record counts in the JSON, two regions in a trace,
 *    one region shared by two vCPUs, markers of a version 1 trace ignored;
 *  - every bad marker (unknown kind, end without begin, nested begin, an
 *    end of another region, a trace ending inside a region, a region inside
 *    the warm-up) and every bad `trace mark` input is one line naming the
 *    file and record or the option, with a non-zero exit.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/trace.h"
#include "machine/machine.h"
#include "testutil.h"

static double jnum(const jtree *j, const char *path)
{
    double d = -1;
    ck_assert_msg(jtree_get_double(j, path, &d) == 0, "missing %s", path);
    return d;
}

/* Replay traces[0..n) (one vCPU each) on the default machine with the
 * given warm-up; the report. */
static jtree *replay(const char *const *traces, unsigned n, uint64_t warmup)
{
    sim_err e;
    sim_err_clear(&e);
    machine_config c;
    ck_assert_int_eq(machine_config_init(&c, &e), 0);
    char set[512];
    const char *sets[] = {"lpars[0].name=t", "lpars[0].memory=4G"};
    for (int i = 0; i < 2; i++)
        ck_assert_msg(cfg_set(&machine_config_table, &c, sets[i], &e) == 0, "%s", e.msg);
    for (unsigned v = 0; v < n; v++) {
        snprintf(set, sizeof set, "lpars[0].vcpus[%u].trace=%s", v, traces[v]);
        ck_assert_int_eq(cfg_set(&machine_config_table, &c, set, &e), 0);
        snprintf(set, sizeof set, "lpars[0].vcpus[%u].thread=%u", v, v);
        ck_assert_int_eq(cfg_set(&machine_config_table, &c, set, &e), 0);
    }
    snprintf(set, sizeof set, "run.warmup_records=%llu", (unsigned long long)warmup);
    ck_assert_int_eq(cfg_set(&machine_config_table, &c, set, &e), 0);
    machine *m = machine_create(&c, NULL, &e);
    ck_assert_msg(m != NULL, "%s", e.msg);
    ck_assert_msg(machine_run(m, NULL, NULL, &e) == 0, "%s", e.msg);
    jtree *j = jtree_create();
    machine_report_json(m, j);
    machine_destroy(m);
    machine_config_free(&c);
    return j;
}

static void mark(const char *in, const char *out, const char *spec)
{
    const char *argv[] = {"trace", "mark", in, out, "--roi", spec, NULL};
    tu_run r = tu_lparsim(argv);
    ck_assert_msg(r.status == 0, "trace mark: %s", r.err);
    tu_run_free(&r);
}

static void within(double got, double want, double tol, const char *what)
{
    ck_assert_msg(fabs(got - want) <= tol * fabs(want), "%s: %.3f with warm-up, %.3f detailed "
                  "(more than %.0f%% apart)", what, got, want, tol * 100);
}

START_TEST(warmup_region_matches_detailed)
{
    /* random-96m: 200000 records over 96 MiB, thousands of TLB misses and
     * faults in the region; warm-up = the records before the region */
    const uint64_t b = 100000, end = 200000;
    char spec[64];
    snprintf(spec, sizeof spec, "%llu:%llu", (unsigned long long)b, (unsigned long long)end);
    const char *tr = tu_tmp("random-roi.trc");
    mark(tu_src("traces/random-96m.trc"), tr, spec);
    jtree *full = replay(&tr, 1, 0), *warm = replay(&tr, 1, b);
    /* the region covers the same records in both */
    ck_assert_uint_eq(jnum(full, "regions.0.id"), 1);
    ck_assert_uint_eq(jnum(full, "regions.0.records"), end - b + 1); /* + the end marker */
    ck_assert_uint_eq(jnum(warm, "regions.0.records"), end - b + 1);
    /* the warm-up's own figures are gone from the run's */
    ck_assert_uint_eq(jnum(warm, "sim.warmup.records"), b);
    ck_assert_uint_eq(jnum(warm, "sim.records"), jnum(full, "sim.records") - (double)b);
    ck_assert_uint_eq(jnum(warm, "cpu.thread0.records"), jnum(full, "sim.records") - (double)b);
    static const char *const ops[] = {"tlb.miss", "page_fault", "hcall.H_ENTER"};
    static const char *const fig[] = {"mean", "p50", "p90", "total"};
    char k[128];
    for (int o = 0; o < 3; o++) {
        snprintf(k, sizeof k, "regions.0.ops.%s.count", ops[o]);
        double n = jnum(full, k);
        ck_assert_msg(n >= 1000, "%s: only %.0f in the region", k, n);
        ck_assert_msg(jnum(warm, k) == n, "%s: %.0f with warm-up, %.0f detailed", k,
                      jnum(warm, k), n);
        /* the whole run's count is larger: the region is a part of it */
        snprintf(k, sizeof k, "ops.%s.count", ops[o]);
        ck_assert_double_gt(jnum(full, k), n);
        for (int f = 0; f < 4; f++) {
            snprintf(k, sizeof k, "regions.0.ops.%s.%s", ops[o], fig[f]);
            within(jnum(warm, k), jnum(full, k), 0.02, k);
        }
    }
    within(jnum(warm, "regions.0.cycles"), jnum(full, "regions.0.cycles"), 0.02, "cycles");
    static const char *const lv[] = {"l1i", "l1d", "l2", "l3"};
    for (int l = 0; l < 4; l++) {
        snprintf(k, sizeof k, "regions.0.cache.module0.%s%s.misses", l < 3 ? "core0." : "",
                 lv[l]);
        within(jnum(warm, k), jnum(full, k), 0.02, k);
    }
    within(jnum(warm, "regions.0.tlb.thread0.misses"), jnum(full, "regions.0.tlb.thread0.misses"),
           0.0, "tlb misses");
    jtree_destroy(full);
    jtree_destroy(warm);
}
END_TEST

START_TEST(regions_in_the_json)
{
    const char *t = tu_tmp("two.txt");
    tu_write_file(t, "#lparsim-trace v2\n"
                     "L 0x10000 8\nK 4 7\nL 0x20000 8\nS 0x20008 8\nK 5 7\n"
                     "K 4 9\nL 0x30000 8\nK 5 9\n");
    jtree *j = replay(&t, 1, 0);
    ck_assert_uint_eq(jnum(j, "regions.0.id"), 7);
    ck_assert_uint_eq(jnum(j, "regions.0.records"), 3);
    ck_assert_uint_eq(jnum(j, "regions.0.cpu.thread0.loads"), 1);
    ck_assert_uint_eq(jnum(j, "regions.0.cpu.thread0.stores"), 1);
    ck_assert_uint_eq(jnum(j, "regions.0.ops.hcall.H_ENTER.count"), 1); /* page 0x20000 */
    ck_assert_uint_eq(jnum(j, "regions.1.id"), 9);
    ck_assert_uint_eq(jnum(j, "regions.1.cpu.thread0.loads"), 1);
    ck_assert_uint_eq(jnum(j, "ops.hcall.H_ENTER.count"), 3);
    double x;
    ck_assert_int_ne(jtree_get_double(j, "regions.2.id", &x), 0);
    jtree_destroy(j);
    /* one region over two vCPUs: it ends with the last of them (both begin
     * it at their first record, so neither ends it before the other began:
     * thread 0's first load faults, which takes it past the quantum) */
    const char *t0 = tu_tmp("first.txt");
    tu_write_file(t0, "#lparsim-trace v2\n"
                      "K 4 7\nL 0x20000 8\nS 0x20008 8\nK 5 7\n"
                      "K 4 9\nL 0x30000 8\nK 5 9\n");
    const char *u = tu_tmp("other.txt");
    tu_write_file(u, "#lparsim-trace v2\nK 4 7\nL 0x40000 8\nL 0x40008 8\nK 5 7\n");
    const char *both[] = {t0, u};
    j = replay(both, 2, 0);
    ck_assert_uint_eq(jnum(j, "regions.0.id"), 7);
    /* thread 0 may go on past its end marker until thread 1 reaches its own */
    ck_assert_double_ge(jnum(j, "regions.0.cpu.thread0.loads"), 1);
    ck_assert_uint_eq(jnum(j, "regions.0.cpu.thread1.loads"), 2);
    ck_assert_double_ge(jnum(j, "regions.0.records"), 3 + 3);
    ck_assert_uint_eq(jnum(j, "regions.1.id"), 9);
    jtree_destroy(j);
    /* version 1: markers 4 and 5 are ordinary markers, ignored */
    const char *v1 = tu_tmp("v1.txt");
    tu_write_file(v1, "#lparsim-trace v1\nK 4 1\nL 0x10000 8\nK 5 1\nK 6 0\n");
    j = replay(&v1, 1, 0);
    ck_assert_int_ne(jtree_get_double(j, "regions.0.id", &x), 0);
    ck_assert_uint_eq(jnum(j, "sim.records"), 4);
    jtree_destroy(j);
}
END_TEST

/* An slbie (K 16) or slbia (K 17) inside the warm-up acts on the SLB as in
 * detail: the access after it misses the SLB in the detailed part. */
START_TEST(warmup_applies_slb_markers)
{
    static const char *const body[] = {
        "#lparsim-trace v2\nL 0x10000 8\nK 16 0x10000\nL 0x10000 8\n",
        "#lparsim-trace v2\nL 0x10000 8\nK 17 0\nL 0x10000 8\n",
        "#lparsim-trace v2\nL 0x10000 8\nK 16 0x20000000\nL 0x10000 8\n", /* another segment */
    };
    static const double want[] = {1, 1, 0};
    for (int k = 0; k < 3; k++) {
        const char *t = tu_tmp("slbw.txt");
        tu_write_file(t, body[k]);
        jtree *d = replay(&t, 1, 0), *w = replay(&t, 1, 2);
        ck_assert_uint_eq(jnum(d, "cpu.thread0.slb_misses"), 1 + want[k]);
        ck_assert_msg(jnum(w, "cpu.thread0.slb_misses") == want[k],
                      "case %d: %g SLB misses after the warm-up, expected %g", k,
                      jnum(w, "cpu.thread0.slb_misses"), want[k]);
        jtree_destroy(d);
        jtree_destroy(w);
    }
}
END_TEST

/* `lparsim replay FILE [--set run.warmup_records=W]` of a text trace fails
 * with exactly `want` (%s = the trace's path) and exit status 1. */
static void replay_fails(const char *body, const char *warm, const char *want_fmt)
{
    const char *t = tu_tmp("bad.txt");
    char *text = malloc(strlen(body) + 32);
    sprintf(text, "#lparsim-trace v2\n%s", body);
    tu_write_file(t, text);
    free(text);
    char set[64];
    snprintf(set, sizeof set, "run.warmup_records=%s", warm);
    const char *argv[] = {"replay", t, "-q", "--set", set, NULL};
    tu_run r = tu_lparsim(argv);
    char want[1024];
    snprintf(want, sizeof want, want_fmt, t);
    ck_assert_int_eq(r.status, 1);
    ck_assert_msg(strstr(r.err, want) != NULL, "got '%s', expected '%s'", r.err, want);
    ck_assert_msg(strchr(r.err, '\n') == r.err + strlen(r.err) - 1, "not one line: %s", r.err);
    tu_run_free(&r);
}

START_TEST(marker_errors)
{
    replay_fails("L 0x1000 8\nK 7 1\n", "0",
                 "%s record 2: unknown marker kind 7 (in a version 2 trace markers 4..15 are "
                 "lparsim's: 4 begins a region of interest, 5 ends one, 6 frees a page, 7..15 "
                 "are reserved)");
    replay_fails("L 0x1000 8\nK 5 3\n", "0",
                 "%s record 2: end of region of interest 3 without a begin; expected 'K 4 3' "
                 "before it");
    replay_fails("K 4 1\nL 0x1000 8\nK 4 2\n", "0",
                 "%s record 3: region of interest 2 begins inside region 1 (begun at record 1); "
                 "expected its end first (regions do not nest)");
    replay_fails("K 4 1\nL 0x1000 8\nK 5 2\n", "0",
                 "%s record 3: end of region of interest 2 inside region 1 (begun at record 1); "
                 "expected 'K 5 1'");
    replay_fails("L 0x1000 8\nK 4 1\nL 0x1000 8\n", "0",
                 "%s: the trace ends inside region of interest 1 (begun at record 2); expected "
                 "an end marker 'K 5 1'");
    replay_fails("L 0x1000 8\nK 4 1\nL 0x1000 8\nK 5 1\n", "3",
                 "%s record 2: region of interest marker inside the warm-up "
                 "(run.warmup_records covers the first 3 records); expected regions after it");
}
END_TEST

/* `lparsim trace mark` with spec fails with status and a message containing want. */
static void mark_fails(const char *in, const char *spec, int status, const char *want)
{
    const char *out = tu_tmp("marked.trc");
    remove(out);
    const char *argv[] = {"trace", "mark", in, out, "--roi", spec, NULL};
    tu_run r = tu_lparsim(argv);
    ck_assert_int_eq(r.status, status);
    ck_assert_msg(strstr(r.err, want) != NULL, "got '%s', expected '%s'", r.err, want);
    ck_assert_msg(strchr(r.err, '\n') == r.err + strlen(r.err) - 1, "not one line: %s", r.err);
    ck_assert_ptr_null(tu_read_file(out, NULL)); /* nothing left behind */
    tu_run_free(&r);
}

START_TEST(trace_mark)
{
    char in[1024], out[1024]; /* tu_tmp's buffers rotate */
    snprintf(in, sizeof in, "%s", tu_tmp("in.txt"));
    snprintf(out, sizeof out, "%s", tu_tmp("ok.trc"));
    tu_write_file(in, "#lparsim-trace v1\nL 0x1000 8\nL 0x2000 8\nL 0x3000 8\nL 0x4000 8\n");
    mark(in, out, "1:2,2:4");
    const char *argv[] = {"trace", "cat", out, NULL};
    tu_run r = tu_lparsim(argv);
    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(r.out, "#lparsim-trace v2\nL 0x1000 8\nK 4 0x1\nL 0x2000 8\nK 5 0x1\n"
                            "K 4 0x2\nL 0x3000 8\nL 0x4000 8\nK 5 0x2\n");
    tu_run_free(&r);
    mark_fails(in, "1:5", 1, "--roi 1:5: region 1 (1:5) goes beyond the end of");
    mark_fails(in, "1:5", 1, "in.txt (4 records); expected counts up to 4");
    mark_fails(in, "0:3,2:4", 2, "--roi 0:3,2:4: region 2 (2:4) overlaps region 1 (0:3); "
                                 "expected regions in order");
    mark_fails(in, "3:3", 2, "--roi 3:3: region 1 (3:3) is empty; expected BEGIN < END");
    mark_fails(in, "1-3", 2, "--roi 1-3: expected BEGIN:END[,BEGIN:END...] with decimal record "
                             "counts");
    mark_fails(in, "1:3,", 2, "--roi 1:3,: expected BEGIN:END");
    mark_fails(out, "0:1", 1, "ok.trc record 1: already a region marker (K 4); expected a trace "
                              "without them");
}
END_TEST

START_TEST(warmup_refused_with_shared_processors)
{
    const char *t = tu_tmp("s.txt");
    tu_write_file(t, "#lparsim-trace v1\nL 0x1000 8\n");
    char sets[3][256];
    snprintf(sets[0], sizeof sets[0], "lpars[0].vcpus[0].trace=%s", t);
    snprintf(sets[1], sizeof sets[1], "lpars[0].processors.mode=shared");
    snprintf(sets[2], sizeof sets[2], "run.warmup_records=10");
    const char *argv[] = {"replay", t, "-q", "--set", sets[1], "--set", sets[2], NULL};
    tu_run r = tu_lparsim(argv);
    ck_assert_int_ne(r.status, 0);
    ck_assert_msg(strstr(r.err, "run.warmup_records: a warm-up needs every vCPU on its own "
                                "thread") != NULL, "%s", r.err);
    tu_run_free(&r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("roi");
    TCase *tc = tcase_create("roi");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, warmup_region_matches_detailed);
    tcase_add_test(tc, regions_in_the_json);
    tcase_add_test(tc, marker_errors);
    tcase_add_test(tc, warmup_applies_slb_markers);
    tcase_add_test(tc, trace_mark);
    tcase_add_test(tc, warmup_refused_with_shared_processors);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
