/*
 * paging_node.c - memory affinity of the shared memory pool (seed 002
 * §1.C, docs/numa.md "Shared LPARs"): with numa on, the pool is carved
 * per node, a part on each node's memory (whole LMB slots taken on the
 * node, lmb_take_node, that become hypervisor memory: no LPAR maps them),
 * with a free ring per node.
 *
 * Sizing: node n's part is the pool's frames in proportion to the pages
 * the shared LPARs want there: hyp_lpar_node_pages of each LPAR with home
 * nodes, and an even share of the memory of each shared LPAR without
 * (largest remainder, ties to the lower node). So under any overcommit
 * each home node holds its LPARs' share of the pool; a part in proportion
 * to the nodes' memory would leave a node that many LPARs call home short
 * and one nobody calls home idle.
 * Page-in (pg_node_take) takes a frame from the home node of the faulting
 * LPAR furthest below its desired level (hyp_lpar_node_pages; ties in
 * home order), else from its home node with the most free frames, else
 * from the node with the most free frames (ties: lower node). An LPAR
 * without home nodes takes from the node with the most free frames.
 * Page-out (pg_node_prefer / pg_node_misplaced): while any frame of an LPAR
 * with home nodes lies off them or on a home node above its level, the
 * policy chooses among those frames only.
 * Invariants: the nodes' parts are disjoint and number the frames node by
 * node; sum of the rings' nfree = f->nfree; node_used[n] of an LPAR = its
 * frames on node n (checked against the frame table at the end under the
 * auditor).
 */
#include <stdio.h>
#include <stdlib.h>

#include "paging_int.h"

#define S(f) offsetof(pg_node_stats, f)
static const stat_desc nstats[] = {
    {"frames", SK_COUNTER, "frames", "Pool frames on this node (its part of the pool).",
     S(frames), NULL},
    {"used", SK_COUNTER, "frames", "Frames of this node holding a page at the end.", S(used),
     NULL},
    {"allocs", SK_COUNTER, "frames", "Page-ins and zero fills that took a frame of this node.",
     S(allocs), NULL},
    {"free_min", SK_COUNTER, "frames", "Fewest free frames on this node at any time.",
     S(free_min), NULL},
};
const stat_table pg_node_stat_table = {"paging.node", nstats, PARAM_COUNT(nstats)};

static double home_share(const void *base)
{
    const pg_lnode_stats *s = base;
    uint64_t n = s->home_frames + s->away_frames;
    return n ? (double)s->home_frames / (double)n : 0.0;
}

#define L(f) offsetof(pg_lnode_stats, f)
static const stat_desc lstats[] = {
    {"below_level", SK_COUNTER, "frames", "Frames it took on a home node below its desired "
     "level there (lpars[].node_pages).", L(below_level), NULL},
    {"home", SK_COUNTER, "frames", "Frames it took on a home node at or above that level.",
     L(home), NULL},
    {"away", SK_COUNTER, "frames", "Frames it took off its home nodes (all of them when it has "
     "none).", L(away), NULL},
    {"home_frames", SK_COUNTER, "frames", "Its resident frames on its home nodes at the end.",
     L(home_frames), NULL},
    {"away_frames", SK_COUNTER, "frames", "Its resident frames elsewhere at the end.",
     L(away_frames), NULL},
    {"home_share", SK_DERIVED, "ratio", "home_frames / (home_frames + away_frames); 0 with no "
     "resident frame.", 0, home_share},
};
const stat_table pg_lnode_stat_table = {"paging.lpar.node", lstats, PARAM_COUNT(lstats)};

/* Node of frame fr (its part). */
static unsigned node_of(const paging *f, uint32_t fr)
{
    unsigned k = 0;
    while (k + 1 < f->nnode && fr >= f->node[k + 1].first)
        k++;
    return k;
}

static uint64_t per_slot(const paging *f) { return f->h->lmb.lmb_size / PG_PAGE; }

uint64_t pg_node_frame_addr(const paging *f, uint32_t fr)
{
    const pg_node *n = &f->node[node_of(f, fr)];
    uint64_t j = fr - n->first, fps = per_slot(f);
    return n->slot[j / fps] + j % fps * PG_PAGE;
}

