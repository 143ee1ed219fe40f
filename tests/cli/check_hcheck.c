/*
 * check_hcheck.c - `lparsim trace hcheck` (docs/linux-guests.md,
 * "Functional cross-check") through the built binary:
 *  - agreement: tests/data/hcheck/agree.txt, whose recorded results are
 *    derived by hand from QEMU's pseries semantics (comments in the file),
 *    agrees call by call, with the counts of each kind of comparison, the
 *    not-modelled opcodes, the mirrored I/O entry and the JSON report; the
 *    shipped configs/linux/hcheck.yaml gives the same table as the built-in
 *    default;
 *  - disagreement: disagree.txt (a slot, a return code and an unmasked
 *    value) exits 3 naming records 4, 6 and 8; --set reaches the LPAR (an
 *    HPT too small for agree.txt's PTEGs disagrees);
 *  - bad input exits 1 (bad usage 2) with one line naming the file (and
 *    line): no R
 *    records (version 3 and version 1), an R after no H, a malformed line,
 *    a missing trace or config, a bad --set key, an unknown option;
 *  - many hcalls: a synthesised recording of about 100 k hcalls (H_ENTER
 *    and H_REMOVE whose results follow QEMU's first-free-slot rule,
 *    modelled here, H_PTEG_FULL included) agrees call by call (its speed
 *    is a benchmark matter, not asserted here).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define ARGV(...) ((const char *const[]){__VA_ARGS__, NULL})

/* The table row of `name` in stdout: its 7 numbers. */
static void row(const char *out, const char *name, const unsigned long want[7])
{
    char key[64];
    snprintf(key, sizeof key, "\n%s ", name);
    const char *p = strstr(out, key);
    ck_assert_msg(p != NULL, "no row %s in: %s", name, out);
    unsigned long v[7];
    ck_assert_int_eq(sscanf(p + strlen(key), "%lu %lu %lu %lu %lu %lu %lu", &v[0], &v[1], &v[2],
                            &v[3], &v[4], &v[5], &v[6]), 7);
    for (int i = 0; i < 7; i++)
        ck_assert_msg(v[i] == want[i], "%s column %d: %lu, expected %lu", name, i, v[i], want[i]);
}

static void has(const char *s, const char *what)
{
    ck_assert_msg(strstr(s, what) != NULL, "lacks '%s': %s", what, s);
}

START_TEST(agree)
{
    const char *json = tu_tmp("agree.json");
    tu_run r = tu_lparsim(ARGV("trace", "hcheck", "tests/data/hcheck/agree.txt", "--json", json));
    ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
    /* calls, rc-agree, values compared, values agree, disagree, no R, QEMU H_FUNCTION */
    row(r.out, "H_ENTER", (const unsigned long[]){16, 16, 14, 14, 0, 0, 0});
    row(r.out, "H_REMOVE", (const unsigned long[]){5, 5, 2, 2, 0, 0, 0});
    row(r.out, "H_READ", (const unsigned long[]){5, 4, 4, 4, 0, 1, 0});
    row(r.out, "H_PROTECT", (const unsigned long[]){2, 2, 0, 0, 0, 0, 0});
    row(r.out, "H_BULK_REMOVE", (const unsigned long[]){1, 1, 1, 1, 0, 0, 0});
    row(r.out, "H_CLEAR_REF", (const unsigned long[]){0, 0, 0, 0, 0, 0, 1});
    row(r.out, "H_CLEAR_MOD", (const unsigned long[]){0, 0, 0, 0, 0, 0, 1});
    has(r.out, "not modelled (not issued): H_PUT_TERM_CHAR 2, H_SET_MODE 1, "
               "H_ENTER of I/O pages 1 (1 mirrored)");
    has(r.out, "R 0x100 and C 0x80 masked");
    has(r.out, "result: all 29 issued hcalls agree");
    ck_assert_str_eq(r.err, "");
    char *j = tu_read_file(json, NULL);
    ck_assert_ptr_nonnull(j);
    has(j, "\"hpt_bytes\": 8388608");
    has(j, "\"H_PUT_TERM_CHAR\": 2");
    has(j, "\"io_enter_mirrored\": 1");
    has(j, "\"disagreements\": 0");
    has(j, "\"agree\": true");
    free(j);
    /* the shipped config is the built-in default */
    tu_run c = tu_lparsim(ARGV("trace", "hcheck", "tests/data/hcheck/agree.txt", "-c",
                               "configs/linux/hcheck.yaml"));
    ck_assert_int_eq(c.status, 0);
    ck_assert_str_eq(c.out, r.out);
    tu_run_free(&c);
    tu_run_free(&r);
}
END_TEST

