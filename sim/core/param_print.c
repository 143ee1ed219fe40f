/*
 * param_print.c - parameter tables described to humans: listings for
 * `lparsim params` and docs/PARAMETERS.md, the "expected ..." phrase of each
 * type, and nearest-key suggestions for unknown keys.
 *
 * Paths are dotted; elements of a PT_LIST appear as "name[]" so that
 * "lpars[].memory" documents the key of every list element. Only leaves
 * (scalar parameters) are listed; STRUCT and LIST entries are descended.
 */
#include "param.h"
#include "param_int.h"

#include <ctype.h>
#include <string.h>

const char *param_type_name(param_type t)
{
    switch (t) {
    case PT_UINT: return "uint";
    case PT_INT: return "int";
    case PT_DOUBLE: return "double";
    case PT_BOOL: return "bool";
    case PT_SIZE: return "size";
    case PT_ENUM: return "enum";
    case PT_STRING: return "string";
    case PT_STRUCT: return "struct";
    case PT_LIST: return "list";
    }
    return "?";
}

typedef struct print_ctx {
    FILE *f;
    const char *filter;
    bool markdown;
    size_t count;
} print_ctx;

/* Markdown cell text: '|' escaped, newlines flattened. */
static void md_cell(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '|')
            fputs("\\|", f);
        else
            fputc(*s == '\n' ? ' ' : *s, f);
    }
}

static void print_leaf(print_ctx *c, const char *path, const param_desc *d)
{
    char range[160] = "";
    if (d->type == PT_ENUM || param_has_range(d))
        param_fmt_range(d, range, sizeof range);
    const char *unit = d->unit ? d->unit : "";
    const char *def = d->def ? d->def : "";
    if (c->markdown) {
        fputs("| `", c->f);
        md_cell(c->f, path);
        fprintf(c->f, "` | %s | ", param_type_name(d->type));
        md_cell(c->f, unit);
        fputs(" | ", c->f);
        md_cell(c->f, d->type == PT_STRING ? (*def ? def : "\"\"") : def);
        fputs(" | ", c->f);
        md_cell(c->f, range);
        fputs(" | ", c->f);
        md_cell(c->f, d->desc);
        fputs(" |\n", c->f);
        return;
    }
    fprintf(c->f, "%s  (%s%s%s)  default ", path, param_type_name(d->type),
            *unit ? ", " : "", unit);
    if (d->type == PT_STRING)
        fprintf(c->f, "\"%s\"", def);
    else
        fputs(def, c->f);
    if (*range)
        fprintf(c->f, "  %s %s", d->type == PT_ENUM ? "choices" : "range", range);
    fprintf(c->f, "\n    %s\n\n", d->desc ? d->desc : "");
}

static void walk(print_ctx *c, const param_table *t, const char *prefix)
{
    for (size_t i = 0; i < t->n; i++) {
        const param_desc *d = &t->p[i];
        char path[512];
        snprintf(path, sizeof path, "%s%s%s%s", prefix ? prefix : "",
                 prefix && *prefix ? "." : "", d->name,
                 d->type == PT_LIST ? "[]" : "");
        if (d->type == PT_STRUCT || d->type == PT_LIST) {
            walk(c, d->sub, path);
            continue;
        }
        if (c->filter && strncmp(path, c->filter, strlen(c->filter)) != 0)
            continue;
        print_leaf(c, path, d);
        c->count++;
    }
}

size_t param_print(FILE *f, const param_table *t, const char *prefix,
                   const char *filter)
{
    print_ctx c = {f, filter, false, 0};
    walk(&c, t, prefix);
    return c.count;
}

size_t param_print_markdown(FILE *f, const param_table *t, const char *prefix)
{
    print_ctx c = {f, NULL, true, 0};
    fputs("| parameter | type | unit | default | range | description |\n"
          "|---|---|---|---|---|---|\n", f);
    walk(&c, t, prefix);
    return c.count;
}

/* ---- nearest-key suggestion ------------------------------------------- */

/* Optimal-string-alignment distance, ASCII case-insensitive. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return (size_t)-1;
    size_t d[64][64];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            size_t v = d[i - 1][j - 1] + cost;
            if (d[i - 1][j] + 1 < v)
                v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v)
                v = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    return d[la][lb];
}

/* "; did you mean 'size'? (valid keys: size, assoc)" or " (valid keys: ...)" */
void param_unknown_key_hint(const param_table *t, const char *key, char *buf, size_t cap)
{
    size_t len = strlen(key), limit = len / 3 > 2 ? len / 3 : 2, best = (size_t)-1;
    const char *sugg = NULL;
    for (size_t i = 0; *key && i < t->n; i++) {
        size_t dist = edit_distance(key, t->p[i].name);
        if (dist <= limit && dist < best) {
            best = dist;
            sugg = t->p[i].name;
        }
    }
    size_t o = 0;
    if (sugg)
        o += (size_t)snprintf(buf, cap, "; did you mean '%s'?", sugg);
    if (o < cap)
        o += (size_t)snprintf(buf + o, cap - o, " (valid keys:");
    for (size_t i = 0; i < t->n && o < cap; i++)
        o += (size_t)snprintf(buf + o, cap - o, "%s %s", i ? "," : "", t->p[i].name);
    if (o < cap)
        snprintf(buf + o, cap - o, ")");
}

/* "an unsigned integer", "a size", "one of a|b|c", ... */
void param_expected_phrase(const param_desc *d, char *buf, size_t cap)
{
    switch (d->type) {
    case PT_UINT: snprintf(buf, cap, "an unsigned integer"); break;
    case PT_INT: snprintf(buf, cap, "an integer"); break;
    case PT_DOUBLE: snprintf(buf, cap, "a number"); break;
    case PT_BOOL: snprintf(buf, cap, "true or false"); break;
    case PT_SIZE: snprintf(buf, cap, "a size like 64K"); break;
    case PT_ENUM: snprintf(buf, cap, "one of %s", d->choices ? d->choices : ""); break;
    case PT_STRING: snprintf(buf, cap, "a string"); break;
    case PT_STRUCT: snprintf(buf, cap, "a mapping"); break;
    case PT_LIST: snprintf(buf, cap, "a sequence of mappings"); break;
    }
}

