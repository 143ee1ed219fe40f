/* lmb.c - LMB slots, hypervisor memory and per-LPAR LMB tables (lmb.h),
 * by node where asked (memory affinity). */
#include "lmb.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

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
    s->slot_lmb = NULL;
    s->freelist = NULL;
    s->nfree = s->capfree = 0;
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

/* Room for `extra` more free-list entries. 0 or -1. */
static int reserve_free(lmb_space *s, uint64_t extra)
{
    if (s->nfree + extra <= s->capfree)
        return 0;
    uint64_t cap = s->capfree ? s->capfree : 16;
    while (cap < s->nfree + extra)
        cap *= 2;
    uint64_t *v = realloc(s->freelist, cap * sizeof *v);
    if (!v)
        return -1;
    s->freelist = v;
    s->capfree = cap;
    return 0;
}

/* Never-used slots [next_free_slot, to) onto the free list, highest first
 * (popped lowest first), and next_free_slot = to. 0 or -1. */
static int skip_to(lmb_space *s, uint64_t to)
{
    if (reserve_free(s, to - s->next_free_slot) != 0)
        return -1;
    for (uint64_t j = to; j-- > s->next_free_slot;)
        s->freelist[s->nfree++] = j;
    s->next_free_slot = to;
    return 0;
}

uint64_t lmb_take_node(lmb_space *s, uint32_t lpid, unsigned node)
{
    for (uint64_t i = s->nfree; i-- > 0;) {
        uint64_t slot = s->freelist[i];
        if (lmb_slot_node(s, slot) != node)
            continue;
        memmove(&s->freelist[i], &s->freelist[i + 1], (s->nfree - i - 1) * sizeof *s->freelist);
        s->nfree--;
        assert(s->owner[slot] == LMB_FREE);
        s->owner[slot] = lpid;
        return slot;
    }
    for (uint64_t k = s->next_free_slot; k < s->nslots; k++) {
        if (lmb_slot_node(s, k) != node)
            continue;
        if (skip_to(s, k) != 0)
            return UINT64_MAX;
        s->next_free_slot = k + 1;
        assert(s->owner[k] == LMB_FREE);
        s->owner[k] = lpid;
        return k;
    }
    return UINT64_MAX;
}

uint64_t lmb_hyp_alloc_node(lmb_space *s, uint64_t bytes, uint64_t align, unsigned node)
{
    assert(align && (align & (align - 1)) == 0);
    uint64_t n = (bytes + s->lmb_size - 1) / s->lmb_size, run = 0;
    uint64_t step = align > s->lmb_size ? align / s->lmb_size : 1; /* slots */
    if (n == 0)
        n = 1;
    for (uint64_t k = s->next_free_slot; k < s->nslots; k++) {
        /* a run starts only at an aligned slot */
        run = lmb_slot_node(s, k) != node ? 0 : run ? run + 1 : k % step == 0;
        if (run < n)
            continue;
        uint64_t first = k + 1 - n;
        if (skip_to(s, first) != 0)
            return UINT64_MAX;
        for (uint64_t j = first; j <= k; j++)
            s->owner[j] = LMB_HYP;
        s->next_free_slot = k + 1;
        return first * s->lmb_size;
    }
    return UINT64_MAX;
}

int lmb_assign_home(lmb_space *s, uint32_t lpid, uint64_t count, uint64_t table_paddr,
                    const unsigned *nodes, const uint64_t *per, unsigned n, sim_err *e)
{
    if (lmb_free_bytes(s) / s->lmb_size < count)
        return sim_errf(e, "needs %llu LMBs of %llu bytes but only %llu are free",
                        (unsigned long long)count, (unsigned long long)s->lmb_size,
                        (unsigned long long)(lmb_free_bytes(s) / s->lmb_size));
    uint64_t k = 0;
    for (unsigned j = 0; j < n; j++)
        for (uint64_t b = 0; b < per[j] && k < count; b++, k++) {
            uint64_t slot = lmb_take_node(s, lpid, nodes[j]);
            for (unsigned o = 0; o < n && slot == UINT64_MAX; o++)
                slot = o == j ? UINT64_MAX : lmb_take_node(s, lpid, nodes[o]);
            if (slot == UINT64_MAX)
                slot = lmb_take(s, lpid);
            if (slot == UINT64_MAX)
                return sim_errf(e, "out of host memory for the free LMB list");
            s->slot_lmb[slot] = (uint32_t)k;
            if (physmem_write64(s->pm, table_paddr + 8 * k, slot * s->lmb_size) != 0)
                return sim_errf(e, "out of host memory for the LMB table");
        }
    assert(k == count);
    return 0;
}
