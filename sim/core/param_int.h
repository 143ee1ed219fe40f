/*
 * param_int.h - helpers shared by param.c, param_print.c and cfg_yaml.c.
 * Private to sim/core; not part of the public param.h contract.
 */
#ifndef LPARSIM_CORE_PARAM_INT_H
#define LPARSIM_CORE_PARAM_INT_H

#include "param.h"

/* true unless the descriptor declares min == max == 0 (no range). */
bool param_has_range(const param_desc *d);
/* "64K", "1T", "1536": the largest binary unit that divides v exactly. */
void param_fmt_size(uint64_t v, char *buf, size_t cap);
/* "[1, 64]", "[4K, 1T]", "[0.5, 2]"; enum: its choices; else "". */
void param_fmt_range(const param_desc *d, char *buf, size_t cap);
/* Index of s in "a|b|c" (exact match); -1 if absent. */
int param_enum_index(const char *choices, const char *s, unsigned *out);
/* Short type name: "uint", "size", "enum", ... */
const char *param_type_name(param_type t);

/* "an unsigned integer", "a size like 64K", "one of a|b|c", ... */
void param_expected_phrase(const param_desc *d, char *buf, size_t cap);
/* Text after "unknown key": "; did you mean 'size'? (valid keys: size, assoc)"
 * (suggestion only within edit distance max(2, len/3)) or " (valid keys: ...)". */
void param_unknown_key_hint(const param_table *t, const char *key, char *buf,
                            size_t cap);

#endif
