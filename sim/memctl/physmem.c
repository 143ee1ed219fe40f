/*
 * physmem.c - sparse physical memory: 64 KiB chunks in an open-addressing
 * hash table (linear probing, backward-shift deletion, power-of-two capacity,
 * load <= 1/2) keyed by chunk number, plus a one-entry cache of the last
 * chunk looked up (which may record "absent", as a NULL data pointer).
 * Chunk data come from 2 MiB slabs (hostmem: huge pages, so that reads
 * scattered over large tables such as HPTs do not also miss the host TLB;
 * the first slab on small pages, as a short run touches few of its pages);
 * a released chunk goes to a free list and is zeroed when reused.
 * Invariants: every slot key is a chunk number or PM_EMPTY; each present
 * chunk is reachable from its home slot without crossing an empty slot;
 * last_key/last_data always agree with the table; a chunk is in use, on the
 * free list, or in the current slab past slab_used, exactly once.
 */
#include "physmem.h"

#include "core/hostmem.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#define PM_EMPTY UINT64_MAX
#define PM_WORDS (PHYSMEM_CHUNK_BYTES / 8u)
#define PM_MIN_BITS 6u
#define PM_SLAB_CHUNKS (HOSTMEM_HUGE / PHYSMEM_CHUNK_BYTES)

typedef struct pm_slot {
    uint64_t key;
    uint64_t *data;
} pm_slot;

/* Where chunk data come from (with the store's size limit, kept here so
 * that struct physmem, whose size physmem_bytes_allocated() reports, does
 * not grow with the allocator). */
typedef struct pm_pool {
    uint64_t limit;      /* 0 = unbounded */
    uint64_t **slabs;    /* nslabs slabs of PM_SLAB_CHUNKS chunks */
    size_t nslabs, slab_cap;
    size_t slab_used;    /* chunks handed out from the last slab */
    uint64_t *free_list; /* released chunks, linked through their first word */
} pm_pool;

struct physmem {
    pm_pool *pool;
    pm_slot *tab;
    unsigned bits;       /* capacity = 1 << bits */
    uint64_t n;          /* present chunks */
    uint64_t last_key;   /* PM_EMPTY when the cache is empty */
    uint64_t *last_data; /* NULL: last_key is absent */
};

/* A zeroed chunk: from the free list, else the last slab, else a new one. */
static uint64_t *pm_chunk_alloc(physmem *pm_)
{
    pm_pool *pm = pm_->pool;
    uint64_t *d = pm->free_list;
    if (d) {
        pm->free_list = (uint64_t *)(uintptr_t)d[0];
        memset(d, 0, PHYSMEM_CHUNK_BYTES);
        return d;
    }
    if (!pm->nslabs || pm->slab_used == PM_SLAB_CHUNKS) {
        if (pm->nslabs == pm->slab_cap) {
            size_t cap = pm->slab_cap ? pm->slab_cap * 2 : 16;
            uint64_t **ns = realloc(pm->slabs, cap * sizeof *ns);
            if (!ns)
                return NULL;
            pm->slabs = ns;
            pm->slab_cap = cap;
        }
        /* zeroed; the first slab on small pages: a short run touches a few
         * of its pages, and the huge page's zeroing would cost more */
        uint64_t *slab = pm->nslabs ? hostmem_alloc(HOSTMEM_HUGE)
                                    : hostmem_alloc_plain(HOSTMEM_HUGE);
        if (!slab)
            return NULL;
        pm->slabs[pm->nslabs++] = slab;
        pm->slab_used = 0;
    }
    return pm->slabs[pm->nslabs - 1] + pm->slab_used++ * PM_WORDS;
}

static void pm_chunk_release(physmem *pm, uint64_t *d)
{
    d[0] = (uint64_t)(uintptr_t)pm->pool->free_list;
    pm->pool->free_list = d;
}

static inline size_t pm_home(uint64_t key, unsigned bits)
{
    return (size_t)((key * 0x9E3779B97F4A7C15ull) >> (64u - bits));
}

static pm_slot *pm_alloc_table(unsigned bits)
{
    size_t cap = (size_t)1 << bits;
    pm_slot *t = malloc(cap * sizeof *t);
    if (!t)
        return NULL;
    for (size_t i = 0; i < cap; i++) {
        t[i].key = PM_EMPTY;
        t[i].data = NULL;
    }
    return t;
}

