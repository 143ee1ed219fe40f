/*
 * pagedev_hdd.c - the hard disk model: one actuator, a spinning platter,
 * FCFS or shortest-positioning-time-first.
 *
 * Geometry: a track holds one revolution of media transfer (media_mbps x
 * 60/rpm s), a cylinder `heads` tracks; byte offsets fill a cylinder, then
 * the next (cylinder 0 outermost). A byte's angle is its position within
 * its track. The platter is at angle 0 at cycle 0 and turns once every
 * `rev` cycles, so the angle under the head at cycle t is t mod rev.
 *
 * Service of a request chosen at f (the head is free and it has arrived):
 * overhead, seek(d) = a + b sqrt(d / (cylinders - 1)) for d >= 1 cylinders
 * (0 for d = 0), the wait until its first byte's angle comes under the
 * head, then len bytes at the media rate. Track and cylinder switches
 * inside one request are not charged (a page is far smaller than a track).
 * Read-ahead: after a read from the media the drive goes on reading the
 * next `readahead` bytes into its buffer at the media rate; a later read
 * inside that window completes after the overhead or when its last byte
 * has arrived, whichever is later, and moves the window on; any other
 * request ends it (the head goes elsewhere; a write invalidates it).
 * Queue: the device holds the first queue_depth pending requests (FIFO
 * host queue behind them); at each decision it serves, among those that
 * have arrived, the oldest (fcfs) or the one with the least overhead +
 * seek + rotational wait (sptf; ties to the oldest).
 * Invariants: head_free never decreases; one request in service at a time.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "memctl/pagedev/pagedev_int.h"

int pd_hdd_init(pagedev *d, const pagedev_hdd_config *c, sim_err *e)
{
    (void)e;
    d->hd.track_bytes = pd_hdd_track_bytes(c);
    d->hd.cyl_bytes = d->hd.track_bytes * (double)c->heads;
    d->hd.cylinders = (uint64_t)ceil((double)c->capacity / d->hd.cyl_bytes);
    d->hd.rev = pd_cycles(d, 60e6 / (double)c->rpm);
    d->hd.overhead = pd_cycles(d, c->overhead_ms * 1000.0);
    d->hd.seek_a = c->track_seek_ms * 1000.0 * (double)d->freq_mhz;
    d->hd.seek_b = (c->avg_seek_ms - c->track_seek_ms) * 1000.0 * (double)d->freq_mhz / (8.0 / 15.0);
    d->hd.xfer_per_byte = (double)d->freq_mhz / c->media_mbps;
    d->hd.sched = c->sched;
    d->hd.readahead = c->readahead;
    return 0;
}

void pd_hdd_free(pagedev *d)
{
    free(d->hd.q);
    d->hd.q = NULL;
    d->hd.qh = d->hd.qn = d->hd.qcap = 0;
}

int pd_hdd_enqueue(pagedev *d, const pd_req *r)
{
    if (d->hd.qh == d->hd.qn)
        d->hd.qh = d->hd.qn = 0;
    if (d->hd.qn == d->hd.qcap) {
        if (d->hd.qh > 0) { /* compact */
            memmove(d->hd.q, d->hd.q + d->hd.qh, (d->hd.qn - d->hd.qh) * sizeof *d->hd.q);
            d->hd.qn -= d->hd.qh;
            d->hd.qh = 0;
        }
        if (d->hd.qn == d->hd.qcap) {
            size_t nc = d->hd.qcap ? 2 * d->hd.qcap : 64;
            pd_req *q = realloc(d->hd.q, nc * sizeof *q);
            if (!q)
                return -1;
            d->hd.q = q;
            d->hd.qcap = nc;
        }
    }
    pd_req *x = &d->hd.q[d->hd.qn++];
    *x = *r;
    /* inside the device's queue at once, or behind queue_depth others */
    x->enter = d->hd.qn - d->hd.qh <= d->qd ? r->arrival : UINT64_MAX;
    return 0;
}

uint64_t pd_hdd_next_decision(const pagedev *d)
{
    if (!pd_hdd_pending(d))
        return UINT64_MAX;
    uint64_t a = d->hd.q[d->hd.qh].arrival;
    return a > d->hd.head_free ? a : d->hd.head_free;
}

static uint64_t cyl_of(const pagedev *d, uint64_t off)
{
    uint64_t c = (uint64_t)((double)off / d->hd.cyl_bytes);
    return c < d->hd.cylinders ? c : d->hd.cylinders - 1;
}

