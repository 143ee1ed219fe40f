/*
 * memmap.c - memory modules laid end to end from real address 0, tiled by
 * equal power-of-two PMBs. Module lookup is a binary search over module
 * bases; PMB lookup is a shift. The first/last module of every PMB is
 * precomputed at create time.
 * Invariants: see memmap.h; base[] is strictly increasing, base[0] = 0.
 */
#include "memmap.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#define MM_MAX_BYTES MEMMAP_MAX_MODULE_BYTES /* per module and per PMB */
#define MM_MAX_PMBS (1ull << 26)  /* host arrays stay below 512 MiB */

static const param_desc module_p[] = {
    {"size", PT_SIZE, "bytes", "2G", (double)MEMMAP_MAX_PAGE, (double)MM_MAX_BYTES,
     NULL, "Capacity of this memory module; a multiple of the largest page size (16M).",
     offsetof(memory_module_config, size), NULL},
    {"module", PT_INT, "", "-1", -1, 63, NULL,
     "Processor module (NUMA node) this memory module is attached to; -1 spreads the modules "
     "over the processor modules in address order (module i of M on processor module "
     "i * machine.modules / M: one module per processor module lands on its own, and with one "
     "processor module all memory is local). docs/numa.md.",
     offsetof(memory_module_config, module), NULL},
};

const param_table memory_module_params = {
    "module", sizeof(memory_module_config), module_p, PARAM_COUNT(module_p),
    "One memory module; modules are laid out from real address 0 in list order.",
};

static const param_desc memory_p[] = {
    {"modules", PT_LIST, "", NULL, 0, 0, NULL,
     "Memory modules in address order, e.g. [{size: 2G}, {size: 2G}].",
     offsetof(memory_config, modules), &memory_module_params},
    {"pmb_size", PT_SIZE, "bytes", "256M", (double)MEMMAP_MAX_PAGE, (double)MM_MAX_BYTES,
     NULL,
     "Size of a physical memory block (PMB); a power of two >= 16M that divides total memory.",
     offsetof(memory_config, pmb_size), NULL},
};

const param_table memory_params = {
    "memory", sizeof(memory_config), memory_p, PARAM_COUNT(memory_p),
    "Memory modules and the physical memory blocks (PMBs) that tile them.",
};

struct memmap {
    unsigned nmod;
    uint64_t *base;     /* nmod + 1 entries; base[nmod] = total */
    size_t npmb;
    unsigned pmb_shift; /* pmb_size = 1 << pmb_shift */
    unsigned *pmb_first, *pmb_last;
    unsigned *node;     /* nmod: processor module each module is attached to */
    unsigned nnodes;    /* processor modules (memmap_set_nodes; 1 before) */
};

const char *memmap_fmt_size(uint64_t bytes, char *buf, size_t len)
{
    static const char suffix[] = "KMGTPE";
    if (bytes == 0 || (bytes & 1023u)) {
        snprintf(buf, len, "%" PRIu64, bytes);
        return buf;
    }
    int s = -1;
    while ((bytes & 1023u) == 0 && s < 5) {
        bytes >>= 10;
        s++;
    }
    snprintf(buf, len, "%" PRIu64 "%c", bytes, suffix[s]);
    return buf;
}

bool memmap_page_size_valid(uint64_t b)
{
    return b == MEMMAP_PAGE_4K || b == MEMMAP_PAGE_64K || b == MEMMAP_PAGE_16M;
}

static bool pow2(uint64_t x) { return x && !(x & (x - 1)); }

static int mm_validate(const memory_config *c, uint64_t *total, sim_err *e)
{
    char a[32], b[32];
    if (c->modules.n == 0)
        return sim_errf(e, "memory.modules: no memory modules; expected a list of "
                           "at least one {size: ...}, e.g. [{size: 2G}]");
    if (c->modules.n > 65536)
        return sim_errf(e, "memory.modules: %zu modules; expected at most 65536",
                        c->modules.n);
    const memory_module_config *m = c->modules.items;
    uint64_t t = 0;
    for (size_t i = 0; i < c->modules.n; i++) {
        uint64_t s = m[i].size;
        if (s == 0 || s > MM_MAX_BYTES)
            return sim_errf(e, "memory.modules[%zu].size: %s; expected a multiple of 16M "
                               "between 16M and 1P", i, memmap_fmt_size(s, a, sizeof a));
        if (s % MEMMAP_MAX_PAGE)
            return sim_errf(e, "memory.modules[%zu].size: %s is not a multiple of "
                               "16M (the largest page size); expected a multiple "
                               "of 16M between 16M and 1P",
                            i, memmap_fmt_size(s, a, sizeof a));
        t += s;
        if (t > MEMMAP_MAX_TOTAL_BYTES)
            return sim_errf(e, "memory.modules: total memory exceeds 4E; expected "
                               "at most 4E in all modules");
    }
    uint64_t p = c->pmb_size;
    if (!pow2(p))
        return sim_errf(e, "memory.pmb_size: %s is not a power of two; expected a "
                           "power of two between 16M and 1P, e.g. 256M",
                        memmap_fmt_size(p, a, sizeof a));
    if (p < MEMMAP_MAX_PAGE)
        return sim_errf(e, "memory.pmb_size: %s is smaller than the largest page "
                           "size 16M; expected a power of two >= 16M",
                        memmap_fmt_size(p, a, sizeof a));
    if (t % p)
        return sim_errf(e, "memory.pmb_size: %s does not divide total memory %s "
                           "(sum of memory.modules); expected a power of two that "
                           "divides it",
                        memmap_fmt_size(p, a, sizeof a), memmap_fmt_size(t, b, sizeof b));
    if (t / p > MM_MAX_PMBS)
        return sim_errf(e, "memory.pmb_size: %s gives %" PRIu64 " PMBs; expected at "
                           "most %llu PMBs (use a larger pmb_size)",
                        memmap_fmt_size(p, a, sizeof a), t / p, MM_MAX_PMBS);
    if (param_check_ranges(&memory_params, c, "memory", e) != 0)
        return -1; /* what the specific checks above left: the declared ranges */
    *total = t;
    return 0;
}

