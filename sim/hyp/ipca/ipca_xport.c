/*
 * ipca_xport.c - transport "ipca" (transport.h): a connection joins two
 * LPARs that each have a registered IPCA (the transport registers one of
 * hypervisor.ipca.size at the top of an LPAR's memory if it has none, and
 * a staging slot just below it). A send writes slots into the PEER's IPCA:
 * the producer builds the slot in its staging area (a 128 B header {valid,
 * read, src, seq, type = connection id, len} with loads/stores through its
 * caches, the payload copied from the user buffer), then one H_IPCA_WRITE
 * of header + payload (retried on H_BUSY). The owner POLLS its own IPCA:
 * a recv takes the IPCA's lock (H_IPCA_LOCK/UNLOCK), scans the slot
 * headers (scan_cycles_per_slot each, once per poll tick and LPAR), copies
 * this connection's payloads in sequence order to the user buffer and marks
 * their slots free. Notifications are polls: a sleeping side learns at its
 * next poll tick (every poll_period at its own phase, ipca_next_poll) after
 * the call that served it.
 * Slot 0 of every IPCA is reserved for broadcasts (the driver's).
 * Simplifications (docs/ipca.md): the producer's view of which slots are
 * free is host-side (charged scan_cycles_per_slot per header it examines;
 * the patent gives no mechanism); polls that find nothing while a side
 * sleeps are counted (ipca.polls_empty_idle) but charged to no message.
 * Invariant: slots of one direction are consumed in seq order, so the bytes
 * a recv returns are the next ones sent, none twice.
 */
#include <stdlib.h>
#include <string.h>

#include "ipca_int.h"

typedef struct xhdr {
    uint8_t valid, read;
    uint16_t type;
    uint32_t src;
    uint64_t seq;
    uint32_t len, consumed;
} xhdr;

typedef struct xconn {
    ipca *f;
    hyp_xport_end end[2];
    unsigned id;
    uint64_t seq_tx[2], seq_rx[2]; /* by sending / receiving side */
    uint64_t stage[2];             /* staging slot (logical) per side */
    uint64_t pend[2];              /* bytes waiting for side s to receive */
    bool wait_data[2], wait_room[2];
    uint64_t wait_at[2];
    uint64_t cursor[2];            /* slot after side s's last write (its search starts there) */
} xconn;

static uint64_t slot_la(const ipca *f, unsigned owner, uint64_t k)
{
    return f->a[owner].la + k * f->cfg.slot_bytes;
}

static void hdr_read(ipca *f, unsigned owner, uint64_t k, xhdr *h)
{
    physmem_read_bytes(f->h->env.pm, hyp_logical_to_real(f->h, owner, slot_la(f, owner, k)), h,
                       sizeof *h);
}

static int hdr_write(ipca *f, unsigned lpid, uint64_t la, const xhdr *h)
{
    return physmem_write_bytes(f->h->env.pm, hyp_logical_to_real(f->h, lpid, la), h, sizeof *h);
}

static uint64_t nslots(const ipca *f, unsigned owner)
{
    return f->a[owner].size / f->cfg.slot_bytes;
}

/* A guest copy between logical ranges on `thread` from *t (split at LMB
 * boundaries); cycles to io->part[part]. */
static int gcopy(ipca *f, unsigned thread, uint64_t *t, unsigned dl, uint64_t dla, unsigned sl,
                 uint64_t sla, uint64_t len, hyp_xport_io *io, unsigned part, sim_err *e)
{
    mem_copy_res r;
    int rc = hyp_copy_la(f->h, thread, *t, dl, dla, sl, sla, len, &r);
    if (rc == -2)
        return sim_errf(e, "transport ipca: a buffer lies outside its LPAR's memory");
    if (rc != 0)
        return sim_errf(e, "out of host memory");
    *t += r.cycles;
    io->part[part] += r.cycles;
    io->lines_copied += r.lines_written;
    return 0;
}

/* A guest load or store of one header line on `thread` at *t. */
static void gline(ipca *f, unsigned thread, uint64_t *t, unsigned lpid, uint64_t la, mem_kind k,
                  hyp_xport_io *io, unsigned part)
{
    uint64_t c = mem_access(f->h->env.ports[thread], hyp_logical_to_real(f->h, lpid, la),
                            IPCA_HDR, k, *t);
    *t += c;
    io->part[part] += c;
}

