/*
 * yaml_doc.h - the libfyaml plumbing every YAML reader of lparsim shares
 * (config files, sweep files): reading a text file, parsing exactly one
 * document with libfyaml's diagnostics collected (never printed) and turned
 * into one-line errors "FILE:LINE: ...", and node helpers with line numbers.
 * Semantics (what the keys mean) stay with each reader.
 */
#ifndef LPARSIM_CORE_YAML_DOC_H
#define LPARSIM_CORE_YAML_DOC_H

#include <stdbool.h>

#include "err.h"

#ifdef __cplusplus
extern "C" {
#endif

struct fy_node;
typedef struct yaml_doc yaml_doc;

/* The whole file as a NUL-terminated string (heap), or NULL with e =
 * "PATH: cannot open: ...", "PATH: cannot read: ..." or "PATH:LINE: NUL
 * byte; expected a YAML text file" (the parser would stop there). */
char *yaml_read_text(const char *path, sim_err *e);

/* Parse text (named `name` in messages) as at most one document. NULL
 * with e = "NAME:LINE: invalid UTF-8 (byte 0x..); expected a UTF-8 text
 * file", "NAME:LINE: YAML syntax error: ..." or "NAME:LINE: a second YAML
 * document; expected one document per file". allow_duplicate_keys leaves
 * duplicates to the caller (which may report them with more context). */
yaml_doc *yaml_doc_parse(const char *name, const char *text, bool allow_duplicate_keys,
                         sim_err *e);
/* The root node; NULL for an empty stream. Valid until yaml_doc_free. */
struct fy_node *yaml_doc_root(const yaml_doc *d);
void yaml_doc_free(yaml_doc *d);

/* 1-based line where a node starts (its first scalar); 0 if none. */
int yaml_node_line(struct fy_node *n);
/* "a mapping", "a sequence", "a scalar", or "nothing" for NULL. */
const char *yaml_node_kind(struct fy_node *n);
/* NULL, or a plain scalar "", "~" or null/Null/NULL. */
bool yaml_node_is_null(struct fy_node *n);

#ifdef __cplusplus
}
#endif
#endif
