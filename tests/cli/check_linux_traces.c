/*
 * check_linux_traces.c - the shipped real-Linux recordings in traces/linux
 * (docs/linux-guests.md; made by scripts/record-linux-guest.sh: 1 vCPU with
 * hcalls from the QEMU replay under gdb, and 2 vCPUs with hcalls from gdb on
 * the live run and their global order) replayed on lparsim's hypervisor
 * with `lparsim trace hcheck` (several traces: in their recorded order):
 *  - every issued hcall agrees with what QEMU returned (exit 0, "all N
 *    issued hcalls agree");
 *  - the trace carries every hcall the recorder logged: per HPT opcode, the
 *    calls hcheck counts (plus the H_ENTERs of I/O pages it mirrors) equal
 *    the calls of that opcode in the recording's own hcall list up to the
 *    end of the window (hcalls.txt.gz, written from the gdb log, not from
 *    the native trace), and N is their sum;
 *  - replayed on the timed machine by a full-system LPAR (its replay.yaml:
 *    the prologue as warm-up, then the window without the guest model), the
 *    window's hcalls are the recording's, per HPT opcode, every return code
 *    and H_ENTER slot agrees with QEMU's, and no access needed a fault;
 *    with 2 vCPUs also the hcalls each vCPU made before its window but
 *    after the other's began (part prologue-late, replayed in detail), the
 *    idle cede site's calls without registers (li-r3 rows, no R), and the
 *    recorded hcall order made some vCPU wait.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "testutil.h"

#define ARGV(...) ((const char *const[]){__VA_ARGS__, NULL})

enum { NOPS = 5 };
static const char *const op_name[NOPS] = {"H_ENTER", "H_REMOVE", "H_READ", "H_PROTECT",
                                          "H_BULK_REMOVE"};
static const unsigned long op_num[NOPS] = {0x08, 0x04, 0x0c, 0x18, 0x124};

/* Calls per opcode of op_num in DIR/hcalls.txt.gz ("cpu seq site 0x<op> name
 * part ..."), parts prologue and window (the trace ends with the window). */
static void recorded(const char *dir, unsigned long n[NOPS])
{
    char path[512], line[1024];
    snprintf(path, sizeof path, "%s/hcalls.txt.gz", tu_src(dir));
    gzFile f = gzopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    memset(n, 0, NOPS * sizeof n[0]);
    while (gzgets(f, line, sizeof line)) {
        unsigned long cpu, seq, op;
        char site[32], name[64], part[16];
        if (line[0] == '#' || sscanf(line, "%lu %lu %31s %lx %63s %15s", &cpu, &seq, site, &op,
                                     name, part) != 6 || !strcmp(part, "after") ||
            !strcmp(part, "cut"))
            continue;
        for (int i = 0; i < NOPS; i++)
            n[i] += op == op_num[i];
    }
    gzclose(f);
}

/* The "calls" column of hcheck's row `name`. */
static unsigned long calls(const char *out, const char *name)
{
    char key[64];
    snprintf(key, sizeof key, "\n%s ", name);
    const char *p = strstr(out, key);
    ck_assert_msg(p != NULL, "no row %s in: %s", name, out);
    return strtoul(p + strlen(key), NULL, 10);
}

/* hcheck on the recording's ntraces traces (vcpu0.trc ...: several are
 * checked in their recorded hcall order) */
static void check_recording(const char *dir, int ntraces)
{
    unsigned long want[NOPS];
    recorded(dir, want);
    char trace[2][512];
    for (int i = 0; i < ntraces && i < 2; i++)
        snprintf(trace[i], sizeof trace[i], "%s/vcpu%d.trc", dir, i);
    tu_run r = tu_lparsim(ntraces == 1 ? ARGV("trace", "hcheck", trace[0])
                                       : ARGV("trace", "hcheck", trace[0], trace[1]));
    ck_assert_msg(r.status == 0, "%s: exit %d: %s%s", dir, r.status, r.out, r.err);
    unsigned long io = 0, total = 0;
    const char *p = strstr(r.out, "H_ENTER of I/O pages ");
    if (p)
        io = strtoul(p + strlen("H_ENTER of I/O pages "), NULL, 10);
    for (int i = 0; i < NOPS; i++) {
        unsigned long got = calls(r.out, op_name[i]) + (i == 0 ? io : 0);
        ck_assert_msg(got == want[i], "%s: %s: %lu in the trace, %lu recorded", dir,
                      op_name[i], got, want[i]);
        total += calls(r.out, op_name[i]);
    }
    ck_assert_msg(want[0] > 1000 && want[1] > 1000, "%s: too few hcalls recorded", dir);
    char res[96];
    snprintf(res, sizeof res, "result: all %lu issued hcalls agree", total);
    ck_assert_msg(strstr(r.out, res) != NULL, "%s: lacks '%s': %s", dir, res, r.out);
    tu_run_free(&r);
}

