/*
 * hostmem.c - zeroed host blocks, huge-page backed when large (see
 * hostmem.h). Large blocks are anonymous mappings aligned to HOSTMEM_HUGE
 * (over-mapped, then trimmed) with MADV_HUGEPAGE; small ones come from
 * calloc. Invariant: hostmem_free gets the size hostmem_alloc got, which
 * tells which of the two a block came from.
 */
#include "hostmem.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

static size_t round_up(size_t x, size_t a)
{
    return (x + a - 1) / a * a;
}

void *hostmem_alloc(size_t bytes)
{
    if (bytes < HOSTMEM_HUGE)
        return calloc(1, bytes ? bytes : 1);
    size_t len = round_up(bytes, HOSTMEM_HUGE), map = len + HOSTMEM_HUGE;
    if (len < bytes || map < len)
        return NULL;
    char *p = mmap(NULL, map, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    char *a = (char *)round_up((size_t)(uintptr_t)p, HOSTMEM_HUGE);
    if (a > p)
        munmap(p, (size_t)(a - p));
    if (a + len < p + map)
        munmap(a + len, (size_t)(p + map - (a + len)));
#ifdef MADV_HUGEPAGE
    madvise(a, len, MADV_HUGEPAGE); /* a hint: without it the block still works */
#endif
    return a;
}

void hostmem_free(void *p, size_t bytes)
{
    if (!p)
        return;
    if (bytes < HOSTMEM_HUGE) {
        free(p);
        return;
    }
    munmap(p, round_up(bytes, HOSTMEM_HUGE));
}
