/*
 * jtree.c - ordered JSON tree (see jtree.h).
 * Each node is an object (children in insertion order, a singly linked
 * list) or a scalar; the root is an object. An object with more than
 * JT_SCAN children also indexes them by key in an open-addressing hash
 * table (linear probing, at most half full), so setting or finding a path
 * costs O(path length) however wide the report is (a machine with 32768
 * threads has objects of that many children).
 * Invariants: keys of siblings are unique; an object's index, when
 * present, holds exactly its children; a node's key is stored inline.
 */
#include "jtree.h"

#include <assert.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { JN_OBJ, JN_U64, JN_I64, JN_DBL, JN_STR, JN_BOOL };
enum { JT_SCAN = 8 }; /* objects up to this many children are scanned */

typedef struct jnode jnode;

typedef struct jindex {
    jnode **slot; /* cap slots, NULL = empty */
    uint32_t cap; /* power of two, >= 2 x children */
} jindex;

struct jnode {
    jnode *first, *last, *next;
    union {
        uint64_t u;
        int64_t i;
        double d;
        char *s;
        bool b;
    } v;
    jindex *ix;     /* objects with more than JT_SCAN children */
    uint32_t nkids; /* children of an object */
    uint32_t hash;  /* of the key */
    uint32_t klen;
    unsigned char type;
    char key[];     /* klen bytes and a NUL */
};

struct jtree {
    jnode *root;
    uint64_t probes; /* children examined while setting paths */
};

static void *xcalloc(size_t n)
{
    void *p = calloc(1, n);
    assert(p);
    return p;
}

static uint32_t key_hash(const char *k, size_t len)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)k[i]) * 16777619u;
    return h;
}

static jnode *node_new(const char *key, size_t len)
{
    assert(len < UINT32_MAX);
    jnode *n = xcalloc(sizeof *n + len + 1);
    memcpy(n->key, key, len);
    n->klen = (uint32_t)len;
    n->hash = key_hash(key, len);
    n->type = JN_OBJ;
    return n;
}

jtree *jtree_create(void)
{
    jtree *t = xcalloc(sizeof *t);
    t->root = node_new("", 0);
    return t;
}

static void node_free(jnode *n)
{
    /* iterative over siblings, recursive only in depth */
    jnode *c = n->first;
    while (c) {
        jnode *nx = c->next;
        node_free(c);
        c = nx;
    }
    if (n->type == JN_STR)
        free(n->v.s);
    if (n->ix)
        free(n->ix->slot);
    free(n->ix);
    free(n);
}

void jtree_destroy(jtree *t)
{
    if (!t)
        return;
    node_free(t->root);
    free(t);
}

uint64_t jtree_probes(const jtree *t)
{
    return t->probes;
}

static void ix_put(jindex *ix, jnode *c)
{
    uint32_t mask = ix->cap - 1;
    uint32_t i = c->hash & mask;
    while (ix->slot[i])
        i = (i + 1) & mask;
    ix->slot[i] = c;
}

/* (Re)build o's index with room for twice its children. */
static void ix_grow(jnode *o)
{
    jindex *ix = o->ix ? o->ix : xcalloc(sizeof *ix);
    uint32_t cap = 16;
    while (cap < 2u * (o->nkids + 1))
        cap *= 2;
    free(ix->slot);
    ix->slot = xcalloc((size_t)cap * sizeof *ix->slot);
    ix->cap = cap;
    for (jnode *c = o->first; c; c = c->next)
        ix_put(ix, c);
    o->ix = ix;
}

static bool same_key(const jnode *c, const char *key, size_t len, uint32_t h, uint64_t *probes)
{
    (*probes)++;
    return c->hash == h && c->klen == len && memcmp(c->key, key, len) == 0;
}

static jnode *child(jnode *o, const char *key, size_t len, int create, uint64_t *probes)
{
    uint32_t h = key_hash(key, len);
    if (o->ix) {
        uint32_t mask = o->ix->cap - 1;
        for (uint32_t i = h & mask; o->ix->slot[i]; i = (i + 1) & mask)
            if (same_key(o->ix->slot[i], key, len, h, probes))
                return o->ix->slot[i];
    } else {
        for (jnode *c = o->first; c; c = c->next)
            if (same_key(c, key, len, h, probes))
                return c;
    }
    if (!create)
        return NULL;
    jnode *c = node_new(key, len);
    if (o->last)
        o->last->next = c;
    else
        o->first = c;
    o->last = c;
    o->nkids++;
    if (o->ix && 2u * o->nkids <= o->ix->cap)
        ix_put(o->ix, c);
    else if (o->nkids > JT_SCAN)
        ix_grow(o);
    return c;
}

/* Walk/create the path; returns the leaf node (object or scalar). */
static jnode *walk(jnode *n, const char *path, int create, uint64_t *probes)
{
    const char *p = path;
    for (;;) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        assert(n->type == JN_OBJ);
        n = child(n, p, len, create, probes);
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
    jnode *n = walk(t->root, path, 1, &t->probes);
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
    n->v.s = strdup(s);
    assert(n->v.s);
}

