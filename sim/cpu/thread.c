/*
 * thread.c - one hardware thread replaying its vCPU's trace (see cpu.h).
 * The hit path (segment lookaside, TLB hit, cache access) is kept short;
 * TLB misses and page faults leave through the slow path in walk(), a
 * change of segment through cpu_thread_segment (thread_slb.c). The
 * functional warm-up is in thread_warm.c.
 */
#include <assert.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "decode.h"
#include "thread_int.h"

/* class_cycles must line up with ppc_class and PPC_COST_DIV */
_Static_assert(sizeof(cpu_class_cycles) == PPC_COST_COUNT * sizeof(uint64_t),
               "cpu_class_cycles: one field per timing slot");
_Static_assert(offsetof(cpu_class_cycles, mul) == PPC_MULDIV * sizeof(uint64_t) &&
                   offsetof(cpu_class_cycles, invalid) == PPC_INVALID * sizeof(uint64_t) &&
                   offsetof(cpu_class_cycles, div) == PPC_COST_DIV * sizeof(uint64_t),
               "cpu_class_cycles: field order follows ppc_class");

#define CC_F(f) offsetof(cpu_class_cycles, f)
#define CC(name, f, def, what)                                                               \
    {name, PT_UINT, "cycles", def, 0, 100000, NULL, what, CC_F(f), NULL}
static const param_desc class_cycles_list[] = {
    CC("load", load, "1", "Issue cycles of a load instruction (its data access is the trace's "
                          "L record, charged apart)."),
    CC("store", store, "1", "Issue cycles of a store instruction (the S record is charged apart)."),
    CC("branch", branch, "1", "Cycles of a branch (no misprediction model)."),
    CC("integer", integer, "1", "Cycles of a fixed-point add, logical, shift, rotate, compare."),
    CC("mul", mul, "4", "Cycles of an integer multiply (assumption, POWER9-like)."),
    CC("float", fp, "4", "Cycles of a floating-point instruction, binary or decimal "
                         "(assumption, pipelined FPU latency)."),
    CC("vector", vector, "4", "Cycles of a VMX/VSX instruction that is not a load or store "
                              "(assumption)."),
    CC("barrier", barrier, "20", "Cycles of sync, lwsync, ptesync, isync, eieio (assumption: "
                                 "drain cost with an empty store queue)."),
    CC("tlb", tlb, "10", "Cycles of tlbie, tlbiel, tlbsync, slbie, slbmte ... as executed by the "
                         "trace (assumption; the hypervisor's own invalidations are costed by "
                         "the tlb component)."),
    CC("syscall", syscall, "30", "Cycles of sc / sc 1 / scv: the interrupt entry (assumption; "
                                 "hcall records are costed by the hypervisor)."),
    CC("other", other, "1", "Cycles of any other instruction (SPR moves, cache management, traps)."),
    CC("invalid", invalid, "1", "Cycles charged for a word neither Capstone nor the fallback "
                                "decodes (such words are counted in cpu.decode.invalid)."),
    CC("div", div, "20", "Cycles of an integer divide or modulo (assumption, POWER9-like)."),
};
static const param_table class_cycles_table = {
    "class_cycles", sizeof(cpu_class_cycles), class_cycles_list, PARAM_COUNT(class_cycles_list),
    "Cycles per instruction class, used instead of insn_cycles for records that carry an "
    "instruction word."};

