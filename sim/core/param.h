/*
 * param.h - parameters declared as data.
 *
 * Every component describes its configuration struct with one param_table:
 * one param_desc per field (name, type, unit, default, range, description,
 * offset of the field). Defaults, YAML loading and validation, `--set`
 * overrides, `lparsim params` and the README's parameter list all come from
 * these tables; nothing reaches the model without a default and a
 * description.
 *
 * Storage of each type inside the owning struct:
 *   PT_UINT   uint64_t        integer, range [min,max]
 *   PT_INT    int64_t         signed integer, range [min,max]
 *   PT_DOUBLE double          range [min,max]
 *   PT_BOOL   bool            true/false
 *   PT_SIZE   uint64_t        bytes; accepts 4096, 4K, 64KiB, 16M, 1G, 2T ...
 *   PT_ENUM   unsigned        index into choices "a|b|c"
 *   PT_STRING char *          heap copy, owned by the struct (param_free);
 *                             unit "path": a file, relative to the config's directory
 *   PT_STRUCT nested struct   described by `sub`, embedded at offset
 *   PT_LIST   param_list      array of `sub` structs; each element gets
 *                             sub's defaults before its keys are applied
 *
 * Invariant: after param_defaults() every field holds a valid value; after a
 * successful load every field is within its declared range.
 */
#ifndef LPARSIM_CORE_PARAM_H
#define LPARSIM_CORE_PARAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum param_type {
    PT_UINT,
    PT_INT,
    PT_DOUBLE,
    PT_BOOL,
    PT_SIZE,
    PT_ENUM,
    PT_STRING,
    PT_STRUCT,
    PT_LIST,
} param_type;

struct param_table;

typedef struct param_desc {
    const char *name;    /* key inside its table, e.g. "latency" */
    param_type type;
    const char *unit;    /* "cycles", "bytes", "ns", "" ... */
    const char *def;     /* default as text ("64K", "3", "true", "lru"); NULL for STRUCT/LIST */
    double min, max;     /* inclusive range for UINT/INT/DOUBLE/SIZE (ignored otherwise) */
    const char *choices; /* PT_ENUM: "a|b|c" */
    const char *desc;    /* one sentence */
    size_t offset;       /* offsetof(owner struct, field) */
    const struct param_table *sub; /* PT_STRUCT / PT_LIST element table */
} param_desc;

typedef struct param_table {
    const char *name;        /* component name, e.g. "dram" */
    size_t size;             /* sizeof the struct it describes */
    const param_desc *p;
    size_t n;
    const char *desc;        /* one line about the component */
} param_table;

/* Storage for PT_LIST fields. */
typedef struct param_list {
    void *items;   /* n contiguous elements of sub->size bytes */
    size_t n;
} param_list;

#define PARAM_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Where each key of a loaded config came from, for semantic errors raised
 * after loading ("configs/x.yaml:34: lpars[1].vcpus[0].thread: ...", or
 * "--set lpars[1].vcpus[0].thread=3: lpars[1].vcpus[0].thread: ..." when
 * an override gave it). Recording and looking up are O(1) on average. */
typedef struct cfg_src cfg_src;

cfg_src *cfg_src_create(const char *file);
void cfg_src_destroy(cfg_src *s);
/* Record that `path` (canonical form "a.b[2].c") was set at `line`. */
void cfg_src_note(cfg_src *s, const char *path, int line);
/* Record that `path` was set by the override "KEY=VALUE" `assignment`
 * (replacing any file line; cfg_set_src does this), and so were those of
 * its ancestors ("dram" of "dram.tREFI") that have no origin yet. */
void cfg_src_note_set(cfg_src *s, const char *path, const char *assignment);
/* Line of `path`, or of its closest recorded ancestor; 0 if unknown or if
 * that key came from an override. */
int cfg_src_line(const cfg_src *s, const char *path);
/* Was exactly this path given (in the file or by --set)? */
bool cfg_src_has(const cfg_src *s, const char *path);
const char *cfg_src_file(const cfg_src *s);
/* Where `path` (or its closest recorded ancestor) came from, into buf:
 * "FILE:LINE", "--set KEY=VALUE", or "FILE" when unknown ("" for a NULL
 * s). Returns buf. */
