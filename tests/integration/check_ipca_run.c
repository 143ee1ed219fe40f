/*
 * check_ipca_run.c - IPCAs (seed 003) end to end through the lparsim binary
 * on the shipped configs (configs/ipca/): the notices driver's bookkeeping
 * (every round a notice and a reply, broadcasts reach every other LPAR, the
 * auditor's third-party reads are the driver's snoops and no violation);
 * acl closes the snoops and changes nothing else; the notice latency is a
 * poll wait plus the work (period/2 + copy, H8's latency shape); M writers
 * into distinct IPCAs outpace M writers into one (H8's direction); a run is
 * deterministic; bad input is a one-line error naming the key; a build
 * without the lock (inject skip-lock) is stopped by the auditor.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define csv_get tu_csv_get

static char *notices(const char *const *sets, const char *out)
{
    return tu_run_config_ok(tu_src("configs/ipca/notices.yaml"), sets, out, false);
}

START_TEST(notices_bookkeeping)
{
    const char *sets[] = {"drivers.ipca.ops=150", NULL};
    char *c = notices(sets, "notices.csv");
    double n = csv_get(c, "drivers.ipca.notices"), b = csv_get(c, "drivers.ipca.broadcasts");
    ck_assert_double_eq(n + b, 150);
    ck_assert_double_gt(n, 0);
    ck_assert_double_gt(b, 0);
    ck_assert_double_eq(csv_get(c, "drivers.ipca.messages"), 2 * n);
    ck_assert_double_eq(csv_get(c, "drivers.ipca.bytes"), 2 * n * 256);
    ck_assert_double_eq(csv_get(c, "drivers.ipca.broadcast_deliveries"), 5 * b); /* 6 LPARs */
    ck_assert_double_eq(csv_get(c, "ipca.broadcast_targets"), 5 * b);
    ck_assert_double_gt(csv_get(c, "drivers.ipca.snoops"), 0);
    ck_assert_double_eq(csv_get(c, "ipca.audit.ungranted_reads"),
                        csv_get(c, "drivers.ipca.snoops"));
    ck_assert_double_eq(csv_get(c, "ipca.audit.violations"), 0);
    ck_assert_double_gt(csv_get(c, "ipca.audit.checks"), 4 * n);
    ck_assert_double_eq(csv_get(c, "ipca.registered"), 6);
    /* parts of every message sum to its total (the op's own check) and the
     * wait dominates at low load: the receiver's poll */
    double tot = csv_get(c, "ops.ipca.msg.total"), w = csv_get(c, "ops.ipca.msg.breakdown.wait");
    ck_assert_double_gt(w, 0.5 * tot);
    /* latency: a poll wait (uniform in [0, period)) plus the work */
    double mean = csv_get(c, "ops.ipca.msg.mean");
    ck_assert_double_gt(mean, 0.25 * 100000);
    ck_assert_double_lt(mean, 100000 + 20000);
    free(c);
}
END_TEST

START_TEST(acl_closes_snoops)
{
    const char *sets[] = {"drivers.ipca.ops=150", NULL};
    const char *acl[] = {"drivers.ipca.ops=150", "hypervisor.ipca.acl=true", NULL};
    char *p = notices(sets, "patent.csv"), *a = notices(acl, "acl.csv");
    ck_assert_double_eq(csv_get(a, "drivers.ipca.snoops"), 0);
    ck_assert_double_eq(csv_get(a, "drivers.ipca.snoops_refused"),
                        csv_get(p, "drivers.ipca.snoops"));
    ck_assert_double_eq(csv_get(a, "ipca.refused_authority"), csv_get(p, "drivers.ipca.snoops"));
    ck_assert_double_eq(csv_get(a, "ipca.audit.ungranted_reads"), 0);
    ck_assert_double_eq(csv_get(a, "ipca.audit.ungranted_writes"), 0);
    ck_assert_double_eq(csv_get(a, "ipca.audit.violations"), 0);
    ck_assert_double_eq(csv_get(a, "drivers.ipca.messages"), csv_get(p, "drivers.ipca.messages"));
    ck_assert_double_eq(csv_get(a, "ipca.grants"), 2 * 15); /* 6 LPARs: 15 pairs */
    free(p);
    free(a);
}
END_TEST

