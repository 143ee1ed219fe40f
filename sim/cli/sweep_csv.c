/*
 * sweep_csv.c - a point's result as read back from DIR/points/<id>/
 * (status.json, stats.json) and as one results.csv row.
 * Columns: point, group, base (the point's base config as the sweep file
 * writes it; only when some group has its own base:), seed, status, one per varied parameter (union over
 * groups; empty where the point does not vary it), one per metric (empty if
 * the point failed or its stats lack it), error. Fields holding a comma, a
 * quote, CR or LF are quoted, quotes doubled (RFC 4180); rows end "\n".
 * A result is SWEEP_OK only if status.json says ok and stats.json parses.
 */
#include "sweep.h"

#include <stdlib.h>
#include <string.h>

void sweep_csv_field(sweep_buf *b, const char *text)
{
    if (!text)
        return;
    if (!strpbrk(text, ",\"\r\n")) {
        sweep_buf_add(b, "%s", text);
        return;
    }
    sweep_buf_addn(b, "\"", 1);
    for (const char *p = text; *p; p++) {
        if (*p == '"')
            sweep_buf_addn(b, "\"", 1);
        sweep_buf_addn(b, p, 1);
    }
    sweep_buf_addn(b, "\"", 1);
}

void sweep_csv_header(sweep_buf *b, const sweep_spec *s)
{
    sweep_buf_add(b, "point,group,%sseed,status", s->group_bases ? "base," : "");
    for (size_t i = 0; i < s->nparams; i++) {
        sweep_buf_addn(b, ",", 1);
        sweep_csv_field(b, s->params[i]);
    }
    for (size_t i = 0; i < s->nmetrics; i++) {
        sweep_buf_addn(b, ",", 1);
        sweep_csv_field(b, s->metrics[i].text);
    }
    sweep_buf_add(b, ",error\n");
}

void sweep_csv_row(sweep_buf *b, const sweep_spec *s, const sweep_point *p, const sweep_result *r)
{
    sweep_csv_field(b, p->id);
    sweep_buf_addn(b, ",", 1);
    sweep_csv_field(b, s->groups[p->group].name);
    sweep_buf_addn(b, ",", 1);
    if (s->group_bases) {
        sweep_csv_field(b, sweep_group_base_text(s, p->group));
        sweep_buf_addn(b, ",", 1);
    }
    sweep_csv_field(b, p->seed);
    sweep_buf_add(b, ",%s", r->state == SWEEP_OK ? "ok" : "failed");
    for (size_t i = 0; i < s->nparams; i++) {
        sweep_buf_addn(b, ",", 1);
        sweep_csv_field(b, sweep_point_value(s, p, s->params[i]));
    }
    for (size_t i = 0; i < s->nmetrics; i++) {
        sweep_buf_addn(b, ",", 1);
        if (r->state == SWEEP_OK && i < r->nmetric)
            sweep_csv_field(b, r->metric[i]);
    }
    sweep_buf_addn(b, ",", 1);
    if (r->state != SWEEP_OK)
        sweep_csv_field(b, r->error ? r->error : "");
    sweep_buf_addn(b, "\n", 1);
}

/* ---- reading a point's files --------------------------------------------- */

typedef struct status_ctx {
    char *status, *error, *seconds;
} status_ctx;

static void take(char **dst, const char *v)
{
    free(*dst);
    *dst = strdup(v);
}

static void status_leaf(const char *path, const char *value, void *ctx)
{
    status_ctx *c = ctx;
    if (!strcmp(path, "status"))
        take(&c->status, value);
    else if (!strcmp(path, "error"))
        take(&c->error, value);
    else if (!strcmp(path, "seconds"))
        take(&c->seconds, value);
}

typedef struct metric_ctx {
    const sweep_spec *s;
    sweep_result *r;
} metric_ctx;

static void metric_leaf(const char *path, const char *value, void *ctx)
{
    metric_ctx *c = ctx;
    for (size_t i = 0; i < c->s->nmetrics; i++)
        if (!strcmp(c->s->metrics[i].text, path))
            take(&c->r->metric[i], value);
}

int sweep_result_load(const char *dir, const sweep_spec *s, const sweep_point *p,
                      sweep_result *r, sim_err *e)
{
    memset(r, 0, sizeof *r);
    r->state = SWEEP_MISSING;
    char *sp = sweep_path(dir, "points", p->id);
    char *stp = sp ? sweep_path(sp, "status.json", NULL) : NULL;
    char *jp = sp ? sweep_path(sp, "stats.json", NULL) : NULL;
    r->metric = calloc(s->nmetrics + 1, sizeof *r->metric);
    r->nmetric = s->nmetrics;
    if (!sp || !stp || !jp || !r->metric) {
        free(sp), free(stp), free(jp);
        return sim_errf(e, "out of memory");
    }
    char *text = sweep_read_file(stp);
    status_ctx sc = {0};
    if (text && sweep_json_leaves(text, status_leaf, &sc) == 0 && sc.status) {
        r->seconds = sc.seconds ? strtod(sc.seconds, NULL) : 0;
        if (!strcmp(sc.status, "failed")) {
            r->state = SWEEP_FAILED;
            r->error = sc.error ? strdup(sc.error) : NULL;
        } else if (!strcmp(sc.status, "ok")) {
            char *stats = sweep_read_file(jp);
            metric_ctx mc = {s, r};
            if (stats && sweep_json_leaves(stats, metric_leaf, &mc) == 0)
                r->state = SWEEP_OK;
            free(stats);
        }
    }
    free(text);
    free(sc.status), free(sc.error), free(sc.seconds);
    free(sp), free(stp), free(jp);
    return 0;
}

void sweep_result_free(sweep_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; r->metric && i < r->nmetric; i++)
        free(r->metric[i]);
    free(r->metric);
    free(r->error);
    memset(r, 0, sizeof *r);
}

int sweep_result_load_all(const char *dir, const sweep_spec *s, const sweep_points *pts,
                          sweep_result **out, sim_err *e)
{
    *out = calloc(pts->n + 1, sizeof **out);
    if (!*out)
        return sim_errf(e, "out of memory");
    for (size_t i = 0; i < pts->n; i++)
        if (sweep_result_load(dir, s, &pts->p[i], &(*out)[i], e) != 0)
            return -1;
    return 0;
}

void sweep_result_free_all(sweep_result *r, size_t n)
{
    for (size_t i = 0; r && i < n; i++)
        sweep_result_free(&r[i]);
    free(r);
}
