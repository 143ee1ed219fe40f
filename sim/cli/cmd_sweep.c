/*
 * cmd_sweep.c - `lparsim sweep`: batch parameter sweeps (docs/sweep.md).
 *   sweep SWEEP.yaml -o DIR [-j N] [--resume] [--timeout S] [--dry-run]
 *   sweep SWEEP.yaml -o DIR --emit parallel|slurm
 *   sweep SWEEP.yaml -o DIR --point ID
 *   sweep --collect DIR
 * Every mode first reads the sweep file and validates every point against
 * the base config, so bad input stops the sweep before anything runs.
 * Exit status: 0 every point ok, 1 bad input or a point failed/missing,
 * 2 bad usage.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "sweep.h"

typedef struct sweep_opts {
    const char *file, *dir, *emit, *point, *collect;
    unsigned jobs;
    bool jobs_given, resume, dry_run;
    double timeout;
} sweep_opts;

static const char sweep_usage[] =
    "usage: lparsim sweep SWEEP.yaml -o DIR [-j N] [--resume] [--timeout SECONDS] [--dry-run]\n"
    "       lparsim sweep SWEEP.yaml -o DIR --emit parallel|slurm [--timeout SECONDS]\n"
    "       lparsim sweep SWEEP.yaml -o DIR --point ID [--timeout SECONDS]\n"
    "       lparsim sweep --collect DIR\n"
    "Run every point of a sweep file (docs/sweep.md) as its own lparsim run; results in\n"
    "DIR/points/ID/ and DIR/results.csv, plots as DIR/NAME.png and .svg.\n"
    "  -o DIR           output directory          -j N   points at once (0: one per CPU)\n"
    "  --resume         skip complete points, rerun failed and missing ones\n"
    "  --timeout S      kill a point after S seconds (recorded as failed)\n"
    "  --dry-run        validate and list the points; run nothing\n"
    "  --emit HOW       write DIR/jobs.txt (GNU parallel) or DIR/sweep.sbatch (Slurm)\n"
    "  --point ID       run one point (what emitted jobs do)\n"
    "  --collect DIR    rebuild DIR/results.csv from the point directories, make the plots\n";

static int parse(int argc, char **argv, sweep_opts *o)
{
    for (int i = 0; i < argc; i++) {
        const char *v = NULL;
        int r;
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            fputs(sweep_usage, stdout);
            return -1;
        }
        if ((r = cli_opt(argc, argv, &i, "-o", &o->dir)) || (r = cli_opt(argc, argv, &i,
            "--output", &o->dir)) || (r = cli_opt(argc, argv, &i, "--emit", &o->emit)) ||
            (r = cli_opt(argc, argv, &i, "--point", &o->point)) ||
            (r = cli_opt(argc, argv, &i, "--collect", &o->collect))) {
            if (r < 0)
                return 2;
        } else if ((r = cli_opt(argc, argv, &i, "-j", &v)) ||
                   (r = cli_opt(argc, argv, &i, "--jobs", &v))) {
            uint64_t n;
            if (r < 0 || cli_parse_u64("-j", v, 0, 4096, &n))
                return 2;
            long cpus = sysconf(_SC_NPROCESSORS_ONLN);
            o->jobs = n ? (unsigned)n : cpus > 0 ? (unsigned)cpus : 1;
            o->jobs_given = true;
        } else if ((r = cli_opt(argc, argv, &i, "--timeout", &v)) != 0) {
            if (r < 0 || cli_parse_double("--timeout", v, 0.001, 1e9, &o->timeout))
                return 2;
        } else if (!strcmp(argv[i], "--resume")) {
            o->resume = true;
        } else if (!strcmp(argv[i], "--dry-run")) {
            o->dry_run = true;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage("sweep: unknown option '%s'", argv[i]);
        } else if (o->file) {
            return cli_usage("sweep: one sweep file expected, got '%s' and '%s'", o->file,
                             argv[i]);
        } else {
            o->file = argv[i];
        }
    }
    if (o->collect) {
        if (o->file || o->dir || o->emit || o->point || o->resume || o->dry_run || o->jobs_given ||
            o->timeout > 0)
            return cli_usage("sweep --collect DIR takes no other argument (it reads "
                             "DIR/sweep.yaml and DIR/points.tsv)");
        return 0;
    }
    if (!o->file)
        return cli_usage("sweep needs a sweep file: lparsim sweep SWEEP.yaml -o DIR");
    if (!o->dir && !o->dry_run)
        return cli_usage("sweep needs an output directory: -o DIR");
    if (o->emit && strcmp(o->emit, "parallel") && strcmp(o->emit, "slurm"))
        return cli_usage("--emit %s: expected parallel or slurm", o->emit);
    int modes = !!o->emit + !!o->point + o->resume + o->dry_run;
    if (modes > 1)
        return cli_usage("sweep: --emit, --point, --resume and --dry-run exclude each other");
    if ((o->emit || o->point) && o->jobs_given)
        return cli_usage("sweep: -j applies to local runs only (not --emit or --point)");
    if (o->dry_run && o->timeout > 0)
        return cli_usage("sweep: --timeout has no effect with --dry-run");
    if (!o->jobs_given)
        o->jobs = 1;
    return 0;
}

/* When some group has its own base:, the base of every group (one line
 * each); nothing otherwise, so older sweeps print what they always did. */
