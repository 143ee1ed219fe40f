/*
 * thread_slb.c - a hardware thread's segment translation (the slow path of
 * thread.c's xlate, once per change of ESID for an access kind): the SLB
 * lookup, the SLB miss (the guest's handler: cpu.slb.miss_cycles, op
 * slb.miss), the trace's SLB markers and, for full-system traces, the
 * guest's recorded slbmte operands. See cpu.h and slb.h.
 * Invariant: a segment lookaside (t->seg_key[k]) names an entry of the
 * SLB whenever the thread has one.
 */
#include <stdlib.h>

#include "cpu.h"
#include "thread_int.h"

/* Drop the lookasides naming segment key. */
static void seg_forget(cpu_thread *t, uint64_t key)
{
    for (int k = 0; k < 3; k++)
        if (t->seg_key[k] == key)
            t->seg_key[k] = 0;
}

/* An SLB marker (K 16 EA: slbie of EA's segment; K 17: slbia). */
void cpu_thread_slb_marker(cpu_thread *t, const tr_rec *r)
{
    t->st.traced_slb++;
    if (r->word == TR_MARK_SLBIA) {
        cpu_slb_flush(&t->slb);
        t->seg_key[0] = t->seg_key[1] = t->seg_key[2] = 0;
        return;
    }
    uint64_t key = (r->addr >> t->v->seg_shift) + 1;
    cpu_slb_inval(&t->slb, key);
    seg_forget(t, key);
}

/* SLB entry operand fields (ISA v3.0 slbmte: RB = ESID | V | index,
 * RS = B | VSID | Ks Kp N L C | LP; IBM bit k is bit 63 - k here). */
#define SLBE_V 0x08000000ULL
#define SLBV_B_SHIFT 62
#define SLBV_L 0x100ULL
#define SLBV_LP 0x30ULL
#define SLBV_KS 0x800ULL
#define SLBV_KP 0x400ULL

int cpu_thread_slbmte(cpu_thread *t, const tr_rec *r, sim_err *e)
{
    cpu_vcpu *v = t->v;
    t->st.traced_slb++;
    if (!(r->addr & SLBE_V))
        return 0; /* an invalid entry written: nothing to translate with */
    uint64_t rs = r->nargs ? r->args[0] : 0;
    unsigned b = (unsigned)(rs >> SLBV_B_SHIFT);
    unsigned llp = (rs & SLBV_L) ? 1u + (unsigned)((rs & SLBV_LP) >> 4) : 0;
    /* L||LP base page size: 0 4K, L with LP 01 64K, L with LP 00 16M */
    unsigned base = llp == 0 ? 12 : llp == 2 ? 16 : llp == 1 ? 24 : 0;
    const char *why = b > 1 ? "a reserved segment size (B = 2 or 3)"
                    : base != v->page_shift ? "a base page size other than the LPAR's page_size"
                                            : NULL;
    if (why)
        return sim_errf(e, "LPAR %u vCPU %u: slbmte marker (K %d) RB 0x%llx RS 0x%llx loads %s; "
                           "expected 256 MB or 1 TB segments of the LPAR's page size "
                           "(lpars[].page_size)", v->b.lpid, v->b.vcpu, TR_MARK_SLBMTE,
                        (unsigned long long)r->addr, (unsigned long long)rs, why);
    unsigned sh = b ? 40 : 28;
    cpu_rseg seg = {
        .esid = r->addr >> sh,
        .shift = sh,
        /* The key is Ks in supervisor state, Kp in problem state; a trace
         * has no MSR[PR]. Linux gives kernel segments Kp only (only the
         * kernel touches them: Ks, 0) and user segments Ks and Kp (1 in
         * either state), so Ks AND Kp is the key of every access it makes
         * (docs/full-system.md). */
        .key = (rs & SLBV_KS) && (rs & SLBV_KP),
        .vsid = (rs & ~(3ULL << SLBV_B_SHIFT)) >> (b ? 24 : 12),
    };
    /* the lookasides may name a segment this one replaces or overlaps */
    t->seg_key[0] = t->seg_key[1] = t->seg_key[2] = 0;
    /* the latest load wins: drop every entry it overlaps (the guest keeps
     * no two valid overlapping entries; older ones were invalidated) */
    unsigned n = 0;
    for (unsigned i = 0; i < v->nrslb; i++) {
        const cpu_rseg *q = &v->rslb[i];
        unsigned big = q->shift > sh ? q->shift : sh;
        if ((q->esid << q->shift) >> big != (seg.esid << sh) >> big)
            v->rslb[n++] = *q;
    }
    v->nrslb = n;
    if (v->nrslb == v->caprslb) {
        unsigned cap = v->caprslb ? 2 * v->caprslb : 32;
        cpu_rseg *m = realloc(v->rslb, cap * sizeof *m);
        if (!m)
            return sim_errf(e, "out of host memory");
        v->rslb = m;
        v->caprslb = cap;
    }
    v->rslb[v->nrslb++] = seg;
    return 0;
}

