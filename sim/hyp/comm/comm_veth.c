/*
 * comm_veth.c - transport "veth": TCP between two LPARs over the virtual
 * Ethernet (drivers.comm.tcp.* costs, comm_veth_dev.c for the adapter):
 *   send  syscall, then per segment of up to mss bytes: tx_cycles, copy
 *         user -> skb (guest kernel memory), H_SEND_LOGICAL_LAN (the
 *         hypervisor copies the frame into a buffer the peer posted and
 *         writes its receive-queue entry); the first frame to a peer asleep
 *         in recv raises its interrupt (HYP_XPORT_IRQ);
 *   recv  poll of the receive queue (rx_cycles per segment), syscall, copy
 *         buffer -> user, each emptied buffer posted again
 *         (H_ADD_LOGICAL_LAN_BUFFER, charged to rx_stack).
 * Three copies per byte. Flow control: at most rcvbuf bytes in flight (sent,
 * not read), and at most half the receiver's buffers of the pool a frame
 * lands in (an assumption standing for Linux's truesize accounting, which
 * keeps a sender from exhausting the receive pools; no frame is dropped);
 * a writer blocked on it is woken by a window-update ACK frame the reader
 * sends when it frees room (the only ACK modeled). Handshake: SYN,
 * SYN-ACK and ACK frames.
 * Invariant: sent - consumed bytes of a direction are in frames delivered
 * to the receiver's adapter and not yet read.
 */
#include <stdlib.h>
#include <string.h>

#include "comm_veth_int.h"

static void free_dir(veth_dir *d) { free(d->fq); }

static int veth_open(void *f, const hyp_xport_end ends[2], hyp_xport_io *io, void **conn,
                     unsigned *reason, sim_err *e)
{
    comm *c = f;
    (void)reason;
    *conn = NULL;
    if (ends[0].lpid == ends[1].lpid)
        return sim_errf(e, "drivers.comm.transport: veth connects two LPARs; both endpoints are "
                           "in LPAR %u", ends[0].lpid);
    veth_lpar *v[2];
    for (int s = 0; s < 2; s++)
        if (!(v[s] = veth_up(c, ends[s].lpid, ends[s].thread, io->at, e)))
            return -1;
    veth_conn *k = calloc(1, sizeof *k);
    if (!k || comm_conn_add(c, k, &k->id) != 0) {
        free(k);
        return sim_errf(e, "out of host memory");
    }
    k->c = c;
    k->e[0] = ends[0];
    k->e[1] = ends[1];
    for (int s = 0; s < 2; s++)
        if ((k->skb_la[s] = comm_kalloc(c, ends[s].lpid, LLAN_MAX_FRAME, 128, e)) == UINT64_MAX) {
            if (s)
                comm_kfree(c, ends[0].lpid, k->skb_la[0], LLAN_MAX_FRAME);
            c->conns[k->id] = NULL;
            free(k);
            return -1;
        }
    /* SYN, the server's SYN-ACK (its work is the client's wait), the ACK */
    uint64_t t = io->at, tx = c->tcp.tx_cycles, rx = c->tcp.rx_cycles, hc = 0, cp = 0, ln = 0;
    uint64_t part[4] = {c->tcp.syscall_cycles + 2 * tx, 0, rx, 0};
    t += c->tcp.syscall_cycles + tx;
    if (veth_xmit(k, 0, 0, t, &hc, &cp, &ln, e) != 0)
        return -1;
    t += hc + cp;
    uint64_t s0 = t, shc = 0, sp = 0;
    if (veth_poll(c, v[1], ends[1].thread, t, &sp, e) != 0)
        return -1;
    t += sp + rx + tx;
    if (veth_xmit(k, 1, 0, t, &shc, &cp, &ln, e) != 0)
        return -1;
    t += shc;
    part[3] = t - s0;
    uint64_t cp0 = 0;
    if (veth_poll(c, v[0], ends[0].thread, t, &cp0, e) != 0)
        return -1;
    part[2] += cp0;
    t += cp0 + rx + tx;
    if (veth_xmit(k, 0, 0, t, &hc, &cp, &ln, e) != 0)
        return -1;
    part[1] = hc;
    op_rec o;
    op_begin(&o, io->at);
    for (unsigned i = 0; i < 4; i++)
        op_charge(&o, i, part[i]);
    ops_record(c->h->env.ops, c->op_setup, &o);
    io->part[XP_TX_STACK] += part[0];
    io->part[XP_HCALL] += part[1];
    io->part[XP_RX_STACK] += part[2];
    io->part[XP_WAIT] += part[3];
    io->lines_copied += ln;
    *conn = k;
    return 0;
}

