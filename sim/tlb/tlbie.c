/*
 * tlbie.c - TLB invalidation: global tlbie (LPID-scoped, every thread's TLB,
 * serialised per LPAR by a tlbie lock modelled as one `resource` per LPAR)
 * and local tlbiel (one TLB, no lock). Functional effect and cost are done
 * together: the entries are dropped at the call, the cost is returned.
 * Cost model (tlb_config, POWER9 figures at 3.8 GHz):
 *   global n pages, n <= tlbie_flush_threshold: fixed + (n - 1) * page
 *   global n > threshold (or explicit flush): tlbie_flush_cycles
 *   local n <= tlbiel_flush_threshold: n * tlbiel_page
 *   local n > threshold: sets * tlbiel_page (one tlbiel per congruence class)
 */
#include "tlb/tlb.h"

#include <assert.h>
#include <string.h>
#include <stddef.h>
#include <stdlib.h>

#include "core/resource.h"

struct tlbie_fabric {
    tlb_config cfg;
    resource *lock; /* per LPAR */
    unsigned nlpars;
    tlbie_stats st;
};

#define S(field) offsetof(tlbie_stats, field)
static const stat_desc tlbie_stats_desc[] = {
    {"tlbies", SK_COUNTER, "sequences", "Global invalidation sequences issued.", S(tlbies), NULL},
    {"pages", SK_COUNTER, "pages", "Pages named by global invalidations.", S(pages), NULL},
    {"flushes", SK_COUNTER, "sequences",
     "Global sequences done as an LPAR flush (over the threshold or explicit).", S(flushes), NULL},
    {"lock_waits", SK_COUNTER, "sequences", "Sequences that waited for their LPAR's tlbie lock.",
     S(lock_waits), NULL},
    {"wait_cycles", SK_COUNTER, "cycles", "Cycles spent waiting for tlbie locks.",
     S(wait_cycles), NULL},
    {"busy_cycles", SK_COUNTER, "cycles", "Cycles the tlbie locks were held.", S(busy_cycles),
     NULL},
    {"dropped", SK_COUNTER, "entries", "TLB entries removed by global invalidations.",
     S(dropped), NULL},
};
#undef S

const stat_table tlbie_stat_table = {"tlbie", tlbie_stats_desc, PARAM_COUNT(tlbie_stats_desc)};

tlbie_fabric *tlbie_fabric_create(const tlb_config *cfg, unsigned nlpars, sim_err *e)
{
    assert(cfg);
    if (nlpars == 0 || nlpars - 1 > TLB_MAX_LPID) {
        sim_errf(e, "tlbie: %u LPARs; expected 1 to %u", nlpars, TLB_MAX_LPID + 1);
        return NULL;
    }
    tlbie_fabric *f = calloc(1, sizeof *f);
    if (f)
        f->lock = calloc(nlpars, sizeof *f->lock);
    if (!f || !f->lock) {
        free(f);
        sim_errf(e, "tlbie: out of memory");
        return NULL;
    }
    f->cfg = *cfg;
    f->nlpars = nlpars;
    return f;
}

int tlbie_fabric_reserve(tlbie_fabric *f, unsigned nlpars, sim_err *e)
{
    if (nlpars <= f->nlpars)
        return 0;
    if (nlpars - 1 > TLB_MAX_LPID)
        return sim_errf(e, "tlbie: %u LPARs; expected 1 to %u", nlpars, TLB_MAX_LPID + 1);
    resource *v = realloc(f->lock, nlpars * sizeof *v);
    if (!v)
        return sim_errf(e, "tlbie: out of memory");
    memset(v + f->nlpars, 0, (nlpars - f->nlpars) * sizeof *v);
    f->lock = v;
    f->nlpars = nlpars;
    return 0;
}

void tlbie_fabric_destroy(tlbie_fabric *f)
{
    if (!f)
        return;
    free(f->lock);
    free(f);
}

