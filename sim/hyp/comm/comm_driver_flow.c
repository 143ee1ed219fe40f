/*
 * comm_driver_flow.c - the driver's engine: one transport call of one
 * endpoint per step, at that endpoint's clock, following the transport
 * protocol (transport.h): a send that moves nothing makes the producer
 * wait for room, a recv with nothing pending makes the consumer wait for
 * data; a call that reports notify_at wakes the sleeping peer, which pays
 * the interrupt (hypervisor.interrupts.deliver_cycles + wake_cycles +
 * handler_cycles) or the soft wake-up (the transport's notify_cycles).
 * What an endpoint does next comes from the pattern (next_action): the
 * client sends requests (up to in_flight ahead; stream: all) and receives
 * the responses, the server receives each request and answers it with as
 * many bytes (not for stream); crr opens and closes a connection per
 * transaction, conns opens them all first and uses them in turn, fanin
 * (comm_driver_fanin.c) sends on all of them back to back and each side
 * waits on all its connections at once.
 * The op "<transport>.msg" of a message runs from its first send call to
 * the call that put its last byte in the receiver's user buffer; its parts
 * are the cycles of the calls that served it and the receiver's wake-up,
 * and wait is the rest of the latency (neither side working on it); when
 * the sides overlap (streaming), the parts are scaled to the latency.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "comm_driver_int.h"

typedef comm_action action;

static unsigned conn_of(const comm_drv *d, uint64_t tr)
{
    if (d->c.pattern == PAT_CRR)
        return (unsigned)tr;
    if (d->c.pattern == PAT_CONNS || d->c.pattern == PAT_FANIN)
        return (unsigned)(tr % d->c.connections);
    return 0;
}

static action next_action(const comm_drv *d, unsigned side)
{
    if (d->c.pattern == PAT_FANIN)
        return comm_fanin_next(d, side);
    uint64_t m = d->c.messages;
    bool stream = d->c.pattern == PAT_STREAM;
    if (side == 1) {
        if (d->srv >= m)
            return (action){A_NONE, 0};
        unsigned cn = conn_of(d, d->srv);
        if (cn >= d->ncn || !d->cn[cn].conn)
            return (action){A_NONE, cn}; /* not connected yet */
        return (action){d->sphase ? A_SEND : A_RECV, cn};
    }
    if (d->c.pattern == PAT_CONNS && d->ncn < d->c.connections)
        return (action){A_OPEN, d->ncn};
    if (d->c.pattern == PAT_CRR) {
        static const int k[4] = {A_OPEN, A_SEND, A_RECV, A_CLOSE};
        return d->resp < m ? (action){k[d->cstep], (unsigned)d->resp} : (action){A_NONE, 0};
    }
    if (d->ncn == 0)
        return (action){A_OPEN, 0};
    uint64_t win = d->c.pattern == PAT_RR ? d->c.in_flight : stream ? UINT64_MAX : 1;
    if (d->sent < m && d->sent - d->resp < win)
        return (action){A_SEND, conn_of(d, d->sent)};
    if (!stream && d->resp < d->sent)
        return (action){A_RECV, conn_of(d, d->resp)};
    return (action){A_NONE, 0};
}

bool comm_flow_finished(const comm_drv *d)
{
    return d->srv >= d->c.messages && (d->c.pattern == PAT_STREAM || d->resp >= d->c.messages);
}

int comm_flow_pick(const comm_drv *d, uint64_t *at)
{
    int best = -1;
    for (unsigned s = 0; s < 2; s++)
        if (d->ep[s].state == EP_RUN && next_action(d, s).kind != A_NONE &&
            (best < 0 || d->ep[s].clock < d->ep[best].clock))
            best = (int)s;
    if (best >= 0)
        *at = d->ep[best].clock;
    return best;
}

static uint64_t sum(const uint64_t *p)
{
    uint64_t s = 0;
    for (int i = 0; i < XP_NPARTS; i++)
        s += p[i];
    return s;
}

