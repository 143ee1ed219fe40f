/*
 * check_comm_remote.c - drivers.comm across two machines of a platform
 * (comm_remote.c, configs/platform/smc-r.yaml): a ping-pong between LPARs
 * on different machines takes the RDMA path: every message arrives (each
 * side records the messages it received), every byte is audited, the link
 * carries the data, and the one-way latency includes the link's: it exceeds
 * the link latency plus both adapters', and a link 4000 ns slower adds
 * 4000 ns x 3.8 cycles to each message (within 2%: the memory system's
 * timing shifts a little with the arrival times); refusals name the cause.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static const char *plat(const char *name, unsigned latency_ns, const char *extra)
{
    char t[1024];
    snprintf(t, sizeof t,
             "platform:\n  machines:\n"
             "    - {name: a, config: %s, set: [\"drivers.comm.role=client\", "
             "\"drivers.comm.remote=b\"%s]}\n"
             "    - {name: b, config: %s, set: [\"drivers.comm.role=server\", "
             "\"drivers.comm.remote=a\"%s]}\n"
             "  links:\n    - {between: [a, b], latency_ns: %u}\n",
             tu_src("configs/comm/remote.yaml"), extra, tu_src("configs/comm/remote.yaml"), extra,
             latency_ns);
    tu_write_tmp(name, t);
    return tu_tmp(name);
}

START_TEST(pingpong_over_rdma)
{
    const char *m = ", \"drivers.comm.messages=200\"";
    char *r1 = tu_run_config_ok(plat("p1.yaml", 1000, m), NULL, "r1.csv", false);
    char *r5 = tu_run_config_ok(plat("p5.yaml", 5000, m), NULL, "r5.csv", false);
    for (int i = 0; i < 2; i++) {
        const char *r = i ? r5 : r1;
        ck_assert(tu_csv_get(r, "machines.a.ops.smc.msg.count") == 200);
        ck_assert(tu_csv_get(r, "machines.b.ops.smc.msg.count") == 200);
        ck_assert(tu_csv_get(r, "machines.a.comm.audit.violations") == 0);
        ck_assert(tu_csv_get(r, "machines.b.comm.audit.checks") >= 200);
        /* 64 B messages and their CDCs went over the link both ways */
        ck_assert(tu_csv_get(r, "links.a-b.transfers") >= 400);
        ck_assert(tu_csv_get(r, "links.b-a.bytes") >= 200 * 64);
        ck_assert(tu_csv_get(r, "machines.b.rdma.delivered") >= 400);
    }
    double lat1 = tu_csv_get(r1, "machines.b.ops.smc.msg.mean");
    double lat5 = tu_csv_get(r5, "machines.b.ops.smc.msg.mean");
    double link1 = (1000 * 3800 + 999) / 1000, nic = 950; /* hypervisor.rdma.nic_cycles */
    ck_assert_msg(lat1 > link1 + 2 * nic, "one-way %.0f cycles", lat1);
    double want = 4000 * 3.8;
    ck_assert_msg(lat5 - lat1 > 0.98 * want && lat5 - lat1 < 1.02 * want,
                  "4000 ns more link latency added %.0f cycles, expected %.0f", lat5 - lat1,
                  want);
    /* the same on the client's side (the responses) */
    double c1 = tu_csv_get(r1, "machines.a.ops.smc.msg.mean");
    ck_assert(c1 > link1 + 2 * nic);
    free(r1);
    free(r5);
}
END_TEST

START_TEST(deterministic)
{
    const char *p = plat("pd.yaml", 1000, ", \"drivers.comm.messages=50\"");
    char *a = tu_strip_host(tu_run_config_ok(p, NULL, "da.json", true));
    char *b = tu_strip_host(tu_run_config_ok(p, NULL, "db.json", true));
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
}
END_TEST

static void refused(const char *platfile, const char *const *sets, const char *want)
{
    tu_run r = tu_run_config(platfile, sets, tu_tmp("bad.csv"), false);
    ck_assert_int_ne(r.status, 0);
    ck_assert_msg(strstr(r.err, want), "stderr: %s", r.err);
    tu_run_free(&r);
}

START_TEST(refusals)
{
    /* alone, not on a platform */
    refused(tu_src("configs/comm/remote.yaml"), NULL,
            "drivers.comm.remote: 'peer' is not another machine of this platform");
    /* a transport with no path between machines */
    refused(plat("pv.yaml", 1000, ", \"drivers.comm.transport=veth\""), NULL,
            "drivers.comm.remote: transport veth has no path to another machine");
    refused(plat("ps.yaml", 1000, ", \"drivers.comm.pattern=stream\""), NULL,
            "drivers.comm.pattern: only pingpong runs across machines");
    /* both clients: the handshake says so */
    const char *both = "platform:\n  machines:\n"
                       "    - {name: a, config: %s, set: [\"drivers.comm.remote=b\"]}\n"
                       "    - {name: b, config: %s, set: [\"drivers.comm.remote=a\"]}\n"
                       "  links:\n    - {between: [a, b], latency_ns: 1000}\n";
    char t[1024];
    snprintf(t, sizeof t, both, tu_src("configs/comm/remote.yaml"),
             tu_src("configs/comm/remote.yaml"));
    tu_write_tmp("pb.yaml", t);
    refused(tu_tmp("pb.yaml"), NULL, "expected an accept (are both machines' roles right?)");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("comm_remote");
    TCase *t = tcase_create("comm_remote");
    tcase_set_timeout(t, 300);
    tcase_add_test(t, pingpong_over_rdma);
    tcase_add_test(t, deterministic);
    tcase_add_test(t, refusals);
    suite_add_tcase(s, t);
    return tu_run_suite(s);
}
