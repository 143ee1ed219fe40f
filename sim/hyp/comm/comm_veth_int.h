/*
 * comm_veth_int.h - the guest side of the virtual Ethernet (an ibmveth
 * driver per LPAR, comm_veth_dev.c) and the connections of transport
 * "veth" (comm_veth.c): TCP segments of up to mss bytes, one frame each.
 * Frame: dst MAC (6), src MAC (6), ethertype (2), connection id (2), then
 * the payload; a frame with no payload is an ACK (handshake, window update).
 */
#ifndef LPARSIM_HYP_COMM_VETH_INT_H
#define LPARSIM_HYP_COMM_VETH_INT_H

#include "comm_int.h"

typedef struct veth_pool {
    uint64_t bytes, count, base_la; /* count buffers of bytes at base_la */
} veth_pool;

typedef struct veth_lpar {
    unsigned lpid;
    uint64_t buf_list_la, filter_la, rxq_la, rxq_len, rxq_ptr;
    bool toggle;                 /* the valid entries' toggle bit (starts set) */
    veth_pool pool[LLAN_NPOOLS];
    unsigned npools;             /* active: pool[0..npools) (sizes ascending) */
    uint64_t delivered, polled;  /* frames put in its receive queue / taken out */
} veth_lpar;

typedef struct veth_frame {      /* a received frame queued on its socket */
    uint64_t buf_la, bytes;      /* the posted buffer (for the replenish) */
    uint64_t data_la, len, off;  /* payload and how much was read */
    unsigned pool;               /* the pool it counts against in its sender's window */
} veth_frame;

typedef struct veth_dir {        /* bytes from one side to the other */
    uint64_t sent, consumed;
    uint64_t inflight[LLAN_NPOOLS]; /* frames sent, not yet read, by the receiver's pool */
    uint64_t blocked_len;         /* the frame a blocked send could not place */
    veth_frame *fq;              /* at the receiver, FIFO */
    unsigned head, n, cap;
    bool reader_waits, writer_waits;
} veth_dir;

typedef struct veth_conn {
    comm *c;
    unsigned id;
    hyp_xport_end e[2];
    uint64_t skb_la[2];          /* each side's transmit buffer (one frame) */
    veth_dir d[2];               /* d[s]: sent by side s */
} veth_conn;

/* comm_veth_dev.c */
/* The LPAR's adapter, registered with its pools posted the first time (on
 * its thread at `at`, recorded as the hcalls' ops): NULL with e set. */
veth_lpar *veth_up(comm *c, unsigned lpid, unsigned thread, uint64_t at, sim_err *e);
/* Take the frames the hypervisor put in lpid's receive queue since the
 * last poll and queue them on their connections: cycles (rx_cycles per
 * data frame, reads of the queue and headers, replenish of ACK frames). */
int veth_poll(comm *c, veth_lpar *v, unsigned thread, uint64_t at, uint64_t *cycles,
              sim_err *e);
/* Post a buffer again (H_ADD_LOGICAL_LAN_BUFFER): cycles. */
int veth_replenish(comm *c, veth_lpar *v, unsigned thread, uint64_t at, uint64_t buf_la,
                   uint64_t bytes, uint64_t *cycles, sim_err *e);
/* The active pool of lpid a frame of `len` bytes lands in (the smallest
 * that holds it; the hypervisor may use a larger one when it is empty). */
unsigned veth_pool_of(const comm *c, unsigned lpid, uint64_t len);
/* Send one frame from side s's skb (header written here): hcall cycles
 * and the hypervisor's copy apart; -1 with e set on any refusal. */
int veth_xmit(veth_conn *k, unsigned s, uint64_t payload, uint64_t at, uint64_t *hcall,
              uint64_t *copy, uint64_t *lines, sim_err *e);

#endif
