/*
 * hpte_vpn.h - recover the virtual page number an HPTE maps from the entry
 * and its slot, the way the hypervisor builds the operand of tlbie (KVM's
 * compute_tlbie_rb): the AVPN holds VA bits 77..23; the VA bits between the
 * page offset and bit 23 come from the PTEG index, which is hash & mask
 * (or ~hash & mask for a secondary entry), XORed with the VSID term of the
 * hash. Needs at least 2^11 PTEGs (the minimum HPT of 256 KiB guarantees
 * it). The result equals hpte_vpn(vsid, ea, page_shift, seg_1t) of the
 * address the entry was made for.
 */
#ifndef LPARSIM_MMU_HPTE_VPN_H
#define LPARSIM_MMU_HPTE_VPN_H

#include <stdint.h>

#include "hpt.h"

#ifdef __cplusplus
extern "C" {
#endif

/* VPN (VA >> page_shift) of entry v in slot ptex of h, for an entry of
 * actual page size psize. */
uint64_t hpte_slot_vpn(const hpt *h, uint64_t v, uint64_t ptex, hpt_psize psize);

#ifdef __cplusplus
}
#endif
#endif