physmem *physmem_create(uint64_t size_bytes)
{
    physmem *pm = calloc(1, sizeof *pm);
    if (pm && !(pm->pool = calloc(1, sizeof *pm->pool))) {
        free(pm);
        pm = NULL;
    }
    if (!pm)
        return NULL;
    pm->pool->limit = size_bytes;
    pm->bits = PM_MIN_BITS;
    pm->tab = pm_alloc_table(pm->bits);
    if (!pm->tab) {
        free(pm->pool);
        free(pm);
        return NULL;
    }
    pm->last_key = PM_EMPTY;
    return pm;
}

void physmem_destroy(physmem *pm)
{
    if (!pm)
        return;
    for (size_t i = 0; i < pm->pool->nslabs; i++)
        hostmem_free(pm->pool->slabs[i], HOSTMEM_HUGE);
    free(pm->pool->slabs);
    free(pm->pool);
    free(pm->tab);
    free(pm);
}

/* Data of chunk `key`, or NULL if absent (the table only). */
static uint64_t *pm_lookup(const physmem *pm, uint64_t key)
{
    size_t mask = ((size_t)1 << pm->bits) - 1;
    for (size_t i = pm_home(key, pm->bits);; i = (i + 1) & mask) {
        if (pm->tab[i].key == key)
            return pm->tab[i].data;
        if (pm->tab[i].key == PM_EMPTY)
            return NULL;
    }
}

/* Data of chunk `key`, or NULL if absent; refreshes the last-chunk cache. */
static uint64_t *pm_find(physmem *pm, uint64_t key)
{
    if (key == pm->last_key)
        return pm->last_data;
    uint64_t *d = pm_lookup(pm, key);
    pm->last_key = key;
    pm->last_data = d;
    return d;
}

static void pm_put(pm_slot *tab, unsigned bits, uint64_t key, uint64_t *data)
{
    size_t mask = ((size_t)1 << bits) - 1;
    size_t i = pm_home(key, bits);
    while (tab[i].key != PM_EMPTY)
        i = (i + 1) & mask;
    tab[i].key = key;
    tab[i].data = data;
}

static int pm_grow(physmem *pm)
{
    unsigned nb = pm->bits + 1;
    pm_slot *nt = pm_alloc_table(nb);
    if (!nt)
        return -1;
    size_t cap = (size_t)1 << pm->bits;
    for (size_t i = 0; i < cap; i++)
        if (pm->tab[i].key != PM_EMPTY)
            pm_put(nt, nb, pm->tab[i].key, pm->tab[i].data);
    free(pm->tab);
    pm->tab = nt;
    pm->bits = nb;
    return 0;
}

/* Data of chunk `key`, allocating a zeroed chunk if absent; NULL on OOM. */
static uint64_t *pm_get(physmem *pm, uint64_t key)
{
    uint64_t *d = pm_find(pm, key);
    if (d)
        return d;
    if ((pm->n + 1) * 2 > ((uint64_t)1 << pm->bits) && pm_grow(pm) != 0)
        return NULL;
    d = pm_chunk_alloc(pm);
    if (!d)
        return NULL;
    pm_put(pm->tab, pm->bits, key, d);
    pm->n++;
    pm->last_key = key;
    pm->last_data = d;
    return d;
}

/* Remove chunk `key` if present (backward-shift deletion). */
static void pm_remove(physmem *pm, uint64_t key)
{
    size_t mask = ((size_t)1 << pm->bits) - 1;
    size_t i = pm_home(key, pm->bits);
    while (pm->tab[i].key != key) {
        if (pm->tab[i].key == PM_EMPTY)
            return;
        i = (i + 1) & mask;
    }
    pm_chunk_release(pm, pm->tab[i].data);
    pm->n--;
    for (size_t j = (i + 1) & mask; pm->tab[j].key != PM_EMPTY; j = (j + 1) & mask) {
        size_t h = pm_home(pm->tab[j].key, pm->bits);
        /* move j into the hole at i if its home is not in (i, j] */
        if (((j - h) & mask) >= ((j - i) & mask)) {
            pm->tab[i] = pm->tab[j];
            i = j;
        }
    }
    pm->tab[i].key = PM_EMPTY;
    pm->tab[i].data = NULL;
    if (pm->last_key == key)
        pm->last_data = NULL;
}

