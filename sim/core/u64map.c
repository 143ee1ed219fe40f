/*
 * u64map.c - open-addressing hash map (see u64map.h).
 */
#include "u64map.h"

#include <assert.h>
#include <stdlib.h>

static size_t slot_of(uint64_t key, size_t mask)
{
    uint64_t h = key * 0x9E3779B97F4A7C15ULL;
    h ^= h >> 29;
    return (size_t)h & mask;
}

void u64map_free(u64map *m)
{
    free(m->s);
    u64map_init(m);
}

void u64map_clear(u64map *m)
{
    for (size_t i = 0; i < m->cap; i++)
        m->s[i].key = U64MAP_EMPTY;
    m->n = 0;
}

uint64_t *u64map_get(const u64map *m, uint64_t key)
{
    if (!m->cap)
        return NULL;
    size_t mask = m->cap - 1;
    for (size_t i = slot_of(key, mask);; i = (i + 1) & mask) {
        if (m->s[i].key == key)
            return &m->s[i].val;
        if (m->s[i].key == U64MAP_EMPTY)
            return NULL;
    }
}

static int grow(u64map *m)
{
    size_t cap = m->cap ? 2 * m->cap : 16;
    u64map_slot *s = malloc(cap * sizeof *s);
    if (!s)
        return -1;
    for (size_t i = 0; i < cap; i++)
        s[i].key = U64MAP_EMPTY;
    size_t mask = cap - 1;
    for (size_t i = 0; i < m->cap; i++) {
        if (m->s[i].key == U64MAP_EMPTY)
            continue;
        size_t j = slot_of(m->s[i].key, mask);
        while (s[j].key != U64MAP_EMPTY)
            j = (j + 1) & mask;
        s[j] = m->s[i];
    }
    free(m->s);
    m->s = s;
    m->cap = cap;
    return 0;
}

int u64map_put(u64map *m, uint64_t key, uint64_t val)
{
    assert(key != U64MAP_EMPTY);
    uint64_t *v = u64map_get(m, key);
    if (v) {
        *v = val;
        return 0;
    }
    if ((m->n + 1) * 4 > m->cap * 3 && grow(m) != 0)
        return -1;
    size_t mask = m->cap - 1;
    size_t i = slot_of(key, mask);
    while (m->s[i].key != U64MAP_EMPTY)
        i = (i + 1) & mask;
    m->s[i].key = key;
    m->s[i].val = val;
    m->n++;
    return 0;
}

bool u64map_del(u64map *m, uint64_t key, uint64_t *old)
{
    if (!m->cap)
        return false;
    size_t mask = m->cap - 1;
    size_t i = slot_of(key, mask);
    while (m->s[i].key != key) {
        if (m->s[i].key == U64MAP_EMPTY)
            return false;
        i = (i + 1) & mask;
    }
    if (old)
        *old = m->s[i].val;
    /* backward-shift deletion: move later members of the run into the hole
     * when their home slot is not between the hole and themselves */
    size_t j = i;
    for (;;) {
        j = (j + 1) & mask;
        if (m->s[j].key == U64MAP_EMPTY)
            break;
        size_t home = slot_of(m->s[j].key, mask);
        bool between = i <= j ? (home > i && home <= j) : (home > i || home <= j);
        if (!between) {
            m->s[i] = m->s[j];
            i = j;
        }
    }
    m->s[i].key = U64MAP_EMPTY;
    m->n--;
    return true;
}

static int key_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

size_t u64map_keys_between(const u64map *m, uint64_t lo, uint64_t hi, uint64_t **out)
{
    *out = NULL;
    if (hi <= lo || !m->n)
        return 0;
    size_t n = 0, cap = 0;
    uint64_t *v = NULL;
    bool scan = hi - lo > m->cap;
    for (uint64_t i = scan ? 0 : lo; scan ? i < m->cap : i < hi; i++) {
        uint64_t k = scan ? m->s[i].key : i;
        if (scan ? (k == U64MAP_EMPTY || k < lo || k >= hi) : !u64map_get(m, k))
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            uint64_t *w = realloc(v, cap * sizeof *w);
            if (!w) {
                free(v);
                return SIZE_MAX;
            }
            v = w;
        }
        v[n++] = k;
    }
    if (scan && n > 1)
        qsort(v, n, sizeof *v, key_cmp);
    *out = v;
    return n;
}
