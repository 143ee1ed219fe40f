/*
 * physmem.h - sparse contents of the machine's physical (real) memory.
 *
 * Models the functional side of memory only (no timing): 64-bit words
 * addressed by real address over a machine of up to 2^63 bytes. Host memory
 * is allocated only for 64 KiB chunks that were written; reading memory that
 * was never written returns 0. Zeroing a whole chunk gives its host memory
 * back to the store, which reuses it for the next chunk (chunks come from
 * 2 MiB huge-page slabs, core/hostmem.h). Words are host-endian; the
 * functional model stores values, not bytes.
 * Invariant: a chunk is present in the table iff a nonzero word was written
 * to it since it was last wholly zeroed by physmem_zero() (writing zero to
 * never-written memory allocates nothing).
 */
#ifndef LPARSIM_MEMCTL_PHYSMEM_H
#define LPARSIM_MEMCTL_PHYSMEM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PHYSMEM_CHUNK_SHIFT 16u
#define PHYSMEM_CHUNK_BYTES (1ull << PHYSMEM_CHUNK_SHIFT) /* 64 KiB */

typedef struct physmem physmem;

/* A store for real addresses [0, size_bytes); size_bytes = 0 means no limit
 * (addresses are then only bounded by 2^63). Returns NULL if out of host
 * memory. */
physmem *physmem_create(uint64_t size_bytes);
void physmem_destroy(physmem *pm);

/* paddr must be 8-byte aligned and inside the store (asserted). */
uint64_t physmem_read64(physmem *pm, uint64_t paddr);
/* Host hint: start loading the host cache line holding paddr (no effect on
 * contents or on anything the model computes). */
void physmem_prefetch(const physmem *pm, uint64_t paddr);
/* Returns 0, or -1 if the host is out of memory for a new chunk. */
int physmem_write64(physmem *pm, uint64_t paddr, uint64_t value);

/* Zero [paddr, paddr+len) (both 8-byte aligned); chunks wholly covered are
 * released. */
void physmem_zero(physmem *pm, uint64_t paddr, uint64_t len);
/* Copy len bytes (8-byte aligned) from src to dst; the ranges must not
 * overlap. Never-written source words copy as zero without allocating when
 * the destination is also unwritten. Returns 0 or -1 (host out of memory). */
int physmem_copy(physmem *pm, uint64_t dst, uint64_t src, uint64_t len);

/* Byte-granular access (physmem_bytes.c): any address and length; word i
 * of an aligned address holds its bytes in host (little-endian) order.
 * Writes return 0 or -1 (host out of memory); copies must not overlap. */
void physmem_read_bytes(physmem *pm, uint64_t paddr, void *dst, uint64_t len);
int physmem_write_bytes(physmem *pm, uint64_t paddr, const void *src, uint64_t len);
int physmem_copy_bytes(physmem *pm, uint64_t dst, uint64_t src, uint64_t len);

/* Host bytes held: chunk data in use plus the chunk table (released chunks
 * kept for reuse and unused slab space are not counted). */
uint64_t physmem_bytes_allocated(const physmem *pm);
/* Number of 64 KiB chunks currently backed by host memory. */
uint64_t physmem_chunks(const physmem *pm);
/* The words of the 64 KiB chunk holding paddr (index (paddr % 64K) / 8),
 * or NULL if it was never written (all zero): lets host-side scans of large
 * sparse tables skip empty chunks. Valid until the next write or zero. */
const uint64_t *physmem_chunk(physmem *pm, uint64_t paddr);

#ifdef __cplusplus
}
#endif
#endif
