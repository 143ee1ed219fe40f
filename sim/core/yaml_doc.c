/*
 * yaml_doc.c - reading and parsing one YAML document with libfyaml,
 * diagnostics collected into one-line errors (see yaml_doc.h).
 */
#include "yaml_doc.h"

#include <errno.h>
#include <libfyaml.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct yaml_doc {
    struct fy_diag *diag;
    struct fy_parser *fyp;
    struct fy_document *doc;
};

char *yaml_read_text(const char *path, sim_err *e)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        sim_errf(e, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 4096, n = 0, k;
    char *buf = malloc(cap);
    while (buf && (k = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += k;
        if (n + 1 == cap) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb)
                free(buf);
            buf = nb;
        }
    }
    int bad = ferror(f) ? (errno ? errno : EIO) : 0;
    fclose(f);
    if (!buf) {
        sim_errf(e, "%s: cannot read: out of memory", path);
        return NULL;
    }
    if (bad) {
        free(buf);
        sim_errf(e, "%s: cannot read: %s", path, strerror(bad));
        return NULL;
    }
    buf[n] = '\0';
    const char *nul = memchr(buf, '\0', n);
    if (nul) {
        int line = 1;
        for (const char *p = buf; p < nul; p++)
            line += *p == '\n';
        free(buf);
        sim_errf(e, "%s:%d: NUL byte; expected a YAML text file", path, line);
        return NULL;
    }
    return buf;
}

typedef struct diag_sink {
    char first[256]; /* first line libfyaml wanted to print, as a fallback */
} diag_sink;

static void diag_out(struct fy_diag *diag, void *user, const char *buf, size_t len)
{
    (void)diag;
    diag_sink *s = user;
    if (!s->first[0])
        snprintf(s->first, sizeof s->first, "%.*s", (int)len, buf);
}

/* An error libfyaml printed instead of collecting (0.7 does so for an
 * unsupported %YAML version), "<  3: 0>: [ERR]: text\n", as
 * "NAME:LINE: YAML syntax error: text" (no line if it gave none). */
static void printed_error(const char *name, const char *out, sim_err *e)
{
    int line = 0, col = 0, n = 0;
    const char *msg = out;
    if (sscanf(out, " < %d : %d >%n", &line, &col, &n) == 2 && n > 0) {
        msg = out + n;
        msg += strspn(msg, ": ");
    } else {
        line = 0;
    }
    if (!strncmp(msg, "[ERR]", 5))
        msg += 5 + strspn(msg + 5, ": ");
    char text[256];
    snprintf(text, sizeof text, "%s", msg[0] ? msg : "unknown");
    text[strcspn(text, "\r\n")] = '\0';
    char ver[32];
    if (sscanf(text, "unsupport version number %31s", ver) == 1)
        snprintf(text, sizeof text, "unsupported %%YAML version %s; expected %%YAML 1.1 or 1.2 "
                 "(or no directive)", ver);
    if (line > 0)
        sim_errf(e, "%s:%d: YAML syntax error: %s", name, line, text);
    else
        sim_errf(e, "%s: YAML syntax error: %s", name, text);
}

void yaml_doc_free(yaml_doc *d)
{
    if (!d)
        return;
    if (d->doc)
        fy_parse_document_destroy(d->fyp, d->doc);
    if (d->fyp)
        fy_parser_destroy(d->fyp);
    if (d->diag)
        fy_diag_destroy(d->diag);
    free(d);
}

/* Offset of the first byte that is not part of well-formed UTF-8 (no
 * overlong forms, surrogates or code points above U+10FFFF), or -1. */
static long utf8_bad_at(const unsigned char *s)
{
    for (const unsigned char *p = s; *p;) {
        unsigned c = *p, n = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2
                                     : (c & 0xF8) == 0xF0 ? 3 : 4;
        if (n == 4 || (n == 1 && c < 0xC2) || (c == 0xF4 && p[1] > 0x8F) || c > 0xF4 ||
            (c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] > 0x9F) ||
            (c == 0xF0 && p[1] < 0x90))
            return (long)(p - s);
        for (unsigned i = 1; i <= n; i++)
            if ((p[i] & 0xC0) != 0x80)
                return (long)(p - s);
        p += n + 1;
    }
    return -1;
}