/* A full-system trace's segment of ea: its latest recorded slbmte. */
static const cpu_rseg *seg_recorded(cpu_thread *t, uint64_t ea, sim_err *e)
{
    const cpu_vcpu *v = t->v;
    for (unsigned i = 0; i < v->nrslb; i++)
        if (ea >> v->rslb[i].shift == v->rslb[i].esid)
            return &v->rslb[i];
    sim_errf(e, "LPAR %u vCPU %u: access at EA 0x%llx in a segment the trace never "
                "loaded; expected an slbmte marker (K %d) for its segment (256 MB ESID "
                "0x%llx or 1 TB ESID 0x%llx) before it", v->b.lpid, v->b.vcpu,
             (unsigned long long)ea, TR_MARK_SLBMTE, (unsigned long long)(ea >> 28),
             (unsigned long long)(ea >> 40));
    return NULL;
}

/* The guest's segment of ea (creating it as the guest's SLB miss handler
 * would); its VSID in *vsid. */
static int seg_find(cpu_thread *t, uint64_t ea, uint64_t *vsid, sim_err *e)
{
    const seg_entry *s = seg_lookup(t->v->b.seg, t->v->b.context, ea);
    if (!s) {
        hpt_psize base = t->v->b.psize == PSZ_4K ? PSZ_4K : PSZ_64K;
        if (t->v->b.psize == PSZ_16M)
            base = PSZ_4K;
        s = seg_map(t->v->b.seg, t->v->b.context, ea, t->v->b.seg_1t, base, 0, 1, e);
        if (!s)
            return sim_err_prefix(e, "LPAR %u vCPU %u: segment for EA 0x%llx", t->v->b.lpid,
                                  t->v->b.vcpu, (unsigned long long)ea);
    }
    *vsid = s->vsid;
    return 0;
}

/* Slow path, once per change of ESID for an access kind: the SLB lookup;
 * on a miss the guest's handler runs (cpu.slb.miss_cycles, op slb.miss)
 * and installs the entry. Without an SLB, the segment table alone. */
int cpu_thread_segment(cpu_thread *t, uint64_t ea, enum cpu_access acc, sim_err *e)
{
    uint64_t key = (ea >> t->v->seg_shift) + 1, vsid = 0;
    if (t->v->b.recorded_slb) {
        const cpu_rseg *s = seg_recorded(t, ea, e);
        if (!s)
            return -1;
        t->seg_key[acc] = key;
        t->la_epn[acc] = UINT64_MAX; /* its VPNs may differ */
        t->seg_vsid[acc] = s->vsid;
        t->seg_vshift[acc] = s->shift;
        t->seg_pkey[acc] = s->key;
        return 0;
    }
    const cpu_slb_entry *se = t->slb.n ? cpu_slb_find(&t->slb, key) : NULL;
    if (se) {
        vsid = se->vsid;
    } else {
        if (seg_find(t, ea, &vsid, e) != 0)
            return -1;
        if (t->slb.n) {
            op_rec o;
            op_begin(&o, t->clock);
            op_charge(&o, 0, t->cfg->slb.miss_cycles);
            ops_record(t->ops, t->op_slb_miss, &o);
            t->clock = o.end;
            t->st.slb_misses++;
            uint64_t old = cpu_slb_insert(&t->slb, key, vsid);
            if (old)
                seg_forget(t, old);
        }
    }
    t->seg_key[acc] = key;
    t->la_epn[acc] = UINT64_MAX; /* its VPNs may differ */
    t->seg_vsid[acc] = vsid;
    t->seg_vshift[acc] = t->v->seg_shift;
    t->seg_pkey[acc] = 1;
    return 0;
}
