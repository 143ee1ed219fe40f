/*
 * check_dram_log.c - the DRAM request log (dram.trace_out) of a full
 * machine run, replayed open loop by `lparsim dram`'s controller: the log
 * holds every request, never steps back, and the full machine's mean read
 * latency is within 10% of the replay's (issue 14; figures for the
 * shipped configs in docs/dram.md). Also the keys' refusals.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memctl/dram.h"
#include "testutil.h"

/* lines and whether cycles never decrease */
static uint64_t count_lines(const char *path, bool *sorted)
{
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "no log %s", path);
    char w[16];
    unsigned long long a, cyc, prev = 0, n = 0;
    *sorted = true;
    while (fscanf(f, "%llx %15s %llu", &a, w, &cyc) == 3) {
        ck_assert(!strcmp(w, "READ") || !strcmp(w, "WRITE"));
        if (cyc < prev)
            *sorted = false;
        prev = cyc;
        n++;
    }
    fclose(f);
    return n;
}

START_TEST(log_replays_within_10_percent)
{
    char set[512];
    snprintf(set, sizeof set, "dram.trace_out=%s", tu_tmp("base.trc"));
    const char *sets[] = {set, NULL};
    char *csv = tu_run_config_ok(tu_src("configs/smr/base.yaml"), sets, "base.csv", false);
    double reads = tu_csv_get(csv, "dram.module0.reads");
    double writes = tu_csv_get(csv, "dram.module0.writes");
    double full = tu_csv_get(csv, "dram.module0.read_latency.mean");
    bool sorted;
    ck_assert_uint_eq(count_lines(tu_tmp("base.trc"), &sorted), (uint64_t)(reads + writes));
    ck_assert(sorted);
    ck_assert_double_gt(reads, 10000);

    dram_config c;
    sim_err e = {{0}};
    ck_assert_int_eq(param_defaults(&dram_param_table, &c, &e), 0);
    dram_replay_result r;
    ck_assert_msg(dram_replay_file(&c, tu_tmp("base.trc"), &r, &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(r.reads, (uint64_t)reads);
    ck_assert_double_le(full, r.lat_mean * 1.10);
    ck_assert_double_ge(full, r.lat_mean * 0.90);
    dram_replay_result_free(&r);
    param_free(&dram_param_table, &c);
    free(csv);
}
END_TEST

/* fcfs (posted writes served at arrival) logs the same kind of file */
START_TEST(fcfs_logs_too)
{
    char set[512];
    snprintf(set, sizeof set, "dram.trace_out=%s", tu_tmp("fcfs.trc"));
    const char *sets[] = {set, "dram.write_policy=fcfs", NULL};
    char *csv = tu_run_config_ok(tu_src("configs/smr/base.yaml"), sets, "fcfs.csv", false);
    bool sorted;
    uint64_t n = count_lines(tu_tmp("fcfs.trc"), &sorted);
    ck_assert_uint_eq(n, (uint64_t)(tu_csv_get(csv, "dram.module0.reads") +
                                    tu_csv_get(csv, "dram.module0.writes")));
    ck_assert(sorted);
    free(csv);
}
END_TEST

START_TEST(unwritable_log_refused)
{
    const char *sets[] = {"dram.trace_out=/nonexistent-dir/x.trc", NULL};
    tu_run r = tu_run_config(tu_src("configs/smr/base.yaml"), sets, tu_tmp("x.csv"), false);
    ck_assert_int_ne(r.status, 0);
    ck_assert_msg(strstr(r.err, "dram.trace_out") != NULL, "%s", r.err);
    ck_assert_msg(strchr(r.err, '\n') == r.err + strlen(r.err) - 1, "one line: %s", r.err);
    tu_run_free(&r);
}
END_TEST

/* lparsim dram replays through the queued controller: the full machine's
 * keys are refused, not ignored */
START_TEST(dram_command_refuses_run_keys)
{
    tu_write_tmp("one.trc", "0x40 READ 1\n");
    const char *keys[] = {"dram.trace_out=x.trc", "dram.write_policy=fcfs"};
    for (int i = 0; i < 2; i++) {
        const char *argv[] = {"dram", tu_tmp("one.trc"), "--set", keys[i], NULL};
        tu_run r = tu_lparsim(argv);
        ck_assert_int_eq(r.status, 1);
        ck_assert_msg(strstr(r.err, "set, but lparsim dram replays") != NULL, "%s", r.err);
        ck_assert_msg(strstr(r.err, "--set") != NULL, "located: %s", r.err);
        tu_run_free(&r);
    }
    const char *ok[] = {"dram", tu_tmp("one.trc"), "--set", "dram.write_policy=buffered", NULL};
    tu_run r = tu_lparsim(ok);
    ck_assert_int_eq(r.status, 0);
    tu_run_free(&r);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("dram_log");
    TCase *tc = tcase_create("log");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, log_replays_within_10_percent);
    tcase_add_test(tc, fcfs_logs_too);
    tcase_add_test(tc, unwritable_log_refused);
    tcase_add_test(tc, dram_command_refuses_run_keys);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return tu_run_suite(suite()); }
