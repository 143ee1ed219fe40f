/*
 * param.c - parameter tables: defaults, value parsing and validation,
 * freeing, and the table self-check (see param.h).
 *
 * Value syntax (the same for YAML, --set and declared defaults):
 *   uint    decimal or 0x hex; no sign, no '_' separators
 *   int     as uint with an optional leading '-'
 *   double  a finite decimal number ("0.5", "2", "1e-3")
 *   bool    true/false, yes/no, on/off (any case), 1/0
 *   size    bytes ("4096", "0x1000") or an integer with a binary suffix
 *           K/M/G/T/P, optionally followed by "iB" or "B", any case
 *           ("64K", "64KiB", "64kb" are all 65536)
 *   enum    one of the '|'-separated choices, exactly
 *   string  anything (heap copy)
 * Ranges: [min, max] inclusive for uint/int/double/size; a descriptor with
 * min == max == 0 has no range beyond its type's.
 * Invariant: a value is stored only after it parsed and passed its range.
 */
#include "param.h"
#include "param_int.h"

#include <assert.h>
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- numbers ---------------------------------------------------------- */

/* Strict unsigned integer: decimal or 0x hex, whole string. */
static int parse_u64(const char *s, size_t len, uint64_t *out)
{
    uint64_t v = 0;
    unsigned base = 10;
    if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
        len -= 2;
    }
    if (len == 0)
        return -1;
    for (size_t i = 0; i < len; i++) {
        int c = (unsigned char)s[i], dig;
        if (c >= '0' && c <= '9')
            dig = c - '0';
        else if (base == 16 && isxdigit(c))
            dig = tolower(c) - 'a' + 10;
        else
            return -1;
        if (v > (UINT64_MAX - (uint64_t)dig) / base)
            return -2; /* overflow */
        v = v * base + (uint64_t)dig;
    }
    *out = v;
    return 0;
}

/* 0 ok, -1 malformed, -2 well-formed but does not fit in 64 bits. */
static int parse_size(const char *text, uint64_t *out)
{
    size_t len = strlen(text), nd = 0;
    if (len > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
        return parse_u64(text, len, out);
    while (nd < len && isdigit((unsigned char)text[nd]))
        nd++;
    uint64_t v = 0;
    int rc = nd ? parse_u64(text, nd, &v) : -1;
    if (rc == -1)
        return -1;
    const char *suf = text + nd;
    unsigned shift = 0;
    const char *units = "KMGTP", *u;
    if (*suf && (u = strchr(units, toupper((unsigned char)*suf))) != NULL) {
        shift = 10u * (unsigned)(u - units + 1);
        suf++;
        if (strcasecmp(suf, "ib") == 0 || strcasecmp(suf, "b") == 0)
            suf += strlen(suf);
    } else if (strcasecmp(suf, "b") == 0) {
        suf++;
    }
    if (*suf)
        return -1;
    if (rc != 0 || (shift && v > (UINT64_MAX >> shift)))
        return -2;
    *out = v << shift;
    return 0;
}

int param_parse_size(const char *text, uint64_t *out)
{
    return parse_size(text, out) == 0 ? 0 : -1;
}

void param_fmt_size(uint64_t v, char *buf, size_t cap)
{
    static const char units[] = "KMGTP";
    int k = 0;
    while (k < 5 && v != 0 && (v & ((UINT64_C(1) << (10 * (k + 1))) - 1)) == 0)
        k++;
    if (k == 0)
        snprintf(buf, cap, "%llu", (unsigned long long)v);
    else
        snprintf(buf, cap, "%llu%c", (unsigned long long)(v >> (10 * k)), units[k - 1]);
}

bool param_has_range(const param_desc *d)
{
    return !(d->min == 0 && d->max == 0);
}

static uint64_t dbl_to_u64(double x)
{
    if (!(x > 0))
        return 0;
    if (x >= 18446744073709551615.0)
        return UINT64_MAX;
    return (uint64_t)x;
}

static int64_t dbl_to_i64(double x)
{
    if (x <= -9223372036854775808.0)
        return INT64_MIN;
    if (x >= 9223372036854775807.0)
        return INT64_MAX;
    return (int64_t)x;
}

void param_fmt_range(const param_desc *d, char *buf, size_t cap)
{
    char a[32], b[32];
    switch (d->type) {
    case PT_UINT:
        snprintf(buf, cap, "[%llu, %llu]", (unsigned long long)dbl_to_u64(d->min),
                 (unsigned long long)dbl_to_u64(d->max));
        break;
    case PT_INT:
        snprintf(buf, cap, "[%lld, %lld]", (long long)dbl_to_i64(d->min),
                 (long long)dbl_to_i64(d->max));
        break;
    case PT_DOUBLE:
        snprintf(buf, cap, "[%g, %g]", d->min, d->max);
        break;
    case PT_SIZE:
        param_fmt_size(dbl_to_u64(d->min), a, sizeof a);
        param_fmt_size(dbl_to_u64(d->max), b, sizeof b);
        snprintf(buf, cap, "[%s, %s]", a, b);
        break;
    default:
        snprintf(buf, cap, "%s", d->type == PT_ENUM && d->choices ? d->choices : "");
        break;
    }
}

/* ---- scalar values ---------------------------------------------------- */

static int range_err(const param_desc *d, const char *text, const char *where,
                     sim_err *e)
{
    char r[96];
    param_fmt_range(d, r, sizeof r);
    const char *what = d->type == PT_SIZE ? "a size" :
                       d->type == PT_DOUBLE ? "a number" : "an integer";
    return sim_errf(e, "%s: value %.64s out of range; expected %s in %s", where,
                    text, what, r);
}

static int parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return -1;
}

