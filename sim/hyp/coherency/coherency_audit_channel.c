/*
 * coherency_audit_channel.c - the auditor's checks of the patch channels
 * (strategy patch-channel; design note invariants I3-I5). They read the
 * channels' memory themselves (the format of channel_int.h, from physmem) and
 * the HPT stores (the auditor's HPTE-write listener), and trust the
 * strategy only to say what it did:
 *  I3 conservation: for each LPAR, the (translation, consumer) pairs its
 *     changes produced = applied + coalesced + covered by a fallback +
 *     pending, where pending is counted in the channels' memory (in-use
 *     patches), and each channel's in-use patches are exactly its ring
 *     [head, tail); a channel's pending bit is set iff it is not empty, a
 *     consumer's summary bit iff its pending line is not zero;
 *  I4 ordering: a patch is published only for a translation whose primary
 *     (HPTE) was stored since the previous produce step, and the primary
 *     is not stored again after its patch was published in the same step;
 *  I5 overflow: when a fallback is done, no thread's TLB (running the LPAR
 *     or not) holds the translation against the HPT.
 * (I1, no stale use at a dispatch or after a step, is coherency_audit.c's.)
 * Memory is recounted only for the channels touched since the last check.
 */
#include <stdio.h>
#include <stdlib.h>

#include "channel_int.h"
#include "core/u64map.h"

typedef struct pa_lpar {
    uint64_t written, coalesced, covered, applied; /* what the strategy said it did */
    uint32_t *count;   /* per channel (consumer-major): in-use patches found in memory */
    uint64_t in_memory;
    uint32_t *dirty;   /* channels touched since the last check */
    uint8_t *is_dirty;
    unsigned ndirty;
} pa_lpar;

struct pc_audit {
    coh *k;
    uint64_t seq;     /* order of HPTE stores and publishes */
    u64map written;   /* translation key -> seq of its last primary store */
    u64map last;      /* HPTE address -> key of the translation it held last */
    u64map published; /* translation key -> seq of its first publish in this step */
    pa_lpar **lp;
    unsigned nlp;
};

pc_audit *pc_audit_create(coh *k)
{
    pc_audit *a = calloc(1, sizeof *a);
    if (!a)
        return NULL;
    a->k = k;
    u64map_init(&a->written);
    u64map_init(&a->last);
    u64map_init(&a->published);
    return a;
}

void pc_audit_destroy(pc_audit *a)
{
    if (!a)
        return;
    for (unsigned i = 0; i < a->nlp; i++)
        if (a->lp[i]) {
            free(a->lp[i]->count);
            free(a->lp[i]->dirty);
            free(a->lp[i]->is_dirty);
            free(a->lp[i]);
        }
    free(a->lp);
    u64map_free(&a->written);
    u64map_free(&a->last);
    u64map_free(&a->published);
    free(a);
}

static void oom(pc_audit *a)
{
    coh_audit_violation(a->k, "out of host memory for the channel auditor");
}

void pc_audit_hpte_written(pc_audit *a, uint64_t addr, uint64_t was, uint64_t now)
{
    a->seq++;
    if (was == UINT64_MAX) {
        const uint64_t *l = u64map_get(&a->last, addr);
        was = l ? *l : UINT64_MAX;
    }
    int rc = 0;
    if (was != UINT64_MAX)
        rc |= u64map_put(&a->written, was, a->seq);
    if (now != UINT64_MAX)
        rc |= u64map_put(&a->written, now, a->seq) | u64map_put(&a->last, addr, now);
    else if (was != UINT64_MAX)
        rc |= u64map_put(&a->last, addr, was); /* a removed slot keeps its last key */
    if (rc)
        oom(a);
}

