/*
 * platform_link.c - a link between two machines (platform.h): each
 * direction a resource with a next-free time; a transfer of B bytes sent
 * at t starts at max(t, free), occupies the direction ceil(B / bandwidth)
 * cycles and arrives latency cycles after its last byte. Its statistics
 * are declared once here.
 * Invariant: a direction's next-free time never decreases, and arrivals
 * on one direction are in send order when sends are in time order.
 */
#include <math.h>
#include <stddef.h>

#include "platform.h"

uint64_t plink_busy_cycles(const plink *l, uint64_t bytes)
{
    return (uint64_t)ceil((double)bytes / l->bytes_per_cycle);
}

uint64_t plink_send(plink *l, unsigned dir, uint64_t bytes, uint64_t t)
{
    plink_dir_stats *st = &l->st[dir & 1];
    resource *r = &l->dir[dir & 1];
    uint64_t busy = plink_busy_cycles(l, bytes);
    uint64_t waits = r->waits;
    uint64_t s = resource_acquire(r, t, busy);
    st->transfers++;
    st->bytes += bytes;
    st->busy_cycles += busy;
    st->waits += r->waits - waits;
    st->wait_cycles += s - t;
    return s + busy + l->latency_cycles;
}

static double utilisation(const void *base)
{
    const plink_dir_stats *s = base;
    return s->horizon ? (double)s->busy_cycles / (double)s->horizon : 0.0;
}

static double mean_wait(const void *base)
{
    const plink_dir_stats *s = base;
    return s->transfers ? (double)s->wait_cycles / (double)s->transfers : 0.0;
}

#define F(f) offsetof(plink_dir_stats, f)
static const stat_desc stats[] = {
    {"transfers", SK_COUNTER, "transfers", "Transfers sent in this direction.", F(transfers),
     NULL},
    {"bytes", SK_COUNTER, "bytes", "Bytes those transfers carried.", F(bytes), NULL},
    {"busy_cycles", SK_COUNTER, "cycles",
     "Cycles the direction was occupied sending (bytes / bandwidth, rounded up per transfer).",
     F(busy_cycles), NULL},
    {"waits", SK_COUNTER, "transfers",
     "Transfers that found the direction busy and queued.", F(waits), NULL},
    {"wait_cycles", SK_COUNTER, "cycles",
     "Queueing: cycles transfers waited for the direction to be free.", F(wait_cycles), NULL},
    {"mean_wait_cycles", SK_DERIVED, "cycles", "Queueing per transfer: wait_cycles / transfers.",
     0, mean_wait},
    {"utilisation", SK_DERIVED, "",
     "busy_cycles / the platform's simulated cycles (the longest machine's).", 0, utilisation},
};
const stat_table plink_stat_table = {"links", stats, PARAM_COUNT(stats)};
