/*
 * smc_xport.c - the data path of the transports "smc" and "smcd-linux"
 * (protocol in docs/smc.md; notes §1a Protocol and §2 baseline 3):
 *  send  the producer probes the control line (H_SM_MOVE of its 16 bytes:
 *        no load reaches the pool) when its view shows too little room,
 *        SM-Moves the data into the ring (twice when it wraps; smcd-linux
 *        also splits at hypervisor.smc.page_bytes bounds), then publishes
 *        PROD with H_SM_CS_MOVE: policy cs with SIG_IF_WAITING (a signal
 *        only if the consumer marked itself WAITING), always/smcd-linux
 *        followed by H_SM_SIGNAL, never without a signal (the consumer
 *        polls);
 *  recv  after an interrupt it reads the SBA first; it probes the control
 *        line, SM-Moves out what is there, and publishes CONS (CS with
 *        SIG_IF_WAITING, which signals a WRITE_BLOCKED producer) when the
 *        producer is write-blocked or the bytes freed since the last update
 *        exceed cons_update_limit (smcd-linux: smc_tx_consumer_update's
 *        rule, the update always signalled);
 *        (a write-blocked producer always finds the update coming: it
 *        blocks only with the ring full in its view, so a consumer that
 *        read it all has more than the limit, at most 90%, to confirm);
 *  wait  before sleeping a side re-arms its SBA (reads it while its summary
 *        is set: a running guest's handler would have), then CS-sets
 *        WAITING in the word it waits on (PROD for data; CONS, as
 *        WRITE_BLOCKED, for room): a failed CS means the other side acted,
 *        so it must not sleep (no lost wake-up). smcd-linux's consumer sets
 *        no flag: it re-probes the control line instead.
 * A sleeping side is notified with HYP_XPORT_IRQ only when the signal
 * raised an interrupt (its summary went 0 -> 1); a signal coalesced into a
 * pending one is HYP_XPORT_PENDING (nothing charged), and only the
 * interrupt's handler reads the SBA (once per interrupt, not per signal).
 * Invariant: the bytes recv returns are the next ones sent in that
 * direction (the ring is only written where the consumer has freed it).
 */
#include <limits.h>

#include "smc_xport_int.h"

static uint64_t ctl_off(const smc_conn *k, unsigned dir) { return smc_dir_base(k->s, dir); }
static uint64_t ring_off(const smc_conn *k, unsigned dir) { return ctl_off(k, dir) + SMC_CTL; }

/* Probe direction dir's control line from `side`: *prod, *cons words. */
static int probe(smc_conn *k, unsigned side, unsigned dir, hyp_xport_io *io, uint64_t w[2],
                 sim_err *e)
{
    smc *s = k->s;
    uint64_t real = s->smb[k->smb].real + ctl_off(k, dir);
    if (s->cfg.mapped_rx) { /* ablation: a load through the side's caches */
        io->part[side == dir ? XP_TX_STACK : XP_RX_STACK] +=
            mem_access(s->h->env.ports[k->end[side].thread], real, 16, MEM_READ, smc_xnow(io));
    } else {
        uint64_t a[6] = {k->tok[side], ctl_off(k, dir), k->scratch[side], 16, SMC_FROM_SMB, 0};
        if (smc_xhcall(k, side, io, side == dir ? XP_COPY_TX : XP_COPY_RX, false, H_SUCCESS,
                       H_SM_MOVE, a, NULL, e) == LONG_MIN)
            return -1;
        real = hyp_logical_to_real(s->h, k->end[side].lpid, k->scratch[side]);
    }
    physmem_read_bytes(s->h->env.pm, real, w, 16);
    return 0;
}

/* CS on word `word` of direction dir by `side`: rc, and r[] (old, swapped,
 * signalled, interrupt). */
