/*
 * ops.c - registry of operation types and their cycle statistics (ops.h).
 * Invariant: for every op type, sum(part_total) == total.
 */
#include "ops.h"

#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

struct ops_reg {
    op_type *v;
    unsigned n, cap;
};

ops_reg *ops_create(void)
{
    return calloc(1, sizeof(ops_reg));
}

void ops_destroy(ops_reg *r)
{
    if (!r)
        return;
    for (unsigned i = 0; i < r->n; i++) {
        free(r->v[i].name);
        free(r->v[i].desc);
        for (unsigned p = 0; p < r->v[i].nparts; p++)
            free(r->v[i].part_name[p]);
        hist_free(&r->v[i].h);
    }
    free(r->v);
    free(r);
}

op_id ops_declare(ops_reg *r, const char *name, const char *desc, const char *parts)
{
    for (unsigned i = 0; i < r->n; i++)
        if (strcmp(r->v[i].name, name) == 0)
            return i;
    if (r->n == r->cap) {
        unsigned cap = r->cap ? 2 * r->cap : 16;
        op_type *v = realloc(r->v, cap * sizeof *v);
        assert(v);
        r->v = v;
        r->cap = cap;
    }
    op_type *t = &r->v[r->n];
    memset(t, 0, sizeof *t);
    t->name = strdup(name);
    t->desc = strdup(desc ? desc : "");
    hist_init(&t->h);
    const char *p = parts;
    while (p && *p) {
        const char *c = strchr(p, ',');
        size_t len = c ? (size_t)(c - p) : strlen(p);
        assert(t->nparts < OP_MAX_PARTS);
        t->part_name[t->nparts] = strndup(p, len);
        t->nparts++;
        p = c ? c + 1 : NULL;
    }
    assert(t->nparts > 0);
    return r->n++;
}

unsigned ops_part(const ops_reg *r, op_id id, const char *part)
{
    const op_type *t = &r->v[id];
    for (unsigned p = 0; p < t->nparts; p++)
        if (strcmp(t->part_name[p], part) == 0)
            return p;
    assert(!"ops_part: unknown part");
    return 0;
}

void ops_record(ops_reg *r, op_id id, const op_rec *o)
{
    assert(id < r->n);
    op_type *t = &r->v[id];
    uint64_t d = o->end - o->start, sum = 0;
    for (unsigned p = 0; p < OP_MAX_PARTS; p++) {
        assert(p < t->nparts || o->part[p] == 0);
        sum += o->part[p];
        t->part_total[p] += o->part[p];
    }
    assert(sum == d && "op record parts must sum to its duration");
    (void)sum;
    t->count++;
    t->total += d;
    hist_add(&t->h, d);
}

const op_type *ops_get(const ops_reg *r, op_id id)
{
    return id < r->n ? &r->v[id] : NULL;
}

const op_type *ops_find(const ops_reg *r, const char *name)
{
    for (unsigned i = 0; i < r->n; i++)
        if (strcmp(r->v[i].name, name) == 0)
            return &r->v[i];
    return NULL;
}

unsigned ops_count(const ops_reg *r)
{
    return r->n;
}

void ops_to_json(const ops_reg *r, jtree *j)
{
    char path[512];
    for (unsigned i = 0; i < r->n; i++) {
        const op_type *t = &r->v[i];
        snprintf(path, sizeof path, "ops.%s", t->name);
        hist_to_json(&t->h, j, path);
        snprintf(path, sizeof path, "ops.%s.total", t->name);
        jtree_set_u64(j, path, t->total);
        for (unsigned p = 0; p < t->nparts; p++) {
            snprintf(path, sizeof path, "ops.%s.breakdown.%s", t->name, t->part_name[p]);
            jtree_set_u64(j, path, t->part_total[p]);
        }
    }
}

void ops_print_table(const ops_reg *r, FILE *f)
{
    fprintf(f, "%-24s %10s %14s %10s %8s %8s %8s %8s %8s  %s\n", "operation", "count",
            "total", "mean", "min", "p50", "p90", "p99", "max", "breakdown (share of total)");
    for (unsigned i = 0; i < r->n; i++) {
        const op_type *t = &r->v[i];
        if (t->count == 0)
            continue;
        fprintf(f, "%-24s %10" PRIu64 " %14" PRIu64 " %10.1f %8" PRIu64 " %8" PRIu64 " %8" PRIu64
                   " %8" PRIu64 " %8" PRIu64 " ",
                t->name, t->count, t->total, hist_mean(&t->h), t->h.min, hist_pct(&t->h, 0.5),
                hist_pct(&t->h, 0.9), hist_pct(&t->h, 0.99), t->h.max);
        for (unsigned p = 0; p < t->nparts; p++) {
            if (t->part_total[p] == 0)
                continue;
            fprintf(f, " %s %.0f%%", t->part_name[p],
                    t->total ? 100.0 * (double)t->part_total[p] / (double)t->total : 0.0);
        }
        fputc('\n', f);
    }
}