/* Calls the detailed replay makes (parts window and prologue-late) per
 * opcode of op_num in DIR/hcalls.txt.gz; returns those with registers (and
 * a recorded result), *li those without (li-r3 rows). */
static unsigned long window_calls(const char *dir, unsigned long n[NOPS], unsigned long *li)
{
    char path[512], line[1024];
    snprintf(path, sizeof path, "%s/hcalls.txt.gz", tu_src(dir));
    gzFile f = gzopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    memset(n, 0, NOPS * sizeof n[0]);
    unsigned long all = 0;
    *li = 0;
    while (gzgets(f, line, sizeof line)) {
        unsigned long cpu, op;
        char seq[32], site[32], name[64], part[16];
        if (line[0] == '#' || sscanf(line, "%lu %31s %31s %lx %63s %15s", &cpu, seq, site, &op,
                                     name, part) != 6 ||
            (strcmp(part, "window") && strcmp(part, "prologue-late")))
            continue;
        if (!strcmp(seq, "-"))
            ++*li;
        else
            all++;
        for (int i = 0; i < NOPS; i++)
            n[i] += op == op_num[i];
    }
    gzclose(f);
    return all;
}

static double jnum(const char *json, const char *key)
{
    const char *p = strstr(json, key);
    ck_assert_msg(p != NULL, "no %s in the JSON", key);
    return strtod(p + strlen(key), NULL);
}

/* Returns the JSON (blanks dropped), for the caller's further checks. */
static char *check_full_system(const char *dir)
{
    unsigned long want[NOPS], li;
    unsigned long all = window_calls(dir, want, &li);
    char cfg[512], json[512];
    snprintf(cfg, sizeof cfg, "%s/replay.yaml", dir);
    snprintf(json, sizeof json, "%s", tu_tmp("linux.json"));
    tu_run r = tu_lparsim(ARGV("run", cfg, "--json", json, "--quiet"));
    ck_assert_msg(r.status == 0, "%s: exit %d: %s", cfg, r.status, r.err);
    tu_run_free(&r);
    char *j = tu_read_file(json, NULL);
    ck_assert_ptr_nonnull(j);
    size_t k = 0; /* drop the pretty-printing's blanks: keys then read "a":{"b":1 */
    for (size_t i = 0; j[i]; i++)
        if (j[i] != ' ' && j[i] != '\n' && j[i] != '\t')
            j[k++] = j[i];
    j[k] = 0;
    /* guest.linux.recorded.*: the window's hcalls (the warm-up's are reset) */
    const char *rec = strstr(j, "\"recorded\"");
    ck_assert_ptr_nonnull(rec);
    ck_assert_uint_eq(jnum(rec, "\"hcalls\":"), all + li);
    ck_assert_uint_eq(jnum(rec, "\"returns_checked\":"), all);
    ck_assert_uint_eq(jnum(rec, "\"rc_disagree\":"), 0);
    ck_assert_uint_eq(jnum(rec, "\"slot_disagree\":"), 0);
    ck_assert_uint_eq(jnum(rec, "\"slot_agree\":"), want[0]);
    ck_assert_uint_eq(jnum(rec, "\"rc_agree\":") + jnum(rec, "\"unmodelled\":"), all);
    /* the per-op table counts the same calls; no translation faulted */
    char key[96];
    for (int i = 0; i < NOPS; i++) {
        if (!want[i])
            continue;
        snprintf(key, sizeof key, "\"%s\":{\"count\":", op_name[i]);
        ck_assert_uint_eq(jnum(j, key), want[i]);
    }
    const char *miss = strstr(j, "\"tlb\":{\"miss\":");
    ck_assert_ptr_nonnull(miss);
    ck_assert_uint_eq(jnum(miss, "\"fault\":"), 0);
    ck_assert_uint_eq(jnum(j, "\"page_faults\":"), 0);
    return j;
}

