/*
 * coherency_driver_producers.c - several producers per LPAR in the
 * coherency driver (drivers.coherency.producers; design note, hypothesis
 * H3): a round's changes are made by up to `producers` running vCPUs of
 * the LPAR at once, each on its own thread at its own clock, as the
 * threads of one process unmapping or mprotecting concurrently. Each item
 * (an hcall of the pattern) goes to a producer drawn from a seeded stream
 * (per LPAR and round); each producer makes its items in order; the
 * producers are interleaved by their threads' clocks (the one furthest
 * behind issues next), so that a lock in the hypervisor (tlb-gen's log
 * lock, the LPAR's tlbie lock) sees them in time order.
 * Invariants: with one producer the items are made in order on its thread
 * (the driver as before, bit for bit); every item is made exactly once.
 */
#include <stdlib.h>

#include "coherency_driver_int.h"

int cdrv_each_item(const cdrv_prods *P, const hyp *h, uint64_t n, cdrv_item_fn fn, void *ctx,
                   sim_err *e)
{
    if (P->n <= 1) {
        for (uint64_t i = 0; i < n; i++)
            if (fn(ctx, P->t[0], i, e) != 0)
                return -1;
        return 0;
    }
    uint8_t *owner = malloc(n ? n : 1);
    if (!owner)
        return sim_errf(e, "out of host memory");
    rng r;
    rng_seed(&r, P->seed);
    for (uint64_t i = 0; i < n; i++)
        owner[i] = (uint8_t)rng_below(&r, P->n);
    uint64_t next[CDRV_MAX_PRODUCERS] = {0}; /* each producer's next item to look at */
    int rc = 0;
    for (uint64_t done = 0; done < n && rc == 0; done++) {
        int best = -1;
        for (unsigned p = 0; p < P->n; p++) {
            while (next[p] < n && owner[next[p]] != p)
                next[p]++;
            if (next[p] < n &&
                (best < 0 || h->env.threads[P->t[p]].clock < h->env.threads[P->t[best]].clock))
                best = (int)p;
        }
        rc = fn(ctx, P->t[best], next[best], e);
        next[best]++;
    }
    free(owner);
    return rc;
}
