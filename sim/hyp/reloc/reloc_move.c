/*
 * reloc_move.c - the relocation's own work as timed events on thread
 * hypervisor.reloc.thread (reloc_int.h has the steps): the start of an
 * LMB's move (a target slot), each granule's start (find, block, absent
 * and one tlbie batch, copy) and finish (retarget, unblock), and the LMB's
 * end (leftover absent entries, the LMB-table switch through the core's
 * hyp_lmb_switch). Each event is charged through an hcall context on that
 * thread's core: memory traffic at the real addresses of the tracker, the
 * HPTEs, the reverse map and the pages.
 * Invariant: event A of granule g ends at block_end; event B runs there, so
 * a granule is in transit exactly over [A's start, block_end).
 */
#include <stdlib.h>
#include <string.h>

#include "hyp/platform.h"
#include "reloc_int.h"

static void set_part(hcall_ctx *c, unsigned p)
{
    c->p_compute = c->p_memory = p;
    c->p_tlb = c->p_queueing = RP_TLB;
}

static void ctx_at(reloc *r, hcall_ctx *c, uint64_t at, unsigned part)
{
    hyp_ctx_begin(r->h, c, r->lpid, (unsigned)r->cfg.thread, at);
    c->fs = r;
    set_part(c, part);
}

/* An event's work into the LMB's op and the statistics. */
static void account(reloc *r, const hcall_ctx *c)
{
    for (unsigned p = 0; p < RP_STALL; p++)
        op_charge(&r->lmb_op, p, c->op.part[p]);
    r->st.total_cycles += c->op.end - c->op.start;
}

static bool is_absent(hpte x)
{
    return (x.v & (HPTE_V_ABSENT | HPTE_V_VALID)) == HPTE_V_ABSENT;
}

bool reloc_in_lmb(const reloc *r, uint64_t la)
{
    uint64_t lsz = r->h->cfg.lmb_size;
    return r->state == RELOC_RUNNING && la / lsz == r->k;
}

uint64_t reloc_real_of(const reloc *r, uint64_t la)
{
    const hyp_lpar *lp = r->h->lpars[r->lpid];
    uint64_t lsz = r->h->cfg.lmb_size;
    if (la >= lp->memory)
        return UINT64_MAX;
    if (!reloc_in_lmb(r, la))
        return lp->lmb_base[la / lsz] + la % lsz;
    uint64_t off = la % lsz;
    switch (r->gstate[off / r->cfg.granule]) {
    case RG_PENDING: return r->src + off;
    case RG_MOVED: return r->dst + off;
    default: return UINT64_MAX;
    }
}

void reloc_retarget(reloc *r, hcall_ctx *c, uint64_t ptex, hpte x)
{
    hpte g = {(x.v & ~HPTE_V_ABSENT) | HPTE_V_VALID, x.r};
    int ps = hpte_decode_psize_any(g.v, g.r);
    if (ps < 0)
        return;
    uint64_t la = hpte_real_addr(g.r, (hpt_psize)ps);
    uint64_t ra = reloc_real_of(r, la);
    if (ra == UINT64_MAX)
        return;
    g.r = g.r - la + ra;
    hyp_write_hpte(c, r->lpid, ptex, g);
    hyp_notify_insert(c, ptex, g, ra);
}

/* A free slot for LMB k, outside the source's PMB when there is one. */
static uint64_t take_target(reloc *r)
{
    hyp *h = r->h;
    lmb_space *l = &h->lmb;
    uint64_t lsz = h->cfg.lmb_size, first = UINT64_MAX, to;
    size_t src_pmb = memmap_pmb_of(h->env.mm, r->src);
    uint64_t *stash = NULL, nst = 0, cap = 0;
    while ((to = lmb_take(l, r->lpid)) != UINT64_MAX) {
        if (memmap_pmb_of(h->env.mm, to * lsz) != src_pmb)
            break;
        if (nst == cap) {
            cap = cap ? 2 * cap : 16;
            uint64_t *v = realloc(stash, cap * sizeof *v);
            if (!v) {
                l->owner[to] = LMB_FREE;
                lmb_give(l, to);
                to = UINT64_MAX;
                break;
            }
            stash = v;
        }
        stash[nst++] = to; /* in the source's PMB: the last resort */
    }
    if (to == UINT64_MAX && nst) {
        first = stash[0];
        to = first;
    }
    for (uint64_t i = nst; i-- > 0;)
        if (stash[i] != first)
            lmb_give(l, stash[i]);
    free(stash);
    return to;
}