static pa_lpar *pa_of(pc_audit *a, unsigned lpid)
{
    if (lpid >= a->nlp) {
        pa_lpar **v = realloc(a->lp, (lpid + 1) * sizeof *v);
        if (!v)
            return NULL;
        for (unsigned i = a->nlp; i <= lpid; i++)
            v[i] = NULL;
        a->lp = v;
        a->nlp = lpid + 1;
    }
    if (!a->lp[lpid]) {
        const pc_layout *L = pc_layout_of(a->k, lpid);
        if (!L)
            return NULL;
        uint64_t nch = (uint64_t)L->threads * L->threads;
        pa_lpar *p = calloc(1, sizeof *p);
        if (!p)
            return NULL;
        p->count = calloc(nch, sizeof *p->count);
        p->dirty = malloc(nch * sizeof *p->dirty);
        p->is_dirty = calloc(nch, 1);
        a->lp[lpid] = p;
        if (!p->count || !p->dirty || !p->is_dirty)
            return NULL;
    }
    return a->lp[lpid];
}

static void touch(pa_lpar *p, const pc_layout *L, unsigned prod, unsigned cons)
{
    uint32_t ch = cons * L->threads + prod;
    if (!p->is_dirty[ch]) {
        p->is_dirty[ch] = 1;
        p->dirty[p->ndirty++] = ch;
    }
}

void coh_audit_pc_event(coh *k, pc_event ev, unsigned lpid, unsigned p, unsigned c,
                        uint64_t key)
{
    pc_audit *a = coh_audit_pc(k);
    if (!a)
        return;
    pa_lpar *pa = pa_of(a, lpid);
    if (!pa) {
        oom(a);
        return;
    }
    const pc_layout *L = pc_layout_of(k, lpid);
    touch(pa, L, p, c);
    if (ev == PC_EV_COVERED) {
        pa->covered++;
        return;
    }
    if (ev == PC_EV_WRITTEN)
        pa->written++;
    else
        pa->coalesced++;
    if (key == PC_FLUSH_KEY)
        return; /* the whole HPT was stored (a wipe) */
    a->seq++;
    uint64_t t = coh_audit_tkey(lpid, key >> 2, (unsigned)(key & 3));
    if (!u64map_get(&a->written, t)) {
        char m[SIM_ERR_MAX];
        snprintf(m, sizeof m, "thread %u published a patch for thread %u (LPAR %s, vpn 0x%llx) "
                              "whose primary was not written before it: no HPTE store of that "
                              "translation since the previous produce step",
                 p, c, hyp_lpar_name(k->h, lpid), (unsigned long long)(key >> 2));
        coh_audit_violation(k, m);
        return;
    }
    if (!u64map_get(&a->published, t) && u64map_put(&a->published, t, a->seq) != 0)
        oom(a);
}

void coh_audit_pc_applied(coh *k, unsigned lpid, unsigned p, unsigned c, uint64_t n)
{
    pc_audit *a = coh_audit_pc(k);
    pa_lpar *pa = a ? pa_of(a, lpid) : NULL;
    if (!pa)
        return;
    pa->applied += n;
    touch(pa, pc_layout_of(k, lpid), p, c);
}

void coh_audit_pc_fallback(coh *k, unsigned lpid, uint64_t vpn, unsigned psize, uint64_t at)
{
    char when[96];
    snprintf(when, sizeof when, "after the overflow fallback at cycle %llu",
             (unsigned long long)at);
    coh_audit_key_everywhere(k, lpid, vpn, psize, when);
}

void coh_audit_pc_step_end(coh *k)
{
    pc_audit *a = coh_audit_pc(k);
    if (!a)
        return;
    const u64map_slot *s;
    for (size_t i = 0; !k->failed && u64map_next(&a->published, &i, &s);) {
        const uint64_t *w = u64map_get(&a->written, s->key);
        if (w && *w > s->val)
            coh_audit_violation(k, "a primary (HPTE) was stored again after its patch was "
                                   "published in the same produce step: a consumer could "
                                   "drain the patch and reload the old translation");
    }
    u64map_clear(&a->published);
    u64map_clear(&a->written);
}

/* Recount channel ch of lpid from memory; false (a violation raised) if
 * its ring and in-use flags disagree. */
