/*
 * trace_priv.h - internals shared by the trace module's files (trace_read.c,
 * trace_write.c, trace_text.c, trace_import.c, trace_info.c). Not a public
 * header: nothing outside sim/core/trace_*.c includes it.
 *
 * Binary record encoding (version 1, see docs/trace_format.md):
 *   tag byte, bit 7 clear: memory record (INSN, LOAD, STORE, MODIFY)
 *     bits 0-1 kind, bit 2 SEQ (address == prediction, no delta follows),
 *     bit 3 WORD (INSN only: 4-byte little-endian word follows),
 *     bits 4-6 size code: 0 = size byte follows, 1..6 = size, 7 = size 8.
 *     Then [size byte] [zigzag varint delta from prediction] [word].
 *     Prediction: INSN -> previous pc + previous instruction size;
 *     data -> previous data address (LOAD/STORE/MODIFY share one class).
 *   tag byte, bit 7 set: bits 0-2 kind (4 HCALL, 5 MARKER, 6 END, 7 HRET),
 *     bits 3-5 nargs (HCALL and HRET; version 3: MARKER too), bit 6 clear;
 *     version 3: bit 6 set on an HCALL, HRET or MARKER adds 8 to nargs.
 *     HCALL:  varint number, nargs varints.
 *     HRET:   (version 3) zigzag varint return code (int32), nargs varints;
 *             only directly after an HCALL.
 *     MARKER: varint id, varint value, nargs varints (version 3).
 *     END:    varint count of records before it; nothing may follow.
 * Invariant: reader and writer update the two address predictors in the
 * same way after every memory record, so deltas stay small on real traces.
 */
#ifndef LPARSIM_CORE_TRACE_PRIV_H
#define LPARSIM_CORE_TRACE_PRIV_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "trace.h"

#define TRB_MAGIC "LPSIMTRC"
#define TRB_MAGIC_LEN 8
#define TRB_VERSION 1
#define TRB_VERSION_MAX 3      /* v2: markers 4..15 are lparsim's (ROI);
                                  v3: TR_HRET, hcalls with up to 9 args */
#define TRB_HDR_FIXED 16          /* magic + u16 version + u16 flags + u32 */
#define TRB_NOTE_MAX (1u << 20)   /* longest header note accepted */

#define TRB_TAG_EXT 0x80          /* non-memory record */
#define TRB_TAG_SEQ 0x04
#define TRB_TAG_WORD 0x08
#define TRB_SC_SHIFT 4
#define TRB_KIND_END 6
#define TRB_KIND_HRET 7           /* TR_HRET's binary kind (6 is END) */
#define TRB_TAG_NARGS8 0x40       /* v3, HCALL/HRET: nargs = 8 + bits 3-5 */

#define TRB_MAXREC 112            /* longest encoded record (a marker with 9
                                     args: 1 + 5 + 10 + 90 bytes), bytes */
#define TR_BUF_SIZE (256u * 1024) /* writer / importer chunk size */
#define TR_RD_BUF (128u * 1024)   /* reader chunk size (decompressed bytes):
                                     smaller touches fewer fresh pages in a
                                     short run, larger makes zlib copy its
                                     32 KiB window less often */

#define TRT_HEADER "#lparsim-trace v"
#define TRT_HEADER_V1 "#lparsim-trace v1"
#define TRT_LINE_MAX 1024         /* longest text line accepted */

#include <zlib.h>

#include "core/gzin.h" /* the byte source (trace_gzin.c) */

/* Sequence state of a reader or writer: 1 + the index of the latest
 * TR_HCALL (0: none yet), and whether the record before was an hcall order
 * marker (version 3 K 19), which only a TR_HCALL may follow. */
typedef struct tr_seq {
    uint64_t last_hcall;
    int hseq_open;
} tr_seq;

/* Reader state, shared by trace_read.c (open, header, text) and
 * trace_decode.c (binary records). */
struct tr_reader {
    tr_gzin *in;
    char *path;
    char *note;
    int text;            /* text form */
    unsigned flags;      /* binary header flags (TRH_*) */
    unsigned version;    /* 1..3 (binary header or text header) */
    tr_seq seq;          /* sequence rules (tr_seq_check): a TR_HRET follows a
                            TR_HCALL, a K 19 precedes one */
    int eof;             /* the byte source has no more */
    int gz_cut;          /* gzip stream ended early */
    int done;            /* END seen (binary) / end of file (text) */
    int failed;          /* sticky error, message in errmsg */
    size_t pos, len;
    uint64_t nrec;       /* records returned so far */
    unsigned long line;  /* text: current line number */
    uint64_t pc_pred;    /* binary: predicted next pc */
    uint64_t data_prev;  /* binary: previous data address */
    char errmsg[SIM_ERR_MAX];
    uint8_t buf[TR_RD_BUF + 1]; /* +1: NUL for text scanning */
};

/* Sticky failure: remember e's message; returns -1. */
long tr_rd_fail(tr_reader *r, sim_err *e);
/* Move buf[pos..len) to the front and read more; sets eof / gz_cut. An
 * error of the byte source: "PATH: cannot read: ...", "PATH: corrupt trace
 * at record N: gzip stream: ..." or "PATH: N bytes of trailing data ...". */
int tr_rd_refill(tr_reader *r, sim_err *e);
/* "PATH: truncated trace: ended after N records without an END record" */
int tr_rd_truncated(tr_reader *r, sim_err *e);
/* Decode up to n binary records (tr_read's binary half). */
long tr_rd_binary(tr_reader *r, tr_rec *out, size_t n, sim_err *e);

/* zlib's gzerror message without the "PATH: " prefix it adds (path NULL:
 * the "<fd:N>: " prefix of a gzdopen'ed file). */