int memmap_config_check(const memory_config *c, sim_err *e)
{
    uint64_t total;
    return mm_validate(c, &total, e);
}

memmap *memmap_create(const memory_config *c, sim_err *e)
{
    uint64_t total = 0;
    if (mm_validate(c, &total, e) != 0)
        return NULL;
    memmap *m = calloc(1, sizeof *m);
    if (!m) {
        sim_errf(e, "memory: out of host memory");
        return NULL;
    }
    m->nmod = (unsigned)c->modules.n;
    m->pmb_shift = (unsigned)__builtin_ctzll(c->pmb_size);
    m->npmb = (size_t)(total >> m->pmb_shift);
    m->base = malloc((m->nmod + 1) * sizeof *m->base);
    m->pmb_first = malloc(m->npmb * sizeof *m->pmb_first);
    m->pmb_last = malloc(m->npmb * sizeof *m->pmb_last);
    m->node = calloc(m->nmod, sizeof *m->node);
    m->nnodes = 1;
    if (!m->base || !m->pmb_first || !m->pmb_last || !m->node) {
        memmap_destroy(m);
        sim_errf(e, "memory: out of host memory for %zu PMBs", (size_t)(total / c->pmb_size));
        return NULL;
    }
    const memory_module_config *mc = c->modules.items;
    m->base[0] = 0;
    for (unsigned i = 0; i < m->nmod; i++)
        m->base[i + 1] = m->base[i] + mc[i].size;
    unsigned mod = 0;
    for (size_t i = 0; i < m->npmb; i++) {
        uint64_t lo = (uint64_t)i << m->pmb_shift;
        uint64_t hi = lo + (1ull << m->pmb_shift) - 1;
        while (m->base[mod + 1] <= lo)
            mod++;
        m->pmb_first[i] = mod;
        unsigned l = mod;
        while (m->base[l + 1] <= hi)
            l++;
        m->pmb_last[i] = l;
    }
    return m;
}

void memmap_destroy(memmap *m)
{
    if (!m)
        return;
    free(m->base);
    free(m->pmb_first);
    free(m->pmb_last);
    free(m->node);
    free(m);
}

int memmap_set_nodes(memmap *m, const memory_config *c, unsigned nproc, sim_err *e)
{
    assert(nproc >= 1 && c->modules.n == m->nmod);
    const memory_module_config *mc = c->modules.items;
    for (unsigned i = 0; i < m->nmod; i++) {
        int64_t p = mc[i].module;
        if (p >= (int64_t)nproc)
            return sim_errf(e, "memory.modules[%u].module: processor module %lld does not exist; "
                               "expected -1 (spread) or 0..%u (machine.modules is %u)",
                            i, (long long)p, nproc - 1, nproc);
        m->node[i] = p >= 0 ? (unsigned)p : (unsigned)((uint64_t)i * nproc / m->nmod);
    }
    m->nnodes = nproc;
    return 0;
}

unsigned memmap_module_node(const memmap *m, unsigned i)
{
    assert(i < m->nmod);
    return m->node[i];
}

unsigned memmap_nodes(const memmap *m) { return m->nnodes; }

uint64_t memmap_total_bytes(const memmap *m) { return m->base[m->nmod]; }
unsigned memmap_module_count(const memmap *m) { return m->nmod; }

uint64_t memmap_module_base(const memmap *m, unsigned i)
{
    assert(i < m->nmod);
    return m->base[i];
}

uint64_t memmap_module_size(const memmap *m, unsigned i)
{
    assert(i < m->nmod);
    return m->base[i + 1] - m->base[i];
}

unsigned memmap_module_of(const memmap *m, uint64_t paddr)
{
    assert(paddr < m->base[m->nmod]);
    unsigned lo = 0, hi = m->nmod - 1; /* answer in [lo, hi] */
    while (lo < hi) {
        unsigned mid = lo + (hi - lo + 1) / 2;
        if (m->base[mid] <= paddr)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

size_t memmap_pmb_count(const memmap *m) { return m->npmb; }

uint64_t memmap_pmb_base(const memmap *m, size_t i)
{
    assert(i < m->npmb);
    return (uint64_t)i << m->pmb_shift;
}

uint64_t memmap_pmb_size(const memmap *m, size_t i)
{
    assert(i < m->npmb);
    (void)i;
    return 1ull << m->pmb_shift;
}

size_t memmap_pmb_of(const memmap *m, uint64_t paddr)
{
    assert(paddr < m->base[m->nmod]);
    return (size_t)(paddr >> m->pmb_shift);
}

void memmap_pmb_modules(const memmap *m, size_t i, unsigned *first, unsigned *last)
{
    assert(i < m->npmb);
    *first = m->pmb_first[i];
    *last = m->pmb_last[i];
}