#define CPU_F(f) offsetof(cpu_config, f)
static const param_desc cpu_param_list[] = {
    {"insn_cycles", PT_UINT, "cycles", "1", 1, 1000, NULL,
     "Cycles per instruction for the non-memory part of every instruction record "
     "(in-order, one instruction per cycle by default).", CPU_F(insn_cycles), NULL},
    {"hidden_latency", PT_UINT, "cycles", "3", 0, 1000, NULL,
     "Load/fetch latency the pipeline hides; only latency beyond it stalls the thread "
     "(3 = an L1 hit costs nothing extra).", CPU_F(hidden_latency), NULL},
    {"quantum", PT_UINT, "cycles", "2000", 1, 1e9, NULL,
     "How far a thread may run ahead of the thread furthest behind before the scheduler "
     "switches (smaller = finer interleaving of shared-resource requests, slower).",
     CPU_F(quantum), NULL},
    {"thread_width", PT_UINT, "insns/cycle", "1", 1, 16, NULL,
     "Instructions one SMT thread may issue per cycle (1 = at most one per cycle, the "
     "calibration of insn_cycles and class_cycles).", CPU_F(thread_width), NULL},
    {"issue_width", PT_UINT, "insns/cycle", "4", 1, 64, NULL,
     "Issue slots of a core per cycle, shared by its SMT threads that are replaying: a "
     "one-cycle instruction costs max(1/thread_width, k/issue_width) cycles with k such "
     "threads (POWER9 SMT4 core: 4-wide dispatch per thread set, assumption).",
     CPU_F(issue_width), NULL},
    {"decode", PT_BOOL, "", "true", 0, 0, NULL,
     "Decode the instruction words a trace carries (Capstone, then an opcode fallback) and "
     "charge class_cycles by instruction class; false = insn_cycles for every instruction.",
     CPU_F(decode), NULL},
    {"class_cycles", PT_STRUCT, "", NULL, 0, 0, NULL,
     "Cycles per instruction class for records that carry an instruction word.",
     CPU_F(class_cycles), &class_cycles_table},
    {"slb", PT_STRUCT, "", NULL, 0, 0, NULL,
     "Segment lookaside buffer per hardware thread (slb.h).", CPU_F(slb), &cpu_slb_params},
};
const param_table cpu_params = {"cpu", sizeof(cpu_config), cpu_param_list,
                                PARAM_COUNT(cpu_param_list),
                                "Hardware threads: per-instruction timing and scheduling."};

#define ST_F(f) offsetof(cpu_thread_stats, f)
static double ipc(const void *b)
{
    const cpu_thread_stats *s = b;
    return s->busy_cycles ? (double)s->insns / (double)s->busy_cycles : 0.0;
}
static const stat_desc cpu_stat_list[] = {
    {"records", SK_COUNTER, "records", "trace records replayed", ST_F(records), NULL},
    {"insns", SK_COUNTER, "records", "instruction records", ST_F(insns), NULL},
    {"loads", SK_COUNTER, "records", "load records", ST_F(loads), NULL},
    {"stores", SK_COUNTER, "records", "store records", ST_F(stores), NULL},
    {"modifies", SK_COUNTER, "records", "modify (load+store) records", ST_F(modifies), NULL},
    {"other_records", SK_COUNTER, "records", "hcall and marker records handed to the guest",
     ST_F(other_records), NULL},
    {"page_crossings", SK_COUNTER, "accesses", "accesses that touched two pages",
     ST_F(page_crossings), NULL},
    {"traced_tlbie", SK_COUNTER, "insns", "tlbie instructions in the trace (global LPAR flush)",
     ST_F(traced_tlbie), NULL},
    {"traced_tlbiel", SK_COUNTER, "insns", "tlbiel instructions in the trace (local LPAR flush)",
     ST_F(traced_tlbiel), NULL},
    {"traced_slb", SK_COUNTER, "insns", "slbie/slbia/slbieg instructions and SLB markers in "
     "the trace", ST_F(traced_slb), NULL},
    {"slb_misses", SK_COUNTER, "misses", "SLB misses (segments not in the thread's SLB; 0 "
     "when cpu.slb.enabled is false)", ST_F(slb_misses), NULL},
    {"tlb_miss_cycles", SK_COUNTER, "cycles", "cycles spent in TLB misses (walks and faults)",
     ST_F(tlb_miss_cycles), NULL},
    {"stall_cycles", SK_COUNTER, "cycles", "load and fetch latency beyond the hidden part",
     ST_F(stall_cycles), NULL},
    {"busy_cycles", SK_COUNTER, "cycles", "cycles the thread spent replaying its trace",
     ST_F(busy_cycles), NULL},
    {"ipc", SK_DERIVED, "insns/cycle", "instructions per busy cycle", 0, ipc},
};
const stat_table cpu_thread_stat_table = {"cpu", cpu_stat_list, PARAM_COUNT(cpu_stat_list)};