int param_enum_index(const char *choices, const char *s, unsigned *out)
{
    size_t n = strlen(s);
    unsigned i = 0;
    for (const char *p = choices; p; i++) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && strncmp(p, s, n) == 0) {
            *out = i;
            return 0;
        }
        p = bar ? bar + 1 : NULL;
    }
    return -1;
}

int param_parse_value(const param_desc *d, const char *text, void *dst,
                      const char *where, sim_err *e)
{
    assert(d && text && dst);
    uint64_t u;
    int rc;
    switch (d->type) {
    case PT_UINT:
        if (text[0] == '-' && parse_u64(text + 1, strlen(text + 1), &u) != -1)
            return range_err(d, text, where, e);
        rc = parse_u64(text, strlen(text), &u);
        if (rc == -1)
            return sim_errf(e, "%s: expected an unsigned integer, got '%.64s'", where, text);
        if (rc != 0 || (param_has_range(d) &&
                        (u < dbl_to_u64(d->min) || u > dbl_to_u64(d->max))))
            return range_err(d, text, where, e);
        *(uint64_t *)dst = u;
        return 0;
    case PT_INT: {
        bool neg = text[0] == '-';
        rc = parse_u64(text + neg, strlen(text + neg), &u);
        if (rc == -1)
            return sim_errf(e, "%s: expected an integer, got '%.64s'", where, text);
        if (rc != 0 || u > (uint64_t)INT64_MAX + neg)
            return range_err(d, text, where, e);
        int64_t v = neg ? (int64_t)(0 - u) : (int64_t)u;
        if (param_has_range(d) && (v < dbl_to_i64(d->min) || v > dbl_to_i64(d->max)))
            return range_err(d, text, where, e);
        *(int64_t *)dst = v;
        return 0;
    }
    case PT_DOUBLE: {
        char *end;
        double v = text[0] && !isspace((unsigned char)text[0]) && !strpbrk(text, "xX")
                       ? strtod(text, &end) : NAN;
        if (isnan(v) || *end || !isfinite(v))
            return sim_errf(e, "%s: expected a number, got '%.64s'", where, text);
        if (param_has_range(d) && (v < d->min || v > d->max))
            return range_err(d, text, where, e);
        *(double *)dst = v;
        return 0;
    }
    case PT_BOOL:
        if (parse_bool(text, (bool *)dst) != 0)
            return sim_errf(e, "%s: expected true or false, got '%.64s'", where, text);
        return 0;
    case PT_SIZE:
        rc = parse_size(text, &u);
        if (rc == -2)
            return range_err(d, text, where, e);
        if (rc != 0) {
            return sim_errf(e, "%s: expected a size (bytes, or an integer with a "
                            "K/M/G/T/P suffix like 64K), got '%.64s'", where, text);
        }
        if (param_has_range(d) && (u < dbl_to_u64(d->min) || u > dbl_to_u64(d->max)))
            return range_err(d, text, where, e);
        *(uint64_t *)dst = u;
        return 0;
    case PT_ENUM:
        if (!d->choices || param_enum_index(d->choices, text, (unsigned *)dst) != 0)
            return sim_errf(e, "%s: expected one of %s, got '%.64s'", where,
                            d->choices ? d->choices : "(none)", text);
        return 0;
    case PT_STRING: {
        char *s = strdup(text);
        if (!s)
            return sim_errf(e, "%s: out of memory", where);
        free(*(char **)dst);
        *(char **)dst = s;
        return 0;
    }
    case PT_STRUCT:
    case PT_LIST:
        break;
    }
    assert(!"param_parse_value: not a scalar type");
    return sim_errf(e, "%s: not a scalar parameter", where);
}

/* ---- ranges of a filled struct ------------------------------------------ */

/* The dotted path of d under prefix, into path (n bytes). */
static void range_path(char *path, size_t n, const char *prefix, const param_desc *d)
{
    snprintf(path, n, "%s%s%s", prefix, *prefix ? "." : "", d->name);
}

