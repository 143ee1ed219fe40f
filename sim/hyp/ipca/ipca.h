/*
 * ipca.h - inter-partition communication areas (IPCA) and the virtual
 * shared resource (seed 003, US 7,921,426): each partition reserves part
 * of its own memory as an IPCA and registers it in the hypervisor's
 * TABLE 1; the union of the IPCAs is the VSR. Other partitions reach an
 * IPCA only through hcalls (copy mode): the hypervisor checks the range
 * ("error, finish"), takes the IPCA's lock ("no two partitions access the
 * same IPCA simultaneously") and copies real bytes. The owner polls its own
 * IPCA (transport "ipca"). Layout and model: docs/ipca.md.
 *
 * hcalls (lparsim range 0xE300..0xE33C; PAPR return codes):
 *   H_IPCA_REGISTER(la, size)          own LMBs, page aligned, size in
 *                                      [min_size, max_size]
 *   H_IPCA_DEREGISTER()
 *   H_IPCA_LOOKUP(lpid) -> la, size    the owner's logical base and size
 *   H_IPCA_WRITE(dst, off, la, len)    dst = IPCA_ALL: every other IPCA
 *                                      (rets[0]: IPCAs written)
 *   H_IPCA_READ(src, off, la, len)
 *   H_IPCA_LOCK(lpid) / H_IPCA_UNLOCK(lpid)
 *   H_IPCA_GRANT(lpid, on)             [impl] the owner grants (on=1) or
 *                                      revokes (on=0) lpid's access; only
 *                                      enforced with hypervisor.ipca.acl
 */
#ifndef LPARSIM_HYP_IPCA_H
#define LPARSIM_HYP_IPCA_H

#include <stdbool.h>
#include <stdint.h>

#include "hyp/hyp.h"

#ifdef __cplusplus
extern "C" {
#endif

#define H_IPCA_REGISTER 0xE300
#define H_IPCA_DEREGISTER 0xE304
#define H_IPCA_LOOKUP 0xE308
#define H_IPCA_WRITE 0xE30C
#define H_IPCA_READ 0xE310
#define H_IPCA_LOCK 0xE314
#define H_IPCA_UNLOCK 0xE318
#define H_IPCA_GRANT 0xE31C
#define IPCA_NHCALLS 8

/* H_IPCA_WRITE's dst for a broadcast to every other registered IPCA. */
#define IPCA_ALL UINT64_MAX

typedef struct ipca ipca;

/* The feature's state (NULL when hypervisor.ipca is disabled). */
ipca *hyp_ipca(hyp *h);
/* Host-side queries (no cycles): is lpid's IPCA registered, its logical
 * base and size. */
bool ipca_area_of(const ipca *f, unsigned lpid, uint64_t *la, uint64_t *size);
/* Explicit lock holder of lpid's IPCA, or -1. */
int ipca_holder(const ipca *f, unsigned lpid);

#ifdef __cplusplus
}
#endif
#endif
