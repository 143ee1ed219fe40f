/*
 * tlb.c - one hardware thread's set-associative TLB: lookup (the fast
 * path), insert with LRU or FIFO replacement, single-page, per-LPAR and full
 * invalidation, stats. Entries of a set are contiguous; set = vpn & mask.
 * Tag compare: (e->vpn ^ vpn) | (e->ctx ^ ctx) == 0, where ctx folds lpid,
 * page size and the valid bit, so an invalid entry (ctx 0) never matches.
 * The entry array is allocated by the first insert: the TLBs of threads
 * that never run cost no host memory (a 32768-thread machine would need
 * 1 GiB of them).
 */
#include "tlb/tlb.h"

#include <assert.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>

struct tlb {
    tlb_entry *e;      /* sets * ways */
    uint64_t sets, set_mask;
    unsigned ways;
    bool lru;
    uint64_t clock;    /* replacement stamp source */
    tlb_config cfg;
    tlb_stats st;
};

#define F(field) offsetof(tlb_config, field)
static const param_desc tlb_params[] = {
    {"entries", PT_UINT, "entries", "1024", 1, 1 << 20, NULL,
     "Translation entries per hardware thread (POWER9 hash mode: 1024).", F(entries), NULL},
    {"ways", PT_UINT, "ways", "4", 1, 64, NULL,
     "Associativity; entries/ways sets, a power of two (POWER9 hash mode: 256 sets x 4 ways).",
     F(ways), NULL},
    {"replacement", PT_ENUM, "", "lru", 0, 0, "lru|fifo",
     "Victim choice in a full set: least recently used, or oldest inserted.", F(replacement), NULL},
    {"tlbie_fixed_cycles", PT_UINT, "cycles", "2660", 0, 1e9, NULL,
     "Global ptesync;tlbie;eieio;tlbsync;ptesync for the first page: POWER9 munmap of one page, "
     "global 2.1 us minus local 1.4 us = 0.7 us = 2660 cycles at 3.8 GHz.",
     F(tlbie_fixed_cycles), NULL},
    {"tlbie_page_cycles", PT_UINT, "cycles", "1672", 0, 1e9, NULL,
     "Each extra page of a global tlbie: POWER9 (15.7 - 2.1 us) / 31 pages = 0.44 us = "
     "1672 cycles at 3.8 GHz.", F(tlbie_page_cycles), NULL},
    {"tlbiel_page_cycles", PT_UINT, "cycles", "266", 0, 1e9, NULL,
     "Each page of a local tlbiel (and each set of a local flush): POWER9 (3.7 - 1.4 us) / 31 "
     "pages = 0.07 us = 266 cycles at 3.8 GHz.", F(tlbiel_page_cycles), NULL},
    {"tlbie_flush_threshold", PT_UINT, "pages", "33", 0, 1e9, NULL,
     "A global invalidation of more pages than this flushes the LPAR's entries instead "
     "(Linux's single-page flush ceiling).", F(tlbie_flush_threshold), NULL},
    {"tlbiel_flush_threshold", PT_UINT, "pages", "256", 0, 1e9, NULL,
     "A local invalidation of more pages than this flushes the LPAR's entries in that TLB "
     "instead (Linux's local ceiling).", F(tlbiel_flush_threshold), NULL},
    {"tlbie_flush_cycles", PT_UINT, "cycles", "2660", 0, 1e9, NULL,
     "Global LPID-scoped flush, one tlbie sequence with LPID scope: assumed equal to the "
     "first-page cost, 0.7 us = 2660 cycles at 3.8 GHz (refills are charged as misses).",
     F(tlbie_flush_cycles), NULL},
};
#undef F

const param_table tlb_param_table = {
    "tlb", sizeof(tlb_config), tlb_params, PARAM_COUNT(tlb_params),
    "Per-thread TLB geometry and TLB invalidation costs (tlbie / tlbiel).",
};

static double tlb_hit_rate(const void *base)
{
    const tlb_stats *s = base;
    uint64_t n = s->hits + s->misses;
    return n ? (double)s->hits / (double)n : 0.0;
}

