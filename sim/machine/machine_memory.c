/*
 * machine_memory.c - how much memory a machine's config asks for: the
 * hypervisor (hypervisor.memory, or what it needs for every LPAR's HPT and
 * tables), every LPAR (configured and generated) and the spare LMBs.
 * Every sum saturates at UINT64_MAX instead of wrapping, and a demand no
 * memory can meet (more than machine.modules modules of 1P when the memory
 * is sized automatically, more than 4E otherwise) is an error at the key
 * that asks for the most, located by cfg_src ("FILE:LINE" or "--set K=V").
 */
#include <stdio.h>
#include <stdlib.h>

#include "machine_int.h"

/* a + b and a * b, or UINT64_MAX when the result does not fit */
static uint64_t sat_add(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static uint64_t sat_mul(uint64_t a, uint64_t b)
{
    return b && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

/* "256M", "1P" when exact, else "~64.06P"; "more than 16E" when saturated */
static const char *fmt_bytes(uint64_t v, char *buf, size_t len)
{
    static const char unit[] = "KMGTPE";
    if (v == UINT64_MAX)
        return "more than 16E";
    int u = 0;
    while (u < 6 && v >> (10 * (u + 1)))
        u++;
    if (u == 0 || !(v & ((1ull << (10 * u)) - 1)))
        return memmap_fmt_size(v, buf, len);
    snprintf(buf, len, "~%.4g%c", (double)v / (double)(1ull << (10 * u)), unit[u - 1]);
    return buf;
}

/* What the machine's memory must hold, in parts (sums saturate at
 * UINT64_MAX), and the key that asks for the most of it. */
typedef struct mem_need {
    uint64_t hyp, lpars, spare, hpts; /* hpts: the LPARs' HPTs (in hyp when automatic) */
    bool hyp_known;                   /* hyp is the whole need, not just the HPTs */
    uint64_t big;                     /* the largest single demand ... */
    char big_key[64];                 /* ... and the key behind it */
} mem_need;

static void demand(mem_need *d, uint64_t bytes, const char *key)
{
    if (bytes > d->big || !d->big_key[0]) {
        d->big = bytes;
        snprintf(d->big_key, sizeof d->big_key, "%s", key);
    }
}

/* The memory is too small for what the config asks: say so at the key that
 * asks for the most ("--set lpars[0].memory=64P: lpars[0].memory: ..."). */
static int need_error(const machine_config *c, const mem_need *d, uint64_t total, uint64_t cap,
                      const cfg_src *src, sim_err *e)
{
    char a[32], b[32], h[32], l[32], sp[32], msg[SIM_ERR_MAX / 2];
    int k = snprintf(msg, sizeof msg, "asks for %s; the machine's memory would have to hold %s%s "
                     "(hypervisor %s%s, LPARs %s, spare LMBs %s), ", fmt_bytes(d->big, a, sizeof a),
                     d->hyp_known ? "" : "at least ", fmt_bytes(total, b, sizeof b),
                     d->hyp_known ? "" : "at least ", fmt_bytes(d->hyp, h, sizeof h),
                     fmt_bytes(d->lpars, l, sizeof l), fmt_bytes(d->spare, sp, sizeof sp));
    if (c->memory.modules.n == 0)
        snprintf(msg + k, sizeof msg - (size_t)k, "more than the %llu memory module%s sized "
                 "automatically (one per machine.modules, at most 1P each) can hold; expected at "
                 "most %s in all", (unsigned long long)c->machine.modules,
                 c->machine.modules == 1 ? "" : "s", fmt_bytes(cap, a, sizeof a));
    else
        snprintf(msg + k, sizeof msg - (size_t)k, "more than memory can be; expected at most "
                 "%s in all", fmt_bytes(cap, a, sizeof a));
    return cfg_errf(e, src, d->big_key, "%s", msg);
}

uint64_t machine_shared_bytes(const machine_config *c)
{
    uint64_t n = 0;
    for (size_t i = 0; i < c->lpars.n; i++) {
        const lpar_config *lc = (const lpar_config *)c->lpars.items + i;
        if (lc->memory_mode == LPAR_MEM_SHARED)
            n = sat_add(n, lc->memory);
    }
    return n;
}

int machine_size_memory(const machine_config *c, const cfg_src *src, uint64_t *hyp_bytes,
                       uint64_t *need, sim_err *e)
{
    hyp_config hcs = c->hypervisor;
    hcs.shared_bytes = machine_shared_bytes(c);
    hcs.numa_nodes = c->numa.enabled ? (unsigned)c->machine.modules : 0;
    const hyp_config *hc = &hcs;
    unsigned nconf = (unsigned)c->lpars.n;
    unsigned n = nconf + hyp_drivers_lpars(&c->drivers, NULL, NULL, 0);
    *hyp_bytes = *need = 0;
    uint64_t cap = c->memory.modules.n ? MEMMAP_MAX_TOTAL_BYTES
                                       : sat_mul(c->machine.modules, MEMMAP_MAX_MODULE_BYTES);
    uint64_t *mem = calloc(n + 1, sizeof *mem), *hsz = calloc(n + 1, sizeof *hsz);
    if (!mem || !hsz) {
        free(mem);
        free(hsz);
        return sim_errf(e, "out of host memory");
    }
    hyp_drivers_lpars(&c->drivers, mem + nconf, hsz + nconf, n - nconf); /* after the configured */
    mem_need d = {0};
    char key[64];
    d.spare = sat_mul(hc->spare_lmbs, hc->lmb_size);
    demand(&d, d.spare, "hypervisor.spare_lmbs");
    if (hc->memory)
        demand(&d, hc->memory, "hypervisor.memory");
    uint64_t scen = 0;
    for (unsigned i = 0; i < n; i++) {
        const lpar_config *lc = (const lpar_config *)c->lpars.items + i;
        if (i < nconf) {
            mem[i] = lc->memory;
            hsz[i] = lc->hpt_size;
        }
        uint64_t hpt = hyp_hpt_size(hc, mem[i], hsz[i]);
        /* a shared-memory LPAR owns no LMB: the pool (hypervisor memory) backs it */
        uint64_t lmbs = i < nconf && lc->memory_mode == LPAR_MEM_SHARED ? 0 : mem[i];
        d.lpars = sat_add(d.lpars, lmbs);
        d.hpts = sat_add(d.hpts, hpt);
        uint64_t own = hc->memory ? lmbs : sat_add(lmbs, hpt);
        if (i >= nconf) {
            scen = sat_add(scen, own);
            continue;
        }
        snprintf(key, sizeof key, "lpars[%u].%s", i, hpt > mem[i] ? "hpt_size" : "memory");
        demand(&d, own, key);
    }
    demand(&d, scen, "drivers"); /* the LPARs the drivers generate */
    /* bounded inputs first: hyp_memory_needed sums per-LPAR tables and HPTs */
    d.hyp = hc->memory ? hc->memory : d.hpts;
    d.hyp_known = hc->memory != 0;
    uint64_t total = sat_add(sat_add(d.hyp, d.lpars), d.spare);
    int rc = 0;
    if (total > cap) {
        rc = need_error(c, &d, total, cap, src, e);
    } else {
        if (!hc->memory)
            d.hyp = hyp_memory_needed(hc, n, mem, hsz,
                                      (unsigned)(c->machine.modules * c->machine.cores_per_module *
                                                 c->machine.threads_per_core));
        d.hyp_known = true;
        total = sat_add(sat_add(d.hyp, d.lpars), d.spare);
        if (total > cap)
            rc = need_error(c, &d, total, cap, src, e);
    }
    free(mem);
    free(hsz);
    *hyp_bytes = d.hyp;
    *need = total;
    return rc;
}
