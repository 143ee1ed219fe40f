/*
 * hpt.h - the hashed page table (Book3S-64, pre-ISA-3.0 HPTE layout) and the
 * per-LPAR segment table (ESID -> VSID) in front of it.
 *
 * Models: HPTE bit layout and page-size (L/LP) encodings, the 256 MB and
 * 1 TB segment hashes, HPT sizing, the hardware PTEG search with R/C update
 * and the protection check, plus helpers the hypervisor needs for PAPR
 * hcalls (slot allocation, H_AVPN/H_ANDCOND compare). Facts from
 * POWER-NOTES.md "Hashed page table"; encodings cross-checked against Linux
 * (book3s64 hash) and QEMU (mmu-hash64).
 *
 * Layout of one HPTE (two 64-bit doublewords, bit 0 = least significant):
 *   v: B (segment size) 63..62 | AVPN 61..7 | HV-sw 0x40 lock, 0x20 absent |
 *      BOLTED 0x10 | LOCK 0x8 | L 0x4 | H 0x2 | V 0x1
 *   r: PP0 63 | TS 62 | KEY_HI 61..60 | RPN 59..12 | KEY_LO 11..9 | R 0x100 |
 *      C 0x80 | WIMG 0x78 | N 0x4 | PP 0x3
 * Large pages (L = 1) carry their LP code in the low bits of the RPN field:
 * code << 12, occupying r bits 12..(page_shift-1) (so 64K: r bits 12..15,
 * 16M: r bits 12..23), which are below the page's real address anyway.
 * Codes: 4K base segment: 64K -> 0x7, 16M -> 0x38; 64K base: 64K -> 0x1,
 * 16M -> 0x8. Decoding masks r with (page_size - 1) & RPN and compares.
 * AVPN = VA[77:23] (VA >> 23, with VA bit 23 cleared for 16M pages) << 7,
 * where VA = VSID || segment offset (VSID << 28 or VSID << 40).
 *
 * The HPT lives at real address `base` in hypervisor memory; its contents
 * are reached only through an hpt_store (sparse backing, bound by the
 * machine to physmem). Timing is charged separately through a mem_port.
 * Invariants: size is a power of two in [2^18, 2^46], base % size == 0,
 * npteg = size / 128, mask = npteg - 1.
 */
#ifndef LPARSIM_MMU_HPT_H
#define LPARSIM_MMU_HPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/memport.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- HPTE bits ---------------------------------------------------------- */
#define HPTE_V_SSIZE_SHIFT 62
#define HPTE_V_1TB         (1ULL << 62)
#define HPTE_V_AVPN        0x3fffffffffffff80ULL
#define HPTE_V_AVPN_SHIFT  7
#define HPTE_V_HVLOCK      0x40ULL /* hypervisor software: entry locked */
#define HPTE_V_ABSENT      0x20ULL /* hypervisor software: valid for guest, paged out */
#define HPTE_V_BOLTED      0x10ULL
#define HPTE_V_LOCK        0x08ULL
#define HPTE_V_LARGE       0x04ULL
#define HPTE_V_SECONDARY   0x02ULL
#define HPTE_V_VALID       0x01ULL
/* bits compared by the hardware search: B, AVPN, H, V */
#define HPTE_V_CMP_MASK    0xffffffffffffff83ULL

#define HPTE_R_PP0         0x8000000000000000ULL
#define HPTE_R_TS          0x4000000000000000ULL
#define HPTE_R_KEY_HI      0x3000000000000000ULL
#define HPTE_R_RPN         0x0ffffffffffff000ULL
#define HPTE_R_RPN_SHIFT   12
#define HPTE_R_KEY_LO      0x0000000000000e00ULL
#define HPTE_R_R           0x100ULL
#define HPTE_R_C           0x080ULL
#define HPTE_R_WIMG        0x078ULL
#define HPTE_R_W           0x040ULL
#define HPTE_R_I           0x020ULL
#define HPTE_R_M           0x010ULL
#define HPTE_R_G           0x008ULL
#define HPTE_R_N           0x004ULL
#define HPTE_R_PP          0x003ULL

/* H_REMOVE flags understood by hpte_avpn_match (PAPR values). */
#define HPTE_FLAG_AVPN     (1ULL << 31)
#define HPTE_FLAG_ANDCOND  (1ULL << 30)

#define HPT_PTEG_BYTES     128u
#define HPT_PTEG_SLOTS     8u
#define HPT_HPTE_BYTES     16u
#define HPT_MIN_SHIFT      18 /* 256 KiB */
#define HPT_MAX_SHIFT      46 /* HTABSIZE 28 */

/* ---- page sizes --------------------------------------------------------- */
typedef enum hpt_psize { PSZ_4K = 0, PSZ_64K = 1, PSZ_16M = 2, PSZ_COUNT } hpt_psize;

/* 12, 16, 24 */
unsigned hpt_psize_shift(hpt_psize p);
/* PSZ_* for a shift of 12/16/24, or -1. */
int hpt_psize_from_shift(unsigned shift);

