/*
 * thread_int.h - what thread.c and thread_slb.c share (sim/cpu only).
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

#endif
