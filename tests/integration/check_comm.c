/*
 * check_comm.c - the communication driver (drivers.comm) end to end through
 * the lparsim binary: ping-pong and streaming over tcp and veth with the
 * auditor finding nothing; the lines copied per byte delivered (2 copies for
 * tcp, 3 for veth, at 64 KiB streaming); the deliberately broken deliveries
 * (a corrupted line, a duplicated chunk) are caught; the patterns rr, crr,
 * conns and think time; two runs are bit-identical; bad configurations are
 * one-line errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "comm_testrun.h"

#define csv_get tu_csv_get
#define run comm_run
#define stat comm_stat

/* every transport there is: the comm feature's and the smc and ipca
 * features' (ipca copies user -> its staged slot -> the peer's area ->
 * user: three) */
static const char *transports[] = {"tcp", "veth", "smc", "smcd-linux", "ipca"};
static const double copies[] = {2, 3, 2, 2, 3};
#define NTRANSPORTS 5

START_TEST(pingpong_audited)
{
    const char *t = transports[_i];
    const char *x[] = {"drivers.comm.messages=300", NULL};
    char *csv = run(t, x, "pp.csv");
    ck_assert_double_eq(csv_get(csv, "comm.audit.violations"), 0);
    ck_assert_double_eq(csv_get(csv, "comm.audit.bytes"), 600);
    ck_assert_double_eq(stat(csv, t, "messages"), 600);
    char op[64];
    snprintf(op, sizeof op, "ops.%s.msg.count", t);
    ck_assert_double_eq(csv_get(csv, op), 600);
    /* every message but the first finds its reader asleep and wakes it
     * (ipca's readers poll: no wake-up) */
    if (strcmp(t, "ipca") != 0)
        ck_assert_double_ge(stat(csv, t, "wakeups"), 598);
    if (_i == 0) { /* the calibration: 1 B loopback one-way near the published 6.18 us */
        snprintf(op, sizeof op, "ops.%s.msg.mean", t);
        double us = csv_get(csv, op) / csv_get(csv, "machine.freq_mhz");
        ck_assert_msg(us > 6.18 * 0.9 && us < 6.18 * 1.1, "tcp 1 B one-way %.2f us", us);
    }
    free(csv);
}
END_TEST

/* Streaming 64 KiB messages: each byte delivered is copied twice (tcp:
 * user -> socket ring -> user) or three times (veth: user -> skb, the
 * hypervisor's copy into the peer's buffer, buffer -> user): lines written
 * per byte = copies / 128. Frame headers and ACK frames add a little. */
START_TEST(lines_copied_per_byte)
{
    const char *t = transports[_i];
    const char *x[] = {"drivers.comm.pattern=stream", "drivers.comm.size=64K",
                       "drivers.comm.messages=64", NULL};
    char *csv = run(t, x, "stream.csv");
    ck_assert_double_eq(csv_get(csv, "comm.audit.violations"), 0);
    ck_assert_double_eq(csv_get(csv, "comm.audit.bytes"), 64 * 65536.0);
    double lpb = stat(csv, t, "lines_per_byte");
    ck_assert_msg(lpb >= copies[_i] / 128 && lpb < copies[_i] / 128 * 1.02,
                  "%s: %.6f lines per byte, expected %.0f/128", t, lpb, copies[_i]);
    free(csv);
}
END_TEST

/* The patterns, with random sizes and think time: all audited. */
START_TEST(patterns_audited)
{
    const char *t = transports[_i];
    const char *pats[] = {"rr", "crr", "conns", "stream"};
    for (int p = 0; p < 4; p++) {
        char pat[64];
        snprintf(pat, sizeof pat, "drivers.comm.pattern=%s", pats[p]);
        /* rings that hold rr's 3 requests of up to 40000 bytes (smaller
         * ones deadlock rr, as blocking clients would) */
        bool smc = !strncmp(t, "smc", 3);
        const char *x[] = {pat, "drivers.comm.messages=40", "drivers.comm.size=1",
                           "drivers.comm.size_max=40000", "drivers.comm.think_cycles=30000",
                           "drivers.comm.connections=5", "drivers.comm.in_flight=3",
                           smc ? "hypervisor.smc.smb_size=1M" : NULL,
                           "hypervisor.smc.smbe_ring=256K", NULL};
        char *csv = run(t, x, "pat.csv");
        ck_assert_double_eq(csv_get(csv, "comm.audit.violations"), 0);
        double msgs = stat(csv, t, "messages");
        ck_assert_double_eq(msgs, p == 3 ? 40 : 80);
        ck_assert_double_eq(stat(csv, t, "opens"), p == 1 ? 40 : p == 2 ? 5 : 1);
        ck_assert_double_eq(stat(csv, t, "closes"), stat(csv, t, "opens"));
        free(csv);
    }
}
END_TEST

/* The short version of scripts/bench_comm.sh: random sizes 1 B..1 MiB
 * (log-uniform), every byte audited. */