const tlbie_stats *tlbie_get_stats(const tlbie_fabric *f) { return &f->st; }

uint64_t tlbie_global_work(const tlb_config *cfg, unsigned n)
{
    if (n == 0)
        return 0;
    if (n > cfg->tlbie_flush_threshold)
        return cfg->tlbie_flush_cycles;
    return cfg->tlbie_fixed_cycles + (uint64_t)(n - 1) * cfg->tlbie_page_cycles;
}

uint64_t tlbiel_local_work(const tlb_config *cfg, uint64_t sets, unsigned n)
{
    if (n > cfg->tlbiel_flush_threshold)
        return sets * cfg->tlbiel_page_cycles;
    return (uint64_t)n * cfg->tlbiel_page_cycles;
}

/* Take the LPAR's lock for `work` cycles from `now`; fill out. */
static uint64_t tlbie_charge(tlbie_fabric *f, uint32_t lpid, uint64_t work, uint64_t now,
                             tlbie_cost *out)
{
    assert(lpid < f->nlpars);
    uint64_t start = resource_acquire(&f->lock[lpid], now, work);
    uint64_t q = start - now;
    f->st.tlbies++;
    f->st.busy_cycles += work;
    if (q) {
        f->st.lock_waits++;
        f->st.wait_cycles += q;
    }
    if (out) {
        out->queueing = q;
        out->work = work;
        out->total = q + work;
    }
    return q + work;
}

static uint64_t tlbie_drop_lpid(tlb **tlbs, unsigned ntlbs, uint32_t lpid)
{
    uint64_t d = 0;
    for (unsigned i = 0; i < ntlbs; i++)
        d += tlb_inval_lpid(tlbs[i], lpid);
    return d;
}

uint64_t tlbie_global(tlbie_fabric *f, tlb **tlbs, unsigned ntlbs, uint32_t lpid,
                      const uint64_t *vpns, const uint8_t *psizes, unsigned n,
                      uint64_t now, tlbie_cost *out)
{
    assert(f && (ntlbs == 0 || tlbs));
    if (n == 0) {
        if (out)
            *out = (tlbie_cost){0, 0, 0};
        return 0;
    }
    assert(vpns && psizes);
    f->st.pages += n;
    if (n > f->cfg.tlbie_flush_threshold) {
        f->st.flushes++;
        f->st.dropped += tlbie_drop_lpid(tlbs, ntlbs, lpid);
    } else {
        for (unsigned i = 0; i < ntlbs; i++)
            for (unsigned k = 0; k < n; k++)
                f->st.dropped += tlb_inval_va(tlbs[i], lpid, vpns[k], psizes[k]);
    }
    return tlbie_charge(f, lpid, tlbie_global_work(&f->cfg, n), now, out);
}

uint64_t tlbie_global_flush(tlbie_fabric *f, tlb **tlbs, unsigned ntlbs, uint32_t lpid,
                            uint64_t now, tlbie_cost *out)
{
    assert(f && (ntlbs == 0 || tlbs));
    f->st.flushes++;
    f->st.dropped += tlbie_drop_lpid(tlbs, ntlbs, lpid);
    return tlbie_charge(f, lpid, f->cfg.tlbie_flush_cycles, now, out);
}

uint64_t tlbiel_local(tlb *t, uint32_t lpid, const uint64_t *vpns, const uint8_t *psizes,
                      unsigned n, uint64_t now)
{
    (void)now; /* no shared resource: the cost does not depend on the time */
    const tlb_config *cfg = tlb_get_config(t);
    if (n > cfg->tlbiel_flush_threshold) {
        tlb_inval_lpid(t, lpid);
    } else {
        assert(n == 0 || (vpns && psizes));
        for (unsigned k = 0; k < n; k++)
            tlb_inval_va(t, lpid, vpns[k], psizes[k]);
    }
    return tlbiel_local_work(cfg, tlb_sets(t), n);
}
