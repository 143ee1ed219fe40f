/*
 * channel.c - the patch-channel matrix of strategy patch-channel (layout:
 * channel_int.h): sizes, the hypervisor memory it takes (reserved for
 * channel.max_threads threads, allocated for the machine's), the per-LPAR
 * state and statistics, the modeled accesses to channel lines, and (for
 * mode remap's reuse gate, host side, no cycles) whether a consumer still
 * has a patch pending for a translation (pc_owes).
 *
 * Cost of a channel line: the thread's caches (mem_access on its port),
 * line by line; the cache model has no coherence, so the transfer of a line
 * another core modified last is modeled here: each line of a channel region
 * remembers the core that wrote it last (owner, -1 once another core read
 * it: shared), and an access from any other core costs at least
 * channel.remote_line_cycles (POWER-NOTES: remote L3/L4 ~55 ns). A write to
 * a shared line is charged as the caches say (the invalidation of the other
 * copies is not modeled: an underestimate).
 * Invariant: owner[i] is -1 or the core of the last writer of line i, and
 * it is -1 after any access by another core than that one.
 */
#include <stdio.h>
#include <stdlib.h>

#include "channel_int.h"

static uint64_t round_line(uint64_t b)
{
    return (b + PC_LINE - 1) / PC_LINE * PC_LINE;
}

unsigned pc_patch_bytes(const coh_channel_config *c)
{
    return 16u + (c->derived_value ? 16u : 0u) + (c->usefulness ? 8u : 0u);
}

uint64_t pc_chan_bytes(const coh_channel_config *c)
{
    return PC_LINE + round_line(c->patches * pc_patch_bytes(c));
}

uint64_t pc_lpar_bytes(const coh_channel_config *c, uint64_t threads)
{
    return threads * PC_LINE + threads * threads * pc_chan_bytes(c);
}

uint64_t pc_memory(const coh_config *c, unsigned nlpars, const uint64_t *hpt_bytes)
{
    (void)hpt_bytes;
    uint64_t t = c->channel.max_threads ? c->channel.max_threads : c->max_threads;
    return t * PC_LINE + nlpars * pc_lpar_bytes(&c->channel, t);
}

int pc_create(coh *k, sim_err *e)
{
    const coh_channel_config *c = &k->cfg.channel;
    unsigned T = k->h->env.nthreads;
    if (c->max_threads && T > c->max_threads)
        return sim_errf(e, "hypervisor.coherency.channel.max_threads: %llu, but the machine has "
                           "%u hardware threads; expected at least %u (or 0: the machine's)",
                        (unsigned long long)c->max_threads, T, T);
    if (k->cfg.filter == COH_FILTER_TRACKED && !k->h->env.threads)
        return sim_errf(e, "hypervisor.coherency.filter: tracked needs the machine's threads");
    pc *P = calloc(1, sizeof *P);
    if (!P)
        return sim_errf(e, "out of host memory");
    k->sx = P;
    P->cfg = *c;
    P->T = T;
    P->sum_words = 1; /* the LPAR bits in use grow with the LPARs (pc_lpar_added) */
    P->sum_owner = malloc(T * sizeof *P->sum_owner);
    P->vpn = malloc((size_t)T * c->patches * sizeof *P->vpn);
    P->ps = malloc((size_t)T * c->patches);
    P->slot_of = malloc((size_t)T * c->patches * sizeof *P->slot_of);
    if (!P->sum_owner || !P->vpn || !P->ps || !P->slot_of)
        return sim_errf(e, "out of host memory");
    for (unsigned i = 0; i < T; i++)
        P->sum_owner[i] = -1;
    P->summary = lmb_hyp_alloc_top(&k->h->lmb, (uint64_t)T * PC_LINE, PC_LINE);
    if (P->summary == UINT64_MAX)
        return sim_errf(e, "hypervisor memory is too small for the patch channels' summary "
                           "lines; set hypervisor.memory to 0 (automatic)");
    return 0;
}

static void free_lpar(pc_lpar *pl)
{
    if (!pl)
        return;
    hist_free(&pl->st.occupancy);
    hist_free(&pl->st.stale_window);
    hist_free(&pl->st.drain_patches);
    free(pl->owner);
    free(pl->stamp);
    free(pl->postponed);
    free(pl);
}

void pc_destroy(coh *k)
{
    for (unsigned i = 0; i < k->nlp; i++)
        if (k->lp[i]) {
            free_lpar(k->lp[i]->sx);
            k->lp[i]->sx = NULL;
        }
    pc *P = k->sx;
    if (!P)
        return;
    free(P->sum_owner);
    free(P->vpn);
    free(P->ps);
    free(P->slot_of);
    free(P);
    k->sx = NULL;
}