/* Every field within its range; the path and the value's text are formatted
 * only for a sub-structure's prefix or an error (this runs for every
 * component built, SMT thread by SMT thread). */
static int check_ranges(const param_table *t, const void *obj, const char *prefix, sim_err *e)
{
    for (size_t i = 0; i < t->n; i++) {
        const param_desc *d = &t->p[i];
        const void *f = (const char *)obj + d->offset;
        char path[256], text[64];
        switch (d->type) {
        case PT_UINT:
        case PT_SIZE: {
            uint64_t v = *(const uint64_t *)f;
            if (!param_has_range(d) || (v >= dbl_to_u64(d->min) && v <= dbl_to_u64(d->max)))
                break;
            if (d->type == PT_SIZE)
                param_fmt_size(v, text, sizeof text);
            else
                snprintf(text, sizeof text, "%llu", (unsigned long long)v);
            range_path(path, sizeof path, prefix, d);
            return range_err(d, text, path, e);
        }
        case PT_INT: {
            int64_t v = *(const int64_t *)f;
            if (!param_has_range(d) || (v >= dbl_to_i64(d->min) && v <= dbl_to_i64(d->max)))
                break;
            snprintf(text, sizeof text, "%lld", (long long)v);
            range_path(path, sizeof path, prefix, d);
            return range_err(d, text, path, e);
        }
        case PT_DOUBLE: {
            double v = *(const double *)f;
            if (isfinite(v) && (!param_has_range(d) || (v >= d->min && v <= d->max)))
                break;
            snprintf(text, sizeof text, "%g", v);
            range_path(path, sizeof path, prefix, d);
            return range_err(d, text, path, e);
        }
        case PT_ENUM: {
            unsigned v = *(const unsigned *)f, n = 1;
            for (const char *c = d->choices ? d->choices : ""; *c; c++)
                n += *c == '|';
            if (v >= n) {
                range_path(path, sizeof path, prefix, d);
                return sim_errf(e, "%s: choice %u does not exist; expected one of %s", path, v,
                                d->choices ? d->choices : "(none)");
            }
            break;
        }
        case PT_STRUCT:
            range_path(path, sizeof path, prefix, d);
            if (check_ranges(d->sub, f, path, e) != 0)
                return -1;
            break;
        case PT_LIST: {
            const param_list *l = f;
            range_path(path, sizeof path, prefix, d);
            for (size_t k = 0; k < l->n; k++) {
                char ip[300];
                snprintf(ip, sizeof ip, "%s[%zu]", path, k);
                if (check_ranges(d->sub, (const char *)l->items + k * d->sub->size, ip, e) != 0)
                    return -1;
            }
            break;
        }
        case PT_BOOL:
        case PT_STRING:
            break;
        }
    }
    return 0;
}

int param_check_ranges(const param_table *t, const void *obj, const char *prefix, sim_err *e)
{
    assert(t && obj);
    return check_ranges(t, obj, prefix ? prefix : "", e);
}

/* ---- defaults and freeing --------------------------------------------- */

int param_defaults(const param_table *t, void *obj, sim_err *e)
{
    assert(t && obj);
    memset(obj, 0, t->size);
    for (size_t i = 0; i < t->n; i++) {
        const param_desc *d = &t->p[i];
        void *f = param_field(obj, d);
        if (d->type == PT_STRUCT) {
            if (param_defaults(d->sub, f, e) != 0)
                return -1;
            continue;
        }
        if (d->type == PT_LIST)
            continue; /* lists start empty (zeroed) */
        /* (a default that does not parse is the program's error: its place
         * is formatted only then, and the value parsed again to report it;
         * a component's defaults are set for every one built) */
        char where[160];
        const char *def = d->def;
        if (!def && d->type == PT_STRING)
            def = "";
        sim_err quiet;
        if (!def || param_parse_value(d, def, f, "", &quiet) != 0) {
            snprintf(where, sizeof where, "param table '%s': default of '%s'",
                     t->name ? t->name : "?", d->name);
            if (!def)
                return sim_errf(e, "%s: missing", where);
            return param_parse_value(d, def, f, where, e);
        }
    }
    return 0;
}

void param_free(const param_table *t, void *obj)
{
    if (!t || !obj)
        return;
    for (size_t i = 0; i < t->n; i++) {
        const param_desc *d = &t->p[i];
        void *f = param_field(obj, d);
        if (d->type == PT_STRING) {
            free(*(char **)f);
            *(char **)f = NULL;
        } else if (d->type == PT_STRUCT) {
            param_free(d->sub, f);
        } else if (d->type == PT_LIST) {
            param_list *l = f;
            for (size_t k = 0; k < l->n; k++)
                param_free(d->sub, (char *)l->items + k * d->sub->size);
            free(l->items);
            l->items = NULL;
            l->n = 0;
        }
    }
}

