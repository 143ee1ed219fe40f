/*
 * strategy_rmap.c - the KVM way (book3s_64_mmu_hv): the hypervisor core's
 * reverse map of HPTE slots per real page (rmap.h), which H_ENTER and
 * every removal keep current at O(1) each, charged to the map path when
 * this strategy is selected. The search reads the head of every 4K page of
 * the target and follows its chain; it never reads an HPT it does not need.
 * Tables in hypervisor memory, per LPAR (the core's): heads (memory / 4K x
 * 8 B), then the revmap (16 B per HPTE slot, as large as the HPT). A shared
 * page's chain hangs off its owner's (the server's) head.
 */
#include <stdlib.h>

#include "smr_int.h"

typedef struct rm_state {
    smr *s;
} rm_state;

static uint64_t rm_lpar_bytes(const smr_config *c, uint64_t lmb, uint64_t mem, uint64_t hpt)
{
    (void)c, (void)lmb;
    return hyp_rmap_lpar_bytes(mem, hpt);
}

static uint64_t rm_global_bytes(const smr_config *c)
{
    (void)c;
    return 0;
}

static void *rm_create(smr *s)
{
    rm_state *st = malloc(sizeof *st);
    if (st)
        st->s = s;
    return st;
}

static int rm_find(void *vst, smr_exec *x, const hyp_target *t, hyp_hits *out)
{
    rm_state *st = vst;
    smr *s = st->s;
    return hyp_rmap_find(hyp_get_rmap(s->h), x, t, out, x ? &s->stt.rmap_entries_walked : NULL);
}

const smr_strategy_ops smr_rmap_ops = {
    .name = "rmap",
    .lpar_bytes = rm_lpar_bytes,
    .global_bytes = rm_global_bytes,
    .create = rm_create,
    .destroy = free,
    .find = rm_find,
};