static void print_bases(const sweep_spec *s)
{
    for (size_t g = 0; s->group_bases && g < s->ngroups; g++)
        printf("sweep: group %s: base %s\n", s->groups[g].name, sweep_group_base(s, g));
}

static int dry_run(const sweep_spec *s, const sweep_points *pts)
{
    char *tsv = sweep_points_tsv(pts);
    if (tsv)
        fputs(tsv, stdout);
    free(tsv);
    print_bases(s);
    printf("sweep: %zu points in %zu group%s (", pts->n, s->ngroups, s->ngroups == 1 ? "" : "s");
    size_t per = s->nseeds ? s->nseeds : 1;
    for (size_t g = 0; g < s->ngroups; g++)
        printf("%s%s %zu", g ? ", " : "", s->groups[g].name, s->groups[g].ncombos * per);
    printf("); valid; nothing run (--dry-run)\n");
    return 0;
}

/* Indices of the points that are not complete; *n their count. */
static size_t *incomplete(const sweep_points *pts, const sweep_result *res, size_t *n)
{
    size_t *pending = calloc(pts->n + 1, sizeof *pending);
    *n = 0;
    for (size_t i = 0; pending && i < pts->n; i++)
        if (!res || res[i].state != SWEEP_OK)
            pending[(*n)++] = i;
    return pending;
}

static void summary(const sweep_tally *t, size_t skipped, const char *dir)
{
    printf("sweep: %zu ok, %zu failed", t->ok, t->failed);
    if (skipped)
        printf(" (%zu complete before, skipped)", skipped);
    printf("; results in %s/results.csv\n", dir);
    for (size_t i = 0; i < t->nids; i++)
        printf("sweep: failed: %s (see %s/points/%s/log.txt)\n", t->failed_ids[i], dir,
               t->failed_ids[i]);
}

/* A metric that no ok point's stats hold is most likely misspelt. */
static void warn_metrics(const sweep_spec *s, const sweep_points *pts, const sweep_result *res)
{
    for (size_t m = 0; m < s->nmetrics; m++) {
        size_t ok = 0, found = 0;
        for (size_t i = 0; i < pts->n; i++)
            if (res[i].state == SWEEP_OK) {
                ok++;
                found += res[i].metric[m] != NULL;
            }
        if (ok && !found)
            fprintf(stderr, "sweep: warning: %s:%d: metric '%s' is in no point's stats.json "
                    "(expected the dotted path of a value, see any points/ID/stats.json)\n",
                    s->file, s->metrics[m].line, s->metrics[m].text);
    }
}

/* The local runner, --resume and --point. */
static int run_local(const sweep_opts *o, const sweep_spec *s, const sweep_points *pts,
                     sim_err *e)
{
    sweep_result *res = NULL;
    size_t n = 0, *pending = NULL;
    if (o->point) {
        long k = sweep_points_find(pts, o->point);
        if (k < 0)
            return sim_errf(e, "--point %s: no such point in %s; expected an id from "
                            "%s/points.tsv", o->point, s->file, o->dir);
        pending = calloc(1, sizeof *pending);
        if (!pending)
            return sim_errf(e, "out of memory");
        pending[n++] = (size_t)k;
    } else {
        sweep_dir_cleanup(o->dir, pts); /* processes and temporaries of a killed sweep */
        if (o->resume) {
            if (sweep_result_load_all(o->dir, s, pts, &res, e) != 0 ||
                sweep_results_rewrite(o->dir, s, pts, res, false, e) != 0) {
                sweep_result_free_all(res, pts->n);
                return -1;
            }
        }
        pending = incomplete(pts, res, &n);
        sweep_result_free_all(res, pts->n);
        res = NULL;
        if (!pending)
            return sim_errf(e, "out of memory");
    }
    sweep_run_opts ro = {"/proc/self/exe", o->dir, o->jobs, o->timeout, !o->point,
                         cli_progress_wanted(), o->point ? 0 : pts->n - n};
    sweep_tally t = {0};
    int rc = sweep_run(s, pts, pending, n, &ro, &t, e);
    if (!rc && !o->point) {
        /* the rows were appended in completion order: the finished table is
         * in point order, as --collect writes it */
        rc = sweep_result_load_all(o->dir, s, pts, &res, e);
        if (!rc)
            rc = sweep_results_rewrite(o->dir, s, pts, res, true, e);
        if (!rc)
            warn_metrics(s, pts, res);
        if (!rc)
            rc = sweep_plots(o->dir, s, pts, res, e);
        sweep_result_free_all(res, pts->n);
    }
    if (!rc && !o->point)
        summary(&t, pts->n - n, o->dir);
    if (!rc && t.failed)
        rc = o->point ? sim_errf(e, "point %s failed: %s/points/%s/status.json", o->point,
                                 o->dir, o->point)
                      : sim_errf(e, "sweep: %zu of %zu points failed (listed above)", t.failed,
                                 n);
    sweep_tally_free(&t);
    free(pending);
    return rc;
}