uint64_t comm_irq_wake(comm_drv *d, uint64_t waited)
{
    /* in snooze (waited no longer than snooze_cycles) or ceded */
    bool ceded = waited > d->c.snooze_cycles;
    d->st.interrupts++;
    d->st.wakeups++;
    d->st.cede_wakeups += ceded;
    return d->h->cfg.interrupts.deliver_cycles + (ceded ? d->c.wake_cycles : 0) +
           d->c.handler_cycles;
}

void comm_after_call(comm_drv *d, unsigned side, unsigned ci, const hyp_xport_io *io)
{
    d->st.signals += io->signalled;
    d->st.skipped += io->skipped;
    d->st.lines_copied += io->lines_copied;
    if (io->notify_at == UINT64_MAX)
        return;
    d->cn[ci].armed[1 - side] = false;
    d->st.coalesced += io->notify_kind == HYP_XPORT_PENDING;
    endpoint *p = &d->ep[1 - side];
    if (p->state == EP_RUN && io->notify_kind == HYP_XPORT_IRQ) {
        /* it runs, an earlier wait still armed here (fanin): the interrupt
         * is delivered and handled, no wake-up */
        uint64_t cost = d->h->cfg.interrupts.deliver_cycles + d->c.handler_cycles;
        d->st.interrupts++;
        d->st.irq_running++;
        p->carry[XP_INTERRUPT] += cost;
        p->clock += cost;
        return;
    }
    if (p->state != EP_BLOCKED)
        return;
    uint64_t cost = 0;
    if (io->notify_kind == HYP_XPORT_PENDING) {
        d->st.wakeups++; /* by the interrupt already pending: charged when raised */
    } else if (io->notify_kind == HYP_XPORT_IRQ) {
        uint64_t arrive = io->notify_at > p->blocked_at ? io->notify_at : p->blocked_at;
        cost = comm_irq_wake(d, arrive - p->blocked_at);
    } else if (io->notify_kind == HYP_XPORT_SOFT) {
        cost = io->notify_cycles;
        d->st.wakeups++;
    }
    p->carry[XP_INTERRUPT] += cost;
    p->clock = (p->clock > io->notify_at ? p->clock : io->notify_at) + cost;
    p->state = EP_RUN;
}

/* the side cannot go on: sleep (the transport will notify) or try again */
static int sleep_or_spin(comm_drv *d, unsigned side, cconn *cn, bool room, sim_err *e)
{
    endpoint *ep = &d->ep[side];
    hyp_xport_io io = hyp_xport_io_at(ep->clock, 0);
    bool sleeps = cn->t->wait(cn->conn, side, room, &io);
    ep->clock += sum(io.part);
    (side ? &d->st.rx_cycles : &d->st.tx_cycles)[0] += sum(io.part);
    comm_after_call(d, side, (unsigned)(cn - d->cn), &io);
    return comm_sleep(d, side, sleeps, cn->t->name, room, (int)(cn - d->cn), e);
}

int comm_sleep(comm_drv *d, unsigned side, bool sleeps, const char *tname, bool room, int conn,
               sim_err *e)
{
    endpoint *ep = &d->ep[side];
    if (sleeps) {
        ep->state = EP_BLOCKED;
        ep->blocked_at = ep->clock;
        ep->spins = 0;
        return 0;
    }
    if (++ep->spins <= 100000)
        return 0;
    char where[32] = "pattern fanin";
    if (conn >= 0)
        snprintf(where, sizeof where, "connection %d", conn);
    return sim_errf(e, "drivers.comm: transport %s keeps refusing to %s without making the side "
                       "wait (%s)", tname, room ? "send" : "deliver", where);
}

