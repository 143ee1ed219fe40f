/*
 * cmd_dram.c - `lparsim dram TRACE`: replay a DRAMsim3-format trace straight
 * into one DRAM controller and report read latency, bandwidth, row hits
 * and simulation speed.
 */
#include <inttypes.h>
#include <string.h>

#include "cli.h"
#include "machine/machine.h"

int cmd_dram(int argc, char **argv)
{
    const char *cfgpath = NULL, *json = NULL, *in = NULL, *sets[64];
    int nsets = 0;
    for (int i = 0; i < argc; i++) {
        int r;
        if ((r = cli_opt(argc, argv, &i, "--config", &cfgpath)) != 0 ||
            (r = cli_opt(argc, argv, &i, "--json", &json)) != 0) {
            if (r < 0)
                return 2;
        } else if ((r = cli_opt_set(argc, argv, &i, "dram.", "dram", sets, &nsets)) != 0) {
            if (r < 0)
                return 2;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage("unknown option '%s'", argv[i]);
        } else if (in) {
            return cli_usage("dram takes one trace file");
        } else {
            in = argv[i];
        }
    }
    if (!in)
        return cli_usage("usage: lparsim dram TRACE [--config FILE] [--set dram.KEY=VALUE]... "
                         "[--json FILE]");
    int st = cli_check_outputs(&json, 1, (const char *[]){in, cfgpath}, 2);
    if (st)
        return st; /* before the replay, not after it */
    sim_err e;
    sim_err_clear(&e);
    machine_config c;
    int status = 0;
    cfg_src *src = cfg_src_create(cfgpath ? cfgpath : "");
    if (!src) {
        sim_errf(&e, "out of host memory");
        return cli_fail(&e);
    }
    if (machine_config_init(&c, &e) != 0 ||
        (cfgpath && cfg_load_yaml(&machine_config_table, &c, cfgpath, src, &e) != 0)) {
        machine_config_free(&c);
        cfg_src_destroy(src);
        return cli_fail(&e);
    }
    for (int i = 0; i < nsets; i++)
        if (cfg_set_src(&machine_config_table, &c, sets[i], src, &e) != 0) {
            machine_config_free(&c);
            cfg_src_destroy(src);
            return cli_fail(&e);
        }
    /* the full machine's own keys: refused rather than ignored */
    const char *own = c.dram.trace_out && *c.dram.trace_out ? "dram.trace_out"
                      : c.dram.write_policy != DRAM_WRITES_BUFFERED ? "dram.write_policy"
                                                                     : NULL;
    if (own) {
        char where[SIM_ERR_MAX / 2];
        sim_errf(&e, "%s: set, but lparsim dram replays a trace through the queued controller, "
                 "which always buffers writes and logs nothing; expected it only in a run's config",
                 own);
        if (*cfg_src_where(src, own, where, sizeof where))
            sim_err_prefix(&e, "%s", where);
        machine_config_free(&c);
        cfg_src_destroy(src);
        return cli_fail(&e);
    }
    /* semantic checks of the dram section, located where the key the
     * message starts with ("dram.address_mapping: ...") came from: a line
     * of the config file or a --set */
    if (dram_config_validate(&c.dram, &e) != 0) {
        char key[128], where[SIM_ERR_MAX / 2];
        size_t k = strcspn(e.msg, ": ");
        snprintf(key, sizeof key, "%.*s", (int)(k < sizeof key ? k : sizeof key - 1), e.msg);
        if (*cfg_src_where(src, key, where, sizeof where))
            sim_err_prefix(&e, "%s", where);
        machine_config_free(&c);
        cfg_src_destroy(src);
        return cli_fail(&e);
    }
    cfg_src_destroy(src);
    dram_replay_result res;
    memset(&res, 0, sizeof res);
    double t0 = cli_now();
    if (dram_replay_file(&c.dram, in, &res, &e) != 0) {
        machine_config_free(&c);
        return cli_fail(&e);
    }
    double host = cli_now() - t0;
    uint64_t reqs = res.reads + res.writes;
    double rps = host > 0 ? (double)reqs / host : 0.0;
    printf("%s: %" PRIu64 " reads, %" PRIu64 " writes in %" PRIu64 " DRAM cycles (tCK %" PRIu64
           " ps)\n",
           in, res.reads, res.writes, res.cycles, c.dram.tCK);
    printf("read latency (DRAM cycles, from acceptance): mean %.2f min %" PRIu64 " p50 %" PRIu64
           " p90 %" PRIu64 " p99 %" PRIu64 " max %" PRIu64 "\n",
           res.lat_mean, res.lat_min, res.lat_p50, res.lat_p90, res.lat_p99, res.lat_max);
    printf("read latency from the trace's cycle (time held back included): mean %.2f\n",
           res.lat_mean_from_stamp);
    printf("bandwidth %.3f GB/s, row-hit rate %.4f (reads %.4f), held back past stamp %" PRIu64
           "\n",
           res.bandwidth_gbps, res.row_hit_rate, res.read_row_hit_rate, res.held_back);
    printf("host: %.3f s, %.0f requests per host second\n", host, rps);
    if (json) {
        jtree *j = jtree_create();
        dram_replay_to_jtree(&res, j);
        jtree_set_double(j, "dram.host_seconds", host);
        jtree_set_double(j, "dram.requests_per_host_second", rps);
        if (cli_write_json(j, json, &e) != 0)
            status = cli_fail(&e);
        jtree_destroy(j);
    }
    dram_replay_result_free(&res);
    machine_config_free(&c);
    return status;
}