int cpu_thread_init(cpu_thread *t, unsigned id, unsigned module, unsigned core, unsigned smt,
                    tlb *tl, const mem_port *port, const cpu_config *cfg, ops_reg *ops,
                    sim_err *e)
{
    memset(t, 0, sizeof *t);
    t->id = id;
    t->module = module;
    t->core = core;
    t->smt = smt;
    t->tlb = tl;
    t->port = port;
    t->walk_port = port;
    t->cfg = cfg;
    t->issue_k = UINT_MAX;
    for (unsigned a = 0; a < 3; a++)
        t->la_epn[a] = UINT64_MAX; /* (la_entry NULL) */
    t->ops = ops;
    t->done = true;
    t->op_tlb_miss = ops_declare(ops, "tlb.miss", "TLB miss (a lookup without a translation "
                                 "allowing the access: no entry, or a store through an entry "
                                 "loaded while C = 0; one per tlb.*.misses): HPT search, and the "
                                 "page fault if the HPT had no entry", "walk,fault");
    if (t->op_tlb_miss == OP_INVALID)
        return sim_errf(e, "op type tlb.miss: already declared with other parts, or out of "
                           "host memory");
    t->op_slb_miss = ops_declare(ops, "slb.miss", "SLB miss (a segment not in the thread's "
                                 "SLB): the guest's segment interrupt handler, "
                                 "cpu.slb.miss_cycles", "handler");
    if (t->op_slb_miss == OP_INVALID)
        return sim_errf(e, "op type slb.miss: already declared with other parts, or out of "
                           "host memory");
    ops_report_if_used(ops, t->op_slb_miss);
    if (cpu_slb_init(&t->slb, &cfg->slb, e) != 0)
        return -1;
    /* the trace buffer is allocated by the first refill */
    return 0;
}

void cpu_thread_free(cpu_thread *t)
{
    cpu_vcpu_free(&t->own);
    cpu_slb_free(&t->slb);
}

void cpu_vcpu_free(cpu_vcpu *v)
{
    free(v->buf);
    v->buf = NULL;
    free(v->rslb);
    v->rslb = NULL;
    v->nrslb = v->caprslb = 0;
}

void cpu_thread_share_core(cpu_thread *t, unsigned *active)
{
    t->core_active = active;
    t->issue_k = UINT_MAX;
    if (active && t->bound && !t->done)
        (*active)++;
}

void cpu_thread_finished(cpu_thread *t)
{
    if (!t->done && t->core_active)
        (*t->core_active)--;
    t->done = true;
    if (t->v)
        t->v->done = true;
}

static void la_clear(cpu_thread *t)
{
    for (unsigned a = 0; a < 3; a++) {
        t->la_entry[a] = t->la_prev[a] = NULL;
        t->la_epn[a] = UINT64_MAX;
    }
}

/* TLB/SLB management words (primary opcode 31, extended opcode in bits
 * 21-30): their effect on the model; returns extra cycles. */
uint64_t cpu_thread_insn_effect_31(cpu_thread *t, uint32_t word)
{
    switch ((word >> 1) & 0x3ff) {
    case 306: /* tlbie */
        t->st.traced_tlbie++;
        la_clear(t);
        return t->v->b.tlbie ? t->v->b.tlbie(t->v->b.ctx, t, t->clock) : 0;
    case 274: { /* tlbiel */
        t->st.traced_tlbiel++;
        tlb_inval_lpid(t->tlb, t->v->b.lpid);
        la_clear(t);
        const tlb_config *c = tlb_get_config(t->tlb);
        return tlbiel_local_work(c, tlb_sets(t->tlb), (unsigned)c->tlbiel_flush_threshold + 1);
    }
    case 434: case 466: /* slbie, slbieg: RB (the target) is not traced */
        t->st.traced_slb++;
        t->seg_key[0] = t->seg_key[1] = t->seg_key[2] = 0;
        return 0;
    case 498: /* slbia */
        t->st.traced_slb++;
        cpu_slb_flush(&t->slb);
        t->seg_key[0] = t->seg_key[1] = t->seg_key[2] = 0;
        return 0;
    default:
        return 0;
    }
}