static inline const char *tr_gz_msg(const char *msg, const char *path)
{
    if (!path) {
        const char *c = msg[0] == '<' ? strstr(msg, ">: ") : NULL;
        return c ? c + 3 : msg;
    }
    size_t i = 0;
    while (path[i] && msg[i] == path[i])
        i++;
    return !path[i] && msg[i] == ':' && msg[i + 1] == ' ' ? msg + i + 2 : msg;
}

/* A memory record (INSN, LOAD, STORE, MODIFY) whose last byte,
 * addr + size - 1, would wrap past 2^64: refused by every reader, importer
 * and the writer. TR_WRAP_FMT/TR_WRAP_ARGS complete a message after
 * "PATH:LINE: " or "PATH: ... record N: ". */
static inline int tr_wraps(const tr_rec *r)
{
    return r->kind <= TR_MODIFY && r->size && r->addr > UINT64_MAX - (r->size - 1u);
}
#define TR_WRAP_FMT "an access of %u bytes at 0x%llx wraps past the end of the 64-bit " \
                    "address space; expected an address at most 0x%llx"
#define TR_WRAP_ARGS(r) (unsigned)(r)->size, (unsigned long long)(r)->addr, \
                        (unsigned long long)(UINT64_MAX - ((r)->size - 1u))

/* Records only version 3 can hold: TR_HRET, and hcalls with more than 6
 * arguments. */
static inline int tr_needs_v3(const tr_rec *r)
{
    return r->kind == TR_HRET || (r->kind == TR_HCALL && r->nargs > TR_MAX_ARGS_V2) ||
           (r->kind == TR_MARKER && r->nargs);
}

#define TR_HSEQ_NOT_H "an hcall order marker (K 19) not directly followed by an hcall " \
                      "record (H); expected K 19 <n> directly before the H it orders"
#define TR_HSEQ_END "the trace ends after an hcall order marker (K 19); expected the " \
                    "hcall record (H) it orders after it"

/* Sequence and version rules every reader and the writer apply to the
 * record at index idx (0-based) of a trace of format `version`: records
 * only version 3 holds (tr_needs_v3), a TR_HRET that does not directly
 * follow a TR_HCALL, and (version 3) a record other than a TR_HCALL after an
 * hcall order marker, or such a marker with arguments. *s is updated here.
 * Returns NULL, or what is wrong and what was expected (a message tail).
 * At the end of a trace, s->hseq_open is an error (TR_HSEQ_END). */
static inline const char *tr_seq_check(tr_seq *s, uint64_t idx, const tr_rec *r,
                                       unsigned version)
{
    if (version < 3 && tr_needs_v3(r))
        return r->kind == TR_HRET
                   ? "an hcall return record (R) in a trace of format version 1 or 2; "
                     "expected version 3 for R records"
               : r->kind == TR_MARKER
                   ? "a marker with arguments in a trace of format version 1 or 2; "
                     "expected version 3 for marker arguments"
                   : "an hcall with more than 6 arguments in a trace of format version 1 "
                     "or 2; expected version 3 for up to 9";
    if (s->hseq_open && r->kind != TR_HCALL)
        return TR_HSEQ_NOT_H;
    s->hseq_open = version >= 3 && r->kind == TR_MARKER && r->word == TR_MARK_HSEQ;
    if (s->hseq_open && r->nargs)
        return "an hcall order marker (K 19) with arguments; expected 'K 19 <n>' (the "
               "order in its value only)";
    if (r->kind == TR_HCALL)
        s->last_hcall = idx + 1;
    else if (r->kind == TR_HRET && (!idx || s->last_hcall != idx))
        return "an hcall return record (R) that does not follow an hcall record (H); "
               "expected R directly after its H";
    return NULL;
}

/* Parse one text-form line (no newline; may end in '\r'). Returns 1 with
 * *out filled, 0 for a blank or comment line, -1 with e set
 * ("PATH:LINE: expected ..., got '...'"). */
int tr_text_parse_line(const char *line, size_t len, tr_rec *out,
                       const char *path, unsigned long lineno, sim_err *e);

/* Quote a line for an error message: copy up to cap-1 bytes, replacing
 * control characters, ending in "..." when cut. */
void tr_quote_line(const char *line, size_t len, char *dst, size_t cap);

/* Helpers of the importers (trace_import.c). Blank: only ' ', '\t', '\r'.
 * Hex: 1..16 hex digits at s[*i]; dec: decimal <= max; both advance *i and
 * return 0, or -1 leaving *i. */
int tr_imp_blank(const char *s, size_t n);
/* 0, or -1 with "PATH:LINE: an access of N bytes at 0x... wraps past ..."
 * when memory record r wraps past 2^64 (tr_wraps). */
int tr_imp_span(const tr_rec *r, const char *path, unsigned long line, sim_err *e);
int tr_imp_hex(const char *s, size_t n, size_t *i, uint64_t *out);
int tr_imp_dec(const char *s, size_t n, size_t *i, uint64_t max, uint64_t *out);

/* QEMU log importer state (trace_import_qemu.c): lines in order, then
 * finish at the end of input. Both return 0, or -1 with e set
 * ("PATH:LINE: ..."). */
typedef struct tr_qemu tr_qemu;
tr_qemu *tr_qemu_create(void);
void tr_qemu_destroy(tr_qemu *q);
int tr_qemu_line(tr_qemu *q, const char *s, size_t n, tr_writer *w, const char *path,
                 unsigned long line, sim_err *e);
int tr_qemu_finish(tr_qemu *q, tr_writer *w, const char *path, unsigned long line,
                   int last_has_newline, sim_err *e);

#endif
