/*
 * trace_read.c - streaming reader for native traces (binary or text form,
 * gzipped or not). See trace_priv.h for the binary record encoding.
 *
 * The reader keeps one 256 KiB chunk of decompressed bytes; tr_read decodes
 * records out of it in a tight loop and refills it with gzread when fewer
 * than TRB_MAXREC bytes remain. Invariants: buf[pos..len) is undecoded
 * input; `eof` means gzread has nothing more; once an error was reported,
 * every later tr_read reports it again (sticky); once END was decoded
 * tr_read returns 0.
 */
#include "trace_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

struct tr_reader {
    gzFile gz;
    char *path;
    char *note;
    int text;            /* text form */
    int eof;             /* gzread returned 0 */
    int gz_cut;          /* gzip stream ended early (Z_BUF_ERROR) */
    int done;            /* END seen (binary) / end of file (text) */
    int failed;          /* sticky error, message in errmsg */
    size_t pos, len;
    uint64_t nrec;       /* records returned so far */
    unsigned long line;  /* text: current line number */
    uint64_t pc_pred;    /* binary: predicted next pc */
    uint64_t data_prev;  /* binary: previous data address */
    char errmsg[SIM_ERR_MAX];
    uint8_t buf[TR_BUF_SIZE + 1]; /* +1: NUL for text scanning */
};

static const uint8_t sc_size[8] = {0, 1, 2, 3, 4, 5, 6, 8};

static long fail(tr_reader *r, sim_err *e)
{
    r->failed = 1;
    if (e)
        memcpy(r->errmsg, e->msg, sizeof r->errmsg);
    return -1;
}

/* Move the undecoded tail to the front and append more input.
 * Returns 0 (possibly setting eof) or -1 with e set. */
static int refill(tr_reader *r, sim_err *e)
{
    size_t left = r->len - r->pos;
    if (left && r->pos)
        memmove(r->buf, r->buf + r->pos, left);
    r->pos = 0;
    r->len = left;
    while (!r->eof && r->len < TR_BUF_SIZE) {
        int k = gzread(r->gz, r->buf + r->len, (unsigned)(TR_BUF_SIZE - r->len));
        if (k > 0) {
            r->len += (size_t)k;
            continue;
        }
        int errnum = Z_OK;
        const char *msg = gzerror(r->gz, &errnum);
        if (k == 0 && errnum == Z_BUF_ERROR) { /* stream cut short */
            r->gz_cut = 1;
            r->eof = 1;
        } else if (k == 0) {
            r->eof = 1;
        } else if (errnum == Z_ERRNO) {
            return sim_errf(e, "%s: cannot read: %s", r->path, strerror(errno));
        } else {
            return sim_errf(e, "%s: corrupt trace at record %llu: gzip stream: %s",
                            r->path, (unsigned long long)r->nrec,
                            tr_gz_msg(msg, r->path));
        }
    }
    r->buf[r->len] = 0;
    return 0;
}

static int truncated(tr_reader *r, sim_err *e)
{
    return sim_errf(e, "%s: truncated trace: ended after %llu records without an "
                    "END record", r->path, (unsigned long long)r->nrec);
}