/* Cycles of one instruction whose base cost is c. */
static inline void issue(cpu_thread *t, uint64_t c)
{
    if (c != 1 || !t->core_active) {
        t->clock += c;
        return;
    }
    /* in units of 1/(tw*iw) cycle: one slot of the thread = iw units, one
     * share of the core = k * tw units */
    unsigned k = *t->core_active;
    if (k != t->issue_k) {
        uint64_t tw = t->cfg->thread_width, iw = t->cfg->issue_width;
        t->issue_k = k;
        t->issue_units = iw > k * tw ? iw : k * tw;
        t->issue_whole = tw * iw;
    }
    uint64_t whole = t->issue_whole;
    t->issue_frac += t->issue_units;
    if (t->issue_frac < whole)
        return;
    if (t->issue_frac < 2 * whole) { /* the usual carry: no division */
        t->clock++;
        t->issue_frac -= whole;
        return;
    }
    t->clock += t->issue_frac / whole;
    t->issue_frac %= whole;
}

void cpu_vcpu_init(cpu_vcpu *v, const cpu_binding *b)
{
    free(v->buf);
    free(v->rslb);
    memset(v, 0, sizeof *v);
    v->b = *b;
    if (v->b.repeat == 0)
        v->b.repeat = 1;
    v->page_shift = hpt_psize_shift(v->b.psize);
    /* recorded segments may be 256 MB: the lookasides work at that grain */
    v->seg_shift = v->b.seg_1t && !v->b.recorded_slb ? 40 : 28;
}

void cpu_thread_bind(cpu_thread *t, const cpu_binding *b)
{
    cpu_vcpu_init(&t->own, b);
    cpu_thread_switch(t, &t->own);
}

void cpu_thread_switch(cpu_thread *t, cpu_vcpu *v)
{
    bool was = t->bound && !t->done, now = v && !v->done;
    if (t->core_active && was != now) {
        if (now)
            (*t->core_active)++;
        else
            (*t->core_active)--;
    }
    t->v = v;
    t->bound = v != NULL;
    t->done = !now;
    t->la_ctx = v ? tlb_make_ctx(v->b.lpid, v->b.psize) : 0;
    la_clear(t);
    if (v && v != t->slb_vcpu) {
        /* another vCPU's segments: the partition switch leaves only the
         * bolted entries (cpu.h) */
        cpu_slb_flush(&t->slb);
        t->seg_key[0] = t->seg_key[1] = t->seg_key[2] = 0;
        t->slb_vcpu = v;
    }
}

