/*
 * sweep_json.c - a small JSON reader for the sweep: it checks that a text
 * is exactly one JSON value and visits every scalar with its dotted path
 * (object keys joined by '.', array elements as "[i]"), which is how a
 * sweep's metrics name the figures of a run's stats.json. Strings are
 * unescaped (\uXXXX, surrogate pairs to UTF-8); numbers, true and false are
 * passed as written; null as "". Nesting is limited to 64 levels.
 * Also the writer side: a string as a JSON literal.
 */
#include "sweep.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64

typedef struct jr {
    const char *p;
    sweep_buf path;   /* current dotted path */
    sweep_buf val;    /* scratch for a string value */
    sweep_json_fn fn;
    void *ctx;
} jr;

static void ws(jr *r)
{
    while (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r')
        r->p++;
}

static int hex4(const char *p, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

static void utf8(sweep_buf *b, unsigned cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp, n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xc0 | cp >> 6), u[1] = (char)(0x80 | (cp & 0x3f)), n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xe0 | cp >> 12), u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[2] = (char)(0x80 | (cp & 0x3f)), n = 3;
    } else {
        u[0] = (char)(0xf0 | cp >> 18), u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3f)), u[3] = (char)(0x80 | (cp & 0x3f)), n = 4;
    }
    sweep_buf_addn(b, u, n);
}

/* A string literal at r->p (at the opening quote) into out (reset first). */
static int string(jr *r, sweep_buf *out)
{
    out->n = 0;
    sweep_buf_addn(out, "", 0);
    if (*r->p != '"')
        return -1;
    for (r->p++; *r->p != '"'; r->p++) {
        unsigned char c = (unsigned char)*r->p;
        if (c < 0x20)
            return -1; /* includes the terminating NUL */
        if (c != '\\') {
            sweep_buf_addn(out, r->p, 1);
            continue;
        }
        char esc = *++r->p;
        const char *plain = strchr("\"\\/bfnrt", esc);
        if (esc && plain) {
            static const char repl[] = "\"\\/\b\f\n\r\t";
            sweep_buf_addn(out, &repl[plain - "\"\\/bfnrt"], 1);
            continue;
        }
        unsigned cp, lo;
        if (esc != 'u' || hex4(r->p + 1, &cp) != 0)
            return -1;
        r->p += 4;
        if (cp >= 0xd800 && cp < 0xdc00 && r->p[1] == '\\' && r->p[2] == 'u' &&
            hex4(r->p + 3, &lo) == 0 && lo >= 0xdc00 && lo < 0xe000) {
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            r->p += 6;
        }
        utf8(out, cp);
    }
    r->p++;
    return out->oom ? -1 : 0;
}

static int number(jr *r, const char **start, size_t *len)
{
    const char *p = r->p;
    *start = p;
    if (*p == '-')
        p++;
    if (*p == '0')
        p++;
    else if (*p >= '1' && *p <= '9')
        while (*p >= '0' && *p <= '9')
            p++;
    else
        return -1;
    if (*p == '.') {
        if (!(*++p >= '0' && *p <= '9'))
            return -1;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!(*p >= '0' && *p <= '9'))
            return -1;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    *len = (size_t)(p - *start);
    r->p = p;
    return 0;
}

static void leaf(jr *r, const char *text, size_t n)
{
    if (r->fn && !r->path.oom) {
        char *t = strndup(text, n);
        if (t)
            r->fn(r->path.s ? r->path.s : "", t, r->ctx);
        free(t);
    }
}

static int value(jr *r, int depth);

/* Append ".key" or "[i]" to the path, parse the member, cut the path back. */
static int member(jr *r, const char *key, size_t idx, int depth)
{
    size_t keep = r->path.n;
    if (key)
        sweep_buf_add(&r->path, "%s%s", keep ? "." : "", key);
    else
        sweep_buf_add(&r->path, "[%zu]", idx);
    int rc = value(r, depth + 1);
    r->path.n = keep;
    if (r->path.s)
        r->path.s[keep] = '\0';
    return rc;
}

static int value(jr *r, int depth)
{
    if (depth > MAX_DEPTH)
        return -1;
    ws(r);
    char c = *r->p;
    if (c == '{' || c == '[') {
        char close = c == '{' ? '}' : ']';
        r->p++;
        ws(r);
        if (*r->p == close) {
            r->p++;
            return 0;
        }
        for (size_t i = 0;; i++) {
            ws(r);
            int rc;
            if (c == '{') {
                sweep_buf key = {0};
                rc = string(r, &key);
                ws(r);
                if (rc == 0 && *r->p++ != ':')
                    rc = -1;
                if (rc == 0)
                    rc = member(r, key.s ? key.s : "", 0, depth);
                sweep_buf_free(&key);
            } else {
                rc = member(r, NULL, i, depth);
            }
            if (rc)
                return -1;
            ws(r);
            if (*r->p == close) {
                r->p++;
                return 0;
            }
            if (*r->p++ != ',')
                return -1;
        }
    }
    if (c == '"') {
        if (string(r, &r->val) != 0)
            return -1;
        leaf(r, r->val.s, r->val.n);
        return 0;
    }
    static const char *const words[] = {"true", "false", "null"};
    for (int i = 0; i < 3; i++)
        if (!strncmp(r->p, words[i], strlen(words[i]))) {
            r->p += strlen(words[i]);
            leaf(r, i < 2 ? words[i] : "", i < 2 ? strlen(words[i]) : 0);
            return 0;
        }
    const char *start;
    size_t len;
    if (number(r, &start, &len) != 0)
        return -1;
    leaf(r, start, len);
    return 0;
}

int sweep_json_leaves(const char *text, sweep_json_fn fn, void *ctx)
{
    jr r = {text, {0}, {0}, fn, ctx};
    int rc = value(&r, 0);
    ws(&r);
    if (rc == 0 && (*r.p != '\0' || r.path.oom))
        rc = -1;
    sweep_buf_free(&r.path);
    sweep_buf_free(&r.val);
    return rc;
}

void sweep_json_str(sweep_buf *b, const char *s)
{
    sweep_buf_addn(b, "\"", 1);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            sweep_buf_add(b, "\\%c", c);
        else if (c < 0x20)
            sweep_buf_add(b, "\\u%04x", c);
        else
            sweep_buf_addn(b, s, 1);
    }
    sweep_buf_addn(b, "\"", 1);
}