uint64_t comm_request_size(comm_drv *d)
{
    uint64_t lo = d->c.size, hi = d->c.size_max;
    if (hi <= lo)
        return lo;
    if (d->c.size_dist == DIST_UNIFORM)
        return lo + rng_below(&d->r, hi - lo + 1);
    double x = (double)lo * exp2(rng_double(&d->r) * log2((double)(hi + 1) / (double)lo));
    uint64_t v = (uint64_t)x;
    return v < lo ? lo : v > hi ? hi : v;
}

static cmsg *push_msg(cdir *q, uint64_t size)
{
    if (q->n == q->cap) {
        unsigned cap = q->cap ? 2 * q->cap : 8;
        cmsg *v = malloc(cap * sizeof *v);
        if (!v)
            return NULL;
        for (unsigned i = 0; i < q->n; i++)
            v[i] = q->q[(q->head + i) % q->cap];
        free(q->q);
        q->q = v;
        q->cap = cap;
        q->head = 0;
    }
    cmsg *m = &q->q[(q->head + q->n++) % q->cap];
    memset(m, 0, sizeof *m);
    m->size = size;
    return m;
}

static int do_send(comm_drv *d, unsigned side, unsigned ci, sim_err *e)
{
    endpoint *ep = &d->ep[side];
    cconn *cn = &d->cn[ci];
    cdir *q = &cn->d[side];
    cmsg *m = q->n ? &q->q[(q->head + q->n - 1) % q->cap] : NULL;
    if (!m || m->sent == m->size) { /* a new message: the application writes it */
        uint64_t size = side ? d->srv_size : comm_request_size(d);
        if (!(m = push_msg(q, size)))
            return sim_errf(e, "out of host memory");
        comm_audit_fill(d, ci, side, q->off_sent, d->scratch, size);
        if (comm_write_la(d->h, ep->lpid, ep->tx_la, d->scratch, size) != 0)
            return sim_errf(e, "out of host memory");
        ep->clock += comm_touch_la(d->h, ep->thread, ep->clock, ep->lpid, ep->tx_la, size,
                                   MEM_WRITE);
        m->start = ep->clock;
        m->started = true;
    }
    hyp_xport_io io = hyp_xport_io_at(ep->clock, m->size - m->sent);
    if (cn->t->send(cn->conn, side, ep->tx_la + m->sent, &io, e) != 0)
        return -1;
    uint64_t s = sum(io.part);
    for (int i = 0; i < XP_NPARTS; i++)
        m->part[i] += io.part[i] + ep->carry[i];
    memset(ep->carry, 0, sizeof ep->carry);
    ep->clock += s;
    d->st.tx_cycles += s;
    comm_after_call(d, side, ci, &io);
    if (io.bytes == 0)
        return sleep_or_spin(d, side, cn, true, e);
    ep->spins = 0;
    m->sent += io.bytes;
    q->off_sent += io.bytes;
    q->avail_at = ep->clock;
    if (m->sent == m->size) {
        if (side == 0) {
            d->sent++;
            cn->out++;
            if (d->c.pattern == PAT_CRR)
                d->cstep = 2;
        } else {
            d->srv++;
            d->sphase = 0;
        }
    }
    return 0;
}

void comm_record(comm_drv *d, op_id op, const cmsg *m, uint64_t end)
{
    op_rec o;
    op_begin(&o, m->start);
    uint64_t dur = end - m->start, tot = sum(m->part);
    if (tot <= dur) {
        for (int i = 0; i < XP_NPARTS; i++)
            op_charge(&o, (unsigned)i, m->part[i] + (i == XP_WAIT ? dur - tot : 0));
    } else { /* overlapped work: scaled to the latency, the rest to the largest part */
        uint64_t left = dur;
        int big = 0;
        for (int i = 0; i < XP_NPARTS; i++) {
            uint64_t v = (uint64_t)((unsigned __int128)m->part[i] * dur / tot);
            op_charge(&o, (unsigned)i, v);
            left -= v;
            if (m->part[i] > m->part[big])
                big = i;
        }
        op_charge(&o, (unsigned)big, left);
    }
    ops_record(d->env->ops, op, &o);
    ops_record(d->env->ops, d->op_all, &o);
    d->st.messages++;
    d->st.bytes += m->size;
}

