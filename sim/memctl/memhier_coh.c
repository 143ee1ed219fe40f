/*
 * memhier_coh.c - MESI coherence costs between the caches of the hierarchy
 * (cache.coherence: mesi). Tags only: contents live in physmem and are never
 * touched here; only states, latencies and counters change.
 *
 * Coherence domain (an "agent" is one holder of copies):
 *  - each core's private data caches, L1D and L2 together (POWER's L2 is the
 *    core's point of coherence; this model's L1D is write-back, so a dirty
 *    line may sit in either, and both are probed and updated together);
 *  - each module's L3. Own-module L3: the requester's path, never snooped
 *    (a dirty line of the module's cores is found in their private caches
 *    first); other modules' L3s: snooped, supply dirty lines, invalidated by
 *    writes. POWER9's per-core-pair L3 regions are victim caches of their
 *    L2s and snoop the fabric too; the model's one L3 per module stands for
 *    them all.
 *  - not the L1I: instruction fetches read the L2 coherently (an ifetch that
 *    misses in L2 snoops like a load), but a write by another core does not
 *    invalidate an L1I (POWER requires icbi for modified code).
 * States: the shared bit of the tag (cache.h) with the dirty bit: E, M, S
 * and T (dirty and shared: POWER's tagged owner, which supplies the line to
 * readers and writes it back on eviction, so no write to memory happens when
 * an owner is read).
 * Where an L2 miss gets its line, first that applies: a dirty copy in a
 * core of this module; this module's L3; a dirty copy in a core of another
 * module; a dirty copy in another module's L3; memory. (An owner on another
 * module invalidated this L3 when it wrote, so an L3 copy is current; clean
 * copies in other cores never supply the line.)
 * Costs (cycles, from the config): a miss served by a dirty line elsewhere
 * (an intervention) costs the owner's hit latency (L2, or L3 for an L3
 * owner) plus coherence_onchip, or coherence_offchip across modules; a write
 * that hits a shared line (an upgrade), or misses or zeroes (dcbz) a line
 * other agents hold without an intervention, waits for the invalidation:
 * at least the L2 latency plus the transfer cycles of its scope (off-chip if
 * any other module holds a copy). A write miss's invalidation and data
 * fetch overlap: it costs the later of the two.
 * Invariants: a line E or M in one agent is held by no other private agent
 * nor by another module's L3; a core's L1D and L2 copies carry the same
 * shared bit; an agent whose line another agent reads gets the shared bit.
 */
#include "memhier_int.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define CS_F(f) offsetof(memhier_coh_stats, f)
static const stat_desc coh_s[] = {
    {"interventions_onchip", SK_COUNTER, "lines",
     "Misses served by a dirty line (M or T) of another cache on the same module.",
     CS_F(interventions_onchip), NULL},
    {"interventions_offchip", SK_COUNTER, "lines",
     "Misses served by a dirty line of a cache on another module.", CS_F(interventions_offchip),
     NULL},
    {"intervention_cycles", SK_COUNTER, "cycles",
     "Latency of the accesses served by an intervention (owner hit latency + transfer).",
     CS_F(intervention_cycles), NULL},
    {"invalidations", SK_COUNTER, "copies",
     "Copies invalidated by writes (invalidations sent): one per core (L1D and L2) or L3.",
     CS_F(invalidations), NULL},
    {"upgrades", SK_COUNTER, "writes", "Writes that hit a shared line (S or T -> M).",
     CS_F(upgrades), NULL},
    {"invalidation_waits", SK_COUNTER, "writes",
     "Writes that waited for an invalidation (upgrades, and misses or dcbz of lines other "
     "caches held without an intervention).",
     CS_F(invalidation_waits), NULL},
    {"invalidation_cycles", SK_COUNTER, "cycles",
     "Cycles those writes waited beyond what the same access costs without coherence.",
     CS_F(invalidation_cycles), NULL},
    {"downgrades", SK_COUNTER, "lines",
     "Lines another cache held alone (E or M) that a read made shared (S or T).",
     CS_F(downgrades), NULL},
};
const stat_table memhier_coh_stat_table = {"cache.coherence", coh_s, PARAM_COUNT(coh_s)};

int mh_coh_init(memhier *h)
{
    h->filter = calloc((size_t)h->ncores * MH_FILTER_WORDS, sizeof *h->filter);
    h->fmisses = calloc(h->ncores, sizeof *h->fmisses);
    return h->filter && h->fmisses ? 0 : -1;
}

static inline uint64_t filt_bit(const memhier *h, uint64_t line)
{
    return ((line >> h->line_shift) * 0x9e3779b97f4a7c15ull) >> (64 - MH_FILTER_BITS);
}

