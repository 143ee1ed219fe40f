/*
 * check_record.c - recording a real POWER instruction stream end to end:
 * scripts/record-ppc64le.sh cross-compiles tests/data/qemu/tiny.c for
 * ppc64le, runs it under qemu-ppc64le (plugin route and --insns-only
 * route) and imports the log; `lparsim replay` of the result must decode
 * every executed word (no invalid words, Capstone + fallback shares sum to
 * 1), the plugin trace must carry loads and stores, and both routes must
 * see the very same instruction count; recording twice gives the same
 * bytes. A program that fails leaves no
 * trace. Needs gcc-powerpc64le-linux-gnu, libc6-dev-ppc64el-cross and
 * qemu-user (scripts/setup.sh installs them).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"

#define ARGV(...) ((const char *const[]){__VA_ARGS__, NULL})

/* Run the recording script; returns its exit status (stderr in *log). */
static int record(const char *src, const char *out, const char *extra, char **log)
{
    const char *errf = tu_tmp("record.err");
    char *cmd = NULL;
    int n = asprintf(&cmd, "bash '%s' '%s' -o '%s' %s >'%s' 2>&1",
                     tu_src("scripts/record-ppc64le.sh"), src, out, extra, errf);
    ck_assert_int_gt(n, 0);
    int st = system(cmd);
    free(cmd);
    *log = tu_read_file(errf, NULL);
    return st == -1 ? -1 : WEXITSTATUS(st);
}

/* Value of the CSV row "key,<value>" (fails the test if missing). */
static double csv_value(const char *csv, const char *key)
{
    char pat[256];
    snprintf(pat, sizeof pat, "\n%s,", key);
    const char *p = strstr(csv, pat);
    ck_assert_msg(p != NULL, "CSV lacks %s", key);
    return strtod(p + strlen(pat), NULL);
}

static char *replay_csv(const char *trace, const char *csv)
{
    tu_run r = tu_lparsim(ARGV("replay", trace, "--csv", csv, "--quiet"));
    ck_assert_msg(r.status == 0, "replay exit %d: %s", r.status, r.err);
    tu_run_free(&r);
    char *t = tu_read_file(csv, NULL);
    ck_assert_ptr_nonnull(t);
    return t;
}

/* The shipped recordings: every executed word classified, and the decode
 * cache answering almost every one (a few thousand distinct words). */
START_TEST(shipped_recordings_fully_classified)
{
    static const char *const traces[] = {"traces/ppc64le-matmul.trc", "traces/ppc64le-sort.trc"};
    for (int i = 0; i < 2; i++) {
        char *t = replay_csv(traces[i], tu_tmp("shipped.csv"));
        double insns = csv_value(t, "cpu.thread0.insns");
        ck_assert(insns > 300000);
        ck_assert(csv_value(t, "cpu.decode.decodes") == insns);
        ck_assert(csv_value(t, "cpu.decode.invalid") == 0);
        double share = csv_value(t, "cpu.decode.capstone_share") +
                       csv_value(t, "cpu.decode.fallback_share");
        ck_assert(share > 1 - 1e-9 && share < 1 + 1e-9);
        ck_assert_msg(csv_value(t, "cpu.decode.cache_hit_rate") > 0.99, "%s: hit rate %.4f",
                      traces[i], csv_value(t, "cpu.decode.cache_hit_rate"));
        free(t);
    }
}
END_TEST