static inline void pm_check(const physmem *pm, uint64_t paddr, uint64_t len)
{
    assert((paddr & 7u) == 0 && (len & 7u) == 0);
    assert(paddr <= INT64_MAX && len <= INT64_MAX - paddr);
    assert(pm->pool->limit == 0 ||
           (paddr <= pm->pool->limit && len <= pm->pool->limit - paddr));
    (void)pm;
    (void)paddr;
    (void)len;
}

uint64_t physmem_read64(physmem *pm, uint64_t paddr)
{
    pm_check(pm, paddr, 8);
    uint64_t key = paddr >> PHYSMEM_CHUNK_SHIFT;
    const uint64_t *d = key == pm->last_key ? pm->last_data : pm_find(pm, key);
    return d ? d[(paddr >> 3) & (PM_WORDS - 1)] : 0;
}

void physmem_prefetch(const physmem *pm, uint64_t paddr)
{
    uint64_t key = paddr >> PHYSMEM_CHUNK_SHIFT;
    const uint64_t *d = key == pm->last_key ? pm->last_data : pm_lookup(pm, key);
    if (d)
        __builtin_prefetch(d + ((paddr >> 3) & (PM_WORDS - 1)));
}

int physmem_write64(physmem *pm, uint64_t paddr, uint64_t value)
{
    pm_check(pm, paddr, 8);
    uint64_t key = paddr >> PHYSMEM_CHUNK_SHIFT;
    uint64_t *d = key == pm->last_key && pm->last_data ? pm->last_data : NULL;
    if (!d) {
        if (!value && !pm_find(pm, key))
            return 0; /* writing zero to unwritten memory changes nothing */
        d = pm_get(pm, key);
        if (!d)
            return -1;
    }
    d[(paddr >> 3) & (PM_WORDS - 1)] = value;
    return 0;
}

void physmem_zero(physmem *pm, uint64_t paddr, uint64_t len)
{
    pm_check(pm, paddr, len);
    while (len) {
        uint64_t key = paddr >> PHYSMEM_CHUNK_SHIFT;
        uint64_t off = paddr & (PHYSMEM_CHUNK_BYTES - 1);
        uint64_t n = PHYSMEM_CHUNK_BYTES - off;
        if (n > len)
            n = len;
        if (n == PHYSMEM_CHUNK_BYTES) {
            pm_remove(pm, key);
        } else {
            uint64_t *d = pm_find(pm, key);
            if (d)
                memset((char *)d + off, 0, (size_t)n);
        }
        paddr += n;
        len -= n;
    }
}

int physmem_copy(physmem *pm, uint64_t dst, uint64_t src, uint64_t len)
{
    pm_check(pm, dst, len);
    pm_check(pm, src, len);
    assert(dst + len <= src || src + len <= dst || len == 0);
    while (len) {
        uint64_t so = src & (PHYSMEM_CHUNK_BYTES - 1);
        uint64_t doff = dst & (PHYSMEM_CHUNK_BYTES - 1);
        uint64_t n = PHYSMEM_CHUNK_BYTES - (so > doff ? so : doff);
        if (n > len)
            n = len;
        uint64_t *s = pm_find(pm, src >> PHYSMEM_CHUNK_SHIFT);
        uint64_t *d = pm_find(pm, dst >> PHYSMEM_CHUNK_SHIFT);
        if (s) {
            if (!d) {
                d = pm_get(pm, dst >> PHYSMEM_CHUNK_SHIFT);
                if (!d)
                    return -1;
            }
            memcpy((char *)d + doff, (const char *)s + so, (size_t)n);
        } else if (d) {
            memset((char *)d + doff, 0, (size_t)n);
        }
        src += n;
        dst += n;
        len -= n;
    }
    return 0;
}

uint64_t physmem_bytes_allocated(const physmem *pm)
{
    return pm->n * PHYSMEM_CHUNK_BYTES +
           ((uint64_t)1 << pm->bits) * sizeof(pm_slot) + sizeof *pm;
}

uint64_t physmem_chunks(const physmem *pm) { return pm->n; }

const uint64_t *physmem_chunk(physmem *pm, uint64_t paddr)
{
    pm_check(pm, paddr, 8);
    return pm_find(pm, paddr >> PHYSMEM_CHUNK_SHIFT);
}
