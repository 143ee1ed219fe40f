/*
 * sweep_yaml.c - the sweep-file reader's plumbing: reading the file,
 * parsing it with libfyaml (diagnostics collected, never printed), node
 * helpers with line numbers, and freeing / querying a sweep_spec.
 * A sweep file is one YAML document; its semantics are in sweep_spec.c.
 */
#include "sweep_spec_int.h"

#include <ctype.h>
#include <libfyaml.h>
#include "core/yaml_doc.h"
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int sweep_perr(const sweep_parser *P, int line, const char *fmt, ...)
{
    char msg[SIM_ERR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (line > 0)
        return sim_errf(P->e, "%s:%d: %s", P->file, line, msg);
    return sim_errf(P->e, "%s: %s", P->file, msg);
}

struct fy_node *sweep_deref(struct fy_node *n)
{
    if (n && fy_node_is_alias(n)) {
        struct fy_node *r = fy_node_resolve_alias(n);
        return r ? r : n;
    }
    return n;
}

int sweep_scalar(const sweep_parser *P, struct fy_node *n, int kline, const char *key,
                 const char *what, sweep_val *out)
{
    n = sweep_deref(n);
    int line = n && fy_node_is_scalar(n) && yaml_node_line(n) ? yaml_node_line(n) : kline;
    if (!n || !fy_node_is_scalar(n) || yaml_node_is_null(n))
        return sweep_perr(P, line, "%s: expected %s, got %s", key, what,
                          n && !yaml_node_is_null(n) ? yaml_node_kind(n) : "an empty value");
    const char *s = fy_node_get_scalar0(n);
    for (const char *c = s; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            return sweep_perr(P, line, "%s: control character in value; expected %s on one line",
                              key, what);
    out->text = strdup(s);
    out->line = line;
    return out->text ? 0 : sweep_perr(P, line, "out of memory");
}

int sweep_bool(const sweep_parser *P, struct fy_node *n, int kline, const char *key, bool *out)
{
    sweep_val v = {0};
    if (sweep_scalar(P, n, kline, key, "true or false", &v) != 0)
        return -1;
    int rc = 0;
    if (!strcmp(v.text, "true"))
        *out = true;
    else if (!strcmp(v.text, "false"))
        *out = false;
    else
        rc = sweep_perr(P, v.line, "%s: expected true or false, got '%s'", key, v.text);
    free(v.text);
    return rc;
}

bool sweep_word_ok(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
            return false;
    return true;
}

/* A dotted config path: letters, digits, '_', '-', '.', '[', ']'. */
bool sweep_cfg_path_ok(const char *s)
{
    if (!*s || *s == '.')
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("_-.[]", *s))
            return false;
    return true;
}

/* A non-empty sequence of scalars. */
int sweep_scalar_list(const sweep_parser *P, struct fy_node *n, int kline, const char *key,
                       const char *what, sweep_val **out, size_t *nout)
{
    n = sweep_deref(n);
    if (!n || !fy_node_is_sequence(n))
        return sweep_perr(P, n && yaml_node_line(n) ? yaml_node_line(n) : kline,
                          "%s: expected a non-empty list of %s, got %s", key, what,
                          yaml_node_is_null(n) ? "an empty value" : yaml_node_kind(n));
    size_t cnt = (size_t)fy_node_sequence_item_count(n);
    if (cnt == 0)
        return sweep_perr(P, kline, "%s: empty list; expected at least one of %s", key, what);
    *out = calloc(cnt, sizeof **out);
    if (!*out)
        return sweep_perr(P, kline, "out of memory");
    void *it = NULL;
    struct fy_node *item;
    while ((item = fy_node_sequence_iterate(n, &it)) != NULL) {
        if (sweep_scalar(P, item, kline, key, what, &(*out)[*nout]) != 0)
            return -1;
        ++*nout;
    }
    return 0;
}

/* qsort order of sweep_val pointers: by text, then by position in the list. */
static int val_order(const void *a, const void *b)
{
    const sweep_val *x = *(const sweep_val *const *)a, *y = *(const sweep_val *const *)b;
    int c = strcmp(x->text, y->text);
    return c ? c : (x > y) - (x < y);
}

/* Sort pointers to the values (n log n), then look at neighbours: in each
 * run of equal texts the first is the earliest occurrence and the second
 * the earliest repeat; the answer is the earliest repeat over all runs. */
long sweep_first_repeat(const sweep_val *v, size_t n, long *first)
{
    if (n < 2)
        return -1;
    const sweep_val **s = malloc(n * sizeof *s);
    if (!s)
        return -2;
    for (size_t i = 0; i < n; i++)
        s[i] = &v[i];
    qsort(s, n, sizeof *s, val_order);
    long rep = -1;
    for (size_t i = 1, run = 0; i < n; i++) {
        if (strcmp(s[i]->text, s[run]->text) != 0)
            run = i; /* a new run of equal texts starts */
        else if (i == run + 1 && (rep < 0 || s[i] - v < rep)) {
            rep = (long)(s[i] - v);
            *first = (long)(s[run] - v);
        }
    }
    free(s);
    return rep;
}

/* n must be a non-empty mapping. */
int sweep_map_check(const sweep_parser *P, struct fy_node *n, int kline, const char *key)
{
    if (!n || !fy_node_is_mapping(n))
        return sweep_perr(P, n && yaml_node_line(n) ? yaml_node_line(n) : kline,
                          "%s: expected a mapping, got %s", key,
                          yaml_node_is_null(n) ? "an empty value" : yaml_node_kind(n));
    if (fy_node_mapping_item_count(n) == 0)
        return sweep_perr(P, kline, "%s: empty mapping; expected at least one entry", key);
    return 0;
}

size_t sweep_mapping_list(const sweep_parser *P, struct fy_node *n, int kline, const char *key,
                          const char *what)
{
    n = sweep_deref(n);
    if (!n || !fy_node_is_sequence(n) || fy_node_sequence_item_count(n) == 0) {
        sweep_perr(P, kline, "%s: expected a non-empty list of mappings (%s), got %s", key, what,
                   n && fy_node_is_sequence(n) ? "an empty list" : yaml_node_kind(n));
        return 0;
    }
    return (size_t)fy_node_sequence_item_count(n);
}

int sweep_next_mapping(const sweep_parser *P, struct fy_node *n, void **it, int kline,
                       const char *key, const char *what, struct fy_node **item, int *line)
{
    struct fy_node *x = fy_node_sequence_iterate(sweep_deref(n), it);
    if (!x)
        return 0;
    x = sweep_deref(x);
    *line = yaml_node_line(x) ? yaml_node_line(x) : kline;
    if (!fy_node_is_mapping(x))
        return sweep_perr(P, *line, "%s: expected a mapping (%s), got %s", key, what,
                          yaml_node_kind(x));
    *item = x;
    return 1;
}

const char *sweep_key(const sweep_parser *P, struct fy_node_pair *p, int *line)
{
    struct fy_node *k = fy_node_pair_key(p);
    *line = yaml_node_line(k);
    if (!k || !fy_node_is_scalar(k) || yaml_node_is_null(k)) {
        sweep_perr(P, *line, "expected a plain key, got %s", k ? yaml_node_kind(k) : "an empty key");
        return NULL;
    }
    return fy_node_get_scalar0(k);
}

static int parse_text(const sweep_parser *P, sweep_spec *s, const char *text)
{
    yaml_doc *d = yaml_doc_parse(P->file, text, false, P->e);
    if (!d)
        return -1;
    int rc = sweep_spec_root(P, s, yaml_doc_root(d));
    yaml_doc_free(d);
    return rc;
}

int sweep_spec_load(sweep_spec *s, const char *path, sim_err *e)
{
    memset(s, 0, sizeof *s);
    sweep_parser P = {path, e};
    if (!(s->file = strdup(path)))
        return sweep_perr(&P, 0, "out of memory");
    char *text = yaml_read_text(path, e);
    if (!text)
        return -1;
    int rc = parse_text(&P, s, text);
    free(text);
    return rc;
}

static void free_vals(sweep_val *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i].text);
    free(v);
}

