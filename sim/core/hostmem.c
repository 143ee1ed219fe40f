/*
 * hostmem.c - zeroed host blocks (see hostmem.h). Small blocks come from
 * calloc; from HOSTMEM_MAP bytes on, an anonymous mapping, so that the
 * pages a run never touches are never zeroed (calloc may memset a reused
 * heap block whole); from HOSTMEM_HUGE bytes on, a mapping aligned to
 * HOSTMEM_HUGE (over-mapped, then trimmed) and, unless plain, advised to
 * use huge pages. Invariant: hostmem_free gets the size hostmem_alloc got,
 * which tells which kind a block is.
 */
#include "hostmem.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

static size_t round_up(size_t x, size_t a)
{
    return (x + a - 1) / a * a;
}

static void *hm_map(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static void *hm_alloc(size_t bytes, int huge)
{
    if (bytes < HOSTMEM_MAP)
        return calloc(1, bytes ? bytes : 1);
    if (bytes < HOSTMEM_HUGE)
        return hm_map(bytes);
    size_t len = round_up(bytes, HOSTMEM_HUGE), map = len + HOSTMEM_HUGE;
    if (len < bytes || map < len)
        return NULL;
    char *p = hm_map(map);
    if (!p)
        return NULL;
    char *a = (char *)round_up((size_t)(uintptr_t)p, HOSTMEM_HUGE);
    if (a > p)
        munmap(p, (size_t)(a - p));
    if (a + len < p + map)
        munmap(a + len, (size_t)(p + map - (a + len)));
#ifdef MADV_HUGEPAGE
    if (huge)
        madvise(a, len, MADV_HUGEPAGE); /* a hint: without it the block still works */
#else
    (void)huge;
#endif
    return a;
}

void *hostmem_alloc(size_t bytes) { return hm_alloc(bytes, 1); }
void *hostmem_alloc_plain(size_t bytes) { return hm_alloc(bytes, 0); }

void hostmem_free(void *p, size_t bytes)
{
    if (!p)
        return;
    if (bytes < HOSTMEM_MAP)
        free(p);
    else
        munmap(p, bytes < HOSTMEM_HUGE ? bytes : round_up(bytes, HOSTMEM_HUGE));
}