/* may side s send a frame of len bytes (header included) now? */
static bool room(const veth_conn *k, unsigned s, uint64_t len)
{
    const veth_dir *d = &k->d[s];
    const veth_lpar *peer = k->c->vl[k->e[1 - s].lpid];
    unsigned p = veth_pool_of(k->c, k->e[1 - s].lpid, len);
    return d->sent - d->consumed < k->c->tcp.rcvbuf &&
           2 * (d->inflight[p] + 1) <= peer->pool[p].count;
}

static int veth_send(void *vc, unsigned side, uint64_t src_la, hyp_xport_io *io, sim_err *e)
{
    veth_conn *k = vc;
    comm *c = k->c;
    veth_dir *d = &k->d[side];
    veth_lpar *me = c->vl[k->e[side].lpid];
    unsigned lp = k->e[side].lpid, th = k->e[side].thread;
    uint64_t t = io->at, want = io->bytes, moved = 0;
    if (me->polled < me->delivered) { /* window updates and data that came in meanwhile */
        uint64_t pc = 0;
        if (veth_poll(c, me, th, t, &pc, e) != 0)
            return -1;
        io->part[XP_RX_STACK] += pc;
        t += pc;
    }
    uint64_t first = LLAN_HDR + (want < c->tcp.mss ? want : c->tcp.mss);
    if (want && room(k, side, first)) {
        io->part[XP_TX_STACK] += c->tcp.syscall_cycles;
        t += c->tcp.syscall_cycles;
    }
    while (moved < want) {
        uint64_t seg = want - moved < c->tcp.mss ? want - moved : c->tcp.mss;
        if (!room(k, side, LLAN_HDR + seg)) {
            d->blocked_len = LLAN_HDR + seg;
            break;
        }
        io->part[XP_TX_STACK] += c->tcp.tx_cycles;
        t += c->tcp.tx_cycles;
        uint64_t cp = comm_copy_la(c->h, th, t, lp, k->skb_la[side] + LLAN_HDR, lp,
                                   src_la + moved, seg, &io->lines_copied);
        io->part[XP_COPY_TX] += cp;
        t += cp;
        uint64_t hc = 0, hcp = 0;
        if (veth_xmit(k, side, seg, t, &hc, &hcp, &io->lines_copied, e) != 0)
            return -1;
        io->part[XP_HCALL] += hc;
        io->part[XP_COPY_TX] += hcp;
        t += hc + hcp;
        d->sent += seg;
        d->inflight[veth_pool_of(c, k->e[1 - side].lpid, LLAN_HDR + seg)]++;
        moved += seg;
        if (d->reader_waits) { /* the frame interrupts the sleeping reader */
            d->reader_waits = false;
            io->notify_at = t;
            io->notify_kind = HYP_XPORT_IRQ;
            io->signalled = true;
            c->st.interrupts++;
        } else {
            io->skipped = true;
        }
    }
    io->bytes = moved;
    return 0;
}