/* TLB miss: search the HPT (charging PTEG probes), fault if absent, retry. */
static int walk(cpu_thread *t, uint64_t ea, uint64_t vpn, unsigned shift, enum cpu_access acc,
                uint64_t *rpn, sim_err *e)
{
    op_rec o;
    op_begin(&o, t->clock);
    t->walks++;
    int hv_retries = 0;
    for (int tries = 0;; tries++) {
        hpt_result r;
        unsigned key = t->seg_pkey[acc];
        int x = hpt_translate(t->v->b.hpt, t->seg_vsid[acc], ea, shift,
                              t->seg_vshift[acc] == 40, key, acc == CPU_STORE, t->walk_port,
                              o.end, &r);
        op_charge(&o, 0, r.cycles);
        if (x == HPT_XLATE_OK) {
            *rpn = hpte_real_addr(r.e.r, t->v->b.psize) >> shift;
            /* The TLB caches C: an entry loaded while C = 0 does not let a
             * store through (the store walks again and sets C), so the HPTE
             * records every modified page (H_CLEAR_MOD, paging). */
            unsigned prot = hpte_prot(r.e.r, key);
            if (!(r.e.r & HPTE_R_C))
                prot &= ~(unsigned)HPTE_PROT_W;
            tlb_insert(t->tlb, t->v->b.lpid, vpn, t->v->b.psize, *rpn, prot);
            if (t->on_fill)
                op_charge(&o, 0, t->on_fill(t->fill_ctx, t, r.ptex, vpn, t->v->b.psize, o.end));
            break;
        }
        if (x == HPT_XLATE_PROT)
            return sim_errf(e, "LPAR %u vCPU %u: %s at EA 0x%llx denied by the HPTE's protection "
                               "(protection faults are not modeled)", t->v->b.lpid, t->v->b.vcpu,
                            acc == CPU_STORE ? "store" : "access", (unsigned long long)ea);
        if (tries == 2)
            return sim_errf(e, "LPAR %u vCPU %u: page fault at EA 0x%llx did not make the page "
                               "present", t->v->b.lpid, t->v->b.vcpu, (unsigned long long)ea);
        if (t->v->b.hv_fault) {
            uint64_t hc = 0;
            int h = t->v->b.hv_fault(t->v->b.ctx, t, ea, t->seg_vsid[acc], acc, o.end, &hc, e);
            if (h < 0)
                return -1;
            op_charge(&o, 1, hc);
            if (h == CPU_HVF_BLOCKED) {
                /* t->v is another vCPU (or none) now: the record restarts
                 * when this one runs again; the miss is not recorded */
                t->st.tlb_miss_cycles += o.end - o.start;
                t->clock += o.end - o.start; /* on whatever the switch set */
                t->restart = true;
                return -1;
            }
            if (h == CPU_HVF_RETRY) {
                if (++hv_retries > 4)
                    return sim_errf(e, "LPAR %u vCPU %u: the hypervisor's fault at EA 0x%llx "
                                       "did not make the page present", t->v->b.lpid,
                                    t->v->b.vcpu, (unsigned long long)ea);
                tries--; /* the hypervisor's, not the guest's: walk again */
                continue;
            }
        }
        uint64_t c = t->v->b.fault(t->v->b.ctx, t, ea, acc, o.end, e);
        if (c == UINT64_MAX)
            return -1;
        op_charge(&o, 1, c);
    }
    ops_record(t->ops, t->op_tlb_miss, &o);
    t->st.tlb_miss_cycles += o.end - o.start;
    t->clock = o.end;
    return 0;
}

/* A lookaside entry still translates vpn for this vCPU with the rights
 * `need` (its tag is checked on every use). */
static inline bool la_ok(const cpu_thread *t, const tlb_entry *te, uint64_t vpn, unsigned need)
{
    return te->vpn == vpn && te->ctx == t->la_ctx && (te->prot & need) == need;
}

/* The lookaside's entry for vpn (made the last hit), or NULL. */
static inline const tlb_entry *la_find(cpu_thread *t, enum cpu_access acc, uint64_t vpn,
                                       unsigned need)
{
    const tlb_entry *te = t->la_entry[acc];
    if (te && la_ok(t, te, vpn, need))
        return te;
    te = t->la_prev[acc];
    if (te && la_ok(t, te, vpn, need)) {
        t->la_prev[acc] = t->la_entry[acc];
        t->la_entry[acc] = te;
        return te;
    }
    return NULL;
}

/* Translate ea; returns the real address or UINT64_MAX on error. */
uint64_t cpu_thread_xlate(cpu_thread *t, uint64_t ea, enum cpu_access acc, sim_err *e)
{
    unsigned sshift = t->v->seg_shift;
    if ((ea >> sshift) + 1 != t->seg_key[acc] && cpu_thread_segment(t, ea, acc, e) != 0)
        return UINT64_MAX;
    unsigned shift = t->v->page_shift, vshift = t->seg_vshift[acc];
    uint64_t off = ea & ((1ULL << vshift) - 1);
    uint64_t vpn = (t->seg_vsid[acc] << (vshift - shift)) | (off >> shift);
    /* one decision, hit or miss (tlb.h): a miss is counted by the TLB and
     * walked here, so tlb.*.misses and the tlb.miss op agree */
    unsigned need = acc == CPU_STORE ? HPTE_PROT_W : 0;
    const tlb_entry *te = la_find(t, acc, vpn, need);
    if (te) {
        tlb_note_hit(t->tlb, te);
    } else {
        te = tlb_lookup_access(t->tlb, t->v->b.lpid, vpn, t->v->b.psize, need);
        if (t->la_entry[acc])
            t->la_prev[acc] = t->la_entry[acc];
        t->la_entry[acc] = te;
    }
    t->la_epn[acc] = te ? ea >> shift : UINT64_MAX;
    t->la_vpn[acc] = vpn;
    uint64_t rpn = 0;
    if (te) {
        rpn = te->rpn;
    } else if (walk(t, ea, vpn, shift, acc, &rpn, e) != 0) {
        return UINT64_MAX;
    }
    return (rpn << shift) | (ea & ((1ULL << shift) - 1));
}

