/*
 * strategy_rmap.c - a per-physical-page reverse map of HPTE indices, the
 * way KVM keeps one (book3s_64_mmu_hv): a head word per 4K logical page of
 * each LPAR (8 B) and, per HPTE slot, a revmap entry {forw, back} (16 B)
 * linking every HPTE that maps the same real page into one chain. H_ENTER
 * links the new entry at the chain's front, H_REMOVE unlinks it: O(1) each,
 * charged to the map path. The search reads the head of every 4K page of
 * the target and follows its chain; it never reads an HPT it does not need.
 * Tables in hypervisor memory, per LPAR at its strategy address: heads
 * (memory / 4K x 8 B), then the revmap (16 B per HPTE slot, as large as the
 * HPT). A shared page's chain hangs off its owner's (the server's) head.
 * Invariant: the chain of a real page lists exactly the valid HPTEs (of any
 * LPAR) whose page starts there.
 */
#include <stdlib.h>

#include "smr_int.h"

#define NIL UINT32_MAX

typedef struct rm_node {
    uint64_t key;        /* lpid << 42 | ptex */
    uint64_t page;       /* real >> 12 of the mapped page */
    uint32_t prev, next; /* node indices, NIL-terminated */
} rm_node;

typedef struct rm_state {
    smr *s;
    u64map heads;        /* real >> 12 -> first node */
    u64map nodes;        /* key -> node */
    rm_node *v;
    uint32_t n, cap, free_head;
} rm_state;

static uint64_t rm_lpar_bytes(const smr_config *c, uint64_t lmb, uint64_t mem, uint64_t hpt)
{
    (void)c, (void)lmb;
    return mem / 4096 * 8 + hpt;
}

static uint64_t rm_global_bytes(const smr_config *c)
{
    (void)c;
    return 0;
}

static void *rm_create(smr *s)
{
    rm_state *st = calloc(1, sizeof *st);
    if (st) {
        st->s = s;
        u64map_init(&st->heads);
        u64map_init(&st->nodes);
        st->free_head = NIL;
    }
    return st;
}

static void rm_destroy(void *vst)
{
    rm_state *st = vst;
    u64map_free(&st->heads);
    u64map_free(&st->nodes);
    free(st->v);
    free(st);
}

static uint64_t node_key(unsigned lpid, uint64_t ptex)
{
    return (uint64_t)lpid << 42 | ptex;
}

/* Modeled address of the head word of real page `page` (owner's table). */
static uint64_t head_addr(const smr *s, uint64_t page)
{
    uint64_t ra = page << 12;
    uint32_t owner = smr_slot_owner(s, ra);
    if (owner >= s->nlp)
        return UINT64_MAX;
    uint64_t lmb = smr_lmb_index(s, owner, ra);
    uint64_t la = lmb * s->h->cfg.lmb_size + ra % s->h->cfg.lmb_size;
    return s->lp[owner].strat_paddr + la / 4096 * 8;
}

static uint64_t revmap_addr(const smr *s, uint64_t key)
{
    unsigned lpid = (unsigned)(key >> 42);
    uint64_t ptex = key & ((1ull << 42) - 1);
    return s->lp[lpid].strat_paddr + s->h->lpars[lpid].memory / 4096 * 8 + 16 * ptex;
}

