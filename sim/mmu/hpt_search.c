/*
 * hpt_search.c - the hardware HPT walk on a TLB miss: PTEG search (primary
 * slots 0..7, then secondary slots 0..7 with H set, first match wins), the
 * storage protection check (pp = PP | PP0 << 2 with the SLB key), and the
 * R/C update. Each probed PTEG costs one 128-byte read through the port;
 * an R/C change costs one 8-byte write of the entry's second doubleword.
 */
#include "mmu/hpt.h"

#include <assert.h>
#include <string.h>

/* [key][pp] -> R/W rights (POWER-NOTES "Protection"). */
static const unsigned char pp_table[2][8] = {
    /* key 0: 0,1,2 RW; 3,6 RO; 4,5,7 none */
    {3, 3, 3, 1, 0, 0, 1, 0},
    /* key 1: 0,6 none; 1,3 RO; 2 RW; 4,5,7 none */
    {0, 1, 3, 1, 0, 0, 0, 0},
};

unsigned hpte_pp_access(unsigned pp, unsigned key)
{
    assert(pp < 8 && key < 2);
    return pp_table[key][pp];
}

unsigned hpte_prot(uint64_t r, unsigned key)
{
    unsigned p = hpte_pp_access(hpte_pp(r), key);
    if ((p & HPTE_PROT_R) && !(r & (HPTE_R_N | HPTE_R_G)))
        p |= HPTE_PROT_X;
    return p;
}

bool hpt_search(const hpt *h, uint64_t vsid, uint64_t ea, unsigned page_shift,
                bool seg_1t, const mem_port *port, uint64_t now, hpt_result *out)
{
    assert(h && out);
    int want = hpt_psize_from_shift(page_shift);
    assert(want >= 0);
    memset(out, 0, sizeof *out);
    out->psize = -1;
    uint64_t hash = hpt_hash(vsid, ea, page_shift, seg_1t);
    if (h->store.prefetch) /* both PTEGs, both halves: the host fetches them at once */
        for (int sec = 0; sec < 2; sec++)
            for (uint64_t off = 0; off < HPT_PTEG_BYTES; off += 64)
                h->store.prefetch(h->store.ctx,
                                  hpt_pteg_addr(h, hpt_pteg_index(h, hash, sec != 0)) + off);
    for (int sec = 0; sec < 2; sec++) {
        uint64_t pteg = hpt_pteg_index(h, hash, sec != 0);
        if (port)
            out->cycles += mem_access(port, hpt_pteg_addr(h, pteg), HPT_PTEG_BYTES,
                                      MEM_READ, now + out->cycles);
        out->probes++;
        uint64_t ptem = hpte_ptem(vsid, ea, page_shift, seg_1t, sec != 0);
        for (unsigned s = 0; s < HPT_PTEG_SLOTS; s++) {
            uint64_t ptex = pteg * HPT_PTEG_SLOTS + s;
            uint64_t a = hpt_hpte_addr(h, ptex);
            uint64_t v = h->store.read64(h->store.ctx, a);
            if ((v ^ ptem) & HPTE_V_CMP_MASK)
                continue;
            uint64_t r = h->store.read64(h->store.ctx, a + 8);
            if (hpte_decode_psize_any(v, r) != want)
                continue; /* same AVPN, other page size: not this one */
            out->found = true;
            out->ptex = ptex;
            out->e.v = v;
            out->e.r = r;
            out->psize = want;
            return true;
        }
    }
    return false;
}

int hpt_translate(const hpt *h, uint64_t vsid, uint64_t ea, unsigned page_shift,
                  bool seg_1t, unsigned key, bool store, const mem_port *port,
                  uint64_t now, hpt_result *out)
{
    assert(key < 2);
    if (!hpt_search(h, vsid, ea, page_shift, seg_1t, port, now, out))
        return HPT_XLATE_MISS;
    unsigned p = hpte_prot(out->e.r, key);
    bool ok = store ? (p & HPTE_PROT_W) != 0 : (p & HPTE_PROT_R) != 0;
    uint64_t r = out->e.r | HPTE_R_R;
    if (ok && store)
        r |= HPTE_R_C;
    if (r != out->e.r) {
        uint64_t a = hpt_hpte_addr(h, out->ptex) + 8;
        h->store.write64(h->store.ctx, a, r);
        if (port)
            out->cycles += mem_access(port, a, 8, MEM_WRITE, now + out->cycles);
        out->e.r = r;
        out->rc_written = true;
    }
    return ok ? HPT_XLATE_OK : HPT_XLATE_PROT;
}