uint32_t pg_node_frame_of(const paging *f, uint64_t ra)
{
    uint64_t size = f->h->lmb.lmb_size, fps = per_slot(f);
    for (unsigned k = 0; k < f->nnode; k++) {
        const pg_node *n = &f->node[k];
        uint64_t lo = 0, hi = n->nslot; /* the last slot based at or below ra */
        while (hi - lo > 1) {
            uint64_t mid = (lo + hi) / 2;
            if (n->slot[mid] <= ra)
                lo = mid;
            else
                hi = mid;
        }
        if (!n->nslot || ra < n->slot[lo] || ra - n->slot[lo] >= size)
            continue;
        uint64_t j = lo * fps + (ra - n->slot[lo]) / PG_PAGE;
        return j < n->n ? (uint32_t)(n->first + j) : PG_NOFRAME;
    }
    return PG_NOFRAME;
}

uint64_t pg_node_ftab_addr(const paging *f, uint32_t fr)
{
    const pg_node *n = &f->node[node_of(f, fr)];
    return n->ftab ? n->ftab + 8 * (uint64_t)(fr - n->first) : f->ftab_paddr + 8 * (uint64_t)fr;
}

static uint64_t round128(uint64_t b) { return (b + 127) / 128 * 128; }

/* node_tables: node k's frame-table entries and the PPTs of the LPARs
 * whose first home node is k, in one block: the rest of the node's last
 * pool slot if they fit, else another LMB slot of k, else a run of
 * never-used slots on k; none: they stay in hypervisor memory. */
