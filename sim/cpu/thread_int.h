/*
 * thread_int.h - what thread.c, thread_slb.c and thread_warm.c share
 * (sim/cpu only).
 */
#ifndef LPARSIM_CPU_THREAD_INT_H
#define LPARSIM_CPU_THREAD_INT_H

#include "cpu.h"

/* Make t->seg_key[acc] / seg_vsid[acc] the segment of ea: the SLB lookup,
 * and on a miss the guest's handler (its cost advances t->clock). Without
 * an SLB, the segment table alone, at no cost. 0, or -1 with e set. */
int cpu_thread_segment(cpu_thread *t, uint64_t ea, enum cpu_access acc, sim_err *e);
/* A TR_MARK_SLBIE or TR_MARK_SLBIA marker record. */
void cpu_thread_slb_marker(cpu_thread *t, const tr_rec *r);
/* A recorded slbmte (K 18 RB RS, binding recorded_slb): 0, or -1 with e set
 * (a segment size or base page size the vCPU's LPAR does not use). */
int cpu_thread_slbmte(cpu_thread *t, const tr_rec *r, sim_err *e);

/* thread.c's record path, for the warm-up (thread_warm.c). */
/* The thread is done with its vCPU's trace (or failed). */
void cpu_thread_finished(cpu_thread *t);
/* Cycles of a traced opcode-31 word's side effect (tlbie, tlbiel, slbie,
 * slbia, ...), applying it; 0 for the others. */
uint64_t cpu_thread_insn_effect_31(cpu_thread *t, uint32_t word);
static inline uint64_t cpu_thread_insn_effect(cpu_thread *t, uint32_t word)
{
    return (word >> 26) == 31 ? cpu_thread_insn_effect_31(t, word) : 0;
}
/* The real address of ea (segment, TLB, walk and faults); UINT64_MAX with
 * e set (or t->restart) on failure. */
uint64_t cpu_thread_xlate(cpu_thread *t, uint64_t ea, enum cpu_access acc, sim_err *e);
/* One access of size bytes at ea, translated and through the caches: its
 * latency, or UINT64_MAX on failure. */
uint64_t cpu_thread_mem_op(cpu_thread *t, uint64_t ea, uint32_t size, enum cpu_access acc,
                           sim_err *e);
/* The vCPU's next batch of records: 1, 0 at the end of its last pass, -1. */
int cpu_thread_refill(cpu_thread *t, sim_err *e);
/* r is a region-of-interest marker the thread acts on. */
bool cpu_thread_is_roi(const cpu_thread *t, const tr_rec *r);
/* Take back the counts of rv's last record (it runs again). */
void cpu_thread_undo_record(cpu_thread *t, cpu_vcpu *rv);

#endif