static int veth_recv(void *vc, unsigned side, uint64_t dst_la, hyp_xport_io *io, sim_err *e)
{
    veth_conn *k = vc;
    comm *c = k->c;
    veth_dir *d = &k->d[1 - side];
    veth_lpar *me = c->vl[k->e[side].lpid];
    unsigned lp = k->e[side].lpid, th = k->e[side].thread;
    uint64_t t = io->at, want = io->bytes, moved = 0, pc = 0;
    if (veth_poll(c, me, th, t, &pc, e) != 0)
        return -1;
    io->part[XP_RX_STACK] += pc;
    t += pc;
    if (want && d->n) {
        io->part[XP_RX_STACK] += c->tcp.syscall_cycles;
        t += c->tcp.syscall_cycles;
    }
    while (moved < want && d->n) {
        veth_frame *f = &d->fq[d->head];
        uint64_t n = f->len - f->off < want - moved ? f->len - f->off : want - moved;
        uint64_t cp = comm_copy_la(c->h, th, t, lp, dst_la + moved, lp, f->data_la + f->off, n,
                                   &io->lines_copied);
        io->part[XP_COPY_RX] += cp;
        t += cp;
        f->off += n;
        moved += n;
        d->consumed += n;
        if (f->off == f->len) { /* the buffer goes back to the hypervisor */
            uint64_t rc = 0;
            if (veth_replenish(c, me, th, t, f->buf_la, f->bytes, &rc, e) != 0)
                return -1;
            io->part[XP_RX_STACK] += rc;
            t += rc;
            d->inflight[f->pool]--;
            d->head = (d->head + 1) % d->cap;
            d->n--;
        }
    }
    io->bytes = moved;
    if (moved && d->writer_waits && room(k, 1 - side, d->blocked_len)) { /* window update to the writer */
        d->writer_waits = false;
        uint64_t hc = 0, hcp = 0;
        io->part[XP_RX_STACK] += c->tcp.tx_cycles;
        t += c->tcp.tx_cycles;
        if (veth_xmit(k, side, 0, t, &hc, &hcp, &io->lines_copied, e) != 0)
            return -1;
        io->part[XP_HCALL] += hc + hcp;
        t += hc + hcp;
        io->notify_at = t;
        io->notify_kind = HYP_XPORT_IRQ;
        io->signalled = true;
        c->st.interrupts++;
    }
    return 0;
}

static bool veth_wait(void *vc, unsigned side, bool want_room, hyp_xport_io *io)
{
    (void)io;
    veth_conn *k = vc;
    if (want_room) {
        if (room(k, side, k->d[side].blocked_len))
            return false;
        k->d[side].writer_waits = true;
        return true;
    }
    veth_dir *d = &k->d[1 - side];
    if (d->sent != d->consumed)
        return false;
    d->reader_waits = true;
    return true;
}

static uint64_t veth_pending(const void *vc, unsigned side)
{
    const veth_conn *k = vc;
    return k->d[1 - side].sent - k->d[1 - side].consumed;
}

static int veth_close(void *vc, hyp_xport_io *io, sim_err *e)
{
    veth_conn *k = vc;
    comm *c = k->c;
    int rc = 0;
    uint64_t tx = c->tcp.syscall_cycles + c->tcp.tx_cycles, hc = 0;
    io->part[XP_TX_STACK] += tx;
    for (unsigned s = 0; s < 2; s++) { /* unread frames: their buffers are posted again */
        veth_dir *d = &k->d[1 - s];
        veth_lpar *v = c->vl[k->e[s].lpid];
        for (; d->n && rc == 0; d->n--, d->head = (d->head + 1) % d->cap) {
            uint64_t cyc = 0;
            rc = veth_replenish(c, v, k->e[s].thread, io->at, d->fq[d->head].buf_la,
                                d->fq[d->head].bytes, &cyc, e);
            if (s == 0)
                hc += cyc;
        }
        comm_kfree(c, k->e[s].lpid, k->skb_la[s], LLAN_MAX_FRAME);
    }
    op_rec o;
    op_begin(&o, io->at);
    io->part[XP_HCALL] += hc;
    op_charge(&o, 0, tx);
    op_charge(&o, 1, hc);
    ops_record(c->h->env.ops, c->op_teardown, &o);
    c->conns[k->id] = NULL;
    free_dir(&k->d[0]);
    free_dir(&k->d[1]);
    free(k);
    return rc;
}

const hyp_transport comm_veth_transport = {
    .name = "veth",
    .desc = "TCP between two LPARs over the virtual Ethernet (three copies per byte)",
    .open = veth_open,
    .send = veth_send,
    .recv = veth_recv,
    .wait = veth_wait,
    .pending = veth_pending,
    .close = veth_close,
};