static int cs(smc_conn *k, unsigned side, unsigned dir, unsigned word, uint64_t expect,
              uint64_t nw, uint64_t flags, hyp_xport_io *io, uint64_t r[8], sim_err *e)
{
    uint64_t a[6] = {k->tok[side], ctl_off(k, dir) + 8 * word, expect, nw, flags, 0};
    return smc_xhcall(k, side, io, XP_HCALL, false, H_SUCCESS, H_SM_CS_MOVE, a, r, e) == LONG_MIN
               ? -1
               : 0;
}

/* H_SM_SIGNAL; *irq: it raised an interrupt (the summary went 0 -> 1). */
static int sigb(smc_conn *k, unsigned side, hyp_xport_io *io, bool *irq, sim_err *e)
{
    uint64_t a[6] = {k->sig[side]}, r[8];
    if (smc_xhcall(k, side, io, XP_SIGNAL, false, H_SUCCESS, H_SM_SIGNAL, a, r, e) == LONG_MIN)
        return -1;
    *irq = r[0] != 0;
    return 0;
}

/* The other side learns now. Sleeping for this (`sleeping`): by the
 * interrupt this call raised to it; by an interrupt already pending for it
 * if the signal was coalesced (its summary bit was set: no new interrupt,
 * nothing to charge); else (never) by polling. Every interrupt raised is
 * reported once, also to a side that does not wait for this: a side
 * sleeping for something else (`asleep`: a cursor update reaching a side
 * that waits for data; or another connection's wait) wakes spuriously,
 * re-arms and sleeps again; a running side takes it in its handler. Only
 * an interrupt's handler reads the SBA (woke_irq). */
static void notify(smc_conn *k, unsigned other, bool *sleeping, bool *asleep, bool signalled,
                   bool irq, hyp_xport_io *io)
{
    if (!*sleeping && irq && *asleep)
        sleeping = asleep;
    if (!*sleeping && !irq)
        return;
    *sleeping = false;
    io->notify_at = smc_xnow(io);
    io->notify_kind = !signalled ? HYP_XPORT_POLL : irq ? HYP_XPORT_IRQ : HYP_XPORT_PENDING;
    k->woke_irq[other] = signalled && irq;
}

/* Move n bytes between the side's buffer at la and the ring of dir at
 * count pos (split at the wrap, and for smcd-linux at page bounds). */
static int ring_move(smc_conn *k, unsigned side, unsigned dir, uint64_t pos, uint64_t la,
                     uint64_t n, unsigned mv, hyp_xport_io *io, sim_err *e)
{
    smc *s = k->s;
    uint64_t ring = s->cfg.smbe_ring, done = 0;
    while (done < n) {
        uint64_t at = (pos + done) % ring, c = n - done;
        if (c > ring - at)
            c = ring - at;
        uint64_t off = ring_off(k, dir) + at;
        if (k->linux_rules && mv == SMC_TO_SMB && c > s->cfg.page_bytes - off % s->cfg.page_bytes)
            c = s->cfg.page_bytes - off % s->cfg.page_bytes;
        uint64_t a[6] = {k->tok[side], off, la + done, c, mv, 0};
        if (smc_xhcall(k, side, io, mv == SMC_TO_SMB ? XP_COPY_TX : XP_COPY_RX, true, H_SUCCESS,
                       H_SM_MOVE, a, NULL, e) == LONG_MIN)
            return -1;
        done += c;
    }
    return 0;
}

