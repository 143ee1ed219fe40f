/*
 * memcopy.h - a core's copy loop (memcpy of real bytes) through its caches:
 * the bytes move in the sparse physical memory (physmem_copy_bytes), and
 * the time comes from the memory model, with `window` source lines in
 * flight (the load-miss queue) instead of one outstanding miss.
 *
 * Timing model (an approximation, stated in the README): the copy runs in
 * windows of `window` source lines. A window's loads issue together at its
 * start t; its stores (the destination lines holding those bytes) issue
 * together when the loads are back, t + R; the next window starts at
 * t + max(R, the previous window's store time W, window x line_cycles), so
 * stores drain under the next loads as a store queue lets them, and
 * line_cycles is the load/store bandwidth floor of cache-hot copies. The
 * copy ends when the last stores complete. A destination line wholly
 * written may be established without reading it (dst_zero: dcbz, MEM_ZERO)
 * instead of a read for ownership (MEM_WRITE).
 * Invariant: the destination holds the source's bytes afterwards, whatever
 * the timing; lines_read/lines_written count the lines each side touched.
 */
#ifndef LPARSIM_MEMCTL_MEMCOPY_H
#define LPARSIM_MEMCTL_MEMCOPY_H

#include <stdbool.h>
#include <stdint.h>

#include "core/memport.h"
#include "physmem.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mem_copy_cfg {
    unsigned window;       /* source lines in flight (>= 1) */
    uint64_t line_cycles;  /* floor per line: the core's copy bandwidth */
    bool dst_zero;         /* establish whole destination lines with dcbz */
} mem_copy_cfg;

typedef struct mem_copy_res {
    uint64_t cycles;        /* from `now` to the last store's completion */
    uint64_t lines_read;    /* source lines loaded */
    uint64_t lines_written; /* destination lines stored */
} mem_copy_res;

/* Copy len bytes from real address src to real address dst (not
 * overlapping) through port p, starting at core cycle `now`; pm may be NULL
 * for timing only. 0, or -1 if the host is out of memory (r still set). */
int mem_copy(const mem_port *p, physmem *pm, uint64_t dst, uint64_t src, uint64_t len,
             const mem_copy_cfg *cfg, uint64_t now, mem_copy_res *r);

/* Touch len bytes at real address a through p (kind MEM_READ: a core
 * reading them, MEM_WRITE: writing them) with the same windows: the time
 * a scan or fill of a buffer takes. Lines counted in *lines if not NULL. */
uint64_t mem_touch(const mem_port *p, uint64_t a, uint64_t len, mem_kind kind,
                   const mem_copy_cfg *cfg, uint64_t now, uint64_t *lines);

#ifdef __cplusplus
}
#endif
#endif
