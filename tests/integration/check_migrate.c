/*
 * check_migrate.c - LPAR migration between two machines (sim/hyp/migrate,
 * docs/migration.md) on configs/platform/migrate.yaml's machines, the
 * target's post-resume replay cut to one pass: every page is sent once in
 * the first pass and the bytes on the wire are the pages and their record
 * headers (numbers from the config: 64 MiB / 4K pages, 4096 + 16 bytes
 * each); pages stored into while the migration runs are re-sent, a read-only
 * trace re-sends none; downtime lies inside the total; with target storage
 * paging no frame is used before suspend and the resumed LPAR pages in,
 * with memory every page takes a frame and nothing pages in; the auditor's
 * checksums agree (and catch the injected skip-resend), also from a
 * shared-memory source whose paged-out pages are read from its device;
 * determinism; bad
 * configurations refused on one line naming the key.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define NPAGES ((64ull << 20) / 4096) /* lpars[0].memory 64M in 4K pages */
#define REC 16                         /* a page's record header (migrate_int.h) */

/* The platform with extra sets for the source and the target machine
 * (each a list of quoted strings with a leading comma, or ""). */
static const char *plat(const char *name, const char *src_sets, const char *dst_sets)
{
    static char t[8192];
    snprintf(t, sizeof t,
             "platform:\n  machines:\n"
             "    - {name: source, config: %s, set: [\"machine.seed=1\"%s]}\n"
             "    - {name: target, config: %s, set: [\"lpars[0].vcpus[0].repeat=1\"%s]}\n"
             "  links:\n    - {between: [source, target], latency_ns: 1000, "
             "bandwidth_gbps: 12.5}\n",
             tu_src("configs/migrate/source.yaml"), src_sets,
             tu_src("configs/migrate/target.yaml"), dst_sets);
    tu_write_tmp(name, t);
    return tu_tmp(name);
}

static double g(const char *csv, const char *m, const char *key)
{
    char k[160];
    snprintf(k, sizeof k, "machines.%s.%s", m, key);
    return tu_csv_get(csv, k);
}

START_TEST(precopy_paging)
{
    tu_run r = tu_run_config(plat("p.yaml", "", ""), NULL, tu_tmp("p.csv"), false);
    ck_assert_msg(r.status == 0, "stderr: %s", r.err);
    tu_run_free(&r);
    char *c = tu_read_file(tu_tmp("p.csv"), NULL);
    ck_assert_ptr_nonnull(c);
    double sent = g(c, "source", "migration.pages_sent");
    double resent = g(c, "source", "migration.pages_resent");
    /* the first pass sends every page, later ones what was stored into */
    ck_assert(sent == NPAGES + resent);
    ck_assert_msg(resent > 0, "a trace with 10%% stores re-sends pages");
    ck_assert(g(c, "source", "migration.bytes_sent") == sent * (4096 + REC));
    ck_assert(g(c, "target", "migration.pages_received") == sent);
    /* on the link: the payload plus the RoCE headers and the HELLO */
    ck_assert(tu_csv_get(c, "links.source-target.bytes") >
              g(c, "source", "migration.bytes_sent"));
    double passes = g(c, "source", "migration.passes");
    double final = g(c, "source", "migration.final_pages");
    ck_assert(passes >= 2 && passes <= 8); /* hypervisor.migrate.max_passes default 8 */
    ck_assert(final <= 64 || passes == 8); /* stop_pages default 64 */
    /* before suspend to the paging device, the final copy to memory */
    ck_assert(g(c, "target", "migration.to_memory") == final);
    ck_assert(g(c, "target", "migration.to_device") == sent - final);
    ck_assert(g(c, "target", "migration.precopy_frames") == 0);
    double total = g(c, "target", "migration.total_cycles");
    double down = g(c, "target", "migration.downtime_cycles");
    ck_assert(down > 0 && down < total);
    /* start_us 1000 at 3800 MHz */
    ck_assert(g(c, "target", "migration.start_cycle") == 1000 * 3800);
    ck_assert(g(c, "target", "migration.resume_cycle") == 1000 * 3800 + total);
    ck_assert(g(c, "target", "migration.suspend_cycle") == 0);
    ck_assert(g(c, "target", "migration.resume_cycle") - down ==
              g(c, "source", "migration.suspend_cycle"));
    ck_assert(g(c, "target", "migration.post_resume_page_ins") > 0);
    ck_assert(g(c, "target", "ops.migration.page.count") == sent);
    ck_assert(g(c, "target", "ops.migration.total.count") == 1);
    free(c);
}
END_TEST

