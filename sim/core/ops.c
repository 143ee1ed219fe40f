/*
 * ops.c - registry of operation types and their cycle statistics (ops.h).
 * Invariant: for every op type, sum(part_total) == total.
 */
#include "ops.h"

#include <assert.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

struct ops_reg {
    op_type *v;
    unsigned n, cap;
};

static void type_free(op_type *t)
{
    free(t->name);
    free(t->desc);
    for (unsigned p = 0; p < t->nparts; p++)
        free(t->part_name[p]);
    hist_free(&t->h);
}

ops_reg *ops_create(void)
{
    return calloc(1, sizeof(ops_reg));
}

void ops_destroy(ops_reg *r)
{
    if (!r)
        return;
    for (unsigned i = 0; i < r->n; i++)
        type_free(&r->v[i]);
    free(r->v);
    free(r);
}

/* Split parts ("a,b,c") into t's part names. 0, or -1 if the list is empty,
 * too long, has an empty or repeated name, or memory ran out (names already
 * copied stay in t for the caller to free). */
static int split_parts(op_type *t, const char *parts)
{
    const char *p = parts ? parts : "";
    do {
        const char *c = strchr(p, ',');
        size_t len = c ? (size_t)(c - p) : strlen(p);
        if (len == 0 || t->nparts == OP_MAX_PARTS)
            return -1;
        for (unsigned i = 0; i < t->nparts; i++)
            if (strlen(t->part_name[i]) == len && !strncmp(t->part_name[i], p, len))
                return -1;
        if (!(t->part_name[t->nparts] = strndup(p, len)))
            return -1;
        t->nparts++;
        p = c ? c + 1 : NULL;
    } while (p);
    return 0;
}

/* Same desc and same parts, in order. */
static bool type_matches(const op_type *a, const op_type *b)
{
    if (strcmp(a->desc, b->desc) != 0 || a->nparts != b->nparts)
        return false;
    for (unsigned p = 0; p < a->nparts; p++)
        if (strcmp(a->part_name[p], b->part_name[p]) != 0)
            return false;
    return true;
}

op_id ops_declare(ops_reg *r, const char *name, const char *desc, const char *parts)
{
    op_type t;
    memset(&t, 0, sizeof t);
    hist_init(&t.h);
    t.name = strdup(name);
    t.desc = strdup(desc ? desc : "");
    if (!t.name || !t.desc || split_parts(&t, parts) != 0)
        goto refused;
    for (unsigned i = 0; i < r->n; i++)
        if (strcmp(r->v[i].name, name) == 0) {
            bool same = type_matches(&r->v[i], &t);
            type_free(&t);
            return same ? i : OP_INVALID;
        }
    if (r->n == r->cap) {
        unsigned cap = r->cap ? 2 * r->cap : 16;
        op_type *v = realloc(r->v, cap * sizeof *v);
        if (!v)
            goto refused;
        r->v = v;
        r->cap = cap;
    }
    r->v[r->n] = t;
    return r->n++;
refused:
    type_free(&t);
    return OP_INVALID;
}

void ops_report_if_used(ops_reg *r, op_id id)
{
    if (id < r->n)
        r->v[id].if_used = true;
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
    assert(id < r->n); /* never OP_INVALID: ops_declare's callers check */
    if (id >= r->n)
        return;
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
        if (t->if_used && !t->count)
            continue;
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

void ops_reset(ops_reg *r)
{
    for (unsigned i = 0; i < r->n; i++) {
        op_type *t = &r->v[i];
        t->count = t->total = 0;
        memset(t->part_total, 0, sizeof t->part_total);
        hist_reset(&t->h);
    }
}

struct ops_snap {
    unsigned n;    /* op types declared when taken */
    op_type *v;    /* count, total, part_total and h of each */
};

void ops_snap_free(ops_snap *s)
{
    if (!s)
        return;
    for (unsigned i = 0; i < s->n; i++)
        hist_free(&s->v[i].h);
    free(s->v);
    free(s);
}

ops_snap *ops_snap_take(const ops_reg *r)
{
    ops_snap *s = calloc(1, sizeof *s);
    if (!s || !(s->v = calloc(r->n ? r->n : 1, sizeof *s->v))) {
        free(s);
        return NULL;
    }
    for (unsigned i = 0; i < r->n; i++) {
        op_type *c = &s->v[i];
        s->n = i + 1;
        c->count = r->v[i].count;
        c->total = r->v[i].total;
        memcpy(c->part_total, r->v[i].part_total, sizeof c->part_total);
        hist_init(&c->h);
        if (hist_merge(&c->h, &r->v[i].h) != 0) {
            ops_snap_free(s);
            return NULL;
        }
    }
    return s;
}

int ops_snap_delta_json(const ops_reg *r, const ops_snap *s, jtree *j, const char *prefix)
{
    char path[512];
    hist d;
    hist_init(&d);
    for (unsigned i = 0; i < r->n; i++) {
        const op_type *t = &r->v[i];
        const op_type *was = i < s->n ? &s->v[i] : NULL; /* declared since: all new */
        uint64_t n = t->count - (was ? was->count : 0);
        if (t->if_used && !n)
            continue;
        hist empty;
        hist_init(&empty);
        if (hist_sub(&d, &t->h, was ? &was->h : &empty) != 0) {
            hist_free(&d);
            return -1;
        }
        snprintf(path, sizeof path, "%s.ops.%s", prefix, t->name);
        hist_to_json(&d, j, path);
        snprintf(path, sizeof path, "%s.ops.%s.total", prefix, t->name);
        jtree_set_u64(j, path, t->total - (was ? was->total : 0));
        for (unsigned p = 0; p < t->nparts; p++) {
            snprintf(path, sizeof path, "%s.ops.%s.breakdown.%s", prefix, t->name,
                     t->part_name[p]);
            jtree_set_u64(j, path, t->part_total[p] - (was ? was->part_total[p] : 0));
        }
    }
    hist_free(&d);
    return 0;
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
