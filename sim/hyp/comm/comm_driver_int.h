/*
 * comm_driver_int.h - the communication workload driver (drivers.comm.*):
 * configuration, statistics, and the state of its endpoints and
 * connections, shared by comm_driver*.c and comm_audit.c.
 */
#ifndef LPARSIM_HYP_COMM_DRIVER_INT_H
#define LPARSIM_HYP_COMM_DRIVER_INT_H

#include "comm_int.h"
#include "core/rng.h"

enum { PAT_PINGPONG, PAT_STREAM, PAT_RR, PAT_CRR, PAT_CONNS, PAT_FANIN };
enum { PL_SAME_CORE, PL_SAME_MODULE, PL_CROSS_MODULE };
enum { INJ_NONE, INJ_CORRUPT, INJ_DUP };
enum { DIST_UNIFORM, DIST_LOG2 };
enum { ROLE_CLIENT, ROLE_SERVER };

typedef struct comm_driver_config {
    bool enabled;            /* first field (feature.h) */
    char *transport;
    unsigned pattern, placement, inject, size_dist;
    uint64_t size, size_max, messages, connections, in_flight;
    uint64_t think_cycles, wake_cycles, snooze_cycles, handler_cycles, lpar_memory;
    char *remote;            /* the other machine's name (comm_remote.c), or NULL */
    unsigned role;           /* ROLE_*: with remote */
    uint64_t rmb;            /* with remote: each side's receive buffer */
    comm_tcp_config tcp;
} comm_driver_config;
_Static_assert(sizeof(comm_driver_config) <= HYP_FEATURE_CFG_BYTES, "fits the driver slot");

typedef struct comm_drv_stats {
    uint64_t messages, bytes, transactions, signals, skipped, interrupts, wakeups, lines_copied,
        tx_cycles, rx_cycles, fallbacks, opens, closes, open_cycles, cede_wakeups, coalesced,
        irq_running;
} comm_drv_stats;

typedef struct comm_audit_stats {
    uint64_t checks, violations, bytes;
} comm_audit_stats;

typedef struct cmsg {
    uint64_t size, start, sent, rcvd;
    uint64_t part[XP_NPARTS];
    bool started;
} cmsg;

typedef struct cdir {         /* one direction of a connection */
    cmsg *q;                  /* messages in flight, FIFO */
    unsigned head, n, cap;
    uint64_t off_sent, off_rcvd, avail_at;
} cdir;

typedef struct cconn {
    const hyp_transport *t;   /* what carries the data */
    void *conn;               /* NULL once closed */
    void *ctrl;               /* the veth control connection (over_tcp), or NULL */
    op_id op;
    cdir d[2];                /* d[0]: client -> server */
    bool armed[2];            /* fanin: side s waits for data here (no notify since) */
    uint64_t out;             /* requests sent whose response is not received */
} cconn;

enum { EP_RUN, EP_BLOCKED, EP_DONE };
typedef struct endpoint {
    unsigned lpid, thread, state;
    uint64_t clock, blocked_at;
    uint64_t tx_la, rx_la, region;
    uint64_t carry[XP_NPARTS]; /* interrupt cycles for the next message served */
    unsigned spins;
} endpoint;

/* Across machines (comm_remote.c): a message from the other side's driver
 * (its handshake, or a CDC message telling a write landed in our RMB). */
typedef struct rmt_ev {
    uint64_t at, w[8];
    unsigned type;
} rmt_ev;

typedef struct comm_remote {
    int peer;                 /* the other machine's index; -1 until the first step */
    unsigned state;
    unsigned peer_lpid;
    uint64_t peer_rmb_la, peer_cdc_la;
    uint64_t sndbuf_la, rmb_la, cdc_la;
    uint64_t prod, cons;      /* bytes written to the peer's RMB; read from ours */
    uint64_t off_tx, off_rx;  /* audit stream offsets of each direction */
    uint64_t seq;
    rmt_ev *q;                /* events from the other machine, in arrival order */
    unsigned head, n, cap;
    op_id op;
} comm_remote;