static void place_tables(paging *f, unsigned k)
{
    pg_node *n = &f->node[k];
    uint64_t need = n->n ? round128(n->n * 8) : 0;
    for (unsigned i = 0; i < f->nlp; i++) {
        const unsigned *homes;
        if (hyp_lpar_home_nodes(f->h, f->lp[i]->lpid, &homes) && homes[0] == k)
            need += round128(f->lp[i]->npages * 8);
    }
    if (!need)
        return;
    uint64_t size = f->h->lmb.lmb_size, at = UINT64_MAX;
    if (n->nslot) {
        uint64_t used = (n->n - (n->nslot - 1) * per_slot(f)) * PG_PAGE;
        if (size - used >= need)
            at = n->slot[n->nslot - 1] + used;
    }
    if (at == UINT64_MAX && need <= size) {
        uint64_t s = lmb_take_node(&f->h->lmb, LMB_HYP, k);
        at = s == UINT64_MAX ? s : s * size;
    }
    if (at == UINT64_MAX)
        at = lmb_hyp_alloc_node(&f->h->lmb, need, PG_PAGE, k);
    if (at == UINT64_MAX)
        return;
    if (n->n) {
        n->ftab = at;
        at += round128(n->n * 8);
    }
    for (unsigned i = 0; i < f->nlp; i++) {
        const unsigned *homes;
        if (hyp_lpar_home_nodes(f->h, f->lp[i]->lpid, &homes) && homes[0] == k) {
            f->lp[i]->ppt_paddr = at; /* its words are host-side: nothing to copy */
            at += round128(f->lp[i]->npages * 8);
        }
    }
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* The desired pages of each node, into w (numa nodes long). */
static void node_weights(const paging *f, double *w)
{
    const hyp *h = f->h;
    for (unsigned i = 0; i < f->nlp; i++) {
        unsigned lpid = f->lp[i]->lpid;
        const unsigned *homes;
        unsigned nh = hyp_lpar_home_nodes(h, lpid, &homes);
        for (unsigned k = 0; k < f->nnode; k++)
            w[k] += nh ? (double)hyp_lpar_node_pages(h, lpid, k)
                       : (double)f->lp[i]->npages / f->nnode;
    }
}

int pg_node_carve(paging *f, sim_err *e)
{
    unsigned nn = f->h->cfg.numa_nodes;
    f->node = calloc(nn, sizeof *f->node);
    double *w = calloc(nn, sizeof *w), *rem = calloc(nn, sizeof *rem);
    for (unsigned i = 0; f->node && i < f->nlp; i++)
        if (!(f->lp[i]->node_used = calloc(nn, sizeof *f->lp[i]->node_used)))
            break;
    if (!f->node || !w || !rem || (f->nlp && !f->lp[f->nlp - 1]->node_used)) {
        free(w), free(rem);
        return sim_errf(e, "out of host memory");
    }
    f->nnode = nn;
    node_weights(f, w);
    double sum = 0;
    for (unsigned k = 0; k < nn; k++)
        sum += w[k];
    uint64_t given = 0;
    for (unsigned k = 0; k < nn; k++) {
        double x = sum > 0 ? (double)f->nframes * w[k] / sum : (double)f->nframes / nn;
        f->node[k].n = (uint64_t)x;
        rem[k] = x - (double)f->node[k].n;
        given += f->node[k].n;
    }
    while (given < f->nframes) { /* largest remainder, ties to the lower node */
        unsigned best = 0;
        for (unsigned k = 1; k < nn; k++)
            if (rem[k] > rem[best])
                best = k;
        f->node[best].n++;
        rem[best] = -1;
        given++;
    }
    free(w), free(rem);
    uint64_t first = 0;
    for (unsigned k = 0; k < nn; k++) {
        pg_node *n = &f->node[k];
        n->first = first;
        first += n->n;
        n->st.frames = n->st.free_min = n->nfree = n->n;
        if (!n->n)
            continue;
        uint64_t need = (n->n + per_slot(f) - 1) / per_slot(f);
        if (!(n->ring = malloc(n->n * sizeof *n->ring)) ||
            !(n->slot = malloc(need * sizeof *n->slot)))
            return sim_errf(e, "out of host memory");
        for (; n->nslot < need; n->nslot++) {
            uint64_t s = lmb_take_node(&f->h->lmb, LMB_HYP, k);
            if (s == UINT64_MAX)
                return sim_errf(e, "hypervisor.paging: node %u has %llu free LMBs of the %llu "
                                   "its part of the pool needs (%llu frames, in proportion to "
                                   "the shared LPARs' pages there); expected more memory on "
                                   "that node (memory.modules), a smaller pool, or numa off",
                                k, (unsigned long long)n->nslot, (unsigned long long)need,
                                (unsigned long long)n->n);
            n->slot[n->nslot] = s * f->h->lmb.lmb_size;
        }
        qsort(n->slot, n->nslot, sizeof *n->slot, cmp_u64);
        for (uint64_t j = 0; j < n->n; j++)
            n->ring[j] = (uint32_t)(n->first + j);
        char prefix[64];
        snprintf(prefix, sizeof prefix, "paging.node%u", k);
        if (stats_register(f->h->env.stats, prefix, &pg_node_stat_table, &n->st) != 0)
            return sim_errf(e, "out of host memory");
    }
    for (unsigned k = 0; f->cfg.node_tables && k < nn; k++)
        place_tables(f, k);
    for (unsigned i = 0; i < f->nlp; i++) {
        char prefix[160];
        snprintf(prefix, sizeof prefix, "paging.%s.node", hyp_lpar_name(f->h, f->lp[i]->lpid));
        if (stats_register(f->h->env.stats, prefix, &pg_lnode_stat_table, &f->lp[i]->nst) != 0)
            return sim_errf(e, "out of host memory");
    }
    return 0;
}

void pg_node_free(paging *f)
{
    for (unsigned k = 0; f->node && k < f->nnode; k++)
        free(f->node[k].ring), free(f->node[k].slot);
    free(f->node);
    f->node = NULL;
}

static bool is_home(const unsigned *homes, unsigned nh, unsigned k)
{
    for (unsigned j = 0; j < nh; j++)
        if (homes[j] == k)
            return true;
    return false;
}

void pg_node_own(paging *f, uint32_t fr, unsigned lpid)
{
    if (!f->nnode)
        return;
    pg_lpar *l = pg_lpar_of(f, lpid);
    unsigned k = node_of(f, fr);
    const unsigned *homes;
    unsigned nh = hyp_lpar_home_nodes(f->h, lpid, &homes);
    if (!is_home(homes, nh, k))
        l->nst.away++;
    else if (l->node_used[k] < hyp_lpar_node_pages(f->h, lpid, k))
        l->nst.below_level++;
    else
        l->nst.home++;
    l->node_used[k]++;
    f->node[k].st.allocs++;
}

void pg_node_disown(paging *f, uint32_t fr)
{
    if (!f->nnode || !f->fr[fr].owner)
        return;
    f->lp[f->fr[fr].owner - 1]->node_used[node_of(f, fr)]--;
}

/* Pop node k's oldest free frame. */
static uint32_t pop(paging *f, unsigned k)
{
    pg_node *n = &f->node[k];
    uint32_t fr = n->ring[n->head];
    n->head = (n->head + 1) % n->n;
    n->nfree--;
    if (n->nfree < n->st.free_min)
        n->st.free_min = n->nfree;
    return fr;
}

uint32_t pg_node_take(paging *f, unsigned lpid)
{
    pg_lpar *l = pg_lpar_of(f, lpid);
    const unsigned *homes;
    unsigned nh = hyp_lpar_home_nodes(f->h, lpid, &homes);
    int best = -1;
    uint64_t gap = 0;
    for (unsigned j = 0; j < nh; j++) { /* the home node furthest below its level */
        unsigned k = homes[j];
        uint64_t lvl = hyp_lpar_node_pages(f->h, lpid, k);
        if (f->node[k].nfree && l->node_used[k] < lvl && lvl - l->node_used[k] > gap) {
            gap = lvl - l->node_used[k];
            best = (int)k;
        }
    }
    for (unsigned j = 0; best < 0 && j < nh; j++) /* the home node with most free frames */
        if (f->node[homes[j]].nfree && f->node[homes[j]].nfree > gap) {
            gap = f->node[homes[j]].nfree;
            best = (int)homes[j];
        }
    for (unsigned k = 0; best < 0 && k < f->nnode; k++) /* any: the most free frames */
        if (f->node[k].nfree > gap) {
            gap = f->node[k].nfree;
            best = (int)k;
        }
    for (unsigned k = 0; best < 0 && k < f->nnode; k++)
        if (f->node[k].nfree)
            best = (int)k;
    uint32_t fr = pop(f, (unsigned)best);
    pg_node_own(f, fr, lpid);
    return fr;
}

void pg_node_push(paging *f, uint32_t fr)
{
    pg_node *n = &f->node[node_of(f, fr)];
    n->ring[(n->head + n->nfree) % n->n] = fr;
    n->nfree++;
}

/* Has LPAR l frames off its home nodes or above its level on one? */
static bool has_misplaced(const paging *f, const pg_lpar *l)
{
    const unsigned *homes;
    unsigned nh = hyp_lpar_home_nodes(f->h, l->lpid, &homes);
    if (!nh)
        return false;
    for (unsigned k = 0; k < f->nnode; k++)
        if (l->node_used[k] > hyp_lpar_node_pages(f->h, l->lpid, k))
            return true;
    return false;
}

void pg_node_prefer(paging *f, const pg_lpar *only)
{
    f->node_prefer = false;
    for (unsigned i = 0; f->nnode && i < f->nlp && !f->node_prefer; i++)
        if (!only || only == f->lp[i])
            f->node_prefer = has_misplaced(f, f->lp[i]);
}

bool pg_node_misplaced(const paging *f, uint32_t fr)
{
    const pg_lpar *l = f->lp[f->fr[fr].owner - 1];
    unsigned k = node_of(f, fr);
    const unsigned *homes;
    if (!hyp_lpar_home_nodes(f->h, l->lpid, &homes))
        return false;
    return l->node_used[k] > hyp_lpar_node_pages(f->h, l->lpid, k);
}

void pg_node_finish(paging *f)
{
    if (!f->nnode)
        return;
    for (unsigned i = 0; i < f->nlp; i++)
        f->lp[i]->nst.home_frames = f->lp[i]->nst.away_frames = 0;
    uint64_t *count = calloc((size_t)f->nlp * f->nnode + 1, sizeof *count);
    for (unsigned k = 0; k < f->nnode; k++) {
        pg_node *n = &f->node[k];
        n->st.used = 0;
        for (uint64_t j = 0; j < n->n; j++) {
            const pg_frame *x = &f->fr[n->first + j];
            if (!x->owner)
                continue;
            n->st.used++;
            pg_lpar *l = f->lp[x->owner - 1];
            const unsigned *homes;
            unsigned nh = hyp_lpar_home_nodes(f->h, l->lpid, &homes);
            if (is_home(homes, nh, k))
                l->nst.home_frames++;
            else
                l->nst.away_frames++;
            if (count)
                count[(size_t)l->index * f->nnode + k]++;
        }
    }
    for (unsigned i = 0; count && f->audit && i < f->nlp; i++)
        for (unsigned k = 0; k < f->nnode; k++)
            if (count[(size_t)i * f->nnode + k] != f->lp[i]->node_used[k])
                pg_fail(f, "LPAR %s holds %llu frames on node %u, but its count says %llu",
                        hyp_lpar_name(f->h, f->lp[i]->lpid),
                        (unsigned long long)count[(size_t)i * f->nnode + k], k,
                        (unsigned long long)f->lp[i]->node_used[k]);
    free(count);
    uint64_t nfree = 0;
    for (unsigned k = 0; k < f->nnode; k++)
        nfree += f->node[k].nfree;
    if (f->audit && nfree != f->nfree)
        pg_fail(f, "the nodes' free rings hold %llu frames, the pool counts %llu free",
                (unsigned long long)nfree, (unsigned long long)f->nfree);
}
