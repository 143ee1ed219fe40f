/*
 * cfg_src.c - where each key of a loaded config came from.
 *
 * A cfg_src maps canonical key paths ("dram.channels",
 * "lpars[1].vcpus[0].thread") to the line of the config file that set them,
 * so that semantic checks run after loading can still point at a line.
 * Invariants: paths are unique (a later note for the same path replaces the
 * line); the table owns heap copies of the file name and every path.
 * Lookups are linear: configs have a few hundred keys at most.
 */
#include "param.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

typedef struct cfg_src_ent {
    char *path;
    int line;
} cfg_src_ent;

struct cfg_src {
    char *file;
    cfg_src_ent *ent;
    size_t n, cap;
};

cfg_src *cfg_src_create(const char *file)
{
    cfg_src *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
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
    for (size_t i = 0; i < s->n; i++)
        free(s->ent[i].path);
    free(s->ent);
    free(s->file);
    free(s);
}

static cfg_src_ent *src_lookup(const cfg_src *s, const char *path, size_t len)
{
    for (size_t i = 0; i < s->n; i++)
        if (strncmp(s->ent[i].path, path, len) == 0 && s->ent[i].path[len] == '\0')
            return &s->ent[i];
    return NULL;
}

void cfg_src_note(cfg_src *s, const char *path, int line)
{
    if (!s || !path)
        return;
    cfg_src_ent *e = src_lookup(s, path, strlen(path));
    if (e) {
        e->line = line;
        return;
    }
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 32;
        cfg_src_ent *ne = realloc(s->ent, cap * sizeof *ne);
        if (!ne)
            return; /* best effort: the line is only used for messages */
        s->ent = ne;
        s->cap = cap;
    }
    char *p = strdup(path);
    if (!p)
        return;
    s->ent[s->n].path = p;
    s->ent[s->n].line = line;
    s->n++;
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

int cfg_src_line(const cfg_src *s, const char *path)
{
    if (!s || !path)
        return 0;
    for (size_t len = strlen(path); len > 0; len = parent_len(path, len)) {
        const cfg_src_ent *e = src_lookup(s, path, len);
        if (e)
            return e->line;
    }
    return 0;
}

const char *cfg_src_file(const cfg_src *s)
{
    return s ? s->file : "";
}

int cfg_errf(sim_err *e, const cfg_src *s, const char *path, const char *fmt, ...)
{
    if (!e)
        return -1;
    char msg[SIM_ERR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    int line = cfg_src_line(s, path);
    const char *file = cfg_src_file(s);
    if (!path || !*path)
        path = "(top level)";
    if (!s || !*file)
        return sim_errf(e, "%s: %s", path, msg);
    if (line <= 0)
        return sim_errf(e, "%s: %s: %s", file, path, msg);
    return sim_errf(e, "%s:%d: %s: %s", file, line, path, msg);
}
