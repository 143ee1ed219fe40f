/*
 * cmd_disk.c - `lparsim disk`: run the paging device alone on a fio-style
 * job and report latency percentiles, IOPS, bandwidth and simulation
 * speed (the device's counterpart of `lparsim dram`).
 */
#include <inttypes.h>
#include <string.h>

#include "cli.h"
#include "machine/machine.h"

static const char disk_usage[] =
    "usage: lparsim disk [--preset ssd|optane|hdd|fixed] [--set pagedev.KEY=VALUE]... "
    "[--config FILE] [--rw randread|randwrite|read|write|randrw] [--bs SIZE] [--iodepth N] "
    "[--size SIZE] [--number-ios N] [--rwmixread PCT] [--seed N] [--json FILE]";

static int parse_size_opt(const char *opt, const char *v, uint64_t *out)
{
    if (param_parse_size(v, out) != 0)
        return cli_usage("%s: expected a size such as 4096, 4k or 1G, got '%s'", opt, v);
    return 0;
}

static void print_lat(const char *what, const pagedev_lat *l, uint64_t mhz)
{
    double f = (double)mhz;
    printf("%s latency (us): mean %.2f min %.2f p50 %.2f p90 %.2f p99 %.2f max %.2f\n", what,
           l->mean / f, (double)l->min / f, (double)l->p50 / f, (double)l->p90 / f,
           (double)l->p99 / f, (double)l->max / f);
}

static void print_result(const pagedev_config *c, const pagedev_job *j,
                         const pagedev_job_result *r)
{
    const pagedev_stats *s = &r->stats;
    double ms = (double)r->cycles / ((double)r->freq_mhz * 1e3);
    printf("disk %s: %s, bs %" PRIu64 ", iodepth %" PRIu64 ", %" PRIu64 " I/Os over %" PRIu64
           " bytes, seed %" PRIu64 "\n",
           pagedev_preset_name(c->preset), pagedev_job_rw_name(j->rw), j->bs, j->iodepth,
           r->ios, r->size, j->seed);
    printf("%" PRIu64 " reads, %" PRIu64 " writes in %" PRIu64 " cycles (%.3f ms at %" PRIu64
           " MHz)\n",
           r->reads, r->writes, r->cycles, ms, r->freq_mhz);
    print_lat("all", &r->all, r->freq_mhz);
    if (r->reads && r->writes) {
        print_lat("read", &r->read, r->freq_mhz);
        print_lat("write", &r->write, r->freq_mhz);
    }
    printf("IOPS %.0f, bandwidth %.2f MB/s, utilization %.3f, queue depth mean %.2f max %" PRIu64
           "\n",
           r->iops, r->mb_per_s, r->utilization, r->mean_queue_depth, r->max_queue_depth);
    if (c->preset == PAGEDEV_HDD) {
        double f = (double)r->freq_mhz * 1e3, n = r->ios ? (double)r->ios : 1;
        printf("hdd: %" PRIu64 " seeks, per I/O seek %.3f ms, rotation %.3f ms, %" PRIu64
               " read-ahead hits\n",
               s->seeks, (double)s->seek_cycles / f / n, (double)s->rotation_cycles / f / n,
               s->readahead_hits);
    } else if (c->preset == PAGEDEV_FIXED) {
        printf("fixed: %" PRIu64 " requests waited for the IOPS cap\n", s->throttled);
    } else {
        printf("%s: %" PRIu64 " media reads, %" PRIu64 " programs, %" PRIu64
               " write-cache hits, %" PRIu64 " writes waited for the cache\n",
               pagedev_preset_name(c->preset), s->media_reads, s->media_programs, s->cache_hits,
               s->cache_full_waits);
    }
}

