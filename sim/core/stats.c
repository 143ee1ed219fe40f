/*
 * stats.c - registry of declared statistics (see stats.h).
 * Registration order is dump order, so reports are deterministic.
 */
#include "stats.h"

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct stats_inst {
    char *prefix;
    const stat_table *t;
    const void *base;
    bool if_used;          /* dumped only once it has counted something */
} stats_inst;

struct stats_reg {
    stats_inst *v;
    size_t n, cap;
};

stats_reg *stats_create(void)
{
    return calloc(1, sizeof(stats_reg));
}

void stats_destroy(stats_reg *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++)
        free(r->v[i].prefix);
    free(r->v);
    free(r);
}

static int reg(stats_reg *r, const char *prefix, const stat_table *t, const void *base,
               bool if_used)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 32;
        stats_inst *v = realloc(r->v, cap * sizeof *v);
        if (!v)
            return -1;
        r->v = v;
        r->cap = cap;
    }
    char *p = strdup(prefix);
    if (!p)
        return -1;
    r->v[r->n++] = (stats_inst){p, t, base, if_used};
    return 0;
}

int stats_register(stats_reg *r, const char *prefix, const stat_table *t, const void *base)
{
    return reg(r, prefix, t, base, false);
}

int stats_register_if_used(stats_reg *r, const char *prefix, const stat_table *t,
                           const void *base)
{
    return reg(r, prefix, t, base, true);
}

/* Has the instance counted anything (a counter non-zero, a histogram
 * sample)? */
static bool used(const stats_inst *in)
{
    for (size_t k = 0; k < in->t->n; k++) {
        const stat_desc *d = &in->t->s[k];
        const char *field = (const char *)in->base + d->offset;
        uint64_t v = 0;
        if (d->kind == SK_COUNTER)
            memcpy(&v, field, sizeof v);
        else if (d->kind == SK_HIST)
            v = ((const hist *)(const void *)field)->count;
        if (v)
            return true;
    }
    return false;
}

/* "a.b" into dst (cap bytes), cut short as snprintf would: the report's
 * keys, built without printf's cost. */
static void key_join(char *dst, size_t cap, const char *a, const char *b)
{
    size_t n = 0;
    for (const char *s = a; *s && n + 1 < cap; s++)
        dst[n++] = *s;
    if (n + 1 < cap)
        dst[n++] = '.';
    for (const char *s = b; *s && n + 1 < cap; s++)
        dst[n++] = *s;
    dst[n] = '\0';
}

void hist_to_json(const hist *h, jtree *j, const char *path)
{
    char k[512];
    key_join(k, sizeof k, path, "count");
    jtree_set_u64(j, k, h->count);
    key_join(k, sizeof k, path, "min");
    jtree_set_u64(j, k, h->count ? h->min : 0);
    key_join(k, sizeof k, path, "mean");
    jtree_set_double(j, k, hist_mean(h));
    key_join(k, sizeof k, path, "p50");
    jtree_set_u64(j, k, hist_pct(h, 0.50));
    key_join(k, sizeof k, path, "p90");
    jtree_set_u64(j, k, hist_pct(h, 0.90));
    key_join(k, sizeof k, path, "p99");
    jtree_set_u64(j, k, hist_pct(h, 0.99));
    key_join(k, sizeof k, path, "max");
    jtree_set_u64(j, k, h->max);
}

void stats_to_json(const stats_reg *r, jtree *j)
{
    char path[512];
    for (size_t i = 0; i < r->n; i++) {
        const stats_inst *in = &r->v[i];
        if (in->if_used && !used(in))
            continue;
        for (size_t k = 0; k < in->t->n; k++) {
            const stat_desc *d = &in->t->s[k];
            key_join(path, sizeof path, in->prefix, d->name);
            const char *field = (const char *)in->base + d->offset;
            switch (d->kind) {
            case SK_COUNTER: {
                uint64_t v;
                memcpy(&v, field, sizeof v);
                jtree_set_u64(j, path, v);
                break;
            }
            case SK_HIST:
                hist_to_json((const hist *)(const void *)field, j, path);
                break;
            case SK_DERIVED:
                jtree_set_double(j, path, d->derive(in->base));
                break;
            }
        }
    }
}

void stat_table_print(FILE *f, const stat_table *t, const char *prefix)
{
    static const char *const kind[] = {"counter", "histogram", "derived"};
    for (size_t k = 0; k < t->n; k++) {
        const stat_desc *d = &t->s[k];
        fprintf(f, "%s.%s  (%s, %s)\n    %s\n", prefix ? prefix : t->name, d->name,
                kind[d->kind], d->unit, d->desc);
    }
}