int param_resolve_paths(const param_table *t, void *obj, const char *base_dir, sim_err *e)
{
    if (!t || !obj || !base_dir || !*base_dir || !strcmp(base_dir, "."))
        return 0;
    for (size_t i = 0; i < t->n; i++) {
        const param_desc *d = &t->p[i];
        void *f = param_field(obj, d);
        if (d->type == PT_STRING && d->unit && !strcmp(d->unit, "path")) {
            char **s = f;
            if (!*s || !**s || (*s)[0] == '/')
                continue;
            size_t n = strlen(base_dir) + strlen(*s) + 2;
            char *p = malloc(n);
            if (!p)
                return sim_errf(e, "out of host memory");
            snprintf(p, n, "%s/%s", base_dir, *s);
            free(*s);
            *s = p;
        } else if (d->type == PT_STRUCT) {
            if (param_resolve_paths(d->sub, f, base_dir, e) != 0)
                return -1;
        } else if (d->type == PT_LIST) {
            param_list *l = f;
            for (size_t k = 0; k < l->n; k++)
                if (param_resolve_paths(d->sub, (char *)l->items + k * d->sub->size, base_dir,
                                        e) != 0)
                    return -1;
        }
    }
    return 0;
}

const param_desc *param_find(const param_table *t, const char *key)
{
    for (size_t i = 0; t && key && i < t->n; i++)
        if (strcmp(t->p[i].name, key) == 0)
            return &t->p[i];
    return NULL;
}

/* ---- table self-check -------------------------------------------------- */

static size_t field_size(const param_desc *d)
{
    switch (d->type) {
    case PT_UINT: case PT_SIZE: return sizeof(uint64_t);
    case PT_INT: return sizeof(int64_t);
    case PT_DOUBLE: return sizeof(double);
    case PT_BOOL: return sizeof(bool);
    case PT_ENUM: return sizeof(unsigned);
    case PT_STRING: return sizeof(char *);
    case PT_STRUCT: return d->sub ? d->sub->size : 0;
    case PT_LIST: return sizeof(param_list);
    }
    return 0;
}

static int check_decl(const param_table *t, const char *prefix, sim_err *e)
{
    const char *tn = t->name ? t->name : "?";
    if (!t->p && t->n)
        return sim_errf(e, "param table '%s': no descriptors", tn);
    for (size_t i = 0; i < t->n; i++) {
        const param_desc *d = &t->p[i];
        char path[256];
        snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "",
                 d->name ? d->name : "?");
        if (!d->name || !*d->name || d->name[strspn(d->name,
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")])
            return sim_errf(e, "param table '%s': %s: name must be non-empty "
                            "[A-Za-z0-9_-]", tn, path);
        for (size_t k = 0; k < i; k++)
            if (strcmp(t->p[k].name, d->name) == 0)
                return sim_errf(e, "param table '%s': %s: duplicate name", tn, path);
        if (!d->desc || !*d->desc)
            return sim_errf(e, "param table '%s': %s: empty description", tn, path);
        if (d->offset + field_size(d) > t->size)
            return sim_errf(e, "param table '%s': %s: field outside the struct", tn, path);
        if (d->type == PT_STRUCT || d->type == PT_LIST) {
            if (!d->sub || d->def)
                return sim_errf(e, "param table '%s': %s: struct/list needs sub "
                                "and no default", tn, path);
            char sp[260];
            snprintf(sp, sizeof sp, "%s%s", path, d->type == PT_LIST ? "[]" : "");
            if (check_decl(d->sub, sp, e) != 0)
                return -1;
            continue;
        }
        if (!d->def)
            return sim_errf(e, "param table '%s': %s: no default", tn, path);
        if ((d->type == PT_UINT || d->type == PT_INT || d->type == PT_DOUBLE ||
             d->type == PT_SIZE) && d->min > d->max)
            return sim_errf(e, "param table '%s': %s: min > max", tn, path);
        if (d->type == PT_ENUM) {
            const char *c = d->choices;
            if (!c || !*c || c[0] == '|' || c[strlen(c) - 1] == '|' || strstr(c, "||"))
                return sim_errf(e, "param table '%s': %s: bad choices", tn, path);
        }
    }
    return 0;
}

int param_table_check(const param_table *t, sim_err *e)
{
    assert(t);
    if (check_decl(t, "", e) != 0)
        return -1;
    void *tmp = calloc(1, t->size ? t->size : 1);
    if (!tmp)
        return sim_errf(e, "param table '%s': out of memory", t->name ? t->name : "?");
    int rc = param_defaults(t, tmp, e);
    param_free(t, tmp);
    free(tmp);
    return rc;
}
