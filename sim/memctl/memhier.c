/*
 * memhier.c - the per-core L1I/L1D/L2 and per-module L3 hierarchy (see
 * memhier.h for the timing model). One demand access walks down the levels
 * until a hit, filling every level it missed in; the dirty victims of those
 * fills are then written back one level down (L3 victims to below, posted).
 * With cache.coherence: mesi a data access that leaves the L1 fast path goes
 * through memhier_coh.c instead. Invariants: see memhier_int.h.
 */
#include "memhier_int.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>

/* Field table of one level, with that level's defaults. */
#define MH_LEVEL_TABLE(var, lname, dsize, dways, dlat, what)                           \
    static const param_desc var##_p[] = {                                              \
        {"size", PT_SIZE, "bytes", dsize, 1024, (double)(1ull << 40), NULL,            \
         "Capacity of " what "; ways x line size x a power-of-two number of sets.",    \
         offsetof(cache_level_config, size), NULL},                                    \
        {"ways", PT_UINT, "ways", dways, 1, 1024, NULL, "Associativity of " what ".",  \
         offsetof(cache_level_config, ways), NULL},                                    \
        {"latency", PT_UINT, "cycles", dlat, 1, 100000, NULL,                          \
         "Load-to-use latency of a hit in " what " (total from the core, not an "      \
         "increment).",                                                                \
         offsetof(cache_level_config, latency), NULL},                                 \
    };                                                                                 \
    static const param_table var = {lname, sizeof(cache_level_config), var##_p,        \
                                    PARAM_COUNT(var##_p), what " (per level)."}

/* POWER9 sizes; POWER8-measured latencies (POWER-NOTES). The L3 is 10M
 * 20-way per module, standing in for POWER9's 10M per core pair. */
MH_LEVEL_TABLE(l1i_params, "l1i", "32K", "8", "3", "the per-core L1 instruction cache");
MH_LEVEL_TABLE(l1d_params, "l1d", "32K", "8", "3", "the per-core L1 data cache");
MH_LEVEL_TABLE(l2_params, "l2", "512K", "8", "13", "the per-core L2 cache");
MH_LEVEL_TABLE(l3_params, "l3", "10M", "20", "27", "the L3 shared by the cores of a module");

static const param_desc cache_p[] = {
    {"line_size", PT_SIZE, "bytes", "128", 16, 4096, NULL,
     "Cache line size of every level (a power of two).",
     offsetof(cache_config, line_size), NULL},
    {"l1i", PT_STRUCT, "", NULL, 0, 0, NULL, "Per-core L1 instruction cache.",
     offsetof(cache_config, l1i), &l1i_params},
    {"l1d", PT_STRUCT, "", NULL, 0, 0, NULL, "Per-core L1 data cache.",
     offsetof(cache_config, l1d), &l1d_params},
    {"l2", PT_STRUCT, "", NULL, 0, 0, NULL, "Per-core unified L2 cache.",
     offsetof(cache_config, l2), &l2_params},
    {"l3", PT_STRUCT, "", NULL, 0, 0, NULL, "Unified L3 cache shared per processor module.",
     offsetof(cache_config, l3), &l3_params},
    {"coherence", PT_ENUM, "", "none", 0, 0, "none|mesi",
     "Coherence between the caches: none (no cache sees another's lines: a line written by "
     "one core and read by another costs nothing extra), or mesi (MESI states in the tags of "
     "every core's L1D and L2 and every module's L3, with POWER's T for a dirty line another "
     "cache shares: a read of a line dirty elsewhere pays an intervention, a write to a line "
     "other caches hold invalidates them and waits for it; docs/memory.md).",
     offsetof(cache_config, coherence), NULL},
    {"coherence_onchip", PT_UINT, "cycles", "196", 0, 100000, NULL,
     "mesi: cycles a cache-to-cache transfer or an invalidation adds within a module. An "
     "intervention costs the supplying cache's hit latency plus this: 13 + 196 = 209 cycles, "
     "55 ns at 3.8 GHz, the POWER8-measured latency of a remote L3 hit on the chip "
     "(POWER-NOTES); an invalidation waits the L2 latency plus this.",
     offsetof(cache_config, coherence_onchip), NULL},
    {"coherence_offchip", PT_UINT, "cycles", "405", 0, 100000, NULL,
     "mesi: the same between processor modules: 13 + 405 = 418 cycles, 110 ns at 3.8 GHz; "
     "assumption: twice the on-chip figure (a fabric round trip to the other chip on top), as "
     "no public POWER9 chip-to-chip intervention latency was found.",
     offsetof(cache_config, coherence_offchip), NULL},
};

const param_table cache_params = {
    "cache", sizeof(cache_config), cache_p, PARAM_COUNT(cache_p),
    "Write-back, write-allocate, true-LRU cache hierarchy (L1I, L1D, L2 per core; L3 per module).",
};


static uint64_t mh_slow(memhier *h, unsigned core, uint64_t paddr, uint32_t size,
                        mem_kind kind, uint64_t now);

static uint64_t mh_port_access(void *ctx, uint64_t paddr, uint32_t size, mem_kind kind,
                               uint64_t now)
{
    memhier_core_port *p = ctx;
    /* fast path (memhier_access's too): one line, in the MRU way of its L1
     * set, from the port's copies */
    if (__builtin_expect(((paddr ^ (paddr + size - (size != 0))) >> p->line_shift) == 0, 1)) {
        if (kind == MEM_IFETCH) {
            if (mem_memo_hit(&p->imemo, paddr, size))
                return p->lat_l1i;
            if (cache_hit_mru(p->l1i, paddr, false)) {
                p->imemo.line = paddr >> p->line_shift;
                p->imemo.at = cache_gen(p->l1i);
                return p->lat_l1i;
            }
        } else if (cache_hit_mru(p->l1d, paddr, kind == MEM_WRITE || kind == MEM_ZERO)) {
            return p->lat_l1d;
        }
    }
    return mh_slow(p->h, p->core, paddr, size, kind, now);
}

static void mh_port_stream(void *ctx, uint64_t paddr, uint64_t bytes, mem_kind kind,
                           uint64_t now, uint64_t span)
{
    memhier_core_port *p = ctx;
    memhier_stream(p->h, p->core, paddr, bytes, kind, now, span);
}

static uint64_t mh_walk_port_access(void *ctx, uint64_t paddr, uint32_t size, mem_kind kind,
                                    uint64_t now)
{
    memhier_core_port *p = ctx;
    return memhier_access_l2(p->h, p->core, paddr, size, kind, now);
}

static int mh_check_latency(const char *name, uint64_t lat, const char *above_name,
                            uint64_t above, sim_err *e)
{
    if (lat >= above)
        return 0;
    return sim_errf(e, "cache.%s.latency: %llu is below cache.%s.latency %llu; expected "
                       "load-to-use totals that do not decrease with depth",
                    name, (unsigned long long)lat, above_name, (unsigned long long)above);
}

int memhier_config_check(const cache_config *c, sim_err *e)
{
    if (param_check_ranges(&cache_params, c, "cache", e) != 0)
        return -1;
    uint64_t ls = c->line_size;
    if (ls & (ls - 1))
        return sim_errf(e, "cache.line_size: %llu is not a power of two; expected e.g. 128",
                        (unsigned long long)ls);
    if (mh_check_latency("l2", c->l2.latency, "l1d", c->l1d.latency, e) ||
        mh_check_latency("l2", c->l2.latency, "l1i", c->l1i.latency, e) ||
        mh_check_latency("l3", c->l3.latency, "l2", c->l2.latency, e))
        return -1;
    if (cache_level_check(&c->l1i, ls, "cache.l1i", e) != 0 ||
        cache_level_check(&c->l1d, ls, "cache.l1d", e) != 0 ||
        cache_level_check(&c->l2, ls, "cache.l2", e) != 0 ||
        cache_level_check(&c->l3, ls, "cache.l3", e) != 0)
        return -1;
    return 0;
}

memhier *memhier_create(const cache_config *c, unsigned modules,
                        unsigned cores_per_module, memhier_below below, sim_err *e)
{
    assert(modules >= 1 && cores_per_module >= 1 && below.access);
    if (memhier_config_check(c, e) != 0)
        return NULL;
    uint64_t ls = c->line_size;
    memhier *h = calloc(1, sizeof *h);
    if (!h) {
        sim_errf(e, "cache: out of host memory");
        return NULL;
    }
    h->nmod = modules;
    h->cpm = cores_per_module;
    h->ncores = modules * cores_per_module;
    h->line_shift = (unsigned)__builtin_ctzll(ls);
    h->lat_l1i = c->l1i.latency;
    h->lat_l1d = c->l1d.latency;
    h->lat_l2 = c->l2.latency;
    h->lat_l3 = c->l3.latency;
    h->below = below;
    h->coh = c->coherence == CACHE_COH_MESI;
    h->coh_onchip = c->coherence_onchip;
    h->coh_offchip = c->coherence_offchip;
    h->l1i = calloc(h->ncores, sizeof *h->l1i);
    h->l1d = calloc(h->ncores, sizeof *h->l1d);
    h->l2 = calloc(h->ncores, sizeof *h->l2);
    h->l3 = calloc(h->nmod, sizeof *h->l3);
    h->l3c = calloc(h->ncores, sizeof *h->l3c);
    h->ports = calloc(h->ncores, sizeof *h->ports);
    h->walk_ports = calloc(h->ncores, sizeof *h->walk_ports);
    if (!h->l1i || !h->l1d || !h->l2 || !h->l3 || !h->l3c || !h->ports || !h->walk_ports ||
        (h->coh && mh_coh_init(h) != 0)) {
        memhier_destroy(h);
        sim_errf(e, "cache: out of host memory");
        return NULL;
    }
    for (unsigned i = 0; i < h->ncores; i++) {
        if (!(h->l1i[i] = cache_create(&c->l1i, ls, "cache.l1i", e)) ||
            !(h->l1d[i] = cache_create(&c->l1d, ls, "cache.l1d", e)) ||
            !(h->l2[i] = cache_create(&c->l2, ls, "cache.l2", e))) {
            memhier_destroy(h);
            return NULL;
        }
        h->ports[i].h = h;
        h->ports[i].core = i;
        h->ports[i].line_shift = h->line_shift;
        h->ports[i].l1i = h->l1i[i];
        h->ports[i].l1d = h->l1d[i];
        h->ports[i].lat_l1i = h->lat_l1i;
        h->ports[i].lat_l1d = h->lat_l1d;
        h->ports[i].imemo = (mem_port_memo){UINT64_MAX, 0, cache_gen_ptr(h->l1i[i]),
                                            cache_hits_ptr(h->l1i[i]), h->lat_l1i,
                                            h->line_shift};
        h->ports[i].port.access = mh_port_access;
        h->ports[i].port.ctx = &h->ports[i];
        h->ports[i].port.line_bytes = (uint32_t)ls;
        h->ports[i].port.stream = mh_port_stream;
        h->ports[i].port.ifetch = &h->ports[i].imemo;
        h->walk_ports[i] = h->ports[i];
        h->walk_ports[i].port.access = mh_walk_port_access;
        h->walk_ports[i].port.ifetch = NULL; /* its accesses go to the L2 */
        h->walk_ports[i].port.ctx = &h->walk_ports[i];
    }
    for (unsigned m = 0; m < h->nmod; m++)
        if (!(h->l3[m] = cache_create(&c->l3, ls, "cache.l3", e))) {
            memhier_destroy(h);
            return NULL;
        }
    for (unsigned i = 0; i < h->ncores; i++)
        h->l3c[i] = h->l3[i / h->cpm];
    return h;
}

void memhier_destroy(memhier *h)
{
    if (!h)
        return;
    for (unsigned i = 0; i < h->ncores; i++) {
        if (h->l1i)
            cache_destroy(h->l1i[i]);
        if (h->l1d)
            cache_destroy(h->l1d[i]);
        if (h->l2)
            cache_destroy(h->l2[i]);
    }
    for (unsigned m = 0; h->l3 && m < h->nmod; m++)
        cache_destroy(h->l3[m]);
    free(h->l1i);
    free(h->l1d);
    free(h->l2);
    free(h->l3);
    free(h->l3c);
    free(h->ports);
    free(h->wb);
    free(h->walk_ports);
    free(h->filter);
    free(h->fmisses);
    free(h);
}

/* Write a dirty victim of L3 to memory (posted: latency ignored). */
static void mh_wb_below(memhier *h, uint64_t line, uint64_t now)
{
    if (line == CACHE_NO_LINE)
        return;
    if (!h->functional)
        (void)h->below.access(h->below.ctx, line, true, now);
    else if (h->below.touch)
        h->below.touch(h->below.ctx, line, true);
}

/* A read fill from below: its latency (functional: nominal 0, untimed). */
uint64_t mh_fill(memhier *h, unsigned core, uint64_t line, uint64_t t3)
{
    if (!h->functional)
        return h->below.fill ? h->below.fill(h->below.ctx, core, line, t3)
                             : h->below.access(h->below.ctx, line, false, t3);
    if (h->below.touch)
        h->below.touch(h->below.ctx, line, false);
    return 0;
}

void memhier_set_functional(memhier *h, bool on)
{
    h->functional = on;
}

/* Write a dirty L2 victim into L3 (and on down). */
static void mh_wb_l3(memhier *h, cache *l3, uint64_t line, uint64_t now)
{
    uint64_t v;
    if (line == CACHE_NO_LINE)
        return;
    cache_writeback_in(l3, line, &v);
    mh_wb_below(h, v, now);
}

/* The write-backs of one fill's dirty victims (mh_writebacks), inlined
 * into mh_miss. */
static inline __attribute__((always_inline)) void mh_wbs(memhier *h, unsigned core,
                                                         cache *l2, cache *l3, uint64_t v1,
                                                         uint64_t v2, uint64_t v3, uint64_t t3)
{
    mh_wb_below(h, v3, t3);
    mh_wb_l3(h, l3, v2, t3);
    if (v1 != CACHE_NO_LINE) {
        uint64_t v;
        /* only L1D victims are dirty; a T line stays shared in the L2 */
        bool shared = h->coh && (cache_victim_state(h->l1d[core]) & CACHE_SHARED);
        if (!cache_writeback_in(l2, v1, &v) && shared)
            (void)cache_set_shared(l2, v1, true);
        mh_wb_l3(h, l3, v, t3);
    }
}

/* One line that missed in L1 (already filled there, victim v1; CACHE_NO_LINE
 * for an access entering at the L2): walk L2, L3 and below; returns its
 * latency. write2: the access writes the L2 line (one entering at the L2). */
static __attribute__((noinline)) uint64_t mh_miss(memhier *h, unsigned core, uint64_t line,
                                                  uint64_t v1, uint64_t now, bool zero,
                                                  bool write2)
{
    uint64_t v2 = CACHE_NO_LINE, v3 = CACHE_NO_LINE, lat;
    cache *l2 = h->l2[core], *l3 = h->l3c[core];
    uint64_t t3 = now + h->lat_l3;
    if (cache_access_nomru(l2, line, write2, &v2))
        lat = h->lat_l2;
    else if (cache_access_nomru(l3, line, false, &v3))
        lat = h->lat_l3;
    else if (zero)
        lat = h->lat_l2; /* dcbz: the line is established, nothing is read */
    else
        lat = h->lat_l3 + mh_fill(h, core, line, t3);
    /* writebacks of the fills' dirty victims, deepest first */
    mh_wbs(h, core, l2, l3, v1, v2, v3, t3);
    return lat;
}

void mh_writebacks(memhier *h, unsigned core, uint64_t v1, uint64_t v2, uint64_t v3,
                   uint64_t t3)
{
    mh_wbs(h, core, h->l2[core], h->l3c[core], v1, v2, v3, t3);
}

/* One line: returns its latency. The L1D is accessed without the MRU
 * shortcut: the port has tried it for an access within one line, and the
 * lines of a longer one (a page zeroed, a line-crossing access) seldom
 * hit there (fetches do: the L1I keeps it). */
static inline uint64_t mh_line(memhier *h, unsigned core, uint64_t line, mem_kind kind,
                               uint64_t now)
{
    uint64_t v1;
    if (kind == MEM_IFETCH) {
        if (cache_access(h->l1i[core], line, false, &v1))
            return h->lat_l1i;
        if (h->coh)
            return mh_coh_miss(h, core, line, v1, now, kind);
    } else if (h->coh) {
        return mh_coh_line(h, core, line, kind, now);
    } else if (cache_access_nomru(h->l1d[core], line, kind == MEM_WRITE || kind == MEM_ZERO,
                                  &v1)) {
        return h->lat_l1d;
    }
    return mh_miss(h, core, line, v1, now, kind == MEM_ZERO, false);
}

static __attribute__((noinline)) uint64_t mh_slow(memhier *h, unsigned core,
                                                  uint64_t paddr, uint32_t size,
                                                  mem_kind kind, uint64_t now)
{
    uint64_t first = paddr >> h->line_shift;
    uint64_t last = (paddr + (size ? size - 1u : 0u)) >> h->line_shift;
    uint64_t lat = 0;
    for (uint64_t l = first; l <= last; l++)
        lat += mh_line(h, core, l << h->line_shift, kind, now + lat);
    return lat;
}

uint64_t memhier_access(memhier *h, unsigned core, uint64_t paddr, uint32_t size,
                        mem_kind kind, uint64_t now)
{
    assert(core < h->ncores);
    return mh_port_access(&h->ports[core], paddr, size, kind, now);
}

/* ---- streams (memhier_stream) ---- */

typedef struct mh_stream_ctx {
    memhier *h;
    cache *l2, *l3;
} mh_stream_ctx;

/* An L3 victim of a stream: kept to be issued spread over the span. */
static void st_below(void *ctx, uint64_t line)
{
    mh_stream_ctx *x = ctx;
    memhier *h = x->h;
    if (h->nwb == h->capwb) {
        size_t cap = h->capwb ? 2 * h->capwb : 1024;
        uint64_t *v = realloc(h->wb, cap * sizeof *v);
        if (!v) {
            mh_wb_below(h, line, h->wb_now); /* no room: at the stream's start */
            return;
        }
        h->wb = v;
        h->capwb = cap;
    }
    h->wb[h->nwb++] = line;
}

static void st_into_l3(void *ctx, uint64_t line)
{
    mh_stream_ctx *x = ctx;
    uint64_t v;
    cache_writeback_in(x->l3, line, &v);
    if (v != CACHE_NO_LINE)
        st_below(ctx, v);
}

static void st_into_l2(void *ctx, uint64_t line)
{
    mh_stream_ctx *x = ctx;
    uint64_t v;
    cache_writeback_in(x->l2, line, &v);
    if (v != CACHE_NO_LINE)
        st_into_l3(ctx, v);
}

void memhier_stream(memhier *h, unsigned core, uint64_t paddr, uint64_t bytes, mem_kind kind,
                    uint64_t now, uint64_t span)
{
    assert(core < h->ncores);
    if (!bytes)
        return;
    uint64_t first = paddr >> h->line_shift, last = (paddr + bytes - 1) >> h->line_shift;
    uint64_t n = last - first + 1, at = first << h->line_shift;
    bool dirty = kind == MEM_WRITE || kind == MEM_ZERO;
    mh_stream_ctx x = {h, h->l2[core], h->l3c[core]};
    h->nwb = 0;
    h->wb_now = now;
    cache_stream_fill(kind == MEM_IFETCH ? h->l1i[core] : h->l1d[core], at, n, dirty, st_into_l2,
                      &x);
    cache_stream_fill(x.l2, at, n, dirty, st_into_l3, &x);
    cache_stream_fill(x.l3, at, n, dirty, st_below, &x);
    for (size_t i = 0; i < h->nwb; i++)
        mh_wb_below(h, h->wb[i], now + (uint64_t)((unsigned __int128)span * i / h->nwb));
    h->nwb = 0;
}

const mem_port *memhier_port(memhier *h, unsigned core)
{
    assert(core < h->ncores);
    return &h->ports[core].port;
}

uint64_t memhier_access_l2(memhier *h, unsigned core, uint64_t paddr, uint32_t size,
                           mem_kind kind, uint64_t now)
{
    assert(core < h->ncores);
    uint64_t first = paddr >> h->line_shift;
    uint64_t last = (paddr + (size ? size - 1u : 0u)) >> h->line_shift;
    bool w = kind == MEM_WRITE || kind == MEM_ZERO;
    uint64_t lat = 0;
    for (uint64_t l = first; l <= last; l++)
        lat += mh_miss(h, core, l << h->line_shift, CACHE_NO_LINE, now + lat, kind == MEM_ZERO, w);
    return lat;
}

const mem_port *memhier_walk_port(memhier *h, unsigned core)
{
    assert(core < h->ncores);
    return &h->walk_ports[core].port;
}

void memhier_invalidate(memhier *h, uint64_t paddr)
{
    for (unsigned i = 0; i < h->ncores; i++) {
        cache_invalidate_line(h->l1i[i], paddr);
        cache_invalidate_line(h->l1d[i], paddr);
        cache_invalidate_line(h->l2[i], paddr);
    }
    for (unsigned m = 0; m < h->nmod; m++)
        cache_invalidate_line(h->l3[m], paddr);
}

int memhier_register_stats(memhier *h, stats_reg *r)
{
    static const char *const names[3] = {"l1i", "l1d", "l2"};
    char p[96];
    for (unsigned m = 0; m < h->nmod; m++) {
        for (unsigned c = 0; c < h->cpm; c++) {
            unsigned g = m * h->cpm + c;
            cache *cs[3] = {h->l1i[g], h->l1d[g], h->l2[g]};
            for (int k = 0; k < 3; k++) {
                snprintf(p, sizeof p, "cache.module%u.core%u.%s", m, c, names[k]);
                if (stats_register(r, p, &cache_stat_table, cache_get_stats(cs[k])) != 0)
                    return -1;
            }
        }
        snprintf(p, sizeof p, "cache.module%u.l3", m);
        if (stats_register(r, p, &cache_stat_table, cache_get_stats(h->l3[m])) != 0)
            return -1;
    }
    if (h->coh && stats_register(r, "cache.coherence", &memhier_coh_stat_table, &h->cst) != 0)
        return -1;
    return 0;
}

const memhier_coh_stats *memhier_coh_get_stats(const memhier *h) { return &h->cst; }

unsigned memhier_cores(const memhier *h) { return h->ncores; }
uint64_t memhier_line_size(const memhier *h) { return 1ull << h->line_shift; }

cache *memhier_l1i(memhier *h, unsigned core)
{
    assert(core < h->ncores);
    return h->l1i[core];
}

cache *memhier_l1d(memhier *h, unsigned core)
{
    assert(core < h->ncores);
    return h->l1d[core];
}

cache *memhier_l2(memhier *h, unsigned core)
{
    assert(core < h->ncores);
    return h->l2[core];
}

cache *memhier_l3(memhier *h, unsigned module)
{
    assert(module < h->nmod);
    return h->l3[module];
}