/* One hcall of side s at *t; H_BUSY is retried (those cycles are waiting).
 * Parts: copy to copy_part, spin to XP_WAIT, the rest to XP_HCALL. Returns
 * the final code (a refusal is the caller's to judge). lock_wait and copy
 * (may be NULL) add the figures for the ipca.* op. */
static long xcall(xconn *x, unsigned s, uint64_t *t, uint64_t op, uint64_t a0, uint64_t a1,
                  uint64_t a2, uint64_t a3, uint64_t *rets, hyp_xport_io *io, unsigned copy_part,
                  uint64_t *lock_wait, uint64_t *copy)
{
    ipca *f = x->f;
    uint64_t a[8] = {a0, a1, a2, a3}, r[8] = {0};
    for (unsigned tries = 0;; tries++) {
        uint64_t cyc = 0;
        f->last_copy = f->last_queue = f->last_lines = 0;
        long rc = hyp_hcall(f->h, x->end[s].lpid, x->end[s].thread, *t, op, a, r, &cyc);
        *t += cyc;
        if (rc == H_BUSY && tries < 1000000) {
            f->st.busy_retries++;
            io->part[XP_WAIT] += cyc;
            if (lock_wait)
                *lock_wait += cyc;
            continue;
        }
        io->part[copy_part] += f->last_copy;
        io->part[XP_WAIT] += f->last_queue;
        io->part[XP_HCALL] += cyc - f->last_copy - f->last_queue;
        if (lock_wait)
            *lock_wait += f->last_queue;
        if (copy)
            *copy += f->last_copy;
        if (rets)
            memcpy(rets, r, sizeof r);
        return rc;
    }
}

static int refused(const char *what, const xconn *x, unsigned s, long rc, sim_err *e)
{
    return sim_errf(e, "transport ipca: %s by LPAR %s was refused (%ld)", what,
                    hyp_lpar_name(x->f->h, x->end[s].lpid), rc);
}

/* Side s's LPAR gets an IPCA (at the top of its memory) if it has none. */
static int ensure_area(xconn *x, unsigned s, uint64_t *t, hyp_xport_io *io, sim_err *e)
{
    ipca *f = x->f;
    unsigned l = x->end[s].lpid;
    uint64_t la, size;
    if (!ipca_area_of(f, l, &la, &size)) {
        uint64_t mem = hyp_lpar_memory(f->h, l);
        la = mem > f->cfg.size + f->cfg.slot_bytes ? (mem - f->cfg.size) / IPCA_PAGE * IPCA_PAGE
                                                   : 0;
        hyp_xport_io other = {0};
        uint64_t ts = io->at;
        long rc = xcall(x, s, s == 0 ? t : &ts, H_IPCA_REGISTER, la, f->cfg.size, 0, 0, NULL,
                        s == 0 ? io : &other, XP_HCALL, NULL, NULL);
        if (rc != H_SUCCESS)
            return refused("H_IPCA_REGISTER", x, s, rc, e);
    }
    if (la < f->cfg.slot_bytes)
        return sim_errf(e, "transport ipca: LPAR %s's IPCA starts at %llu, below one slot "
                           "(%llu bytes) for the staging area",
                        hyp_lpar_name(f->h, l), (unsigned long long)la,
                        (unsigned long long)f->cfg.slot_bytes);
    x->stage[s] = la - f->cfg.slot_bytes;
    return 0;
}

static int x_open(void *vf, const hyp_xport_end ends[2], hyp_xport_io *io, void **conn,
                  unsigned *reason, sim_err *e)
{
    (void)reason;
    ipca *f = vf;
    *conn = NULL;
    xconn *x = calloc(1, sizeof *x);
    if (!x)
        return sim_errf(e, "out of host memory");
    x->f = f;
    x->end[0] = ends[0];
    x->end[1] = ends[1];
    x->id = ++f->next_conn & 0xffff;
    uint64_t t = io->at;
    for (unsigned s = 0; s < 2; s++)
        if (ensure_area(x, s, &t, io, e) != 0)
            goto fail;
    if (f->cfg.acl) /* each grants the other (the server's at its own clock) */
        for (unsigned s = 0; s < 2; s++) {
            hyp_xport_io other = {0};
            uint64_t ts = io->at;
            long rc = xcall(x, s, s == 0 ? &t : &ts, H_IPCA_GRANT, ends[1 - s].lpid, 1, 0, 0,
                            NULL, s == 0 ? io : &other, XP_HCALL, NULL, NULL);
            if (rc != H_SUCCESS) {
                refused("H_IPCA_GRANT", x, s, rc, e);
                goto fail;
            }
        }
    long rc = xcall(x, 0, &t, H_IPCA_LOOKUP, ends[1].lpid, 0, 0, 0, NULL, io, XP_HCALL, NULL,
                    NULL);
    if (rc != H_SUCCESS) {
        refused("H_IPCA_LOOKUP", x, 0, rc, e);
        goto fail;
    }
    *conn = x;
    return 0;
fail:
    free(x);
    return -1;
}