static void free_kvs(sweep_kv *kv, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(kv[i].path);
        free(kv[i].value);
    }
    free(kv);
}

void sweep_spec_free(sweep_spec *s)
{
    if (!s)
        return;
    free(s->file);
    free(s->base);
    free(s->base_text);
    free_kvs(s->sets, s->nsets);
    free_vals(s->seeds, s->nseeds);
    for (size_t g = 0; g < s->ngroups; g++) {
        for (size_t i = 0; i < s->groups[g].ndims; i++) {
            free(s->groups[g].dims[i].path);
            free_vals(s->groups[g].dims[i].v, s->groups[g].dims[i].n);
        }
        free(s->groups[g].dims);
        free(s->groups[g].base);
        free(s->groups[g].base_text);
        free_kvs(s->groups[g].sets, s->groups[g].nsets);
        free(s->groups[g].name);
    }
    free(s->groups);
    free_vals(s->metrics, s->nmetrics);
    for (size_t i = 0; i < s->nplots; i++) {
        sweep_plot *p = &s->plots[i];
        free(p->name), free(p->group), free(p->x), free(p->y), free(p->lines);
        free(p->title), free(p->xlabel), free(p->ylabel);
    }
    free(s->plots);
    for (size_t i = 0; i < s->nparams; i++)
        free(s->params[i]);
    free(s->params);
    memset(s, 0, sizeof *s);
}

long sweep_spec_group(const sweep_spec *s, const char *name)
{
    for (size_t g = 0; g < s->ngroups; g++)
        if (s->groups[g].name && !strcmp(s->groups[g].name, name))
            return (long)g;
    return -1;
}

const char *sweep_group_base(const sweep_spec *s, size_t g)
{
    return s->groups[g].base ? s->groups[g].base : s->base;
}

const char *sweep_group_base_text(const sweep_spec *s, size_t g)
{
    return s->groups[g].base ? s->groups[g].base_text : s->base_text;
}

int sweep_group_base_line(const sweep_spec *s, size_t g)
{
    return s->groups[g].base ? s->groups[g].base_line : s->base_line;
}

bool sweep_spec_is_param(const sweep_spec *s, const char *path)
{
    for (size_t i = 0; i < s->nparams; i++)
        if (!strcmp(s->params[i], path))
            return true;
    return false;
}

bool sweep_spec_is_metric(const sweep_spec *s, const char *path)
{
    for (size_t i = 0; i < s->nmetrics; i++)
        if (!strcmp(s->metrics[i].text, path))
            return true;
    return false;
}
