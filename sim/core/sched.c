/*
 * sched.c - binary min-heap of thread ids keyed by (clock, id) (see sched.h).
 * Invariant: for every heap index i > 0, key(heap[(i-1)/2]) <= key(heap[i]);
 * pos[heap[i]] == i.
 */
#include "sched.h"

#include <assert.h>
#include <stdlib.h>

static int sched_less(const sched *s, uint32_t a, uint32_t b)
{
    if (s->clock[a] != s->clock[b])
        return s->clock[a] < s->clock[b];
    return a < b;
}

static void sched_swap(sched *s, uint32_t i, uint32_t j)
{
    uint32_t a = s->heap[i], b = s->heap[j];
    s->heap[i] = b;
    s->heap[j] = a;
    s->pos[b] = i;
    s->pos[a] = j;
}

static void sched_up(sched *s, uint32_t i)
{
    while (i > 0) {
        uint32_t p = (i - 1) / 2;
        if (!sched_less(s, s->heap[i], s->heap[p]))
            break;
        sched_swap(s, i, p);
        i = p;
    }
}

static void sched_down(sched *s, uint32_t i)
{
    for (;;) {
        uint32_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < s->n && sched_less(s, s->heap[l], s->heap[m]))
            m = l;
        if (r < s->n && sched_less(s, s->heap[r], s->heap[m]))
            m = r;
        if (m == i)
            return;
        sched_swap(s, i, m);
        i = m;
    }
}

int sched_init(sched *s, uint32_t nthreads)
{
    s->n = 0;
    s->cap = nthreads;
    s->heap = calloc(nthreads ? nthreads : 1, sizeof *s->heap);
    s->pos = calloc(nthreads ? nthreads : 1, sizeof *s->pos);
    s->clock = calloc(nthreads ? nthreads : 1, sizeof *s->clock);
    if (!s->heap || !s->pos || !s->clock) {
        sched_free(s);
        return -1;
    }
    for (uint32_t i = 0; i < nthreads; i++)
        s->pos[i] = UINT32_MAX;
    return 0;
}

void sched_free(sched *s)
{
    free(s->heap);
    free(s->pos);
    free(s->clock);
    s->heap = s->pos = NULL;
    s->clock = NULL;
    s->n = s->cap = 0;
}

void sched_set(sched *s, uint32_t id, uint64_t clock)
{
    assert(id < s->cap);
    if (s->pos[id] == UINT32_MAX) {
        s->clock[id] = clock;
        s->heap[s->n] = id;
        s->pos[id] = s->n;
        s->n++;
        sched_up(s, s->n - 1);
        return;
    }
    uint64_t old = s->clock[id];
    s->clock[id] = clock;
    if (clock < old)
        sched_up(s, s->pos[id]);
    else
        sched_down(s, s->pos[id]);
}

void sched_remove(sched *s, uint32_t id)
{
    assert(id < s->cap);
    uint32_t i = s->pos[id];
    if (i == UINT32_MAX)
        return;
    s->n--;
    if (i != s->n) {
        sched_swap(s, i, s->n);
        s->pos[id] = UINT32_MAX;
        sched_down(s, i);
        sched_up(s, i);
    } else {
        s->pos[id] = UINT32_MAX;
    }
}

uint64_t sched_second_clock(const sched *s)
{
    uint64_t best = UINT64_MAX;
    for (uint32_t c = 1; c <= 2 && c < s->n; c++)
        if (s->clock[s->heap[c]] < best)
            best = s->clock[s->heap[c]];
    return best;
}
