/* hpte_vpn.c - VPN of an HPTE from its AVPN and slot (see hpte_vpn.h). */
#include "hpte_vpn.h"

uint64_t hpte_slot_vpn(const hpt *h, uint64_t v, uint64_t ptex, hpt_psize psize)
{
    unsigned p = hpt_psize_shift(psize);
    int seg_1t = (v >> HPTE_V_SSIZE_SHIFT) == 1;
    unsigned seg_shift = seg_1t ? 40 : 28;
    uint64_t avpn = (v & HPTE_V_AVPN) >> HPTE_V_AVPN_SHIFT; /* VA >> 23 */
    uint64_t vsid = avpn >> (seg_shift - 23);
    unsigned __int128 va = (unsigned __int128)avpn << 23;
    if (p < 23) {
        uint64_t pteg = ptex / HPT_PTEG_SLOTS;
        uint64_t hash = (v & HPTE_V_SECONDARY) ? (~pteg & h->mask) : pteg;
        uint64_t vsid_term = seg_1t ? (vsid ^ (vsid << 25)) : vsid;
        uint64_t low = (hash ^ vsid_term) & ((1ULL << (23 - p)) - 1);
        va |= (unsigned __int128)low << p;
    } else {
        va &= ~(((unsigned __int128)1 << p) - 1);
    }
    return (uint64_t)(va >> p);
}