START_TEST(audit_short)
{
    const char *t = transports[_i];
    const char *x[] = {"drivers.comm.size=1", "drivers.comm.size_max=1M",
                       "drivers.comm.size_dist=log2", "drivers.comm.messages=150", NULL};
    char *csv = run(t, x, "audit.csv");
    ck_assert_double_eq(csv_get(csv, "comm.audit.violations"), 0);
    ck_assert_double_eq(stat(csv, t, "messages"), 300);
    ck_assert_double_eq(csv_get(csv, "comm.audit.bytes"), stat(csv, t, "bytes"));
    ck_assert_double_gt(stat(csv, t, "bytes"), 300);
    free(csv);
}
END_TEST

/* A small receive queue and send size: partial sends, a writer blocked on
 * a full queue and woken by the reader that makes room. */
START_TEST(write_blocked)
{
    const char *x[] = {"drivers.comm.pattern=stream", "drivers.comm.size=20000",
                       "drivers.comm.messages=50", "drivers.comm.tcp.rcvbuf=4096",
                       "drivers.comm.tcp.sndbuf=1000", "drivers.comm.think_cycles=20000", NULL};
    char *csv = run("tcp", x, "wb.csv");
    ck_assert_double_eq(csv_get(csv, "comm.audit.violations"), 0);
    ck_assert_double_eq(csv_get(csv, "comm.audit.bytes"), 50 * 20000.0);
    /* the thinking reader leaves the writer blocked, woken by a recv */
    ck_assert_double_gt(stat(csv, "tcp", "wakeups"), 0);
    ck_assert_double_eq(stat(csv, "tcp", "wakeups"), stat(csv, "tcp", "signals"));
    /* a recv takes at most the 4096-byte queue: 5 or more per message */
    ck_assert_double_ge(csv_get(csv, "comm.audit.checks"), 50 * 5.0);
    free(csv);
}
END_TEST

static void caught(const char *t, const char *inject, const char *want)
{
    char tr[64], inj[64];
    snprintf(tr, sizeof tr, "drivers.comm.transport=%s", t);
    snprintf(inj, sizeof inj, "drivers.comm.inject=%s", inject);
    const char *argv[] = {"run", tu_src(PP), "-q", "--set", tr, "--set", inj, "--set",
                          "drivers.comm.size=4096", "--set", "drivers.comm.messages=50",
                          "--set", "hypervisor.smc.enabled=true", "--set",
                          "hypervisor.ipca.enabled=true", NULL};
    tu_run r = tu_lparsim(argv);
    ck_assert_int_eq(r.status, 1);
    ck_assert_msg(strstr(r.err, "audit violation on connection 0") && strstr(r.err, want),
                  "%s %s: %s", t, inject, r.err);
    ck_assert_msg(strchr(r.err, '\n') == r.err + strlen(r.err) - 1, "not one line: %s", r.err);
    tu_run_free(&r);
}

START_TEST(broken_deliveries_caught)
{
    caught(transports[_i], "corrupt-line", "corrupted or out of order");
    caught(transports[_i], "duplicate", "a duplicate of the previous delivery");
}
END_TEST

START_TEST(deterministic)
{
    const char *x[] = {"drivers.comm.transport=veth", "drivers.comm.size=1",
                       "drivers.comm.size_max=100000", "drivers.comm.think_cycles=50000",
                       "drivers.comm.messages=60", NULL};
    char *a = tu_strip_host(tu_run_config_ok(tu_src(PP), x, "det1.json", true));
    char *b = tu_strip_host(tu_run_config_ok(tu_src(PP), x, "det2.json", true));
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
}
END_TEST

static void refused(const char *set, const char *want)
{
    const char *argv[] = {"run", tu_src(PP), "-q", "--set", set, NULL};
    tu_run r = tu_lparsim(argv);
    ck_assert_msg(r.status == 1, "%s: status %d", set, r.status);
    ck_assert_msg(strstr(r.err, want) != NULL, "%s: '%s' not in '%s'", set, want, r.err);
    ck_assert_msg(strchr(r.err, '\n') == r.err + strlen(r.err) - 1, "not one line: %s", r.err);
    tu_run_free(&r);
}

START_TEST(bad_config)
{
    refused("drivers.comm.transport=carrier-pigeon",
            "drivers.comm.transport: unknown transport 'carrier-pigeon'; expected one of");
    refused("hypervisor.comm.enabled=false",
            "drivers.comm.transport: tcp needs hypervisor.comm.enabled: true");
    refused("drivers.comm.pattern=gossip", "pingpong|stream|rr|crr|conns");
    refused("drivers.comm.size=64M", "drivers.comm.size");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("comm");
    TCase *tc = tcase_create("comm");
    tcase_set_timeout(tc, 600);
    tcase_add_loop_test(tc, pingpong_audited, 0, NTRANSPORTS);
    tcase_add_loop_test(tc, lines_copied_per_byte, 0, NTRANSPORTS);
    tcase_add_loop_test(tc, patterns_audited, 0, NTRANSPORTS);
    tcase_add_loop_test(tc, broken_deliveries_caught, 0, NTRANSPORTS);
    tcase_add_loop_test(tc, audit_short, 0, NTRANSPORTS);
    tcase_add_test(tc, write_blocked);
    tcase_add_test(tc, deterministic);
    tcase_add_test(tc, bad_config);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
