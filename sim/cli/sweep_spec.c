/*
 * sweep_spec.c - the meaning of a sweep file's keys: base, set, seeds,
 * groups (or top-level grid/zip as group "main"), metrics, plots (in
 * sweep_spec_plot.c). Every error is one line "FILE:LINE: what; expected".
 * Invariants after a successful load: every list is non-empty where given,
 * zip lists of a group have equal lengths, no path is varied twice in a
 * group or both varied and in `set:`, group and plot names are unique
 * [A-Za-z0-9_-] words, seeds are distinct decimal integers. Repeated
 * seeds and metrics are found by sorting (n log n: a sweep may list 10^5
 * seeds and more). A group may have its own base: (resolved like the
 * top-level one) and set: (applied after the top-level set:); the
 * top-level base: may be left out only when every group has its own.
 * Plot checks live in sweep_spec_plot.c. The base configs themselves are
 * checked when the points are expanded (sweep_points.c).
 */
#include "sweep_spec_int.h"

#include <libfyaml.h>
#include <stdlib.h>
#include <string.h>

#include "machine/platform.h"

/* A `set:` mapping (top level or a group's) into *out. */
static int load_sets(const sweep_parser *P, sweep_kv **out, size_t *nout, struct fy_node *n,
                     int kline)
{
    n = sweep_deref(n);
    if (sweep_map_check(P, n, kline, "set") != 0)
        return -1;
    *out = calloc((size_t)fy_node_mapping_item_count(n), sizeof **out);
    if (!*out)
        return sweep_perr(P, kline, "out of memory");
    void *it = NULL;
    struct fy_node_pair *p;
    while ((p = fy_node_mapping_iterate(n, &it)) != NULL) {
        int line;
        const char *k = sweep_key(P, p, &line);
        if (!k)
            return -1;
        if (!sweep_cfg_path_ok(k))
            return sweep_perr(P, line, "set: '%s': expected a dotted config path like "
                              "lpars[0].memory", k);
        sweep_val v = {0};
        if (sweep_scalar(P, fy_node_pair_value(p), line, k, "a value", &v) != 0)
            return -1;
        sweep_kv *kv = &(*out)[(*nout)++];
        kv->value = v.text;
        kv->line = line;
        if (!(kv->path = strdup(k)))
            return sweep_perr(P, line, "out of memory");
    }
    return 0;
}

/* grid: or zip: of one group - a mapping of config path -> list of values. */
static int load_dims(const sweep_parser *P, sweep_group *g, struct fy_node *n, int kline,
                     bool zip)
{
    const char *what = zip ? "zip" : "grid";
    n = sweep_deref(n);
    if (sweep_map_check(P, n, kline, what) != 0)
        return -1;
    size_t add = (size_t)fy_node_mapping_item_count(n);
    sweep_dim *d = realloc(g->dims, (g->ndims + add) * sizeof *d);
    if (!d)
        return sweep_perr(P, kline, "out of memory");
    g->dims = d;
    void *it = NULL;
    struct fy_node_pair *p;
    size_t zip_len = 0;
    int zip_line = 0;
    while ((p = fy_node_mapping_iterate(n, &it)) != NULL) {
        int line;
        const char *k = sweep_key(P, p, &line);
        if (!k)
            return -1;
        if (!sweep_cfg_path_ok(k))
            return sweep_perr(P, line, "%s: '%s': expected a dotted config path like "
                              "lpars[0].memory", what, k);
        for (size_t i = 0; i < g->ndims; i++)
            if (!strcmp(g->dims[i].path, k))
                return sweep_perr(P, line, "%s: varied twice in group '%s' (first at line %d); "
                                  "expected each path once", k, g->name, g->dims[i].line);
        sweep_dim *x = &g->dims[g->ndims];
        memset(x, 0, sizeof *x);
        x->line = line;
        x->zip = zip;
        if (!(x->path = strdup(k)))
            return sweep_perr(P, line, "out of memory");
        g->ndims++;
        if (sweep_scalar_list(P, fy_node_pair_value(p), line, k, "values", &x->v, &x->n) != 0)
            return -1;
        if (zip && zip_len && x->n != zip_len)
            return sweep_perr(P, line, "zip: %s has %zu values but the zip list at line %d has "
                              "%zu; expected lists of equal length", k, x->n, zip_line, zip_len);
        if (zip && !zip_len) {
            zip_len = x->n;
            zip_line = line;
        }
    }
    return 0;
}

