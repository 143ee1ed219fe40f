/*
 * platform.h - platform operations of the hypervisor core, as the
 * management console would order them: terminate an LPAR (and restart it
 * empty on fresh LMBs), reclaim a PMB (moving the LMBs it holds). Each runs
 * the invalidation pipeline once (find -> clear -> cohere, one op), then
 * releases memory, and tells every enabled feature at each step
 * (feature.h hyp_platform_hooks). A feature stands in for the console when
 * it carries these as hcalls.
 */
#ifndef LPARSIM_HYP_PLATFORM_H
#define LPARSIM_HYP_PLATFORM_H

#include <stdint.h>

#include "hyp/hyp.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The invalidation of a platform operation is recorded as op `op` (parts
 * HYP_INVAL_PARTS), its total charged to part `part` of c. Mappings are
 * found by the first enabled feature with a finder, else by HPT scans. */

/* Terminate lpid: every other LPAR's mappings of what it shares (the
 * features say which ranges) and its whole HPT go, its memory is released
 * (checked by auditors, then zeroed) and it restarts empty on fresh LMBs.
 * Returns H_SUCCESS, H_RESOURCE (no slots to restart on) or H_NO_MEM. */
long hyp_lpar_terminate(hcall_ctx *c, unsigned lpid, op_id op, unsigned part);

/* Reclaim PMB `pmb`: every mapping of any page in it goes, and each LMB it
 * holds moves to a free slot outside it (the LMB-table word is rewritten;
 * the page copy itself is host-side, not charged). H_SUCCESS, H_PARAMETER
 * (no such PMB, or hypervisor memory), H_RESOURCE (not enough free slots),
 * H_NO_MEM. */
long hyp_pmb_reclaim(hcall_ctx *c, uint64_t pmb, op_id op, unsigned part);

/* LMB k of lpid moves to slot `to` (taken for lpid, its bytes already
 * there): the LMB-table word is rewritten (a modeled write charged to c),
 * the old slot is released (auditors told, with `what` naming it), zeroed
 * and freed, and every feature hears lmb_moved. Every mapping of the old
 * slot must be gone. PMB reclaim uses it for each LMB it moves; a feature
 * that moves an LMB itself (relocation) calls it when the move is done. */
void hyp_lmb_switch(hcall_ctx *c, unsigned lpid, uint64_t k, uint64_t to, const char *what);

#ifdef __cplusplus
}
#endif
#endif
