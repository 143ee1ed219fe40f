/*
 * u64chain.c - chains of u64 keys grouped by a u64 (see u64chain.h).
 */
#include <stdlib.h>

#include "u64chain.h"

void u64chain_init(u64chain *c)
{
    u64map_init(&c->heads);
    u64map_init(&c->nodes);
    c->v = NULL;
    c->n = c->cap = 0;
    c->free_head = U64CHAIN_NIL;
}

void u64chain_free(u64chain *c)
{
    u64map_free(&c->heads);
    u64map_free(&c->nodes);
    free(c->v);
    u64chain_init(c);
}

int u64chain_link(u64chain *c, uint64_t key, uint64_t group, uint32_t aux, uint32_t *old_first)
{
    uint32_t i;
    if (c->free_head != U64CHAIN_NIL) {
        i = c->free_head;
        c->free_head = c->v[i].next;
    } else {
        if (c->n == c->cap) {
            uint32_t cap = c->cap ? 2 * c->cap : 1024;
            u64chain_node *v = realloc(c->v, cap * sizeof *v);
            if (!v)
                return -1;
            c->v = v;
            c->cap = cap;
        }
        i = c->n++;
    }
    uint64_t *h = u64map_get(&c->heads, group);
    uint32_t first = h ? (uint32_t)*h : U64CHAIN_NIL;
    if (old_first)
        *old_first = first;
    c->v[i] = (u64chain_node){key, group, aux, U64CHAIN_NIL, first};
    if (h) {
        c->v[first].prev = i;
        *h = i;
    } else if (u64map_put(&c->heads, group, i) != 0) {
        return -1;
    }
    return u64map_put(&c->nodes, key, i);
}

bool u64chain_unlink(u64chain *c, uint64_t key, u64chain_node *was)
{
    uint64_t iv;
    if (!u64map_del(&c->nodes, key, &iv))
        return false;
    u64chain_node *n = &c->v[iv];
    if (was)
        *was = *n;
    if (n->prev != U64CHAIN_NIL)
        c->v[n->prev].next = n->next;
    else if (n->next != U64CHAIN_NIL)
        u64map_put(&c->heads, n->group, n->next); /* replaces: cannot fail */
    else
        u64map_del(&c->heads, n->group, NULL);
    if (n->next != U64CHAIN_NIL)
        c->v[n->next].prev = n->prev;
    n->next = c->free_head;
    c->free_head = (uint32_t)iv;
    return true;
}

uint32_t u64chain_find(const u64chain *c, uint64_t key)
{
    const uint64_t *v = u64map_get(&c->nodes, key);
    return v ? (uint32_t)*v : U64CHAIN_NIL;
}

uint32_t u64chain_first(const u64chain *c, uint64_t group)
{
    const uint64_t *v = u64map_get(&c->heads, group);
    return v ? (uint32_t)*v : U64CHAIN_NIL;
}
