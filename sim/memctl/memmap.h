/*
 * memmap.h - memory modules and physical memory blocks (PMBs).
 *
 * The machine's real address space starts at 0 and is the concatenation of
 * the configured memory modules, in order. It is tiled from 0 by PMBs of one
 * size (a power of two, at least the largest page size 16M), so a PMB is
 * either part of one module or spans several (when pmb_size exceeds a module,
 * or a module boundary falls inside it). Pages are 4K, 64K or 16M; every
 * module and every PMB holds a whole number of 16M pages.
 * Each memory module is attached to one processor module (its node, NUMA):
 * memory.modules[i].module, or, left at -1, spread in address order over
 * the processor modules (module i of M on processor module i * P / M, so
 * one module per processor module lands on its own and with one processor
 * module everything is on node 0). Until memmap_set_nodes is called every
 * module is on node 0.
 * Invariants after memmap_create: total = sum of module sizes = pmb_count *
 * pmb_size; module i covers [module_base(i), module_base(i)+size(i));
 * memmap_module_node(i) < the processor module count given to
 * memmap_set_nodes.
 */
#ifndef LPARSIM_MEMCTL_MEMMAP_H
#define LPARSIM_MEMCTL_MEMMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/param.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Page sizes the machine supports (bytes), ascending. */
#define MEMMAP_PAGE_4K (4ull << 10)
#define MEMMAP_PAGE_64K (64ull << 10)
#define MEMMAP_PAGE_16M (16ull << 20)
#define MEMMAP_MAX_PAGE MEMMAP_PAGE_16M
/* Largest memory module (and PMB), and largest total of all modules. */
#define MEMMAP_MAX_MODULE_BYTES (1ull << 50) /* 1P */
#define MEMMAP_MAX_TOTAL_BYTES (1ull << 62)  /* 4E */

typedef struct memory_module_config {
    uint64_t size; /* bytes */
    int64_t module; /* processor module it is attached to; -1: spread (memmap_set_nodes) */
} memory_module_config;

typedef struct memory_config {
    param_list modules; /* of memory_module_config, in address order */
    uint64_t pmb_size;  /* bytes */
} memory_config;

extern const param_table memory_module_params; /* one element of memory.modules */
extern const param_table memory_params;        /* "memory" */

typedef struct memmap memmap;

/* Check c without building anything (the declared ranges, sizes, PMB
 * tiling); e = "memory.<key>: what; expected ...". 0 or -1. */
int memmap_config_check(const memory_config *c, sim_err *e);

/* Validates c (memmap_config_check); on error returns NULL with e set (the
 * caller prefixes file:line). NULL with "out of memory" likewise. */
memmap *memmap_create(const memory_config *c, sim_err *e);
void memmap_destroy(memmap *m);

uint64_t memmap_total_bytes(const memmap *m);

unsigned memmap_module_count(const memmap *m);
uint64_t memmap_module_base(const memmap *m, unsigned i);
uint64_t memmap_module_size(const memmap *m, unsigned i);
/* Module holding paddr (< total, asserted). */
unsigned memmap_module_of(const memmap *m, uint64_t paddr);

/* Attach the modules to nproc processor modules (nodes): memory.modules[i].
 * module where given, else spread (see above). A module index >= nproc is
 * an error naming memory.modules[i].module (the caller prefixes
 * file:line). 0 or -1. */
int memmap_set_nodes(memmap *m, const memory_config *c, unsigned nproc, sim_err *e);
/* The processor module (node) memory module i is attached to (and
 * memmap_node_of below: that of real address paddr < total); the node
 * count. */
unsigned memmap_module_node(const memmap *m, unsigned i);
unsigned memmap_nodes(const memmap *m);

size_t memmap_pmb_count(const memmap *m);
uint64_t memmap_pmb_base(const memmap *m, size_t i);
uint64_t memmap_pmb_size(const memmap *m, size_t i);
/* PMB holding paddr (< total, asserted). */
size_t memmap_pmb_of(const memmap *m, uint64_t paddr);
/* Modules that PMB i overlaps: first..last inclusive (first == last when the
 * PMB lies inside one module). */
void memmap_pmb_modules(const memmap *m, size_t i, unsigned *first, unsigned *last);

static inline unsigned memmap_node_of(const memmap *m, uint64_t paddr)
{
    return memmap_module_node(m, memmap_module_of(m, paddr));
}

/* True for 4K, 64K and 16M. */
bool memmap_page_size_valid(uint64_t bytes);

/* Format a byte count as the shortest exact "3M", "256M", "2G", "4096" form
 * (for messages). Returns buf. */
const char *memmap_fmt_size(uint64_t bytes, char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif
