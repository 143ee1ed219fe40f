/*
 * comm_int.h - private state of the `comm` feature (sim/hyp/comm only): the
 * virtual Ethernet on the hypervisor side (PAPR logical LAN hcalls, one
 * adapter per LPAR, every generated LPAR on one VLAN), the guest TCP/IP
 * model behind the "tcp" and "veth" transports, and the workload driver's
 * configuration (drivers.comm.*).
 * Invariants: an adapter is open between H_REGISTER_LOGICAL_LAN and
 * H_FREE_LOGICAL_LAN; its posted buffers lie in its LPAR's memory and are
 * each used for at most one frame before the guest posts them again.
 */
#ifndef LPARSIM_HYP_COMM_INT_H
#define LPARSIM_HYP_COMM_INT_H

#include "hyp/hyp_int.h"

/* PAPR logical LAN hcalls (Linux asm/hvcall.h) */
#define H_REGISTER_LOGICAL_LAN 0x114
#define H_FREE_LOGICAL_LAN 0x118
#define H_ADD_LOGICAL_LAN_BUFFER 0x11C
#define H_SEND_LOGICAL_LAN 0x120

/* buffer descriptors (QEMU spapr_llan.c, Linux ibmveth.h) */
#define LLAN_BD_VALID 0x8000000000000000ULL
#define LLAN_BD_TOGGLE 0x4000000000000000ULL
#define LLAN_BD_LEN(bd) (((bd) >> 32) & 0xffffffULL)
#define LLAN_BD_ADDR(bd) ((bd)&0xffffffffULL)
#define LLAN_BD(addr, len) (LLAN_BD_VALID | ((uint64_t)(len) << 32) | ((addr)&0xffffffffULL))
#define LLAN_RXQC_TOGGLE 0x80
#define LLAN_RXQC_VALID 0x40
#define LLAN_MAX_FRAME 65536  /* QEMU MAX_PACKET_SIZE */
#define LLAN_HDR 16           /* dst MAC 6, src MAC 6, ethertype 2, connection 2 */
#define LLAN_NPOOLS 5
#define LLAN_MAC(lpid) (0x020000000000ULL | (uint64_t)(lpid))

typedef struct comm_config {
    bool enabled;             /* first field (feature.h) */
    uint64_t unit_address;    /* every LPAR's adapter */
    uint64_t pool_bytes[LLAN_NPOOLS];
    uint64_t pool_count[LLAN_NPOOLS];
    uint64_t pools_active;    /* the first this many pools (ibmveth) */
} comm_config;

typedef struct comm_tcp_config {
    uint64_t syscall_cycles, tx_cycles, rx_cycles, wakeup_cycles, mss, sndbuf, rcvbuf;
} comm_tcp_config;

/* hypervisor side of one LPAR's adapter */
typedef struct llan_sizeq {   /* posted buffers of one length (a stack) */
    uint64_t len;
    uint64_t *bd;
    uint32_t n, cap;
} llan_sizeq;

typedef struct llan_adapter {
    bool open;
    uint64_t desc_paddr;      /* its descriptor in hypervisor memory (128 B) */
    uint64_t buf_list_la, filter_la;
    uint64_t rxq_la, rxq_len, rxq_ptr;
    bool rxq_toggle;
    llan_sizeq *q;            /* by length, ascending */
    unsigned nq;
    uint64_t posted;
} llan_adapter;

typedef struct comm_stats {
    uint64_t registered, freed, buffers_added, frames_sent, bytes_sent, dropped, interrupts,
        refused, lines_copied;
} comm_stats;

struct veth_lpar;
typedef struct comm {
    hyp *h;
    comm_config cfg;
    comm_tcp_config tcp;      /* the driver's drivers.comm.tcp (comm_set_tcp) */
    llan_adapter *ad;         /* by lpid */
    uint64_t *kheap;          /* by lpid: next free guest kernel byte (upper half) */
    struct veth_lpar **vl;    /* by lpid: the guest's ibmveth state */
    unsigned nlp;
    comm_stats st;
    uint64_t last_copy_cycles, last_copy_lines; /* of the last H_SEND (its copy part) */
    void **conns;             /* veth connections by id (frames carry it) */
    unsigned nconns, capconns;
    op_id op_setup, op_teardown, op_tcp_setup;
    struct kblock { unsigned lpid; uint64_t la, bytes; } *kfree; /* freed guest kernel blocks */
    unsigned nkfree, capkfree;
} comm;

extern const param_table comm_feature_params;
extern const stat_table comm_stat_table;
extern const hyp_hcall_desc comm_hcalls[4];
extern const hyp_transport comm_tcp_transport, comm_veth_transport;

/* comm_guest.c: guest memory of an LPAR (logical addresses) */
/* Copy len bytes between logical ranges (split at LMB boundaries) as code on
 * `thread` from `now`: cycles returned, lines written added to *lines. */
uint64_t comm_copy_la(hyp *h, unsigned thread, uint64_t now, unsigned dlp, uint64_t dla,
                      unsigned slp, uint64_t sla, uint64_t len, uint64_t *lines);
/* Touch (read or write) a logical range: cycles. */
uint64_t comm_touch_la(hyp *h, unsigned thread, uint64_t now, unsigned lp, uint64_t la,
                       uint64_t len, mem_kind kind);
void comm_read_la(hyp *h, unsigned lp, uint64_t la, void *dst, uint64_t len);
int comm_write_la(hyp *h, unsigned lp, uint64_t la, const void *src, uint64_t len);
/* Guest kernel memory (upper half of the LPAR): a logical address, or
 * UINT64_MAX with e set when it is full. */
uint64_t comm_kalloc(comm *c, unsigned lpid, uint64_t bytes, uint64_t align, sim_err *e);
void comm_kfree(comm *c, unsigned lpid, uint64_t la, uint64_t bytes);
void comm_set_tcp(comm *c, const comm_tcp_config *t);
uint64_t comm_segments(const comm *c, uint64_t bytes);
/* An hcall by the guest side: on a refusal other than `ok_rc`, e names it. */
long comm_hcall(comm *c, unsigned lpid, unsigned thread, uint64_t now, uint64_t op,
                const uint64_t *args, uint64_t *cycles, sim_err *e);
int comm_conn_add(comm *c, void *conn, unsigned *id);

/* comm_veth_dev.c */
void comm_veth_lpar_free(struct veth_lpar *v);

#endif
