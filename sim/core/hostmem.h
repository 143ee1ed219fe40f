/*
 * hostmem.h - large host allocations for the model's big tables (physical
 * memory chunks, cache tag arrays), backed where the host allows by
 * transparent huge pages (2 MiB): the model reads them at random, and with
 * 4 KiB pages nearly every read would also miss the host's TLB.
 *
 * Host-side only: what the model stores and computes never depends on it.
 * Memory comes zeroed. Invariant: a block is released with the size it was
 * allocated with.
 */
#ifndef LPARSIM_CORE_HOSTMEM_H
#define LPARSIM_CORE_HOSTMEM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HOSTMEM_HUGE (2u << 20) /* the huge page size asked for */
#define HOSTMEM_MAP (16u << 10) /* from this size on, a mapping of its own */

/* `bytes` of zeroed memory, aligned to HOSTMEM_HUGE when bytes >=
 * HOSTMEM_HUGE (and then advised to use huge pages); from HOSTMEM_MAP
 * bytes on, pages are zeroed by the host only when first touched. NULL if
 * out of host memory. */
void *hostmem_alloc(size_t bytes);
/* The same without the huge-page advice: only the 4 KiB pages touched
 * are ever zeroed by the host. For a block that may stay nearly unused
 * (zeroing a 2 MiB huge page at its first touch costs about 0.2 ms). */
void *hostmem_alloc_plain(size_t bytes);
void hostmem_free(void *p, size_t bytes);

#ifdef __cplusplus
}
#endif
#endif