int smc_x_send(void *conn, unsigned side, uint64_t src_la, hyp_xport_io *io, sim_err *e)
{
    smc_conn *k = conn;
    smc *s = k->s;
    smc_dir *d = &k->d[side];
    uint64_t ring = s->cfg.smbe_ring, want = io->bytes, r[8];
    io->bytes = 0;
    if (k->woke_irq[side]) { /* woken for room by an interrupt */
        k->woke_irq[side] = false;
        uint64_t a[6] = {0};
        if (smc_xhcall(k, side, io, XP_COPY_TX, false, H_SUCCESS, H_SM_SBA, a, r, e) == LONG_MIN)
            return -1;
    }
    if (ring - (d->prod - d->cons_seen) < want) {
        uint64_t w[2];
        if (probe(k, side, side, io, w, e) != 0)
            return -1;
        d->cons_word_seen = w[1];
        d->cons_seen = w[1] & SMC_COUNT_MASK;
    }
    uint64_t n = ring - (d->prod - d->cons_seen);
    if (n > want)
        n = want;
    if (!n)
        return 0;
    if (ring_move(k, side, side, d->prod, src_la, n, SMC_TO_SMB, io, e) != 0)
        return -1;
    d->prod += n;
    unsigned pol = k->linux_rules ? SMC_SIG_ALWAYS : s->cfg.signal_policy;
    uint64_t flags = pol == SMC_SIG_CS ? SMC_SIG_IF_WAITING : 0, expect = d->prod_word;
    bool signalled = false, irq = false;
    for (;;) {
        uint64_t nw = d->prod | (pol == SMC_SIG_CS ? expect & SMC_WAITING : 0);
        if (cs(k, side, side, 0, expect, nw, flags, io, r, e) != 0)
            return -1;
        if (r[1]) {
            d->prod_word = r[2] ? nw & ~SMC_WAITING : nw;
            signalled = r[2];
            irq = r[3];
            break;
        }
        expect = r[0]; /* the consumer set WAITING meanwhile */
    }
    if (pol == SMC_SIG_ALWAYS) {
        bool i2;
        if (sigb(k, side, io, &i2, e) != 0)
            return -1;
        signalled = true;
        irq = irq || i2;
    }
    io->signalled = signalled;
    io->skipped = pol == SMC_SIG_CS && !signalled;
    notify(k, 1 - side, &d->cons_sleeping, &k->d[1 - side].prod_sleeping, signalled, irq, io);
    io->bytes = n;
    return 0;
}

/* Publish the consumer's cursor of dir (consumer `side`); signals a
 * write-blocked producer. */
static int publish_cons(smc_conn *k, unsigned side, unsigned dir, hyp_xport_io *io, sim_err *e)
{
    smc *s = k->s;
    smc_dir *d = &k->d[dir];
    uint64_t r[8], expect = d->cons_word;
    unsigned pol = k->linux_rules ? SMC_SIG_ALWAYS : s->cfg.signal_policy;
    uint64_t flags = pol == SMC_SIG_NEVER || k->linux_rules ? 0 : SMC_SIG_IF_WAITING;
    bool signalled = false, irq = false;
    for (;;) {
        if (cs(k, side, dir, 1, expect, d->cons, flags, io, r, e) != 0)
            return -1;
        if (r[1]) {
            signalled = r[2];
            irq = r[3];
            break;
        }
        expect = r[0]; /* the producer set WRITE_BLOCKED meanwhile */
    }
    d->cons_word = d->cons;
    d->cons_pub = d->cons;
    d->wb_seen = false;
    if (k->linux_rules) { /* the CDC message is always signalled */
        bool i2;
        if (sigb(k, side, io, &i2, e) != 0)
            return -1;
        signalled = true;
        irq = irq || i2;
    }
    if (signalled)
        io->signalled = true;
    notify(k, dir, &d->prod_sleeping, &k->d[side].cons_sleeping, signalled, irq, io);
    return 0;
}

static bool should_publish(const smc_conn *k, const smc_dir *d)
{
    uint64_t ring = k->s->cfg.smbe_ring, limit = ring * k->s->cfg.cons_update_limit / 100;
    uint64_t confirm = d->cons - d->cons_pub;
    if (!confirm)
        return false;
    if (!k->linux_rules)
        return d->wb_seen || confirm > limit;
    /* smc_tx_consumer_update: the producer's free space as it knows it */
    uint64_t sender_free = ring - (d->prod_seen - d->cons_pub);
    return confirm > limit && (sender_free <= ring / 2 || d->wb_seen);
}

