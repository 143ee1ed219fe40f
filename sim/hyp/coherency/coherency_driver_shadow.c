/*
 * coherency_driver_shadow.c - pattern shadow of the coherency workload
 * driver (drivers.coherency.pattern: shadow; needs hypervisor.coherency.mode
 * shadow, shadow_int.h). The guest of each generated LPAR keeps a page
 * table of `pages` PTEs in its own memory (the guest PT format of
 * shadow_int.h): PTE i maps effective page i of the driver's segment to
 * logical page A_i = memory - 4096 (i + 1) or B_i = memory - 4096 (pages +
 * i + 1); the table itself sits just below the B pages (4K-aligned).
 * Before the run the guest writes every PTE to A_i (not traced: no shadow
 * entry exists yet). Then:
 *  - setup (the first arrival): every running toucher loads each page once
 *    (hidden faults build its shadow HPTEs and make it a consumer);
 *  - each round: the producer (the lowest-numbered running vCPU) remaps
 *    every page to its other logical page with an ordinary store to its PTE
 *    (traced: coh_shadow_store); every running vCPU then issues a tlbiel of
 *    each changed page (E4, as the targets of Linux's flush after a PTE
 *    change); each running toucher then loads each changed page again with
 *    probability retouch (seeded, one stream per LPAR and round).
 * The guest's own load of the old PTE before its store is not modeled (it
 * knows the value). Changes counted in drivers.coherency.changes.
 * Invariant: every PTE stays valid, so a touch never faults to the guest.
 */
#include "coherency_driver_int.h"
#include "shadow_int.h"

#define SH_DRV_EA 0x10000000ull /* the driver's first page (coherency_driver.c's CDRV_EA) */

static uint64_t page_a(const cdrv_config *c, uint64_t i)
{
    return c->memory - 4096 * (i + 1);
}

static uint64_t page_b(const cdrv_config *c, uint64_t i)
{
    return c->memory - 4096 * (c->pages + i + 1);
}

static uint64_t pt_la(const cdrv_config *c)
{
    return (c->memory - 4096 * 2 * c->pages - c->pages * 8) / 4096 * 4096;
}

int cdrv_shadow_attach(hyp *h, coh *k, const cdrv_config *c, unsigned lpid, sim_err *e)
{
    if (!k || k->cfg.mode != COH_MODE_SHADOW)
        return sim_errf(e, "drivers.coherency.pattern: shadow needs hypervisor.coherency.mode: "
                           "shadow (and hypervisor.coherency.enabled: true)");
    if (c->memory - pt_la(c) > c->memory / 2)
        return sim_errf(e, "drivers.coherency.pages: %llu pages need two logical pages each and "
                           "a page table, more than half of an LPAR's %llu bytes; expected fewer "
                           "(or more memory)",
                        (unsigned long long)c->pages, (unsigned long long)c->memory);
    for (uint64_t i = 0; i < c->pages; i++) {
        uint64_t ra = hyp_logical_to_real(h, lpid, pt_la(c) + 8 * i);
        if (physmem_write64(h->env.pm, ra, page_a(c, i) | SH_PTE_VALID | SH_PTE_WRITE) != 0)
            return sim_errf(e, "out of host memory");
    }
    return coh_shadow_attach(k, lpid, pt_la(c), c->pages, SH_DRV_EA, e);
}

static bool toucher(const cdrv_config *c, unsigned v)
{
    return !c->touchers || v < c->touchers;
}

int cdrv_shadow_setup(coh *k, const cdrv_config *c, unsigned lpid, const int *run, unsigned nv,
                      sim_err *e)
{
    for (unsigned v = 0; v < nv; v++)
        for (uint64_t i = 0; run[v] >= 0 && toucher(c, v) && i < c->pages; i++)
            if (coh_shadow_touch(k, (unsigned)run[v], lpid, i, false, e) != 0)
                return -1;
    return 0;
}

int cdrv_shadow_round(coh *k, const cdrv_config *c, unsigned lpid, const int *run, unsigned nv,
                      unsigned producer, uint64_t seed, cdrv_stats *st, sim_err *e)
{
    const sh_lpar *sl = sh_of(k, lpid);
    hyp *h = k->h;
    for (uint64_t i = 0; i < c->pages; i++) {
        uint64_t pte = physmem_read64(h->env.pm, sl->pt_real + 8 * i);
        uint64_t la = (pte & ~0xfffull) == page_a(c, i) ? page_b(c, i) : page_a(c, i);
        coh_shadow_store(k, producer, lpid, i, la | SH_PTE_VALID | SH_PTE_WRITE);
        st->changes++;
    }
    for (unsigned v = 0; v < nv && !k->failed; v++)
        for (uint64_t i = 0; run[v] >= 0 && i < c->pages; i++)
            coh_shadow_tlbiel(k, (unsigned)run[v], lpid, i);
    rng r;
    rng_seed(&r, seed);
    for (unsigned v = 0; v < nv && !k->failed; v++)
        for (uint64_t i = 0; run[v] >= 0 && toucher(c, v) && i < c->pages; i++)
            if (rng_double(&r) < c->retouch &&
                coh_shadow_touch(k, (unsigned)run[v], lpid, i, false, e) != 0)
                return -1;
    if (k->failed && hyp_check_error(h, e) != 0)
        return -1;
    return 0;
}
