/*
 * trace_decode.c - the binary record decoder behind tr_read (the hot path
 * of trace replay). See trace_priv.h for the encoding.
 *
 * Records are decoded out of the reader's buffer in one tight loop that
 * keeps the address predictors in locals; the buffer is refilled when at
 * most TRB_MAXREC bytes remain, so a record is never split unless the input
 * ended. Every read is bounds-checked against the buffer end (an address
 * delta's varint only once, when its 10 bytes surely fit); a record that
 * does not fit at EOF means the trace was truncated. Invariant: the
 * predictors advance exactly as the writer's do (trace_write.c).
 */
#include "trace_priv.h"

#include <string.h>

static const uint8_t sc_size[8] = {0, 1, 2, 3, 4, 5, 6, 8};

enum { DEC_OK = 0, DEC_SHORT = 1, DEC_OVERFLOW = 2, DEC_WRAP = 3, DEC_TRAILER = 4 };

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

/* get_varint where VARINT_MAX bytes surely follow p (no bounds checks). */
#define VARINT_MAX 10
static inline int get_varint_in(const uint8_t **pp, uint64_t *v)
{
    const uint8_t *p = *pp;
    uint64_t c = *p++, x = c & 0x7f;
    for (unsigned sh = 7; c & 0x80; sh += 7) {
        c = *p++;
        if (sh == 63 && c > 1)
            return DEC_OVERFLOW;
        x |= (c & 0x7f) << sh;
    }
    *pp = p;
    *v = x;
    return DEC_OK;
}

/* Report a decode failure at the current record (DEC_WRAP: *rec is the
 * access that wraps). */