static int x_send(void *vc, unsigned s, uint64_t src_la, hyp_xport_io *io, sim_err *e)
{
    xconn *x = vc;
    ipca *f = x->f;
    unsigned p = 1 - s, me = x->end[s].lpid, peer = x->end[p].lpid, th = x->end[s].thread;
    if (!ipca_area_of(f, peer, NULL, NULL))
        return sim_errf(e, "transport ipca: LPAR %s has no IPCA any more",
                        hyp_lpar_name(f->h, peer));
    uint64_t t = io->at, want = io->bytes, moved = 0, pay = f->cfg.slot_bytes - IPCA_HDR;
    uint64_t n = nslots(f, peer);
    /* the search goes round the slots once from the cursor (slot 0 is the
     * broadcasts') */
    uint64_t from = x->cursor[s];
    for (uint64_t i = 0; i < n - 1 && moved < want; i++) {
        uint64_t k = 1 + (from + i) % (n - 1);
        uint64_t t0 = t, scan = f->cfg.scan_cycles_per_slot, lw = 0, cp = 0;
        t += scan;
        io->part[XP_TX_STACK] += scan;
        f->st.slots_scanned++;
        xhdr h;
        hdr_read(f, peer, k, &h);
        if (h.valid)
            continue;
        uint64_t len = want - moved < pay ? want - moved : pay;
        h = (xhdr){1, 0, (uint16_t)x->id, me, x->seq_tx[s], (uint32_t)len, 0};
        if (hdr_write(f, me, x->stage[s], &h) != 0)
            return sim_errf(e, "out of host memory");
        gline(f, th, &t, me, x->stage[s], MEM_WRITE, io, XP_TX_STACK);
        uint64_t c0 = io->part[XP_COPY_TX];
        if (gcopy(f, th, &t, me, x->stage[s] + IPCA_HDR, me, src_la + moved, len, io, XP_COPY_TX,
                  e) != 0)
            return -1;
        cp += io->part[XP_COPY_TX] - c0;
        long rc = xcall(x, s, &t, H_IPCA_WRITE, peer, k * f->cfg.slot_bytes, x->stage[s],
                        IPCA_HDR + len, NULL, io, XP_COPY_TX, &lw, &cp);
        if (rc != H_SUCCESS)
            return refused("H_IPCA_WRITE", x, s, rc, e);
        io->lines_copied += f->last_lines;
        ipca_record(f, f->op_write, t0, t - t0 - lw - cp - scan, lw, cp, scan);
        x->seq_tx[s]++;
        x->cursor[s] = k % (n - 1); /* k + 1 in the 1.. numbering */
        x->pend[p] += len;
        moved += len;
        f->st.slots_written++;
    }
    if (moved < want)
        f->st.partial_sends++;
    io->bytes = moved;
    io->notify_at = UINT64_MAX;
    if (moved && x->wait_data[p]) {
        x->wait_data[p] = false;
        io->notify_at = ipca_next_poll(f, peer, t);
        io->notify_kind = HYP_XPORT_POLL;
        /* the ticks strictly between the sleep and the one that finds it */
        uint64_t from = ipca_tick_index(f, peer, x->wait_at[p]),
                 to = ipca_tick_index(f, peer, io->notify_at - 1);
        f->st.polls_empty_idle += to > from ? to - from : 0;
    }
    return 0;
}

