/*
 * pagedev_flash.c - the ssd and optane service model.
 *
 * A request dispatched at t takes the controller (one command at a time,
 * ctrl cycles), then touches each flash page it overlaps. Page p lives on
 * unit p mod units, which sits on channel unit mod channels.
 *  - read: a page still in the write cache is served from it (a hit, no
 *    media access); otherwise the unit reads it (read cycles) and the
 *    channel transfers the bytes wanted. The request completes with its
 *    last page.
 *  - write with a cache: the pages take cache slots (waiting for the
 *    earliest drains while too few are free); the request is acknowledged
 *    ack cycles after the controller (or after the last slot freed), and
 *    each page is drained in the background: channel transfer of the whole
 *    page, then a program on its unit.
 *  - write without a cache: transfer, then program; done after the last.
 * Units and channels are gap-filling resources (pd_gap): a transfer booked
 * later may use an idle stretch before one booked earlier; a read still
 * waits behind a background program already under way on its unit.
 * Invariants: a page is in the cache until its drain completes; the cache
 * holds at most `slots` entries at any cycle.
 */
#include <math.h>
#include <stdlib.h>

#include "memctl/pagedev/pagedev_int.h"

int pd_flash_init(pagedev *d, const pagedev_flash_config *c, sim_err *e)
{
    d->fl.page = c->page_size;
    d->fl.nchan = c->channels;
    d->fl.nunits = c->channels * c->units_per_channel;
    d->fl.slots = c->write_cache / c->page_size;
    d->fl.ctrl = pd_cycles(d, c->ctrl_us);
    d->fl.read = pd_cycles(d, c->read_us);
    d->fl.program = pd_cycles(d, c->program_us);
    d->fl.ack = pd_cycles(d, c->write_ack_us);
    d->fl.xfer_per_byte = (double)d->freq_mhz / c->channel_mbps;
    d->fl.unit = calloc(d->fl.nunits, sizeof *d->fl.unit);
    d->fl.chan = calloc(d->fl.nchan, sizeof *d->fl.chan);
    u64map_init(&d->fl.cached);
    if (!d->fl.unit || !d->fl.chan)
        return sim_errf(e, "out of host memory");
    return 0;
}

void pd_flash_free(pagedev *d)
{
    for (uint64_t i = 0; d->fl.unit && i < d->fl.nunits; i++)
        pd_gap_free(&d->fl.unit[i]);
    for (uint64_t i = 0; d->fl.chan && i < d->fl.nchan; i++)
        pd_gap_free(&d->fl.chan[i]);
    free(d->fl.unit);
    free(d->fl.chan);
    d->fl.unit = d->fl.chan = NULL;
    pd_heap_free(&d->fl.drains);
    u64map_free(&d->fl.cached);
}

/* Book len cycles of g at or after t; the end cycle (UINT64_MAX: memory). */
static uint64_t book(pd_gap *g, uint64_t t, uint64_t len, uint64_t horizon)
{
    uint64_t s = pd_gap_acquire(g, t, len, horizon);
    return s == UINT64_MAX ? s : s + len;
}

static uint64_t xfer(const pagedev *d, uint64_t bytes)
{
    return (uint64_t)llround((double)bytes * d->fl.xfer_per_byte);
}

/* Pages drained by cycle t leave the cache (and its index, unless a newer
 * copy of the page is still there). */
static void drain_until(pagedev *d, uint64_t t)
{
    while (d->fl.drains.n && d->fl.drains.v[0].key <= t) {
        pd_ev x = pd_heap_pop(&d->fl.drains);
        uint64_t *v = u64map_get(&d->fl.cached, x.tag);
        if (v && *v == x.key)
            u64map_del(&d->fl.cached, x.tag, NULL);
    }
}

uint64_t pd_flash_serve(pagedev *d, int op, uint64_t off, uint64_t len, uint64_t t)
{
    uint64_t c = resource_acquire(&d->fl.ctrl_r, t, d->fl.ctrl) + d->fl.ctrl;
    uint64_t first = off / d->fl.page, last = (off + len - 1) / d->fl.page, done = c;
    if (op == PAGEDEV_WRITE && d->fl.slots) {
        uint64_t need = last - first + 1 < d->fl.slots ? last - first + 1 : d->fl.slots;
        drain_until(d, c);
        if (d->fl.drains.n + need > d->fl.slots)
            d->st.cache_full_waits++;
        while (d->fl.drains.n + need > d->fl.slots) {
            c = d->fl.drains.v[0].key; /* the earliest drain frees a slot */
            drain_until(d, c);
        }
        uint64_t ack = c + d->fl.ack;
        for (uint64_t p = first; p <= last; p++) {
            uint64_t u = p % d->fl.nunits, ch = u % d->fl.nchan, tx = xfer(d, d->fl.page);
            uint64_t x = book(&d->fl.chan[ch], ack, tx, c);
            uint64_t pr = x == UINT64_MAX ? x : book(&d->fl.unit[u], x, d->fl.program, c);
            if (pr == UINT64_MAX)
                return UINT64_MAX;
            d->st.media_programs++;
            if (pd_heap_push(&d->fl.drains, pr, d->seq, p) != 0 ||
                u64map_put(&d->fl.cached, p, pr) != 0)
                return UINT64_MAX;
        }
        return ack;
    }
    for (uint64_t p = first; p <= last; p++) {
        uint64_t lo = p == first ? off : p * d->fl.page;
        uint64_t hi = p == last ? off + len : (p + 1) * d->fl.page;
        uint64_t u = p % d->fl.nunits, ch = u % d->fl.nchan, end;
        if (op == PAGEDEV_WRITE) { /* no cache: transfer in, then program */
            uint64_t tx = xfer(d, hi - lo);
            uint64_t x = book(&d->fl.chan[ch], c, tx, c);
            end = x == UINT64_MAX ? x : book(&d->fl.unit[u], x, d->fl.program, c);
            d->st.media_programs++;
        } else {
            uint64_t *v = d->fl.slots ? u64map_get(&d->fl.cached, p) : NULL;
            if (v && *v > c) {
                d->st.cache_hits++;
                end = c;
            } else {
                uint64_t tx = xfer(d, hi - lo);
                uint64_t m = book(&d->fl.unit[u], c, d->fl.read, c);
                end = m == UINT64_MAX ? m : book(&d->fl.chan[ch], m, tx, c);
                d->st.media_reads++;
            }
        }
        if (end == UINT64_MAX)
            return end;
        if (end > done)
            done = end;
    }
    return done;
}
