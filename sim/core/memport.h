/*
 * memport.h - the narrow interface through which a component issues a
 * modeled memory access without knowing what is below it (caches, DRAM).
 * Used by the MMU walk (PTEG probes), the hypervisor (HPT, LMB table, SMR
 * metadata) and the CPU. The requester (hardware thread) is bound into ctx.
 */
#ifndef LPARSIM_CORE_MEMPORT_H
#define LPARSIM_CORE_MEMPORT_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* MEM_ZERO establishes whole lines as zero without reading memory (POWER's
 * dcbz, as Linux's clear_page uses): a miss allocates the line dirty and
 * costs the L2 latency instead of a fetch from DRAM. */
typedef enum mem_kind { MEM_READ = 0, MEM_WRITE = 1, MEM_IFETCH = 2, MEM_ZERO = 3 } mem_kind;

/* A port's memo of its last instruction fetch (mem_port.ifetch): the line
 * (paddr >> shift) of the last fetch that hit the first-level instruction
 * cache's most recently used way, and that cache's generation then (at).
 * While *gen == at, a fetch within that line is such a hit again: it
 * costs lat and counts by ++*hits, and changes nothing else. The port
 * keeps it up to date; a caller may answer such a fetch itself
 * (mem_fetch) instead of calling access. */
typedef struct mem_port_memo {
    uint64_t line, at;
    const uint64_t *gen;
    uint64_t *hits;
    uint64_t lat;
    unsigned shift;
} mem_port_memo;

typedef struct mem_port {
    /* Access `size` bytes at real address paddr, issued at core cycle `now`.
     * Returns the latency in core cycles (>= 1). Accesses that cross a cache
     * line are charged per line. */
    uint64_t (*access)(void *ctx, uint64_t paddr, uint32_t size, mem_kind kind,
                       uint64_t now);
    void *ctx;
    /* Line size of the caches behind the port (0: unknown). When it is at
     * most N, one access of k x N bytes is charged exactly as k accesses of
     * N bytes issued one after the other (each at the previous one's end):
     * callers may batch such runs. */
    uint32_t line_bytes;
    /* Optional (NULL: nothing happens): leave the caches as accessing every
     * line of [paddr, paddr+bytes) in order would, without timing them and
     * without counting them as hits or misses; the dirty lines this pushes
     * out to memory are issued as posted writes spread over core cycles
     * [now, now+span). For the part of a stream the caller charges without
     * simulating it line by line (hyp_stream's sampled scans). */
    void (*stream)(void *ctx, uint64_t paddr, uint64_t bytes, mem_kind kind, uint64_t now,
                   uint64_t span);
    /* Optional (NULL: none): the fetch memo above. */
    const mem_port_memo *ifetch;
} mem_port;

static inline uint64_t mem_access(const mem_port *p, uint64_t paddr, uint32_t size,
                                  mem_kind kind, uint64_t now)
{
    return p->access(p->ctx, paddr, size, kind, now);
}

/* A fetch of [paddr, paddr + size) the memo answers: its hit counted, 1;
 * else 0, nothing changed. The one test of the memo (the port's own
 * access uses it too). */
static inline int mem_memo_hit(const mem_port_memo *m, uint64_t paddr, uint32_t size)
{
    if ((paddr >> m->shift) != m->line ||
        ((paddr + size - (size != 0)) >> m->shift) != m->line || *m->gen != m->at)
        return 0;
    ++*m->hits;
    return 1;
}

/* An instruction fetch: answered from the port's memo when it can be (the
 * same effect as access), else through access. */
static inline uint64_t mem_fetch(const mem_port *p, uint64_t paddr, uint32_t size, uint64_t now)
{
    const mem_port_memo *m = p->ifetch;
    if (m && mem_memo_hit(m, paddr, size))
        return m->lat;
    return p->access(p->ctx, paddr, size, MEM_IFETCH, now);
}

static inline void mem_stream(const mem_port *p, uint64_t paddr, uint64_t bytes, mem_kind kind,
                              uint64_t now, uint64_t span)
{
    if (p->stream)
        p->stream(p->ctx, paddr, bytes, kind, now, span);
}

#ifdef __cplusplus
}
#endif
#endif