static long bad(tr_reader *r, int why, const char *what, const tr_rec *rec, sim_err *e)
{
    if (why == DEC_WRAP)
        sim_errf(e, "%s: corrupt trace at record %llu: " TR_WRAP_FMT, r->path,
                 (unsigned long long)r->nrec, TR_WRAP_ARGS(rec));
    else if (why == DEC_TRAILER)
        sim_errf(e, "%s: truncated trace: the gzip stream ends early after the END record "
                 "of %llu records; expected its 8-byte trailer (CRC-32 and length)",
                 r->path, (unsigned long long)r->nrec);
    else if (why == DEC_SHORT)
        tr_rd_truncated(r, e);
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

long tr_rd_binary(tr_reader *r, tr_rec *out, size_t n, sim_err *e)
{
    size_t i = 0;
    uint64_t pc_pred = r->pc_pred, data_prev = r->data_prev;
    int why = 0;
    const char *what = NULL;
    sim_err tmp;
    sim_err *ee = e ? e : &tmp;
    size_t counted = 0; /* records of this call already added to r->nrec */
    int hseq_open = r->seq.hseq_open; /* a copy for the memory records' path (tr_seq) */
    while (i < n && !r->done) {
        r->nrec += i - counted;
        counted = i;
        if (r->len - r->pos <= TRB_MAXREC && !r->eof && tr_rd_refill(r, ee) < 0) {
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
                    if (__builtin_expect(end - p >= VARINT_MAX, 1)) {
                        int w_ = get_varint_in(&p, &z);
                        if (w_) {
                            why = w_;
                            what = "address delta";
                            goto stop;
                        }
                    } else
                        VARINT(z, "address delta");
                    addr = pred + ((z >> 1) ^ (0 - (z & 1)));
                }
                if (__builtin_expect(hseq_open, 0)) {
                    why = -1;
                    what = TR_HSEQ_NOT_H;
                    goto stop;
                }
                uint32_t word = 0;
                unsigned flags = 0;
                if (t & TRB_TAG_WORD) {
                    if (kind != TR_INSN) {
                        why = -1;
                        what = "bad tag byte (word flag on a data record)";
                        goto stop;
                    }
                    NEED(4);
                    word = p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                           (uint32_t)p[3] << 24;
                    flags = TRF_WORD;
                    p += 4;
                }
                /* the fields in order, so that the compiler may merge the stores */
                o->kind = (uint8_t)kind;
                o->size = (uint8_t)size;
                o->flags = (uint8_t)flags;
                o->nargs = 0;
                o->word = word;
                o->addr = addr;
                if (addr > UINT64_MAX - (size - 1u)) { /* tr_wraps */
                    why = DEC_WRAP;
                    goto stop;
                }
                if (kind == TR_INSN)
                    pc_pred = addr + size;
                else
                    data_prev = addr;
            } else {
                unsigned kind = t & 7, nargs = (t >> 3) & 7;
                int hret = kind == TRB_KIND_HRET, call = kind == TR_HCALL;
                int wide = call || hret || (kind == TR_MARKER && r->version >= 3);
                if ((t & TRB_TAG_NARGS8) && wide && r->version >= 3)
                    nargs += 8;
                else if (t & TRB_TAG_NARGS8)
                    nargs = ~0u;
                if ((!wide && nargs) || nargs > TR_MAX_ARGS ||
                    (kind != TR_HCALL && kind != TR_MARKER && kind != TRB_KIND_END && !hret)) {
                    why = -1;
                    what = "bad tag byte";
                    goto stop;
                }
                uint64_t v;
                if (kind == TRB_KIND_END) {
                    VARINT(v, "END count");
                    if (r->seq.hseq_open) {
                        why = -1;
                        what = TR_HSEQ_END;
                        goto stop;
                    }
                    if (v != r->nrec + (i - counted)) {
                        why = -1;
                        what = "END record count does not match the records read";
                        goto stop;
                    }
                    r->done = 1;
                    r->pos = (size_t)(p - r->buf);
                    break;
                }
                VARINT(v, call ? "hcall number" : hret ? "hcall return code" : "marker id");
                if (hret) {
                    int64_t rc = (int64_t)((v >> 1) ^ (0 - (v & 1)));
                    if (rc < INT32_MIN || rc > INT32_MAX) {
                        why = -1;
                        what = "hcall return code exceeds 32 bits";
                        goto stop;
                    }
                    v = (uint32_t)(int32_t)rc;
                } else if (v > UINT32_MAX) {
                    why = -1;
                    what = call ? "hcall number exceeds 32 bits" : "marker id exceeds 32 bits";
                    goto stop;
                }
                o->kind = (uint8_t)(hret ? TR_HRET : kind);
                o->size = 0;
                o->flags = 0;
                o->word = (uint32_t)v;
                o->nargs = (uint8_t)nargs;
                o->addr = 0;
                if (kind == TR_MARKER)
                    VARINT(o->addr, "marker value");
                for (unsigned a = 0; a < nargs; a++)
                    VARINT(o->args[a], call ? "hcall argument"
                                       : hret ? "hcall returned value" : "marker argument");
                if (call || hret || kind == TR_MARKER) {
                    what = tr_seq_check(&r->seq, r->nrec + (i - counted), o, r->version);
                    hseq_open = r->seq.hseq_open;
                    if (what) {
                        why = -1;
                        goto stop;
                    }
                }
            }
            i++;
            continue;
        stop:
            r->pos = (size_t)(start - r->buf);
            break;
        }
        if (!why)
            r->pos = (size_t)(p - r->buf);
        if (why)
            break;
    }
    r->pc_pred = pc_pred;
    r->data_prev = data_prev;
    r->nrec += i - counted;
    if (r->done && !why) {
        /* nothing but EOF may follow the END record; reading on to EOF also
         * makes zlib check the gzip CRC and length */
        if (r->pos == r->len && !r->eof && tr_rd_refill(r, ee) < 0)
            why = -2;
        else if (r->pos < r->len) {
            why = -1;
            what = "data after the END record";
        } else if (r->gz_cut) { /* END was read: only the trailer is missing */
            why = DEC_TRAILER;
        }
    }
    if (!why)
        return (long)i;
    if (why != -2)
        bad(r, why, what, i < n ? &out[i] : NULL, ee);
    tr_rd_fail(r, ee);
    if (i) { /* hand out the good records; the error comes with the next call */
        if (e)
            e->msg[0] = 0;
        return (long)i;
    }
    return -1;
}

