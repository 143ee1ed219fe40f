/*
 * thread_slb.c - a hardware thread's segment translation (the slow path of
 * thread.c's xlate, once per change of ESID for an access kind): the SLB
 * lookup, the SLB miss (the guest's handler: cpu.slb.miss_cycles, op
 * slb.miss) and the trace's SLB markers. See cpu.h and slb.h.
 * Invariant: a segment lookaside (t->seg_key[k]) names an entry of the
 * SLB whenever the thread has one.
 */
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
    t->seg_vsid[acc] = vsid;
    return 0;
}
