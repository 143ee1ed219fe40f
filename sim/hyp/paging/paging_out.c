/*
 * paging_out.c - page-out for the shared memory pool: frame allocation
 * (free ring, synchronous eviction when it is empty), the victim policies
 * (fifo, random, clock with and without the tlbie that clearing R needs,
 * aging: R shifted into a per-frame counter by the same hand),
 * the page-out itself (every HPTE of the frame found through the reverse
 * map and made absent, holding the logical page; the tlbie; R and C
 * harvested; only then the write-back of a dirty page or of one whose
 * device copy is not valid; the frame freed once the device has read it
 * out) and the background stealer between the watermarks.
 * Invariant: a page's frame is freed only after every TLB is coherent
 * (hyp_batch_commit) and its bytes are on the device or clean there.
 */

#include <stdlib.h>

#include "paging_int.h"

enum { O_SELECT, O_UNMAP, O_TLB, O_DQ, O_DS, O_FREE };

/* A fifo entry still names the page-in it was queued for. */
static bool fifo_live(const paging *f, const pg_lpar *l, struct pg_fifo_ent e)
{
    return f->fr[e.fr].owner == l->index + 1 && f->fr[e.fr].seq == e.seq;
}

/* Queue fr (owned by l) at the tail of l's fifo; a full ring drops its
 * stale entries first (live ones are at most the pool's frames). */
static void fifo_push(paging *f, pg_lpar *l, uint32_t fr)
{
    uint64_t cap = f->nframes + 1;
    if (l->nfifo == cap) {
        uint64_t n = 0;
        for (uint64_t k = 0; k < l->nfifo; k++) {
            struct pg_fifo_ent e = l->fifo[(l->fifo_head + k) % cap];
            if (fifo_live(f, l, e))
                l->fifo[(l->fifo_head + n++) % cap] = e;
        }
        l->nfifo = n;
    }
    l->fifo[(l->fifo_head + l->nfifo) % cap] = (struct pg_fifo_ent){fr, f->fr[fr].seq};
    l->nfifo++;
}

void pg_frame_resident(paging *f, uint32_t fr)
{
    f->fr[fr].seq = f->seq++;
    f->fr[fr].age = 0;
    f->fr[fr].last = f->oracle_now; /* as recent as the latest access heard */
    if (f->cfg.policy == PG_FIFO)
        fifo_push(f, f->lp[f->fr[fr].owner - 1], fr);
}

void pg_free_push(paging *f, uint32_t fr, uint64_t at)
{
    f->fr[fr].owner = 0;
    f->fr[fr].free_at = at;
    if (f->nnode)
        pg_node_push(f, fr);
    else
        f->free_ring[(f->free_head + f->nfree) % f->nframes] = fr;
    f->nfree++;
}

/* The valid HPTEs of frame fr (its owner's), through the reverse map. */
static int frame_hptes(paging *f, hcall_ctx *c, uint32_t fr, unsigned lpid)
{
    hyp_range r = {pg_frame_addr(f, fr), PG_PAGE};
    hyp_target t = {&r, 1, (int)lpid, -1};
    f->hits.n = 0;
    return hyp_rmap_find(hyp_get_rmap(f->h), c, &t, &f->hits, NULL);
}

/* clock: does any HPTE of fr have R? Clears it (with a tlbie unless
 * clock-notlbie) and says so. */
static bool referenced(paging *f, hcall_ctx *c, uint32_t fr, unsigned lpid)
{
    if (frame_hptes(f, c, fr, lpid) != 0)
        return false;
    const hpt *t = hyp_lpar_hpt(f->h, lpid);
    bool ref = false;
    hyp_batch b;
    hyp_batch_init(&b, c, lpid);
    for (size_t i = 0; i < f->hits.n; i++) {
        uint64_t ptex = f->hits.v[i].ptex;
        hcall_mem(c, hpt_hpte_addr(t, ptex), HPT_HPTE_BYTES, MEM_READ);
        hpte x = hpt_read(t, ptex);
        if (!(x.r & HPTE_R_R))
            continue;
        ref = true;
        hpte n = {x.v, x.r & ~HPTE_R_R};
        if (f->cfg.policy != PG_CLOCK_NOTLBIE)
            hyp_batch_downgrade(&b, ptex, x, n);
        else
            hyp_write_hpte(c, lpid, ptex, n);
    }
    hyp_batch_commit(&b);
    return ref;
}