/* Load a group's grid: and zip: (either may be absent) and count its points. */
static int fill_group(const sweep_parser *P, sweep_group *g, struct fy_node *grid, int gl,
                      struct fy_node *zip, int zl)
{
    if (gl && load_dims(P, g, grid, gl, false) != 0)
        return -1;
    if (zl && load_dims(P, g, zip, zl, true) != 0)
        return -1;
    g->ncombos = 1;
    size_t zlen = 0;
    for (size_t i = 0; i < g->ndims; i++) {
        if (g->dims[i].zip)
            zlen = g->dims[i].n;
        else if (g->ncombos > (size_t)1000000 / g->dims[i].n)
            return sweep_perr(P, g->dims[i].line, "group '%s' has over a million points; "
                              "expected a smaller grid", g->name);
        else
            g->ncombos *= g->dims[i].n;
    }
    if (zlen)
        g->ncombos *= zlen;
    return 0;
}

static int set_base(const sweep_parser *P, const sweep_spec *s, const sweep_val *v, char **out,
                    int *out_line);

/* base: FILE into *out (resolved against the sweep file's directory) and
 * *text (as written). */
static int load_base(const sweep_parser *P, const sweep_spec *s, struct fy_node *v, int kl,
                     char **out, char **text, int *out_line)
{
    sweep_val b = {0};
    int rc = sweep_scalar(P, v, kl, "base", "the base config file", &b);
    if (!rc)
        rc = set_base(P, s, &b, out, out_line);
    free(*text);
    *text = b.text;
    return rc;
}

static int load_group(const sweep_parser *P, sweep_spec *s, struct fy_node *n, int line,
                      const char *name)
{
    sweep_group *g = &s->groups[s->ngroups++];
    g->line = line;
    if (!(g->name = strdup(name)))
        return sweep_perr(P, line, "out of memory");
    struct fy_node *grid = NULL, *zip = NULL;
    int gl = 0, zl = 0;
    void *it = NULL;
    struct fy_node_pair *p;
    while (n && (p = fy_node_mapping_iterate(n, &it)) != NULL) {
        int kl;
        const char *k = sweep_key(P, p, &kl);
        if (!k)
            return -1;
        if (!strcmp(k, "name"))
            continue;
        if (!strcmp(k, "grid")) {
            grid = fy_node_pair_value(p);
            gl = kl;
        } else if (!strcmp(k, "zip")) {
            zip = fy_node_pair_value(p);
            zl = kl;
        } else if (!strcmp(k, "base")) {
            if (load_base(P, s, fy_node_pair_value(p), kl, &g->base, &g->base_text,
                          &g->base_line) != 0)
                return -1;
            s->group_bases = true;
        } else if (!strcmp(k, "set")) {
            if (load_sets(P, &g->sets, &g->nsets, fy_node_pair_value(p), kl) != 0)
                return -1;
        } else {
            return sweep_perr(P, kl, "groups: unknown key '%s'; expected name, base, set, grid "
                              "or zip", k);
        }
    }
    return fill_group(P, g, grid, gl, zip, zl);
}

static int load_groups(const sweep_parser *P, sweep_spec *s, struct fy_node *n, int kline)
{
    static const char what[] = "name, base, set, grid, zip";
    size_t count = sweep_mapping_list(P, n, kline, "groups", what);
    if (!count)
        return -1;
    s->groups = calloc(count, sizeof *s->groups);
    if (!s->groups)
        return sweep_perr(P, kline, "out of memory");
    void *it = NULL;
    struct fy_node *item;
    int line, more;
    while ((more = sweep_next_mapping(P, n, &it, kline, "groups", what, &item, &line)) > 0) {
        struct fy_node *nm = fy_node_mapping_lookup_by_string(item, "name", FY_NT);
        if (!nm)
            return sweep_perr(P, line, "groups: a group without 'name'; expected name: WORD");
        sweep_val v = {0};
        if (sweep_scalar(P, nm, line, "name", "a group name", &v) != 0)
            return -1;
        int bad = !sweep_word_ok(v.text)
                      ? sweep_perr(P, v.line, "name: '%s'; expected letters, digits, '_' and "
                                   "'-' only", v.text)
                      : sweep_spec_group(s, v.text) >= 0
                      ? sweep_perr(P, v.line, "name: group '%s' given twice; expected unique "
                                   "names", v.text)
                      : load_group(P, s, item, v.line, v.text);
        free(v.text);
        if (bad)
            return -1;
    }
    return more;
}

