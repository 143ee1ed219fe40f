/*
 * smr.h - shared memory regions (seed 000): a server LPAR shares some of
 * its logical pages with authorised client LPARs, which map them into their
 * own logical address space; when sharing ends the hypervisor finds and
 * invalidates every mapping of the affected physical pages.
 *
 * Life cycle (each an hcall and an op "smr.<name>", parts compute, memory,
 * tlb, queueing; numbers in the lparsim-specific range 0xE000):
 *   H_SMR_CREATE(page_shift)              server -> rets[0] = SMR id
 *   H_SMR_ADD(id, la, npages)             server adds logical pages -> rets[0] = first index
 *   H_SMR_AUTHORIZE(id, client)           server authorises a client LPAR
 *   H_SMR_MAP(id, index, la)              client attaches its own logical page `la`
 *                                         to shared page `index`; a later H_ENTER
 *                                         of `la` maps the shared physical page
 *   H_SMR_UNMAP(la)                       client detaches (trigger)
 *   H_SMR_DEAUTHORIZE(id, client)         server withdraws a client (trigger)
 *   H_SMR_UNSHARE(id, first, count)       server unshares pages, count 0 = all (trigger)
 *   H_SMR_DESTROY(id)                     server destroys the SMR (trigger)
 *   H_SMR_TERMINATE(lpid)                 platform: terminate the LPAR and restart it
 *                                         empty with fresh memory (trigger)
 *   H_SMR_RECLAIM(pmb)                    platform: reclaim a PMB, moving its LMBs
 *                                         to free slots (trigger)
 * A trigger ends sharing of a set of physical pages: it is one op
 * "smr.invalidate" (parts find, hpte_remove, tlb_invalidate, queueing),
 * recorded inside the hcall's own op. The ordering rule holds: HPTEs are
 * cleared, then every TLB that may hold them is invalidated (tlbie scoped
 * to the owning LPAR), and only then are pages, slots or redirections reused.
 *
 * Errors: H_NOT_FOUND no such SMR (or page index / attachment); H_PRIVILEGE
 * the caller is not the SMR's server, or a client not authorised;
 * H_RESOURCE a limit (SMRs per server, server LPARs, pages per SMR, no free
 * LMB slot); H_PARAMETER bad arguments, a page already shared, a client
 * logical page already attached (double map) or a client already mapping
 * that shared page.
 */
#ifndef LPARSIM_HYP_SMR_SMR_H
#define LPARSIM_HYP_SMR_SMR_H

#include <stdbool.h>
#include <stdint.h>

#include "hyp/hyp.h"
#include "hyp/smr/smr_config.h"

#ifdef __cplusplus
extern "C" {
#endif

#define H_SMR_CREATE 0xE000
#define H_SMR_ADD 0xE004
#define H_SMR_AUTHORIZE 0xE008
#define H_SMR_DEAUTHORIZE 0xE00C
#define H_SMR_MAP 0xE010
#define H_SMR_UNMAP 0xE014
#define H_SMR_UNSHARE 0xE018
#define H_SMR_DESTROY 0xE01C
#define H_SMR_TERMINATE 0xE020
#define H_SMR_RECLAIM 0xE024

typedef struct smr smr;

/* The hypervisor's SMR state, or NULL when hypervisor.smr.enabled is false. */
smr *hyp_smr(hyp *h);

const char *smr_strategy_name(unsigned kind); /* "exhaustive", "export-vector", "rmap" */

/* Host-side queries (no cycles), for the scenario generator and tests. */
uint64_t smr_metadata_bytes(const smr *s);
bool smr_is_active(const smr *s, uint64_t id);
uint32_t smr_server_of(const smr *s, uint64_t id);
uint64_t smr_page_count(const smr *s, uint64_t id);
/* Real address of shared page `index`, or UINT64_MAX. */
uint64_t smr_page_real(const smr *s, uint64_t id, uint64_t index);
bool smr_is_authorized(const smr *s, uint64_t id, unsigned lpid);
bool smr_lpar_alive(const smr *s, unsigned lpid);
/* Is lpid's logical page la attached to a shared page? */
bool smr_attached(const smr *s, unsigned lpid, uint64_t la);
uint64_t smr_capacity(const smr *s); /* max SMR ids */

/* Turn the auditor on or off (also hypervisor.smr.audit). Once on, its
 * index of HPTE writes stays current even while checks are off, so turning
 * it on again checks against the true state (host time only, no cycles). */
void smr_set_audit(smr *s, bool on);
/* After an hcall: 0, or -1 with e set when the auditor found a violation
 * (the run must stop; the message names the LPAR, slot and page). */
int smr_check_error(const smr *s, sim_err *e);

#ifdef __cplusplus
}
#endif
#endif
