/*
 * resource.h - a shared resource with a next-free time (a DRAM bus, a
 * hypervisor lock, the tlbie fabric, the disk). A request arriving at t
 * starts at max(t, next_free); the wait is counted as queueing.
 * Invariant: next_free never decreases.
 */
#ifndef LPARSIM_CORE_RESOURCE_H
#define LPARSIM_CORE_RESOURCE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct resource {
    uint64_t next_free;
    uint64_t uses, waits, wait_cycles;
} resource;

/* Occupy r for `busy` cycles from the earliest time >= t. Returns the start
 * time; start - t is the queueing delay. */
static inline uint64_t resource_acquire(resource *r, uint64_t t, uint64_t busy)
{
    uint64_t s = t > r->next_free ? t : r->next_free;
    if (s > t) {
        r->waits++;
        r->wait_cycles += s - t;
    }
    r->next_free = s + busy;
    r->uses++;
    return s;
}

#ifdef __cplusplus
}
#endif
#endif
