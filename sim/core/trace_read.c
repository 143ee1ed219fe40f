/*
 * trace_read.c - streaming reader for native traces (binary or text form,
 * gzipped or not). See trace_priv.h for the binary record encoding.
 *
 * The reader keeps one 128 KiB chunk of decompressed bytes; tr_read decodes
 * records out of it in a tight loop and refills it from the byte source
 * (trace_gzin.c: gzip or plain; bytes after the gzip stream are refused)
 * when fewer than TRB_MAXREC bytes remain. Invariants: buf[pos..len) is undecoded
 * input; `eof` means the byte source has nothing more; once an error was reported,
 * every later tr_read reports it again (sticky); once END was decoded
 * tr_read returns 0.
 */
#include "trace_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>


long tr_rd_fail(tr_reader *r, sim_err *e)
{
    r->failed = 1;
    if (e)
        memcpy(r->errmsg, e->msg, sizeof r->errmsg);
    return -1;
}

/* Move the undecoded tail to the front and append more input.
 * Returns 0 (possibly setting eof) or -1 with e set. */
int tr_rd_refill(tr_reader *r, sim_err *e)
{
    size_t left = r->len - r->pos;
    if (left && r->pos)
        memmove(r->buf, r->buf + r->pos, left);
    r->pos = 0;
    r->len = left;
    while (!r->eof && r->len < TR_RD_BUF) {
        long k = tr_gzin_read(r->in, r->buf + r->len, TR_RD_BUF - r->len);
        if (k > 0) {
            r->len += (size_t)k;
            continue;
        }
        if (k == 0) {
            r->eof = 1;
            r->gz_cut = tr_gzin_cut(r->in);
            break;
        }
        switch (tr_gzin_error(r->in)) {
        case TR_GZ_ERRNO:
            return sim_errf(e, "%s: cannot read: %s", r->path, tr_gzin_msg(r->in));
        case TR_GZ_CORRUPT:
            return sim_errf(e, "%s: corrupt trace at record %llu: gzip stream: %s", r->path,
                            (unsigned long long)r->nrec, tr_gzin_msg(r->in));
        default: /* trailing data, out of memory */
            return sim_errf(e, "%s: %s", r->path, tr_gzin_msg(r->in));
        }
    }
    r->buf[r->len] = 0;
    return 0;
}

int tr_rd_truncated(tr_reader *r, sim_err *e)
{
    return sim_errf(e, "%s: truncated trace: ended after %llu records without an "
                    "END record", r->path, (unsigned long long)r->nrec);
}

/* Parse the header (binary or text) from the start of the file. */
static int read_header(tr_reader *r, sim_err *e)
{
    if (tr_rd_refill(r, e) < 0)
        return -1;
    const uint8_t *b = r->buf;
    if (r->len >= TRB_MAGIC_LEN && !memcmp(b, TRB_MAGIC, TRB_MAGIC_LEN)) {
        r->text = 0;
        if (r->len < TRB_HDR_FIXED)
            return tr_rd_truncated(r, e);
        unsigned ver = b[8] | (unsigned)b[9] << 8;
        unsigned flags = b[10] | (unsigned)b[11] << 8;
        uint32_t nlen = b[12] | (uint32_t)b[13] << 8 | (uint32_t)b[14] << 16 |
                        (uint32_t)b[15] << 24;
        if (ver < TRB_VERSION || ver > TRB_VERSION_MAX)
            return sim_errf(e, "%s: unsupported trace version %u (this lparsim "
                            "reads versions 1 to 3)", r->path, ver);
        if ((flags & ~(TRH_CODE_LE | TRH_CODE_BE)) || flags == (TRH_CODE_LE | TRH_CODE_BE))
            return sim_errf(e, "%s: unsupported trace flags 0x%x (version %u "
                            "defines 0x1 little-endian code, 0x2 big-endian code)",
                            r->path, flags, ver);
        r->version = ver;
        r->flags = flags;
        if (nlen > TRB_NOTE_MAX)
            return sim_errf(e, "%s: corrupt trace at record 0: note length %lu "
                            "exceeds %u", r->path, (unsigned long)nlen, TRB_NOTE_MAX);
        char *note = malloc((size_t)nlen + 1);
        if (!note)
            return sim_errf(e, "%s: out of memory", r->path);
        r->pos = TRB_HDR_FIXED;
        for (size_t got = 0; got < nlen;) {
            if (r->pos == r->len) {
                if (r->eof) {
                    free(note);
                    return tr_rd_truncated(r, e);
                }
                if (tr_rd_refill(r, e) < 0) {
                    free(note);
                    return -1;
                }
                continue;
            }
            size_t k = r->len - r->pos;
            if (k > nlen - got)
                k = nlen - got;
            memcpy(note + got, r->buf + r->pos, k);
            got += k;
            r->pos += k;
        }
        note[nlen] = 0;
        free(r->note);
        r->note = note;
        r->pc_pred = r->data_prev = 0;
        return 0;
    }
    size_t hl = strlen(TRT_HEADER);
    if (r->len >= hl && !memcmp(b, TRT_HEADER, hl)) {
        r->text = 1;
        size_t end = hl;
        while (end < r->len && b[end] != '\n')
            end++;
        size_t tl = end;
        while (tl > hl && (b[tl - 1] == '\r' || b[tl - 1] == ' ' || b[tl - 1] == '\t'))
            tl--;
        if (tl - hl != 1 || b[hl] < '1' || b[hl] > '0' + TRB_VERSION_MAX) {
            char q[64];
            tr_quote_line((const char *)b + hl - 1, tl - hl + 1, q, sizeof q);
            return sim_errf(e, "%s: unsupported text trace version '%s' (this "
                            "lparsim reads v1 to v3)", r->path, q);
        }
        r->version = (unsigned)(b[hl] - '0');
        r->pos = end < r->len ? end + 1 : end;
        r->line = 1;
        if (!r->note) {
            r->note = malloc(1);
            if (!r->note)
                return sim_errf(e, "%s: out of memory", r->path);
            r->note[0] = 0;
        }
        return 0;
    }
    if (r->gz_cut)
        return tr_rd_truncated(r, e);
    return sim_errf(e, "%s: not an lparsim trace (expected binary magic LPSIMTRC "
                    "or text header '#lparsim-trace v1'); convert foreign traces "
                    "with `lparsim trace import --format lackey|dramsim3|qemu`", r->path);
}

