/*
 * smc_xport_int.h - state of one connection of the transports "smc" (the
 * patent's protocol) and "smcd-linux" (Linux SMC-D's rules) over an SMB,
 * shared by smc_xport.c (send/recv/wait/pending) and smc_xport_setup.c
 * (open/close, the hcall helper).
 * Side 0 (the client) owns the SMB and produces direction 0; side 1
 * accepted it and produces direction 1. The guests' views of the cursors
 * are kept here; the words themselves live in the SMB and are only ever
 * changed through H_SM_CS_MOVE.
 */
#ifndef LPARSIM_HYP_SMC_XPORT_INT_H
#define LPARSIM_HYP_SMC_XPORT_INT_H

#include "hyp/smc/smc_int.h"

typedef struct smc_dir {
    uint64_t prod;       /* producer: bytes written */
    uint64_t prod_word;  /* producer: what it last stored in PROD */
    uint64_t cons_seen;  /* producer: CONS count last read */
    uint64_t cons_word_seen; /* producer: CONS word last read (flags too) */
    uint64_t cons;       /* consumer: bytes read */
    uint64_t cons_pub;   /* consumer: count last stored in CONS */
    uint64_t cons_word;  /* consumer: what it believes CONS holds */
    uint64_t prod_seen;  /* consumer: PROD count last read */
    bool wb_seen;        /* consumer: WRITE_BLOCKED seen in CONS */
    bool cons_sleeping;  /* the consumer waits for data (host-side) */
    bool prod_sleeping;  /* the producer waits for room (host-side) */
} smc_dir;

typedef struct smc_conn {
    smc *s;
    bool linux_rules;    /* smcd-linux */
    hyp_xport_end end[2];
    uint64_t tok[2], sig[2];
    uint64_t smb;
    uint64_t scratch[2]; /* each side's 128-byte control area (logical) */
    bool woke_irq[2];    /* woken by an interrupt: read the SBA first */
    smc_dir d[2];
} smc_conn;

/* An hcall of side `side` at its clock (io->at + the parts so far):
 * cycles split into XP_HCALL, the copy part `copy_part` (the hcall's copy
 * cycles) and XP_SIGNAL; data != 0 counts its lines as copied. A refusal
 * other than `ok_rc` (also accepted) stops the run. Returns the code or
 * LONG_MIN with e set. */
long smc_xhcall(smc_conn *k, unsigned side, hyp_xport_io *io, unsigned copy_part, bool data,
                long ok_rc, uint64_t op, const uint64_t a[6], uint64_t *rets, sim_err *e);
uint64_t smc_xnow(const hyp_xport_io *io);

int smc_x_send(void *conn, unsigned side, uint64_t src_la, hyp_xport_io *io, sim_err *e);
int smc_x_recv(void *conn, unsigned side, uint64_t dst_la, hyp_xport_io *io, sim_err *e);
bool smc_x_wait(void *conn, unsigned side, bool room, hyp_xport_io *io);
uint64_t smc_x_pending(const void *conn, unsigned side);

#endif