static int load_seeds(const sweep_parser *P, sweep_spec *s, struct fy_node *n, int kline)
{
    if (sweep_scalar_list(P, n, kline, "seeds", "seeds (non-negative integers)", &s->seeds,
                    &s->nseeds) != 0)
        return -1;
    long first, rep = sweep_first_repeat(s->seeds, s->nseeds, &first);
    if (rep == -2)
        return sweep_perr(P, kline, "out of memory");
    for (size_t i = 0; i < s->nseeds; i++) {
        const char *t = s->seeds[i].text;
        if (strspn(t, "0123456789") != strlen(t) || strlen(t) > 19 || (t[0] == '0' && t[1]))
            return sweep_perr(P, s->seeds[i].line, "seeds: '%s'; expected a non-negative "
                              "decimal integer", t);
        if ((long)i == rep)
            return sweep_perr(P, s->seeds[i].line, "seeds: %s given twice; expected "
                              "distinct seeds", t);
    }
    return 0;
}

/* machine.seed in a set: list while seeds: is given. */
static int seed_clash(const sweep_parser *P, const sweep_spec *s, const sweep_kv *kv, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (s->nseeds && !strcmp(kv[k].path, "machine.seed"))
            return sweep_perr(P, kv[k].line, "machine.seed: fixed by set: and varied by "
                              "seeds:; expected one or the other");
    return 0;
}

/* A varied path also in a set: list (top level or the group's). */
static int set_clash(const sweep_parser *P, const sweep_dim *d, const sweep_kv *kv, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (!strcmp(kv[k].path, d->path))
            return sweep_perr(P, d->line, "%s: varied here and fixed by set: at line %d; "
                              "expected one or the other", d->path, kv[k].line);
    return 0;
}

/* Union of varied paths; cross-checks with set: (top level and the
 * group's) and seeds:. */
static int collect_params(const sweep_parser *P, sweep_spec *s)
{
    for (size_t g = 0; g < s->ngroups; g++)
        for (size_t i = 0; i < s->groups[g].ndims; i++) {
            const sweep_dim *d = &s->groups[g].dims[i];
            if (set_clash(P, d, s->sets, s->nsets) != 0 ||
                set_clash(P, d, s->groups[g].sets, s->groups[g].nsets) != 0)
                return -1;
            if (s->nseeds && !strcmp(d->path, "machine.seed"))
                return sweep_perr(P, d->line, "machine.seed: varied here and by seeds:; "
                                  "expected one or the other");
            if (sweep_spec_is_param(s, d->path))
                continue;
            char **np = realloc(s->params, (s->nparams + 1) * sizeof *np);
            if (!np)
                return sweep_perr(P, d->line, "out of memory");
            s->params = np;
            if (!(np[s->nparams] = strdup(d->path)))
                return sweep_perr(P, d->line, "out of memory");
            s->nparams++;
        }
    for (size_t g = 0; g < s->ngroups; g++)
        if (seed_clash(P, s, s->groups[g].sets, s->groups[g].nsets) != 0)
            return -1;
    return seed_clash(P, s, s->sets, s->nsets);
}

/* Resolve base against the sweep file's directory into *out. */
static int set_base(const sweep_parser *P, const sweep_spec *s, const sweep_val *v, char **out,
                    int *out_line)
{
    const char *slash = strrchr(s->file, '/');
    char *b;
    if (v->text[0] == '/' || !slash) {
        b = strdup(v->text);
    } else {
        size_t dl = (size_t)(slash - s->file) + 1;
        b = malloc(dl + strlen(v->text) + 1);
        if (b) {
            memcpy(b, s->file, dl);
            strcpy(b + dl, v->text);
        }
    }
    free(*out);
    *out = b;
    *out_line = v->line;
    if (!b)
        return sweep_perr(P, v->line, "out of memory");
    if (platform_file_detect(b))
        return sweep_perr(P, v->line, "base: '%s' is a platform file; expected a machine config "
                          "(sweeps vary one machine; run a platform with lparsim run)", v->text);
    return 0;
}