static int do_recv(comm_drv *d, unsigned side, unsigned ci, sim_err *e)
{
    endpoint *ep = &d->ep[side];
    cconn *cn = &d->cn[ci];
    unsigned dir = 1 - side;
    cdir *q = &cn->d[dir];
    if (!q->n || cn->t->pending(cn->conn, side) == 0)
        return sleep_or_spin(d, side, cn, false, e);
    cmsg *m = &q->q[q->head];
    if (ep->clock < q->avail_at)
        ep->clock = q->avail_at; /* the data is still on its way */
    hyp_xport_io io = hyp_xport_io_at(ep->clock, m->size - m->rcvd);
    uint64_t dst = ep->rx_la + m->rcvd;
    if (cn->t->recv(cn->conn, side, dst, &io, e) != 0)
        return -1;
    uint64_t s = sum(io.part), n = io.bytes;
    ep->clock += s;
    d->st.rx_cycles += s + ep->carry[XP_INTERRUPT];
    comm_after_call(d, side, ci, &io);
    if (n == 0)
        return sleep_or_spin(d, side, cn, false, e);
    ep->spins = 0;
    for (int i = 0; i < XP_NPARTS; i++)
        m->part[i] += io.part[i] + ep->carry[i];
    memset(ep->carry, 0, sizeof ep->carry);
    d->recvs++;
    bool late = d->st.messages * 2 >= d->c.messages;
    if (d->c.inject == INJ_CORRUPT && !d->injected && late) { /* one line arrives damaged */
        unsigned char b;
        comm_read_la(d->h, ep->lpid, dst + n / 2, &b, 1);
        b ^= 0x5A;
        comm_write_la(d->h, ep->lpid, dst + n / 2, &b, 1);
        d->injected = true;
    }
    comm_read_la(d->h, ep->lpid, dst, d->scratch, n);
    if (comm_audit_check(d, ci, dir, q->off_rcvd, d->scratch, n, e) != 0)
        return -1;
    if (d->c.inject == INJ_DUP && !d->injected && late) { /* the chunk arrives again */
        uint64_t at = m->rcvd + 2 * n <= ep->region / 2 ? dst + n : ep->rx_la;
        comm_write_la(d->h, ep->lpid, at, d->scratch, n);
        comm_read_la(d->h, ep->lpid, at, d->scratch, n);
        d->injected = true;
        if (comm_audit_check(d, ci, dir, q->off_rcvd + n, d->scratch, n, e) != 0)
            return -1;
    }
    q->off_rcvd += n;
    m->rcvd += n;
    if (m->rcvd < m->size)
        return 0;
    comm_record(d, cn->op, m, ep->clock);
    uint64_t size = m->size;
    q->head = (q->head + 1) % q->cap;
    q->n--;
    if (side == 0) {
        cn->out--;
        if (d->c.pattern == PAT_CRR)
            d->cstep = 3; /* the close ends the transaction */
        else
            d->resp++;
    } else if (d->c.pattern == PAT_STREAM) {
        d->srv++;
    } else {
        d->sphase = 1;
        d->srv_size = size;
        d->srv_conn = ci;
    }
    if (d->c.think_cycles) { /* the consumer thinks: exponential, mean think_cycles */
        double u = rng_double(&d->r);
        ep->clock += (uint64_t)(-(double)d->c.think_cycles * log(1.0 - u));
    }
    return 0;
}

