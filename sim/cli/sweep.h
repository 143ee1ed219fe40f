/*
 * sweep.h - `lparsim sweep` internals shared by cmd_sweep.c and sweep_*.c.
 *
 * A sweep file (YAML, docs/sweep.md) names a base config, overrides for
 * every point (a group may name its own base and add overrides that win), seeds, groups of varied parameters (grid: cartesian product,
 * first key slowest; zip: lists advanced together, crossed with the grid as
 * its fastest dimension), metrics (JSON paths into a run's stats) and plots.
 * It expands to points in a fixed order (groups in file order, then grid/zip
 * order, then seeds) with ids "<group>-<index, 4 digits>-s<seed>".
 * Each point is one `lparsim run` whose results live in DIR/points/<id>/
 * (log.txt, stats.json, status.json); DIR/results.csv aggregates them.
 * Invariants: a point is complete iff its status.json says ok and its
 * stats.json parses; every file in DIR is written atomically (tmp + rename)
 * except the one-write() appends to results.csv.
 */
#ifndef LPARSIM_CLI_SWEEP_H
#define LPARSIM_CLI_SWEEP_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

#define SWEEP_MAX_SETS 64 /* lparsim run takes at most 64 --set options */

/* ---- growable string ---------------------------------------------------- */

typedef struct sweep_buf {
    char *s;    /* NUL-terminated (NULL while empty) */
    size_t n, cap;
    bool oom;   /* an append failed: the content is incomplete */
} sweep_buf;