/* share weighted: the LPAR furthest above its target, min(touched, pool x
 * weight / sum of weights), among those with a resident page; NULL for
 * share global. */
static pg_lpar *victim_lpar(paging *f)
{
    if (f->cfg.share == PG_SHARE_GLOBAL)
        return NULL;
    pg_lpar *best = NULL;
    double worst = -1;
    for (unsigned i = 0; i < f->nlp; i++) {
        pg_lpar *l = f->lp[i];
        if (l->resident <= l->pinned)
            continue;
        double target = pg_target(f, l);
        if ((double)l->demand < target)
            target = (double)l->demand;
        double r = target > 0 ? (double)l->resident / target : 1e300;
        if (r > worst) {
            worst = r;
            best = l;
        }
    }
    return best;
}

/* A frame the policy may take: owned (by `only`, if given) and not pinned. */
static bool mine(const paging *f, uint32_t fr, const pg_lpar *only)
{
    return f->fr[fr].owner && (!only || f->fr[fr].owner == only->index + 1) &&
           (!pg_pinned(f->lp[f->fr[fr].owner - 1], f->fr[fr].lpn) ||
            f->cfg.inject == PG_INJ_IGNORE_PINS) &&
           (!f->node_prefer || pg_node_misplaced(f, fr)); /* numa: misplaced frames first */
}

/* fifo: the oldest page-in (of `only`, or of every LPAR); a pinned page
 * goes back to the tail of its LPAR's queue; stale entries are skipped.
 * (numa's preference for misplaced frames is not applied here.) */
static uint32_t fifo_victim(paging *f, pg_lpar *only)
{
    uint64_t cap = f->nframes + 1;
    for (uint64_t skipped = 0; skipped <= f->nframes;) {
        pg_lpar *from = only;
        for (unsigned i = 0; !only && i < f->nlp; i++) {
            pg_lpar *l = f->lp[i];
            if (l->nfifo && (!from || !from->nfifo ||
                             l->fifo[l->fifo_head].seq < from->fifo[from->fifo_head].seq))
                from = l;
        }
        if (!from || !from->nfifo)
            return PG_NOFRAME;
        struct pg_fifo_ent e = from->fifo[from->fifo_head];
        from->fifo_head = (from->fifo_head + 1) % cap;
        from->nfifo--;
        f->st.scanned++;
        if (!fifo_live(f, from, e))
            continue;
        if (!pg_pinned(from, f->fr[e.fr].lpn) || f->cfg.inject == PG_INJ_IGNORE_PINS)
            return e.fr;
        from->fifo[(from->fifo_head + from->nfifo) % cap] = e;
        from->nfifo++;
        skipped++;
    }
    return PG_NOFRAME;
}

/* The next victim by policy (charged to c's current part); with numa, among
 * the frames off their owner's home nodes or level first (paging_node.c). */