int cmd_disk(int argc, char **argv)
{
    const char *cfgpath = NULL, *json = NULL, *preset = NULL, *sets[64], *v;
    int nsets = 0;
    pagedev_job j = {.rw = PAGEDEV_RANDREAD, .bs = 4096, .iodepth = 1, .size = 0,
                     .number_ios = 20000, .seed = 1, .rwmixread = 50};
    for (int i = 0; i < argc; i++) {
        int r;
        if ((r = cli_opt(argc, argv, &i, "--config", &cfgpath)) != 0 ||
            (r = cli_opt(argc, argv, &i, "--json", &json)) != 0 ||
            (r = cli_opt(argc, argv, &i, "--preset", &preset)) != 0) {
            if (r < 0)
                return 2;
        } else if ((r = cli_opt_set(argc, argv, &i, "pagedev.", "disk", sets, &nsets)) != 0) {
            if (r < 0)
                return 2;
        } else if ((r = cli_opt(argc, argv, &i, "--rw", &v)) != 0) {
            if (r < 0)
                return 2;
            if (pagedev_job_rw_parse(v, &j.rw) != 0)
                return cli_usage("--rw: unknown mode '%s'; expected randread, randwrite, read, "
                                 "write or randrw", v);
        } else if ((r = cli_opt(argc, argv, &i, "--bs", &v)) != 0) {
            if (r < 0 || parse_size_opt("--bs", v, &j.bs) != 0)
                return 2;
        } else if ((r = cli_opt(argc, argv, &i, "--size", &v)) != 0) {
            if (r < 0 || parse_size_opt("--size", v, &j.size) != 0)
                return 2;
        } else if ((r = cli_opt(argc, argv, &i, "--iodepth", &v)) != 0) {
            if (r < 0 || cli_parse_u64("--iodepth", v, 1, 65536, &j.iodepth) != 0)
                return 2;
        } else if ((r = cli_opt(argc, argv, &i, "--number-ios", &v)) != 0) {
            if (r < 0 || cli_parse_u64("--number-ios", v, 1, 1000000000, &j.number_ios) != 0)
                return 2;
        } else if ((r = cli_opt(argc, argv, &i, "--rwmixread", &v)) != 0) {
            if (r < 0 || cli_parse_u64("--rwmixread", v, 0, 100, &j.rwmixread) != 0)
                return 2;
        } else if ((r = cli_opt(argc, argv, &i, "--seed", &v)) != 0) {
            if (r < 0 || cli_parse_u64("--seed", v, 0, UINT64_MAX, &j.seed) != 0)
                return 2;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage("unknown option '%s'; %s", argv[i], disk_usage);
        } else {
            return cli_usage("disk takes no file argument ('%s'); %s", argv[i], disk_usage);
        }
    }
    if (preset && strcmp(preset, "ssd") && strcmp(preset, "optane") && strcmp(preset, "hdd") &&
        strcmp(preset, "fixed"))
        return cli_usage("--preset: unknown preset '%s'; expected ssd, optane, hdd or fixed",
                         preset);
    int st = cli_check_outputs(&json, 1, (const char *[]){cfgpath}, 1);
    if (st)
        return st;
    sim_err e;
    sim_err_clear(&e);
    machine_config c;
    cfg_src *src = cfg_src_create(cfgpath ? cfgpath : "");
    if (!src) {
        sim_errf(&e, "out of host memory");
        return cli_fail(&e);
    }
    int rc = machine_config_init(&c, &e);
    if (rc == 0 && cfgpath)
        rc = cfg_load_yaml(&machine_config_table, &c, cfgpath, src, &e);
    if (rc == 0 && cfgpath) {
        const char *slash = strrchr(cfgpath, '/');
        char dir[4096];
        snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - cfgpath) + (slash == cfgpath)
                                                : 1, slash ? cfgpath : ".");
        rc = machine_config_resolve_paths(&c, dir, &e);
    }
    char pset[64];
    if (rc == 0 && preset) {
        snprintf(pset, sizeof pset, "pagedev.preset=%s", preset);
        rc = cfg_set_src(&machine_config_table, &c, pset, src, &e);
    }
    for (int i = 0; rc == 0 && i < nsets; i++)
        rc = cfg_set_src(&machine_config_table, &c, sets[i], src, &e);
    if (rc == 0 && pagedev_config_validate(&c.pagedev, &e) != 0) {
        char key[128], where[SIM_ERR_MAX / 2];
        size_t k = strcspn(e.msg, ": ");
        snprintf(key, sizeof key, "%.*s", (int)(k < sizeof key ? k : sizeof key - 1), e.msg);
        if (*cfg_src_where(src, key, where, sizeof where))
            sim_err_prefix(&e, "%s", where);
        rc = -1;
    }
    cfg_src_destroy(src);
    uint64_t size;
    if (rc == 0 && pagedev_job_check(&j, pagedev_config_capacity(&c.pagedev), &size, &e) != 0) {
        machine_config_free(&c);
        return cli_usage("%s", e.msg);
    }
    if (rc != 0) {
        machine_config_free(&c);
        return cli_fail(&e);
    }
    pagedev_job_result res;
    double t0 = cli_now();
    if (pagedev_run_job(&c.pagedev, c.machine.freq_mhz, &j, &res, &e) != 0) {
        machine_config_free(&c);
        return cli_fail(&e);
    }
    double host = cli_now() - t0, ips = host > 0 ? (double)res.ios / host : 0.0;
    print_result(&c.pagedev, &j, &res);
    printf("host: %.3f s, %.0f I/Os per host second\n", host, ips);
    int status = 0;
    if (json) {
        jtree *jt = jtree_create();
        jtree_set_str(jt, "disk.preset", pagedev_preset_name(c.pagedev.preset));
        jtree_set_str(jt, "disk.rw", pagedev_job_rw_name(j.rw));
        jtree_set_u64(jt, "disk.bs", j.bs);
        jtree_set_u64(jt, "disk.iodepth", j.iodepth);
        jtree_set_u64(jt, "disk.seed", j.seed);
        pagedev_job_to_jtree(&res, jt);
        jtree_set_double(jt, "disk.host_seconds", host);
        jtree_set_double(jt, "disk.ios_per_host_second", ips);
        if (cli_write_json(jt, json, &e) != 0)
            status = cli_fail(&e);
        jtree_destroy(jt);
    }
    pagedev_job_result_free(&res);
    machine_config_free(&c);
    return status;
}
