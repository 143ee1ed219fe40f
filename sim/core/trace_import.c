/*
 * trace_import.c - converters from foreign text traces to native binary
 * traces: Valgrind lackey ("I  addr,size", " L|S|M addr,size", "==PID=="
 * lines skipped), DRAMsim3 ("<hex addr> READ|WRITE <cycle>") and QEMU
 * execution logs (the line parser is trace_import_qemu.c).
 *
 * Input (plain or gzipped, trace_gzin.c) is read in 256 KiB chunks and
 * split into lines in place; each line becomes at most one record. Refused:
 * an output that is the input file, an access wrapping past 2^64 (FILE:LINE)
 * and an input without any record. Invariant: on any error the output
 * writer is aborted, so nothing is left at out_path (unless out_path is a
 * device or FIFO, which are written in place).
 */
#include "trace_priv.h"

#include "outfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IMP_LINE_MAX (64u * 1024) /* longest input line accepted */

typedef struct imp_lines {
    tr_gzin *in;
    const char *path;
    unsigned long line;
    size_t pos, len;
    int eof;
    int last_nl;        /* the line returned last ended in '\n' */
    char buf[TR_BUF_SIZE];
} imp_lines;

/* Next line (without '\n') into *s and *n. Returns 1, 0 at end, -1 on error. */
static int next_line(imp_lines *L, const char **s, size_t *n, sim_err *e)
{
    for (;;) {
        char *nl = L->pos < L->len ? memchr(L->buf + L->pos, '\n', L->len - L->pos) : NULL;
        if (nl || (L->eof && L->pos < L->len)) {
            size_t ll = nl ? (size_t)(nl - (L->buf + L->pos)) : L->len - L->pos;
            *s = L->buf + L->pos;
            *n = ll;
            L->pos += ll + (nl ? 1 : 0);
            L->line++;
            L->last_nl = nl != NULL;
            return 1;
        }
        if (L->eof)
            return 0;
        size_t left = L->len - L->pos;
        if (left >= IMP_LINE_MAX)
            return sim_errf(e, "%s:%lu: line longer than %u characters; expected "
                            "one record per line", L->path, L->line + 1, IMP_LINE_MAX);
        memmove(L->buf, L->buf + L->pos, left);
        L->pos = 0;
        L->len = left;
        long k = tr_gzin_read(L->in, L->buf + L->len, sizeof L->buf - L->len);
        if (k > 0) {
            L->len += (size_t)k;
            continue;
        }
        if (k == 0 && tr_gzin_cut(L->in))
            return sim_errf(e, "%s:%lu: truncated gzip stream (unexpected end of "
                            "file)", L->path, L->line + 1);
        if (k < 0 && tr_gzin_error(L->in) == TR_GZ_GARBAGE)
            return sim_errf(e, "%s: %s", L->path, tr_gzin_msg(L->in));
        if (k < 0)
            return sim_errf(e, "%s:%lu: cannot read: %s", L->path, L->line + 1,
                            tr_gzin_msg(L->in));
        L->eof = 1;
    }
}

int tr_imp_span(const tr_rec *r, const char *path, unsigned long line, sim_err *e)
{
    if (!tr_wraps(r))
        return 0;
    return sim_errf(e, "%s:%lu: " TR_WRAP_FMT, path, line, TR_WRAP_ARGS(r));
}

int tr_imp_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return 0;
    return 1;
}

static int hexval(unsigned c)
{
    if (c - '0' < 10)
        return (int)(c - '0');
    c |= 0x20;
    if (c - 'a' < 6)
        return (int)(c - 'a' + 10);
    return -1;
}

int tr_imp_hex(const char *s, size_t n, size_t *i, uint64_t *out)
{
    uint64_t v = 0;
    size_t k = *i, start = k;
    int d;
    while (k < n && (d = hexval((unsigned char)s[k])) >= 0) {
        if (k - start == 16)
            return -1;
        v = v << 4 | (unsigned)d;
        k++;
    }
    if (k == start)
        return -1;
    *i = k;
    *out = v;
    return 0;
}

int tr_imp_dec(const char *s, size_t n, size_t *i, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    size_t k = *i;
    while (k < n && s[k] >= '0' && s[k] <= '9') {
        v = v * 10 + (uint64_t)(s[k] - '0');
        if (v > max)
            return -1;
        k++;
    }
    if (k == *i)
        return -1;
    *i = k;
    *out = v;
    return 0;
}

/* Lackey line -> 1 (record), 0 (skip), -1 (malformed). */
static int lackey_line(const char *s, size_t n, tr_rec *r)
{
    if (n >= 2 && s[0] == '=' && s[1] == '=')
        return 0;
    size_t i = 0;
    while (i < n && s[i] == ' ')
        i++;
    if (tr_imp_blank(s + i, n - i))
        return 0;
    switch (s[i]) {
    case 'I': r->kind = TR_INSN; break;
    case 'L': r->kind = TR_LOAD; break;
    case 'S': r->kind = TR_STORE; break;
    case 'M': r->kind = TR_MODIFY; break;
    default: return -1;
    }
    i++;
    if (i >= n || s[i] != ' ')
        return -1;
    while (i < n && s[i] == ' ')
        i++;
    uint64_t a, sz;
    if (tr_imp_hex(s, n, &i, &a) < 0 || i >= n || s[i] != ',')
        return -1;
    i++;
    if (tr_imp_dec(s, n, &i, 255, &sz) < 0 || sz == 0 || !tr_imp_blank(s + i, n - i))
        return -1;
    r->addr = a;
    r->size = (uint8_t)sz;
    return 1;
}