/* LP code of `actual` pages in a segment of base size `base` (see header).
 * Returns false for an unsupported pair (e.g. 4K pages in a 64K segment);
 * 4K in a 4K segment is valid with L = 0 and code 0. */
bool hpte_lp_encode(hpt_psize base, hpt_psize actual, unsigned *code);

/* Actual page size of an entry for a segment of base size `base`, from L and
 * the LP bits of r; -1 for a bad encoding. */
int hpte_decode_psize(uint64_t v, uint64_t r, hpt_psize base);
/* Same, accepting a 4K, 64K or 16M base (codes do not overlap). */
int hpte_decode_psize_any(uint64_t v, uint64_t r);

/* ---- entries ------------------------------------------------------------ */
typedef struct hpte {
    uint64_t v, r;
} hpte;

typedef struct hpte_attrs {
    unsigned pp;    /* 0..7: PP | PP0 << 2 */
    unsigned key;   /* storage key 0..31 (KEY_HI:KEY_LO) */
    unsigned wimg;  /* 0..15, W=8 I=4 M=2 G=1 (stored << 3) */
    bool noexec;    /* N */
    bool bolted;
} hpte_attrs;

/* Compare value for the search: B | AVPN | H (if secondary) | V. */
uint64_t hpte_ptem(uint64_t vsid, uint64_t ea, unsigned page_shift, bool seg_1t,
                   bool secondary);
/* Virtual page number VA >> page_shift (fits 64 bits for VSIDs from seg_vsid). */
uint64_t hpte_vpn(uint64_t vsid, uint64_t ea, unsigned page_shift, bool seg_1t);
/* Build a valid entry mapping the page at real address pa (aligned down to
 * the page). base/actual must be a pair hpte_lp_encode accepts (asserted). */
hpte hpte_make(uint64_t vsid, uint64_t ea, bool seg_1t, hpt_psize base,
               hpt_psize actual, uint64_t pa, const hpte_attrs *a, bool secondary);
/* Real page address of an entry of actual size `psize` (LP bits removed). */
uint64_t hpte_real_addr(uint64_t r, hpt_psize psize);
unsigned hpte_pp(uint64_t r);   /* PP | PP0 << 2 */
unsigned hpte_key(uint64_t r);  /* 5-bit storage key */
unsigned hpte_wimg(uint64_t r); /* 4-bit WIMG */
/* r with PP/PP0, N and key replaced (H_PROTECT). */
uint64_t hpte_set_prot(uint64_t r, unsigned pp, bool noexec, unsigned key);

/* H_REMOVE / H_PROTECT match: false if not valid, or HPTE_FLAG_AVPN and
 * (v & ~0x7f) != avpn, or HPTE_FLAG_ANDCOND and (v & avpn) != 0. */
bool hpte_avpn_match(uint64_t v, uint64_t flags, uint64_t avpn);

/* Protection (hpt_search.c). key = Kp in problem state else Ks (from SLB).
 *   key 0: pp 0,1,2 -> RW; 3,6 -> RO; else none.
 *   key 1: pp 0,6 -> none; 1,3 -> RO; 2 -> RW; else none. */
enum { HPTE_PROT_R = 1, HPTE_PROT_W = 2, HPTE_PROT_X = 4 };
unsigned hpte_pp_access(unsigned pp, unsigned key); /* R/W only */
/* R/W from pp and key; X if readable and neither N nor G. */
unsigned hpte_prot(uint64_t r, unsigned key);

/* ---- the table ---------------------------------------------------------- */
/* Sparse backing store for the HPT's bytes (never-written reads return 0). */
typedef struct hpt_store {
    uint64_t (*read64)(void *ctx, uint64_t paddr);
    void (*write64)(void *ctx, uint64_t paddr, uint64_t v);
    void *ctx;
    /* Optional host hint (NULL: none): the search is about to read the
     * bytes at paddr; changes nothing the model sees. */
    void (*prefetch)(void *ctx, uint64_t paddr);
} hpt_store;

typedef struct hpt {
    uint64_t base;   /* real address of PTEG 0 */
    uint64_t size;   /* bytes */
    uint64_t npteg;  /* size / 128 */
    uint64_t mask;   /* npteg - 1 */
    hpt_store store;
} hpt;

/* Returns 0, or -1 with e set if size is not a power of two in
 * [256 KiB, 2^46] or base is not size-aligned. */
int hpt_init(hpt *h, uint64_t base, uint64_t size_bytes, const hpt_store *store,
             sim_err *e);
hpte hpt_read(const hpt *h, uint64_t ptex);
/* Writes r then v (so a valid v is never seen with a stale r). */
void hpt_write(const hpt *h, uint64_t ptex, hpte x);
uint64_t hpt_pteg_addr(const hpt *h, uint64_t pteg);
uint64_t hpt_hpte_addr(const hpt *h, uint64_t ptex);
/* First slot 0..7 of PTEG `pteg` with neither V nor ABSENT set, or -1. */
int hpt_first_free_slot(const hpt *h, uint64_t pteg);

