/*
 * cfg_yaml.c - loading YAML configs (libfyaml) and "--set" overrides into
 * structs described by param tables.
 *
 * A config is a mapping whose keys are the table's parameters; PT_STRUCT
 * keys take a nested mapping, PT_LIST keys a sequence of mappings (each
 * element starts from the element table's defaults; a null element is all
 * defaults; a list key replaces the whole list; an element of a table
 * with a single scalar key may be written as a bare scalar, that key's
 * value). Null values of STRUCT keys change nothing, of LIST keys give an
 * empty list, of STRING keys give "".
 * Aliases are followed; duplicate keys, unknown keys, wrong node kinds and
 * bad values are errors of one line: "FILE:LINE: KEYPATH: what; expected".
 * libfyaml's diagnostics never reach stderr (yaml_doc.h). A stream must hold at most one document; an empty stream
 * leaves every default in place. On error obj may be partly loaded but
 * stays valid for param_free. "--set" overrides live in cfg_set.c.
 */
#include "param.h"
#include "param_int.h"
#include "yaml_doc.h"

#include <libfyaml.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define PATH_MAX_LEN 512

/* ---- YAML ------------------------------------------------------------- */

typedef struct loader {
    const char *file;
    cfg_src *src;
    sim_err *e;
} loader;

__attribute__((format(printf, 4, 5)))
static int yerr(const loader *L, int line, const char *path, const char *fmt, ...)
{
    char msg[SIM_ERR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char loc[PATH_MAX_LEN + 64];
    if (line > 0)
        snprintf(loc, sizeof loc, "%s:%d", L->file, line);
    else
        snprintf(loc, sizeof loc, "%s", L->file);
    if (path && *path)
        return sim_errf(L->e, "%s: %s: %s", loc, path, msg);
    return sim_errf(L->e, "%s: %s", loc, msg);
}

/* Follow aliases; *out NULL means a null node. */
static int deref(const loader *L, struct fy_node *n, const char *path, int line,
                 struct fy_node **out)
{
    if (n && fy_node_is_alias(n)) {
        struct fy_node *r = fy_node_resolve_alias(n);
        if (!r)
            return yerr(L, yaml_node_line(n) ? yaml_node_line(n) : line, path,
                        "alias '*%s' has no anchor", fy_node_get_scalar0(n));
        n = r;
    }
    *out = n;
    return 0;
}

static int load_map(const loader *L, const param_table *t, void *obj,
                    struct fy_node *map, const char *path);
static int load_value(const loader *L, const param_desc *d, void *f,
                      struct fy_node *v, const char *path, int kline);

static int load_list(const loader *L, const param_desc *d, param_list *l,
                     struct fy_node *seq, const char *path, int kline)
{
    for (size_t k = 0; k < l->n; k++)
        param_free(d->sub, (char *)l->items + k * d->sub->size);
    free(l->items);
    l->items = NULL;
    l->n = 0;
    if (!seq)
        return 0;
    size_t cnt = (size_t)fy_node_sequence_item_count(seq);
    if (cnt == 0)
        return 0;
    l->items = calloc(cnt, d->sub->size);
    if (!l->items)
        return yerr(L, kline, path, "out of memory");
    void *it = NULL;
    struct fy_node *item;
    for (size_t i = 0; (item = fy_node_sequence_iterate(seq, &it)) != NULL; i++) {
        char ipath[PATH_MAX_LEN];
        if (snprintf(ipath, sizeof ipath, "%s[%zu]", path, i) >= (int)sizeof ipath)
            return yerr(L, kline, path, "key path too long");
        int iline = yaml_node_line(item) ? yaml_node_line(item) : kline;
        if (deref(L, item, ipath, iline, &item) != 0)
            return -1;
        bool one = d->sub->n == 1 && d->sub->p[0].type != PT_STRUCT &&
                   d->sub->p[0].type != PT_LIST;
        bool scalar = one && item && fy_node_is_scalar(item) && !yaml_node_is_null(item);
        if (item && !yaml_node_is_null(item) && !fy_node_is_mapping(item) && !scalar)
            return yerr(L, iline, ipath, "expected a mapping%s, got %s",
                        one ? " or a scalar" : "", yaml_node_kind(item));
        void *elem = (char *)l->items + i * d->sub->size;
        l->n = i + 1;
        if (param_defaults(d->sub, elem, L->e) != 0)
            return -1;
        cfg_src_note(L->src, ipath, iline);
        if (scalar) {
            if (load_value(L, &d->sub->p[0], param_field(elem, &d->sub->p[0]), item, ipath,
                           iline) != 0)
                return -1;
            continue;
        }
        if (item && !yaml_node_is_null(item) && load_map(L, d->sub, elem, item, ipath) != 0)
            return -1;
    }
    return 0;
}

static int load_value(const loader *L, const param_desc *d, void *f,
                      struct fy_node *v, const char *path, int kline)
{
    char exp[160];
    if (deref(L, v, path, kline, &v) != 0)
        return -1;
    int line = v && fy_node_is_scalar(v) && yaml_node_line(v) ? yaml_node_line(v) : kline;
    if (d->type == PT_STRUCT) {
        if (yaml_node_is_null(v))
            return 0;
        if (!fy_node_is_mapping(v))
            return yerr(L, line, path, "expected a mapping, got %s", yaml_node_kind(v));
        return load_map(L, d->sub, f, v, path);
    }
    if (d->type == PT_LIST) {
        if (!yaml_node_is_null(v) && !fy_node_is_sequence(v))
            return yerr(L, kline, path, "expected a sequence of mappings, got %s",
                        yaml_node_kind(v));
        return load_list(L, d, f, yaml_node_is_null(v) ? NULL : v, path, kline);
    }
    param_expected_phrase(d, exp, sizeof exp);
    if (v && !fy_node_is_scalar(v))
        return yerr(L, line, path, "expected %s, got %s", exp, yaml_node_kind(v));
    if (yaml_node_is_null(v) && d->type != PT_STRING)
        return yerr(L, line, path, "expected %s, got an empty value", exp);
    char where[PATH_MAX_LEN + 64];
    snprintf(where, sizeof where, "%s:%d: %s", L->file, line, path);
    return param_parse_value(d, yaml_node_is_null(v) ? "" : fy_node_get_scalar0(v), f, where, L->e);
}

static int load_map(const loader *L, const param_table *t, void *obj,
                    struct fy_node *map, const char *path)
{
    void *it = NULL;
    struct fy_node_pair *p;
    while ((p = fy_node_mapping_iterate(map, &it)) != NULL) {
        struct fy_node *k = fy_node_pair_key(p);
        int kline = yaml_node_line(k) ? yaml_node_line(k) : yaml_node_line(map);
        if (!k || !fy_node_is_scalar(k) || fy_node_is_alias(k))
            return yerr(L, kline, path, "expected a plain key, got %s",
                        k ? yaml_node_kind(k) : "an empty key");
        const char *name = fy_node_get_scalar0(k);
        char kpath[PATH_MAX_LEN];
        if (snprintf(kpath, sizeof kpath, "%s%s%s", path, *path ? "." : "", name) >=
            (int)sizeof kpath)
            return yerr(L, kline, path, "key path too long");
        void *it2 = NULL;
        struct fy_node_pair *q;
        while ((q = fy_node_mapping_iterate(map, &it2)) != p) {
            struct fy_node *qk = fy_node_pair_key(q);
            if (qk && fy_node_is_scalar(qk) && !strcmp(fy_node_get_scalar0(qk), name))
                return yerr(L, kline, kpath, "duplicate key (first given at line %d)",
                            yaml_node_line(qk));
        }
        const param_desc *d = param_find(t, name);
        if (!d) {
            char hint[SIM_ERR_MAX / 2];
            param_unknown_key_hint(t, name, hint, sizeof hint);
            return yerr(L, kline, kpath, "unknown key%s", hint);
        }
        cfg_src_note(L->src, kpath, kline);
        if (load_value(L, d, param_field(obj, d), fy_node_pair_value(p), kpath, kline) != 0)
            return -1;
    }
    return 0;
}

int cfg_load_yaml_string(const param_table *t, void *obj, const char *name,
                         const char *text, cfg_src *src, sim_err *e)
{
    loader L = {name ? name : "<string>", src, e};
    /* duplicates are reported by load_map, with the first key's line */
    yaml_doc *d = yaml_doc_parse(L.file, text, true, e);
    if (!d)
        return -1;
    struct fy_node *root = NULL;
    int rc = deref(&L, yaml_doc_root(d), "", 1, &root);
    if (rc == 0 && !yaml_node_is_null(root) && !fy_node_is_mapping(root))
        rc = yerr(&L, yaml_node_line(root), NULL, "expected a mapping of keys at the top "
                  "level, got %s", yaml_node_kind(root));
    else if (rc == 0 && !yaml_node_is_null(root))
        rc = load_map(&L, t, obj, root, "");
    yaml_doc_free(d);
    return rc;
}

int cfg_load_yaml(const param_table *t, void *obj, const char *path,
                  cfg_src *src, sim_err *e)
{
    char *buf = yaml_read_text(path, e);
    if (!buf)
        return -1;
    int rc = cfg_load_yaml_string(t, obj, path, buf, src, e);
    free(buf);
    return rc;
}