int sweep_spec_root(const sweep_parser *P, sweep_spec *s, struct fy_node *root)
{
    root = sweep_deref(root);
    if (!root || yaml_node_is_null(root) || !fy_node_is_mapping(root))
        return sweep_perr(P, yaml_node_line(root), "expected a mapping with keys base, set, "
                          "seeds, groups, grid, zip, metrics, plots; got %s",
                          yaml_node_is_null(root) ? "an empty file" : yaml_node_kind(root));
    struct fy_node *grid = NULL, *zip = NULL, *groups = NULL, *plots = NULL;
    int gl = 0, zl = 0, grl = 0, pl = 0;
    void *it = NULL;
    struct fy_node_pair *p;
    while ((p = fy_node_mapping_iterate(root, &it)) != NULL) {
        int kl, rc = 0;
        const char *k = sweep_key(P, p, &kl);
        struct fy_node *v = fy_node_pair_value(p);
        if (!k)
            return -1;
        if (!strcmp(k, "base")) {
            rc = load_base(P, s, v, kl, &s->base, &s->base_text, &s->base_line);
        } else if (!strcmp(k, "set")) {
            rc = load_sets(P, &s->sets, &s->nsets, v, kl);
        } else if (!strcmp(k, "seeds")) {
            rc = load_seeds(P, s, v, kl);
        } else if (!strcmp(k, "metrics")) {
            rc = sweep_scalar_list(P, v, kl, "metrics", "JSON paths", &s->metrics, &s->nmetrics);
            long first = 0, rep = rc ? -1 : sweep_first_repeat(s->metrics, s->nmetrics, &first);
            if (rep == -2)
                rc = sweep_perr(P, kl, "out of memory");
            for (size_t i = 0; !rc && i < s->nmetrics; i++) {
                const sweep_val *m = &s->metrics[i];
                if (strpbrk(m->text, " \t,\"") || m->text[0] == '.')
                    rc = sweep_perr(P, m->line, "metrics: '%s'; expected a dotted JSON path "
                                    "like ops.tlb.miss.mean", m->text);
                else if ((long)i == rep)
                    rc = sweep_perr(P, m->line, "metrics: '%s' given twice (line %d); "
                                    "expected each metric once", m->text,
                                    s->metrics[first].line);
            }
        } else if (!strcmp(k, "groups")) {
            groups = v, grl = kl;
        } else if (!strcmp(k, "grid")) {
            grid = v, gl = kl;
        } else if (!strcmp(k, "zip")) {
            zip = v, zl = kl;
        } else if (!strcmp(k, "plots")) {
            plots = v, pl = kl;
        } else {
            rc = sweep_perr(P, kl, "unknown key '%s'; expected base, set, seeds, groups, grid, "
                            "zip, metrics or plots", k);
        }
        if (rc)
            return -1;
    }
    if (!s->base && !grl)
        return sweep_perr(P, yaml_node_line(root), "no 'base'; expected base: CONFIG.yaml");
    if (grl && (gl || zl))
        return sweep_perr(P, gl ? gl : zl, "%s: at the top level together with groups: (line "
                          "%d); expected grid/zip inside each group", gl ? "grid" : "zip", grl);
    if (grl) {
        if (load_groups(P, s, groups, grl) != 0)
            return -1;
        for (size_t g = 0; g < s->ngroups && !s->base; g++)
            if (!s->groups[g].base)
                return sweep_perr(P, s->groups[g].line, "group '%s' has no base and there is no "
                                  "top-level base; expected base: CONFIG.yaml at the top level "
                                  "or in every group", s->groups[g].name);
    } else {
        s->groups = calloc(1, sizeof *s->groups);
        if (!s->groups)
            return sweep_perr(P, 0, "out of memory");
        sweep_group *g = &s->groups[s->ngroups++];
        if (!(g->name = strdup("main")))
            return sweep_perr(P, 0, "out of memory");
        g->line = gl ? gl : zl ? zl : s->base_line;
        if (fill_group(P, g, grid, gl, zip, zl) != 0)
            return -1;
    }
    if (collect_params(P, s) != 0)
        return -1;
    return pl ? sweep_load_plots(P, s, plots, pl) : 0;
}
