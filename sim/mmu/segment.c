/*
 * segment.c - one LPAR's segment table: (context, ESID, segment size) ->
 * VSID, base page size and protection keys, the state an SLB miss refills
 * from. VSIDs are Linux's proto-VSID scramble (constants in hpt.h):
 * vsid = ((context << esid_bits) | esid) * 12538073 mod (2^vsid_bits - 1).
 * Storage: open-addressed hash table with linear probing and backward-shift
 * deletion; load factor kept <= 1/2; capacity a power of two.
 * Returned entry pointers stay valid until the next seg_map/seg_unmap.
 */
#include "mmu/hpt.h"

#include <assert.h>
#include <inttypes.h>
#include <stdlib.h>

typedef struct seg_slot {
    seg_entry e;
    bool used;
} seg_slot;

struct seg_table {
    seg_slot *slot;
    size_t cap; /* power of two */
    size_t n;
};

uint64_t seg_vsid(uint64_t context, uint64_t ea, bool seg_1t)
{
    unsigned sid = seg_1t ? 40 : 28;
    unsigned esid_bits = seg_1t ? SEG_ESID_BITS_1T : SEG_ESID_BITS_256M;
    unsigned vsid_bits = seg_1t ? SEG_VSID_BITS_1T : SEG_VSID_BITS_256M;
    if (context >= (1ULL << SEG_CONTEXT_BITS))
        return 0;
    uint64_t esid = ea >> sid;
    if (esid >= (1ULL << esid_bits))
        return 0;
    uint64_t proto = (context << esid_bits) | esid;
    /* proto < 2^40 and the multiplier < 2^24: the product fits in 64 bits */
    return proto * SEG_VSID_MULTIPLIER % ((1ULL << vsid_bits) - 1);
}

static size_t seg_hash(uint32_t context, uint64_t esid, bool seg_1t, size_t mask)
{
    uint64_t k = (esid << 20 | context) * 0x9e3779b97f4a7c15ULL ^ (seg_1t ? 0x5bd1e995ULL : 0);
    return (size_t)(k >> 17) & mask;
}

seg_table *seg_create(sim_err *e)
{
    seg_table *st = calloc(1, sizeof *st);
    if (st) {
        st->cap = 16;
        st->slot = calloc(st->cap, sizeof *st->slot);
    }
    if (!st || !st->slot) {
        free(st);
        sim_errf(e, "segment table: out of memory");
        return NULL;
    }
    return st;
}

void seg_destroy(seg_table *st)
{
    if (!st)
        return;
    free(st->slot);
    free(st);
}

static seg_slot *seg_find(const seg_table *st, uint32_t context, uint64_t esid, bool seg_1t)
{
    size_t mask = st->cap - 1;
    for (size_t i = seg_hash(context, esid, seg_1t, mask);; i = (i + 1) & mask) {
        seg_slot *s = &st->slot[i];
        if (!s->used)
            return NULL;
        if (s->e.esid == esid && s->e.context == context && s->e.seg_1t == seg_1t)
            return s;
    }
}

static seg_slot *seg_place(seg_table *st, const seg_entry *e)
{
    size_t mask = st->cap - 1;
    size_t i = seg_hash(e->context, e->esid, e->seg_1t, mask);
    while (st->slot[i].used)
        i = (i + 1) & mask;
    st->slot[i].e = *e;
    st->slot[i].used = true;
    return &st->slot[i];
}

static int seg_grow(seg_table *st)
{
    seg_slot *old = st->slot;
    size_t ocap = st->cap;
    seg_slot *ns = calloc(ocap * 2, sizeof *ns);
    if (!ns)
        return -1;
    st->slot = ns;
    st->cap = ocap * 2;
    for (size_t i = 0; i < ocap; i++)
        if (old[i].used)
            seg_place(st, &old[i].e);
    free(old);
    return 0;
}

const seg_entry *seg_map(seg_table *st, uint32_t context, uint64_t ea, bool seg_1t,
                         hpt_psize base, unsigned ks, unsigned kp, sim_err *e)
{
    assert(st && base < PSZ_COUNT && ks < 2 && kp < 2);
    uint64_t vsid = seg_vsid(context, ea, seg_1t);
    if (vsid == 0) {
        sim_errf(e, "segment table: context %" PRIu32 " / ea 0x%" PRIx64 " out of range; "
                 "expected context < 2^%d and ea < 2^%d", context, ea, SEG_CONTEXT_BITS,
                 seg_1t ? SEG_ESID_BITS_1T + 40 : SEG_ESID_BITS_256M + 28);
        return NULL;
    }
    seg_entry ne = {.esid = ea >> (seg_1t ? 40 : 28), .vsid = vsid, .context = context,
                    .seg_1t = seg_1t, .base_psize = (uint8_t)base,
                    .ks = (uint8_t)ks, .kp = (uint8_t)kp};
    seg_slot *s = seg_find(st, context, ne.esid, seg_1t);
    if (s) {
        s->e = ne;
        return &s->e;
    }
    if ((st->n + 1) * 2 > st->cap && seg_grow(st) < 0) {
        sim_errf(e, "segment table: out of memory");
        return NULL;
    }
    st->n++;
    return &seg_place(st, &ne)->e;
}

const seg_entry *seg_lookup(const seg_table *st, uint32_t context, uint64_t ea)
{
    seg_slot *s = seg_find(st, context, ea >> 28, false);
    if (!s)
        s = seg_find(st, context, ea >> 40, true);
    return s ? &s->e : NULL;
}

bool seg_unmap(seg_table *st, uint32_t context, uint64_t ea, bool seg_1t)
{
    seg_slot *s = seg_find(st, context, ea >> (seg_1t ? 40 : 28), seg_1t);
    if (!s)
        return false;
    size_t mask = st->cap - 1;
    size_t hole = (size_t)(s - st->slot);
    st->slot[hole].used = false;
    st->n--;
    /* backward-shift: move later members of the run into the hole when
     * their home position does not lie cyclically in (hole, j] */
    for (size_t j = (hole + 1) & mask; st->slot[j].used; j = (j + 1) & mask) {
        const seg_entry *x = &st->slot[j].e;
        size_t home = seg_hash(x->context, x->esid, x->seg_1t, mask);
        bool stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
        if (stays)
            continue;
        st->slot[hole] = st->slot[j];
        st->slot[j].used = false;
        hole = j;
    }
    return true;
}

size_t seg_count(const seg_table *st)
{
    return st->n;
}
