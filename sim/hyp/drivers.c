/*
 * drivers.c - the set of enabled workload drivers (feature.h hyp_driver),
 * in registry order, as the machine's run loop sees it: the earliest next
 * step, stepping every driver due at a cycle, progress and the latest
 * cycle reached. Ties between drivers go to the registry order, so a run
 * is deterministic whatever the front end.
 */
#include <stdlib.h>

#include "hyp_int.h"

struct hyp_drivers {
    const hyp_driver *ops[HYP_NFEATURES];
    void *st[HYP_NFEATURES];
    unsigned n;
    uint64_t steps;
};

bool hyp_drivers_enabled(const hyp_drivers_config *c)
{
    for (unsigned f = 0; f < HYP_NFEATURES; f++)
        if (hyp_driver_table[f] && hyp_cfg_enabled(&c->driver[f]))
            return true;
    return false;
}

unsigned hyp_drivers_lpars(const hyp_drivers_config *c, uint64_t *memory, uint64_t *hpt_bytes,
                           unsigned max)
{
    unsigned n = 0;
    for (unsigned f = 0; f < HYP_NFEATURES; f++)
        if (hyp_driver_table[f] && hyp_cfg_enabled(&c->driver[f]) && hyp_driver_table[f]->lpars)
            n += hyp_driver_table[f]->lpars(c->driver[f].bytes, memory + (n < max ? n : max),
                                       hpt_bytes + (n < max ? n : max), n < max ? max - n : 0);
    return n;
}

hyp_drivers *hyp_drivers_create(hyp *h, const hyp_drivers_config *c, uint64_t seed,
                                int (*add_lpar)(void *ctx, const hyp_lpar_spec *s,
                                                sim_err *e),
                                void *ctx, sim_err *e)
{
    hyp_drivers *d = calloc(1, sizeof *d);
    if (!d) {
        sim_errf(e, "out of host memory");
        return NULL;
    }
    hyp_driver_env env = {h, &h->env, seed, add_lpar, ctx};
    for (unsigned f = 0; f < HYP_NFEATURES; f++) {
        if (!hyp_driver_table[f] || !hyp_cfg_enabled(&c->driver[f]))
            continue;
        void *st = hyp_driver_table[f]->create(&env, c->driver[f].bytes, e);
        if (!st) {
            hyp_drivers_destroy(d);
            return NULL;
        }
        d->ops[d->n] = hyp_driver_table[f];
        d->st[d->n++] = st;
        h->bare_driver |= hyp_driver_table[f]->bare_lpars;
    }
    return d;
}

void hyp_drivers_destroy(hyp_drivers *d)
{
    if (!d)
        return;
    for (unsigned i = d->n; i-- > 0;)
        d->ops[i]->destroy(d->st[i]);
    free(d);
}

uint64_t hyp_drivers_next(const hyp_drivers *d)
{
    uint64_t next = UINT64_MAX;
    for (unsigned i = 0; d && i < d->n; i++) {
        uint64_t t = d->ops[i]->next(d->st[i]);
        if (t < next)
            next = t;
    }
    return next;
}

int hyp_drivers_step(hyp_drivers *d, uint64_t at, sim_err *e)
{
    for (unsigned i = 0; i < d->n; i++)
        if (d->ops[i]->next(d->st[i]) == at) {
            d->steps++;
            if (d->ops[i]->step(d->st[i], e) != 0)
                return -1;
        }
    return 0;
}

uint64_t hyp_drivers_now(const hyp_drivers *d)
{
    uint64_t now = 0;
    for (unsigned i = 0; d && i < d->n; i++) {
        uint64_t t = d->ops[i]->now(d->st[i]);
        if (t > now)
            now = t;
    }
    return now;
}

uint64_t hyp_drivers_steps(const hyp_drivers *d)
{
    return d ? d->steps : 0;
}

bool hyp_drivers_progress(const hyp_drivers *d, uint64_t *done, uint64_t *total)
{
    *done = *total = 0;
    if (!d || !d->n)
        return false;
    for (unsigned i = 0; i < d->n; i++) {
        uint64_t a, b;
        d->ops[i]->progress(d->st[i], &a, &b);
        *done += a;
        *total += b;
    }
    return true;
}