START_TEST(disagree)
{
    const char *json = tu_tmp("disagree.json");
    tu_run r = tu_lparsim(ARGV("trace", "hcheck", "tests/data/hcheck/disagree.txt", "--json",
                               json));
    ck_assert_msg(r.status == 3, "exit %d: %s", r.status, r.err);
    has(r.out, "record 4: H_ENTER: rc recorded 0, lparsim 0; values recorded [0x802], "
               "lparsim [0x801]");
    has(r.out, "record 6: H_REMOVE: rc recorded -7, lparsim 0");
    has(r.out, "record 8: H_READ: rc recorded 0, lparsim 0; values recorded "
               "[0x123457001 0x101013], lparsim [0x123457001 0x101012]");
    has(r.out, "result: 3 of 4 issued hcalls disagree");
    has(r.err, "disagrees with the recording in 3 hcall(s) (first at record 4)");
    char *j = tu_read_file(json, NULL);
    ck_assert_ptr_nonnull(j);
    has(j, "\"record\": 6");
    has(j, "\"agree\": false");
    free(j);
    tu_run_free(&r);
    /* ptex 0x4000 (PTEG 0x800) exists in the default 8 MiB HPT (65536
     * HPTEs), not in a 256K one (16384): --set reaches the LPAR */
    tu_write_tmp("big.txt", "#lparsim-trace v3\nH 0x8 0x0 0x4000 0x123456001 0x100012\n"
                            "R 0 0x4000\n");
    r = tu_lparsim(ARGV("trace", "hcheck", tu_tmp("big.txt")));
    ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
    tu_run_free(&r);
    r = tu_lparsim(ARGV("trace", "hcheck", tu_tmp("big.txt"), "--set", "lpars[0].hpt_size=256K"));
    ck_assert_int_eq(r.status, 3);
    has(r.out, "HPT 256 KiB");
    has(r.out, "record 1: H_ENTER: rc recorded 0, lparsim -4");
    tu_run_free(&r);
}
END_TEST

/* exit `status` (1 bad input, 2 bad usage) and one stderr line containing `what` */
static void bad_st(const char *const *argv, int status, const char *what)
{
    tu_run r = tu_lparsim(argv);
    ck_assert_msg(r.status == status, "exit %d: %s", r.status, r.err);
    const char *nl = strchr(r.err, '\n');
    ck_assert_msg(!strncmp(r.err, "lparsim: ", 9) && nl && !nl[1], "not one line: %s", r.err);
    has(r.err, what);
    ck_assert_str_eq(r.out, "");
    tu_run_free(&r);
}

static void bad(const char *const *argv, const char *what)
{
    bad_st(argv, 1, what);
}

START_TEST(bad_input)
{
    bad(ARGV("trace", "hcheck", "tests/data/hcheck/noret.txt"),
        "tests/data/hcheck/noret.txt: no recorded returns");
    tu_write_tmp("v1.txt", "#lparsim-trace v1\nH 0x8 0x0 0x800 0x123456001 0x100012\n");
    bad(ARGV("trace", "hcheck", tu_tmp("v1.txt")), "a version 1 or 2 trace");
    bad(ARGV("trace", "hcheck", "tests/data/hcheck/rfirst.txt"),
        "tests/data/hcheck/rfirst.txt:4: an hcall return record (R)");
    bad(ARGV("trace", "hcheck", "tests/data/hcheck/badline.txt"),
        "tests/data/hcheck/badline.txt:5: expected 'R <rc>");
    bad(ARGV("trace", "hcheck", "tests/data/hcheck/none.txt"), "none.txt: cannot open");
    bad(ARGV("trace", "hcheck", "tests/data/hcheck/agree.txt", "-c", "none.yaml"),
        "none.yaml: cannot open");
    bad(ARGV("trace", "hcheck", "tests/data/hcheck/agree.txt", "--set", "lpars[0].bogus=1"),
        "unknown key 'lpars[0].bogus'");
    bad_st(ARGV("trace", "hcheck", "tests/data/hcheck/agree.txt", "--frob"), 2,
           "unknown option");
    bad_st(ARGV("trace", "hcheck"), 2, "usage: lparsim trace hcheck TRACE");
}
END_TEST

