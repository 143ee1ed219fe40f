/*
 * sweep_plot.c - the plots of a sweep: for each plot, DIR/<name>.gp (a
 * self-contained gnuplot script, data inline as datablocks), then gnuplot
 * run in DIR makes <name>.png (pngcairo) and <name>.svg. Data: ok points
 * only (of the plot's group, if given); y is the mean over the points that
 * share (line, x) - normally the seeds. x positions: the numbers if every x
 * is a number, bytes (labelled as written) if every x is a size like 4G,
 * else categories 0, 1, ... (1, 2, ... on a log axis) labelled as written.
 * Points that a log axis cannot show (<= 0) are left out. Plots are derived
 * files: gnuplot writes them directly; the .gp script is written atomically.
 */
#include "sweep.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/param.h"

extern char **environ;

typedef struct cell {
    size_t line, x;
    double sum;
    size_t n;
} cell;

typedef struct series {
    const char **lines, **xs;   /* distinct texts, first use first */
    size_t nlines, nxs;
    cell *cells;
    size_t ncells;
} series;

static size_t intern(const char ***v, size_t *n, const char *t)
{
    for (size_t i = 0; i < *n; i++)
        if (!strcmp((*v)[i], t))
            return i;
    const char **nv = realloc(*v, (*n + 1) * sizeof *nv);
    if (!nv)
        return (size_t)-1;
    *v = nv;
    nv[*n] = t;
    return (*n)++;
}

static bool full_double(const char *t, double *out)
{
    char *end;
    errno = 0;
    *out = strtod(t, &end);
    return *t && !*end && !errno && isfinite(*out);
}

static long metric_index(const sweep_spec *s, const char *path)
{
    for (size_t i = 0; i < s->nmetrics; i++)
        if (!strcmp(s->metrics[i].text, path))
            return (long)i;
    return -1;
}

/* Gather (line, x) -> mean y; -1 on out of memory. */
static int gather(const sweep_spec *s, const sweep_plot *pl, const sweep_points *pts,
                  const sweep_result *res, series *sr)
{
    long gi = pl->group ? sweep_spec_group(s, pl->group) : -1;
    long xm = sweep_spec_is_param(s, pl->x) ? -1 : metric_index(s, pl->x);
    long ym = metric_index(s, pl->y);
    for (size_t i = 0; i < pts->n; i++) {
        const sweep_point *p = &pts->p[i];
        if (res[i].state != SWEEP_OK || (gi >= 0 && p->group != (size_t)gi))
            continue;
        const char *x = xm >= 0 ? res[i].metric[xm] : sweep_point_value(s, p, pl->x);
        const char *l = pl->lines ? sweep_point_value(s, p, pl->lines) : "";
        double y;
        if (!x || !*x || !l || !res[i].metric[ym] || !full_double(res[i].metric[ym], &y))
            continue;
        size_t li = intern(&sr->lines, &sr->nlines, l), xi = intern(&sr->xs, &sr->nxs, x);
        if (li == (size_t)-1 || xi == (size_t)-1)
            return -1;
        size_t c = 0;
        while (c < sr->ncells && !(sr->cells[c].line == li && sr->cells[c].x == xi))
            c++;
        if (c == sr->ncells) {
            cell *nc = realloc(sr->cells, (sr->ncells + 1) * sizeof *nc);
            if (!nc)
                return -1;
            sr->cells = nc;
            nc[sr->ncells++] = (cell){li, xi, 0, 0};
        }
        sr->cells[c].sum += y;
        sr->cells[c].n++;
    }
    return 0;
}

/* Single-quoted gnuplot string. */
static void gq(sweep_buf *b, const char *t)
{
    sweep_buf_addn(b, "'", 1);
    for (; *t; t++)
        sweep_buf_addn(b, *t == '\'' ? "''" : t, *t == '\'' ? 2 : 1);
    sweep_buf_addn(b, "'", 1);
}