static uint64_t seek_cycles(const pagedev *d, uint64_t cyl)
{
    uint64_t dist = cyl > d->hd.head_cyl ? cyl - d->hd.head_cyl : d->hd.head_cyl - cyl;
    if (dist == 0)
        return 0;
    double D = (double)(d->hd.cylinders - 1);
    return (uint64_t)llround(d->hd.seek_a + d->hd.seek_b * sqrt((double)dist / D));
}

/* Rotational wait for the first byte at off when the head settles at t. */
static uint64_t rot_wait(const pagedev *d, uint64_t off, uint64_t t)
{
    double in_cyl = (double)off - (double)cyl_of(d, off) * d->hd.cyl_bytes;
    double in_track = fmod(in_cyl, d->hd.track_bytes);
    uint64_t angle = (uint64_t)(in_track / d->hd.track_bytes * (double)d->hd.rev) % d->hd.rev;
    uint64_t now = t % d->hd.rev;
    return (angle + d->hd.rev - now) % d->hd.rev;
}

/* A read inside the read-ahead window: the cycle its last byte is in the
 * buffer; UINT64_MAX otherwise. */
static uint64_t ra_ready(const pagedev *d, const pd_req *r)
{
    if (r->op != PAGEDEV_READ || r->off < d->hd.ra_off || r->off + r->len > d->hd.ra_lim)
        return UINT64_MAX;
    return d->hd.ra_t +
           (uint64_t)llround((double)(r->off + r->len - d->hd.ra_off) * d->hd.xfer_per_byte);
}

/* Overhead + seek + rotational wait of request r chosen at f (a read-ahead
 * hit: overhead, or the wait for its last byte to reach the buffer). */
static uint64_t positioning(const pagedev *d, const pd_req *r, uint64_t f, uint64_t *seek,
                            uint64_t *rot)
{
    uint64_t ready = ra_ready(d, r);
    if (ready != UINT64_MAX) {
        *seek = *rot = 0;
        return ready > f + d->hd.overhead ? ready - f : d->hd.overhead;
    }
    *seek = seek_cycles(d, cyl_of(d, r->off));
    *rot = rot_wait(d, r->off, f + d->hd.overhead + *seek);
    return d->hd.overhead + *seek + *rot;
}

int pd_hdd_dispatch(pagedev *d)
{
    uint64_t f = pd_hdd_next_decision(d), seek, rot;
    size_t k = d->hd.qh, end = d->hd.qh + d->qd < d->hd.qn ? d->hd.qh + d->qd : d->hd.qn;
    if (d->hd.sched == PAGEDEV_SPTF) {
        uint64_t best = UINT64_MAX;
        for (size_t i = d->hd.qh; i < end && d->hd.q[i].arrival <= f; i++) {
            uint64_t p = positioning(d, &d->hd.q[i], f, &seek, &rot);
            if (p < best)
                best = p, k = i;
        }
    }
    pd_req r = d->hd.q[k];
    uint64_t pos = positioning(d, &r, f, &seek, &rot), done;
    if (ra_ready(d, &r) != UINT64_MAX) {
        done = f + pos; /* from the buffer; the read-ahead goes on */
        d->st.readahead_hits++;
        if (r.off + r.len + d->hd.readahead > d->hd.ra_lim)
            d->hd.ra_lim = r.off + r.len + d->hd.readahead;
    } else {
        done = f + pos + (uint64_t)llround((double)r.len * d->hd.xfer_per_byte);
        /* a read starts a new read-ahead window behind it; a write ends it */
        d->hd.ra_off = d->hd.ra_lim = r.off + r.len;
        d->hd.ra_t = done;
        if (r.op == PAGEDEV_READ)
            d->hd.ra_lim = r.off + r.len + d->hd.readahead < d->capacity
                               ? r.off + r.len + d->hd.readahead
                               : d->capacity;
    }
    memmove(d->hd.q + d->hd.qh + 1, d->hd.q + d->hd.qh, (k - d->hd.qh) * sizeof *d->hd.q);
    d->hd.qh++;
    /* the request that now fills the device's last slot entered when this
     * one completed (or at its arrival, if later) */
    size_t last = d->hd.qh + d->qd - 1;
    if (last < d->hd.qn && d->hd.q[last].enter == UINT64_MAX) {
        pd_req *x = &d->hd.q[last];
        x->enter = done > x->arrival ? done : x->arrival;
        if (x->enter > x->arrival) {
            d->st.host_queued++;
            d->st.host_queue_cycles += x->enter - x->arrival;
        }
    }
    if (seek) {
        d->st.seeks++;
        d->st.seek_cycles += seek;
    }
    d->st.rotation_cycles += rot;
    d->hd.head_cyl = cyl_of(d, r.off);
    d->hd.head_free = done;
    return pd_finish(d, r.op, r.orig, f, done, r.seq, r.tag, r.notify);
}