static uint32_t policy_victim(paging *f, hcall_ctx *c, pg_lpar *only)
{
    uint64_t n = f->nframes;
    switch (f->cfg.policy) {
    case PG_FIFO:
        return fifo_victim(f, only);
    case PG_LRU_ORACLE: { /* a bound: the choice itself is not charged */
        uint32_t best = PG_NOFRAME;
        for (uint64_t fr = 0; fr < n; fr++)
            if (mine(f, (uint32_t)fr, only) &&
                (best == PG_NOFRAME || f->fr[fr].last < f->fr[best].last))
                best = (uint32_t)fr;
        f->st.scanned += n;
        return best;
    }
    case PG_RANDOM:
        for (uint64_t k = 0; k < 64 * n; k++) {
            uint32_t fr = (uint32_t)rng_below(&f->rng, n);
            f->st.scanned++;
            hcall_mem(c, pg_ftab_addr(f, fr), 8, MEM_READ);
            if (mine(f, fr, only))
                return fr;
        }
        return PG_NOFRAME;
    default: {
        uint64_t *hand = only ? &only->hand : &f->hand;
        bool aging = f->cfg.policy == PG_AGING;
        unsigned top = 1u << (f->cfg.age_bits - 1);
        for (uint64_t k = 0; k < (aging ? f->cfg.age_bits + 2 : 3) * n; k++) {
            uint32_t fr = (uint32_t)*hand;
            *hand = (*hand + 1) % n;
            hcall_mem(c, pg_ftab_addr(f, fr), 8, MEM_READ);
            if (!mine(f, fr, only))
                continue;
            f->st.scanned++;
            bool ref = referenced(f, c, fr, f->lp[f->fr[fr].owner - 1]->lpid);
            if (aging) { /* the frame-table word holds the counter */
                f->fr[fr].age = (uint8_t)((f->fr[fr].age >> 1) | (ref ? top : 0));
                hcall_mem(c, pg_ftab_addr(f, fr), 8, MEM_WRITE);
                ref = f->fr[fr].age != 0;
            }
            if (!ref)
                return fr;
            f->st.ref_cleared++;
        }
        return PG_NOFRAME;
    }
    }
}

static uint32_t select_victim(paging *f, hcall_ctx *c)
{
    pg_lpar *only = victim_lpar(f);
    pg_node_prefer(f, only);
    uint32_t fr = policy_victim(f, c, only);
    if (fr == PG_NOFRAME && f->node_prefer) {
        f->node_prefer = false;
        fr = policy_victim(f, c, only);
    }
    f->node_prefer = false;
    return fr;
}

/* Take frame fr's page out (c's op gets this page-out's parts); the cycle
 * the frame may be reused (its write-back read it out), or UINT64_MAX with
 * e set. discard: its content is dropped (a hint or a loan): no write-back,
 * the page becomes `state` without a device copy. */
