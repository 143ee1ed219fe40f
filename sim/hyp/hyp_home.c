/*
 * hyp_home.c - an LPAR's home nodes (memory affinity, seed 002's
 * "home node assignments" and "desired physical page level per node";
 * docs/numa.md): the desired 4K-page count per home node, given or spread
 * evenly, and the LPAR's LMBs taken on its home nodes in proportion to it.
 * The counts are kept for the hypervisor's page-in (hyp_lpar_node_pages).
 * Invariants: sum of the LMBs per home node = the LPAR's LMB count; home
 * nodes are distinct and below memmap_nodes (checked here as well as by
 * the config checks).
 */
#include <stdlib.h>
#include <string.h>

#include "hyp_int.h"

#define HOME_PAGE 4096u /* the unit of the desired page counts */

int hyp_home_assign(hyp *h, hyp_lpar *lp, const hyp_lpar_home *home, sim_err *e)
{
    unsigned n = home->n, nodes = memmap_nodes(h->env.mm);
    for (unsigned j = 0; j < n; j++) {
        if (home->nodes[j] >= nodes)
            return sim_errf(e, "home node %u does not exist; expected 0..%u", home->nodes[j],
                            nodes - 1);
        for (unsigned k = 0; k < j; k++)
            if (home->nodes[k] == home->nodes[j])
                return sim_errf(e, "home node %u given twice; expected distinct nodes",
                                home->nodes[j]);
    }
    lp->home = malloc(n * sizeof *lp->home);
    lp->home_pages = malloc(n * sizeof *lp->home_pages);
    uint64_t *per = calloc(n, sizeof *per);
    if (!lp->home || !lp->home_pages || !per) {
        free(per);
        return sim_errf(e, "out of host memory");
    }
    lp->nhome = n;
    memcpy(lp->home, home->nodes, n * sizeof *lp->home);
    uint64_t pages = lp->memory / HOME_PAGE, sum = 0;
    for (unsigned j = 0; j < n; j++) {
        lp->home_pages[j] = home->pages ? home->pages[j] : pages / n + (j < pages % n);
        sum += lp->home_pages[j];
    }
    /* LMBs in proportion to the pages, the rest one each by largest
     * remainder (ties to the earlier node); all pages 0: evenly */
    uint64_t given = 0, *rem = calloc(n, sizeof *rem);
    if (!rem) {
        free(per);
        return sim_errf(e, "out of host memory");
    }
    for (unsigned j = 0; j < n; j++) {
        unsigned __int128 x = (unsigned __int128)lp->nlmbs * lp->home_pages[j];
        per[j] = sum ? (uint64_t)(x / sum) : lp->nlmbs / n;
        rem[j] = sum ? (uint64_t)(x % sum) : (j < lp->nlmbs % n);
        given += per[j];
    }
    while (given < lp->nlmbs) {
        unsigned best = 0;
        for (unsigned j = 1; j < n; j++)
            if (rem[j] > rem[best])
                best = j;
        per[best]++;
        rem[best] = 0;
        given++;
    }
    free(rem);
    int rc = lmb_assign_home(&h->lmb, h->nlpars, lp->nlmbs, lp->lmbtab_paddr, lp->home, per, n, e);
    free(per);
    return rc;
}

unsigned hyp_lpar_home_nodes(const hyp *h, unsigned lpid, const unsigned **nodes)
{
    *nodes = h->lpars[lpid]->home;
    return h->lpars[lpid]->nhome;
}

uint64_t hyp_lpar_node_pages(const hyp *h, unsigned lpid, unsigned node)
{
    const hyp_lpar *lp = h->lpars[lpid];
    for (unsigned j = 0; j < lp->nhome; j++)
        if (lp->home[j] == node)
            return lp->home_pages[j];
    return 0;
}

unsigned hyp_thread_node(const hyp *h, unsigned t)
{
    unsigned nodes = h->cfg.numa_nodes, tpc = h->env.threads_per_core;
    unsigned cores = tpc ? h->env.nthreads / tpc : 0;
    if (!nodes || cores < nodes)
        return 0;
    return (t / tpc) / (cores / nodes);
}