/* May core c's L1D or L2 hold the line? (false: certainly not) */
static inline bool filt_may(const memhier *h, unsigned c, uint64_t line)
{
    uint64_t b = filt_bit(h, line);
    return (h->filter[(size_t)c * MH_FILTER_WORDS + b / 64] >> (b % 64)) & 1u;
}

typedef struct filt_ctx {
    memhier *h;
    uint64_t *f;
} filt_ctx;

static void filt_set_fn(void *ctx, uint64_t line)
{
    filt_ctx *x = ctx;
    uint64_t b = filt_bit(x->h, line);
    x->f[b / 64] |= 1ull << (b % 64);
}

/* A miss of core c on line (about to fill its L1D or L2): mark it, first
 * rebuilding the core's filter from its tags when it is due. */
static void filt_mark(memhier *h, unsigned c, uint64_t line)
{
    filt_ctx x = {h, h->filter + (size_t)c * MH_FILTER_WORDS};
    if (++h->fmisses[c] >= MH_FILTER_REBUILD) {
        h->fmisses[c] = 0;
        memset(x.f, 0, MH_FILTER_WORDS * sizeof *x.f);
        cache_for_each_line(h->l1d[c], filt_set_fn, &x);
        cache_for_each_line(h->l2[c], filt_set_fn, &x);
    }
    filt_set_fn(&x, line);
}

/* What the other agents hold of one line, before any action. */
typedef struct coh_view {
    int owner;        /* core holding it dirty (prefer this module), or -1 */
    int l3_owner;     /* another module whose L3 holds it dirty, or -1 */
    bool any;         /* some other agent holds it */
    bool off;         /* some other module (a core or its L3) holds it */
} coh_view;

/* The state of a core's copy: -1 absent, else CACHE_DIRTY | CACHE_SHARED. */
static int core_state(const memhier *h, unsigned c, uint64_t line)
{
    int a = cache_state(h->l1d[c], line), b = cache_state(h->l2[c], line);
    if (a < 0)
        return b;
    return b < 0 ? a : (a | b);
}

static coh_view coh_look(const memhier *h, unsigned core, uint64_t line)
{
    unsigned mod = core / h->cpm;
    coh_view v = {-1, -1, false, false};
    for (unsigned c = 0; c < h->ncores; c++) {
        int s;
        if (c == core || !filt_may(h, c, line) || (s = core_state(h, c, line)) < 0)
            continue;
        bool same = c / h->cpm == mod;
        v.any = true;
        v.off |= !same;
        if ((s & CACHE_DIRTY) && (v.owner < 0 || (same && (unsigned)v.owner / h->cpm != mod)))
            v.owner = (int)c;
    }
    for (unsigned m = 0; m < h->nmod; m++) {
        int s;
        if (m == mod || (s = cache_state(h->l3[m], line)) < 0)
            continue;
        v.any = v.off = true;
        if ((s & CACHE_DIRTY) && v.l3_owner < 0)
            v.l3_owner = (int)m;
    }
    return v;
}

/* A read: every other core's copy becomes shared (M -> T, E -> S). */
static void coh_share_all(memhier *h, unsigned core, uint64_t line)
{
    for (unsigned c = 0; c < h->ncores; c++) {
        if (c == core || !filt_may(h, c, line))
            continue;
        int a = cache_set_shared(h->l1d[c], line, true);
        int b = cache_set_shared(h->l2[c], line, true);
        if ((a >= 0 && !(a & CACHE_SHARED)) || (b >= 0 && !(b & CACHE_SHARED)))
            h->cst.downgrades++;
    }
}

/* A write: every other agent's copy is dropped (the data are the writer's
 * now: no writeback), the other modules' L3s included. */
static void coh_invalidate_all(memhier *h, unsigned core, uint64_t line)
{
    unsigned mod = core / h->cpm;
    for (unsigned c = 0; c < h->ncores; c++) {
        if (c == core || !filt_may(h, c, line) || core_state(h, c, line) < 0)
            continue;
        (void)cache_invalidate_line(h->l1d[c], line);
        (void)cache_invalidate_line(h->l2[c], line);
        h->cst.invalidations++;
    }
    for (unsigned m = 0; m < h->nmod; m++)
        if (m != mod && cache_state(h->l3[m], line) >= 0) {
            (void)cache_invalidate_line(h->l3[m], line);
            h->cst.invalidations++;
        }
}

static uint64_t coh_xfer(const memhier *h, bool off)
{
    return off ? h->coh_offchip : h->coh_onchip;
}

/* A write that must invalidate the other copies and waits for it: the
 * access costs at least the L2 latency plus the transfer of its scope. */
static uint64_t coh_wait(memhier *h, uint64_t lat, bool off)
{
    uint64_t inv = h->lat_l2 + coh_xfer(h, off);
    h->cst.invalidation_waits++;
    if (inv > lat) {
        h->cst.invalidation_cycles += inv - lat;
        lat = inv;
    }
    return lat;
}