static int cmp_pos(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The script text; *npoints = data points written. */
static void script(sweep_buf *b, const sweep_spec *s, const sweep_plot *pl, const series *sr,
                   size_t *npoints)
{
    double *pos = calloc(sr->nxs + 1, sizeof *pos);
    double (*rows)[3] = calloc(sr->nxs + 1, sizeof *rows); /* pos, y, x index */
    if (!pos || !rows) {
        b->oom = true;
        free(pos), free(rows);
        return;
    }
    int kind = 0; /* 0 numbers, 1 sizes, 2 categories */
    for (size_t i = 0; i < sr->nxs && kind == 0; i++)
        if (!full_double(sr->xs[i], &pos[i]))
            kind = 1;
    for (size_t i = 0; i < sr->nxs && kind == 1; i++) {
        uint64_t v;
        if (param_parse_size(sr->xs[i], &v) != 0)
            kind = 2;
        pos[i] = (double)v;
    }
    for (size_t i = 0; i < sr->nxs && kind == 2; i++)
        pos[i] = (double)i + (pl->logx ? 1 : 0);
    sweep_buf_add(b, "# %s.gp - plot '%s' of sweep %s, written by lparsim sweep.\n"
                  "# Data: ok points only; y = mean over the points sharing x and line "
                  "(normally the seeds).\n# Remake the images: cd to this directory, then "
                  "gnuplot %s.gp\n", pl->name, pl->name, s->file, pl->name);
    *npoints = 0;
    for (size_t l = 0; l < sr->nlines; l++) {
        size_t n = 0;
        for (size_t c = 0; c < sr->ncells; c++) {
            const cell *ce = &sr->cells[c];
            double y = ce->sum / (double)ce->n, x = pos[ce->x];
            if (ce->line != l || (pl->logx && x <= 0) || (pl->logy && y <= 0))
                continue;
            rows[n][0] = x, rows[n][1] = y, rows[n][2] = (double)ce->x;
            n++;
        }
        qsort(rows, n, sizeof *rows, cmp_pos);
        sweep_buf_add(b, "$d%zu << EOD\n", l);
        for (size_t i = 0; i < n; i++) {
            sweep_buf_add(b, "%.17g %.17g \"", rows[i][0], rows[i][1]);
            for (const char *t = sr->xs[(size_t)rows[i][2]]; *t; t++)
                sweep_buf_addn(b, *t == '"' ? "'" : t, 1);
            sweep_buf_add(b, "\"\n");
        }
        sweep_buf_add(b, "EOD\n");
        *npoints += n;
    }
    sweep_buf_add(b, "set title ");
    gq(b, pl->title ? pl->title : pl->name);
    sweep_buf_add(b, "\nset xlabel ");
    gq(b, pl->xlabel ? pl->xlabel : pl->x);
    sweep_buf_add(b, "\nset ylabel ");
    gq(b, pl->ylabel ? pl->ylabel : pl->y);
    sweep_buf_add(b, "\nset grid\n%s%s", pl->logx ? "set logscale x\n" : "",
                  pl->logy ? "set logscale y\n" : "");
    if (pl->lines) {
        sweep_buf_add(b, "set key outside right top title ");
        gq(b, pl->lines);
        sweep_buf_add(b, "\n");
    }
    if (kind == 2)
        sweep_buf_add(b, "set offsets 0.5, 0.5, 0, 0\n");
    sweep_buf_add(b, "set terminal pngcairo noenhanced size 900,600\nset output '%s.png'\n"
                  "plot ", pl->name);
    for (size_t l = 0; l < sr->nlines; l++) {
        sweep_buf_add(b, "%s$d%zu using 1:2%s with linespoints ", l ? ", " : "", l,
                      kind ? ":xtic(3)" : "");
        if (pl->lines) {
            sweep_buf_add(b, "title ");
            gq(b, sr->lines[l]);
        } else {
            sweep_buf_add(b, "notitle");
        }
    }
    sweep_buf_add(b, "\nset terminal svg noenhanced size 900,600\nset output '%s.svg'\nreplot\n"
                  "unset output\n", pl->name);
    free(pos);
    free(rows);
}

/* Run gnuplot NAME.gp in dir: 0 ok, 1 failed, 2 gnuplot missing. */
static int gnuplot(const char *dir, const char *name)
{
    char gp[300], log[300];
    snprintf(gp, sizeof gp, "%s.gp", name);
    snprintf(log, sizeof log, "%s.log", name);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addchdir_np(&fa, dir);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    char *argv[] = {"gnuplot", gp, NULL};
    pid_t pid;
    int err = posix_spawnp(&pid, "gnuplot", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    int st = 0, rc;
    if (err) {
        rc = err == ENOENT ? 2 : 1;
    } else {
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
            ;
        rc = WIFEXITED(st) && WEXITSTATUS(st) == 127 ? 2
           : !WIFEXITED(st) || WEXITSTATUS(st) != 0 ? 1 : 0;
    }
    char *lp = rc != 1 ? sweep_path(dir, log, NULL) : NULL; /* keep a failure's log */
    if (lp)
        unlink(lp);
    free(lp);
    return rc;
}

int sweep_plots(const char *dir, const sweep_spec *s, const sweep_points *pts,
                const sweep_result *res, sim_err *e)
{
    for (size_t i = 0; i < s->nplots; i++) {
        const sweep_plot *pl = &s->plots[i];
        series sr = {0};
        sweep_buf b = {0};
        size_t npoints = 0;
        int rc = gather(s, pl, pts, res, &sr);
        if (!rc)
            script(&b, s, pl, &sr, &npoints);
        char name[300];
        snprintf(name, sizeof name, "%s.gp", pl->name);
        char *path = sweep_path(dir, name, NULL);
        if (rc || !path || !sweep_buf_str(&b))
            rc = sim_errf(e, "out of memory");
        else
            rc = sweep_write_atomic(path, b.s, b.n, e);
        free(path);
        free(sr.lines), free(sr.xs), free(sr.cells);
        sweep_buf_free(&b);
        if (rc)
            return -1;
        if (npoints == 0) {
            fprintf(stderr, "sweep: plot %s: no data (no ok point gives x and y); skipped\n",
                    pl->name);
            continue;
        }
        int g = gnuplot(dir, pl->name);
        if (g == 2) {
            fprintf(stderr, "sweep: gnuplot not found; plots skipped (install gnuplot-nox; "
                    "the scripts are in %s/*.gp)\n", dir);
            return 0;
        }
        if (g == 1)
            fprintf(stderr, "sweep: plot %s: gnuplot failed (see %s/%s.log)\n", pl->name, dir,
                    pl->name);
        else
            printf("sweep: plot %s: %s/%s.png %s/%s.svg\n", pl->name, dir, pl->name, dir,
                   pl->name);
    }
    return 0;
}