static int do_open(comm_drv *d, sim_err *e)
{
    endpoint *ep = &d->ep[0];
    if (d->ncn == d->capcn) {
        unsigned cap = d->capcn ? 2 * d->capcn : 8;
        cconn *v = realloc(d->cn, cap * sizeof *v);
        if (!v)
            return sim_errf(e, "out of host memory");
        d->cn = v;
        d->capcn = cap;
    }
    cconn *cn = &d->cn[d->ncn];
    memset(cn, 0, sizeof *cn);
    hyp_xport_end ends[2];
    for (unsigned s = 0; s < 2; s++)
        ends[s] = (hyp_xport_end){d->ep[s].lpid, d->ep[s].thread, d->ep[s].tx_la,
                                  d->ep[s].region};
    hyp_xport_io io = hyp_xport_io_at(ep->clock, 0);
    unsigned reason = 0;
    if (d->t->over_tcp) { /* the TCP connection first: control, and the fallback */
        if (d->veth->open(d->vstate, ends, &io, &cn->ctrl, &reason, e) != 0)
            return -1;
        if (!cn->ctrl)
            return sim_errf(e, "drivers.comm: the veth connection under %s could not open",
                            d->t->name);
    }
    void *conn = NULL;
    if (d->t->open(d->tstate, ends, &io, &conn, &reason, e) != 0)
        return -1;
    if (conn) {
        cn->t = d->t;
        cn->conn = conn;
    } else if (cn->ctrl) {
        cn->t = d->veth;
        cn->conn = cn->ctrl;
        d->st.fallbacks++;
    } else {
        return sim_errf(e, "drivers.comm: transport %s refused to open a connection (reason "
                           "%u) and has no TCP fallback", d->t->name, reason);
    }
    char name[96];
    snprintf(name, sizeof name, "%s.msg", cn->t->name);
    cn->op = ops_declare(d->env->ops, name, HYP_XPORT_MSG_DESC, HYP_XPORT_PARTS);
    if (cn->op == OP_INVALID)
        return sim_errf(e, "drivers.comm: op %s declared with other parts", name);
    uint64_t s = sum(io.part);
    ep->clock += s;
    d->st.open_cycles += s;
    d->st.opens++;
    d->ncn++;
    if (d->c.pattern == PAT_CRR)
        d->cstep = 1;
    endpoint *srv = &d->ep[1]; /* the server accepts it (no cost modeled) */
    if (srv->state == EP_RUN && srv->clock < ep->clock)
        srv->clock = ep->clock;
    return 0;
}

static int close_one(comm_drv *d, cconn *cn, sim_err *e)
{
    endpoint *ep = &d->ep[0];
    if (!cn->conn)
        return 0;
    hyp_xport_io io = hyp_xport_io_at(ep->clock, 0);
    if (cn->ctrl && cn->ctrl != cn->conn && cn->t->close(cn->conn, &io, e) != 0)
        return -1;
    void *last = cn->ctrl ? cn->ctrl : cn->conn;
    const hyp_transport *lt = cn->ctrl ? d->veth : cn->t;
    if (lt->close(last, &io, e) != 0)
        return -1;
    cn->conn = cn->ctrl = NULL;
    for (int k = 0; k < 2; k++) {
        free(cn->d[k].q);
        cn->d[k].q = NULL;
        cn->d[k].n = cn->d[k].cap = 0;
    }
    ep->clock += sum(io.part);
    d->st.closes++;
    return 0;
}

int comm_flow_close_all(comm_drv *d, sim_err *e)
{
    if (d->ep[0].clock < d->ep[1].clock)
        d->ep[0].clock = d->ep[1].clock;
    for (unsigned i = 0; i < d->ncn; i++)
        if (close_one(d, &d->cn[i], e) != 0)
            return -1;
    return 0;
}

int comm_flow_step(comm_drv *d, unsigned side, sim_err *e)
{
    action a = next_action(d, side);
    switch (a.kind) {
    case A_SEND: return do_send(d, side, a.conn, e);
    case A_RECV: return do_recv(d, side, a.conn, e);
    case A_OPEN: return do_open(d, e);
    case A_WAITALL: return comm_fanin_wait(d, side, e);
    case A_CLOSE:
        if (close_one(d, &d->cn[a.conn], e) != 0)
            return -1;
        d->resp++;
        d->cstep = 0;
        return 0;
    default: return 0;
    }
}