uint64_t pg_page_out(paging *f, hcall_ctx *c, uint32_t fr, bool discard, unsigned state,
                     sim_err *e)
{
    pg_lpar *l = f->lp[f->fr[fr].owner - 1];
    uint64_t lpn = f->fr[fr].lpn, fa = pg_frame_addr(f, fr);
    if (f->audit && pg_pinned(l, lpn))
        pg_fail(f, "page %llu of LPAR %s is pinned (a critical area) but was chosen for "
                "page-out", (unsigned long long)lpn, hyp_lpar_name(f->h, l->lpid));
    if ((l->hint[lpn] & PG_HINT_UNUSED) && (!discard || state == PG_UNBACKED)) {
        f->cst.unused_drops++; /* hinted unused: reclaimed without a write-back */
        discard = true;
        state = PG_UNBACKED;
    }
    hcall_use_part(c, O_UNMAP);
    pg_ppt_access(f, c, l, lpn, MEM_READ);
    if (frame_hptes(f, c, fr, l->lpid) != 0) {
        sim_errf(e, "out of host memory");
        return UINT64_MAX;
    }
    const hpt *t = hyp_lpar_hpt(f->h, l->lpid);
    bool dirty = false;
    hyp_batch b;
    hyp_batch_init(&b, c, l->lpid);
    for (size_t i = 0; i < f->hits.n; i++) {
        uint64_t ptex = f->hits.v[i].ptex;
        hcall_mem(c, hpt_hpte_addr(t, ptex), HPT_HPTE_BYTES, MEM_READ);
        hpte old = hpt_read(t, ptex);
        dirty |= (old.r & HPTE_R_C) != 0;
        hyp_batch_clear(&b, ptex, old);
        hpte a = {(old.v & ~(HPTE_V_VALID | HPTE_V_HVLOCK)) | HPTE_V_ABSENT,
                  (old.r & ~(HPTE_R_RPN | HPTE_R_R | HPTE_R_C)) | (lpn << PG_SHIFT)};
        hyp_write_hpte(c, l->lpid, ptex, a);
    }
    hcall_use_part(c, O_TLB);
    if (f->cfg.inject == PG_INJ_SKIP_TLBIE)
        b.n = 0; /* the bug: the TLBs keep the translation */
    if (hyp_batch_commit(&b) != 0) {
        sim_errf(e, "out of host memory");
        return UINT64_MAX;
    }
    if (f->audit)
        pg_audit_paged_out(f, l, lpn, fr);
    hcall_use_part(c, O_FREE);
    pg_ppt_access(f, c, l, lpn, MEM_WRITE);
    hcall_mem(c, pg_ftab_addr(f, fr), 8, MEM_WRITE);
    uint64_t free_at = c->op.end;
    bool write = !discard && (dirty || !l->copy_valid[lpn] || !f->cfg.skip_clean);
    if (write && dirty && f->cfg.inject == PG_INJ_SKIP_WRITEBACK)
        write = false; /* the bug: a dirty page dropped */
    if (write) {
        physmem_read_bytes(f->h->env.pm, fa, f->buf, PG_PAGE);
        uint64_t done;
        if (pagedev_io(l->dev, PAGEDEV_WRITE, pg_slot(l, lpn), PG_PAGE, f->buf,
                       c->op.end + f->vios_cycles, &done, e) != 0) {
            sim_err_prefix(e, "paging device of LPAR %s", hyp_lpar_name(f->h, l->lpid));
            return UINT64_MAX;
        }
        f->st.writes++;
        if (!dirty && l->copy_valid[lpn])
            f->st.silent_writes++; /* the device had it already (skip_clean: false) */
        free_at = done;
    } else if (!discard) {
        f->st.clean_drops++;
    }
    l->frame[lpn] = PG_NOFRAME;
    l->resident--;
    pg_node_disown(f, fr);
    f->fr[fr].owner = 0;
    if (discard) {
        l->copy_valid[lpn] = 0;
        l->state[lpn] = (uint8_t)state;
        l->shadow[lpn] = 0;
        l->hint[lpn] = 0;
        l->demand--;
        return free_at;
    }
    l->copy_valid[lpn] = 1;
    l->state[lpn] = PG_PAGED_OUT;
    f->st.page_outs++;
    l->st.page_outs++;
    return free_at;
}

/* One page-out as its own op on a copy of c starting at c's now; *cycles
 * its hypervisor time. The frame, or PG_NOFRAME (none to take, or e set). */
static uint32_t evict_one(paging *f, hcall_ctx *c, op_id op, uint64_t *free_at, op_rec *done,
                          sim_err *e)
{
    hcall_ctx pc = *c;
    op_begin(&pc.op, c->op.end);
    pc.off_thread = 0;
    hcall_use_part(&pc, O_SELECT);
    uint32_t fr = pg_unused_victim(f); /* frames hinted unused go first */
    bool unused = fr != PG_NOFRAME;
    if (!unused)
        fr = select_victim(f, &pc);
    if (fr == PG_NOFRAME) {
        sim_errf(e, "paging: no frame to take (every frame of the pool is in transit)");
        return PG_NOFRAME;
    }
    *free_at = pg_page_out(f, &pc, fr, unused, PG_UNBACKED, e);
    if (*free_at == UINT64_MAX)
        return PG_NOFRAME;
    *done = pc.op; /* the hypervisor's time, without the write-back */
    if (*free_at > pc.op.end) /* the write-back, for the record (nobody waits here) */
        op_charge(&pc.op, O_DS, *free_at - pc.op.end);
    ops_record(f->h->env.ops, op, &pc.op);
    return fr;
}