typedef struct comm_drv {
    hyp *h;
    const hyp_env *env;
    comm_driver_config c;
    rng r;
    uint64_t seed;
    const hyp_transport *t, *veth;
    void *tstate, *vstate;
    char prefix[64];
    endpoint ep[2];
    cconn *cn;
    unsigned ncn, capcn;
    /* the client: transactions sent (requests started), responses done */
    uint64_t sent, resp, srv;  /* srv: transactions the server finished */
    unsigned cstep;            /* crr: 0 open, 1 send, 2 recv, 3 close */
    unsigned sphase;           /* server: 0 receive the request, 1 answer it */
    uint64_t srv_size;         /* the size of the request being answered */
    unsigned srv_conn;         /* fanin: its connection */
    bool opened_all, closed_all, failed;
    uint64_t msgmax, recvs;
    bool injected;
    unsigned char *scratch;    /* msgmax bytes: what a receiver got */
    comm_drv_stats st;
    comm_audit_stats au;
    comm_remote *rm;           /* across machines, else NULL */
    op_id op_all;              /* comm.msg: every message, whatever carried it */
} comm_drv;

extern const param_table comm_driver_params;
extern const stat_table comm_drv_stat_table, comm_audit_stat_table;

/* comm_audit.c: the independent check of every byte delivered */
void comm_audit_fill(const comm_drv *d, unsigned conn, unsigned dir, uint64_t off, void *buf,
                     uint64_t len);
int comm_audit_check(comm_drv *d, unsigned conn, unsigned dir, uint64_t off, const void *got,
                     uint64_t len, sim_err *e);

/* comm_driver_flow.c: one message's op (parts scaled to its latency if
 * they overlap), counted; the size of the next request */
void comm_record(comm_drv *d, op_id op, const cmsg *m, uint64_t end);
uint64_t comm_request_size(comm_drv *d);
/* An interrupt wakes a side that waited `waited` cycles: delivery, handler,
 * and the wake from cede if it waited past snooze_cycles (counted); its
 * cycles. */
uint64_t comm_irq_wake(comm_drv *d, uint64_t waited);

/* comm_remote.c: one endpoint of a connection to the driver of another
 * machine of the platform, over RDMA (drivers.comm.remote) */
int comm_remote_create(comm_drv *d, sim_err *e);
void comm_remote_destroy(comm_drv *d);
uint64_t comm_remote_next(const comm_drv *d);
int comm_remote_step(comm_drv *d, sim_err *e);

/* The next thing an endpoint does (comm_driver_flow.c, comm_driver_fanin.c). */
enum { A_NONE, A_SEND, A_RECV, A_OPEN, A_CLOSE, A_WAITALL };
typedef struct comm_action {
    int kind;
    unsigned conn;
} comm_action;

/* comm_driver_flow.c: the side's call on connection ci is done: count its
 * signal, wake (or interrupt) the peer it notified */
void comm_after_call(comm_drv *d, unsigned side, unsigned ci, const hyp_xport_io *io);
/* after the side's wait(s): asleep until notified if `sleeps`, else it
 * tries again (an error after 100000 tries; conn -1: pattern fanin) */
int comm_sleep(comm_drv *d, unsigned side, bool sleeps, const char *tname, bool room, int conn,
               sim_err *e);

/* comm_driver_fanin.c: pattern fanin (every connection's request sent
 * back to back, each side waiting on all its connections at once) */
comm_action comm_fanin_next(const comm_drv *d, unsigned side);
int comm_fanin_wait(comm_drv *d, unsigned side, sim_err *e);

/* comm_driver_flow.c: the endpoint that acts next (its clock in *at),
 * or -1: none can (finished when comm_flow_finished, else a deadlock) */
int comm_flow_pick(const comm_drv *d, uint64_t *at);
bool comm_flow_finished(const comm_drv *d);
/* one call of endpoint `side` (its next action) */
int comm_flow_step(comm_drv *d, unsigned side, sim_err *e);
/* close every connection still open (the end of the run) */
int comm_flow_close_all(comm_drv *d, sim_err *e);

#endif
