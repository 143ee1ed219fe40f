/*
 * jtree.c - ordered JSON tree (see jtree.h).
 * Each node is an object (children in insertion order) or a scalar; the
 * root is an object. Lookups are linear in the number of siblings, which is
 * fine for reports (built once per run).
 */
#include "jtree.h"

#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { JN_OBJ, JN_U64, JN_I64, JN_DBL, JN_STR, JN_BOOL };

typedef struct jnode {
    char *key;
    int type;
    union {
        uint64_t u;
        int64_t i;
        double d;
        char *s;
        bool b;
    } v;
    struct jnode *first, *last, *next;
} jnode;

struct jtree {
    jnode root;
};

static void *xmalloc(size_t n)
{
    void *p = calloc(1, n);
    assert(p);
    return p;
}

static char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    return p;
}

jtree *jtree_create(void)
{
    jtree *t = xmalloc(sizeof *t);
    t->root.type = JN_OBJ;
    return t;
}

static void jnode_clear(jnode *n)
{
    if (n->type == JN_STR)
        free(n->v.s);
    jnode *c = n->first;
    while (c) {
        jnode *nx = c->next;
        jnode_clear(c);
        free(c->key);
        free(c);
        c = nx;
    }
    n->first = n->last = NULL;
}

void jtree_destroy(jtree *t)
{
    if (!t)
        return;
    jnode_clear(&t->root);
    free(t);
}

static jnode *child(jnode *o, const char *key, size_t len, int create)
{
    for (jnode *c = o->first; c; c = c->next)
        if (strlen(c->key) == len && memcmp(c->key, key, len) == 0)
            return c;
    if (!create)
        return NULL;
    jnode *c = xmalloc(sizeof *c);
    c->key = xstrndup(key, len);
    c->type = JN_OBJ;
    if (o->last)
        o->last->next = c;
    else
        o->first = c;
    o->last = c;
    return c;
}

/* Walk/create the path; returns the leaf node (object or scalar). */
static jnode *walk(jtree *t, const char *path, int create)
{
    jnode *n = &t->root;
    const char *p = path;
    for (;;) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        assert(n->type == JN_OBJ);
        n = child(n, p, len, create);
        if (!n || !dot)
            return n;
        if (n->type != JN_OBJ) {
            assert(!create && "jtree: path component is a scalar");
            return NULL;
        }
        p = dot + 1;
    }
}

static jnode *leaf(jtree *t, const char *path)
{
    jnode *n = walk(t, path, 1);
    assert(n->first == NULL && "jtree: replacing an object with a scalar");
    if (n->type == JN_STR)
        free(n->v.s);
    return n;
}

void jtree_set_u64(jtree *t, const char *path, uint64_t v)
{
    jnode *n = leaf(t, path);
    n->type = JN_U64;
    n->v.u = v;
}

void jtree_set_i64(jtree *t, const char *path, int64_t v)
{
    jnode *n = leaf(t, path);
    n->type = JN_I64;
    n->v.i = v;
}

void jtree_set_double(jtree *t, const char *path, double v)
{
    jnode *n = leaf(t, path);
    n->type = JN_DBL;
    n->v.d = v;
}

void jtree_set_str(jtree *t, const char *path, const char *s)
{
    jnode *n = leaf(t, path);
    n->type = JN_STR;
    n->v.s = xstrndup(s, strlen(s));
}

void jtree_set_bool(jtree *t, const char *path, bool v)
{
    jnode *n = leaf(t, path);
    n->type = JN_BOOL;
    n->v.b = v;
}

void jtree_set_object(jtree *t, const char *path)
{
    jnode *n = walk(t, path, 1);
    assert(n->type == JN_OBJ);
    (void)n;
}

static void scalar_text(const jnode *n, char *buf, size_t sz)
{
    switch (n->type) {
    case JN_U64: snprintf(buf, sz, "%" PRIu64, n->v.u); break;
    case JN_I64: snprintf(buf, sz, "%" PRId64, n->v.i); break;
    case JN_DBL:
        if (isfinite(n->v.d))
            snprintf(buf, sz, "%.10g", n->v.d);
        else
            snprintf(buf, sz, "null");
        break;
    case JN_BOOL: snprintf(buf, sz, "%s", n->v.b ? "true" : "false"); break;
    default: buf[0] = '\0';
    }
}

static void write_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static void write_node(const jnode *n, FILE *f, int depth)
{
    if (n->type == JN_OBJ) {
        if (!n->first) {
            fputs("{}", f);
            return;
        }
        fputs("{\n", f);
        for (const jnode *c = n->first; c; c = c->next) {
            fprintf(f, "%*s", 2 * (depth + 1), "");
            write_str(f, c->key);
            fputs(": ", f);
            write_node(c, f, depth + 1);
            fputs(c->next ? ",\n" : "\n", f);
        }
        fprintf(f, "%*s}", 2 * depth, "");
        return;
    }
    if (n->type == JN_STR) {
        write_str(f, n->v.s);
        return;
    }
    char buf[64];
    scalar_text(n, buf, sizeof buf);
    fputs(buf, f);
}

int jtree_write(const jtree *t, FILE *f)
{
    write_node(&t->root, f, 0);
    fputc('\n', f);
    return ferror(f) ? -1 : 0;
}

int jtree_get_double(const jtree *t, const char *path, double *out)
{
    jnode *n = walk((jtree *)t, path, 0);
    if (!n)
        return -1;
    switch (n->type) {
    case JN_U64: *out = (double)n->v.u; return 0;
    case JN_I64: *out = (double)n->v.i; return 0;
    case JN_DBL: *out = n->v.d; return 0;
    case JN_BOOL: *out = n->v.b; return 0;
    default: return -1;
    }
}

static void walk_leaves(const jnode *n, const char *path, size_t plen,
                        void (*fn)(const char *, const char *, void *), void *ctx)
{
    for (const jnode *c = n->first; c; c = c->next) {
        size_t kl = strlen(c->key);
        const char *p = path;
        size_t l = plen;
        char *np = malloc(l + kl + 2);
        assert(np);
        memcpy(np, p, l);
        if (l)
            np[l++] = '.';
        memcpy(np + l, c->key, kl + 1);
        if (c->type == JN_OBJ) {
            walk_leaves(c, np, l + kl, fn, ctx);
        } else if (c->type == JN_STR) {
            fn(np, c->v.s, ctx);
        } else {
            char buf[64];
            scalar_text(c, buf, sizeof buf);
            fn(np, buf, ctx);
        }
        free(np);
    }
}

void jtree_walk(const jtree *t, void (*fn)(const char *path, const char *text, void *ctx), void *ctx)
{
    walk_leaves(&t->root, "", 0, fn, ctx);
}