/* One memory access of `size` bytes at ea: translate each page touched,
 * access the caches; returns the latency, or UINT64_MAX on error. */
uint64_t cpu_thread_mem_op(cpu_thread *t, uint64_t ea, uint32_t size, enum cpu_access acc,
                           sim_err *e)
{
    static const mem_kind kinds[] = {MEM_READ, MEM_WRITE, MEM_IFETCH};
    unsigned shift = t->v->page_shift;
    uint64_t last = ea + (size ? size - 1 : 0);
    uint64_t lat = 0;
    for (;;) {
        uint64_t page_end = (ea | ((1ULL << shift) - 1));
        uint64_t end = last < page_end ? last : page_end;
        uint64_t pa = cpu_thread_xlate(t, ea, acc, e);
        if (pa == UINT64_MAX)
            return UINT64_MAX;
        if (t->on_access)
            t->on_access(t->access_ctx, t->v->b.lpid, pa, t->clock + lat);
        lat += mem_access(t->port, pa, (uint32_t)(end - ea + 1), kinds[acc], t->clock + lat);
        if (end == last)
            return lat;
        t->st.page_crossings++;
        ea = end + 1;
    }
}

/* cpu_thread_mem_op for the replay loop, inlined there: an access within
 * one page whose segment and TLB entry are the lookaside's (the common
 * case) goes straight to the port, doing what the general path would do
 * for it (the TLB hit noted, then the access); anything else takes it. */
static inline __attribute__((always_inline)) uint64_t
mem_op(cpu_thread *t, uint64_t ea, uint32_t size, enum cpu_access acc, sim_err *e)
{
    static const mem_kind kinds[] = {MEM_READ, MEM_WRITE, MEM_IFETCH};
    const cpu_vcpu *v = t->v;
    unsigned shift = v->page_shift, vshift = t->seg_vshift[acc];
    uint64_t last = ea + (size ? size - 1 : 0);
    if (((ea ^ last) >> shift) != 0 || (ea >> v->seg_shift) + 1 != t->seg_key[acc] ||
        t->on_access)
        return cpu_thread_mem_op(t, ea, size, acc, e);
    uint64_t epn = ea >> shift;
    unsigned need = acc == CPU_STORE ? HPTE_PROT_W : 0;
    const tlb_entry *te = t->la_entry[acc]; /* not NULL while la_epn is set */
    if (epn != t->la_epn[acc] || !la_ok(t, te, t->la_vpn[acc], need)) {
        uint64_t vpn = (t->seg_vsid[acc] << (vshift - shift)) |
                       ((ea & ((1ULL << vshift) - 1)) >> shift);
        if (!(te = la_find(t, acc, vpn, need)))
            return cpu_thread_mem_op(t, ea, size, acc, e);
        t->la_epn[acc] = epn;
        t->la_vpn[acc] = vpn;
    }
    tlb_note_hit(t->tlb, te);
    uint64_t pa = (te->rpn << shift) | (ea & ((1ULL << shift) - 1));
    if (acc == CPU_IFETCH) /* the port's fetch memo may answer it here */
        return mem_fetch(t->port, pa, (uint32_t)(last - ea + 1), t->clock);
    return mem_access(t->port, pa, (uint32_t)(last - ea + 1), kinds[acc], t->clock);
}