static int emit(const sweep_opts *o, const sweep_spec *s, const sweep_points *pts, sim_err *e)
{
    sweep_result *res = NULL;
    char *self = realpath("/proc/self/exe", NULL), *file = realpath(o->file, NULL);
    char *dir = realpath(o->dir, NULL);
    size_t n = 0, *pending = NULL;
    int rc = self && file && dir ? sweep_result_load_all(o->dir, s, pts, &res, e)
                                 : sim_errf(e, "%s: cannot resolve the absolute path", o->dir);
    if (!rc && !(pending = incomplete(pts, res, &n)))
        rc = sim_errf(e, "out of memory");
    if (!rc)
        print_bases(s);
    if (!rc)
        rc = sweep_emit(o->emit, self, file, dir, pts, pending, n, o->timeout, e);
    sweep_result_free_all(res, pts->n);
    free(pending), free(self), free(file), free(dir);
    return rc;
}

static int collect(const char *dir, sim_err *e)
{
    char *yaml = sweep_path(dir, "sweep.yaml", NULL), *tp = sweep_path(dir, "points.tsv", NULL);
    sweep_spec s;
    sweep_points pts = {0};
    sweep_result *res = NULL;
    char *tsv = tp ? sweep_read_file(tp) : NULL;
    int lock = -1, rc;
    if (!yaml || !tp)
        rc = sim_errf(e, "out of memory");
    else if (!tsv)
        rc = sim_errf(e, "%s: cannot read; expected a directory made by lparsim sweep", tp);
    else
        rc = 0;
    if (!rc)
        rc = sweep_spec_load(&s, yaml, e);
    else
        memset(&s, 0, sizeof s);
    if (!rc)
        rc = sweep_points_parse_tsv(&s, tsv, tp, &pts, e);
    if (!rc && (lock = sweep_lock(dir, false, e)) < 0)
        rc = -1;
    if (!rc)
        rc = sweep_result_load_all(dir, &s, &pts, &res, e);
    if (!rc)
        rc = sweep_results_rewrite(dir, &s, &pts, res, true, e);
    if (!rc)
        warn_metrics(&s, &pts, res);
    if (!rc)
        rc = sweep_plots(dir, &s, &pts, res, e);
    if (!rc) {
        size_t c[3] = {0, 0, 0};
        for (size_t i = 0; i < pts.n; i++)
            c[res[i].state]++;
        printf("sweep: %zu points: %zu ok, %zu failed, %zu missing; results in %s/results.csv\n",
               pts.n, c[SWEEP_OK], c[SWEEP_FAILED], c[SWEEP_MISSING], dir);
        for (size_t i = 0; i < pts.n; i++)
            if (res[i].state != SWEEP_OK)
                printf("sweep: %s: %s\n", res[i].state == SWEEP_FAILED ? "failed" : "missing",
                       pts.p[i].id);
        if (c[SWEEP_FAILED] || c[SWEEP_MISSING])
            rc = sim_errf(e, "sweep: %zu failed and %zu missing of %zu points in %s",
                          c[SWEEP_FAILED], c[SWEEP_MISSING], pts.n, dir);
    }
    if (lock >= 0)
        close(lock);
    sweep_result_free_all(res, pts.n);
    sweep_points_free(&pts);
    sweep_spec_free(&s);
    free(yaml), free(tp), free(tsv);
    return rc;
}

int cmd_sweep(int argc, char **argv)
{
    sweep_opts o = {0};
    int st = parse(argc, argv, &o);
    if (st)
        return st < 0 ? 0 : st;
    sim_err e;
    sim_err_clear(&e);
    if (o.collect)
        return collect(o.collect, &e) ? cli_fail(&e) : 0;
    sweep_spec s;
    sweep_points pts = {0};
    int rc = sweep_spec_load(&s, o.file, &e);
    if (!rc)
        rc = sweep_points_expand(&s, &pts, &e);
    int lock = -1;
    if (!rc && o.dry_run) {
        dry_run(&s, &pts);
    } else if (!rc) {
        int mode = o.point ? SWEEP_DIR_POINT : o.emit ? SWEEP_DIR_EMIT
                                             : o.resume ? SWEEP_DIR_RESUME : SWEEP_DIR_NEW;
        rc = sweep_mkdirs(o.dir, &e);
        if (!rc && (lock = sweep_lock(o.dir, mode == SWEEP_DIR_POINT, &e)) < 0)
            rc = -1;
        if (!rc)
            rc = sweep_dir_prepare(o.dir, &s, &pts, mode, &e);
        if (!rc)
            rc = o.emit ? emit(&o, &s, &pts, &e) : run_local(&o, &s, &pts, &e);
    }
    if (lock >= 0)
        close(lock);
    sweep_points_free(&pts);
    sweep_spec_free(&s);
    return rc ? cli_fail(&e) : 0;
}