int pc_lpar_added(coh *k, unsigned lpid, sim_err *e)
{
    pc *P = k->sx;
    coh_lpar *lp = k->lp[lpid];
    if (lpid >= PC_MAX_LPARS)
        return sim_errf(e, "hypervisor.coherency.strategy: patch-channel keeps a bit per LPAR "
                           "in each thread's summary line (%u LPARs); LPAR %u is one too many",
                        PC_MAX_LPARS, lpid);
    pc_lpar *pl = calloc(1, sizeof *pl);
    if (!pl)
        return sim_errf(e, "out of host memory");
    lp->sx = pl;
    hist_init(&pl->st.occupancy);
    hist_init(&pl->st.stale_window);
    hist_init(&pl->st.drain_patches);
    pc_layout *L = &pl->L;
    L->threads = P->T;
    L->patches = P->cfg.patches;
    L->patch_bytes = pc_patch_bytes(&P->cfg);
    L->chan_bytes = pc_chan_bytes(&P->cfg);
    L->bytes = pc_lpar_bytes(&P->cfg, P->T);
    L->ptba = k->h->lpars[lpid]->hpt.base | PC_INUSE;
    L->base = lmb_hyp_alloc_top(&k->h->lmb, L->bytes, PC_LINE);
    if (L->base == UINT64_MAX)
        return sim_errf(e, "hypervisor memory is too small for LPAR %u's patch channels "
                           "(%llu bytes); set hypervisor.memory to 0 (automatic)",
                        lpid, (unsigned long long)L->bytes);
    uint64_t lines = L->bytes / PC_LINE, slots = (uint64_t)P->T * P->T * L->patches;
    pl->owner = malloc(lines * sizeof *pl->owner);
    pl->stamp = calloc(slots, sizeof *pl->stamp);
    pl->postponed = calloc(slots, 1);
    if (!pl->owner || !pl->stamp || !pl->postponed)
        return sim_errf(e, "out of host memory");
    for (uint64_t i = 0; i < lines; i++)
        pl->owner[i] = -1;
    pl->st.channel_bytes = L->bytes;
    if (lpid / 64 + 1 > P->sum_words)
        P->sum_words = lpid / 64 + 1;
    if (stats_register(k->h->env.stats, lp->prefix, &pc_stat_table, &pl->st) != 0)
        return sim_errf(e, "out of host memory");
    return 0;
}

const pc_layout *pc_layout_of(const coh *k, unsigned lpid)
{
    if (k->strat != &coh_patch_channel || lpid >= k->nlp || !k->lp[lpid] || !k->lp[lpid]->sx)
        return NULL;
    return &((const pc_lpar *)k->lp[lpid]->sx)->L;
}

uint64_t pc_access(coh *k, int16_t *owner, uint64_t base, unsigned thread, uint64_t paddr,
                   uint32_t size, mem_kind kind, uint64_t now)
{
    const pc *P = k->sx;
    const mem_port *port = k->h->env.ports[thread];
    unsigned tpc = k->h->env.threads_per_core ? k->h->env.threads_per_core : 1;
    int16_t core = (int16_t)(thread / tpc);
    uint64_t spent = 0, end = paddr + size;
    for (uint64_t line = paddr / PC_LINE * PC_LINE; line < end; line += PC_LINE) {
        uint64_t lo = line > paddr ? line : paddr, hi = line + PC_LINE < end ? line + PC_LINE : end;
        uint64_t lat = mem_access(port, lo, (uint32_t)(hi - lo), kind, now + spent);
        int16_t *o = &owner[(line - base) / PC_LINE];
        if (*o >= 0 && *o != core && lat < P->cfg.remote_line_cycles)
            lat = P->cfg.remote_line_cycles;
        if (kind == MEM_WRITE)
            *o = core;
        else if (*o != core)
            *o = -1;
        spent += lat;
    }
    return spent;
}

void pc_store(coh *k, uint64_t paddr, uint64_t v)
{
    if (physmem_write64(k->h->env.pm, paddr, v) != 0 && !k->failed) {
        k->failed = true;
        sim_errf(&k->err, "out of host memory writing a patch channel at real address 0x%llx",
                 (unsigned long long)paddr);
        hyp_fail(k->h, &k->err);
    }
}

bool pc_owes(const coh *k, unsigned t, unsigned lpid, uint64_t vpn, unsigned psize)
{
    if (lpid >= k->nlp || !k->lp[lpid] || !k->lp[lpid]->sx)
        return false;
    const pc_lpar *pl = k->lp[lpid]->sx;
    const pc_layout *L = &pl->L;
    physmem *pm = k->h->env.pm;
    uint64_t key = pc_key(vpn, psize), pend = pc_pending_addr(L, t);
    for (uint64_t w = 0; w < (L->threads + 63) / 64; w++)
        for (uint64_t bits = physmem_read64(pm, pend + w * 8); bits; bits &= bits - 1) {
            unsigned p = (unsigned)(w * 64 + (uint64_t)__builtin_ctzll(bits));
            uint64_t chan = pc_chan_addr(L, p, t);
            for (uint64_t s = physmem_read64(pm, chan), e = physmem_read64(pm, chan + 8); s < e;
                 s++) {
                uint64_t pa = pc_patch_addr(L, p, t, s % L->patches);
                uint64_t off = physmem_read64(pm, pa + 8);
                if (physmem_read64(pm, pa) == L->ptba && (off == key || off == PC_FLUSH_KEY))
                    return true;
            }
        }
    return false;
}
