/*
 * strategy_exhaustive.c - the seed's baseline: to find the mappings of
 * pages whose sharing ends, read every (wanted) LPAR's whole HPT. Keeps no
 * metadata and costs nothing on the map path; its search grows with the
 * number of LPARs times their HPT size.
 */
#include <stdlib.h>

#include "smr_int.h"

typedef struct exh_state {
    smr *s;
} exh_state;

static uint64_t exh_lpar_bytes(const smr_config *c, uint64_t lmb, uint64_t mem, uint64_t hpt)
{
    (void)c, (void)lmb, (void)mem, (void)hpt;
    return 0;
}

static uint64_t exh_global_bytes(const smr_config *c)
{
    (void)c;
    return 0;
}

static void *exh_create(smr *s)
{
    exh_state *st = malloc(sizeof *st);
    if (st)
        st->s = s;
    return st;
}

static int exh_find(void *vst, smr_exec *x, const hyp_target *t, hyp_hits *out)
{
    exh_state *st = vst;
    smr *s = st->s;
    if (!t->n)
        return 0; /* nothing ends (e.g. a terminated LPAR that shared nothing) */
    for (unsigned l = 0; l < s->nlp; l++) {
        if (!s->lp[l].alive || !hyp_target_wants(t, l))
            continue;
        if (smr_scan_hpt(s, x, l, t, out) != 0)
            return -1;
    }
    return 0;
}

const smr_strategy_ops smr_exhaustive_ops = {
    .name = "exhaustive",
    .lpar_bytes = exh_lpar_bytes,
    .global_bytes = exh_global_bytes,
    .create = exh_create,
    .destroy = free,
    .find = exh_find,
};