START_TEST(fork_exec)
{
    check_recording("traces/linux/fork-exec", 1);
    free(check_full_system("traces/linux/fork-exec"));
}
END_TEST

START_TEST(memtouch)
{
    check_recording("traces/linux/memtouch", 1);
    free(check_full_system("traces/linux/memtouch"));
}
END_TEST

START_TEST(forkloop)
{
    check_recording("traces/linux/forkloop", 1);
    free(check_full_system("traces/linux/forkloop"));
}
END_TEST

/* H_ENTERs with registers in the traces (every part but after and cut) that
 * succeeded (rc 0) in DIR/hcalls.txt.gz, and all calls with registers. */
static unsigned long entered(const char *dir, unsigned long *all)
{
    char path[512], line[1024];
    snprintf(path, sizeof path, "%s/hcalls.txt.gz", tu_src(dir));
    gzFile f = gzopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    unsigned long n = 0;
    *all = 0;
    while (gzgets(f, line, sizeof line)) {
        unsigned long cpu, op;
        char seq[32], site[32], name[64], part[16];
        const char *bar = strchr(line, '|');
        if (line[0] == '#' || !bar || sscanf(line, "%lu %31s %31s %lx %63s %15s", &cpu, seq,
                                             site, &op, name, part) != 6 ||
            !strcmp(seq, "-") || !strcmp(part, "after") || !strcmp(part, "cut"))
            continue;
        ++*all;
        n += op == 0x08 && strtol(bar + 1, NULL, 10) == 0;
    }
    gzclose(f);
    return n;
}

START_TEST(fork_exec_smp2)
{
    /* from reset in detail (no warm-up): every return code and slot of both
     * vCPUs' hcalls agrees with QEMU's when their recorded order is kept */
    const char *dir = "traces/linux/fork-exec-smp2";
    char cfg[512], json[512];
    snprintf(cfg, sizeof cfg, "%s/replay.yaml", dir);
    snprintf(json, sizeof json, "%s", tu_tmp("linux-smp.json"));
    tu_run r = tu_lparsim(ARGV("run", cfg, "--json", json, "--quiet", "--set",
                               "lpars[0].vcpus[0].warmup_records=0", "--set",
                               "lpars[0].vcpus[1].warmup_records=0"));
    ck_assert_msg(r.status == 0, "%s: exit %d: %s", cfg, r.status, r.err);
    tu_run_free(&r);
    unsigned long all, ok = entered(dir, &all);
    char *w = tu_read_file(json, NULL);
    ck_assert_ptr_nonnull(w);
    const char *rec = strstr(w, "\"recorded\"");
    ck_assert_ptr_nonnull(rec);
    ck_assert_uint_gt(ok, 40000);
    ck_assert_uint_eq(jnum(rec, "\"returns_checked\": "), all);
    ck_assert_uint_eq(jnum(rec, "\"rc_disagree\": "), 0);
    ck_assert_uint_eq(jnum(rec, "\"slot_agree\": "), ok);
    ck_assert_uint_eq(jnum(rec, "\"slot_disagree\": "), 0);
    free(w);

    check_recording(dir, 2);
    char *j = check_full_system(dir);
    /* both vCPUs replayed; the recorded order across them made one wait */
    const char *t1 = strstr(j, "\"thread1\":{\"hits\":"); /* tlb.thread1 */
    ck_assert_ptr_nonnull(t1);
    ck_assert_uint_gt(jnum(t1, "\"hits\":"), 100000);
    ck_assert_uint_gt(jnum(strstr(j, "\"recorded\""), "\"order_waits\":"), 0);
    free(j);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("linux_traces");
    TCase *t = tcase_create("hcheck");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, fork_exec);
    tcase_add_test(t, memtouch);
    tcase_add_test(t, forkloop);
    tcase_add_test(t, fork_exec_smp2);
    suite_add_tcase(s, t);
    return tu_run_suite(s);
}
