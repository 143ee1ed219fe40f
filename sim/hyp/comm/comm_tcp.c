/*
 * comm_tcp.c - transport "tcp": a TCP connection over the loopback device,
 * both endpoints in ONE LPAR (two threads), the guest's TCP/IP stack as a
 * cost model (drivers.comm.tcp.*). Per direction a receive queue of rcvbuf
 * bytes in the guest kernel's memory (a ring):
 *   send  syscall + tx_cycles per segment (mss), copy user -> ring (at most
 *         sndbuf bytes per call, and what the ring has room for);
 *   recv  syscall + rx_cycles per segment, copy ring -> user;
 * a reader asleep in recv is woken by the send that brings data, a writer
 * blocked on a full ring by the recv that makes room (HYP_XPORT_SOFT: the
 * woken side pays wakeup_cycles). Two copies per byte, each through the
 * caches with real bytes (hyp_copy). The loopback receive processing Linux
 * runs in the sender's softirq is charged to the receiver (rx_cycles), a
 * simplification that keeps the stack costs per side. No ACK or window
 * traffic is modeled beyond the ring's room.
 * Invariant: 0 <= head - tail <= ring per direction; bytes leave in order.
 */
#include <stdlib.h>

#include "comm_int.h"

typedef struct tcp_dir {
    uint64_t ring_la, head, tail; /* bytes written / read since open */
    bool reader_waits, writer_waits;
} tcp_dir;

typedef struct tcp_conn {
    comm *c;
    hyp_xport_end e[2];
    tcp_dir d[2]; /* d[s]: written by side s */
    uint64_t ring;
} tcp_conn;

static int tcp_open(void *f, const hyp_xport_end ends[2], hyp_xport_io *io, void **conn,
                    unsigned *reason, sim_err *e)
{
    comm *c = f;
    (void)reason;
    *conn = NULL;
    if (ends[0].lpid != ends[1].lpid)
        return sim_errf(e, "drivers.comm.transport: tcp is the loopback of one LPAR; its two "
                           "endpoints are in LPARs %u and %u", ends[0].lpid, ends[1].lpid);
    tcp_conn *t = calloc(1, sizeof *t);
    if (!t)
        return sim_errf(e, "out of host memory");
    t->c = c;
    t->e[0] = ends[0];
    t->e[1] = ends[1];
    t->ring = c->tcp.rcvbuf;
    for (int s = 0; s < 2; s++)
        if ((t->d[s].ring_la = comm_kalloc(c, ends[0].lpid, t->ring, 128, e)) == UINT64_MAX) {
            if (s)
                comm_kfree(c, ends[0].lpid, t->d[0].ring_la, t->ring);
            free(t);
            return -1;
        }
    /* connect: SYN and ACK sent, SYN-ACK received (assumption: one segment each) */
    op_rec o;
    op_begin(&o, io->at);
    uint64_t tx = c->tcp.syscall_cycles + 2 * c->tcp.tx_cycles, rx = c->tcp.rx_cycles;
    op_charge(&o, 0, tx);
    op_charge(&o, 1, rx);
    ops_record(c->h->env.ops, c->op_tcp_setup, &o);
    io->part[XP_TX_STACK] += tx;
    io->part[XP_RX_STACK] += rx;
    *conn = t;
    return 0;
}

/* copy n bytes between the user buffer and the ring at ring offset pos */
static uint64_t ring_copy(tcp_conn *t, unsigned side, bool to_ring, tcp_dir *d, uint64_t pos,
                          uint64_t user_la, uint64_t n, uint64_t at, uint64_t *lines)
{
    uint64_t cyc = 0, done = 0;
    unsigned lp = t->e[side].lpid, th = t->e[side].thread;
    while (done < n) {
        uint64_t off = (pos + done) % t->ring, k = n - done;
        if (k > t->ring - off)
            k = t->ring - off;
        uint64_t r = d->ring_la + off, u = user_la + done;
        cyc += to_ring ? comm_copy_la(t->c->h, th, at + cyc, lp, r, lp, u, k, lines)
                       : comm_copy_la(t->c->h, th, at + cyc, lp, u, lp, r, k, lines);
        done += k;
    }
    return cyc;
}