static int x_recv(void *vc, unsigned s, uint64_t dst_la, hyp_xport_io *io, sim_err *e)
{
    xconn *x = vc;
    ipca *f = x->f;
    unsigned p = 1 - s, me = x->end[s].lpid, peer = x->end[p].lpid, th = x->end[s].thread;
    ipca_area *a = &f->a[me];
    uint64_t t = io->at, t0 = t, room = io->bytes, got = 0, lw = 0, cp = 0, scan = 0;
    io->notify_at = UINT64_MAX;
    long rc = xcall(x, s, &t, H_IPCA_LOCK, me, 0, 0, 0, NULL, io, XP_RX_STACK, &lw, NULL);
    if (rc != H_SUCCESS)
        return refused("H_IPCA_LOCK", x, s, rc, e);
    uint64_t n = nslots(f, me), tick = ipca_tick_index(f, me, t);
    if (!a->scanned || a->scan_tick != tick) { /* this tick's scan, once per LPAR */
        a->scanned = true;
        a->scan_tick = tick;
        scan = n * f->cfg.scan_cycles_per_slot;
        t += scan;
        io->part[XP_RX_STACK] += scan;
        f->st.polls++;
        f->st.slots_scanned += n;
        if (x->pend[s])
            f->st.polls_hit++;
    }
    bool freed = false;
    while (got < room && x->pend[s]) {
        uint64_t k;
        xhdr h;
        for (k = 1; k < n; k++) { /* the next slot of this direction */
            hdr_read(f, me, k, &h);
            if (h.valid && h.type == x->id && h.src == peer && h.seq == x->seq_rx[s])
                break;
        }
        if (k == n)
            return sim_errf(e, "transport ipca: LPAR %s's IPCA lacks slot seq %llu of "
                               "connection %u (%llu bytes pending)", hyp_lpar_name(f->h, me),
                            (unsigned long long)x->seq_rx[s], x->id,
                            (unsigned long long)x->pend[s]);
        gline(f, th, &t, me, slot_la(f, me, k), MEM_READ, io, XP_RX_STACK);
        uint64_t len = h.len - h.consumed < room - got ? h.len - h.consumed : room - got;
        uint64_t c0 = io->part[XP_COPY_RX];
        if (gcopy(f, th, &t, me, dst_la + got, me, slot_la(f, me, k) + IPCA_HDR + h.consumed, len,
                  io, XP_COPY_RX, e) != 0)
            return -1;
        cp += io->part[XP_COPY_RX] - c0;
        h.consumed += (uint32_t)len;
        if (h.consumed == h.len) { /* read: the slot is free again */
            h.valid = 0;
            h.read = 1;
            x->seq_rx[s]++;
            f->st.slots_read++;
            freed = true;
        }
        if (hdr_write(f, me, slot_la(f, me, k), &h) != 0)
            return sim_errf(e, "out of host memory");
        gline(f, th, &t, me, slot_la(f, me, k), MEM_WRITE, io, XP_RX_STACK);
        got += len;
        x->pend[s] -= len;
    }
    rc = xcall(x, s, &t, H_IPCA_UNLOCK, me, 0, 0, 0, NULL, io, XP_RX_STACK, &lw, NULL);
    if (rc != H_SUCCESS)
        return refused("H_IPCA_UNLOCK", x, s, rc, e);
    ipca_record(f, f->op_poll, t0, t - t0 - lw - cp - scan, lw, cp, scan);
    io->bytes = got;
    if (freed && x->wait_room[p]) {
        x->wait_room[p] = false;
        io->notify_at = ipca_next_poll(f, peer, t);
        io->notify_kind = HYP_XPORT_POLL;
    }
    return 0;
}

static bool x_wait(void *vc, unsigned s, bool room, hyp_xport_io *io)
{
    xconn *x = vc;
    ipca *f = x->f;
    if (room) {
        unsigned peer = x->end[1 - s].lpid;
        for (uint64_t k = 1; k < nslots(f, peer); k++) {
            xhdr h;
            hdr_read(f, peer, k, &h);
            if (!h.valid)
                return false;
        }
        x->wait_room[s] = true;
        f->st.room_waits++;
        return true;
    }
    if (x->pend[s])
        return false;
    x->wait_data[s] = true;
    x->wait_at[s] = io->at;
    return true;
}

static uint64_t x_pending(const void *vc, unsigned s) { return ((const xconn *)vc)->pend[s]; }

static int x_close(void *vc, hyp_xport_io *io, sim_err *e)
{
    (void)io, (void)e;
    free(vc);
    return 0;
}

const hyp_transport ipca_transport = {
    .name = "ipca",
    .desc = "slots written into the peer's IPCA with H_IPCA_WRITE, found by the owner's poll "
            "(seed 003)",
    .open = x_open,
    .send = x_send,
    .recv = x_recv,
    .wait = x_wait,
    .pending = x_pending,
    .close = x_close,
    .over_tcp = false,
};
