/*
 * check_disk.c - `lparsim disk` through the built binary: a run prints
 * latency percentiles, IOPS, bandwidth and the speed line; --json holds
 * the same figures (checked against the printed IOPS and against the
 * preset's parameters); the same seed gives the same report; --preset,
 * --set and --config select and change the device; every bad option is
 * refused with one line naming the option and what was expected (exit 2),
 * every bad value with one line naming the key (exit 1).
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define ARGV(...) ((const char *const[]){__VA_ARGS__, NULL})

static tu_run ok(const char *const *argv)
{
    tu_run r = tu_lparsim(argv);
    ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
    return r;
}

/* exit status st, one stderr line "lparsim: ..." holding every needle */
static void refused(int st, const char *const *argv, const char *n1, const char *n2)
{
    tu_run r = tu_lparsim(argv);
    ck_assert_msg(r.status == st, "exit %d (want %d): %s", r.status, st, r.err);
    ck_assert_msg(!strncmp(r.err, "lparsim: ", 9), "%s", r.err);
    const char *nl = strchr(r.err, '\n');
    ck_assert_msg(nl && nl[1] == '\0', "not one line: [%s]", r.err);
    ck_assert_msg(strstr(r.err, n1), "lacks '%s': %s", n1, r.err);
    ck_assert_msg(!n2 || strstr(r.err, n2), "lacks '%s': %s", n2, r.err);
    tu_run_free(&r);
}

static double json_num(const char *json, const char *key)
{
    char k[128];
    snprintf(k, sizeof k, "\"%s\": ", key);
    const char *p = strstr(json, k);
    ck_assert_msg(p != NULL, "no %s in the JSON", key);
    return strtod(p + strlen(k), NULL);
}

/* the report without its host-time lines */
static char *strip_host(char *s)
{
    char *o = s, *p = s;
    while (*p) {
        char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p + 1) : strlen(p);
        if (!memmem(p, len, "host", 4)) {
            memmove(o, p, len);
            o += len;
        }
        p += len;
    }
    *o = '\0';
    return s;
}

START_TEST(disk_reports)
{
    const char *js = tu_tmp("d.json");
    tu_run r = ok(ARGV("disk", "--iodepth", "1", "--number-ios", "500", "--json", js));
    ck_assert_msg(strstr(r.out, "disk ssd: randread, bs 4096, iodepth 1"), "%s", r.out);
    ck_assert_msg(strstr(r.out, "latency (us): mean ") && strstr(r.out, " p99 ") &&
                      strstr(r.out, " max "), "%s", r.out);
    ck_assert_msg(strstr(r.out, "IOPS ") && strstr(r.out, "MB/s"), "%s", r.out);
    ck_assert_msg(strstr(r.out, "I/Os per host second"), "%s", r.out);
    char *j = tu_read_file(js, NULL);
    ck_assert_ptr_nonnull(j);
    /* QD1: IOPS = 1 / mean latency; the latency is the preset's sum */
    double mean = json_num(j, "mean");
    ck_assert_msg(fabs(mean - 77.9) < 0.05 * 77.9, "mean %.3f", mean);
    double iops = json_num(j, "iops");
    ck_assert_double_eq_tol(iops, 1e6 / mean, 1e-3 * iops);
    ck_assert_double_eq(json_num(j, "ios"), 500);
    char want[64];
    snprintf(want, sizeof want, "IOPS %.0f,", iops);
    ck_assert_msg(strstr(r.out, want), "printed IOPS differ from the JSON's %s: %s", want, r.out);
    ck_assert_msg(strstr(j, "\"pagedev\"") && strstr(j, "\"read_latency\""), "%s", j);
    ck_assert_msg(strstr(j, "\"ios_per_host_second\""), "%s", j);
    free(j);
    tu_run_free(&r);
}
END_TEST