static int begin_lmb(reloc *r, uint64_t at)
{
    hyp *h = r->h;
    hyp_lpar *lp = h->lpars[r->lpid];
    uint64_t lsz = h->cfg.lmb_size;
    r->k = r->cfg.lmb + r->moved_lmbs;
    r->src = lp->lmb_base[r->k];
    uint64_t to = take_target(r);
    if (to == UINT64_MAX) {
        reloc_fail(r, "hypervisor.reloc: no free LMB slot to move LMB %llu of LPAR %s to",
                   (unsigned long long)r->k, lp->name);
        return -1;
    }
    h->lmb.slot_lmb[to] = (uint32_t)r->k;
    r->dst_slot = to;
    r->dst = to * lsz;
    memset(r->gstate, RG_PENDING, r->ngran);
    r->cur = 0;
    r->phase = 0;
    r->enter_absent_lmb = 0;
    op_begin(&r->lmb_op, at);
    return 0;
}

static int push_absent(reloc *r, uint64_t ptex)
{
    if (r->nabsent == r->capabsent) {
        uint64_t cap = r->capabsent ? 2 * r->capabsent : 64;
        uint64_t *v = realloc(r->absent, cap * sizeof *v);
        if (!v)
            return -1;
        r->absent = v;
        r->capabsent = cap;
    }
    r->absent[r->nabsent++] = ptex;
    return 0;
}

/* Event A: granule cur is blocked, unmapped and copied. */
static void start_granule(reloc *r, uint64_t at)
{
    hyp *h = r->h;
    uint64_t g = r->cur, gsz = r->cfg.granule;
    uint64_t s = r->src + g * gsz, d = r->dst + g * gsz;
    const hpt *t = &h->lpars[r->lpid]->hpt;
    hcall_ctx c;
    ctx_at(r, &c, at, RP_FIND);
    hyp_range rg = {s, gsz};
    hyp_target tg = {&rg, 1, (int)r->lpid, -1};
    hyp_hits hits = {0};
    int rc = r->cfg.find == RELOC_FIND_RMAP ? hyp_rmap_find(hyp_get_rmap(h), &c, &tg, &hits, NULL)
                                            : hyp_scan_hpt(h, &c, r->lpid, &tg, &hits);
    if (rc != 0) {
        free(hits.v);
        reloc_fail(r, "out of host memory finding the HPTEs of a relocation granule");
        return;
    }
    r->st.hptes_found += hits.n;
    /* the translation block indicator set, the pin count read */
    set_part(&c, RP_BLOCK);
    hcall_mem(&c, r->tracker_paddr + 16 * g, 8, MEM_WRITE);
    hcall_mem(&c, r->tracker_paddr + 16 * g + 8, 8, MEM_READ);
    hcall_steps(&c, 1);
    if (r->pin[g])
        r->st.pin_waits++; /* nothing pins yet: never */
    if (r->cfg.inject != RELOC_INJ_SKIP_BLOCK)
        r->gstate[g] = RG_TRANSIT;
    /* every HPTE mapping it made absent (r: the logical page), one batch */
    set_part(&c, RP_HPTE);
    hyp_batch b;
    hyp_batch_init(&b, &c, r->lpid);
    r->nabsent = 0;
    for (size_t i = 0; i < hits.n && r->cfg.inject != RELOC_INJ_SKIP_BLOCK; i++) {
        uint64_t ptex = hits.v[i].ptex;
        hcall_mem(&c, hpt_hpte_addr(t, ptex), HPT_HPTE_BYTES, MEM_READ);
        hpte x = hpt_read(t, ptex);
        uint64_t bytes;
        uint64_t ra = hyp_hpte_real(x, &bytes);
        if (ra == UINT64_MAX)
            continue;
        if (bytes > gsz) {
            reloc_fail(r, "hypervisor.reloc.granule: %llu is smaller than a %llu-byte page LPAR "
                          "%s maps; expected a granule of at least its page size",
                       (unsigned long long)gsz, (unsigned long long)bytes,
                       h->lpars[r->lpid]->name);
            break;
        }
        uint64_t la = r->k * h->cfg.lmb_size + (ra - r->src);
        hpte n = {(x.v & ~HPTE_V_VALID) | HPTE_V_ABSENT, x.r - ra + la};
        if (r->cfg.inject == RELOC_INJ_SKIP_TLBIE)
            hyp_write_hpte(&c, r->lpid, ptex, n);
        else
            hyp_batch_downgrade(&b, ptex, x, n);
        hyp_notify_remove(&c, r->lpid, ptex, x);
        if (push_absent(r, ptex) != 0)
            reloc_fail(r, "out of host memory for the relocation's entry tracker");
        r->st.hptes_absented++;
    }
    free(hits.v);
    if (b.n) {
        r->st.tlbies++;
        r->st.tlbie_pages += b.n;
    }
    if (hyp_batch_commit(&b) != 0)
        reloc_fail(r, "out of host memory for a relocation's tlbie batch");
    /* the bytes, through the memory model */
    set_part(&c, RP_COPY);
    if (r->audit)
        r->csum = reloc_checksum(r, s, gsz);
    mem_copy_res cr;
    if (hyp_copy(h, c.thread, c.op.end, d, s, gsz, &cr) != 0)
        reloc_fail(r, "out of host memory copying a relocation granule");
    op_charge(&c.op, RP_COPY, cr.cycles);
    r->st.bytes_copied += gsz;
    r->block_end = c.op.end;
    uint64_t dur = c.op.end - c.op.start;
    if (dur > r->st.max_granule_cycles)
        r->st.max_granule_cycles = dur;
    ops_record(h->env.ops, r->op_granule, &c.op);
    account(r, &c);
    r->phase = 1;
    r->next_at = r->block_end;
    if (r->audit)
        reloc_audit_transit(r, g);
}

