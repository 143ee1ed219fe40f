/*
 * sweep_spec_int.h - private to the sweep-file reader (sweep_yaml.c,
 * sweep_spec.c, sweep_spec_plot.c): libfyaml node helpers that report
 * "FILE:LINE: what; expected ..." errors.
 */
#ifndef LPARSIM_CLI_SWEEP_SPEC_INT_H
#define LPARSIM_CLI_SWEEP_SPEC_INT_H

#include "core/yaml_doc.h"
#include "sweep.h"

struct fy_node;
struct fy_node_pair;

typedef struct sweep_parser {
    const char *file;
    sim_err *e;
} sweep_parser;

int sweep_perr(const sweep_parser *P, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
struct fy_node *sweep_deref(struct fy_node *n); /* follow an alias */
/* A one-line non-null scalar into out (heap text, line). `key` and `what`
 * word the error: "KEY: expected WHAT, got ...". */
int sweep_scalar(const sweep_parser *P, struct fy_node *n, int kline, const char *key,
                 const char *what, sweep_val *out);
int sweep_scalar_list(const sweep_parser *P, struct fy_node *n, int kline, const char *key,
                      const char *what, sweep_val **out, size_t *nout);
int sweep_bool(const sweep_parser *P, struct fy_node *n, int kline, const char *key, bool *out);
/* The index of the first value (in list order) whose text repeats an
 * earlier one, with *first the index of that earlier one; -1 if the texts
 * are distinct, -2 out of memory. O(n log n): sweeps list 10^5+ seeds. */
long sweep_first_repeat(const sweep_val *v, size_t n, long *first);
/* n must be a non-empty mapping. */
int sweep_map_check(const sweep_parser *P, struct fy_node *n, int kline, const char *key);
/* A `key:` that must be a non-empty list of mappings (`what` lists their
 * keys in errors): the item count, or 0 with the error set. */
size_t sweep_mapping_list(const sweep_parser *P, struct fy_node *n, int kline, const char *key,
                          const char *what);
/* The next item of such a list: 1 with *item and *line, 0 at the end, -1
 * (error set) when it is not a mapping. *it starts NULL. */
int sweep_next_mapping(const sweep_parser *P, struct fy_node *n, void **it, int kline,
                       const char *key, const char *what, struct fy_node **item, int *line);
/* A pair's key text (NULL with the error set if it is not a plain scalar). */
const char *sweep_key(const sweep_parser *P, struct fy_node_pair *p, int *line);
bool sweep_word_ok(const char *s);       /* [A-Za-z0-9_-]+ */
bool sweep_cfg_path_ok(const char *s);   /* a plausible dotted config path */

/* sweep_spec.c: the document's root mapping into s. */
int sweep_spec_root(const sweep_parser *P, sweep_spec *s, struct fy_node *root);
/* sweep_spec_plot.c: `plots:` (after groups, params and metrics are known). */
int sweep_load_plots(const sweep_parser *P, sweep_spec *s, struct fy_node *n, int kline);

#endif
