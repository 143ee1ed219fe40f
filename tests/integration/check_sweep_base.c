/*
 * check_sweep_base.c - `lparsim sweep` groups with their own `base:` and
 * `set:` (docs/sweep.md), through the built binary: a sweep whose groups
 * start from different bases gives each point what a one-base sweep of
 * that base with the same overrides gives (sim.cycles compared point by
 * point); a group's set: overrides the top-level one; --dry-run, --emit
 * and results.csv name each group's base, and an emitted --point job runs
 * its group's base (so do --resume and --collect); bad group bases and group set: keys are one-line
 * errors at the sweep file's line, with nothing run.
 *
 * tests/data/sweep/two-bases.yaml: groups `one` (tiny.yaml) and `two`
 * (tiny2.yaml: 128M, 64K pages), both varying lpars[0].hpt_size over 256K
 * and 512K; top-level set run.max_records 1000, group two sets 700.
 */
#include <check.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

#define ARGV(...) ((const char *const[]){__VA_ARGS__, NULL})
#define PATHMAX 4096

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)st, (void)flag, (void)f;
    return remove(p);
}

static const char *fresh(char out[PATHMAX], const char *name)
{
    snprintf(out, PATHMAX, "%s", tu_tmp(name));
    nftw(out, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return out;
}

static tu_run run_ok(const char *const *argv)
{
    tu_run r = tu_lparsim(argv);
    ck_assert_msg(r.status == 0, "lparsim sweep: exit %d; stderr: %s", r.status, r.err);
    return r;
}

static char *slurp(const char *dir, const char *rel)
{
    char p[2 * PATHMAX];
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    char *s = tu_read_file(p, NULL);
    ck_assert_msg(s != NULL, "cannot read %s", p);
    return s;
}

/* Field `col` (0-based, no quoting: these rows hold none) of the results.csv
 * row of point id, copied into out. */
static const char *field(const char *csv, const char *id, int col, char out[256])
{
    char key[64];
    snprintf(key, sizeof key, "\n%s,", id);
    const char *r = strstr(csv, key);
    ck_assert_msg(r != NULL, "no row %s in %s", id, csv);
    r++;
    for (int i = 0; i < col; i++) {
        r = strchr(r, ',');
        ck_assert_ptr_nonnull(r);
        r++;
    }
    size_t n = strcspn(r, ",\n");
    ck_assert_uint_lt(n, 256);
    memcpy(out, r, n);
    out[n] = '\0';
    return out;
}

/* The column index of name in the header line of csv. */
static int column(const char *csv, const char *name)
{
    int c = 0;
    size_t l = strlen(name);
    for (const char *p = csv; *p && *p != '\n'; c++) {
        if (!strncmp(p, name, l) && (p[l] == ',' || p[l] == '\n'))
            return c;
        p += strcspn(p, ",\n");
        if (*p == ',')
            p++;
    }
    ck_abort_msg("no column %s", name);
    return -1;
}

/* A one-base sweep of base (tests/data/sweep/...) with run.max_records set,
 * varying hpt_size like two-bases.yaml; returns its results.csv (heap). */
static char *reference(const char *name, const char *base, int records)
{
    char sf[PATHMAX], dir[PATHMAX], body[2 * PATHMAX];
    snprintf(sf, sizeof sf, "%s.yaml", tu_tmp(name));
    snprintf(body, sizeof body,
             "base: %s\nset: {run.max_records: %d}\n"
             "grid:\n  lpars[0].hpt_size: [256K, 512K]\nmetrics: [sim.cycles, sim.records]\n",
             tu_src(base), records);
    ck_assert_int_eq(tu_write_file(sf, body), 0);
    fresh(dir, name);
    tu_run r = run_ok(ARGV("sweep", sf, "-o", dir));
    tu_run_free(&r);
    return slurp(dir, "results.csv");
}

START_TEST(bases_match_one_base_sweeps)
{
    char dir[PATHMAX], a[256], b[256];
    const char *sf = tu_src("tests/data/sweep/two-bases.yaml");
    fresh(dir, "two.out");
    tu_run r = run_ok(ARGV("sweep", sf, "-o", dir));
    tu_run_free(&r);
    char *csv = slurp(dir, "results.csv");
    char *ref1 = reference("ref1", "tests/data/sweep/tiny.yaml", 1000);
    char *ref2 = reference("ref2", "tests/data/sweep/tiny2.yaml", 700); /* group two's set wins */
    ck_assert_ptr_nonnull(strstr(csv, "point,group,base,seed,status,lpars[0].hpt_size,"));
    ck_assert(strncmp(ref1, "point,group,seed,status,", 24) == 0); /* no base column */
    int cyc = column(csv, "sim.cycles"), rec = column(csv, "sim.records");
    int rcyc = column(ref1, "sim.cycles"), rrec = column(ref1, "sim.records");
    int mem = column(csv, "machine.lpars.a.memory_bytes"), base = column(csv, "base");
    for (int i = 0; i < 2; i++) {
        char id[32], rid[32];
        snprintf(rid, sizeof rid, "main-%04d-s1", i);
        snprintf(id, sizeof id, "one-%04d-s1", i);
        ck_assert_str_eq(field(csv, id, cyc, a), field(ref1, rid, rcyc, b));
        ck_assert_str_eq(field(csv, id, rec, a), field(ref1, rid, rrec, b));
        ck_assert_str_eq(field(csv, id, rec, a), "1000");              /* top-level set */
        ck_assert_str_eq(field(csv, id, mem, a), "67108864");          /* tiny.yaml: 64M */
        ck_assert_str_eq(field(csv, id, base, a), "tiny.yaml");       /* as written */
        snprintf(id, sizeof id, "two-%04d-s1", i);
        ck_assert_str_eq(field(csv, id, cyc, a), field(ref2, rid, rcyc, b));
        ck_assert_str_eq(field(csv, id, rec, a), "700");               /* group two's set */
        ck_assert_str_eq(field(csv, id, mem, a), "134217728");         /* tiny2.yaml: 128M */
        ck_assert_str_eq(field(csv, id, base, a), "tiny2.yaml");
    }
    /* the base makes a difference the comparison can see: tiny.yaml with
     * group two's overrides runs another number of cycles */
    char *ref3 = reference("ref3", "tests/data/sweep/tiny.yaml", 700);
    ck_assert_str_ne(field(csv, "two-0000-s1", cyc, a), field(ref3, "main-0000-s1", rcyc, b));
    /* the group's set: replaces the top-level entry in the point's list */
    char *tsv = slurp(dir, "points.tsv");
    ck_assert_ptr_nonnull(strstr(tsv, "two-0001-s1\trun.max_records=700\t"
                                      "lpars[0].hpt_size=512K\n"));
    ck_assert_ptr_nonnull(strstr(tsv, "one-0001-s1\trun.max_records=1000\t"
                                      "lpars[0].hpt_size=512K\n"));
    free(tsv), free(csv), free(ref1), free(ref2), free(ref3);
}
END_TEST

START_TEST(dry_run_and_emit_name_bases)
{
    char dir[PATHMAX], line[PATHMAX + 64];
    const char *sf = tu_src("tests/data/sweep/two-bases.yaml");
    char tiny2[PATHMAX];
    snprintf(tiny2, sizeof tiny2, "%s", tu_src("tests/data/sweep/tiny2.yaml"));
    tu_run r = run_ok(ARGV("sweep", sf, "--dry-run"));
    snprintf(line, sizeof line, "sweep: group two: base %s\n", tiny2);
    ck_assert_msg(strstr(r.out, line), "%s", r.out);
    ck_assert_ptr_nonnull(strstr(r.out, "sweep: 4 points in 2 groups (one 2, two 2); valid"));
    tu_run_free(&r);
    /* a one-base sweep prints no base lines */
    r = run_ok(ARGV("sweep", tu_src("configs/sweeps/example.yaml"), "--dry-run"));
    ck_assert_ptr_null(strstr(r.out, ": base "));
    tu_run_free(&r);

    fresh(dir, "emit.out");
    r = run_ok(ARGV("sweep", sf, "-o", dir, "--emit", "parallel"));
    ck_assert_msg(strstr(r.out, line), "%s", r.out);
    tu_run_free(&r);
    char *jobs = slurp(dir, "jobs.txt");
    ck_assert_ptr_nonnull(strstr(jobs, " --point two-0001-s1\n"));
    free(jobs);
    /* what that job line runs: the point on its group's base */
    r = run_ok(ARGV("sweep", sf, "-o", dir, "--point", "two-0001-s1"));
    tu_run_free(&r);
    char *stats = slurp(dir, "points/two-0001-s1/stats.json");
    ck_assert_ptr_nonnull(strstr(stats, "\"memory_bytes\": 134217728"));
    ck_assert_ptr_nonnull(strstr(stats, "\"records\": 700,"));
    free(stats);
    /* --resume runs the rest, each on its own base */
    r = run_ok(ARGV("sweep", sf, "-o", dir, "--resume"));
    tu_run_free(&r);
    stats = slurp(dir, "points/one-0000-s1/stats.json");
    ck_assert_ptr_nonnull(strstr(stats, "\"memory_bytes\": 67108864"));
    free(stats);
    /* --collect reads DIR/sweep.yaml: the base column is still as written */
    r = run_ok(ARGV("sweep", "--collect", dir));
    tu_run_free(&r);
    char *csv = slurp(dir, "results.csv");
    ck_assert_ptr_nonnull(strstr(csv, "\ntwo-0001-s1,two,tiny2.yaml,1,ok,512K,"));
    ck_assert_ptr_nonnull(strstr(csv, "\none-0000-s1,one,tiny.yaml,1,ok,256K,"));
    free(csv);
}
END_TEST

/* Write "base: TINY\n" + body (top) or body alone, run it, expect one line
 * "lparsim: FILE:LINE: ...needle...", exit 1, no DIR. */
static void bad(const char *name, bool top, const char *body, int line, const char *needle)
{
    char sf[PATHMAX], dir[PATHMAX], loc[PATHMAX + 16], text[2 * PATHMAX];
    snprintf(sf, sizeof sf, "%s", tu_tmp(name));
    snprintf(text, sizeof text, "%s%s%s", top ? "base: " : "",
             top ? tu_src("tests/data/sweep/tiny.yaml") : "", top ? "\n" : "");
    strncat(text, body, sizeof text - strlen(text) - 1);
    ck_assert_int_eq(tu_write_file(sf, text), 0);
    fresh(dir, "bad.out");
    tu_run r = tu_lparsim(ARGV("sweep", sf, "-o", dir));
    ck_assert_msg(r.status == 1, "%s: exit %d; stderr %s", name, r.status, r.err);
    snprintf(loc, sizeof loc, "lparsim: %s:%d: ", sf, line);
    ck_assert_msg(!strncmp(r.err, loc, strlen(loc)), "%s: expected '%s...', got: %s", name, loc,
                  r.err);
    const char *nl = strchr(r.err, '\n');
    ck_assert_msg(nl && !nl[1], "%s: not one line: %s", name, r.err);
    ck_assert_msg(strstr(r.err, needle) != NULL, "%s: lacks '%s': %s", name, needle, r.err);
    ck_assert_msg(access(dir, F_OK) != 0, "%s: the output directory was created", name);
    tu_run_free(&r);
}

START_TEST(errors)
{
    bad("nobase.yaml", true, "groups:\n  - name: g\n    base: no-such-base.yaml\n", 4,
        "no-such-base.yaml");
    bad("setkey.yaml", true, "groups:\n  - name: g\n    set:\n      lpars[0].memry: 1G\n", 5,
        "lpars[0].memry");
    bad("setval.yaml", true, "groups:\n  - name: g\n    set:\n      machine.modules: 0\n", 5,
        "out of range");
    bad("varied.yaml", true, "groups:\n  - name: g\n    set: {run.max_records: 5}\n"
        "    grid:\n      run.max_records: [1, 2]\n", 6, "fixed by set: at line 4");
    bad("seedset.yaml", true, "seeds: [1]\ngroups:\n  - name: g\n    set: {machine.seed: 5}\n",
        5, "varied by seeds:");
    char body[2 * PATHMAX];
    snprintf(body, sizeof body, "groups:\n  - name: g\n    base: %s\n",
             tu_src("configs/platform/two-cecs.yaml"));
    bad("platform.yaml", true, body, 4, "platform file");
    /* without a top-level base, a group without its own is refused at its line */
    snprintf(body, sizeof body, "groups:\n  - name: a\n    base: %s\n  - name: b\n",
             tu_src("tests/data/sweep/tiny.yaml"));
    bad("nobases.yaml", false, body, 4, "group 'b' has no base");
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("sweep_base");
    TCase *tc = tcase_create("sweep_base");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, bases_match_one_base_sweeps);
    tcase_add_test(tc, dry_run_and_emit_name_bases);
    tcase_add_test(tc, errors);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return tu_run_suite(suite());
}