START_TEST(record_tiny_program)
{
    /* copies: tu_tmp / tu_src hand out rotating buffers */
    char src[4096], full[4096], io[4096];
    snprintf(src, sizeof src, "%s", tu_src("tests/data/qemu/tiny.c"));
    snprintf(full, sizeof full, "%s", tu_tmp("tiny.trc"));
    snprintf(io, sizeof io, "%s", tu_tmp("tiny-insns.trc"));
    char *log = NULL;
    int st = record(src, full, "", &log);
    ck_assert_msg(st == 0, "record exit %d: %s", st, log);
    ck_assert_ptr_nonnull(strstr(log, "tiny: 783360")); /* the program's own output */
    free(log);
    /* reproducible: the same program records to the same bytes */
    char again[4096];
    snprintf(again, sizeof again, "%s", tu_tmp("tiny-again.trc"));
    st = record(src, again, "", &log);
    ck_assert_msg(st == 0, "record exit %d: %s", st, log);
    free(log);
    size_t n1 = 0, n2 = 0;
    char *b1 = tu_read_file(full, &n1), *b2 = tu_read_file(again, &n2);
    ck_assert(b1 && b2 && n1 == n2 && n1 > 0 && memcmp(b1, b2, n1) == 0);
    free(b1);
    free(b2);
    st = record(src, io, "--insns-only", &log);
    ck_assert_msg(st == 0, "record --insns-only exit %d: %s", st, log);
    free(log);

    char *t = replay_csv(full, tu_tmp("full.csv"));
    double insns = csv_value(t, "cpu.thread0.insns");
    /* 8 x 256 iterations of the inner loop alone are > 2048 instructions */
    ck_assert_msg(insns > 2048, "only %.0f instructions", insns);
    ck_assert(csv_value(t, "sim.records") > insns);
    ck_assert(csv_value(t, "cpu.thread0.loads") > 2048);  /* a[i] loads */
    ck_assert(csv_value(t, "cpu.thread0.stores") > 256);  /* a[i] = ... */
    ck_assert(csv_value(t, "cpu.decode.decodes") == insns); /* every word decoded */
    ck_assert(csv_value(t, "cpu.decode.invalid") == 0);
    double share = csv_value(t, "cpu.decode.capstone_share") +
                   csv_value(t, "cpu.decode.fallback_share");
    ck_assert_msg(share > 1 - 1e-9 && share < 1 + 1e-9, "shares sum to %.12f", share);
    /* the decode cache: each distinct word misses once, every repeat hits */
    double distinct = csv_value(t, "cpu.decode.distinct_words");
    double rate = csv_value(t, "cpu.decode.cache_hit_rate");
    ck_assert(distinct > 0 && distinct < insns);
    ck_assert_msg(rate > 1 - distinct / insns - 1e-9 && rate < 1 - distinct / insns + 1e-9,
                  "hit rate %.9f, distinct %.0f of %.0f", rate, distinct, insns);
    free(t);

    t = replay_csv(io, tu_tmp("io.csv"));
    ck_assert(csv_value(t, "cpu.thread0.insns") == insns); /* same stream either way */
    ck_assert(csv_value(t, "cpu.thread0.loads") == 0);
    ck_assert(csv_value(t, "cpu.decode.invalid") == 0);
    free(t);

    /* words are architectural values: main returns with blr (0x4e800020) */
    tu_run r = tu_lparsim(ARGV("trace", "cat", full, "--disasm"));
    ck_assert_msg(r.status == 0, "trace cat exit %d: %s", r.status, r.err);
    ck_assert_ptr_nonnull(strstr(r.out, " 4 0x4e800020  # branch: blr\n"));
    ck_assert_ptr_nonnull(strstr(r.out, "\nL 0x"));
    ck_assert_ptr_nonnull(strstr(r.out, "\nS 0x"));
    tu_run_free(&r);
}
END_TEST

START_TEST(failing_program_leaves_no_trace)
{
    char src[4096], out[4096];
    snprintf(src, sizeof src, "%s", tu_tmp("fail.c"));
    snprintf(out, sizeof out, "%s", tu_tmp("fail.trc"));
    ck_assert_int_eq(tu_write_file(src, "int main(void) { return 3; }\n"), 0);
    remove(out);
    char *log = NULL;
    int st = record(src, out, "", &log);
    ck_assert_int_eq(st, 1);
    ck_assert_msg(strstr(log, "exited with status 3 under qemu-ppc64le; no trace written"),
                  "%s", log);
    free(log);
    struct stat sb;
    ck_assert(stat(out, &sb) != 0);
}
END_TEST

/* the command line on a bad log: exit 1, one line naming file and line */
START_TEST(import_bad_log_cli)
{
    char in[4096], out[4096], want[8400];
    snprintf(in, sizeof in, "%s", tu_tmp("bad.log"));
    snprintf(out, sizeof out, "%s", tu_tmp("bad.trc"));
    ck_assert_int_eq(tu_write_file(in, "I 100 3c40100e\nI 104 4e800020\n"), 0);
    remove(out);
    tu_run r = tu_lparsim(ARGV("trace", "import", "--format", "qemu", in, "-o", out));
    ck_assert_int_eq(r.status, 1);
    snprintf(want, sizeof want, "lparsim: %s:2: truncated log: no end line 'E <count>' (was "
             "QEMU or the program killed?)\n", in);
    ck_assert_str_eq(r.err, want);
    tu_run_free(&r);
    struct stat sb;
    ck_assert(stat(out, &sb) != 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("record");
    TCase *tc = tcase_create("record");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, record_tiny_program);
    tcase_add_test(tc, shipped_recordings_fully_classified);
    tcase_add_test(tc, failing_program_leaves_no_trace);
    tcase_add_test(tc, import_bad_log_cli);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
