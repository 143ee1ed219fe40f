/*
 * cmd_platform.c - `lparsim run PLATFORM.yaml`: a platform file (top-level
 * `platform:`, docs/platform.md) is opened, run in lockstep windows and
 * reported: text per machine then links, JSON/CSV with each machine's keys
 * under machines.<name>., links.<a>-<b>.* and platform.* totals.
 */
#include "cli.h"
#include "machine/platform.h"

typedef struct pprogress {
    double start, last;
    bool shown;
    uint64_t records;
} pprogress;

static void on_progress(void *ctx, uint64_t records, uint64_t cycles)
{
    pprogress *p = ctx;
    double now = cli_now();
    (void)records;
    if (now - p->start < 2.0 || now - p->last < 0.5)
        return;
    p->last = now;
    p->shown = true;
    fprintf(stderr, "\rlparsim: platform at %.1f M cycles, %.1f s   ", (double)cycles / 1e6,
            now - p->start);
}

int cmd_run_platform(const char *path, const char *const *sets, unsigned nsets,
                     const char *json, const char *csv, bool quiet)
{
    sim_err e;
    sim_err_clear(&e);
    double t0 = cli_now();
    platform *p = platform_open(path, sets, nsets, &e);
    if (!p)
        return cli_fail(&e);
    pprogress pr = {t0, t0, false, 0};
    int rc = platform_run(p, NULL, NULL, cli_progress_wanted() ? on_progress : NULL, &pr, &e);
    double host = cli_now() - t0;
    if (pr.shown)
        fputc('\n', stderr);
    if (rc != 0) {
        platform_destroy(p);
        return cli_fail(&e);
    }
    jtree *j = jtree_create();
    platform_report_json(p, j);
    double records = 0;
    jtree_get_double(j, "platform.records", &records);
    jtree_set_double(j, "platform.host_seconds", host);
    jtree_set_double(j, "platform.records_per_host_second", host > 0 ? records / host : 0.0);
    if (!quiet)
        platform_report_text(p, stdout);
    int status = 0;
    if (json && cli_write_json(j, json, &e) != 0)
        status = cli_fail(&e);
    if (!status && csv && cli_write_csv(j, csv, &e) != 0)
        status = cli_fail(&e);
    jtree_destroy(j);
    platform_destroy(p);
    return status;
}