/* A write hit on a shared line of this core (S or T): invalidate the
 * others, the core's copies become M (L1D, by the caller's write) or E
 * (L2). Returns the latency: hit + the invalidation. */
static uint64_t coh_upgrade(memhier *h, unsigned core, uint64_t line, uint64_t hit_lat)
{
    coh_view v = coh_look(h, core, line);
    coh_invalidate_all(h, core, line);
    (void)cache_set_shared(h->l2[core], line, false);
    (void)cache_set_shared(h->l1d[core], line, false);
    h->cst.upgrades++;
    h->cst.invalidation_waits++;
    h->cst.invalidation_cycles += coh_xfer(h, v.off);
    return hit_lat + coh_xfer(h, v.off);
}

uint64_t mh_coh_line(memhier *h, unsigned core, uint64_t line, mem_kind kind, uint64_t now)
{
    bool wr = kind != MEM_READ;
    cache *l1 = h->l1d[core];
    uint64_t v1;
    if (!wr) { /* a read hit needs no state */
        if (cache_access(l1, line, false, &v1))
            return h->lat_l1d;
        return mh_coh_miss(h, core, line, v1, now, kind);
    }
    int s = cache_state(l1, line);
    if (s >= 0) {
        uint64_t lat = h->lat_l1d;
        if (wr && (s & CACHE_SHARED))
            lat = coh_upgrade(h, core, line, lat);
        (void)cache_access(l1, line, wr, &v1); /* a hit: no victim */
        return lat;
    }
    (void)cache_access(l1, line, wr, &v1);
    return mh_coh_miss(h, core, line, v1, now, kind);
}

uint64_t mh_coh_miss(memhier *h, unsigned core, uint64_t line, uint64_t v1, uint64_t now,
                     mem_kind kind)
{
    bool wr = kind == MEM_WRITE || kind == MEM_ZERO;
    unsigned mod = core / h->cpm;
    cache *l1 = kind == MEM_IFETCH ? h->l1i[core] : h->l1d[core];
    cache *l2 = h->l2[core], *l3 = h->l3[mod];
    uint64_t v2 = CACHE_NO_LINE, v3 = CACHE_NO_LINE, lat, t3 = now + h->lat_l3;
    filt_mark(h, core, line);
    /* a hit leaves the line in the MRU way, where its state is found at once */
    int s2 = cache_access(l2, line, false, &v2) ? cache_state(l2, line) : -1;
    if (s2 >= 0) {
        lat = h->lat_l2;
        if (wr && (s2 & CACHE_SHARED))
            lat = coh_upgrade(h, core, line, lat);
        else if (!wr && (s2 & CACHE_SHARED) && kind != MEM_IFETCH)
            (void)cache_set_shared(l1, line, true);
    } else {
        coh_view v = coh_look(h, core, line); /* other cores: the fill above is not seen */
        bool l3hit = cache_access(l3, line, false, &v3);
        bool served = false; /* by an intervention */
        bool off = v.owner >= 0 && (unsigned)v.owner / h->cpm != mod;
        /* an owner on this module: the module's L3 may be stale; an owner
         * on another module invalidated this L3 when it wrote, so a copy
         * here was filled since and is current */
        if (kind != MEM_ZERO && v.owner >= 0 && !(off && l3hit)) {
            lat = h->lat_l2 + coh_xfer(h, off);
            served = true;
            if (off)
                h->cst.interventions_offchip++;
            else
                h->cst.interventions_onchip++;
        } else if (l3hit) {
            lat = h->lat_l3;
        } else if (kind != MEM_ZERO && v.l3_owner >= 0) {
            lat = h->lat_l3 + h->coh_offchip;
            served = true;
            h->cst.interventions_offchip++;
        } else if (kind == MEM_ZERO) {
            lat = h->lat_l2; /* dcbz: the line is established, nothing is read */
        } else {
            lat = h->lat_l3 + mh_fill(h, core, line, t3);
        }
        if (served)
            h->cst.intervention_cycles += lat;
        if (wr) {
            if (v.any) {
                coh_invalidate_all(h, core, line);
                if (!served)
                    lat = coh_wait(h, lat, v.off);
            }
        } else if (v.any) {
            coh_share_all(h, core, line);
            if (served && v.owner < 0) /* the L3 owner: M -> T */
                (void)cache_set_shared(h->l3[v.l3_owner], line, true);
            (void)cache_set_shared(l2, line, true);
            if (kind != MEM_IFETCH)
                (void)cache_set_shared(l1, line, true);
        }
    }
    mh_writebacks(h, core, v1, v2, v3, t3);
    return lat;
}