static void wake(const comm *c, hyp_xport_io *io, uint64_t at)
{
    io->notify_at = at;
    io->notify_kind = HYP_XPORT_SOFT;
    io->notify_cycles = c->tcp.wakeup_cycles;
    io->signalled = true;
}

static int tcp_send(void *vc, unsigned side, uint64_t src_la, hyp_xport_io *io, sim_err *e)
{
    (void)e;
    tcp_conn *t = vc;
    tcp_dir *d = &t->d[side];
    uint64_t room = t->ring - (d->head - d->tail), n = io->bytes;
    if (n > room)
        n = room;
    if (n > t->c->tcp.sndbuf)
        n = t->c->tcp.sndbuf;
    io->bytes = n;
    if (!n)
        return 0;
    uint64_t stack = t->c->tcp.syscall_cycles + t->c->tcp.tx_cycles * comm_segments(t->c, n);
    io->part[XP_TX_STACK] += stack;
    uint64_t cp = ring_copy(t, side, true, d, d->head, src_la, n, io->at + stack,
                            &io->lines_copied);
    io->part[XP_COPY_TX] += cp;
    d->head += n;
    if (d->reader_waits) {
        d->reader_waits = false;
        wake(t->c, io, io->at + stack + cp);
    } else {
        io->skipped = true;
    }
    return 0;
}

static int tcp_recv(void *vc, unsigned side, uint64_t dst_la, hyp_xport_io *io, sim_err *e)
{
    (void)e;
    tcp_conn *t = vc;
    tcp_dir *d = &t->d[1 - side];
    uint64_t n = d->head - d->tail;
    if (n > io->bytes)
        n = io->bytes;
    io->bytes = n;
    if (!n)
        return 0;
    uint64_t stack = t->c->tcp.syscall_cycles + t->c->tcp.rx_cycles * comm_segments(t->c, n);
    io->part[XP_RX_STACK] += stack;
    uint64_t cp = ring_copy(t, side, false, d, d->tail, dst_la, n, io->at + stack,
                            &io->lines_copied);
    io->part[XP_COPY_RX] += cp;
    d->tail += n;
    if (d->writer_waits) {
        d->writer_waits = false;
        wake(t->c, io, io->at + stack + cp);
    }
    return 0;
}

static bool tcp_wait(void *vc, unsigned side, bool room, hyp_xport_io *io)
{
    (void)io;
    tcp_conn *t = vc;
    if (room) {
        tcp_dir *d = &t->d[side];
        if (d->head - d->tail < t->ring)
            return false;
        d->writer_waits = true;
        return true;
    }
    tcp_dir *d = &t->d[1 - side];
    if (d->head != d->tail)
        return false;
    d->reader_waits = true;
    return true;
}

static uint64_t tcp_pending(const void *vc, unsigned side)
{
    const tcp_conn *t = vc;
    return t->d[1 - side].head - t->d[1 - side].tail;
}

static int tcp_close(void *vc, hyp_xport_io *io, sim_err *e)
{
    (void)e;
    tcp_conn *t = vc;
    io->part[XP_TX_STACK] += t->c->tcp.syscall_cycles + t->c->tcp.tx_cycles;
    for (int s = 0; s < 2; s++)
        comm_kfree(t->c, t->e[0].lpid, t->d[s].ring_la, t->ring);
    free(t);
    return 0;
}

const hyp_transport comm_tcp_transport = {
    .name = "tcp",
    .desc = "TCP over the loopback of one LPAR (guest stack cost model, two copies per byte)",
    .open = tcp_open,
    .send = tcp_send,
    .recv = tcp_recv,
    .wait = tcp_wait,
    .pending = tcp_pending,
    .close = tcp_close,
};