/* Parse the header (binary or text) from the start of the file. */
static int read_header(tr_reader *r, sim_err *e)
{
    if (refill(r, e) < 0)
        return -1;
    const uint8_t *b = r->buf;
    if (r->len >= TRB_MAGIC_LEN && !memcmp(b, TRB_MAGIC, TRB_MAGIC_LEN)) {
        r->text = 0;
        if (r->len < TRB_HDR_FIXED)
            return truncated(r, e);
        unsigned ver = b[8] | (unsigned)b[9] << 8;
        unsigned flags = b[10] | (unsigned)b[11] << 8;
        uint32_t nlen = b[12] | (uint32_t)b[13] << 8 | (uint32_t)b[14] << 16 |
                        (uint32_t)b[15] << 24;
        if (ver != TRB_VERSION)
            return sim_errf(e, "%s: unsupported trace version %u (this lparsim "
                            "reads version %d)", r->path, ver, TRB_VERSION);
        if (flags)
            return sim_errf(e, "%s: unsupported trace flags 0x%x (version 1 "
                            "defines none)", r->path, flags);
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
                    return truncated(r, e);
                }
                if (refill(r, e) < 0) {
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
        if (tl - hl != 1 || b[hl] != '1') {
            char q[64];
            tr_quote_line((const char *)b + hl - 1, tl - hl + 1, q, sizeof q);
            return sim_errf(e, "%s: unsupported text trace version '%s' (this "
                            "lparsim reads v1)", r->path, q);
        }
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
        return truncated(r, e);
    return sim_errf(e, "%s: not an lparsim trace (expected binary magic LPSIMTRC "
                    "or text header '#lparsim-trace v1'); convert foreign traces "
                    "with `lparsim trace import --format lackey|dramsim3`", r->path);
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
    r->gz = gzopen(path, "rb");
    if (!r->gz) {
        sim_errf(e, "%s: cannot open: %s", path,
                 strerror(errno ? errno : ENOMEM));
        tr_close(r);
        return NULL;
    }
    gzbuffer(r->gz, TR_BUF_SIZE);
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
    if (r->gz)
        gzclose(r->gz);
    free(r->path);
    free(r->note);
    free(r);
}

int tr_rewind(tr_reader *r, sim_err *e)
{
    if (gzrewind(r->gz) != 0) {
        sim_errf(e, "%s: cannot rewind", r->path);
        return (int)fail(r, e);
    }
    r->eof = r->gz_cut = r->done = r->failed = 0;
    r->pos = r->len = 0;
    r->nrec = 0;
    r->line = 0;
    if (read_header(r, e) < 0)
        return (int)fail(r, e);
    return 0;
}

const char *tr_path(const tr_reader *r) { return r->path; }
const char *tr_note(const tr_reader *r) { return r->note; }
int tr_is_text(const tr_reader *r) { return r->text; }

/* ---- binary decoding ---- */

enum { DEC_OK = 0, DEC_SHORT = 1, DEC_OVERFLOW = 2 };

static inline int get_varint(const uint8_t **pp, const uint8_t *end, uint64_t *v)
{
    const uint8_t *p = *pp;
    uint64_t x = 0;
    for (unsigned sh = 0;; sh += 7) {
        if (p >= end)
            return DEC_SHORT;
        uint8_t c = *p++;
        if (sh == 63 && c > 1)
            return DEC_OVERFLOW;
        x |= (uint64_t)(c & 0x7f) << sh;
        if (!(c & 0x80))
            break;
    }
    *pp = p;
    *v = x;
    return DEC_OK;
}

/* Report a decode failure at the current record. */
static long bad(tr_reader *r, int why, const char *what, sim_err *e)
{
    if (why == DEC_SHORT)
        truncated(r, e);
    else if (why == DEC_OVERFLOW)
        sim_errf(e, "%s: corrupt trace at record %llu: varint overflow in %s",
                 r->path, (unsigned long long)r->nrec, what);
    else
        sim_errf(e, "%s: corrupt trace at record %llu: %s", r->path,
                 (unsigned long long)r->nrec, what);
    return -1;
}

#define NEED(n) do { if ((size_t)(end - p) < (size_t)(n)) { why = DEC_SHORT; what = "record"; goto stop; } } while (0)
#define VARINT(dst, name) do { int w_ = get_varint(&p, end, &(dst)); if (w_) { why = w_; what = name; goto stop; } } while (0)

static long bin_read(tr_reader *r, tr_rec *out, size_t n, sim_err *e)
{
    size_t i = 0;
    uint64_t pc_pred = r->pc_pred, data_prev = r->data_prev;
    int why = 0;
    const char *what = NULL;
    sim_err tmp;
    sim_err *ee = e ? e : &tmp;
    size_t counted = 0; /* records of this call already added to r->nrec */
    while (i < n && !r->done) {
        r->nrec += i - counted;
        counted = i;
        if (r->len - r->pos <= TRB_MAXREC && !r->eof && refill(r, ee) < 0) {
            why = -2; /* message already in ee */
            break;
        }
        const uint8_t *p = r->buf + r->pos, *end = r->buf + r->len;
        if (p == end) {
            why = DEC_SHORT;
            what = "record";
            break;
        }
        /* Decode while a whole record surely fits, or to the end at EOF. */
        const uint8_t *lim = r->eof ? end : end - TRB_MAXREC;
        while (i < n && p < lim) {
            const uint8_t *start = p;
            tr_rec *o = &out[i];
            unsigned t = *p++;
            if (!(t & TRB_TAG_EXT)) {
                unsigned kind = t & 3, sc = (t >> TRB_SC_SHIFT) & 7;
                unsigned size = sc_size[sc];
                if (!sc) {
                    NEED(1);
                    size = *p++;
                    if (!size) {
                        why = -1;
                        what = "size byte 0 (expected 1..255)";
                        goto stop;
                    }
                }
                uint64_t pred = kind == TR_INSN ? pc_pred : data_prev, addr = pred;
                if (!(t & TRB_TAG_SEQ)) {
                    uint64_t z;
                    VARINT(z, "address delta");
                    addr = pred + ((z >> 1) ^ (0 - (z & 1)));
                }
                o->kind = (uint8_t)kind;
                o->size = (uint8_t)size;
                o->nargs = 0;
                o->addr = addr;
                if (t & TRB_TAG_WORD) {
                    if (kind != TR_INSN) {
                        why = -1;
                        what = "bad tag byte (word flag on a data record)";
                        goto stop;
                    }
                    NEED(4);
                    o->word = p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                              (uint32_t)p[3] << 24;
                    o->flags = TRF_WORD;
                    p += 4;
                } else {
                    o->word = 0;
                    o->flags = 0;
                }
                if (kind == TR_INSN)
                    pc_pred = addr + size;
                else
                    data_prev = addr;
            } else {
                unsigned kind = t & 7, nargs = (t >> 3) & 7;
                if ((t & 0x40) || (kind != TR_HCALL && nargs) || nargs > TR_MAX_ARGS ||
                    (kind != TR_HCALL && kind != TR_MARKER && kind != TRB_KIND_END)) {
                    why = -1;
                    what = "bad tag byte";
                    goto stop;
                }
                uint64_t v;
                if (kind == TRB_KIND_END) {
                    VARINT(v, "END count");
                    if (v != r->nrec + (i - counted)) {
                        why = -1;
                        what = "END record count does not match the records read";
                        goto stop;
                    }
                    r->done = 1;
                    r->pos = (size_t)(p - r->buf);
                    break;
                }
                VARINT(v, kind == TR_HCALL ? "hcall number" : "marker id");
                if (v > UINT32_MAX) {
                    why = -1;
                    what = kind == TR_HCALL ? "hcall number exceeds 32 bits"
                                            : "marker id exceeds 32 bits";
                    goto stop;
                }
                o->kind = (uint8_t)kind;
                o->size = 0;
                o->flags = 0;
                o->word = (uint32_t)v;
                o->nargs = (uint8_t)nargs;
                o->addr = 0;
                if (kind == TR_MARKER)
                    VARINT(o->addr, "marker value");
                for (unsigned a = 0; a < nargs; a++)
                    VARINT(o->args[a], "hcall argument");
            }
            i++;
            r->pos = (size_t)(p - r->buf);
            continue;
        stop:
            r->pos = (size_t)(start - r->buf);
            break;
        }
        if (why)
            break;
    }
    r->pc_pred = pc_pred;
    r->data_prev = data_prev;
    r->nrec += i - counted;
    if (r->done && !why) {
        /* nothing but EOF may follow the END record; reading on to EOF also
         * makes zlib check the gzip CRC and length */
        if (r->pos == r->len && !r->eof && refill(r, ee) < 0)
            why = -2;
        else if (r->pos < r->len) {
            why = -1;
            what = "data after the END record";
        } else if (r->gz_cut) {
            why = DEC_SHORT;
        }
    }
    if (!why)
        return (long)i;
    if (why != -2)
        bad(r, why, what, ee);
    fail(r, ee);
    if (i) { /* hand out the good records; the error comes with the next call */
        if (e)
            e->msg[0] = 0;
        return (long)i;
    }
    return -1;
}

/* ---- text reading ---- */

static long text_read(tr_reader *r, tr_rec *out, size_t n, sim_err *e)
{
    size_t i = 0;
    while (i < n && !r->done) {
        size_t avail = r->len - r->pos;
        uint8_t *nl = avail ? memchr(r->buf + r->pos, '\n', avail) : NULL;
        if (!nl && avail > TRT_LINE_MAX) {
            sim_errf(e, "%s:%lu: line longer than %d characters; expected one "
                     "record per line", r->path, r->line + 1, TRT_LINE_MAX);
            return fail(r, e);
        }
        if (!nl && !r->eof) {
            if (refill(r, e) < 0)
                return fail(r, e);
            continue;
        }
        if (!nl && r->gz_cut) {
            sim_errf(e, "%s:%lu: truncated trace: gzip stream ends unexpectedly "
                     "after %llu records", r->path, r->line + 1,
                     (unsigned long long)(r->nrec + i));
            return fail(r, e);
        }
        if (!nl && !avail) {
            r->done = 1;
            break;
        }
        size_t ll = nl ? (size_t)(nl - (r->buf + r->pos)) : avail;
        r->line++;
        if (ll > TRT_LINE_MAX) {
            sim_errf(e, "%s:%lu: line longer than %d characters; expected one "
                     "record per line", r->path, r->line, TRT_LINE_MAX);
            return fail(r, e);
        }
        int k = tr_text_parse_line((const char *)r->buf + r->pos, ll, &out[i],
                                   r->path, r->line, e);
        if (k < 0)
            return fail(r, e);
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
    return r->text ? text_read(r, buf, n, e) : bin_read(r, buf, n, e);
}