int smc_x_recv(void *conn, unsigned side, uint64_t dst_la, hyp_xport_io *io, sim_err *e)
{
    smc_conn *k = conn;
    unsigned dir = 1 - side;
    smc_dir *d = &k->d[dir];
    uint64_t want = io->bytes, w[2], r[8];
    io->bytes = 0;
    if (k->woke_irq[side]) {
        k->woke_irq[side] = false;
        uint64_t a[6] = {0};
        if (smc_xhcall(k, side, io, XP_COPY_RX, false, H_SUCCESS, H_SM_SBA, a, r, e) == LONG_MIN)
            return -1;
    }
    if (probe(k, side, dir, io, w, e) != 0)
        return -1;
    d->prod_seen = w[0] & SMC_COUNT_MASK;
    d->wb_seen = (w[1] & SMC_WAITING) != 0;
    if (d->wb_seen)
        d->cons_word = w[1];
    uint64_t n = d->prod_seen - d->cons;
    if (n > want)
        n = want;
    if (n && ring_move(k, side, dir, d->cons, dst_la, n, SMC_FROM_SMB, io, e) != 0)
        return -1;
    d->cons += n;
    io->bytes = n;
    if (should_publish(k, d))
        return publish_cons(k, side, dir, io, e);
    return 0;
}

/* Before sleeping: the side's SBA re-armed (its summary cleared: read
 * again while bits beyond the five one read returns keep it set), so a
 * side never sleeps with an interrupt pending and the next signal to it
 * raises one. */
static int rearm(smc_conn *k, unsigned side, hyp_xport_io *io, sim_err *e)
{
    smc *s = k->s;
    smc_member *m = smc_member_of(s, k->end[side].lpid, 0);
    if (!m)
        return 0;
    for (uint64_t n = 0; m->summary && n <= s->nsmb_total; n++) {
        uint64_t a[6] = {0}, r[8];
        if (smc_xhcall(k, side, io, XP_COPY_RX, false, H_SUCCESS, H_SM_SBA, a, r, e) == LONG_MIN)
            return -1;
        k->woke_irq[side] = false; /* the handler's read is this one */
    }
    return 0;
}

static bool failed(smc_conn *k, const sim_err *e)
{
    smc_fail(k->s, "%s", e->msg);
    return false;
}

bool smc_x_wait(void *conn, unsigned side, bool room, hyp_xport_io *io)
{
    smc_conn *k = conn;
    sim_err e = {{0}};
    uint64_t r[8], w[2];
    if (rearm(k, side, io, &e) != 0)
        return failed(k, &e);
    if (room) { /* the producer of direction `side` */
        smc_dir *d = &k->d[side];
        if (d->prod_sleeping)
            return true; /* still armed (woken by an interrupt for something else) */
        uint64_t expect = d->cons_word_seen;
        if (cs(k, side, side, 1, expect, expect | SMC_WAITING, 0, io, r, &e) != 0)
            return failed(k, &e);
        if (!r[1]) {
            d->cons_word_seen = r[0];
            d->cons_seen = r[0] & SMC_COUNT_MASK;
            return false;
        }
        d->prod_sleeping = true;
        return true;
    }
    unsigned dir = 1 - side;
    smc_dir *d = &k->d[dir];
    if (d->cons_sleeping)
        return true; /* still armed */
    if (k->linux_rules) {
        if (probe(k, side, dir, io, w, &e) != 0)
            return failed(k, &e);
        if ((w[0] & SMC_COUNT_MASK) != d->cons)
            return false;
    } else {
        uint64_t expect = d->cons; /* everything seen was read */
        if (cs(k, side, dir, 0, expect, expect | SMC_WAITING, 0, io, r, &e) != 0)
            return failed(k, &e);
        if (!r[1])
            return false;
    }
    d->cons_sleeping = true;
    return true;
}

uint64_t smc_x_pending(const void *conn, unsigned side)
{
    const smc_conn *k = conn;
    const smc_dir *d = &k->d[1 - side];
    return d->prod - d->cons;
}
