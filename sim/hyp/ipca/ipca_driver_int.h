/*
 * ipca_driver_int.h - the IPCA workload driver's configuration
 * (drivers.ipca.*) and statistics (declared in ipca_driver_config.c), and
 * the state and helpers ipca_driver*.c share (sim/hyp/ipca only).
 */
#ifndef LPARSIM_HYP_IPCA_DRIVER_INT_H
#define LPARSIM_HYP_IPCA_DRIVER_INT_H

#include "core/rng.h"
#include "ipca_int.h"

enum { IDRV_NOTICES = 0, IDRV_CONTENTION = 1 };
enum { IDRV_ONE = 0, IDRV_DISTINCT = 1 };

typedef struct idrv_config {
    bool enabled;             /* first field (feature.h) */
    unsigned pattern;         /* IDRV_* */
    uint64_t lpars;           /* notices: generated LPARs */
    uint64_t lpar_memory;
    uint64_t msg_bytes;
    uint64_t ops;             /* notices: rounds; contention: messages per writer */
    uint64_t think;           /* mean cycles between operations (uniform 0..2x) */
    double broadcast_fraction;
    double snoop_fraction;
    uint64_t writers;         /* contention: M */
    unsigned target;          /* contention: IDRV_ONE | IDRV_DISTINCT */
} idrv_config;
_Static_assert(sizeof(idrv_config) <= HYP_FEATURE_CFG_BYTES, "fits the driver config slot");

typedef struct idrv_stats {
    uint64_t messages, bytes, notices, broadcasts, broadcast_deliveries, snoops, snoops_refused,
        room_waits, reader_polls, lines_copied, tx_cycles, rx_cycles, first_send, last_delivery,
        freq_mhz;
} idrv_stats;

extern const param_table ipca_driver_params;
extern const stat_table idrv_stat_table;

/* LPARs the driver generates for config c. */
uint64_t idrv_lpars(const idrv_config *c);

/* ---- the driver's state (ipca_driver*.c) ---- */

#define IDRV_BUF_LA (1ull << 20) /* every LPAR's buffers start at logical 1M */


typedef struct imsg {
    uint64_t start, left, part[XP_NPARTS];
} imsg;

typedef struct iconn {
    void *x;
    unsigned lp[2];           /* lpids of side 0 and side 1 */
    uint64_t sent[2], recvd[2]; /* stream positions by sending / receiving side */
    imsg *q;                  /* contention: messages in flight (side 0 -> 1) */
    uint64_t qh, qt, qcap;
} iconn;

typedef struct ictx {
    hyp *h;
    const hyp_env *env;
    ipca *f;
    idrv_config c;
    rng r;
    unsigned first, n;        /* lpid of i0, LPARs */
    iconn *cn;
    unsigned ncn;
    uint64_t now, done, total;
    op_id op_msg, op_notice, op_bcast;
    /* contention */
    uint64_t *wnext, *wsent, *wcur; /* per writer: next event, messages sent, bytes of current */
    uint64_t *rnext;                /* per reader */
    unsigned nreaders;
    idrv_stats st;
    sim_err err;
} ictx;

/* ipca_driver.c: common helpers */
unsigned idrv_thread_of(const ictx *d, unsigned lpid);
/* The application's data: stream bytes [pos, pos+len) of connection k's
 * side into that side's buffer at la (host-side), and the check of what
 * the other side received at la. 0 or -1 (d->err set). */
int idrv_produce(ictx *d, unsigned k, unsigned side, uint64_t la, uint64_t pos, uint64_t len);
int idrv_check(ictx *d, unsigned k, unsigned side, uint64_t la, uint64_t pos, uint64_t len);
uint64_t idrv_psum(const uint64_t *p);
/* Record op ipca.msg [start, end) (wait: what the other parts leave). */
void idrv_record_msg(ictx *d, uint64_t start, uint64_t end, uint64_t *part, uint64_t bytes);
void idrv_add_parts(uint64_t *to, const hyp_xport_io *io);
/* Count a transport call's lines and cycles (tx: a send, else a recv). */
void idrv_count(ictx *d, const hyp_xport_io *io, bool tx);
/* Receive buffer of connection k on its receiving side. */
uint64_t idrv_rbuf(const ictx *d, unsigned k);
/* ipca_driver_notices.c: one round (notice and reply, or a broadcast). */
int idrv_notice_round(ictx *d);
/* ipca_driver_contention.c */
unsigned idrv_reader_of(const ictx *d, unsigned i);
uint64_t idrv_draw(ictx *d);
int idrv_writer_step(ictx *d, unsigned i);
int idrv_reader_step(ictx *d, unsigned j);

#endif
