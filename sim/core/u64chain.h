/*
 * u64chain.h - a pool of doubly linked chains: each member (a unique u64
 * key, with a 32-bit aux value) hangs in the chain of its group (a u64);
 * link at a chain's front, unlink and look-up are O(1) (two hash maps and
 * a node pool with a free list). Reverse maps are built on it: the
 * hypervisor's (real page -> HPTE slots) and the auditors' own indexes.
 * Invariant: a key is in at most one chain; a group has a head iff its
 * chain is non-empty; node indices stay valid until their node is unlinked.
 */
#ifndef LPARSIM_CORE_U64CHAIN_H
#define LPARSIM_CORE_U64CHAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "u64map.h"

#ifdef __cplusplus
extern "C" {
#endif

#define U64CHAIN_NIL UINT32_MAX

typedef struct u64chain_node {
    uint64_t key, group;
    uint32_t aux;
    uint32_t prev, next; /* node indices, U64CHAIN_NIL-terminated */
} u64chain_node;

typedef struct u64chain {
    u64map heads;        /* group -> first node */
    u64map nodes;        /* key -> node */
    u64chain_node *v;
    uint32_t n, cap, free_head;
} u64chain;

void u64chain_init(u64chain *c);
void u64chain_free(u64chain *c);

/* Link key (not linked yet) at the front of group's chain. *old_first (may
 * be NULL) receives the node that was first, or U64CHAIN_NIL. 0, or -1 when
 * out of host memory. */
int u64chain_link(u64chain *c, uint64_t key, uint64_t group, uint32_t aux, uint32_t *old_first);
/* Unlink key; false if it is not linked. *was (may be NULL) receives the
 * node as it was (its prev/next still name live nodes). */
bool u64chain_unlink(u64chain *c, uint64_t key, u64chain_node *was);
/* Node index of key, or U64CHAIN_NIL. */
uint32_t u64chain_find(const u64chain *c, uint64_t key);
/* First node of group's chain, or U64CHAIN_NIL. */
uint32_t u64chain_first(const u64chain *c, uint64_t group);
static inline const u64chain_node *u64chain_at(const u64chain *c, uint32_t i)
{
    return &c->v[i];
}
/* Members linked. */
static inline uint64_t u64chain_size(const u64chain *c)
{
    return c->nodes.n;
}

#ifdef __cplusplus
}
#endif
#endif
