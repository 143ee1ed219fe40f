/*
 * sched.h - deterministic scheduler of hardware threads by local clock.
 *
 * A binary min-heap keyed by (clock, id): the thread furthest behind comes
 * first, ties go to the lowest id, so runs are reproducible. Threads that
 * have finished are removed.
 */
#ifndef LPARSIM_CORE_SCHED_H
#define LPARSIM_CORE_SCHED_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sched {
    uint32_t *heap;  /* thread ids */
    uint32_t *pos;   /* id -> heap index, UINT32_MAX if absent */
    uint64_t *clock; /* id -> clock */
    uint32_t n, cap;
} sched;

int sched_init(sched *s, uint32_t nthreads);
void sched_free(sched *s);
/* Insert thread id, or update its clock if present. */
void sched_set(sched *s, uint32_t id, uint64_t clock);
void sched_remove(sched *s, uint32_t id);
static inline uint32_t sched_size(const sched *s) { return s->n; }
/* Thread furthest behind; s->n must be > 0. */
static inline uint32_t sched_min(const sched *s) { return s->heap[0]; }
static inline uint64_t sched_min_clock(const sched *s) { return s->clock[s->heap[0]]; }
/* Smallest clock among threads other than the minimum (UINT64_MAX if none). */
uint64_t sched_second_clock(const sched *s);

#ifdef __cplusplus
}
#endif
#endif
