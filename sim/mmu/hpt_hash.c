/*
 * hpt_hash.c - HPT geometry: sizing from RAM, HTABSIZE, the 256 MB / 1 TB
 * segment hashes, PTEG index and address, and raw entry access through the
 * table's hpt_store. Invariants of struct hpt are established by hpt_init
 * (see hpt.h).
 */
#include "mmu/hpt.h"

#include <assert.h>
#include <inttypes.h>

static bool is_pow2(uint64_t x) { return x && !(x & (x - 1)); }

static unsigned log2u64(uint64_t x)
{
    unsigned n = 0;
    while (x >>= 1)
        n++;
    return n;
}

uint64_t hpt_hash(uint64_t vsid, uint64_t ea, unsigned page_shift, bool seg_1t)
{
    assert(page_shift >= 12 && page_shift <= 28);
    if (seg_1t)
        return vsid ^ (vsid << 25) ^ ((ea & ((1ULL << 40) - 1)) >> page_shift);
    return vsid ^ ((ea & 0x0fffffffULL) >> page_shift);
}

uint64_t hpt_pteg_index(const hpt *h, uint64_t hash, bool secondary)
{
    return (secondary ? ~hash : hash) & h->mask;
}

uint64_t hpt_size_for_ram(uint64_t ram_bytes)
{
    uint64_t want = ram_bytes / 128;
    uint64_t s = 1ULL << HPT_MIN_SHIFT;
    while (s < want && s < (1ULL << HPT_MAX_SHIFT))
        s <<= 1;
    return s;
}

unsigned hpt_htabsize(uint64_t size_bytes)
{
    assert(is_pow2(size_bytes) && size_bytes >= (1ULL << HPT_MIN_SHIFT) &&
           size_bytes <= (1ULL << HPT_MAX_SHIFT));
    return log2u64(size_bytes) - HPT_MIN_SHIFT;
}

int hpt_init(hpt *h, uint64_t base, uint64_t size_bytes, const hpt_store *store,
             sim_err *e)
{
    assert(h && store && store->read64 && store->write64);
    if (!is_pow2(size_bytes) || size_bytes < (1ULL << HPT_MIN_SHIFT) ||
        size_bytes > (1ULL << HPT_MAX_SHIFT))
        return sim_errf(e, "hpt: size %" PRIu64 " bytes; expected a power of two "
                        "between 256 KiB (2^18) and 2^46 bytes", size_bytes);
    if (base & (size_bytes - 1))
        return sim_errf(e, "hpt: base 0x%" PRIx64 " is not aligned to the table "
                        "size 0x%" PRIx64 "; expected a naturally aligned base",
                        base, size_bytes);
    h->base = base;
    h->size = size_bytes;
    h->npteg = size_bytes / HPT_PTEG_BYTES;
    h->mask = h->npteg - 1;
    h->store = *store;
    return 0;
}

uint64_t hpt_pteg_addr(const hpt *h, uint64_t pteg)
{
    assert(pteg < h->npteg);
    return h->base + pteg * HPT_PTEG_BYTES;
}

uint64_t hpt_hpte_addr(const hpt *h, uint64_t ptex)
{
    assert(ptex < h->npteg * HPT_PTEG_SLOTS);
    return h->base + ptex * HPT_HPTE_BYTES;
}

hpte hpt_read(const hpt *h, uint64_t ptex)
{
    uint64_t a = hpt_hpte_addr(h, ptex);
    hpte x;
    x.v = h->store.read64(h->store.ctx, a);
    x.r = h->store.read64(h->store.ctx, a + 8);
    return x;
}

void hpt_write(const hpt *h, uint64_t ptex, hpte x)
{
    uint64_t a = hpt_hpte_addr(h, ptex);
    h->store.write64(h->store.ctx, a + 8, x.r);
    h->store.write64(h->store.ctx, a, x.v);
}

int hpt_first_free_slot(const hpt *h, uint64_t pteg)
{
    assert(pteg < h->npteg);
    for (unsigned s = 0; s < HPT_PTEG_SLOTS; s++) {
        uint64_t v = h->store.read64(h->store.ctx,
                                     hpt_hpte_addr(h, pteg * HPT_PTEG_SLOTS + s));
        if (!(v & (HPTE_V_VALID | HPTE_V_ABSENT)))
            return (int)s;
    }
    return -1;
}
