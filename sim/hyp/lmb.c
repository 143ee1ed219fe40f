/* lmb.c - LMB slots, hypervisor memory and per-LPAR LMB tables (lmb.h). */
#include "lmb.h"

#include <assert.h>
#include <stdlib.h>

int lmb_space_init(lmb_space *s, const memmap *mm, physmem *pm, uint64_t lmb_size,
                   uint64_t hyp_bytes, sim_err *e)
{
    uint64_t total = memmap_total_bytes(mm);
    s->lmb_size = lmb_size;
    s->nslots = total / lmb_size;
    s->pm = pm;
    s->mm = mm;
    s->hyp_bytes = hyp_bytes;
    s->hyp_next = 0;
    s->hyp_top = hyp_bytes;
    s->owner = NULL;
    if (lmb_size == 0 || (lmb_size & (lmb_size - 1)) != 0)
        return sim_errf(e, "hypervisor.lmb_size: %llu bytes is not a power of two; expected a "
                           "power of two (so every page lies inside one LMB)",
                        (unsigned long long)lmb_size);
    if (total % lmb_size != 0)
        return sim_errf(e, "hypervisor.lmb_size: %llu bytes does not divide the machine's memory "
                           "(%llu bytes); expected a power of two dividing memory size",
                        (unsigned long long)lmb_size, (unsigned long long)total);
    if (hyp_bytes % lmb_size != 0 || hyp_bytes > total)
        return sim_errf(e, "hypervisor.memory: %llu bytes; expected a multiple of the LMB size "
                           "up to the machine's %llu bytes",
                        (unsigned long long)hyp_bytes, (unsigned long long)total);
    s->owner = malloc(s->nslots * sizeof *s->owner);
    s->slot_lmb = calloc(s->nslots, sizeof *s->slot_lmb);
    if (!s->owner || !s->slot_lmb)
        return sim_errf(e, "out of host memory for %llu LMB slots", (unsigned long long)s->nslots);
    uint64_t hyp_slots = hyp_bytes / lmb_size;
    for (uint64_t i = 0; i < s->nslots; i++)
        s->owner[i] = i < hyp_slots ? LMB_HYP : LMB_FREE;
    s->next_free_slot = hyp_slots;
    return 0;
}

void lmb_space_free(lmb_space *s)
{
    free(s->owner);
    free(s->slot_lmb);
    free(s->freelist);
    s->owner = NULL;
    s->slot_lmb = NULL;
    s->freelist = NULL;
}

uint64_t lmb_take(lmb_space *s, uint32_t lpid)
{
    uint64_t slot;
    if (s->nfree)
        slot = s->freelist[--s->nfree];
    else if (s->next_free_slot < s->nslots)
        slot = s->next_free_slot++;
    else
        return UINT64_MAX;
    assert(s->owner[slot] == LMB_FREE);
    s->owner[slot] = lpid;
    return slot;
}

int lmb_give(lmb_space *s, uint64_t slot)
{
    assert(slot < s->nslots && s->owner[slot] != LMB_HYP);
    if (s->nfree == s->capfree) {
        uint64_t cap = s->capfree ? 2 * s->capfree : 16;
        uint64_t *v = realloc(s->freelist, cap * sizeof *v);
        if (!v)
            return -1;
        s->freelist = v;
        s->capfree = cap;
    }
    s->owner[slot] = LMB_FREE;
    s->freelist[s->nfree++] = slot;
    return 0;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) & ~(a - 1);
}

uint64_t lmb_hyp_alloc(lmb_space *s, uint64_t bytes, uint64_t align)
{
    assert(align && (align & (align - 1)) == 0);
    uint64_t at = align_up(s->hyp_next, align);
    if (at + bytes > s->hyp_top || at + bytes < at)
        return UINT64_MAX;
    s->hyp_next = at + bytes;
    return at;
}

uint64_t lmb_hyp_alloc_top(lmb_space *s, uint64_t bytes, uint64_t align)
{
    assert(align && (align & (align - 1)) == 0);
    if (bytes > s->hyp_top)
        return UINT64_MAX;
    uint64_t at = (s->hyp_top - bytes) & ~(align - 1);
    if (at < s->hyp_next)
        return UINT64_MAX;
    s->hyp_top = at;
    return at;
}

uint64_t lmb_plan(const uint64_t *sizes, const uint64_t *aligns, unsigned n)
{
    uint64_t next = 0;
    for (unsigned i = 0; i < n; i++)
        next = align_up(next, aligns[i]) + sizes[i];
    return next;
}

int lmb_assign(lmb_space *s, uint32_t lpid, uint64_t count, uint64_t table_paddr, sim_err *e)
{
    if (lmb_free_bytes(s) / s->lmb_size < count)
        return sim_errf(e, "needs %llu LMBs of %llu bytes but only %llu are free",
                        (unsigned long long)count, (unsigned long long)s->lmb_size,
                        (unsigned long long)(lmb_free_bytes(s) / s->lmb_size));
    for (uint64_t k = 0; k < count; k++) {
        uint64_t slot = lmb_take(s, lpid);
        s->slot_lmb[slot] = (uint32_t)k;
        if (physmem_write64(s->pm, table_paddr + 8 * k, slot * s->lmb_size) != 0)
            return sim_errf(e, "out of host memory for the LMB table");
    }
    return 0;
}

int lmb_release(lmb_space *s, uint32_t lpid, uint64_t count, uint64_t table_paddr)
{
    int rc = 0;
    for (uint64_t k = 0; k < count; k++) {
        uint64_t base = physmem_read64(s->pm, table_paddr + 8 * k);
        uint64_t slot = base / s->lmb_size;
        if (slot < s->nslots && s->owner[slot] == lpid && lmb_give(s, slot) != 0)
            rc = -1;
    }
    physmem_zero(s->pm, table_paddr, 8 * count);
    return rc;
}