START_TEST(memory_storage_and_audit)
{
    const char *sets[] = {"hypervisor.audit=true", NULL};
    char *c = tu_run_config_ok(plat("m.yaml", ", \"hypervisor.migrate.target_storage=memory\"",
                                    ""),
                               sets, "m.csv", false);
    double sent = g(c, "source", "migration.pages_sent");
    ck_assert(g(c, "target", "migration.to_memory") == sent);
    ck_assert(g(c, "target", "migration.to_device") == 0);
    ck_assert(g(c, "target", "migration.precopy_frames") == NPAGES);
    ck_assert(g(c, "target", "migration.post_resume_page_ins") == 0);
    ck_assert(g(c, "target", "migration.audit.checks") == NPAGES);
    ck_assert(g(c, "target", "migration.audit.violations") == 0);
    ck_assert(g(c, "source", "migration.audit.stamps") > 0);
    free(c);
    /* the same with paging storage: the device's bytes are compared */
    c = tu_run_config_ok(plat("pa.yaml", "", ""), sets, "pa.csv", false);
    ck_assert(g(c, "target", "migration.audit.checks") == NPAGES);
    ck_assert(g(c, "target", "migration.audit.violations") == 0);
    free(c);
}
END_TEST

START_TEST(read_only_resends_nothing)
{
    static char s[2048];
    snprintf(s, sizeof s, ", \"lpars[0].vcpus[0].trace=%s\", \"lpars[0].vcpus[0].repeat=200\"",
             tu_busy_trace());
    static char d[2048];
    snprintf(d, sizeof d, ", \"lpars[0].vcpus[0].trace=%s\"", tu_busy_trace());
    const char *sets[] = {"hypervisor.audit=true", NULL};
    char *c = tu_run_config_ok(plat("ro.yaml", s, d), sets, "ro.csv", false);
    ck_assert(g(c, "source", "migration.pages_sent") == NPAGES);
    ck_assert(g(c, "source", "migration.pages_resent") == 0);
    ck_assert(g(c, "source", "migration.passes") == 1);
    ck_assert(g(c, "source", "migration.final_pages") == 0);
    ck_assert(g(c, "target", "migration.audit.violations") == 0);
    free(c);
}
END_TEST

START_TEST(shared_source)
{
    /* the source LPAR on hypervisor paging, a 4M pool for its 16 MiB heap:
     * pages paged out when the migration reads them come from its device
     * (device reads beyond its page-ins) and are not paged in */
    const char *sets[] = {"hypervisor.audit=true", NULL};
    char *c = tu_run_config_ok(
        plat("sh.yaml",
             ", \"hypervisor.paging.enabled=true\", \"hypervisor.paging.pool=4M\", "
             "\"pagedev.preset=ssd\", \"lpars[0].memory_mode=shared\", "
             "\"hypervisor.migrate.start_us=5000\"",
             ""),
        sets, "sh.csv", false);
    double sent = g(c, "source", "migration.pages_sent");
    ck_assert(sent == NPAGES + g(c, "source", "migration.pages_resent"));
    ck_assert(g(c, "source", "migration.read_not_resident") > 0);
    ck_assert(g(c, "source", "paging.db.pagedev.reads") > g(c, "source", "paging.page_ins"));
    ck_assert(g(c, "source", "paging.page_outs") > 0);
    ck_assert(g(c, "source", "paging.audit.violations") == 0);
    ck_assert(g(c, "target", "migration.audit.checks") == NPAGES);
    ck_assert(g(c, "target", "migration.audit.violations") == 0);
    free(c);
}
END_TEST

START_TEST(inject_caught)
{
    const char *sets[] = {"hypervisor.audit=true", NULL};
    tu_run r = tu_run_config(plat("in.yaml", ", \"hypervisor.migrate.inject=skip-resend\"", ""),
                             sets, tu_tmp("in.csv"), false);
    ck_assert_int_eq(r.status, 1);
    ck_assert_msg(strstr(r.err, "migration audit: page ") &&
                      strstr(r.err, "differs at the target from the source's at suspend"),
                  "stderr: %s", r.err);
    ck_assert_msg(strchr(r.err, '\n') == r.err + strlen(r.err) - 1, "one line: %s", r.err);
    tu_run_free(&r);
}
END_TEST

START_TEST(deterministic)
{
    const char *p = plat("d.yaml", "", "");
    char *a = tu_strip_host(tu_run_config_ok(p, NULL, "da.json", true));
    char *b = tu_strip_host(tu_run_config_ok(p, NULL, "db.json", true));
    ck_assert_str_eq(a, b);
    free(a);
    free(b);
}
END_TEST

