/*
 * jtree.h - a small ordered JSON tree for reports.
 *
 * Values are set by dotted path ("ops.hcall.H_ENTER.count"): each dot is one
 * nested object, created on first use; keys keep their insertion order so
 * output is deterministic. Setting an existing path replaces its value.
 * A path component may not be both an object and a scalar (asserted).
 * Doubles are printed with %.10g; non-finite doubles as null.
 * Setting or finding a path costs O(its length): wide objects index their
 * children by key.
 */
#ifndef LPARSIM_CORE_JTREE_H
#define LPARSIM_CORE_JTREE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct jtree jtree;

jtree *jtree_create(void);
void jtree_destroy(jtree *t);

void jtree_set_u64(jtree *t, const char *path, uint64_t v);
void jtree_set_i64(jtree *t, const char *path, int64_t v);
void jtree_set_double(jtree *t, const char *path, double v);
void jtree_set_str(jtree *t, const char *path, const char *s);
void jtree_set_bool(jtree *t, const char *path, bool v);
/* Make sure an (possibly empty) object exists at path. */
void jtree_set_object(jtree *t, const char *path);

/* Copy every value of src (keys, order and types as they are) under the
 * object at path of t (created if absent): how a platform nests each
 * machine's report under "machines.<name>". */
void jtree_graft(jtree *t, const char *path, const jtree *src);

/* Pretty-print with 2-space indentation and a trailing newline.
 * Returns 0, or -1 on a write error. */
int jtree_write(const jtree *t, FILE *f);

/* Look a scalar up by dotted path: 0 and *out set, or -1 if absent or an
 * object. Numbers are returned as double. */
int jtree_get_double(const jtree *t, const char *path, double *out);

/* Children examined (compared with a path component) by all the set calls
 * so far: O(components set), however wide the tree (for tests). */
uint64_t jtree_probes(const jtree *t);

/* Visit every scalar leaf in order: fn(path, text-as-printed, ctx). */
void jtree_walk(const jtree *t, void (*fn)(const char *path, const char *text, void *ctx), void *ctx);

#ifdef __cplusplus
}
#endif
#endif