static inline void stall(cpu_thread *t, uint64_t lat)
{
    uint64_t h = t->cfg->hidden_latency;
    if (lat > h) {
        t->clock += lat - h;
        t->st.stall_cycles += lat - h;
    }
}

int cpu_thread_refill(cpu_thread *t, sim_err *e)
{
    /* only threads that replay a trace need a buffer */
    if (!t->v->buf && !(t->v->buf = malloc(CPU_TRACE_BUF * sizeof *t->v->buf)))
        return sim_errf(e, "out of host memory");
    for (;;) {
        long n = tr_read(t->v->b.trace, t->v->buf, CPU_TRACE_BUF, e);
        if (n < 0)
            return -1;
        if (n > 0) {
            t->v->pos = 0;
            t->v->len = n;
            return 1;
        }
        if (++t->v->pass >= t->v->b.repeat) {
            if (t->v->roi_in)
                return sim_errf(e, "%s: the trace ends inside region of interest %llu "
                                   "(begun at record %llu); expected an end marker 'K 5 %llu'",
                                tr_path(t->v->b.trace), (unsigned long long)t->v->roi_id,
                                (unsigned long long)t->v->roi_rec,
                                (unsigned long long)t->v->roi_id);
            return 0;
        }
        if (tr_rewind(t->v->b.trace, e) != 0)
            return -1;
    }
}

bool cpu_thread_is_roi(const cpu_thread *t, const tr_rec *r)
{
    return r->kind == TR_MARKER && t->v->b.roi_markers && r->word >= TR_MARK_ROI_BEGIN &&
           r->word <= TR_MARK_RESERVED_LAST && r->word != TR_MARK_FREE; /* free: the guest's */
}

/* A ROI marker: the vCPU's nesting rules, then the hook. 0 or -1. */
static int roi_marker(cpu_thread *t, const tr_rec *r, sim_err *e)
{
    cpu_vcpu *v = t->v;
    unsigned long long id = r->addr, open = v->roi_id, at = v->roi_rec;
    if (r->word != TR_MARK_ROI_BEGIN && r->word != TR_MARK_ROI_END)
        return sim_errf(e, "unknown marker kind %u (in a version 2 trace markers 4..15 are "
                           "lparsim's: 4 begins a region of interest, 5 ends one, 6 frees a "
                           "page, 7..15 are reserved)", r->word);
    bool begin = r->word == TR_MARK_ROI_BEGIN;
    if (begin && v->roi_in)
        return sim_errf(e, "region of interest %llu begins inside region %llu (begun at "
                           "record %llu); expected its end first (regions do not nest)",
                        id, open, at);
    if (!begin && !v->roi_in)
        return sim_errf(e, "end of region of interest %llu without a begin; expected "
                           "'K 4 %llu' before it", id, id);
    if (!begin && open != id)
        return sim_errf(e, "end of region of interest %llu inside region %llu (begun at "
                           "record %llu); expected 'K 5 %llu'", id, open, at, open);
    v->roi_in = begin;
    v->roi_id = id;
    v->roi_rec = v->records;
    return v->b.roi ? v->b.roi(v->b.roi_ctx, t, begin, id, e) : 0;
}

/* Undo the counts of the record rv just replayed (rv->buf[rv->pos - 1]):
 * it was abandoned and is replayed from its start next time. */
void cpu_thread_undo_record(cpu_thread *t, cpu_vcpu *rv)
{
    rv->pos--;
    rv->records--;
    t->st.records--;
    switch (rv->buf[rv->pos].kind) {
    case TR_INSN: t->st.insns--; break;
    case TR_LOAD: t->st.loads--; break;
    case TR_STORE: t->st.stores--; break;
    case TR_MODIFY: t->st.modifies--; break;
    default: break;
    }
}