int stats_get_counter(const stats_reg *r, const char *name, uint64_t *out)
{
    for (size_t i = 0; i < r->n; i++) {
        const stats_inst *in = &r->v[i];
        size_t pl = strlen(in->prefix);
        if (strncmp(name, in->prefix, pl) != 0 || name[pl] != '.')
            continue;
        for (size_t k = 0; k < in->t->n; k++) {
            const stat_desc *d = &in->t->s[k];
            if (d->kind == SK_COUNTER && strcmp(name + pl + 1, d->name) == 0) {
                memcpy(out, (const char *)in->base + d->offset, sizeof *out);
                return 0;
            }
        }
    }
    return -1;
}

void stats_reset(stats_reg *r)
{
    for (size_t i = 0; i < r->n; i++) {
        const stats_inst *in = &r->v[i];
        /* the base is the component's own (writable) statistics struct,
         * registered read-only for dumping */
        char *base = (char *)(uintptr_t)in->base;
        for (size_t k = 0; k < in->t->n; k++) {
            const stat_desc *d = &in->t->s[k];
            if (d->kind == SK_COUNTER)
                memset(base + d->offset, 0, sizeof(uint64_t));
            else if (d->kind == SK_HIST)
                hist_reset((hist *)(void *)(base + d->offset));
        }
    }
}

struct stats_snap {
    size_t ninst;  /* instances registered when taken */
    size_t nval;
    uint64_t *ctr; /* counters, in registration and table order */
    hist *h;       /* histograms, likewise */
    size_t nh;
};

void stats_snap_free(stats_snap *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nh; i++)
        hist_free(&s->h[i]);
    free(s->h);
    free(s->ctr);
    free(s);
}

stats_snap *stats_snap_take(const stats_reg *r)
{
    stats_snap *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    size_t nc = 0, nh = 0;
    for (size_t i = 0; i < r->n; i++)
        for (size_t k = 0; k < r->v[i].t->n; k++) {
            nc += r->v[i].t->s[k].kind == SK_COUNTER;
            nh += r->v[i].t->s[k].kind == SK_HIST;
        }
    s->ninst = r->n;
    s->ctr = calloc(nc ? nc : 1, sizeof *s->ctr);
    s->h = calloc(nh ? nh : 1, sizeof *s->h);
    if (!s->ctr || !s->h) {
        stats_snap_free(s);
        return NULL;
    }
    for (size_t i = 0; i < r->n; i++) {
        const stats_inst *in = &r->v[i];
        for (size_t k = 0; k < in->t->n; k++) {
            const stat_desc *d = &in->t->s[k];
            const char *field = (const char *)in->base + d->offset;
            if (d->kind == SK_COUNTER)
                memcpy(&s->ctr[s->nval++], field, sizeof(uint64_t));
            else if (d->kind == SK_HIST) {
                hist_init(&s->h[s->nh]);
                if (hist_merge(&s->h[s->nh++], (const hist *)(const void *)field) != 0) {
                    stats_snap_free(s);
                    return NULL;
                }
            }
        }
    }
    return s;
}

int stats_snap_delta_json(const stats_reg *r, const stats_snap *s, jtree *j, const char *prefix)
{
    char path[512];
    size_t ci = 0, hi = 0;
    hist d;
    hist_init(&d);
    for (size_t i = 0; i < s->ninst && i < r->n; i++) {
        const stats_inst *in = &r->v[i];
        bool w = !in->if_used || used(in); /* as stats_to_json */
        for (size_t k = 0; k < in->t->n; k++) {
            const stat_desc *sd = &in->t->s[k];
            if (!w) {
                ci += sd->kind == SK_COUNTER;
                hi += sd->kind == SK_HIST;
                continue;
            }
            key_join(path, sizeof path, prefix, in->prefix);
            size_t l = strlen(path);
            key_join(path + l, sizeof path - l, "", sd->name); /* ".name" */
            const char *field = (const char *)in->base + sd->offset;
            if (sd->kind == SK_COUNTER) {
                uint64_t v;
                memcpy(&v, field, sizeof v);
                jtree_set_u64(j, path, v - s->ctr[ci++]);
            } else if (sd->kind == SK_HIST) {
                if (hist_sub(&d, (const hist *)(const void *)field, &s->h[hi++]) != 0) {
                    hist_free(&d);
                    return -1;
                }
                hist_to_json(&d, j, path);
            }
        }
    }
    hist_free(&d);
    return 0;
}