/* ---- hashing and sizing (hpt_hash.c) ------------------------------------ */
/* 256 MB: vsid ^ ((ea & 0x0fffffff) >> p);
 * 1 TB:   vsid ^ (vsid << 25) ^ ((ea & (2^40 - 1)) >> p). */
uint64_t hpt_hash(uint64_t vsid, uint64_t ea, unsigned page_shift, bool seg_1t);
/* hash & mask, or ~hash & mask for the secondary group. */
uint64_t hpt_pteg_index(const hpt *h, uint64_t hash, bool secondary);
/* RAM/128 rounded up to a power of two, clamped to [2^18, 2^46]. */
uint64_t hpt_size_for_ram(uint64_t ram_bytes);
/* log2(size) - 18; size must be a valid HPT size. */
unsigned hpt_htabsize(uint64_t size_bytes);

/* ---- search (hpt_search.c) ---------------------------------------------- */
typedef struct hpt_result {
    bool found;
    uint64_t ptex;    /* pteg * 8 + slot */
    hpte e;           /* entry as found (after R/C update by hpt_translate) */
    int psize;        /* decoded actual page size (PSZ_*) */
    uint64_t cycles;  /* total modeled cycles: probes (+ R/C write-back) */
    unsigned probes;  /* PTEGs read: 1 or 2 */
    bool rc_written;  /* hpt_translate wrote R/C back */
} hpt_result;

/* Hardware lookup, no side effects on the table: primary PTEG slots 0..7,
 * then secondary slots 0..7 with H set; first entry with
 * (v ^ ptem) & HPTE_V_CMP_MASK == 0 whose decoded page size (4K or 64K
 * base) equals page_shift wins. Each PTEG probed is charged as one 128-byte
 * MEM_READ through port (NULL: not charged) at its real address, issued
 * back to back from `now`. Returns out->found. */
bool hpt_search(const hpt *h, uint64_t vsid, uint64_t ea, unsigned page_shift,
                bool seg_1t, const mem_port *port, uint64_t now, hpt_result *out);

enum { HPT_XLATE_MISS = 0, HPT_XLATE_OK = 1, HPT_XLATE_PROT = 2 };
/* hpt_search, then the access check with key (0/1) for a load or a store,
 * then R (on any access) and C (on a permitted store) are set in the table;
 * a change is written back as one 8-byte MEM_WRITE of r, added to cycles.
 * Returns HPT_XLATE_MISS, _OK or _PROT (R still set on a denied access). */
int hpt_translate(const hpt *h, uint64_t vsid, uint64_t ea, unsigned page_shift,
                  bool seg_1t, unsigned key, bool store, const mem_port *port,
                  uint64_t now, hpt_result *out);

/* ---- segment table (segment.c) ------------------------------------------ */
/* VSIDs as Linux generates them (book3s64 mmu-hash.h, 68-bit VA):
 *   proto = (context << esid_bits) | esid,  vsid = proto * 12538073 % (2^vsid_bits - 1)
 *   256 MB: esid = ea >> 28, esid_bits 21, vsid_bits 40
 *   1 TB:   esid = ea >> 40, esid_bits 9,  vsid_bits 28
 * context < 2^19. VSID 0 is reserved as invalid. */
#define SEG_CONTEXT_BITS    19
#define SEG_ESID_BITS_256M  21
#define SEG_ESID_BITS_1T    9
#define SEG_VSID_BITS_256M  40
#define SEG_VSID_BITS_1T    28
#define SEG_VSID_MULTIPLIER 12538073ULL /* 24-bit prime, coprime to both moduli */

/* The scrambled VSID, or 0 if context or ea is out of range. */
uint64_t seg_vsid(uint64_t context, uint64_t ea, bool seg_1t);

typedef struct seg_entry {
    uint64_t esid;     /* ea >> 28 or ea >> 40 */
    uint64_t vsid;
    uint32_t context;
    bool seg_1t;
    uint8_t base_psize; /* hpt_psize of the segment's base page size */
    uint8_t ks, kp;     /* protection key in supervisor / problem state */
} seg_entry;

typedef struct seg_table seg_table;

seg_table *seg_create(sim_err *e);
void seg_destroy(seg_table *st);
/* Map the segment containing ea for `context`; replaces an existing mapping.
 * Entry pointers stay valid until the next seg_map/seg_unmap. Returns the
 * entry, or NULL with e set if context/ea is out of range. */
const seg_entry *seg_map(seg_table *st, uint32_t context, uint64_t ea, bool seg_1t,
                         hpt_psize base, unsigned ks, unsigned kp, sim_err *e);
/* The 256 MB mapping covering ea, else the 1 TB one, else NULL. */
const seg_entry *seg_lookup(const seg_table *st, uint32_t context, uint64_t ea);
bool seg_unmap(seg_table *st, uint32_t context, uint64_t ea, bool seg_1t);
size_t seg_count(const seg_table *st);

#ifdef __cplusplus
}
#endif
#endif