/* DRAMsim3 line -> 1, 0 (blank), -1. */
static int dramsim3_line(const char *s, size_t n, tr_rec *r)
{
    if (tr_imp_blank(s, n))
        return 0;
    size_t i = 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (i + 1 < n && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X'))
        i += 2;
    uint64_t a, cyc;
    if (tr_imp_hex(s, n, &i, &a) < 0 || i >= n || (s[i] != ' ' && s[i] != '\t'))
        return -1;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (n - i >= 4 && !memcmp(s + i, "READ", 4)) {
        r->kind = TR_LOAD;
        i += 4;
    } else if (n - i >= 5 && !memcmp(s + i, "WRITE", 5)) {
        r->kind = TR_STORE;
        i += 5;
    } else {
        return -1;
    }
    if (i >= n || (s[i] != ' ' && s[i] != '\t'))
        return -1;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (tr_imp_dec(s, n, &i, UINT64_MAX / 10 - 1, &cyc) < 0 || !tr_imp_blank(s + i, n - i))
        return -1;
    r->addr = a;
    r->size = 64;
    return 1;
}

int tr_import(tr_import_fmt fmt, const char *in_path, const char *out_path,
              uint64_t *n_out, sim_err *e)
{
    if (n_out)
        *n_out = 0;
    imp_lines *L = calloc(1, sizeof *L);
    if (!L)
        return sim_errf(e, "%s: out of memory", in_path);
    L->path = in_path;
    errno = 0;
    L->in = tr_gzin_open(in_path);
    if (!L->in) {
        sim_errf(e, "%s: cannot open: %s", in_path, strerror(errno ? errno : ENOMEM));
        free(L);
        return -1;
    }
    /* the output replaces its file only at the end, but then the input
     * (however it is spelt, through links too) would be gone */
    if (outfile_same(in_path, out_path)) {
        tr_gzin_close(L->in);
        free(L);
        return sim_errf(e, "%s: cannot write: it is the input file %s; expected a different "
                        "output path", out_path, in_path);
    }
    const char *fname = fmt == TR_FMT_LACKEY ? "lackey" : fmt == TR_FMT_QEMU ? "qemu" : "dramsim3";
    char note[1200];
    snprintf(note, sizeof note, "imported from %s (%s) by lparsim trace import",
             in_path, fname);
    /* qemu: ppc64le programs (qemu-ppc64le), format version 3 (hcall
     * returns, up to 9 arguments); the others: unknown byte order, version 1 */
    tr_writer *w = fmt == TR_FMT_QEMU
                       ? tr_writer_create_version(out_path, note, 6, TRH_CODE_LE, 3, e)
                       : tr_writer_create_flags(out_path, note, 6, 0, e);
    int rc = w ? 0 : -1;
    tr_qemu *q = NULL;
    if (rc == 0 && fmt == TR_FMT_QEMU && !(q = tr_qemu_create()))
        rc = sim_errf(e, "%s: out of memory", in_path);
    const char *s = NULL;
    size_t n = 0;
    tr_rec rec;
    memset(&rec, 0, sizeof rec);
    while (rc == 0) {
        int k = next_line(L, &s, &n, e);
        if (k <= 0) {
            rc = k;
            if (k == 0 && q)
                rc = tr_qemu_finish(q, w, in_path, L->line, 1, e);
            break;
        }
        if (q) { /* a last line without newline: the log was cut */
            rc = L->last_nl ? tr_qemu_line(q, s, n, w, in_path, L->line, e)
                            : tr_qemu_finish(q, w, in_path, L->line, 0, e);
            continue;
        }
        k = fmt == TR_FMT_LACKEY ? lackey_line(s, n, &rec) : dramsim3_line(s, n, &rec);
        if (k < 0) {
            char qt[96];
            while (n && (s[n - 1] == '\r'))
                n--;
            tr_quote_line(s, n, qt, sizeof qt);
            rc = sim_errf(e, fmt == TR_FMT_LACKEY
                          ? "%s:%lu: expected a lackey record 'I  <hexaddr>,<size>' "
                            "or ' L|S|M <hexaddr>,<size>' (size 1..255), got '%s'"
                          : "%s:%lu: expected a DRAMsim3 record '<hexaddr> "
                            "READ|WRITE <cycle>', got '%s'",
                          in_path, L->line, qt);
        } else if (k > 0) {
            rc = tr_imp_span(&rec, in_path, L->line, e);
            if (rc == 0)
                rc = tr_write(w, &rec, e);
        }
    }
    if (rc == 0 && !tr_written(w) && !q) /* qemu: its own "empty log" message */
        rc = sim_errf(e, fmt == TR_FMT_LACKEY
                      ? "%s: no records in %lu lines; expected lackey records "
                        "'I  <hexaddr>,<size>' or ' L|S|M <hexaddr>,<size>'"
                      : "%s: no records in %lu lines; expected DRAMsim3 records "
                        "'<hexaddr> READ|WRITE <cycle>'",
                      in_path, L->line);
    tr_gzin_close(L->in);
    free(L);
    tr_qemu_destroy(q);
    if (rc < 0) {
        tr_abort(w);
        return -1;
    }
    uint64_t total = tr_written(w);
    if (tr_finish(w, e) < 0)
        return -1;
    if (n_out)
        *n_out = total;
    return 0;
}