void jtree_set_bool(jtree *t, const char *path, bool v)
{
    jnode *n = leaf(t, path);
    n->type = JN_BOOL;
    n->v.b = v;
}

void jtree_set_object(jtree *t, const char *path)
{
    jnode *n = walk(t->root, path, 1, &t->probes);
    assert(n->type == JN_OBJ);
    (void)n;
}

/* Copy src's children (recursively) under object o. */
static void graft_into(jnode *o, const jnode *src, uint64_t *probes)
{
    for (const jnode *c = src->first; c; c = c->next) {
        jnode *d = child(o, c->key, c->klen, 1, probes);
        assert((d->type == JN_OBJ) == (c->type == JN_OBJ) || !d->first);
        if (c->type == JN_OBJ) {
            graft_into(d, c, probes);
            continue;
        }
        if (d->type == JN_STR)
            free(d->v.s);
        d->type = c->type;
        d->v = c->v;
        if (c->type == JN_STR) {
            d->v.s = strdup(c->v.s);
            assert(d->v.s);
        }
    }
}

void jtree_graft(jtree *t, const char *path, const jtree *src)
{
    jnode *n = walk(t->root, path, 1, &t->probes);
    assert(n->type == JN_OBJ);
    graft_into(n, src->root, &t->probes);
}

/* v in decimal into buf (at least 21 bytes): what "%" PRIu64 prints, without
 * printf's cost (a report holds about a thousand numbers). */
static void u64_text(uint64_t v, char *buf)
{
    char tmp[20];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    buf[n] = '\0';
}

static void scalar_text(const jnode *n, char *buf, size_t sz)
{
    switch (n->type) {
    case JN_U64: u64_text(n->v.u, buf); break;
    case JN_I64:
        if (n->v.i < 0) {
            buf[0] = '-';
            u64_text(0 - (uint64_t)n->v.i, buf + 1);
        } else {
            u64_text((uint64_t)n->v.i, buf);
        }
        break;
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
    while (*s) {
        size_t run = 0; /* characters that need no escape, written at once */
        while (s[run] && s[run] != '"' && s[run] != '\\' && (unsigned char)s[run] >= 0x20)
            run++;
        fwrite(s, 1, run, f);
        s += run;
        if (!*s)
            break;
        unsigned char c = (unsigned char)*s++;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else
            fprintf(f, "\\u%04x", c);
    }
    fputc('"', f);
}

/* 2 * depth spaces */
static void indent(FILE *f, int depth)
{
    static const char sp[] = "                                ";
    for (size_t k = 2 * (size_t)depth; k; ) {
        size_t m = k < sizeof sp - 1 ? k : sizeof sp - 1;
        fwrite(sp, 1, m, f);
        k -= m;
    }
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
            indent(f, depth + 1);
            write_str(f, c->key);
            fputs(": ", f);
            write_node(c, f, depth + 1);
            fputs(c->next ? ",\n" : "\n", f);
        }
        indent(f, depth);
        fputc('}', f);
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
    write_node(t->root, f, 0);
    fputc('\n', f);
    return ferror(f) ? -1 : 0;
}

int jtree_get_double(const jtree *t, const char *path, double *out)
{
    uint64_t probes = 0;
    jnode *n = walk(t->root, path, 0, &probes);
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

/* The dotted path of the leaf being visited, grown as needed. */
typedef struct pathbuf {
    char *s;
    size_t cap;
} pathbuf;

static void walk_leaves(const jnode *n, pathbuf *pb, size_t plen,
                        void (*fn)(const char *, const char *, void *), void *ctx)
{
    for (const jnode *c = n->first; c; c = c->next) {
        size_t l = plen, need = plen + c->klen + 2;
        if (need > pb->cap) {
            size_t cap = pb->cap ? pb->cap : 64;
            while (cap < need)
                cap *= 2;
            char *s = realloc(pb->s, cap);
            assert(s);
            pb->s = s;
            pb->cap = cap;
        }
        if (l)
            pb->s[l++] = '.';
        memcpy(pb->s + l, c->key, (size_t)c->klen + 1);
        if (c->type == JN_OBJ) {
            walk_leaves(c, pb, l + c->klen, fn, ctx);
        } else if (c->type == JN_STR) {
            fn(pb->s, c->v.s, ctx);
        } else {
            char buf[64];
            scalar_text(c, buf, sizeof buf);
            fn(pb->s, buf, ctx);
        }
    }
}

void jtree_walk(const jtree *t, void (*fn)(const char *path, const char *text, void *ctx), void *ctx)
{
    pathbuf pb = {NULL, 0};
    walk_leaves(t->root, &pb, 0, fn, ctx);
    free(pb.s);
}
