/*
 * hpte.c - HPTE bit layout: page-size (L/LP) codes, the AVPN compare value,
 * building entries, decoding PP/key/WIMG, and the H_REMOVE AVPN match.
 * Pure functions of their arguments; see hpt.h for the layout.
 */
#include "mmu/hpt.h"

#include <assert.h>

static const unsigned psize_shift[PSZ_COUNT] = {12, 16, 24};

/* LP codes [base][actual]; -1 = unsupported pair (POWER-NOTES, as in QEMU's
 * POWER7+ segment page size table and Linux's penc[]). */
static const int lp_code[PSZ_COUNT][PSZ_COUNT] = {
    [PSZ_4K] = {[PSZ_4K] = 0, [PSZ_64K] = 0x7, [PSZ_16M] = 0x38},
    [PSZ_64K] = {[PSZ_4K] = -1, [PSZ_64K] = 0x1, [PSZ_16M] = 0x8},
    /* 16M pages in a 16M segment: L = 1, LP 0 (QEMU's POWER7+ table
     * {24, 0x0}; Linux bolts its linear mapping so under QEMU pseries) */
    [PSZ_16M] = {[PSZ_4K] = -1, [PSZ_64K] = -1, [PSZ_16M] = 0},
};

unsigned hpt_psize_shift(hpt_psize p)
{
    assert(p < PSZ_COUNT);
    return psize_shift[p];
}

int hpt_psize_from_shift(unsigned shift)
{
    for (int p = 0; p < PSZ_COUNT; p++)
        if (psize_shift[p] == shift)
            return p;
    return -1;
}

bool hpte_lp_encode(hpt_psize base, hpt_psize actual, unsigned *code)
{
    assert(base < PSZ_COUNT && actual < PSZ_COUNT);
    int c = lp_code[base][actual];
    if (c < 0)
        return false;
    if (code)
        *code = (unsigned)c;
    return true;
}

int hpte_decode_psize(uint64_t v, uint64_t r, hpt_psize base)
{
    assert(base < PSZ_COUNT);
    if (!(v & HPTE_V_LARGE))
        return base == PSZ_4K ? PSZ_4K : -1;
    for (int a = PSZ_64K; a < PSZ_COUNT; a++) {
        int c = lp_code[base][a];
        if (c < 0)
            continue;
        uint64_t mask = ((1ULL << psize_shift[a]) - 1) & HPTE_R_RPN;
        if ((r & mask) == ((uint64_t)c << HPTE_R_RPN_SHIFT))
            return a;
    }
    return -1;
}

int hpte_decode_psize_any(uint64_t v, uint64_t r)
{
    int p = hpte_decode_psize(v, r, PSZ_4K);
    if (p < 0)
        p = hpte_decode_psize(v, r, PSZ_64K);
    return p >= 0 ? p : hpte_decode_psize(v, r, PSZ_16M);
}

/* VA >> 23 without forming the (up to 68-bit) VA; VA bits below the page
 * size are cleared (only matters for 16M pages: VA bit 23). */
static uint64_t avpn_of(uint64_t vsid, uint64_t ea, unsigned page_shift, bool seg_1t)
{
    uint64_t a = seg_1t ? (vsid << 17) | ((ea & ((1ULL << 40) - 1)) >> 23)
                        : (vsid << 5) | ((ea & 0x0fffffffULL) >> 23);
    if (page_shift > 23)
        a &= ~((1ULL << (page_shift - 23)) - 1);
    return a;
}

uint64_t hpte_ptem(uint64_t vsid, uint64_t ea, unsigned page_shift, bool seg_1t,
                   bool secondary)
{
    uint64_t v = (avpn_of(vsid, ea, page_shift, seg_1t) << HPTE_V_AVPN_SHIFT) & HPTE_V_AVPN;
    if (seg_1t)
        v |= HPTE_V_1TB;
    if (secondary)
        v |= HPTE_V_SECONDARY;
    return v | HPTE_V_VALID;
}

uint64_t hpte_vpn(uint64_t vsid, uint64_t ea, unsigned page_shift, bool seg_1t)
{
    unsigned sid = seg_1t ? 40 : 28;
    assert(page_shift <= sid);
    uint64_t off = ea & ((1ULL << sid) - 1);
    return (vsid << (sid - page_shift)) | (off >> page_shift);
}

hpte hpte_make(uint64_t vsid, uint64_t ea, bool seg_1t, hpt_psize base,
               hpt_psize actual, uint64_t pa, const hpte_attrs *a, bool secondary)
{
    unsigned code = 0;
    bool ok = hpte_lp_encode(base, actual, &code);
    assert(ok);
    (void)ok;
    assert(a && a->pp < 8 && a->key < 32 && a->wimg < 16);
    unsigned shift = psize_shift[actual];
    hpte x;
    x.v = hpte_ptem(vsid, ea, shift, seg_1t, secondary);
    if (actual != PSZ_4K)
        x.v |= HPTE_V_LARGE;
    if (a->bolted)
        x.v |= HPTE_V_BOLTED;
    x.r = (pa & HPTE_R_RPN & ~((1ULL << shift) - 1)) | ((uint64_t)code << HPTE_R_RPN_SHIFT);
    x.r |= (uint64_t)a->wimg << 3;
    x.r = hpte_set_prot(x.r, a->pp, a->noexec, a->key);
    return x;
}

uint64_t hpte_real_addr(uint64_t r, hpt_psize psize)
{
    assert(psize < PSZ_COUNT);
    return r & HPTE_R_RPN & ~((1ULL << psize_shift[psize]) - 1);
}

unsigned hpte_pp(uint64_t r)
{
    return (unsigned)((r & HPTE_R_PP) | ((r & HPTE_R_PP0) ? 4 : 0));
}

unsigned hpte_key(uint64_t r)
{
    return (unsigned)(((r & HPTE_R_KEY_HI) >> 60) << 3 | ((r & HPTE_R_KEY_LO) >> 9));
}

unsigned hpte_wimg(uint64_t r)
{
    return (unsigned)((r & HPTE_R_WIMG) >> 3);
}

uint64_t hpte_set_prot(uint64_t r, unsigned pp, bool noexec, unsigned key)
{
    assert(pp < 8 && key < 32);
    r &= ~(HPTE_R_PP0 | HPTE_R_PP | HPTE_R_N | HPTE_R_KEY_HI | HPTE_R_KEY_LO);
    r |= (uint64_t)(pp & 3);
    if (pp & 4)
        r |= HPTE_R_PP0;
    if (noexec)
        r |= HPTE_R_N;
    r |= (uint64_t)(key & 7) << 9;
    r |= (uint64_t)((key >> 3) & 3) << 60;
    return r;
}

bool hpte_avpn_match(uint64_t v, uint64_t flags, uint64_t avpn)
{
    if (!(v & HPTE_V_VALID))
        return false;
    if ((flags & HPTE_FLAG_AVPN) && (v & ~0x7fULL) != avpn)
        return false;
    if ((flags & HPTE_FLAG_ANDCOND) && (v & avpn) != 0)
        return false;
    return true;
}
