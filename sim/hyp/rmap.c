/*
 * rmap.c - the core's reverse map (see rmap.h): a u64chain of HPTE slots
 * (key lpid << 42 | ptex) grouped by the 4K real page they map, plus the
 * charged accesses to its tables in hypervisor memory.
 */
#include <stdlib.h>

#include "core/u64chain.h"
#include "hyp_int.h"
#include "rmap_int.h"

struct hyp_rmap {
    hyp *h;
    bool charged;
    u64chain c;
};

uint64_t hyp_rmap_lpar_bytes(uint64_t memory, uint64_t hpt_bytes)
{
    return memory / 4096 * 8 + hpt_bytes;
}

hyp_rmap *hyp_rmap_create(hyp *h, bool charged)
{
    hyp_rmap *r = calloc(1, sizeof *r);
    if (r) {
        r->h = h;
        r->charged = charged;
        u64chain_init(&r->c);
    }
    return r;
}

void hyp_rmap_destroy(hyp_rmap *r)
{
    if (!r)
        return;
    u64chain_free(&r->c);
    free(r);
}

hyp_rmap *hyp_get_rmap(hyp *h) { return h->rmap; }
bool hyp_rmap_charged(const hyp_rmap *r) { return r->charged; }

static uint64_t node_key(unsigned lpid, uint64_t ptex)
{
    return (uint64_t)lpid << 42 | ptex;
}

/* Modeled address of the head word of real page `page` (owner's table). */
static uint64_t head_addr(const hyp *h, uint64_t page)
{
    uint64_t ra = page << 12, lsz = h->cfg.lmb_size;
    uint64_t slot = ra / lsz;
    uint32_t owner = slot < h->lmb.nslots ? h->lmb.owner[slot] : LMB_FREE;
    if (owner >= h->nlpars)
        return UINT64_MAX;
    uint64_t la = lmb_index_of(&h->lmb, owner, ra) * lsz + ra % lsz;
    return h->lpars[owner]->rmap_paddr + la / 4096 * 8;
}

static uint64_t revmap_addr(const hyp *h, uint64_t key)
{
    unsigned lpid = (unsigned)(key >> 42);
    uint64_t ptex = key & ((1ull << 42) - 1);
    return h->lpars[lpid]->rmap_paddr + h->lpars[lpid]->memory / 4096 * 8 + 16 * ptex;
}

static void mem(hcall_ctx *x, uint64_t paddr, uint32_t size, mem_kind k)
{
    if (x)
        hcall_mem(x, paddr, size, k);
}

static void steps(hcall_ctx *x, uint64_t n)
{
    if (x)
        hcall_steps(x, n);
}

int hyp_rmap_insert(hyp_rmap *r, hcall_ctx *c, unsigned lpid, uint64_t ptex, uint64_t real)
{
    hcall_ctx *x = r->charged ? c : NULL;
    const hyp *h = r->h;
    uint64_t page = real >> 12, key = node_key(lpid, ptex);
    uint64_t ha = head_addr(h, page);
    if (ha != UINT64_MAX)
        mem(x, ha, 8, MEM_READ);
    steps(x, 2);
    mem(x, revmap_addr(h, key), 16, MEM_WRITE);
    uint32_t first;
    if (u64chain_link(&r->c, key, page, lpid, &first) != 0)
        return -1;
    if (first != U64CHAIN_NIL) /* the old first node's back link */
        mem(x, revmap_addr(h, u64chain_at(&r->c, first)->key), 16, MEM_WRITE);
    if (ha != UINT64_MAX)
        mem(x, ha, 8, MEM_WRITE);
    return 0;
}

void hyp_rmap_remove(hyp_rmap *r, hcall_ctx *c, unsigned lpid, uint64_t ptex)
{
    hcall_ctx *x = r->charged ? c : NULL;
    const hyp *h = r->h;
    uint64_t key = node_key(lpid, ptex);
    u64chain_node n;
    if (!u64chain_unlink(&r->c, key, &n))
        return;
    mem(x, revmap_addr(h, key), 16, MEM_READ);
    steps(x, 2);
    if (n.prev != U64CHAIN_NIL) {
        mem(x, revmap_addr(h, u64chain_at(&r->c, n.prev)->key), 16, MEM_WRITE);
    } else {
        uint64_t ha = head_addr(h, n.group);
        if (ha != UINT64_MAX)
            mem(x, ha, 8, MEM_WRITE);
    }
    if (n.next != U64CHAIN_NIL)
        mem(x, revmap_addr(h, u64chain_at(&r->c, n.next)->key), 16, MEM_WRITE);
}

int hyp_rmap_find(hyp_rmap *r, hcall_ctx *x, const hyp_target *t, hyp_hits *out,
                  uint64_t *walked)
{
    const hyp *h = r->h;
    for (unsigned k = 0; k < t->n; k++) {
        uint64_t first = t->r[k].base >> 12, last = (t->r[k].base + t->r[k].len - 1) >> 12;
        for (uint64_t p = first; p <= last; p++) {
            uint64_t ha = head_addr(h, p);
            if (ha != UINT64_MAX)
                mem(x, ha, 8, MEM_READ);
            steps(x, 1);
            for (uint32_t i = u64chain_first(&r->c, p); i != U64CHAIN_NIL;
                 i = u64chain_at(&r->c, i)->next) {
                const u64chain_node *n = u64chain_at(&r->c, i);
                mem(x, revmap_addr(h, n->key), 16, MEM_READ);
                steps(x, 1);
                if (walked)
                    ++*walked;
                unsigned lpid = (unsigned)(n->key >> 42);
                if (hyp_target_wants(t, lpid) &&
                    hyp_hits_push(out, lpid, n->key & ((1ull << 42) - 1)) != 0)
                    return -1;
            }
        }
    }
    hyp_hits_sort(out);
    return 0;
}