yaml_doc *yaml_doc_parse(const char *name, const char *text, bool allow_duplicate_keys,
                         sim_err *e)
{
    /* YAML is Unicode text; libfyaml 0.7 can loop forever on some invalid
     * bytes (a directive line "%\xdb"), so they are refused first */
    long bad = utf8_bad_at((const unsigned char *)text);
    if (bad >= 0) {
        int line = 1;
        for (long i = 0; i < bad; i++)
            line += text[i] == '\n';
        sim_errf(e, "%s:%d: invalid UTF-8 (byte 0x%02X); expected a UTF-8 text file", name, line,
                 (unsigned char)text[bad]);
        return NULL;
    }
    diag_sink sink = {{0}};
    yaml_doc *d = calloc(1, sizeof *d);
    struct fy_diag_cfg dc;
    fy_diag_cfg_default(&dc);
    dc.fp = NULL;
    dc.output_fn = diag_out;
    dc.user = &sink;
    dc.colorize = false;
    dc.show_position = true; /* for the errors printed, not collected */
    if (d)
        d->diag = fy_diag_create(&dc);
    if (d && d->diag) {
        fy_diag_set_collect_errors(d->diag, true);
        struct fy_parse_cfg pc = {0};
        pc.flags = FYPCF_QUIET | (allow_duplicate_keys ? FYPCF_ALLOW_DUPLICATE_KEYS : 0);
        pc.diag = d->diag;
        d->fyp = fy_parser_create(&pc);
    }
    if (!d || !d->fyp || fy_parser_set_string(d->fyp, text, strlen(text)) != 0) {
        yaml_doc_free(d);
        sim_errf(e, "%s: out of memory", name);
        return NULL;
    }
    d->doc = fy_parse_load_document(d->fyp);
    struct fy_document *doc2 = d->doc ? fy_parse_load_document(d->fyp) : NULL;
    int failed = 0;
    if (fy_parser_get_stream_error(d->fyp)) {
        void *it = NULL;
        struct fy_diag_error *de = fy_diag_errors_iterate(d->diag, &it);
        if (de)
            sim_errf(e, "%s:%d: YAML syntax error: %s", name, de->line, de->msg);
        else
            printed_error(name, sink.first, e);
        failed = 1;
    } else if (doc2) {
        sim_errf(e, "%s:%d: a second YAML document; expected one document per file", name,
                 yaml_node_line(fy_document_root(doc2)));
        failed = 1;
    }
    if (doc2)
        fy_parse_document_destroy(d->fyp, doc2);
    if (failed) {
        yaml_doc_free(d);
        return NULL;
    }
    return d;
}

struct fy_node *yaml_doc_root(const yaml_doc *d)
{
    return d->doc ? fy_document_root(d->doc) : NULL;
}

int yaml_node_line(struct fy_node *n)
{
    if (!n)
        return 0;
    if (fy_node_is_scalar(n) || fy_node_is_alias(n)) {
        struct fy_token *t = fy_node_get_scalar_token(n);
        const struct fy_mark *m = t ? fy_token_start_mark(t) : NULL;
        return m ? m->line + 1 : 0;
    }
    void *it = NULL;
    if (fy_node_is_mapping(n)) {
        struct fy_node_pair *p = fy_node_mapping_iterate(n, &it);
        return p ? yaml_node_line(fy_node_pair_key(p)) : 0;
    }
    return yaml_node_line(fy_node_sequence_iterate(n, &it));
}

const char *yaml_node_kind(struct fy_node *n)
{
    return !n ? "nothing" : fy_node_is_mapping(n) ? "a mapping"
                          : fy_node_is_sequence(n) ? "a sequence" : "a scalar";
}

bool yaml_node_is_null(struct fy_node *n)
{
    if (!n)
        return true;
    if (!fy_node_is_scalar(n) || fy_node_get_style(n) != FYNS_PLAIN)
        return false;
    const char *s = fy_node_get_scalar0(n);
    return !s || !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
           !strcmp(s, "NULL");
}