int cpu_thread_run(cpu_thread *t, uint64_t until, sim_err *e)
{
    if (!t->bound || t->done)
        return 0;
    uint64_t start = t->clock;
    int rc = 1;
    cpu_vcpu *rv = t->v; /* the current record's vCPU (for a restart) */
    t->waiting = false;
    while (t->clock < until) {
        if (t->v->pos == t->v->len) {
            int r = cpu_thread_refill(t, e);
            if (r <= 0) {
                rc = r;
                break;
            }
        }
        if (t->v->b.max_records && t->v->records >= t->v->b.max_records) {
            rc = 0;
            break;
        }
        rv = t->v;
        const tr_rec *r = &t->v->buf[t->v->pos++];
        t->st.records++;
        t->v->records++;
        uint64_t lat;
        switch (r->kind) {
        case TR_INSN:
            t->st.insns++;
            if (r->flags & TRF_WORD) {
                issue(t, t->v->b.decoder ? ppc_decode_cycles(t->v->b.decoder, r->word)
                                         : t->cfg->insn_cycles);
                if ((r->word >> 26) == 31) /* no clock update for the others */
                    t->clock += cpu_thread_insn_effect_31(t, r->word);
            } else {
                issue(t, t->cfg->insn_cycles);
            }
            if ((lat = mem_op(t, r->addr, r->size, CPU_IFETCH, e)) == UINT64_MAX)
                goto fail;
            stall(t, lat);
            break;
        case TR_LOAD:
            t->st.loads++;
            if ((lat = mem_op(t, r->addr, r->size, CPU_LOAD, e)) == UINT64_MAX)
                goto fail;
            stall(t, lat);
            break;
        case TR_STORE:
            t->st.stores++;
            if (mem_op(t, r->addr, r->size, CPU_STORE, e) == UINT64_MAX)
                goto fail;
            break;
        case TR_MODIFY:
            t->st.modifies++;
            if ((lat = mem_op(t, r->addr, r->size, CPU_LOAD, e)) == UINT64_MAX)
                goto fail;
            stall(t, lat);
            if (mem_op(t, r->addr, r->size, CPU_STORE, e) == UINT64_MAX)
                goto fail;
            break;
        default: {
            if (r->kind == TR_MARKER &&
                (r->word == TR_MARK_SLBIE || r->word == TR_MARK_SLBIA)) {
                cpu_thread_slb_marker(t, r);
                break;
            }
            if (r->kind == TR_MARKER && r->word == TR_MARK_SLBMTE && t->v->b.recorded_slb) {
                if (cpu_thread_slbmte(t, r, e) != 0)
                    goto fail;
                break;
            }
            t->st.other_records++;
            if (__builtin_expect(cpu_thread_is_roi(t, r), 0)) {
                if (roi_marker(t, r, e) != 0)
                    goto fail;
                break;
            }
            cpu_vcpu *cur = t->v;
            uint64_t c = t->v->b.record ? t->v->b.record(t->v->b.ctx, t, r, t->clock, e) : 0;
            if (c == UINT64_MAX)
                goto fail;
            if (c == CPU_RECORD_WAIT) {
                /* another vCPU's hcall first: the record is replayed again
                 * when the caller comes back (as a blocked one, below) */
                cpu_thread_undo_record(t, rv);
                t->st.other_records--;
                t->waiting = true;
                t->st.busy_cycles += t->clock - start;
                return 1;
            }
            t->clock += c;
            if (t->v != cur) {
                /* the hypervisor took the vCPU off the thread (it ceded or
                 * blocks): the thread stops here */
                t->st.busy_cycles += t->clock - start;
                return t->bound && !t->done ? 1 : 0;
            }
            break;
        }
        }
    }
    if (rc <= 0)
        cpu_thread_finished(t);
    t->st.busy_cycles += t->clock - start;
    return rc;
fail:
    if (t->restart) {
        /* its vCPU blocked in a hypervisor fault inside this record: undo
         * the record's counts; it runs again from its start */
        t->restart = false;
        cpu_thread_undo_record(t, rv);
        t->st.busy_cycles += t->clock - start;
        return t->bound && !t->done ? 1 : 0;
    }
    t->st.busy_cycles += t->clock - start;
    cpu_thread_finished(t);
    return sim_err_prefix(e, "%s record %llu", tr_path(t->v->b.trace),
                          (unsigned long long)t->v->records); /* the vCPU's, not the thread's */
}
