/*
 * cmd_run.c - `lparsim run CONFIG` and `lparsim replay TRACE...`: build a
 * machine, replay its traces, print the report, write JSON/CSV. A platform
 * file (top-level `platform:`) goes to cmd_platform.c.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "machine/machine.h"
#include "machine/platform.h"

typedef struct run_opts {
    const char *json, *csv;
    bool quiet;
    const char *sets[64];
    int nsets;
} run_opts;

typedef struct progress {
    double start, last;
    bool shown;
    const machine *m;
} progress;

static void on_progress(void *ctx, uint64_t records, uint64_t cycles)
{
    progress *p = ctx;
    double now = cli_now();
    if (now - p->start < 2.0 || now - p->last < 0.5)
        return;
    p->last = now;
    p->shown = true;
    uint64_t done, total;
    if (machine_driver_progress(p->m, &done, &total) && done < total) {
        double el = now - p->start;
        fprintf(stderr, "\rlparsim: drivers %llu/%llu operations (%.1f%%), %.1f M cycles, %.1f s, "
                        "ETA %.0f s   ",
                (unsigned long long)done, (unsigned long long)total, 100.0 * (double)done / (double)total,
                (double)cycles / 1e6, el, done ? el * (double)(total - done) / (double)done : 0.0);
        return;
    }
    fprintf(stderr, "\rlparsim: %.1f M records, %.1f M cycles, %.1f s, %.2f M records/s   ",
            (double)records / 1e6, (double)cycles / 1e6, now - p->start,
            (double)records / 1e6 / (now - p->start));
}

/* Parse the options shared by run and replay; positional arguments are
 * collected into pos. Returns 0, or an exit status. */
static int parse_opts(int argc, char **argv, run_opts *o, const char **pos, int *npos, int maxpos,
                      const char **page_size)
{
    for (int i = 0; i < argc; i++) {
        const char *v;
        int r;
        if ((r = cli_opt(argc, argv, &i, "--json", &o->json)) != 0) {
            if (r < 0)
                return 2;
        } else if ((r = cli_opt(argc, argv, &i, "--csv", &o->csv)) != 0) {
            if (r < 0)
                return 2;
        } else if ((r = cli_opt(argc, argv, &i, "--set", &v)) != 0) {
            if (r < 0)
                return 2;
            if (o->nsets == 64)
                return cli_usage("too many --set options (at most 64)");
            o->sets[o->nsets++] = v;
        } else if (page_size && (r = cli_opt(argc, argv, &i, "--page-size", page_size)) != 0) {
            if (r < 0)
                return 2;
        } else if (!strcmp(argv[i], "--audit")) {
            if (o->nsets == 64)
                return cli_usage("too many --set options (at most 64)");
            o->sets[o->nsets++] = "hypervisor.audit=true"; /* every enabled feature's */
        } else if (!strcmp(argv[i], "--quiet") || !strcmp(argv[i], "-q")) {
            o->quiet = true;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage("unknown option '%s'", argv[i]);
        } else {
            if (*npos == maxpos)
                return cli_usage("too many arguments ('%s')", argv[i]);
            pos[(*npos)++] = argv[i];
        }
    }
    return cli_check_outputs((const char *[]){o->json, o->csv}, 2, pos, (size_t)*npos);
}

static int apply_sets(machine_config *c, const run_opts *o, sim_err *e)
{
    for (int i = 0; i < o->nsets; i++)
        if (cfg_set(&machine_config_table, c, o->sets[i], e) != 0)
            return -1;
    return 0;
}

/* Build, run and report; owns nothing but what it creates. */
static int simulate(const machine_config *c, const cfg_src *src, const run_opts *o)
{
    sim_err e;
    sim_err_clear(&e);
    double t0 = cli_now();
    machine *m = machine_create(c, src, &e);
    if (!m)
        return cli_fail(&e);
    progress p = {t0, t0, false, m};
    int rc = machine_run(m, cli_progress_wanted() ? on_progress : NULL, &p, &e);
    if (rc == 0)
        rc = machine_finish(m, &e);
    double host = cli_now() - t0;
    if (p.shown)
        fputc('\n', stderr);
    if (rc != 0) {
        machine_destroy(m);
        return cli_fail(&e);
    }
    jtree *j = jtree_create();
    machine_report_json(m, j);
    jtree_set_double(j, "sim.host_seconds", host);
    jtree_set_double(j, "sim.records_per_host_second",
                     host > 0 ? (double)machine_records(m) / host : 0.0);
    if (!o->quiet)
        machine_report_text(m, j, stdout);
    int status = 0;
    if (o->json && cli_write_json(j, o->json, &e) != 0)
        status = cli_fail(&e);
    if (!status && o->csv && cli_write_csv(j, o->csv, &e) != 0)
        status = cli_fail(&e);
    jtree_destroy(j);
    machine_destroy(m);
    return status;
}

int cmd_run(int argc, char **argv)
{
    run_opts o = {0};
    const char *pos[1];
    int npos = 0;
    int st = parse_opts(argc, argv, &o, pos, &npos, 1, NULL);
    if (st)
        return st;
    if (npos != 1)
        return cli_usage("run needs a config file: lparsim run CONFIG");
    if (platform_file_detect(pos[0]))
        return cmd_run_platform(pos[0], o.sets, (unsigned)o.nsets, o.json, o.csv, o.quiet);
    sim_err e;
    sim_err_clear(&e);
    machine_config c;
    cfg_src *src = cfg_src_create(pos[0]);
    int status;
    if (machine_config_init(&c, &e) != 0 || !src ||
        machine_config_load(&c, pos[0], o.sets, (unsigned)o.nsets, src, &e) != 0)
        status = cli_fail(&e);
    else
        status = simulate(&c, src, &o);
    machine_config_free(&c);
    cfg_src_destroy(src);
    return status;
}

int cmd_replay(int argc, char **argv)
{
    run_opts o = {0};
    const char *pos[256];
    int npos = 0;
    const char *ps = "4K";
    int st = parse_opts(argc, argv, &o, pos, &npos, 256, &ps);
    if (st)
        return st;
    if (npos == 0)
        return cli_usage("replay needs at least one trace: lparsim replay TRACE...");
    sim_err e;
    sim_err_clear(&e);
    machine_config c;
    int status = 0;
    char set[4200];
    if (machine_config_init(&c, &e) != 0)
        return cli_fail(&e);
    /* one LPAR with room to spare, one vCPU per trace on threads 0.. */
    const char *base[] = {"lpars[0].name=replay", "lpars[0].memory=4G"};
    for (unsigned i = 0; i < 2 && !status; i++)
        if (cfg_set(&machine_config_table, &c, base[i], &e) != 0)
            status = cli_fail(&e);
    snprintf(set, sizeof set, "lpars[0].page_size=%s", ps);
    if (!status && cfg_set(&machine_config_table, &c, set, &e) != 0)
        status = cli_usage("--page-size %s: expected 4K, 64K or 16M", ps);
    for (int i = 0; i < npos && !status; i++) {
        snprintf(set, sizeof set, "lpars[0].vcpus[%d].trace=%s", i, pos[i]);
        if (cfg_set(&machine_config_table, &c, set, &e) != 0)
            status = cli_fail(&e);
        snprintf(set, sizeof set, "lpars[0].vcpus[%d].thread=%d", i, i);
        if (!status && cfg_set(&machine_config_table, &c, set, &e) != 0)
            status = cli_fail(&e);
    }
    if (!status && apply_sets(&c, &o, &e) != 0)
        status = cli_fail(&e);
    if (!status)
        status = simulate(&c, NULL, &o);
    machine_config_free(&c);
    return status;
}
