/*
 * hcall.h - PAPR hypervisor-call numbers, flags and return codes for the
 * hashed page table and interrupts (values as in PAPR / Linux
 * asm/hvcall.h), and the name look-up of every registered hcall. Each of
 * these PAPR hcalls is one op record "hcall.<NAME>" with parts compute
 * (entry/exit and per-step work), memory (the hypervisor's own modeled
 * accesses: LMB table, HPTEs), tlb (invalidation work) and queueing
 * (waiting for the LPAR's tlbie lock).
 * A feature's hcalls are ops named by the feature (e.g. "smr.create") with
 * those four parts first and its own after them (feature.h).
 */
#ifndef LPARSIM_HYP_HCALL_H
#define LPARSIM_HYP_HCALL_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* hcall numbers */
#define H_REMOVE 0x04
#define H_ENTER 0x08
#define H_READ 0x0C
#define H_CLEAR_MOD 0x10
#define H_CLEAR_REF 0x14
#define H_PROTECT 0x18
#define H_BULK_REMOVE 0x124
#define H_PUT_TCE 0x20
#define H_REGISTER_VPA 0xDC
#define H_REG_CRQ 0xFC
#define H_FREE_CRQ 0x100
#define H_IPI 0x6C
#define H_CEDE 0xE0
#define H_CONFER 0xE4
#define H_PROD 0xE8
#define H_PAGE_INIT 0x2C
#define H_SET_MPP 0x2D0
#define H_GET_MPP 0x2D4

/* return codes */
#define H_SUCCESS 0
#define H_BUSY 1
#define H_CLOSED 2
#define H_HARDWARE (-1)
#define H_FUNCTION (-2)
#define H_PRIVILEGE (-3)
#define H_PARAMETER (-4)
#define H_PTEG_FULL (-6)
#define H_NOT_FOUND (-7)
#define H_NO_MEM (-9)
#define H_AUTHORITY (-10)
#define H_PERMISSION (-11)
#define H_DROPPED (-12)
#define H_RESOURCE (-16)
#define H_R_STATE (-45)
#define H_RESCINDED (-46)

/* flags (PAPR bit numbering converted to masks) */
#define H_EXACT (1ULL << 39)
#define H_R_XLATE (1ULL << 38)
#define H_READ_4 (1ULL << 37)
#define H_AVPN (1ULL << 31)
#define H_ANDCOND (1ULL << 30)
#define H_ZERO_PAGE (1ULL << 15)
#define H_COPY_PAGE (1ULL << 14)
/* H_PAGE_INIT's CMO page usage states (PAPR table "CMO Page Usage State
 * flags"; Linux arch/powerpc/include/asm/hvcall.h) */
#define H_PAGE_STATE_CHANGE (1ULL << (63 - 28))
#define H_PAGE_UNUSED ((1ULL << (63 - 29)) | (1ULL << (63 - 30)))
#define H_PAGE_SET_UNUSED (H_PAGE_STATE_CHANGE | H_PAGE_UNUSED)
#define H_PAGE_SET_LOANED (H_PAGE_SET_UNUSED | (1ULL << (63 - 31)))
#define H_PAGE_SET_ACTIVE H_PAGE_STATE_CHANGE
/* H_PROTECT takes the new protection in flags, laid out as in KVM:
 * PP = flags & 0x3, N = flags & 0x4, KEY_LO = flags & 0xe00,
 * KEY_HI = (flags << 48) & r.KEY_HI, PP0 = (flags << 55) & r.PP0. */

/* H_IPI(server, mfrr): the XICS MFRR value that means "no IPI" */
#define H_IPI_MFRR_NONE 0xFF

/* H_BULK_REMOVE translation-specifier high word (tsh) fields */
#define H_BULK_REMOVE_TYPE 0xc000000000000000ULL
#define H_BULK_REMOVE_REQUEST 0x4000000000000000ULL
#define H_BULK_REMOVE_RESPONSE 0x8000000000000000ULL
#define H_BULK_REMOVE_END 0xc000000000000000ULL
#define H_BULK_REMOVE_CODE 0x3000000000000000ULL
#define H_BULK_REMOVE_SUCCESS 0x0000000000000000ULL
#define H_BULK_REMOVE_NOT_FOUND 0x1000000000000000ULL
#define H_BULK_REMOVE_PARM 0x2000000000000000ULL
#define H_BULK_REMOVE_HW 0x3000000000000000ULL
#define H_BULK_REMOVE_RC 0x0c00000000000000ULL
#define H_BULK_REMOVE_FLAGS 0x0300000000000000ULL
#define H_BULK_REMOVE_ABSOLUTE 0x0000000000000000ULL
#define H_BULK_REMOVE_ANDCOND 0x0100000000000000ULL
#define H_BULK_REMOVE_AVPN 0x0200000000000000ULL
#define H_BULK_REMOVE_PTEX 0x00ffffffffffffffULL
#define H_BULK_REMOVE_MAX_BATCH 4

/* Name of any registered hcall, PAPR's or a feature's ("H_ENTER",
 * "H_SMR_CREATE"), whether or not its feature is enabled; NULL if none. */
const char *hcall_name(uint64_t opcode);

#ifdef __cplusplus
}
#endif
#endif
