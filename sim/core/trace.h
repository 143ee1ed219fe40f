/*
 * trace.h - lparsim's native workload trace format (reader and writer).
 *
 * Binary form (version 1): the whole file is one gzip (zlib) stream holding
 *   header:  magic "LPSIMTRC", u16 version, u16 flags, u32 note length, note
 *   records: compact, variable length (see trace_format.md in docs/)
 *   end:     an END record carrying the record count, so a truncated file
 *            is detected (gzip's CRC catches corruption); the gzip stream
 *            must end the file.
 * Text form: first line "#lparsim-trace v1", then one record per line:
 *   I <pc> <size> [<word>]    instruction fetch (+ optional 32-bit word)
 *   L <ea> <size>             load
 *   S <ea> <size>             store
 *   M <ea> <size>             modify (load then store of the same bytes)
 *   H <num> [<arg>...]        hypervisor call / sharing op (up to 6 args;
 *                             version 3: up to 9)
 *   R <rc> [<val>...]         version 3: what the hcall just before it
 *                             returned in the recording (return code, values)
 *   K <id> [<value> [<arg>...]]  marker (arguments: version 3, up to 9)
 * Numbers are hex with 0x or decimal; '#' starts a comment. Text files may
 * also be gzipped. Readers stream: a trace is never loaded whole.
 */