static double throughput(const char *target, const char *out)
{
    char t[64];
    snprintf(t, sizeof t, "drivers.ipca.target=%s", target);
    const char *sets[] = {t, "drivers.ipca.think=0", "drivers.ipca.ops=400", NULL};
    char *c = tu_run_config_ok(tu_src("configs/ipca/contention.yaml"), sets, out, false);
    ck_assert_double_eq(csv_get(c, "drivers.ipca.messages"), 4 * 400);
    ck_assert_double_eq(csv_get(c, "ipca.audit.violations"), 0);
    ck_assert_double_gt(csv_get(c, "ipca.audit.lock_intervals"), 4 * 400);
    double x = csv_get(c, "drivers.ipca.msgs_per_us");
    free(c);
    return x;
}

START_TEST(distinct_outpaces_one)
{
    double one = throughput("one", "one.csv"), dis = throughput("distinct", "distinct.csv");
    ck_assert_msg(dis > 1.5 * one, "distinct %.3f vs one %.3f msgs/us", dis, one);
}
END_TEST

START_TEST(deterministic)
{
    const char *sets[] = {"drivers.ipca.ops=60", NULL};
    const char *cfg = tu_src("configs/ipca/notices.yaml");
    char *a = tu_strip_host(tu_run_config_ok(cfg, sets, "det-a.json", true));
    char *b = tu_strip_host(tu_run_config_ok(cfg, sets, "det-b.json", true));
    ck_assert_msg(strcmp(a, b) == 0, "two runs of one config differ");
    free(a);
    free(b);
}
END_TEST

static void refused(const char *cfg, const char *set, const char *want)
{
    const char *argv[] = {"run", tu_src(cfg), "-q", "--set", set, NULL};
    tu_run r = tu_lparsim(argv);
    ck_assert_msg(r.status != 0, "%s: accepted", set);
    ck_assert_msg(strstr(r.err, want) != NULL, "%s: '%s' not in '%s'", set, want, r.err);
    ck_assert_msg(strchr(r.err, '\n') == r.err + strlen(r.err) - 1, "not one line: %s", r.err);
    tu_run_free(&r);
}

START_TEST(bad_input)
{
    refused("configs/ipca/notices.yaml", "hypervisor.ipca.enabled=false",
            "expected hypervisor.ipca.enabled: true");
    refused("configs/ipca/notices.yaml", "drivers.ipca.msg_bytes=8K",
            "a broadcast is one slot");
    refused("configs/ipca/notices.yaml", "hypervisor.ipca.slot_bytes=1000", "slot_bytes");
    refused("configs/ipca/contention.yaml", "drivers.ipca.target=both", "one|distinct");
    refused("configs/ipca/contention.yaml", "hypervisor.ipca.size=6K",
            "hypervisor.ipca: size");
}
END_TEST

/* A hypervisor built without the lock (inject) is stopped by the auditor
 * in the shipped run: an outsider's read and a notice start at one cycle. */
START_TEST(broken_lock_caught)
{
    refused("configs/ipca/notices.yaml", "hypervisor.ipca.inject=skip-lock",
            "ipca audit: lock intervals overlap");
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("ipca_run");
    TCase *t = tcase_create("run");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, notices_bookkeeping);
    tcase_add_test(t, acl_closes_snoops);
    tcase_add_test(t, distinct_outpaces_one);
    tcase_add_test(t, deterministic);
    tcase_add_test(t, bad_input);
    tcase_add_test(t, broken_lock_caught);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return tu_run_suite(suite());
}