#define S(field) offsetof(tlb_stats, field)
static const stat_desc tlb_stats_desc[] = {
    {"hits", SK_COUNTER, "lookups", "Lookups that found a translation allowing the access.",
     S(hits), NULL},
    {"misses", SK_COUNTER, "lookups",
     "Lookups that found no translation allowing the access: no entry, or a store through an "
     "entry loaded while the page's C bit was 0 (no write permission). Each is followed by "
     "one HPT walk, the op tlb.miss (same count).", S(misses), NULL},
    {"inserts", SK_COUNTER, "entries", "Translations installed or refreshed.", S(inserts), NULL},
    {"evictions", SK_COUNTER, "entries", "Valid entries replaced by an insert.", S(evictions),
     NULL},
    {"invalidations", SK_COUNTER, "entries",
     "Single-page invalidations (tlbie/tlbiel) that dropped an entry.", S(invalidations), NULL},
    {"flushes", SK_COUNTER, "flushes", "LPAR-scoped or full flushes.", S(flushes), NULL},
    {"flushed_entries", SK_COUNTER, "entries", "Entries dropped by flushes.",
     S(flushed_entries), NULL},
    {"hit_rate", SK_DERIVED, "ratio", "hits / (hits + misses).", 0, tlb_hit_rate},
};
#undef S

const stat_table tlb_stat_table = {"tlb", tlb_stats_desc, PARAM_COUNT(tlb_stats_desc)};

static inline uint32_t tlb_ctx(uint32_t lpid, unsigned psize)
{
    assert(lpid <= TLB_MAX_LPID && psize < TLB_PSIZES);
    return lpid << 3 | psize << 1 | 1u;
}

int tlb_config_check(const tlb_config *cfg, sim_err *e)
{
    assert(cfg);
    if (param_check_ranges(&tlb_param_table, cfg, "tlb", e) != 0)
        return -1;
    if (cfg->entries % cfg->ways)
        return sim_errf(e, "tlb.entries: %" PRIu64 " is not a multiple of tlb.ways %" PRIu64
                        "; expected entries = ways x a power-of-two number of sets",
                        cfg->entries, cfg->ways);
    uint64_t sets = cfg->entries / cfg->ways, p = 1;
    while (p * 2 <= sets)
        p *= 2;
    if (sets != p)
        return sim_errf(e, "tlb.entries: %" PRIu64 " entries / %" PRIu64 " ways = %" PRIu64
                        " sets; expected a number of sets that is a power of two, e.g. "
                        "entries %" PRIu64, cfg->entries, cfg->ways, sets, p * cfg->ways);
    return 0;
}

tlb *tlb_create(const tlb_config *cfg, sim_err *e)
{
    if (tlb_config_check(cfg, e) != 0)
        return NULL;
    uint64_t sets = cfg->entries / cfg->ways;
    tlb *t = calloc(1, sizeof *t);
    if (!t) {
        sim_errf(e, "tlb: out of host memory");
        return NULL;
    }
    t->sets = sets;
    t->set_mask = sets - 1;
    t->ways = (unsigned)cfg->ways;
    t->lru = cfg->replacement == TLB_REPL_LRU;
    t->cfg = *cfg;
    return t;
}

void tlb_destroy(tlb *t)
{
    if (!t)
        return;
    free(t->e);
    free(t);
}

const tlb_config *tlb_get_config(const tlb *t) { return &t->cfg; }
const tlb_stats *tlb_get_stats(const tlb *t) { return &t->st; }
uint64_t tlb_sets(const tlb *t) { return t->sets; }

static inline tlb_entry *tlb_set(const tlb *t, uint64_t vpn)
{
    return t->e + (vpn & t->set_mask) * t->ways;
}

