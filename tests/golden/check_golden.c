/*
 * check_golden.c - golden-report test: `lparsim run tests/golden/golden.yaml`
 * must produce exactly the committed JSON report (host timing removed), and
 * the same again on a second run (determinism). A difference is a change in
 * the model's behaviour: explain it before anything else; re-record
 * (scripts/update_golden.sh) only an intended change. Model bugs the golden
 * file once caught are pinned by direct tests of their modules.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static char *run_golden(const char *name)
{
    const char *out = tu_tmp(name);
    const char *argv[] = {"run", "tests/golden/golden.yaml", "--quiet", "--json", out, NULL};
    tu_run r = tu_lparsim(argv);
    ck_assert_msg(r.status == 0, "lparsim run failed (%d): %s", r.status, r.err);
    tu_run_free(&r);
    char *text = tu_read_file(out, NULL);
    ck_assert_ptr_nonnull(text);
    return tu_strip_host(text);
}

static void first_difference(const char *a, const char *b)
{
    int line = 1;
    size_t start = 0, i = 0; /* start: of the line holding the difference */
    for (; a[i] && a[i] == b[i]; i++)
        if (a[i] == '\n') {
            line++;
            start = i + 1;
        }
    int la = (int)strcspn(a + start, "\n"), lb = (int)strcspn(b + start, "\n");
    fprintf(stderr, "golden: first difference at line %d\n  got:      %.*s\n  expected: %.*s\n"
                    "golden: a difference is a change in the model's behaviour. Find its cause "
                    "and explain it\n(a focused unit test should pin a bug it reveals). Only when "
                    "the change is intended,\nre-record with scripts/update_golden.sh and say in "
                    "the commit what changed and why.\n",
            line, la > 100 ? 100 : la, a + start, lb > 100 ? 100 : lb, b + start);
}

START_TEST(report_matches_golden_file)
{
    char *got = run_golden("golden1.json");
    char *want = tu_read_file(tu_src("tests/golden/golden.expected.json"), NULL);
    ck_assert_ptr_nonnull(want);
    if (strcmp(got, want) != 0)
        first_difference(got, want);
    ck_assert_msg(strcmp(got, want) == 0, "report differs from tests/golden/golden.expected.json: "
                  "a behaviour change, to be explained (see the first difference above)");
    free(got);
    free(want);
}
END_TEST

/* No feature is enabled in the golden config: it reports no feature's
 * statistics or ops (SMR was always on and reported smr.*, audit.* and
 * its ops, and reserved its tables; dispatch and coherency neither). */
START_TEST(disabled_features_report_nothing)
{
    char *got = run_golden("golden4.json");
    const char *absent[] = {"\"smr\"", "\"audit\"", "\"drivers\"", "\"invalidate\"",
                            "\"coherency\"", "\"dispatch\""};
    for (unsigned i = 0; i < 6; i++)
        ck_assert_msg(strstr(got, absent[i]) == NULL, "%s in the golden report", absent[i]);
    free(got);
}
END_TEST

START_TEST(report_is_deterministic)
{
    char *a = run_golden("golden2.json");
    char *b = run_golden("golden3.json");
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
}
END_TEST

START_TEST(parameter_docs_are_current)
{
    const char *argv[] = {"params", "--markdown", NULL};
    tu_run r = tu_lparsim(argv);
    ck_assert_int_eq(r.status, 0);
    char *doc = tu_read_file(tu_src("docs/PARAMETERS.md"), NULL);
    ck_assert_ptr_nonnull(doc);
    const char *table = strstr(doc, "\n| parameter |");
    ck_assert_ptr_nonnull(table);
    ck_assert_msg(strcmp(table + 1, r.out) == 0,
                  "docs/PARAMETERS.md is stale: run scripts/update_docs.sh");
    free(doc);
    tu_run_free(&r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("golden");
    TCase *tc = tcase_create("report");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, report_matches_golden_file);
    tcase_add_test(tc, report_is_deterministic);
    tcase_add_test(tc, disabled_features_report_nothing);
    tcase_add_test(tc, parameter_docs_are_current);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