tr_reader *tr_open(const char *path, sim_err *e)
{
    tr_reader *r = calloc(1, sizeof *r);
    if (!r) {
        sim_errf(e, "%s: out of memory", path);
        return NULL;
    }
    r->path = strdup(path);
    errno = 0;
    r->in = tr_gzin_open(path);
    if (!r->in) {
        sim_errf(e, "%s: cannot open: %s", path,
                 strerror(errno ? errno : ENOMEM));
        tr_close(r);
        return NULL;
    }
    if (!r->path || read_header(r, e) < 0) {
        if (!r->path)
            sim_errf(e, "%s: out of memory", path);
        tr_close(r);
        return NULL;
    }
    return r;
}

void tr_close(tr_reader *r)
{
    if (!r)
        return;
    tr_gzin_close(r->in);
    free(r->path);
    free(r->note);
    free(r);
}

int tr_rewind(tr_reader *r, sim_err *e)
{
    if (tr_gzin_rewind(r->in) != 0) {
        sim_errf(e, "%s: cannot rewind: %s", r->path, tr_gzin_msg(r->in));
        return (int)tr_rd_fail(r, e);
    }
    r->eof = r->gz_cut = r->done = r->failed = 0;
    r->pos = r->len = 0;
    r->nrec = 0;
    r->seq = (tr_seq){0, 0};
    r->line = 0;
    if (read_header(r, e) < 0)
        return (int)tr_rd_fail(r, e);
    return 0;
}

const char *tr_path(const tr_reader *r) { return r->path; }
const char *tr_note(const tr_reader *r) { return r->note; }
unsigned tr_flags(const tr_reader *r)
{
    return r->flags;
}

int tr_is_text(const tr_reader *r) { return r->text; }
unsigned tr_version(const tr_reader *r) { return r->version; }

/* ---- text reading ---- */

/* As bin_read: records parsed before a bad line are handed out first; the
 * error (kept in r) comes with the next call. */
static long text_fail(tr_reader *r, sim_err *e, size_t i)
{
    tr_rd_fail(r, e);
    if (!i)
        return -1;
    r->nrec += i;
    if (e)
        e->msg[0] = 0;
    return (long)i;
}

static long text_read(tr_reader *r, tr_rec *out, size_t n, sim_err *e)
{
    size_t i = 0;
    while (i < n && !r->done) {
        size_t avail = r->len - r->pos;
        uint8_t *nl = avail ? memchr(r->buf + r->pos, '\n', avail) : NULL;
        if (!nl && avail > TRT_LINE_MAX) {
            sim_errf(e, "%s:%lu: line longer than %d characters; expected one "
                     "record per line", r->path, r->line + 1, TRT_LINE_MAX);
            return text_fail(r, e, i);
        }
        if (!nl && !r->eof) {
            if (tr_rd_refill(r, e) < 0)
                return text_fail(r, e, i);
            continue;
        }
        if (!nl && r->gz_cut) {
            sim_errf(e, "%s:%lu: truncated trace: gzip stream ends unexpectedly "
                     "after %llu records", r->path, r->line + 1,
                     (unsigned long long)(r->nrec + i));
            return text_fail(r, e, i);
        }
        if (!nl && !avail) {
            if (r->seq.hseq_open) {
                sim_errf(e, "%s:%lu: %s", r->path, r->line, TR_HSEQ_END);
                return text_fail(r, e, i);
            }
            r->done = 1;
            break;
        }
        size_t ll = nl ? (size_t)(nl - (r->buf + r->pos)) : avail;
        r->line++;
        if (ll > TRT_LINE_MAX) {
            sim_errf(e, "%s:%lu: line longer than %d characters; expected one "
                     "record per line", r->path, r->line, TRT_LINE_MAX);
            return text_fail(r, e, i);
        }
        int k = tr_text_parse_line((const char *)r->buf + r->pos, ll, &out[i],
                                   r->path, r->line, e);
        if (k < 0)
            return text_fail(r, e, i);
        const char *why = k ? tr_seq_check(&r->seq, r->nrec + i, &out[i], r->version)
                            : NULL;
        if (why) {
            sim_errf(e, "%s:%lu: %s", r->path, r->line, why);
            return text_fail(r, e, i);
        }
        r->pos += ll + (nl ? 1 : 0);
        i += (size_t)k;
    }
    r->nrec += i;
    return (long)i;
}

long tr_read(tr_reader *r, tr_rec *buf, size_t n, sim_err *e)
{
    if (r->failed) {
        if (e)
            memcpy(e->msg, r->errmsg, sizeof e->msg);
        return -1;
    }
    if (r->done || !n)
        return 0;
    return r->text ? text_read(r, buf, n, e) : tr_rd_binary(r, buf, n, e);
}