static bool recount(coh *k, pa_lpar *pa, const pc_layout *L, unsigned lpid, uint32_t ch,
                    const char *when)
{
    physmem *pm = k->h->env.pm;
    unsigned prod = ch % L->threads, cons = ch / L->threads;
    uint64_t chan = pc_chan_addr(L, prod, cons);
    uint64_t head = physmem_read64(pm, chan), tail = physmem_read64(pm, chan + 8), n = 0;
    bool ring_ok = tail - head <= L->patches;
    for (uint64_t s = 0; s < L->patches; s++) {
        bool used = physmem_read64(pm, pc_patch_addr(L, prod, cons, s)) == L->ptba;
        bool in_ring = (s + L->patches - head % L->patches) % L->patches < tail - head;
        n += used;
        ring_ok &= used == in_ring;
    }
    uint64_t pend = physmem_read64(pm, pc_pending_addr(L, cons) + (prod / 64) * 8);
    bool bit_ok = ((pend >> (prod % 64)) & 1) == (tail != head);
    pa->in_memory += n - pa->count[ch];
    pa->count[ch] = (uint32_t)n;
    if (ring_ok && bit_ok)
        return true;
    char m[SIM_ERR_MAX];
    snprintf(m, sizeof m, "channel (producer %u, consumer %u) of LPAR %s %s: %llu patches in "
                          "use, head %llu, tail %llu, pending bit %llu",
             prod, cons, hyp_lpar_name(k->h, lpid), when, (unsigned long long)n,
             (unsigned long long)head, (unsigned long long)tail,
             (unsigned long long)((pend >> (prod % 64)) & 1));
    coh_audit_violation(k, m);
    return false;
}

void coh_audit_pc_check(coh *k, unsigned lpid, const char *when)
{
    pc_audit *a = coh_audit_pc(k);
    pa_lpar *pa = a ? pa_of(a, lpid) : NULL;
    const pc_layout *L = pc_layout_of(k, lpid);
    if (!pa || !L || k->failed)
        return;
    k->ast.checks++;
    for (unsigned i = 0; i < pa->ndirty; i++) {
        pa->is_dirty[pa->dirty[i]] = 0;
        if (!k->failed)
            recount(k, pa, L, lpid, pa->dirty[i], when);
    }
    pa->ndirty = 0;
    uint64_t produced = pa->written + pa->coalesced + pa->covered;
    if (!k->failed && pa->written != pa->applied + pa->in_memory) {
        char m[SIM_ERR_MAX];
        snprintf(m, sizeof m, "patch conservation of LPAR %s %s: produced %llu != applied %llu + "
                              "coalesced %llu + covered by fallback %llu + pending %llu (in "
                              "use in the channels' memory)",
                 hyp_lpar_name(k->h, lpid), when, (unsigned long long)produced,
                 (unsigned long long)pa->applied, (unsigned long long)pa->coalesced,
                 (unsigned long long)pa->covered, (unsigned long long)pa->in_memory);
        coh_audit_violation(k, m);
    }
    /* the consumers' summary bits against their pending lines */
    physmem *pm = k->h->env.pm;
    const pc *P = k->sx;
    for (unsigned c = 0; c < L->threads && !k->failed; c++) {
        bool any = false;
        for (unsigned w = 0; w < (L->threads + 63) / 64; w++)
            any |= physmem_read64(pm, pc_pending_addr(L, c) + w * 8) != 0;
        uint64_t sum = physmem_read64(pm, P->summary + (uint64_t)c * PC_LINE + (lpid / 64) * 8);
        if (((sum >> (lpid % 64)) & 1) != any) {
            char m[SIM_ERR_MAX];
            snprintf(m, sizeof m, "thread %u's summary bit of LPAR %s is %d %s, but its "
                                  "pending line is %s",
                     c, hyp_lpar_name(k->h, lpid), (int)((sum >> (lpid % 64)) & 1), when,
                     any ? "not zero" : "zero");
            coh_audit_violation(k, m);
        }
    }
}
