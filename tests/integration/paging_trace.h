/*
 * paging_trace.h - the small text trace the paging integration tests
 * write (check_paging, check_paging_pin): n accesses, each followed by an
 * instruction, over npages 4K pages at 0x10000000; 60% in the first `hot`
 * pages, the rest uniform; about half stores. Deterministic in `seed`.
 */
#ifndef LPARSIM_TESTS_PAGING_TRACE_H
#define LPARSIM_TESTS_PAGING_TRACE_H

#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "testutil.h"

static inline void mixed_trace(const char *name, unsigned npages, unsigned hot, unsigned n,
                               uint64_t seed)
{
    size_t cap = (size_t)n * 48 + 64;
    char *t = malloc(cap), *p = t;
    ck_assert_ptr_nonnull(t);
    p += sprintf(p, "#lparsim-trace v1\n");
    uint64_t x = seed;
    for (unsigned i = 0; i < n; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        uint64_t r = x >> 33;
        uint64_t page = (r >> 20) % 10 < 6 ? r % hot : (r >> 8) % npages;
        p += sprintf(p, "%c 0x%" PRIx64 " 8\nI 0x%x 4\n", (r >> 25) & 1 ? 'S' : 'L',
                     0x10000000 + page * 4096 + ((r >> 3) % 512) * 8, 0x100 + (i % 64) * 4);
    }
    tu_write_tmp(name, t);
    free(t);
}

#endif
