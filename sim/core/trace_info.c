/*
 * trace_info.c - tr_summarize: one streaming pass over a native trace
 * counting records by kind, bytes accessed, distinct 4 KiB and 64 KiB pages
 * touched by memory records (INSN fetches included), and the address range.
 *
 * Distinct pages are kept in open-addressing hash sets (linear probing,
 * power-of-two capacity, grown to stay under half full). Page numbers are
 * stored plus one so that 0 marks an empty slot. An access touches every
 * page from its first byte to its last (addr + size - 1, which the reader
 * guarantees does not wrap past 2^64).
 */
#include "trace_priv.h"

#include <stdlib.h>
#include <string.h>

typedef struct pageset {
    uint64_t *slot;
    size_t cap;   /* power of two */
    size_t count;
} pageset;

static size_t ps_hash(uint64_t key, size_t cap)
{
    key *= 0x9E3779B97F4A7C15ull;
    return (size_t)(key >> 32 ^ key) & (cap - 1);
}

static int ps_grow(pageset *ps)
{
    size_t ncap = ps->cap ? ps->cap * 2 : 4096;
    uint64_t *ns = calloc(ncap, sizeof *ns);
    if (!ns)
        return -1;
    for (size_t i = 0; i < ps->cap; i++) {
        uint64_t k = ps->slot[i];
        if (!k)
            continue;
        size_t h = ps_hash(k, ncap);
        while (ns[h])
            h = (h + 1) & (ncap - 1);
        ns[h] = k;
    }
    free(ps->slot);
    ps->slot = ns;
    ps->cap = ncap;
    return 0;
}

/* Insert page number pg; -1 only when out of memory. */
static int ps_add(pageset *ps, uint64_t pg)
{
    uint64_t k = pg + 1; /* pg < 2^52, so never wraps to 0 */
    if ((ps->count + 1) * 2 > ps->cap && ps_grow(ps) < 0)
        return -1;
    size_t h = ps_hash(k, ps->cap);
    while (ps->slot[h]) {
        if (ps->slot[h] == k)
            return 0;
        h = (h + 1) & (ps->cap - 1);
    }
    ps->slot[h] = k;
    ps->count++;
    return 0;
}

/* Add every page of 2^shift bytes that [first, last] touches. */
static int ps_range(pageset *ps, uint64_t first, uint64_t last, unsigned shift)
{
    for (uint64_t p = first >> shift, q = last >> shift;; p++) {
        if (ps_add(ps, p) < 0)
            return -1;
        if (p == q)
            return 0;
    }
}

#define INFO_BATCH 4096

int tr_summarize(const char *path, tr_info *out, sim_err *e)
{
    memset(out, 0, sizeof *out);
    tr_reader *r = tr_open(path, e);
    if (!r)
        return -1;
    out->flags = tr_flags(r);
    out->version = tr_version(r);
    tr_rec *buf = malloc(INFO_BATCH * sizeof *buf);
    pageset p4 = {0}, p64 = {0};
    int rc = buf ? 0 : sim_errf(e, "%s: out of memory", path);
    uint64_t lo = UINT64_MAX, hi = 0;
    int any = 0;
    while (rc == 0) {
        long n = tr_read(r, buf, INFO_BATCH, e);
        if (n <= 0) {
            rc = n < 0 ? -1 : 0;
            break;
        }
        for (long i = 0; i < n && rc == 0; i++) {
            const tr_rec *x = &buf[i];
            out->records++;
            out->by_kind[x->kind]++;
            if (x->kind > TR_MODIFY)
                continue;
            uint64_t last = x->addr + x->size - 1;
            out->bytes_accessed += x->size;
            any = 1;
            if (x->addr < lo)
                lo = x->addr;
            if (last > hi) /* the reader refuses accesses that wrap past 2^64 */
                hi = last;
            if (ps_range(&p4, x->addr, last, 12) < 0 ||
                ps_range(&p64, x->addr, last, 16) < 0)
                rc = sim_errf(e, "%s: out of memory counting pages", path);
        }
    }
    if (any) {
        out->min_addr = lo;
        out->max_addr = hi;
    }
    out->pages_4k = p4.count;
    out->pages_64k = p64.count;
    free(p4.slot);
    free(p64.slot);
    free(buf);
    tr_close(r);
    return rc;
}
