/*
 * check_comm_fanin.c - interrupt coalescing (issue 12, H5) and the charge
 * of every interrupt, end to end through the lparsim binary:
 *  - pattern fanin (one request on each of N connections back to back,
 *    each side waiting on all its connections) over smc: the signals that
 *    find the consumer's summary bit set coalesce, so interrupts per
 *    message fall below 1, bounded below by the rounds (the server sleeps
 *    at most once per round before its first request); served in turn
 *    (pattern conns) every message interrupts;
 *  - the interrupts the driver charges equal the summary 0 -> 1
 *    transitions the hypervisor counted (smc.interrupts), for smc and
 *    smcd-linux on runs where they used to differ (a coalesced signal was
 *    charged an interrupt, an interrupt to a running side was not);
 *  - fanin over every transport, audited.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "comm_testrun.h"

#define run comm_run
#define stat comm_stat

enum { CONNS = 16, TRANSACTIONS = 256 };

static char *run_pattern(const char *t, const char *pattern, const char *out)
{
    char p[64], c[64], m[64];
    snprintf(p, sizeof p, "drivers.comm.pattern=%s", pattern);
    snprintf(c, sizeof c, "drivers.comm.connections=%d", CONNS);
    snprintf(m, sizeof m, "drivers.comm.messages=%d", TRANSACTIONS);
    const char *x[] = {p, c, m, "drivers.comm.size=64", NULL};
    return run(t, x, out);
}

START_TEST(fanin_coalesces)
{
    const char *t = _i ? "smcd-linux" : "smc";
    double msgs = 2.0 * TRANSACTIONS, rounds = TRANSACTIONS / CONNS;
    char *csv = run_pattern(t, "fanin", "fanin.csv");
    ck_assert_double_eq(tu_csv_get(csv, "comm.audit.violations"), 0);
    ck_assert_double_eq(stat(csv, t, "messages"), msgs);
    ck_assert_double_eq(stat(csv, t, "opens"), CONNS);
    double irq = stat(csv, t, "interrupts");
    ck_assert_msg(irq / msgs < 1 && irq >= rounds - 1, "%s fanin: %.0f interrupts for %.0f "
                  "messages in %.0f rounds", t, irq, msgs, rounds);
    ck_assert_double_gt(stat(csv, t, "coalesced"), 0);
    /* charged = raised; the SBA read at least once per interrupt */
    ck_assert_double_eq(irq, tu_csv_get(csv, "smc.interrupts"));
    ck_assert_double_ge(tu_csv_get(csv, "smc.sba_scans"), irq);
    free(csv);

    csv = run_pattern(t, "conns", "conns.csv"); /* in turn: every message but the first */
    ck_assert_double_eq(tu_csv_get(csv, "comm.audit.violations"), 0);
    irq = stat(csv, t, "interrupts");
    ck_assert_msg(irq >= msgs - 1 && irq <= msgs, "%s conns: %.0f interrupts for %.0f "
                  "messages", t, irq, msgs);
    ck_assert_double_eq(stat(csv, t, "coalesced"), 0);
    ck_assert_double_eq(irq, tu_csv_get(csv, "smc.interrupts"));
    free(csv);
}
END_TEST

/* Runs where the charged interrupts and the summary transitions differed
 * before the fix (smcd-linux's always-signalled cursor updates; policy
 * always with a busy consumer): now equal. */
START_TEST(charged_equals_raised)
{
    static const char *const cases[][4] = {
        {"smcd-linux", "drivers.comm.size=64K", "drivers.comm.messages=50", NULL},
        {"smcd-linux", "drivers.comm.pattern=stream", "drivers.comm.size=16K", NULL},
        {"smcd-linux", "drivers.comm.size=64", "drivers.comm.messages=200", NULL},
        {"smc", "drivers.comm.pattern=stream", "hypervisor.smc.signal_policy=always",
         "drivers.comm.size=64"},
    };
    const char *const *c = cases[_i];
    const char *x[] = {c[1], c[2], c[3], c[3] ? "drivers.comm.messages=300" : NULL, NULL};
    char *csv = run(c[0], x, "eq.csv");
    ck_assert_double_eq(tu_csv_get(csv, "comm.audit.violations"), 0);
    double raised = tu_csv_get(csv, "smc.interrupts");
    ck_assert_double_gt(raised, 0);
    ck_assert_msg(stat(csv, c[0], "interrupts") == raised, "case %d: %.0f charged, %.0f raised",
                  _i, stat(csv, c[0], "interrupts"), raised);
    free(csv);
}
END_TEST

/* fanin over every transport: every byte audited, every message there
 * (rings that hold a whole message: as with rr, a client blocked writing
 * one connection while the server is blocked writing another would
 * deadlock, as blocking sockets would). */
START_TEST(fanin_every_transport)
{
    static const char *const ts[] = {"tcp", "veth", "smc", "smcd-linux", "ipca"};
    const char *x[] = {"drivers.comm.pattern=fanin", "drivers.comm.connections=5",
                       "drivers.comm.messages=23", "drivers.comm.size=1",
                       "drivers.comm.size_max=40000", "hypervisor.smc.smb_size=1M",
                       "hypervisor.smc.smbe_ring=256K", NULL};
    char *csv = run(ts[_i], x, "fanin_all.csv");
    ck_assert_double_eq(tu_csv_get(csv, "comm.audit.violations"), 0);
    ck_assert_double_eq(stat(csv, ts[_i], "messages"), 46);
    ck_assert_double_eq(tu_csv_get(csv, "comm.audit.bytes"), stat(csv, ts[_i], "bytes"));
    ck_assert_double_eq(stat(csv, ts[_i], "opens"), 5);
    free(csv);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("comm_fanin");
    TCase *tc = tcase_create("comm_fanin");
    tcase_set_timeout(tc, 600);
    tcase_add_loop_test(tc, fanin_coalesces, 0, 2);
    tcase_add_loop_test(tc, charged_equals_raised, 0, 4);
    tcase_add_loop_test(tc, fanin_every_transport, 0, 5);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
