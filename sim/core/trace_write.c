/*
 * trace_write.c - writer for binary native traces (see trace_priv.h for the
 * record encoding, docs/trace_format.md for the full format).
 *
 * Records are encoded into a 256 KiB buffer that is handed to gzwrite when
 * fewer than TRB_MAXREC bytes are free. The file is opened through
 * core/outfile.h: a regular PATH (or a link to one) is written as a
 * temporary renamed into place only by a successful tr_finish (tr_abort
 * and every failure remove it); a device or FIFO is written in place.
 * zlib gets a duplicate of the descriptor, so both gzclose and the final
 * close are checked. Invariant: the address predictors are updated exactly
 * as the reader updates them.
 */
#include "trace_priv.h"

#include "outfile.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

struct tr_writer {
    gzFile gz;
    outfile *out;
    char *path;
    uint64_t nrec;
    uint64_t pc_pred, data_prev;
    tr_seq seq;          /* sequence rules (tr_seq_check) after the last record */
    unsigned version;
    size_t len;
    uint8_t buf[TR_BUF_SIZE];
};

static size_t put_varint(uint8_t *p, uint64_t v)
{
    size_t k = 0;
    while (v >= 0x80) {
        p[k++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    p[k++] = (uint8_t)v;
    return k;
}

static int flush_buf(tr_writer *w, sim_err *e)
{
    if (w->len && gzwrite(w->gz, w->buf, (unsigned)w->len) != (int)w->len) {
        int errnum = Z_OK;
        const char *msg = gzerror(w->gz, &errnum);
        return sim_errf(e, "%s: cannot write: %s", w->path,
                        errnum == Z_ERRNO ? strerror(errno) : tr_gz_msg(msg, NULL));
    }
    w->len = 0;
    return 0;
}

static void free_writer(tr_writer *w)
{
    free(w->path);
    free(w);
}

tr_writer *tr_writer_create(const char *path, const char *note, int level,
                            sim_err *e)
{
    return tr_writer_create_flags(path, note, level, 0, e);
}

tr_writer *tr_writer_create_flags(const char *path, const char *note, int level,
                                  unsigned flags, sim_err *e)
{
    return tr_writer_create_version(path, note, level, flags, TRB_VERSION, e);
}

tr_writer *tr_writer_create_version(const char *path, const char *note, int level,
                                    unsigned flags, unsigned version, sim_err *e)
{
    if (version < TRB_VERSION || version > TRB_VERSION_MAX) {
        sim_errf(e, "%s: trace format version %u; expected 1 to 3", path, version);
        return NULL;
    }
    if (flags & ~(TRH_CODE_LE | TRH_CODE_BE) || flags == (TRH_CODE_LE | TRH_CODE_BE)) {
        sim_errf(e, "%s: trace header flags 0x%x; expected at most one of TRH_CODE_LE, "
                    "TRH_CODE_BE", path, flags);
        return NULL;
    }
    if (!note)
        note = "";
    if (level < 1 || level > 9) {
        sim_errf(e, "%s: compression level %d out of range; expected 1..9", path, level);
        return NULL;
    }
    size_t nlen = strlen(note);
    if (nlen > TRB_NOTE_MAX) {
        sim_errf(e, "%s: trace note of %zu bytes; expected at most %u", path,
                 nlen, TRB_NOTE_MAX);
        return NULL;
    }
    tr_writer *w = calloc(1, sizeof *w);
    if (w)
        w->path = strdup(path);
    if (!w || !w->path) {
        sim_errf(e, "%s: out of memory", path);
        if (w)
            free_writer(w);
        return NULL;
    }
    w->version = version;
    if (!(w->out = outfile_open(path, e))) {
        free_writer(w);
        return NULL;
    }
    char mode[8];
    snprintf(mode, sizeof mode, "wb%d", level);
    int fd = dup(outfile_fd(w->out));
    errno = 0;
    w->gz = fd >= 0 ? gzdopen(fd, mode) : NULL;
    if (!w->gz) {
        sim_errf(e, "%s: cannot write: %s", path, strerror(errno ? errno : ENOMEM));
        if (fd >= 0)
            close(fd);
        tr_abort(w);
        return NULL;
    }
    gzbuffer(w->gz, TR_BUF_SIZE);
    uint8_t h[TRB_HDR_FIXED];
    memcpy(h, TRB_MAGIC, TRB_MAGIC_LEN);
    h[8] = (uint8_t)version;
    h[9] = 0;
    h[10] = (uint8_t)flags; /* flags (u16) */
    h[11] = 0;
    for (int k = 0; k < 4; k++)
        h[12 + k] = (uint8_t)(nlen >> (8 * k));
    if ((gzwrite(w->gz, h, sizeof h) != (int)sizeof h) ||
        (nlen && gzwrite(w->gz, note, (unsigned)nlen) != (int)nlen)) {
        sim_errf(e, "%s: cannot write: %s", path, strerror(errno));
        tr_abort(w);
        return NULL;
    }
    return w;
}

/* Record validity: what a reader can decode back to the same record. */
static int check_rec(const tr_writer *w, const tr_rec *r, tr_seq *next, sim_err *e)
{
    const char *why = NULL;
    if (r->kind >= TR_KIND_COUNT)
        why = "kind out of range";
    else if (r->kind <= TR_MODIFY) {
        if (!r->size)
            why = "size 0 (expected 1..255)";
        else if (r->flags & ~TRF_WORD)
            why = "unknown flags";
        else if ((r->flags & TRF_WORD) && r->kind != TR_INSN)
            why = "TRF_WORD on a data record";
    } else if (r->nargs > TR_MAX_ARGS)
        why = "more than 9 arguments or returned values";
    else if (r->nargs && r->kind != TR_HCALL && r->kind != TR_HRET && r->kind != TR_MARKER)
        why = "arguments on a record kind without them";
    else if (r->kind == TR_HRET && (int64_t)(int32_t)r->word != tr_hret_rc(r))
        why = "return code out of range";
    *next = w->seq;
    if (!why && (r->kind > TR_MODIFY || w->seq.hseq_open))
        why = tr_seq_check(next, w->nrec, r, w->version);
    if (!why && tr_wraps(r))
        return sim_errf(e, "%s: record %llu: cannot write: " TR_WRAP_FMT, w->path,
                        (unsigned long long)w->nrec, TR_WRAP_ARGS(r));
    if (!why)
        return 0;
    return sim_errf(e, "%s: record %llu: cannot write: %s", w->path,
                    (unsigned long long)w->nrec, why);
}

int tr_write(tr_writer *w, const tr_rec *r, sim_err *e)
{
    tr_seq next;
    if (check_rec(w, r, &next, e) < 0)
        return -1;
    w->seq = next;
    if (w->len > TR_BUF_SIZE - TRB_MAXREC && flush_buf(w, e) < 0)
        return -1;
    uint8_t *p = w->buf + w->len;
    if (r->kind <= TR_MODIFY) {
        unsigned kind = r->kind, size = r->size, sc;
        sc = size <= 6 ? size : size == 8 ? 7 : 0;
        uint8_t *tag = p++;
        *tag = (uint8_t)(kind | sc << TRB_SC_SHIFT);
        if (!sc)
            *p++ = (uint8_t)size;
        uint64_t pred = kind == TR_INSN ? w->pc_pred : w->data_prev;
        if (r->addr == pred)
            *tag |= TRB_TAG_SEQ;
        else {
            uint64_t d = r->addr - pred;
            uint64_t z = (d << 1) ^ (0 - (d >> 63));
            p += put_varint(p, z);
        }
        if (r->flags & TRF_WORD) {
            *tag |= TRB_TAG_WORD;
            for (int k = 0; k < 4; k++)
                *p++ = (uint8_t)(r->word >> (8 * k));
        }
        if (kind == TR_INSN)
            w->pc_pred = r->addr + size;
        else
            w->data_prev = r->addr;
    } else if (r->kind == TR_HCALL || r->kind == TR_HRET) {
        unsigned k = r->kind == TR_HCALL ? TR_HCALL : TRB_KIND_HRET, na = r->nargs;
        *p++ = (uint8_t)(TRB_TAG_EXT | (na & 7) << 3 | (na >= 8 ? TRB_TAG_NARGS8 : 0) | k);
        if (r->kind == TR_HCALL)
            p += put_varint(p, r->word);
        else {
            int64_t rc = tr_hret_rc(r);
            p += put_varint(p, ((uint64_t)rc << 1) ^ (0 - ((uint64_t)rc >> 63)));
        }
        for (unsigned a = 0; a < r->nargs; a++)
            p += put_varint(p, r->args[a]);
    } else { /* TR_MARKER */
        unsigned na = r->nargs;
        *p++ = (uint8_t)(TRB_TAG_EXT | (na & 7) << 3 | (na >= 8 ? TRB_TAG_NARGS8 : 0) |
                         TR_MARKER);
        p += put_varint(p, r->word);
        p += put_varint(p, r->addr);
        for (unsigned a = 0; a < na; a++)
            p += put_varint(p, r->args[a]);
    }
    w->len = (size_t)(p - w->buf);
    w->nrec++;
    return 0;
}

int tr_finish(tr_writer *w, sim_err *e)
{
    if (w->seq.hseq_open) {
        sim_errf(e, "%s: record %llu: cannot write: %s", w->path,
                 (unsigned long long)w->nrec, TR_HSEQ_END);
        tr_abort(w);
        return -1;
    }
    if (w->len > TR_BUF_SIZE - TRB_MAXREC && flush_buf(w, e) < 0) {
        tr_abort(w);
        return -1;
    }
    uint8_t *p = w->buf + w->len;
    *p++ = TRB_TAG_EXT | TRB_KIND_END;
    p += put_varint(p, w->nrec);
    w->len = (size_t)(p - w->buf);
    if (flush_buf(w, e) < 0) {
        tr_abort(w);
        return -1;
    }
    errno = 0;
    int rc = gzclose(w->gz); /* flushes the deflate stream, closes the duplicate */
    w->gz = NULL;
    if (rc != Z_OK) {
        sim_errf(e, "%s: cannot write: %s", w->path,
                 rc == Z_ERRNO && errno ? strerror(errno) : "gzip close failed");
        tr_abort(w);
        return -1;
    }
    rc = outfile_commit(w->out, e);
    w->out = NULL;
    free_writer(w);
    return rc;
}

void tr_abort(tr_writer *w)
{
    if (!w)
        return;
    if (w->gz)
        gzclose(w->gz);
    outfile_abort(w->out);
    free_writer(w);
}

uint64_t tr_written(const tr_writer *w) { return w->nrec; }