uint64_t pg_discard_frame(paging *f, hcall_ctx *c, uint32_t fr, unsigned state, sim_err *e)
{
    hcall_ctx pc = *c;
    op_begin(&pc.op, c->op.end);
    pc.off_thread = 0;
    hcall_use_part(&pc, O_SELECT);
    uint64_t at = pg_page_out(f, &pc, fr, true, state, e);
    if (at == UINT64_MAX)
        return UINT64_MAX;
    op_charge(&c->op, c->p_compute, pc.op.end - pc.op.start);
    ops_record(f->h->env.ops, f->op_pageout, &pc.op);
    pg_free_push(f, fr, at);
    return at;
}

uint32_t pg_alloc(paging *f, hcall_ctx *c, uint64_t *ready, sim_err *e)
{
    uint32_t fr;
    if (f->nfree == 0) {
        op_rec r;
        fr = evict_one(f, c, f->op_pageout, ready, &r, e);
        if (fr == PG_NOFRAME)
            return PG_NOFRAME;
        op_charge(&c->op, c->p_compute, r.end - r.start);
        f->st.sync_evictions++;
        pg_node_own(f, fr, c->lpid);
    } else if (f->nnode) {
        fr = pg_node_take(f, c->lpid);
        f->nfree--;
        *ready = f->fr[fr].free_at;
    } else {
        fr = f->free_ring[f->free_head];
        f->free_head = (f->free_head + 1) % f->nframes;
        f->nfree--;
        *ready = f->fr[fr].free_at;
    }
    if (f->nfree < f->st.free_frames_min)
        f->st.free_frames_min = f->nfree;
    if (f->nfree < f->low && f->steal_at == UINT64_MAX) {
        f->steal_at = c->op.end;
        hyp_request_event(f->h, c->op.end);
    }
    return fr;
}

void pg_oracle_access(void *vf, unsigned lpid, uint64_t pa, uint64_t now)
{
    (void)lpid;
    paging *f = vf;
    uint32_t fr = pg_frame_of(f, pa);
    if (fr != PG_NOFRAME && f->fr[fr].owner)
        f->fr[fr].last = now;
    if (now > f->oracle_now)
        f->oracle_now = now;
}

int pg_slots_init(paging *f, sim_err *e)
{
    if (f->cfg.slots != PG_SLOTS_RANDOM)
        return 0;
    rng r;
    rng_seed(&r, rng_derive(f->cfg.seed, 0x736c6f7473ULL));
    for (unsigned i = 0; i < f->nlp; i++) {
        pg_lpar *l = f->lp[i];
        l->slot = malloc(l->npages * sizeof *l->slot);
        if (!l->slot)
            return sim_errf(e, "out of host memory");
        for (uint64_t p = 0; p < l->npages; p++)
            l->slot[p] = (uint32_t)p;
        for (uint64_t p = l->npages; p > 1; p--) { /* Fisher-Yates */
            uint64_t k = rng_below(&r, p);
            uint32_t t = l->slot[p - 1];
            l->slot[p - 1] = l->slot[k];
            l->slot[k] = t;
        }
    }
    return 0;
}

int pg_steal(paging *f, uint64_t at, sim_err *e)
{
    hcall_ctx c;
    hyp_ctx_begin(f->h, &c, 0, f->cfg.thread, at);
    f->st.steal_runs++;
    while (f->nfree < f->high && f->nfree < f->nframes) {
        uint64_t free_at;
        op_rec r;
        uint32_t fr = evict_one(f, &c, f->op_pageout, &free_at, &r, e);
        if (fr == PG_NOFRAME)
            return -1;
        for (unsigned k = O_SELECT; k <= O_FREE; k++)
            op_charge(&c.op, k, r.part[k]);
        pg_free_push(f, fr, free_at);
        f->st.steals++;
    }
    ops_record(f->h->env.ops, f->op_steal, &c.op);
    hyp_check_features(f->h);
    return hyp_check_error(f->h, e);
}
