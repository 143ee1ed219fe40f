/*
 * cfg_src.c - where each key of a loaded config came from.
 *
 * A cfg_src maps canonical key paths ("dram.channels",
 * "lpars[1].vcpus[0].thread") to their origin: the line of the config file
 * that set them, or the "--set KEY=VALUE" override that did, so that
 * semantic checks run after loading can still point at the user's words.
 * Paths are found through a hash index (u64map from a 64-bit FNV-1a hash to
 * the first entry with that hash; entries with equal hashes are chained), so
 * recording n keys costs O(n) whatever the config's size.
 * Invariants: paths are unique (a later note for the same path replaces the
 * origin); the table owns heap copies of the file name, every path and
 * every assignment.
 */
#include "param.h"
#include "u64map.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define NO_NEXT SIZE_MAX

typedef struct cfg_src_ent {
    char *path;
    size_t len;
    uint64_t hash;
    size_t next;  /* next entry with the same hash, or NO_NEXT */
    int line;     /* file line; 0 if unknown or given by --set */
    char *set;    /* the "KEY=VALUE" assignment that gave it, or NULL */
} cfg_src_ent;

struct cfg_src {
    char *file;
    cfg_src_ent *ent;
    size_t n, cap;
    u64map index;    /* hash -> first entry with that hash */
    size_t compares; /* path comparisons made while recording */
};

cfg_src *cfg_src_create(const char *file)
{
    cfg_src *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    u64map_init(&s->index);
    s->file = strdup(file ? file : "");
    if (!s->file) {
        free(s);
        return NULL;
    }
    return s;
}

void cfg_src_destroy(cfg_src *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++) {
        free(s->ent[i].path);
        free(s->ent[i].set);
    }
    free(s->ent);
    u64map_free(&s->index);
    free(s->file);
    free(s);
}

static uint64_t path_hash(const char *p, size_t len)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)p[i]) * 0x100000001b3ULL;
    return h == U64MAP_EMPTY ? 0 : h; /* the map reserves UINT64_MAX */
}

/* The entry of path[0..len), or NULL; *compares counts path comparisons. */
static cfg_src_ent *src_lookup(const cfg_src *s, const char *path, size_t len, uint64_t h,
                               size_t *compares)
{
    const uint64_t *first = u64map_get(&s->index, h);
    for (size_t i = first ? (size_t)*first : NO_NEXT; i != NO_NEXT; i = s->ent[i].next) {
        (*compares)++;
        if (s->ent[i].len == len && memcmp(s->ent[i].path, path, len) == 0)
            return &s->ent[i];
    }
    return NULL;
}

/* The entry for path, created if needed (origin unset); NULL when out of
 * memory (best effort: origins are only used for messages). */
static cfg_src_ent *src_entry(cfg_src *s, const char *path)
{
    size_t len = strlen(path);
    uint64_t h = path_hash(path, len);
    cfg_src_ent *e = src_lookup(s, path, len, h, &s->compares);
    if (e)
        return e;
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 32;
        cfg_src_ent *ne = realloc(s->ent, cap * sizeof *ne);
        if (!ne)
            return NULL;
        s->ent = ne;
        s->cap = cap;
    }
    char *p = strdup(path);
    if (!p)
        return NULL;
    uint64_t *first = u64map_get(&s->index, h);
    size_t next = first ? (size_t)*first : NO_NEXT;
    if (u64map_put(&s->index, h, s->n) != 0) {
        free(p);
        return NULL;
    }
    e = &s->ent[s->n++];
    *e = (cfg_src_ent){p, len, h, next, 0, NULL};
    return e;
}

void cfg_src_note(cfg_src *s, const char *path, int line)
{
    if (!s || !path)
        return;
    cfg_src_ent *e = src_entry(s, path);
    if (!e)
        return;
    e->line = line;
    free(e->set);
    e->set = NULL;
}

static size_t parent_len(const char *path, size_t len);

/* Record the override as the origin of path[0..len) (replacing any). */
static void note_set_len(cfg_src *s, const char *path, size_t len, const char *assignment)
{
    char *p = strndup(path, len), *a = strdup(assignment);
    cfg_src_ent *e = p && a ? src_entry(s, p) : NULL;
    free(p);
    if (!e) {
        free(a);
        return;
    }
    e->line = 0;
    free(e->set);
    e->set = a;
}

void cfg_src_note_set(cfg_src *s, const char *path, const char *assignment)
{
    if (!s || !path || !assignment)
        return;
    note_set_len(s, path, strlen(path), assignment);
    /* sections the config file never opened ("dram" for --set dram.tREFI=1)
     * came from the first override that touched them: their own messages
     * ("dram: ...") are located there */
    for (size_t len = parent_len(path, strlen(path)); len > 0; len = parent_len(path, len))
        if (!src_lookup(s, path, len, path_hash(path, len), &s->compares))
            note_set_len(s, path, len, assignment);
}

size_t cfg_src_compares(const cfg_src *s)
{
    return s ? s->compares : 0;
}

/* Length of the parent of path[0..len): "a.b[2].c" -> "a.b[2]" -> "a.b"
 * -> "a" -> 0 (none). */
static size_t parent_len(const char *path, size_t len)
{
    if (len > 0 && path[len - 1] == ']') {
        while (len > 0 && path[len - 1] != '[')
            len--;
        return len > 0 ? len - 1 : 0;
    }
    while (len > 0 && path[len - 1] != '.' && path[len - 1] != '[')
        len--;
    return len > 0 ? len - 1 : 0;
}

/* The entry of path or of its closest recorded ancestor, or NULL. */
static const cfg_src_ent *src_find(const cfg_src *s, const char *path)
{
    size_t compares = 0;
    if (!s || !path)
        return NULL;
    for (size_t len = strlen(path); len > 0; len = parent_len(path, len)) {
        const cfg_src_ent *e = src_lookup(s, path, len, path_hash(path, len), &compares);
        if (e)
            return e;
    }
    return NULL;
}

bool cfg_src_has(const cfg_src *s, const char *path)
{
    size_t compares = 0;
    if (!s || !path)
        return false;
    size_t len = strlen(path);
    return src_lookup(s, path, len, path_hash(path, len), &compares) != NULL;
}

int cfg_src_line(const cfg_src *s, const char *path)
{
    const cfg_src_ent *e = src_find(s, path);
    return e ? e->line : 0;
}

const char *cfg_src_file(const cfg_src *s)
{
    return s ? s->file : "";
}

const char *cfg_src_where(const cfg_src *s, const char *path, char *buf, size_t cap)
{
    const cfg_src_ent *e = src_find(s, path);
    if (e && e->set)
        snprintf(buf, cap, "--set %s", e->set);
    else if (e && e->line > 0)
        snprintf(buf, cap, "%s:%d", cfg_src_file(s), e->line);
    else
        snprintf(buf, cap, "%s", cfg_src_file(s));
    return buf;
}

int cfg_errf(sim_err *e, const cfg_src *s, const char *path, const char *fmt, ...)
{
    if (!e)
        return -1;
    char msg[SIM_ERR_MAX], where[SIM_ERR_MAX / 2];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cfg_src_where(s, path, where, sizeof where);
    if (!path || !*path)
        path = "(top level)";
    if (!*where)
        return sim_errf(e, "%s: %s", path, msg);
    return sim_errf(e, "%s: %s: %s", where, path, msg);
}