static int rm_on_insert(void *vst, smr_exec *x, unsigned lpid, uint64_t ptex, uint64_t real)
{
    rm_state *st = vst;
    smr *s = st->s;
    uint32_t i;
    if (st->free_head != NIL) {
        i = st->free_head;
        st->free_head = st->v[i].next;
    } else {
        if (st->n == st->cap) {
            uint32_t cap = st->cap ? 2 * st->cap : 1024;
            rm_node *v = realloc(st->v, cap * sizeof *v);
            if (!v)
                return -1;
            st->v = v;
            st->cap = cap;
        }
        i = st->n++;
    }
    uint64_t page = real >> 12, key = node_key(lpid, ptex);
    uint64_t *h = u64map_get(&st->heads, page);
    uint64_t ha = head_addr(s, page);
    if (ha != UINT64_MAX)
        smr_mem(x, ha, 8, MEM_READ);
    smr_steps(x, 2);
    smr_mem(x, revmap_addr(s, key), 16, MEM_WRITE);
    st->v[i] = (rm_node){key, page, NIL, NIL};
    if (h) {
        /* link at the head's front: update the old first node's back */
        uint32_t first = (uint32_t)*h;
        smr_mem(x, revmap_addr(s, st->v[first].key), 16, MEM_WRITE);
        st->v[i].next = first;
        st->v[first].prev = i;
        *h = i;
    } else if (u64map_put(&st->heads, page, i) != 0) {
        return -1;
    }
    if (ha != UINT64_MAX)
        smr_mem(x, ha, 8, MEM_WRITE);
    return u64map_put(&st->nodes, key, i);
}

static void rm_on_remove(void *vst, smr_exec *x, unsigned lpid, uint64_t ptex, uint64_t real)
{
    rm_state *st = vst;
    smr *s = st->s;
    (void)real;
    uint64_t key = node_key(lpid, ptex), iv;
    if (!u64map_del(&st->nodes, key, &iv))
        return;
    uint32_t i = (uint32_t)iv;
    rm_node *n = &st->v[i];
    smr_mem(x, revmap_addr(s, key), 16, MEM_READ);
    smr_steps(x, 2);
    if (n->prev != NIL) {
        smr_mem(x, revmap_addr(s, st->v[n->prev].key), 16, MEM_WRITE);
        st->v[n->prev].next = n->next;
    } else {
        uint64_t ha = head_addr(s, n->page);
        if (ha != UINT64_MAX)
            smr_mem(x, ha, 8, MEM_WRITE);
        if (n->next != NIL)
            u64map_put(&st->heads, n->page, n->next);
        else
            u64map_del(&st->heads, n->page, NULL);
    }
    if (n->next != NIL) {
        smr_mem(x, revmap_addr(s, st->v[n->next].key), 16, MEM_WRITE);
        st->v[n->next].prev = n->prev;
    }
    n->next = st->free_head;
    st->free_head = i;
}

static int rm_find(void *vst, smr_exec *x, const smr_target *t, smr_hits *out)
{
    rm_state *st = vst;
    smr *s = st->s;
    for (unsigned r = 0; r < t->n; r++) {
        uint64_t first = t->r[r].base >> 12, last = (t->r[r].base + t->r[r].len - 1) >> 12;
        for (uint64_t p = first; p <= last; p++) {
            uint64_t ha = head_addr(s, p);
            if (ha != UINT64_MAX)
                smr_mem(x, ha, 8, MEM_READ);
            smr_steps(x, 1);
            uint64_t *h = u64map_get(&st->heads, p);
            for (uint32_t i = h ? (uint32_t)*h : NIL; i != NIL; i = st->v[i].next) {
                smr_mem(x, revmap_addr(s, st->v[i].key), 16, MEM_READ);
                smr_steps(x, 1);
                if (x)
                    s->stt.rmap_entries_walked++;
                unsigned lpid = (unsigned)(st->v[i].key >> 42);
                if (smr_target_wants(t, lpid) &&
                    smr_hits_push(out, lpid, st->v[i].key & ((1ull << 42) - 1)) != 0)
                    return -1;
            }
        }
    }
    smr_hits_sort(out);
    return 0;
}

const smr_strategy_ops smr_rmap_ops = {
    .name = "rmap",
    .lpar_bytes = rm_lpar_bytes,
    .global_bytes = rm_global_bytes,
    .create = rm_create,
    .destroy = rm_destroy,
    .on_insert = rm_on_insert,
    .on_remove = rm_on_remove,
    .find = rm_find,
};
