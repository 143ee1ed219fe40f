/*
 * lmb.h - the hypervisor's logical memory blocks (LMBs) and its own memory.
 *
 * Real memory is cut into LMB-sized slots. The first `hyp_bytes` hold the
 * hypervisor: every LPAR's HPT, packed from the bottom with natural
 * alignment, and the LMB tables, packed from the top. The rest are handed
 * to LPARs whole, in address order. Each LPAR has an LMB table at a real address in
 * hypervisor memory: entry k (8 bytes) holds the real base address of the
 * LPAR's logical block k. The same words are written into physmem, so the
 * hypervisor's translation reads a modeled word at a real address, and the
 * host-side array here is only an index for speed and checking.
 * Memory affinity (docs/numa.md): a slot is on the node (processor module)
 * its first byte's memory module is attached to (memmap_node_of). The
 * node-aware calls take slots on one node; without them the order is
 * unchanged (free list first, then never-used slots in address order).
 * Invariants: a slot belongs to at most one owner; an LPAR's logical
 * address maps only into slots it owns (translation outside its memory
 * fails), so no HPTE it creates can point outside its LMBs; slots at or
 * above next_free_slot are free and never on the free list.
 */
#ifndef LPARSIM_HYP_LMB_H
#define LPARSIM_HYP_LMB_H

#include <stdint.h>

#include "core/err.h"
#include "memctl/memmap.h"
#include "memctl/physmem.h"

#ifdef __cplusplus
extern "C" {
#endif

#define LMB_FREE UINT32_MAX
#define LMB_HYP (UINT32_MAX - 1)

typedef struct lmb_space {
    uint64_t lmb_size;      /* bytes, power of two */
    uint64_t nslots;        /* total / lmb_size */
    uint32_t *owner;        /* per slot: lpid, LMB_FREE or LMB_HYP */
    uint32_t *slot_lmb;     /* per owned slot: its index in the owner's LMB table */
    uint64_t hyp_bytes;     /* reserved at the bottom for the hypervisor */
    uint64_t hyp_next;      /* bump allocator from the bottom (HPTs, naturally aligned) */
    uint64_t hyp_top;       /* and from the top (small tables), so tables never
                               break the alignment run of the HPTs */
    uint64_t next_free_slot;
    uint64_t *freelist;     /* slots given back (LIFO), below next_free_slot */
    uint64_t nfree, capfree;
    physmem *pm;
    const memmap *mm;
} lmb_space;

int lmb_space_init(lmb_space *s, const memmap *mm, physmem *pm, uint64_t lmb_size,
                   uint64_t hyp_bytes, sim_err *e);
void lmb_space_free(lmb_space *s);

/* Allocate `bytes` of hypervisor memory aligned to `align` (power of two).
 * Returns the real address, or UINT64_MAX when hypervisor memory is full. */
uint64_t lmb_hyp_alloc(lmb_space *s, uint64_t bytes, uint64_t align);

/* The same from the top of hypervisor memory, downwards. */
uint64_t lmb_hyp_alloc_top(lmb_space *s, uint64_t bytes, uint64_t align);

/* Bytes a bump allocator needs for the given sequence of (size, align)
 * requests starting at 0 (used to size hypervisor memory up front). */
uint64_t lmb_plan(const uint64_t *sizes, const uint64_t *aligns, unsigned n);

/* Give `count` free slots to lpid and write its LMB table (count entries of
 * 8 bytes, at table_paddr). Returns 0 or -1 if not enough free slots. */
int lmb_assign(lmb_space *s, uint32_t lpid, uint64_t count, uint64_t table_paddr, sim_err *e);

/* The owner's logical LMB index of the slot holding real address ra, or
 * UINT64_MAX if lpid does not own that slot. */
static inline uint64_t lmb_index_of(const lmb_space *s, uint32_t lpid, uint64_t ra)
{
    uint64_t slot = ra / s->lmb_size;
    return slot < s->nslots && s->owner[slot] == lpid ? s->slot_lmb[slot] : UINT64_MAX;
}

/* Give slots back (LPAR termination): the LPAR's table is zeroed and the
 * slots go on the free list. 0, or -1 if out of host memory. */
int lmb_release(lmb_space *s, uint32_t lpid, uint64_t count, uint64_t table_paddr);

/* Take one free slot for lpid (free list first, then never-used slots);
 * returns its index or UINT64_MAX. */
uint64_t lmb_take(lmb_space *s, uint32_t lpid);
/* Give one slot back to the free list. 0 or -1 (host out of memory). */
int lmb_give(lmb_space *s, uint64_t slot);

/* Node of slot `slot` (that of its first byte). */
static inline unsigned lmb_slot_node(const lmb_space *s, uint64_t slot)
{
    return memmap_node_of(s->mm, slot * s->lmb_size);
}

/* Take one free slot on `node` for lpid: the newest such slot of the free
 * list, else the lowest never-used one (the never-used slots it skips go
 * on the free list so that lmb_take still hands them out in address
 * order). UINT64_MAX when the node has no free slot (or out of host
 * memory). */
uint64_t lmb_take_node(lmb_space *s, uint32_t lpid, unsigned node);

/* Hypervisor memory on one node (an HPT or a feature's pool placed
 * there): `bytes` rounded up to whole slots, the lowest run of never-used
 * slots all on `node` that starts at a multiple of `align` (a power of
 * two), owned by the hypervisor from now on (LMB_HYP: no LPAR can map
 * it). The run's real address, or UINT64_MAX when there is none. */
uint64_t lmb_hyp_alloc_node(lmb_space *s, uint64_t bytes, uint64_t align, unsigned node);

/* lmb_assign on home nodes: logical LMBs in blocks, per[j] of them on
 * nodes[j] in list order (sum = count); a block its node cannot hold goes
 * to the other home nodes in order, then to any node (lmb_take). */
int lmb_assign_home(lmb_space *s, uint32_t lpid, uint64_t count, uint64_t table_paddr,
                    const unsigned *nodes, const uint64_t *per, unsigned n, sim_err *e);

static inline uint64_t lmb_free_bytes(const lmb_space *s)
{
    return (s->nslots - s->next_free_slot + s->nfree) * s->lmb_size;
}

#ifdef __cplusplus
}
#endif
#endif