const char *cfg_src_where(const cfg_src *s, const char *path, char *buf, size_t cap);
/* Path comparisons made while recording so far (to test that recording
 * stays linear). */
size_t cfg_src_compares(const cfg_src *s);
/* Convenience: sim_errf(e, "%s: %s: <fmt>", where(path), path, ...). */
int cfg_errf(sim_err *e, const cfg_src *s, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Fill obj (t->size bytes) with t's defaults, recursively. Lists start empty.
 * Returns 0; -1 only if a declared default does not parse (a programming
 * error, also caught by the params unit test). */
int param_defaults(const param_table *t, void *obj, sim_err *e);

/* Free strings and lists held by obj (not obj itself). */
void param_free(const param_table *t, void *obj);

/* Make every PT_STRING whose unit is "path" (a file named in a config)
 * relative to base_dir when it is a relative path; recursively. */
int param_resolve_paths(const param_table *t, void *obj, const char *base_dir, sim_err *e);

/* Load a YAML file into obj (which must already hold defaults). Every key
 * must be declared; wrong types, out-of-range values and unknown keys are
 * errors naming file, line, key path and what is allowed (with the nearest
 * valid key suggested). src (may be NULL) records the line of each key. */
int cfg_load_yaml(const param_table *t, void *obj, const char *path,
                  cfg_src *src, sim_err *e);

/* Same, from a string (for tests and generated configs); `name` is used as
 * the file name in messages. */
int cfg_load_yaml_string(const param_table *t, void *obj, const char *name,
                         const char *text, cfg_src *src, sim_err *e);

/* Apply one "--set a.b.c=value" override. List elements are addressed as
 * "lpars[1].memory" or "lpars.1.memory"; the element must exist, except
 * that index == n appends one defaulted element ("lpars[2].name=x" when
 * there are 2). Messages start "--set <assignment>: ". On error obj is
 * unchanged (an element appended by this call is removed again). */
int cfg_set(const param_table *t, void *obj, const char *assignment, sim_err *e);
/* Same, and on success records in src (may be NULL) that the key, and any
 * list element the call appended, came from this override. */
int cfg_set_src(const param_table *t, void *obj, const char *assignment, cfg_src *src,
                sim_err *e);

/* Check that every number of obj (recursively, list elements included) lies
 * in its declared range and every enum is one of its choices: the same rule
 * the loader applies, for structs filled by code. Messages name the key as
 * "PREFIX.KEY" ("dram.CL: value 0 out of range; expected an integer in
 * [1, 1000000]"). Returns 0 or -1. */
int param_check_ranges(const param_table *t, const void *obj, const char *prefix, sim_err *e);

/* Parse one scalar value for descriptor d into field storage `dst`.
 * `where` prefixes error messages. */
int param_parse_value(const param_desc *d, const char *text, void *dst,
                      const char *where, sim_err *e);

/* Parse a size like "64K", "16MiB", "1g", "4096". */
int param_parse_size(const char *text, uint64_t *out);

/* Print every parameter of t under `prefix` (NULL for none): one block per
 * parameter with dotted name, type, unit, default, range and description.
 * If `filter` is not NULL only paths starting with it are printed.
 * Returns the number of parameters printed. */
size_t param_print(FILE *f, const param_table *t, const char *prefix,
                   const char *filter);

/* Same as a Markdown table (for docs/PARAMETERS.md). */
size_t param_print_markdown(FILE *f, const param_table *t, const char *prefix);

/* Check a table's declarations, recursively: names non-empty, unique and
 * made of [A-Za-z0-9_-]; descriptions non-empty; every scalar has a default
 * that parses and lies in its range (min <= max; min == max == 0 means no
 * range); enum choices well formed; STRUCT/LIST have `sub`; fields lie
 * inside the struct. Returns 0, or -1 with the first problem in e. For unit
 * tests of every module's tables. */
int param_table_check(const param_table *t, sim_err *e);

/* Find a descriptor by key in one table (no dots). */
const param_desc *param_find(const param_table *t, const char *key);

/* Field address helper. */
static inline void *param_field(void *obj, const param_desc *d)
{
    return (char *)obj + d->offset;
}

#ifdef __cplusplus
}
#endif
#endif
