/*
 * comm_driver_fanin.c - pattern fanin of drivers.comm: `connections`
 * connections are opened first; then, round after round, the client sends
 * one request on each connection back to back (connection 0 first) and
 * collects the responses; the server serves whichever connection has a
 * request pending (lowest index first) and answers it at once. A side
 * with nothing pending waits on ALL its connections at once (the server on
 * every one, the client on those owing it a response): it calls the
 * transport's wait on each connection not already armed and sleeps only if
 * every wait agreed; the first notification from any of them wakes it
 * (comm_after_call), the others stay armed and are not waited on again
 * until they fired (a side running with waits armed may still be
 * interrupted by them: delivery and handler, counted in irq_running).
 * So several connections are active towards one consumer at once: with
 * smc, the signals that find the consumer's summary bit set coalesce into
 * the interrupt already pending (H5).
 * Invariant: armed[s] set means side s's wait on that connection returned
 * true and no call of the other side on it has notified since.
 */
#include "comm_driver_int.h"

/* A connection with bytes for `side` to read, lowest index first; -1. */
static int ready(const comm_drv *d, unsigned side)
{
    for (unsigned i = 0; i < d->ncn; i++) {
        const cconn *cn = &d->cn[i];
        if (cn->conn && cn->d[1 - side].n && cn->t->pending(cn->conn, side) > 0)
            return (int)i;
    }
    return -1;
}

comm_action comm_fanin_next(const comm_drv *d, unsigned side)
{
    uint64_t m = d->c.messages, n = d->c.connections;
    int r;
    if (side == 1) {
        if (d->srv >= m || d->ncn < n)
            return (comm_action){A_NONE, 0};
        if (d->sphase)
            return (comm_action){A_SEND, d->srv_conn};
        r = ready(d, 1);
        return r >= 0 ? (comm_action){A_RECV, (unsigned)r} : (comm_action){A_WAITALL, 0};
    }
    if (d->ncn < n)
        return (comm_action){A_OPEN, d->ncn};
    /* a round: n requests back to back, then every response */
    if (d->sent < m && (d->sent == d->resp || d->sent % n != 0))
        return (comm_action){A_SEND, (unsigned)(d->sent % n)};
    if (d->resp < d->sent) {
        r = ready(d, 0);
        return r >= 0 ? (comm_action){A_RECV, (unsigned)r} : (comm_action){A_WAITALL, 0};
    }
    return (comm_action){A_NONE, 0};
}

int comm_fanin_wait(comm_drv *d, unsigned side, sim_err *e)
{
    endpoint *ep = &d->ep[side];
    bool sleeps = true;
    for (unsigned i = 0; i < d->ncn && sleeps; i++) {
        cconn *cn = &d->cn[i];
        if (!cn->conn || cn->armed[side] || (side == 0 && !cn->out))
            continue;
        hyp_xport_io io = hyp_xport_io_at(ep->clock, 0);
        bool w = cn->t->wait(cn->conn, side, false, &io);
        uint64_t s = hyp_xport_cycles(&io);
        ep->clock += s;
        (side ? &d->st.rx_cycles : &d->st.tx_cycles)[0] += s;
        comm_after_call(d, side, i, &io);
        if (w)
            cn->armed[side] = true;
        else
            sleeps = false; /* data came meanwhile: serve it */
    }
    return comm_sleep(d, side, sleeps, d->t->name, false, -1, e);
}
