/*
 * sweep_yaml.c - the sweep-file reader's plumbing: reading the file,
 * parsing it with libfyaml (diagnostics collected, never printed), node
 * helpers with line numbers, and freeing / querying a sweep_spec.
 * A sweep file is one YAML document; its semantics are in sweep_spec.c.
 */
#include "sweep_spec_int.h"

#include <ctype.h>
#include <libfyaml.h>
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

int sweep_node_line(struct fy_node *n)
{
    if (!n)
        return 0;
    if (fy_node_is_scalar(n) || fy_node_is_alias(n)) {
        struct fy_token *t = fy_node_get_scalar_token(n);
        const struct fy_mark *m = t ? fy_token_start_mark(t) : NULL;
        return m ? m->line + 1 : 0;
    }
    void *it = NULL;
    if (fy_node_is_mapping(n)) {
        struct fy_node_pair *p = fy_node_mapping_iterate(n, &it);
        return p ? sweep_node_line(fy_node_pair_key(p)) : 0;
    }
    return sweep_node_line(fy_node_sequence_iterate(n, &it));
}

const char *sweep_kind(struct fy_node *n)
{
    return !n ? "nothing" : fy_node_is_mapping(n) ? "a mapping"
                          : fy_node_is_sequence(n) ? "a sequence" : "a scalar";
}

struct fy_node *sweep_deref(struct fy_node *n)
{
    if (n && fy_node_is_alias(n)) {
        struct fy_node *r = fy_node_resolve_alias(n);
        return r ? r : n;
    }
    return n;
}

bool sweep_is_null(struct fy_node *n)
{
    if (!n)
        return true;
    if (!fy_node_is_scalar(n) || fy_node_get_style(n) != FYNS_PLAIN)
        return false;
    const char *s = fy_node_get_scalar0(n);
    return !s || !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
           !strcmp(s, "NULL");
}

int sweep_scalar(const sweep_parser *P, struct fy_node *n, int kline, const char *key,
                 const char *what, sweep_val *out)
{
    n = sweep_deref(n);
    int line = n && fy_node_is_scalar(n) && sweep_node_line(n) ? sweep_node_line(n) : kline;
    if (!n || !fy_node_is_scalar(n) || sweep_is_null(n))
        return sweep_perr(P, line, "%s: expected %s, got %s", key, what,
                          n && !sweep_is_null(n) ? sweep_kind(n) : "an empty value");
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
        return sweep_perr(P, n && sweep_node_line(n) ? sweep_node_line(n) : kline,
                          "%s: expected a non-empty list of %s, got %s", key, what,
                          sweep_is_null(n) ? "an empty value" : sweep_kind(n));
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

/* n must be a non-empty mapping. */
int sweep_map_check(const sweep_parser *P, struct fy_node *n, int kline, const char *key)
{
    if (!n || !fy_node_is_mapping(n))
        return sweep_perr(P, n && sweep_node_line(n) ? sweep_node_line(n) : kline,
                          "%s: expected a mapping, got %s", key,
                          sweep_is_null(n) ? "an empty value" : sweep_kind(n));
    if (fy_node_mapping_item_count(n) == 0)
        return sweep_perr(P, kline, "%s: empty mapping; expected at least one entry", key);
    return 0;
}

const char *sweep_key(const sweep_parser *P, struct fy_node_pair *p, int *line)
{
    struct fy_node *k = fy_node_pair_key(p);
    *line = sweep_node_line(k);
    if (!k || !fy_node_is_scalar(k) || sweep_is_null(k)) {
        sweep_perr(P, *line, "expected a plain key, got %s", k ? sweep_kind(k) : "an empty key");
        return NULL;
    }
    return fy_node_get_scalar0(k);
}

typedef struct diag_sink {
    char first[256]; /* first line libfyaml wanted to print, as a fallback */
} diag_sink;

static void diag_out(struct fy_diag *diag, void *user, const char *buf, size_t len)
{
    (void)diag;
    diag_sink *d = user;
    if (!d->first[0])
        snprintf(d->first, sizeof d->first, "%.*s", (int)len, buf);
}

static int parse_text(const sweep_parser *P, sweep_spec *s, const char *text)
{
    diag_sink sink = {{0}};
    struct fy_diag_cfg dc;
    fy_diag_cfg_default(&dc);
    dc.fp = NULL;
    dc.output_fn = diag_out;
    dc.user = &sink;
    dc.colorize = false;
    struct fy_diag *diag = fy_diag_create(&dc);
    if (!diag)
        return sweep_perr(P, 0, "out of memory");
    fy_diag_set_collect_errors(diag, true);
    struct fy_parse_cfg pc = {0};
    pc.flags = FYPCF_QUIET;
    pc.diag = diag;
    struct fy_parser *fyp = fy_parser_create(&pc);
    if (!fyp || fy_parser_set_string(fyp, text, strlen(text)) != 0) {
        if (fyp)
            fy_parser_destroy(fyp);
        fy_diag_destroy(diag);
        return sweep_perr(P, 0, "out of memory");
    }
    struct fy_document *doc = fy_parse_load_document(fyp);
    struct fy_document *doc2 = doc ? fy_parse_load_document(fyp) : NULL;
    int rc;
    if (fy_parser_get_stream_error(fyp)) {
        void *it = NULL;
        struct fy_diag_error *de = fy_diag_errors_iterate(diag, &it);
        const char *msg = de ? de->msg : sink.first[0] ? sink.first : "unknown";
        rc = strstr(msg, "duplicate key")
                 ? sweep_perr(P, de ? de->line : 0, "duplicate key; expected each key (and each "
                              "varied path) once per mapping")
                 : sweep_perr(P, de ? de->line : 0, "YAML syntax error: %s; expected valid YAML",
                              msg);
    } else if (doc2) {
        rc = sweep_perr(P, sweep_node_line(fy_document_root(doc2)),
                        "a second YAML document; expected one document per file");
    } else {
        rc = sweep_spec_root(P, s, doc ? fy_document_root(doc) : NULL);
    }
    if (doc2)
        fy_parse_document_destroy(fyp, doc2);
    if (doc)
        fy_parse_document_destroy(fyp, doc);
    fy_parser_destroy(fyp);
    fy_diag_destroy(diag);
    return rc;
}

int sweep_spec_load(sweep_spec *s, const char *path, sim_err *e)
{
    memset(s, 0, sizeof *s);
    sweep_parser P = {path, e};
    if (!(s->file = strdup(path)))
        return sweep_perr(&P, 0, "out of memory");
    char *text = sweep_read_file(path);
    if (!text)
        return sweep_perr(&P, 0, "cannot read the sweep file; expected a readable YAML file");
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

void sweep_spec_free(sweep_spec *s)
{
    if (!s)
        return;
    free(s->file);
    free(s->base);
    for (size_t i = 0; i < s->nsets; i++) {
        free(s->sets[i].path);
        free(s->sets[i].value);
    }
    free(s->sets);
    free_vals(s->seeds, s->nseeds);
    for (size_t g = 0; g < s->ngroups; g++) {
        for (size_t i = 0; i < s->groups[g].ndims; i++) {
            free(s->groups[g].dims[i].path);
            free_vals(s->groups[g].dims[i].v, s->groups[g].dims[i].n);
        }
        free(s->groups[g].dims);
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