/* Two vCPUs' traces (tests/data/fullsys/order*.trace: vCPU1's H_ENTERs come
 * first in the recorded order, K 19) are checked in that order, whatever
 * the order of the arguments; one alone disagrees (the order matters); an
 * order that no trace holds is bad input naming the trace and record. */
START_TEST(ordered)
{
    const char *t0 = "tests/data/fullsys/order0.trace", *t1 = "tests/data/fullsys/order1.trace";
    const char *const *both[] = {ARGV("trace", "hcheck", t0, t1), ARGV("trace", "hcheck", t1, t0)};
    for (int i = 0; i < 2; i++) {
        tu_run r = tu_lparsim(both[i]);
        ck_assert_msg(r.status == 0, "exit %d: %s%s", r.status, r.out, r.err);
        has(r.out, "result: all 6 issued hcalls agree");
        tu_run_free(&r);
    }
    tu_run r = tu_lparsim(ARGV("trace", "hcheck", t0));
    ck_assert_int_eq(r.status, 3);
    has(r.out, "result: 3 of 4 issued hcalls disagree");
    tu_run_free(&r);
    tu_write_tmp("gap.txt", "#lparsim-trace v3\nK 19 7\nH 0x8 0x0 0x22b8 0x4000123456000005 "
                            "0x101012\nR 0 0x22b9\n");
    bad(ARGV("trace", "hcheck", t0, tu_tmp("gap.txt")),
        "order0.trace record 11: hcall order 3, but the LPAR's next is 1, which no trace holds");
}
END_TEST

/* About 100 k hcalls: H_ENTER into 1024 PTEGs (QEMU's rule: the first slot
 * without V, or H_PTEG_FULL) and H_REMOVE(H_AVPN) of the oldest of 3000 live
 * entries (found: old v with QEMU's 0x40, r). */
START_TEST(many_hcalls)
{
    const char *path = tu_tmp("perf.txt");
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "#lparsim-trace v3\n");
    enum { ENTERS = 52000, LIVE = 3000, GROUPS = 1024 };
    static unsigned char occ[GROUPS];
    static unsigned long long fifo[ENTERS], vs[ENTERS], rs[ENTERS];
    unsigned head = 0, tail = 0, hcalls = 0, full = 0;
    unsigned long long rng = 88172645463325252ull; /* xorshift64 */
    for (unsigned i = 0; i < ENTERS; i++) {
        rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
        unsigned g = (unsigned)(rng >> 20) % GROUPS;
        unsigned long long v = ((0x100000ull + i) << 7) | 1, r = ((i % 200000ull) << 12) | 0x12;
        fprintf(f, "I 0x%x 4\nH 0x8 0x0 0x%x 0x%llx 0x%llx\n", 0x10000 + 4 * i, g * 8, v, r);
        hcalls++;
        int s = 0;
        while (s < 8 && (occ[g] >> s & 1))
            s++;
        if (s == 8) {
            fprintf(f, "R -6\n");
            full++;
        } else {
            occ[g] |= (unsigned char)(1u << s);
            fprintf(f, "R 0 0x%x\n", g * 8 + s);
            fifo[tail] = g * 8 + (unsigned)s, vs[tail] = v, rs[tail++] = r;
        }
        if (tail - head > LIVE) {
            unsigned long long x = fifo[head];
            fprintf(f, "H 0x4 0x80000000 0x%llx 0x%llx\nR 0 0x%llx 0x%llx\n", x,
                    vs[head] & ~0x7full, vs[head] | 0x40, rs[head]);
            occ[x / 8] &= (unsigned char)~(1u << (x % 8));
            head++;
            hcalls++;
        }
    }
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_uint_gt(full, 0);
    ck_assert_uint_ge(hcalls, 100000);
    tu_run r = tu_lparsim(ARGV("trace", "hcheck", path));
    ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
    char want[64];
    snprintf(want, sizeof want, "result: all %u issued hcalls agree", hcalls);
    has(r.out, want);
    tu_run_free(&r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("hcheck");
    TCase *t = tcase_create("hcheck");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, agree);
    tcase_add_test(t, disagree);
    tcase_add_test(t, bad_input);
    tcase_add_test(t, ordered);
    tcase_add_test(t, many_hcalls);
    suite_add_tcase(s, t);
    return tu_run_suite(s);
}