START_TEST(disk_deterministic)
{
    const char *const a[] = {"disk", "--preset", "hdd", "--set", "pagedev.hdd.sched=sptf",
                             "--rw", "randrw", "--iodepth", "8", "--number-ios", "2000",
                             "--seed", "7", NULL};
    tu_run r1 = ok(a), r2 = ok(a);
    ck_assert_str_eq(strip_host(r1.out), strip_host(r2.out));
    ck_assert_msg(strstr(r1.out, "disk hdd: randrw") && strstr(r1.out, "read latency") &&
                      strstr(r1.out, "write latency") && strstr(r1.out, "seeks"),
                  "%s", r1.out);
    tu_run r3 = ok(ARGV("disk", "--preset", "hdd", "--set", "pagedev.hdd.sched=sptf", "--rw",
                        "randrw", "--iodepth", "8", "--number-ios", "2000", "--seed", "8"));
    ck_assert_str_ne(strip_host(r1.out), strip_host(r3.out));
    tu_run_free(&r1);
    tu_run_free(&r2);
    tu_run_free(&r3);
}
END_TEST

START_TEST(disk_config_and_presets)
{
    /* a config file selects the preset and a parameter; --set wins */
    const char *cf = tu_tmp("disk.yaml");
    tu_write_file(cf, "machine: {freq_mhz: 1000}\npagedev:\n  preset: fixed\n"
                      "  fixed: {latency_us: 250, iops: 0}\n");
    const char *js = tu_tmp("f.json");
    tu_run r = ok(ARGV("disk", "--config", cf, "--number-ios", "100", "--json", js));
    ck_assert_msg(strstr(r.out, "disk fixed:") && strstr(r.out, "at 1000 MHz"), "%s", r.out);
    char *j = tu_read_file(js, NULL);
    ck_assert_double_eq_tol(json_num(j, "mean"), 250, 1e-9);
    free(j);
    tu_run_free(&r);
    r = ok(ARGV("disk", "--config", cf, "--set", "pagedev.fixed.latency_us=40", "--number-ios",
                "100", "--json", js));
    j = tu_read_file(js, NULL);
    ck_assert_double_eq_tol(json_num(j, "mean"), 40, 1e-9);
    free(j);
    tu_run_free(&r);
    /* lparsim run does not use the device yet: its keys are refused there,
     * not silently ignored */
    const char *rc = tu_tmp("run-pagedev.yaml");
    tu_write_file(rc, "machine: {modules: 1, cores_per_module: 1, threads_per_core: 1}\n"
                      "hypervisor: {lmb_size: 16M}\npagedev: {preset: hdd}\n"
                      "lpars:\n  - {name: a, memory: 16M}\n");
    refused(1, ARGV("run", rc), "run-pagedev.yaml:3: pagedev: set, but no LPAR pages to the "
            "paging device", "expected an LPAR with memory_mode: shared");
    /* each preset runs and names itself */
    const char *ps[] = {"ssd", "optane", "hdd", "fixed"};
    for (int i = 0; i < 4; i++) {
        r = ok(ARGV("disk", "--preset", ps[i], "--rw", "write", "--iodepth", "4",
                    "--number-ios", "200"));
        char want[32];
        snprintf(want, sizeof want, "disk %s: write", ps[i]);
        ck_assert_msg(strstr(r.out, want), "%s", r.out);
        tu_run_free(&r);
    }
    /* a backing file holds the data */
    const char *img = tu_tmp("disk.img");
    char set[600];
    snprintf(set, sizeof set, "pagedev.backing_file=%s", img);
    r = ok(ARGV("disk", "--set", set, "--set", "pagedev.ssd.capacity=2M", "--rw", "write",
                "--size", "1M", "--number-ios", "256"));
    tu_run_free(&r);
    size_t n = 0;
    char *data = tu_read_file(img, &n);
    ck_assert_ptr_nonnull(data);
    ck_assert_uint_eq(n, 2u << 20); /* sparse, the device's size */
    size_t nz = 0;
    for (size_t i = 0; i < (1u << 20); i++)
        nz += data[i] != 0;
    ck_assert_uint_gt(nz, (1u << 20) / 2); /* the sequential writes covered the megabyte */
    free(data);
}
END_TEST

