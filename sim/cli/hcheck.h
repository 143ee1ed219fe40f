/*
 * hcheck.h - the functional cross-check of `lparsim trace hcheck`: each
 * recorded hcall (a TR_HCALL record and the TR_HRET after it, what QEMU's
 * pseries hypervisor returned) is made again on lparsim's hypervisor for one
 * LPAR, and lparsim's return code and returned values are compared with the
 * recorded ones (docs/linux-guests.md, "Functional cross-check").
 *
 * Invariants: only the HPT hcalls are issued (H_ENTER, H_REMOVE, H_READ,
 * H_CLEAR_REF, H_CLEAR_MOD, H_PROTECT, H_BULK_REMOVE); every other opcode
 * is counted as not modelled and never reaches the hypervisor, so it cannot
 * change the HPT. An H_ENTER of a page outside the LPAR's memory (an I/O
 * mapping, which lparsim does not model) is not issued either: when QEMU
 * accepted it, its entry is written into lparsim's HPT at QEMU's slot so
 * that later slot choices stay comparable. Values are compared after the
 * masks below (bits no hcall-only replay can know, or bits QEMU keeps for
 * itself), never silently: hcheck_mask_doc lists them.
 */
#ifndef LPARSIM_CLI_HCHECK_H
#define LPARSIM_CLI_HCHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "core/trace.h"
#include "hyp/hyp.h"

/* Per HPT hcall: what was compared. */
typedef struct hcheck_stat {
    uint64_t calls;        /* issued on lparsim's hypervisor */
    uint64_t unchecked;    /* issued, no recorded return (an H without R) */
    uint64_t ref_function; /* not issued: QEMU answered H_FUNCTION (it has none) */
    uint64_t rc_agree;
    uint64_t val_compared; /* calls whose values were compared (both rc success) */
    uint64_t val_agree;
    uint64_t disagree;     /* calls with a differing rc or value */
} hcheck_stat;

enum { HCHECK_ENTER, HCHECK_REMOVE, HCHECK_READ, HCHECK_CLEAR_REF, HCHECK_CLEAR_MOD,
       HCHECK_PROTECT, HCHECK_BULK_REMOVE, HCHECK_NOPS };

/* One disagreement (the first HCHECK_MAX_DIFFS are kept). */
typedef struct hcheck_diff {
    uint64_t record;         /* 1-based record number of the H record */
    uint32_t opcode;
    long rc_rec, rc_sim;
    unsigned nval;           /* values compared (masked) */
    uint64_t rec[TR_MAX_ARGS], sim[TR_MAX_ARGS];
    unsigned trace;          /* index of its trace (hcheck.trace when it was stepped) */
} hcheck_diff;
#define HCHECK_MAX_DIFFS 10

/* Opcodes not issued (not modelled), in order of first appearance. */
typedef struct hcheck_other {
    uint32_t opcode;
    uint64_t count;
} hcheck_other;

typedef struct hcheck {
    hyp *h;
    unsigned lpid, thread;
    uint64_t now;            /* cycle of the next hcall (each one's time added) */
    uint8_t *io;             /* bitmap per HPTE: holds a mirrored I/O entry */
    uint64_t nptes;
    hcheck_stat st[HCHECK_NOPS];
    uint64_t io_enter;       /* H_ENTERs of I/O pages (not issued) */
    uint64_t io_mirrored;    /* ... of which QEMU's entry was mirrored */
    hcheck_other *other;
    unsigned nother, cap_other;
    hcheck_diff diff[HCHECK_MAX_DIFFS];
    uint64_t ndiff;          /* all disagreements (calls) */
    uint64_t hpt_warn;       /* not-modelled hcalls that change QEMU's HPT */
    uint64_t first_hpt_warn; /* record of the first of those (0: none) */
    unsigned trace;          /* the caller's index of the trace being stepped (several
                              * traces: hcheck_ordered) */
} hcheck;

/* Check on lpid of h from hardware thread 0. 0, or -1 (out of memory). */
int hcheck_init(hcheck *c, hyp *h, unsigned lpid);
void hcheck_free(hcheck *c);
/* One hcall: hc its H record (number `record`, 1-based), ret the R record
 * after it or NULL. 0, or -1 (out of memory). */
int hcheck_step(hcheck *c, uint64_t record, const tr_rec *hc, const tr_rec *ret);

/* Name of the checked hcall i (HCHECK_*), and of any opcode ("0x..." when
 * unknown; buf of at least 24 bytes). */
const char *hcheck_op_name(unsigned i);
const char *hcheck_opcode_name(uint32_t opcode, char *buf);
/* The masks, one line each (NULL-terminated), for the report. */
extern const char *const hcheck_mask_doc[];

/* The traces of one LPAR (hcheck_order.c): every trace's H/R pairs are
 * read, then stepped; several traces (its vCPUs) in the recorded hcall
 * order (the K 19 marker before each ordered H; an H without one is
 * stepped as soon as its trace reaches it), so that slot choices are made
 * in the recording's order; one trace in its own order. *records and *nret count all traces' records and R records. 0, or
 * -1 with e set (a bad trace; an order missing or repeated, naming it). */
int hcheck_ordered(hcheck *c, tr_reader *const *r, const char *const *paths, unsigned n,
                   uint64_t *records, uint64_t *nret, sim_err *e);

#endif
