/*
 * check_decode_run.c - the instruction-word decoder inside a run, through
 * the lparsim binary: `lparsim replay` of tests/data/decode/words.txt (17
 * distinct words, each executed twice) must report cpu.decode.* with the
 * classes, paths, cache hits and cycles counted by hand in that file's
 * header; a trace without words reports no cpu.decode keys; cpu.decode=false
 * turns decoding off; `trace cat --disasm` shows the disassembly.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define ARGV(...) ((const char *const[]){__VA_ARGS__, NULL})
#define TRACE "tests/data/decode/words.txt"

static char *run_csv(const char *const *argv, const char *csv)
{
    tu_run r = tu_lparsim(argv);
    ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err ? r.err : "");
    tu_run_free(&r);
    char *text = tu_read_file(csv, NULL);
    ck_assert_ptr_nonnull(text);
    return text;
}

static void has_row(const char *csv, const char *row)
{
    char line[256];
    snprintf(line, sizeof line, "\n%s\n", row);
    ck_assert_msg(strstr(csv, line) != NULL, "CSV lacks the row '%s'", row);
}

START_TEST(replay_reports_decode_figures)
{
    const char *csv = tu_tmp("dec.csv"), *json = tu_tmp("dec.json");
    char *t = run_csv(ARGV("replay", TRACE, "--csv", csv, "--json", json, "--quiet"), csv);
    /* 34 executed words, 17 distinct: the second pass hits the cache */
    has_row(t, "cpu.decode.decodes,34");
    has_row(t, "cpu.decode.distinct_words,17");
    has_row(t, "cpu.decode.cache_hits,17");
    has_row(t, "cpu.decode.cache_hit_rate,0.5");
    /* paths: 5 words per pass Capstone 4 misses, 1 invalid, 11 Capstone */
    has_row(t, "cpu.decode.capstone,22");
    has_row(t, "cpu.decode.fallback,10");
    has_row(t, "cpu.decode.invalid,2");
    /* classes, twice the per-pass counts */
    has_row(t, "cpu.decode.class.load,6");
    has_row(t, "cpu.decode.class.store,4");
    has_row(t, "cpu.decode.class.integer,2");
    has_row(t, "cpu.decode.class.muldiv,4");
    has_row(t, "cpu.decode.class.branch,2");
    has_row(t, "cpu.decode.class.vector,4");
    has_row(t, "cpu.decode.class.barrier,2");
    has_row(t, "cpu.decode.class.float,2");
    has_row(t, "cpu.decode.class.tlb,2");
    has_row(t, "cpu.decode.class.syscall,2");
    has_row(t, "cpu.decode.class.other,2");
    has_row(t, "cpu.decode.class.invalid,2");
    /* default class_cycles: mul 4 + div 20 per pass; sc 30; sync 20 */
    has_row(t, "cpu.decode.cycles.muldiv,48");
    has_row(t, "cpu.decode.cycles.syscall,60");
    has_row(t, "cpu.decode.cycles.barrier,40");
    has_row(t, "cpu.decode.cycles.vector,16");
    has_row(t, "cpu.thread0.insns,34");
    free(t);
    char *j = tu_read_file(json, NULL);
    ck_assert_ptr_nonnull(j);
    ck_assert_ptr_nonnull(strstr(j, "\"capstone_share\": 0.647058823"));
    ck_assert_ptr_nonnull(strstr(j, "\"fallback_share\": 0.294117647"));
    free(j);
}
END_TEST

START_TEST(class_cycles_are_parameters)
{
    const char *csv = tu_tmp("dec2.csv");
    char *t = run_csv(ARGV("replay", TRACE, "--set", "cpu.class_cycles.div=100", "--set",
                           "cpu.class_cycles.syscall=7", "--csv", csv, "--quiet"),
                      csv);
    has_row(t, "cpu.decode.cycles.muldiv,208"); /* 2 x (4 + 100) */
    has_row(t, "cpu.decode.cycles.syscall,14");
    free(t);
}
END_TEST

START_TEST(no_words_no_decode_keys)
{
    const char *csv = tu_tmp("nodec.csv");
    char *t = run_csv(ARGV("replay", "tests/data/replay/crossing.txt", "--csv", csv, "--quiet"),
                      csv);
    ck_assert_ptr_null(strstr(t, "cpu.decode"));
    free(t);
    t = run_csv(ARGV("replay", TRACE, "--set", "cpu.decode=false", "--csv", csv, "--quiet"), csv);
    ck_assert_ptr_null(strstr(t, "cpu.decode"));
    has_row(t, "cpu.thread0.insns,34");
    free(t);
}
END_TEST

START_TEST(trace_cat_disasm)
{
    tu_run r = tu_lparsim(ARGV("trace", "cat", TRACE, "--disasm", "--limit", "20"));
    ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
    ck_assert_ptr_nonnull(strstr(r.out, "I 0x10000000 4 0x81230008  # load: lwz r9, 8(r3)\n"));
    ck_assert_ptr_nonnull(strstr(r.out, "0xf4030011  # load: lxv (fallback)\n"));
    ck_assert_ptr_nonnull(strstr(r.out, "0x1043278c  # vector: vmrgew (fallback)\n"));
    ck_assert_ptr_nonnull(strstr(r.out, "0x00000000  # invalid: .long 0x00000000 (invalid)\n"));
    ck_assert_ptr_nonnull(strstr(r.out, "\nL 0x20000008 4\n")); /* data records unchanged */
    tu_run_free(&r);
    /* without --disasm: the plain text form */
    r = tu_lparsim(ARGV("trace", "cat", TRACE, "--limit", "1"));
    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(r.out, "#lparsim-trace v1\nI 0x10000000 4 0x81230008\n");
    tu_run_free(&r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("decode_run");
    TCase *tc = tcase_create("run");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, replay_reports_decode_figures);
    tcase_add_test(tc, class_cycles_are_parameters);
    tcase_add_test(tc, no_words_no_decode_keys);
    tcase_add_test(tc, trace_cat_disasm);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