static inline tlb_entry *tlb_find(const tlb *t, uint64_t vpn, uint32_t ctx)
{
    if (!t->e)
        return NULL; /* never held a translation */
    tlb_entry *s = tlb_set(t, vpn);
    for (unsigned w = 0; w < t->ways; w++)
        if (((s[w].vpn ^ vpn) | (uint64_t)(s[w].ctx ^ ctx)) == 0)
            return &s[w];
    return NULL;
}

const tlb_entry *tlb_lookup_access(tlb *t, uint32_t lpid, uint64_t vpn, unsigned psize,
                                   unsigned need)
{
    tlb_entry *x = tlb_find(t, vpn, tlb_ctx(lpid, psize));
    if (x && (x->prot & need) == need) {
        t->st.hits++;
        if (t->lru)
            x->stamp = ++t->clock;
        return x;
    }
    t->st.misses++; /* the caller walks and re-inserts (which refreshes the stamp) */
    return NULL;
}

const tlb_entry *tlb_lookup(tlb *t, uint32_t lpid, uint64_t vpn, unsigned psize)
{
    return tlb_lookup_access(t, lpid, vpn, psize, 0);
}

uint64_t tlb_entry_set(const tlb *t, const tlb_entry *e)
{
    return (uint64_t)(e - t->e) / t->ways;
}

void tlb_note_hit(tlb *t, const tlb_entry *e)
{
    t->st.hits++;
    if (t->lru)
        t->e[e - t->e].stamp = ++t->clock;
}

bool tlb_insert(tlb *t, uint32_t lpid, uint64_t vpn, unsigned psize, uint64_t rpn,
                unsigned prot)
{
    uint32_t ctx = tlb_ctx(lpid, psize);
    bool evicted = false;
    t->st.inserts++;
    tlb_entry *x = tlb_find(t, vpn, ctx);
    if (!x && !t->e && !(t->e = calloc(t->sets * t->ways, sizeof *t->e)))
        return false; /* out of host memory: not cached, a later lookup misses */
    if (!x) {
        tlb_entry *s = tlb_set(t, vpn);
        for (unsigned w = 0; w < t->ways && !x; w++)
            if (s[w].ctx == 0)
                x = &s[w];
        if (!x) {
            x = &s[0];
            for (unsigned w = 1; w < t->ways; w++)
                if (s[w].stamp < x->stamp)
                    x = &s[w];
            evicted = true;
            t->st.evictions++;
        }
        x->vpn = vpn;
        x->ctx = ctx;
        x->stamp = ++t->clock;
    } else if (t->lru) {
        x->stamp = ++t->clock;
    }
    x->rpn = rpn;
    x->prot = (uint8_t)prot;
    return evicted;
}

bool tlb_inval_va(tlb *t, uint32_t lpid, uint64_t vpn, unsigned psize)
{
    tlb_entry *x = tlb_find(t, vpn, tlb_ctx(lpid, psize));
    if (!x)
        return false;
    x->ctx = 0;
    x->stamp = 0;
    t->st.invalidations++;
    return true;
}

uint64_t tlb_inval_lpid(tlb *t, uint32_t lpid)
{
    assert(lpid <= TLB_MAX_LPID);
    uint64_t n = 0, total = t->e ? t->sets * t->ways : 0;
    for (uint64_t i = 0; i < total; i++)
        if (t->e[i].ctx && (t->e[i].ctx >> 3) == lpid) {
            t->e[i].ctx = 0;
            t->e[i].stamp = 0;
            n++;
        }
    t->st.flushes++;
    t->st.flushed_entries += n;
    return n;
}

uint64_t tlb_flush(tlb *t)
{
    uint64_t n = 0, total = t->e ? t->sets * t->ways : 0;
    for (uint64_t i = 0; i < total; i++) {
        n += t->e[i].ctx != 0;
        t->e[i].ctx = 0;
        t->e[i].stamp = 0;
    }
    t->st.flushes++;
    t->st.flushed_entries += n;
    return n;
}

const tlb_entry *tlb_entries(const tlb *t, size_t *n)
{
    *n = t->e ? (size_t)(t->sets * t->ways) : 0;
    return t->e;
}
