/*
 * u64map.h - open-addressing hash map from 64-bit keys to 64-bit values,
 * for host-side indexes (reverse maps, sparse per-page state) whose key
 * space is far too large for an array.
 *
 * Invariants: key UINT64_MAX is reserved (never stored); the table is a
 * power of two, at most 3/4 full, linear probing with backward-shift
 * deletion (no tombstones), so lookups stay short after many removals.
 * Iteration order depends only on the sequence of operations (deterministic).
 */
#ifndef LPARSIM_CORE_U64MAP_H
#define LPARSIM_CORE_U64MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define U64MAP_EMPTY UINT64_MAX

typedef struct u64map_slot {
    uint64_t key, val;
} u64map_slot;

typedef struct u64map {
    u64map_slot *s;
    size_t cap;   /* power of two, 0 before the first insert */
    size_t n;
} u64map;

static inline void u64map_init(u64map *m)
{
    m->s = NULL;
    m->cap = m->n = 0;
}
void u64map_free(u64map *m);
void u64map_clear(u64map *m);

/* Pointer to the value of key, or NULL. Valid until the next insert/remove. */
uint64_t *u64map_get(const u64map *m, uint64_t key);
/* Insert or overwrite. 0, or -1 when out of host memory. */
int u64map_put(u64map *m, uint64_t key, uint64_t val);
/* Remove key; true if it was present (its value into *old if old != NULL). */
bool u64map_del(u64map *m, uint64_t key, uint64_t *old);

/* The keys in [lo, hi), ascending, into *out (malloc'd, the caller frees;
 * NULL when there are none). Probes each key of the range or scans the
 * table, whichever is fewer steps. Returns the count, or SIZE_MAX when out
 * of host memory. */
size_t u64map_keys_between(const u64map *m, uint64_t lo, uint64_t hi, uint64_t **out);

/* Iterate: for (size_t i = 0; u64map_next(m, &i, &slot);) */
static inline bool u64map_next(const u64map *m, size_t *i, const u64map_slot **out)
{
    while (*i < m->cap) {
        const u64map_slot *s = &m->s[(*i)++];
        if (s->key != U64MAP_EMPTY) {
            *out = s;
            return true;
        }
    }
    return false;
}

#ifdef __cplusplus
}
#endif
#endif