START_TEST(disk_bad_options)
{
    refused(2, ARGV("disk", "--bs", "4q"), "--bs:", "expected a size");
    refused(2, ARGV("disk", "--size", "x"), "--size:", "expected a size");
    refused(2, ARGV("disk", "--rw", "randomread"), "--rw: unknown mode 'randomread'",
            "expected randread");
    refused(2, ARGV("disk", "--iodepth", "0"), "--iodepth", "expected");
    refused(2, ARGV("disk", "--number-ios", "-3"), "--number-ios", "expected");
    refused(2, ARGV("disk", "--seed", "abc"), "--seed", "expected");
    refused(2, ARGV("disk", "--rwmixread", "101"), "--rwmixread", "expected");
    refused(2, ARGV("disk", "--preset", "ramdisk"), "--preset: unknown preset 'ramdisk'",
            "expected ssd, optane, hdd or fixed");
    refused(2, ARGV("disk", "--set", "dram.CL=3"), "--set dram.CL=3: only pagedev.* keys",
            "expected --set pagedev.KEY=VALUE");
    refused(2, ARGV("disk", "--set", "machine.freq_mhz=1000"), "only pagedev.* keys", NULL);
    refused(2, ARGV("disk", "--bs", "8k", "--size", "4k"), "--bs:", "expected between 1");
    refused(2, ARGV("disk", "--size", "1P"), "--size:", "expected at most");
    refused(2, ARGV("disk", "--frob"), "unknown option '--frob'", NULL);
    refused(2, ARGV("disk", "trace.trc"), "disk takes no file argument", NULL);
    refused(2, ARGV("disk", "--json"), "--json needs a value", NULL);
    /* bad values: the key named, exit 1 */
    refused(1, ARGV("disk", "--set", "pagedev.queue_depth=0"), "pagedev.queue_depth=0",
            "expected an integer");
    refused(1, ARGV("disk", "--set", "pagedev.hdd.sched=elevator"), "pagedev.hdd.sched",
            "fcfs");
    refused(1, ARGV("disk", "--set", "pagedev.bogus=1"), "pagedev.bogus", "unknown key");
    refused(1, ARGV("disk", "--preset", "hdd", "--set", "pagedev.hdd.avg_seek_ms=0.1"),
            "pagedev.hdd.avg_seek_ms", "expected an average seek longer");
    const char *cf = tu_tmp("bad.yaml");
    tu_write_file(cf, "pagedev:\n  preset: hdd\n  hdd:\n    track_seek_ms: 5\n");
    refused(1, ARGV("disk", "--config", cf), "bad.yaml:3", "pagedev.hdd.avg_seek_ms");
    tu_write_file(cf, "pagedev:\n  ssd:\n    chanels: 4\n");
    refused(1, ARGV("disk", "--config", cf), "bad.yaml:3", "did you mean 'channels'");
}
END_TEST

START_TEST(disk_in_help)
{
    tu_run r = ok(ARGV("--help"));
    ck_assert_msg(strstr(r.out, "  disk [--preset ssd|optane|hdd|fixed]"), "%s", r.out);
    tu_run_free(&r);
    r = ok(ARGV("params", "pagedev"));
    ck_assert_msg(strstr(r.out, "pagedev.ssd.read_us") && strstr(r.out, "pagedev.hdd.sched"),
                  "%s", r.out);
    tu_run_free(&r);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("disk");
    TCase *t = tcase_create("disk");
    tcase_set_timeout(t, 300);
    tcase_add_test(t, disk_reports);
    tcase_add_test(t, disk_deterministic);
    tcase_add_test(t, disk_config_and_presets);
    tcase_add_test(t, disk_bad_options);
    tcase_add_test(t, disk_in_help);
    suite_add_tcase(s, t);
    return tu_run_suite(s);
}
