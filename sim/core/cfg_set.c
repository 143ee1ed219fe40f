/*
 * cfg_set.c - one "--set a.b.c=value" override (see param.h).
 *
 * Key paths: dotted names; a PT_LIST key is followed by an element index,
 * either "lpars[1]" or "lpars.1". The element must exist, except that
 * index == n appends one element holding the element table's defaults
 * ("lpars[2].name=x" when there are two). The value uses the same syntax,
 * validation and messages as YAML values, prefixed "--set <assignment>".
 * Invariant: on error obj is unchanged; the first element appended by the
 * call (which holds anything deeper it created) is removed again. On
 * success cfg_set_src records in its cfg_src that the key (and an element
 * the call appended, and a list it filled) came from this override, so
 * later semantic errors name "--set KEY=VALUE" instead of a file line.
 */
#include "param.h"
#include "param_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define KEY_MAX 512

typedef struct appended {
    param_list *l;
    const param_table *sub;
    char path[KEY_MAX]; /* canonical path of that first appended element */
    char list[KEY_MAX]; /* its list's path, if the list was empty before; else "" */
} appended;

static void rollback(appended *a)
{
    if (!a->l)
        return;
    a->l->n--;
    param_free(a->sub, (char *)a->l->items + a->l->n * a->sub->size);
    if (a->l->n == 0) {
        free(a->l->items);
        a->l->items = NULL;
    }
    a->l = NULL;
}

/* Element idx of list l (idx <= n); appends a defaulted one at idx == n. */
static void *list_elem(param_list *l, const param_desc *d, size_t idx,
                       appended *a, const char *canon, const char *where, sim_err *e)
{
    size_t sz = d->sub->size;
    if (idx < l->n)
        return (char *)l->items + idx * sz;
    char *items = realloc(l->items, (l->n + 1) * sz);
    if (!items) {
        sim_errf(e, "%s: out of memory", where);
        return NULL;
    }
    l->items = items;
    memset(items + l->n * sz, 0, sz);
    l->n++;
    if (!a->l) {
        a->l = l;
        a->sub = d->sub;
        snprintf(a->path, sizeof a->path, "%s", canon);
        if (idx == 0) /* the list was empty: the override gave all of it */
            snprintf(a->list, sizeof a->list, "%.*s", (int)(strrchr(canon, '[') - canon), canon);
    }
    if (param_defaults(d->sub, items + idx * sz, e) != 0)
        return NULL;
    return items + idx * sz;
}

/* Parse an index at *pp: "[N]" or ".N" (N decimal). */
static int parse_index(const char **pp, size_t *out)
{
    const char *p = *pp;
    char close = '\0';
    if (*p == '[')
        close = ']';
    else if (!(*p == '.' && isdigit((unsigned char)p[1])))
        return -1;
    p++;
    if (!isdigit((unsigned char)*p))
        return -1;
    size_t v = 0;
    for (; isdigit((unsigned char)*p); p++) {
        if (v > 100000000)
            return -1;
        v = v * 10 + (size_t)(*p - '0');
    }
    if (close) {
        if (*p != close)
            return -1;
        p++;
    }
    *pp = p;
    *out = v;
    return 0;
}

static void trim(char *s)
{
    size_t n = strlen(s), i = 0;
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    while (isspace((unsigned char)s[i]))
        i++;
    memmove(s, s + i, n - i + 1);
}

static int set_path(const param_table *t, void *obj, const char *key,
                    const char *value, const char *where, appended *a, char *canon,
                    sim_err *e)
{
    char name[KEY_MAX], hint[SIM_ERR_MAX / 2];
    canon[0] = '\0';
    const char *p = key;
    for (;;) {
        size_t len = strcspn(p, ".[");
        if (len == 0 || len >= sizeof name)
            return sim_errf(e, "%s: malformed key path; expected names separated "
                            "by '.', list elements as name[N]", where);
        memcpy(name, p, len);
        name[len] = '\0';
        p += len;
        const param_desc *d = param_find(t, name);
        size_t cl = strlen(canon);
        if (snprintf(canon + cl, KEY_MAX - cl, "%s%s", cl ? "." : "", name) >=
            (int)(KEY_MAX - cl))
            return sim_errf(e, "%s: key path too long", where);
        if (!d) {
            param_unknown_key_hint(t, name, hint, sizeof hint);
            return sim_errf(e, "%s: unknown key '%s'%s", where, canon, hint);
        }
        void *f = param_field(obj, d);
        if (d->type == PT_LIST) {
            param_list *l = f;
            size_t idx;
            if (parse_index(&p, &idx) != 0)
                return sim_errf(e, "%s: '%s' is a list of %zu element%s; expected "
                                "%s[N].key", where, canon, l->n, l->n == 1 ? "" : "s",
                                canon);
            cl = strlen(canon);
            if (snprintf(canon + cl, KEY_MAX - cl, "[%zu]", idx) >=
                (int)(KEY_MAX - cl))
                return sim_errf(e, "%s: key path too long", where);
            if (idx > l->n)
                return sim_errf(e, "%s: no element %s; '%s' has %zu element%s "
                                "(index %zu appends one)", where, canon, name, l->n,
                                l->n == 1 ? "" : "s", l->n);
            obj = list_elem(l, d, idx, a, canon, where, e);
            if (!obj)
                return -1;
            t = d->sub;
        } else if (d->type == PT_STRUCT) {
            obj = f;
            t = d->sub;
        } else {
            if (*p)
                return sim_errf(e, "%s: '%s' is a parameter, not a group; "
                                "malformed key path", where, canon);
            return param_parse_value(d, value, f, where, e);
        }
        if (*p != '.') {
            param_unknown_key_hint(t, "", hint, sizeof hint);
            return sim_errf(e, "%s: '%s' is a group of parameters; expected %s.KEY%s",
                            where, canon, canon, hint);
        }
        p++;
    }
}

int cfg_set(const param_table *t, void *obj, const char *assignment, sim_err *e)
{
    return cfg_set_src(t, obj, assignment, NULL, e);
}

int cfg_set_src(const param_table *t, void *obj, const char *assignment, cfg_src *src,
                sim_err *e)
{
    const char *eq = strchr(assignment, '=');
    if (!eq)
        return sim_errf(e, "--set %s: expected KEY=VALUE", assignment);
    char where[KEY_MAX + 32], key[KEY_MAX], value[KEY_MAX];
    snprintf(where, sizeof where, "--set %s", assignment);
    if ((size_t)(eq - assignment) >= sizeof key || strlen(eq + 1) >= sizeof value)
        return sim_errf(e, "%s: too long", where);
    memcpy(key, assignment, (size_t)(eq - assignment));
    key[eq - assignment] = '\0';
    strcpy(value, eq + 1);
    trim(key);
    trim(value);
    appended a = {NULL, NULL, "", ""};
    char canon[KEY_MAX];
    int rc = set_path(t, obj, key, value, where, &a, canon, e);
    if (rc != 0) {
        rollback(&a);
        return rc;
    }
    if (a.l && a.list[0])
        cfg_src_note_set(src, a.list, assignment);
    if (a.l)
        cfg_src_note_set(src, a.path, assignment);
    cfg_src_note_set(src, canon, assignment);
    return 0;
}