/* Absent entries of the LMB that H_ENTER wrote while a granule was in
 * transit and no miss resolved: a charged scan of the LPAR's HPT. */
static void sweep_leftovers(reloc *r, hcall_ctx *c)
{
    hyp *h = r->h;
    const hpt *t = &h->lpars[r->lpid]->hpt;
    uint64_t lsz = h->cfg.lmb_size;
    hyp_stream(h, c, t->base, t->size, MEM_READ);
    for (uint64_t p = 0; p < t->size / HPT_HPTE_BYTES; p++) {
        hpte x = hpt_read(t, p);
        if (!is_absent(x))
            continue;
        int ps = hpte_decode_psize_any((x.v & ~HPTE_V_ABSENT) | HPTE_V_VALID, x.r);
        if (ps < 0 || hpte_real_addr(x.r, (hpt_psize)ps) / lsz != r->k)
            continue;
        reloc_retarget(r, c, p, x);
        r->st.leftover_absent++;
    }
}

static void end_lmb(reloc *r, hcall_ctx *c)
{
    hyp *h = r->h;
    if (r->enter_absent_lmb)
        sweep_leftovers(r, c);
    hyp_lmb_switch(c, r->lpid, r->k, r->dst_slot, "the source slot of a relocated LMB");
    r->st.lmbs_moved++;
    r->moved_lmbs++;
    if (r->audit)
        reloc_audit_lmb(r);
    account(r, c);
    ops_record(h->env.ops, r->op_lmb, &r->lmb_op);
    r->state = r->moved_lmbs < r->cfg.count ? RELOC_RUNNING : RELOC_DONE;
    r->phase = 2; /* the next event begins the next LMB */
}

/* Event B: granule cur's HPTEs at the target, its block lifted. */
static void finish_granule(reloc *r, uint64_t at)
{
    hyp *h = r->h;
    uint64_t g = r->cur;
    const hpt *t = &h->lpars[r->lpid]->hpt;
    hcall_ctx c;
    ctx_at(r, &c, at, RP_HPTE);
    r->gstate[g] = RG_MOVED;
    for (uint64_t i = 0; i < r->nabsent; i++) {
        uint64_t ptex = r->absent[i];
        hcall_mem(&c, hpt_hpte_addr(t, ptex), HPT_HPTE_BYTES, MEM_READ);
        hpte x = hpt_read(t, ptex);
        if (!is_absent(x))
            continue; /* refaulted, or removed by the guest */
        reloc_retarget(r, &c, ptex, x);
        r->st.hptes_retargeted++;
    }
    r->nabsent = 0;
    set_part(&c, RP_BLOCK);
    hcall_mem(&c, r->tracker_paddr + 16 * g, 8, MEM_WRITE); /* indicator cleared */
    r->st.granules++;
    if (r->audit)
        reloc_audit_moved(r, g);
    r->cur++;
    r->phase = 0;
    if (r->cur == r->ngran) {
        set_part(&c, RP_HPTE);
        end_lmb(r, &c);
    } else
        account(r, &c);
    r->next_at = c.op.end;
}

int reloc_event(void *f, uint64_t at, sim_err *e)
{
    reloc *r = f;
    (void)e;
    if (r->state == RELOC_IDLE || r->phase == 2) {
        r->state = RELOC_RUNNING;
        if (begin_lmb(r, at) != 0)
            return 0; /* latched: the run stops */
        start_granule(r, at);
    } else if (r->phase == 0)
        start_granule(r, at);
    else
        finish_granule(r, at);
    return 0;
}