#ifndef LPARSIM_CORE_TRACE_H
#define LPARSIM_CORE_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#ifdef __cplusplus
extern "C" {
#endif

enum tr_kind {
    TR_INSN = 0,   /* addr = pc, size = instruction length, word if TRF_WORD */
    TR_LOAD = 1,   /* addr = effective address, size = bytes */
    TR_STORE = 2,
    TR_MODIFY = 3, /* load then store of the same bytes */
    TR_HCALL = 4,  /* word = hcall / operation number, args[0..nargs) */
    TR_MARKER = 5, /* word = marker id, addr = value (ids below); version 3:
                      args[0..nargs) */
    TR_HRET = 6,   /* version 3: the result the recording's functional reference
                      (QEMU) gave the TR_HCALL record just before it: word = return
                      code as int32 (tr_hret_rc), args[0..nargs) = returned values.
                      Always directly after a TR_HCALL (readers and writers check) */
    TR_KIND_COUNT
};

/* Marker ids the guest model acts on (others are counted and ignored):
 * the guest goes idle and cedes its vCPU, woken by its decrementer after
 * `value` cycles (IDLE), or by a prod or an interrupt (WAIT); it sends a
 * doorbell (msgsndp/msgsnd) to vCPU `value` of its LPAR (DOORBELL).
 * Markers the hardware thread acts on (not handed to the guest): slbie of
 * the segment holding EA `value` (SLBIE), slbia (SLBIA). */
enum { TR_MARK_IDLE = 1, TR_MARK_WAIT = 2, TR_MARK_DOORBELL = 3 };
enum { TR_MARK_SLBIE = 16, TR_MARK_SLBIA = 17 };
/* Version 3: slbmte recorded with its operands (full-system traces, made
 * after the slbmte instruction's I record): value = RB (ESID | V | index),
 * args[0] = RS (B | VSID | Ks Kp N L C | LP), as the ISA lays them out. */
enum { TR_MARK_SLBMTE = 18 };
/* Version 3: hcall order (traces of an LPAR with several vCPUs): value = the
 * rank of the H record that directly follows it in the recording's order of
 * all the LPAR's hcalls (dense from 0, increasing per vCPU; the replay keeps
 * that order, docs/full-system.md). Always directly before a TR_HCALL
 * (readers and writers check); no arguments. In versions 1 and 2 an
 * ordinary marker like 16..18. */
enum { TR_MARK_HSEQ = 19 };
/* Version 2 traces only (a version 1 trace's markers 4..15 are ordinary,
 * ignored markers): region of interest begin / end, value = region id
 * (docs/roi.md); 6 is the free marker below; ids 7..15 are reserved, an error. */
enum { TR_MARK_ROI_BEGIN = 4, TR_MARK_ROI_END = 5, TR_MARK_RESERVED_LAST = 15 };
/* Version 2 only: the guest frees the page holding EA `value` (handed to
 * the guest model, docs/trace_format.md). */
enum { TR_MARK_FREE = 6 };

#define TRF_WORD 0x1   /* TR_INSN carries a 32-bit instruction word */
#define TR_MAX_ARGS 9      /* PAPR's widest hcalls (plpar_hcall9): 9 in, 9 out */
#define TR_MAX_ARGS_V2 6   /* versions 1 and 2 carry at most 6 hcall arguments */

typedef struct tr_rec {
    uint8_t kind;   /* enum tr_kind */
    uint8_t size;   /* access / instruction size in bytes (1..255) */
    uint8_t flags;  /* TRF_* */
    uint8_t nargs;  /* TR_HCALL, TR_HRET; TR_MARKER in version 3 */
    uint32_t word;
    uint64_t addr;
    uint64_t args[TR_MAX_ARGS];
} tr_rec;

const char *tr_kind_name(unsigned kind); /* "insn", "load", ... */

/* The return code a TR_HRET record carries (PAPR's are small signed values). */
static inline long tr_hret_rc(const tr_rec *r) { return (long)(int32_t)r->word; }

/* Format r as its text-form line (no newline) into buf, snprintf-style:
 * returns the length the full line needs. Parsing the line gives back r.
 * I/L/S/M: "L 0x<addr> <size>" (I adds " 0x<word>" with TRF_WORD);
 * H: "H 0x<num> 0x<arg>..."; K: "K <id> 0x<value>". */
int tr_format_text(const tr_rec *r, char *buf, size_t n);

/* ---- reading ---- */
typedef struct tr_reader tr_reader;

/* Open a native trace (binary or text, gzipped or not). Errors: missing
 * file, not an lparsim trace (with a hint to use `lparsim trace import`),
 * unsupported version. */
tr_reader *tr_open(const char *path, sim_err *e);
void tr_close(tr_reader *r);

/* Read up to n records into buf. Returns the number read (0 at the end of
 * the trace), or -1 with e set on a truncated or corrupt file or a malformed
 * text line (message names file, line or record index, and what was
 * expected). */
long tr_read(tr_reader *r, tr_rec *buf, size_t n, sim_err *e);

/* Rewind to the first record (for looping workloads). */
int tr_rewind(tr_reader *r, sim_err *e);

const char *tr_path(const tr_reader *r);
const char *tr_note(const tr_reader *r); /* header note ("" for text) */
int tr_is_text(const tr_reader *r);
/* Format version of the trace: 1, 2 (ROI markers) or 3 (hcalls with up to 9
 * arguments, TR_HRET records); binary header version or text header
 * "#lparsim-trace vN". */
unsigned tr_version(const tr_reader *r);
/* Header flags of a binary trace (TRH_*; 0 for text or unknown). */
unsigned tr_flags(const tr_reader *r);

/* ---- writing (always binary) ---- */
typedef struct tr_writer tr_writer;

/* note: free-form provenance ("imported from X by lparsim trace import").
 * level: zlib level 1..9. Opens path through core/outfile.h: a regular
 * file (or a link to one) is written to a temporary renamed into place by
 * tr_finish, so a failed or interrupted write never leaves a half-written
 * trace; a device or FIFO is written in place. Records whose bytes wrap
 * past 2^64 are refused by tr_write. */
/* (Not called tr_create: libcheck's static library defines a global of that
 * name, and the test programs link both.) */
tr_writer *tr_writer_create(const char *path, const char *note, int level,
                            sim_err *e);
/* Header flags: the byte order of the traced program (instruction words in
 * records are always the architectural 32-bit value, primary opcode in the
 * top 6 bits, whatever this says). At most one of the two is set. */
#define TRH_CODE_LE 0x1u
#define TRH_CODE_BE 0x2u
/* tr_writer_create with header flags (TRH_*). */
tr_writer *tr_writer_create_flags(const char *path, const char *note, int level,
                                  unsigned flags, sim_err *e);
/* tr_writer_create_flags writing format version `version` (1, 2 or 3; 2 when
 * the trace carries ROI markers, 3 when it carries TR_HRET records or hcalls
 * with more than 6 arguments, so that an older lparsim refuses it rather
 * than ignoring them; tr_write refuses those records below version 3). */
tr_writer *tr_writer_create_version(const char *path, const char *note, int level,
                                    unsigned flags, unsigned version, sim_err *e);
int tr_write(tr_writer *w, const tr_rec *rec, sim_err *e);
/* Write the END record, flush, rename into place. Frees w. */
int tr_finish(tr_writer *w, sim_err *e);
/* Abandon: remove the temporary file. Frees w. */
void tr_abort(tr_writer *w);
uint64_t tr_written(const tr_writer *w);

/* ---- importers (sim/core/trace_import.c) ---- */
typedef enum tr_import_fmt { TR_FMT_LACKEY, TR_FMT_DRAMSIM3, TR_FMT_QEMU } tr_import_fmt;

/* Convert a foreign text trace (plain or gzipped) into a native binary
 * trace. lackey: "I  addr,size", " L addr,size", " S", " M"; "==PID==" lines
 * are skipped. dramsim3: "<hex addr> <READ|WRITE> <cycle>" -> loads/stores
 * of 64 bytes; cycle stamps are dropped (in a native trace the CPU model
 * decides timing; `lparsim dram` reads DRAMsim3 files directly). qemu: an
 * execution log of a POWER program under qemu-user, either lparsim's plugin
 * log ("I <pc> <word>", "L|S <addr> <size>", "E <count>") or QEMU's own
 * `-singlestep -d in_asm,exec,nochain` log -> instructions of size 4 with
 * their words (TRF_WORD), plus loads/stores (plugin log only). Errors
 * name file and line. Refused: out_path naming the input file (same device
 * and inode), an input without records, an access wrapping past 2^64. On
 * error nothing is left at out_path (unless it is a device or FIFO).
 * *n_out receives the number of records written. */
int tr_import(tr_import_fmt fmt, const char *in_path, const char *out_path,
              uint64_t *n_out, sim_err *e);

/* ---- summary (`lparsim trace info`) ---- */
typedef struct tr_info {
    uint64_t records;
    uint64_t by_kind[TR_KIND_COUNT];
    uint64_t bytes_accessed;           /* sum of sizes of memory records */
    uint64_t pages_4k, pages_64k;      /* distinct pages touched (instruction
                                          fetches and data; an access that
                                          crosses a page boundary touches both) */
    uint64_t min_addr, max_addr;       /* over memory records */
    unsigned flags;                    /* header flags (TRH_*) */
    unsigned version;                  /* format version (1..3) */
} tr_info;

int tr_summarize(const char *path, tr_info *out, sim_err *e);

#ifdef __cplusplus
}
#endif
#endif
