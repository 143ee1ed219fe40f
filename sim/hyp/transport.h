/*
 * transport.h - the plug-in interface of a guest-to-guest transport: how
 * one side of a connection moves bytes to the other (a feature's hcalls and
 * the guests' protocol over them, or a guest network stack). A feature
 * lists its transports in hyp_feature.transports; a workload driver finds
 * one by the name a config gives (hyp_transport_find) and runs any of them
 * the same way, so nothing outside the feature names it.
 *
 * The driver owns the endpoints' clocks and the workload; a transport owns
 * its channel state, its hcalls and its costs. Every call is one side's
 * work from io->at: it fills io->part[] with the cycles it spent, by part
 * (HYP_XPORT_PARTS; their sum is the side's time), and the bytes it moved.
 * Data is real: send copies from the side's buffer (logical address in its
 * LPAR) through simulated memory, recv copies into the other's buffer, and
 * the driver checks what arrives against what was sent.
 *
 * Protocol a driver follows, per direction of a connection:
 *   send   moves up to io->bytes; fewer (even 0) when the channel is full:
 *          the producer is write-blocked until notified (wait for room);
 *   recv   moves up to io->bytes of what is pending;
 *   wait   the side is about to sleep until the other side acts (data to
 *          read, or room to write): false if that already happened (the
 *          side must not sleep: recv or send again); after true, the other
 *          side's next call that provides it reports io->notify_at;
 *   pending bytes a recv would find (host-side, no cycles).
 * notify_kind says how the sleeping side learns of it: HYP_XPORT_IRQ (an
 * interrupt to a ceded vCPU: the driver charges delivery, wake-up and the
 * handler to that side's interrupt part), HYP_XPORT_POLL (it finds it at
 * notify_at by polling, whose cost the transport charged in its calls), or
 * HYP_XPORT_SOFT (a wake-up inside one OS: notify_cycles is its cost), or
 * HYP_XPORT_PENDING (a signal coalesced into an interrupt already pending
 * for that side: no new interrupt, nothing charged; a sleeping side wakes
 * at notify_at). A side that is running but still has an earlier wait
 * armed on this connection (a driver waiting on several connections at
 * once) may also be notified: HYP_XPORT_IRQ then interrupts it (delivery
 * and handler, no wake-up), the other kinds cost it nothing.
 * Invariants: io->part sums to the side's time; the bytes a recv returns
 * are the next ones sent in that direction, in order, none twice.
 */
#ifndef LPARSIM_HYP_TRANSPORT_H
#define LPARSIM_HYP_TRANSPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "core/err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The parts of every transport's message op ("<name>.msg") and of each
 * call's io: the same list for every transport, so ops compare. */
enum {
    XP_TX_STACK = 0,  /* the producer's protocol/stack work (not copies) */
    XP_HCALL,         /* hcall entry/exit and hypervisor work (its copies apart) */
    XP_COPY_TX,       /* copies on the producer's side (user to channel) */
    XP_SIGNAL,        /* raising a notification (signal, doorbell, interrupt send) */
    XP_WAIT,          /* time a side waited (blocked, or data not there yet) */
    XP_INTERRUPT,     /* interrupt delivery, wake-up from cede, the handler */
    XP_RX_STACK,      /* the consumer's protocol/stack work (buffer replenish too) */
    XP_COPY_RX,       /* copies on the consumer's side (channel to user) */
    XP_NPARTS
};
#define HYP_XPORT_PARTS "tx_stack,hcall,copy_tx,signal,wait,interrupt,rx_stack,copy_rx"
/* Its description: every driver declares "<name>.msg" with these parts and
 * this text, so two drivers running one transport share the op. */
#define HYP_XPORT_MSG_DESC                                                                       \
    "one message: its first send call to its last byte in the receiver's user buffer"

enum { HYP_XPORT_IRQ = 0, HYP_XPORT_POLL = 1, HYP_XPORT_SOFT = 2, HYP_XPORT_PENDING = 3 };

/* One end of a connection. */
typedef struct hyp_xport_end {
    unsigned lpid;        /* its LPAR */
    unsigned thread;      /* the hardware thread it runs on */
    uint64_t buf_la;      /* its user buffer: logical address in its LPAR */
    uint64_t buf_len;     /*   and bytes (within one LMB) */
} hyp_xport_end;

typedef struct hyp_xport_io {
    uint64_t at;                /* in: the side's clock when the call starts */
    uint64_t bytes;             /* in: offered (send) or room (recv); out: moved */
    uint64_t part[XP_NPARTS];   /* out: cycles by part (zeroed by the driver) */
    uint64_t lines_copied;      /* out: cache lines copied, every copy it made */
    uint64_t notify_at;         /* out: UINT64_MAX, or when the sleeping other side learns */
    unsigned notify_kind;       /* out: HYP_XPORT_* (with notify_at) */
    uint64_t notify_cycles;     /* out: HYP_XPORT_SOFT: the woken side's cost */
    bool signalled;             /* out: a signal/interrupt was raised (counted by the driver) */
    bool skipped;               /* out: a signal the protocol skipped (the peer was busy) */
} hyp_xport_io;

/* A call's io from cycle `at` offering or asking `bytes`: parts zero, no
 * notification. */
static inline hyp_xport_io hyp_xport_io_at(uint64_t at, uint64_t bytes)
{
    hyp_xport_io io;
    memset(&io, 0, sizeof io);
    io.at = at;
    io.bytes = bytes;
    io.notify_at = UINT64_MAX;
    return io;
}

/* The cycles a call spent: the sum of its parts. */
static inline uint64_t hyp_xport_cycles(const hyp_xport_io *io)
{
    uint64_t s = 0;
    for (unsigned i = 0; i < XP_NPARTS; i++)
        s += io->part[i];
    return s;
}

typedef struct hyp_transport {
    const char *name;           /* "tcp", config drivers.<driver>.transport */
    const char *desc;           /* one line */
    /* Open a connection from side 0 (the client) to side 1 at io->at (the
     * client's work in io, setup op recorded by the transport). Returns 0
     * with *conn, or 0 with *conn NULL and *reason the index of why it
     * cannot (a fallback: fallback_names), or -1 with e set. */
    int (*open)(void *f, const hyp_xport_end ends[2], hyp_xport_io *io, void **conn,
                unsigned *reason, sim_err *e);
    int (*send)(void *conn, unsigned side, uint64_t src_la, hyp_xport_io *io, sim_err *e);
    int (*recv)(void *conn, unsigned side, uint64_t dst_la, hyp_xport_io *io, sim_err *e);
    /* room: waiting for room to write (write-blocked), else for data. */
    bool (*wait)(void *conn, unsigned side, bool room, hyp_xport_io *io);
    uint64_t (*pending)(const void *conn, unsigned side);
    /* Tear down (io: side 0's work); conn is freed. 0 or -1. */
    int (*close)(void *conn, hyp_xport_io *io, sim_err *e);
    /* The driver opens a TCP connection between the two LPARs first (over
     * the virtual Ethernet) and passes its cycles in io->part to open
     * (counted as the setup's TCP handshake); it stays open for control and
     * carries the data when open falls back (SMC's way). */
    bool over_tcp;
    /* Between LPARs of different machines its data takes the RDMA path
     * (SMC-R's: writes into the peer's memory buffer through the machines'
     * RDMA adapters, hyp.h), which the workload driver runs; false: it
     * cannot reach another machine. */
    bool rdma_across;
    const char *const *fallback_names; /* why open falls back, by reason index */
    unsigned nfallbacks;
} hyp_transport;

#ifdef __cplusplus
}
#endif
#endif