static void refused(const char *cfg, const char *want)
{
    tu_run r = tu_run_config(cfg, NULL, tu_tmp("bad.csv"), false);
    ck_assert_int_eq(r.status, 1);
    ck_assert_msg(strstr(r.err, want), "stderr: %s", r.err);
    ck_assert_msg(strchr(r.err, '\n') == r.err + strlen(r.err) - 1, "one line: %s", r.err);
    tu_run_free(&r);
}

START_TEST(refusals)
{
    refused(plat("b1.yaml", ", \"hypervisor.migrate.lpar=nope\"", ""),
            "hypervisor.migrate.lpar: 'nope' is not an LPAR of this machine");
    refused(plat("b2.yaml", ", \"hypervisor.migrate.to=nowhere\"", ""),
            "hypervisor.migrate.to: 'nowhere' is not another machine of the platform");
    refused(plat("b3.yaml", "", ", \"lpars[0].memory=32M\""),
            "hypervisor.migrate.lpar: LPAR 'db' has 33554432 bytes here but 67108864 at the "
            "source; expected equal memory sizes");
    refused(plat("b4.yaml", "", ", \"lpars[0].name=other\", \"hypervisor.migrate.lpar=other\""),
            "the source migrates LPAR 'db' but this machine receives 'other'");
    refused(plat("b5.yaml", "", ", \"hypervisor.migrate.lpar=gone\""),
            "hypervisor.migrate.lpar: 'gone' is not an LPAR of this machine");
    refused(plat("b6.yaml", "", ", \"lpars[0].memory_mode=dedicated\", "
                                "\"hypervisor.paging.enabled=false\", \"pagedev.preset=ssd\""),
            "pagedev: set, but no LPAR pages");
    refused(tu_src("configs/migrate/source.yaml"),
            "hypervisor.migrate.to: 'target', but this machine is not on a platform");
    refused(tu_src("configs/migrate/target.yaml"),
            "hypervisor.migrate: LPAR 'db' was never migrated here");
    refused(plat("b7.yaml", ", \"hypervisor.migrate.lpar=\"", ""),
            "hypervisor.migrate.lpar: missing");
}
END_TEST

START_TEST(paging_to_dedicated_refused)
{
    /* a dedicated target with paging storage: the HELLO says so */
    static char t[4096];
    snprintf(t, sizeof t,
             "machine: {modules: 1, cores_per_module: 2, threads_per_core: 2, freq_mhz: 3800}\n"
             "hypervisor:\n  lmb_size: 16M\n  migrate: {enabled: true, lpar: db, thread: 3}\n"
             "lpars:\n  - name: db\n    memory: 64M\n    vcpus:\n"
             "      - {thread: 0, trace: %s}\n", tu_busy_trace());
    tu_write_tmp("dedtarget.yaml", t);
    static char p[4096];
    snprintf(p, sizeof p,
             "platform:\n  machines:\n    - {name: source, config: %s}\n"
             "    - {name: target, config: %s}\n  links:\n    - {between: [source, target]}\n",
             tu_src("configs/migrate/source.yaml"), tu_tmp("dedtarget.yaml"));
    tu_write_tmp("pd.yaml", p);
    refused(tu_tmp("pd.yaml"), "hypervisor.migrate.target_storage: paging, but LPAR 'db' here "
                               "has dedicated memory");
    /* ... and with memory storage it migrates into the dedicated LPAR */
    static char q[4096];
    snprintf(q, sizeof q,
             "platform:\n  machines:\n    - {name: source, config: %s, set: "
             "[\"hypervisor.migrate.target_storage=memory\"]}\n"
             "    - {name: target, config: %s}\n  links:\n    - {between: [source, target]}\n",
             tu_src("configs/migrate/source.yaml"), tu_tmp("dedtarget.yaml"));
    tu_write_tmp("pq.yaml", q);
    const char *sets[] = {"hypervisor.audit=true", NULL};
    char *c = tu_run_config_ok(tu_tmp("pq.yaml"), sets, "pq.csv", false);
    ck_assert(g(c, "target", "migration.audit.checks") == NPAGES);
    ck_assert(g(c, "target", "migration.audit.violations") == 0);
    ck_assert(g(c, "target", "migration.precopy_frames") ==
              g(c, "target", "migration.to_memory") - g(c, "source", "migration.final_pages"));
    free(c);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("migrate");
    TCase *t = tcase_create("migrate");
    tcase_set_timeout(t, 600);
    tcase_add_test(t, precopy_paging);
    tcase_add_test(t, memory_storage_and_audit);
    tcase_add_test(t, read_only_resends_nothing);
    tcase_add_test(t, shared_source);
    tcase_add_test(t, inject_caught);
    tcase_add_test(t, deterministic);
    tcase_add_test(t, refusals);
    tcase_add_test(t, paging_to_dedicated_refused);
    suite_add_tcase(s, t);
    return tu_run_suite(s);
}