void sweep_buf_add(sweep_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sweep_buf_addn(sweep_buf *b, const char *s, size_t n);
void sweep_buf_free(sweep_buf *b);
/* The text ("" if empty); NULL after an allocation failure. */
const char *sweep_buf_str(const sweep_buf *b);

/* ---- the sweep file ----------------------------------------------------- */

typedef struct sweep_val {
    char *text;  /* scalar as written */
    int line;    /* 1-based line in the sweep file */
} sweep_val;

typedef struct sweep_dim {   /* one varied parameter of a group */
    char *path;              /* dotted config path */
    int line;
    bool zip;
    sweep_val *v;
    size_t n;
} sweep_dim;

typedef struct sweep_kv {   /* one `set:` override */
    char *path, *value;
    int line;
} sweep_kv;

typedef struct sweep_group {
    char *name;
    int line;
    char *base;              /* the group's own `base:` (resolved), or NULL: the top-level one */
    char *base_text;         /* that `base:` as written */
    int base_line;
    sweep_kv *sets;          /* the group's own `set:`, applied after the top-level one */
    size_t nsets;
    sweep_dim *dims;         /* grid keys in file order, then zip keys */
    size_t ndims;
    size_t ncombos;          /* product of grid lengths x zip length */
} sweep_group;

typedef struct sweep_plot {
    char *name, *group, *x, *y, *lines, *title, *xlabel, *ylabel;
    bool logx, logy;
    int line;
} sweep_plot;

typedef struct sweep_spec {
    char *file;              /* as given */
    char *base;              /* base config, resolved against the sweep file's directory;
                                NULL only if every group has its own */
    char *base_text;         /* as written */
    int base_line;
    bool group_bases;        /* some group has its own base: (adds the csv column "base") */
    sweep_kv *sets;          /* `set:` overrides, every point */
    size_t nsets;
    sweep_val *seeds;        /* `seeds:` (may be empty) */
    size_t nseeds;
    sweep_group *groups;
    size_t ngroups;
    sweep_val *metrics;
    size_t nmetrics;
    sweep_plot *plots;
    size_t nplots;
    char **params;           /* varied paths, union over groups, first use first */
    size_t nparams;
} sweep_spec;

/* Parse and check a sweep file (not the base config). 0 or -1 with e set
 * ("FILE:LINE: what; expected ..."). s is valid for sweep_spec_free. */
int sweep_spec_load(sweep_spec *s, const char *path, sim_err *e);
void sweep_spec_free(sweep_spec *s);
/* Index of a group by name, or -1. */
long sweep_spec_group(const sweep_spec *s, const char *name);
bool sweep_spec_is_param(const sweep_spec *s, const char *path);
bool sweep_spec_is_metric(const sweep_spec *s, const char *path);
/* The base config a group's points start from (its own, else the top-level
 * one) and the sweep-file line that names it. */
const char *sweep_group_base(const sweep_spec *s, size_t g);
int sweep_group_base_line(const sweep_spec *s, size_t g);
/* That base as the sweep file writes it (results.csv's base column: the
 * same whether DIR/sweep.yaml or the original file was read). */
const char *sweep_group_base_text(const sweep_spec *s, size_t g);

/* ---- points ------------------------------------------------------------- */

typedef struct sweep_point {
    char *id;
    size_t group;            /* index into spec->groups */
    char *seed;              /* decimal text */
    char **sets;             /* "path=value", in the order lparsim run applies them */
    int *lines;              /* sweep-file line of each (0: none) */
    size_t nsets;
} sweep_point;

typedef struct sweep_points {
    sweep_point *p;
    size_t n;
} sweep_points;

/* Expand the spec into points and validate each against the base config
 * (as `lparsim run` would load it); errors name the sweep file's line. */
int sweep_points_expand(const sweep_spec *s, sweep_points *pts, sim_err *e);
/* Points from DIR/points.tsv text (for --collect); groups by name. */
int sweep_points_parse_tsv(const sweep_spec *s, const char *text, const char *file,
                           sweep_points *pts, sim_err *e);
/* The points.tsv text: "id<TAB>assignment<TAB>..." lines. */
char *sweep_points_tsv(const sweep_points *pts);
void sweep_points_free(sweep_points *pts);
long sweep_points_find(const sweep_points *pts, const char *id);
/* The value a point gives a varied parameter, or NULL if it does not vary it. */
const char *sweep_point_value(const sweep_spec *s, const sweep_point *p, const char *path);

/* ---- JSON (sweep_json.c) ------------------------------------------------ */

typedef void (*sweep_json_fn)(const char *path, const char *value, void *ctx);
/* Visit every scalar of a JSON text with its dotted path (arrays as
 * "[i]"); strings unescaped, null as "". 0 if the whole text is one valid
 * JSON value, -1 otherwise. */
int sweep_json_leaves(const char *text, sweep_json_fn fn, void *ctx);
/* Append s as a JSON string literal. */
void sweep_json_str(sweep_buf *b, const char *s);

/* ---- DIR and its files (sweep_dir.c, sweep_csv.c) ----------------------- */

enum { SWEEP_MISSING, SWEEP_FAILED, SWEEP_OK };

typedef struct sweep_result {
    int state;
    char *error;             /* failed: why */
    double seconds;
    char **metric;           /* spec->nmetrics values (NULL: absent) */
    size_t nmetric;
} sweep_result;

/* Read DIR/points/<id>/status.json and stats.json. 0, or -1 on out of memory. */
int sweep_result_load(const char *dir, const sweep_spec *s, const sweep_point *p,
                      sweep_result *r, sim_err *e);
void sweep_result_free(sweep_result *r);
int sweep_result_load_all(const char *dir, const sweep_spec *s, const sweep_points *pts,
                          sweep_result **out, sim_err *e);
void sweep_result_free_all(sweep_result *r, size_t n);

/* CSV (RFC 4180 quoting): the header line and one row, each ending "\n". */
void sweep_csv_header(sweep_buf *b, const sweep_spec *s);
void sweep_csv_row(sweep_buf *b, const sweep_spec *s, const sweep_point *p,
                   const sweep_result *r);
void sweep_csv_field(sweep_buf *b, const char *text);

/* Write path atomically (path.<pid>.tmp, then rename). 0 or -1 with e set. */
int sweep_write_atomic(const char *path, const char *data, size_t n, sim_err *e);
/* Read a whole file (heap, NUL-terminated); NULL if it cannot be read. */
char *sweep_read_file(const char *path);
/* "dir/a/b" into a fresh heap string. */
char *sweep_path(const char *dir, const char *a, const char *b);
int sweep_mkdirs(const char *path, sim_err *e);

/* flock DIR/.lock (exclusive, or shared for --point); the fd, or -1 with e. */
int sweep_lock(const char *dir, bool shared, sim_err *e);

enum { SWEEP_DIR_NEW, SWEEP_DIR_RESUME, SWEEP_DIR_POINT, SWEEP_DIR_EMIT };
/* Create or check DIR for this sweep and write sweep.yaml / points.tsv.
 * Refuses a DIR holding another sweep, and (mode NEW) one holding results. */
int sweep_dir_prepare(const char *dir, const sweep_spec *s, const sweep_points *pts, int mode,
                      sim_err *e);
/* --resume: stop point processes a killed sweep left running, remove
 * *.tmp files. */
void sweep_dir_cleanup(const char *dir, const sweep_points *pts);
/* Rewrite DIR/results.csv from the results (point order; failed rows only
 * if with_failed). */
int sweep_results_rewrite(const char *dir, const sweep_spec *s, const sweep_points *pts,
                          const sweep_result *res, bool with_failed, sim_err *e);
/* Append one row with one write() on an O_APPEND descriptor, then fsync. */
int sweep_results_append(const char *dir, const char *row, size_t n, sim_err *e);

/* ---- running points (sweep_run.c) --------------------------------------- */

typedef struct sweep_run_opts {
    const char *self;        /* the lparsim binary to exec */
    const char *dir;
    unsigned jobs;
    double timeout;          /* seconds; 0 = none */
    bool append;             /* append rows to results.csv */
    bool tty;                /* redraw one progress line */
    size_t done_before;      /* points already complete (for the progress count) */
} sweep_run_opts;

typedef struct sweep_tally {
    size_t ok, failed;
    char **failed_ids;       /* heap: the failed points' ids (nids of them) */
    size_t nids;
} sweep_tally;

/* Run points pending[0..n) (indices into pts). Failed points are recorded
 * (tally), not errors; -1 only when DIR cannot be written. */
int sweep_run(const sweep_spec *s, const sweep_points *pts, const size_t *pending, size_t n,
              const sweep_run_opts *o, sweep_tally *t, sim_err *e);
void sweep_tally_free(sweep_tally *t);

/* ---- plots and emitted jobs --------------------------------------------- */

/* Write DIR/<plot>.gp and run gnuplot for every plot (one line of news per
 * plot skipped; gnuplot missing: one line, nothing else). -1 on I/O error. */
int sweep_plots(const char *dir, const sweep_spec *s, const sweep_points *pts,
                const sweep_result *res, sim_err *e);

/* Write DIR/jobs.txt (parallel) or DIR/sweep.sbatch (slurm) for the points
 * pending[0..n) and print how to run it. */
int sweep_emit(const char *how, const char *self, const char *sweep_file, const char *dir,
               const sweep_points *pts, const size_t *pending, size_t n, double timeout,
               sim_err *e);
/* Append s quoted for a POSIX shell. */
void sweep_shell_quote(sweep_buf *b, const char *s);

#endif
