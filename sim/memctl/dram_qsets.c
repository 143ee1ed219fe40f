/*
 * dram_qsets.c - the rarely taken paths of a channel's queue sets (see
 * dram_chan in dram_internal.h; the hot ones are inline there and in
 * dram_sched.c): setting a queue's cached ready cycle from outside the
 * scheduler, and the far set, whose queues are ready no sooner than a
 * wheel's turn ahead.
 *
 * Invariant kept: every non-empty queue with a finite cached cycle is in
 * exactly the set its cycle names (due / wheel slot / far), and farmin is
 * the exact minimum over the far set (UINT64_MAX when it is empty).
 */
#include "memctl/dram_internal.h"

void dram_far_recompute(dram_chan *c)
{
    uint64_t m = UINT64_MAX;
    for (uint32_t w = 0; w < c->nwords; w++)
        for (uint64_t b = c->far[w]; b; b &= b - 1) {
            uint64_t v = c->q[w * 64 + (uint32_t)__builtin_ctzll(b)].ready;
            m = v < m ? v : m;
        }
    c->farmin = m;
}

void dram_q_set(dram_chan *c, uint32_t qi, uint64_t v)
{
    if (c->nwords == 1)
        dram_qset(c, qi, v, 1);
    else
        dram_qset(c, qi, v, c->nwords);
}

void dram_far_migrate(dram_chan *c)
{
    for (uint32_t w = 0; w < c->nwords; w++)
        for (uint64_t b = c->far[w]; b; b &= b - 1) {
            uint32_t qi = w * 64 + (uint32_t)__builtin_ctzll(b);
            if (c->q[qi].ready < c->wbase + DRAM_WHEEL) {
                c->far[w] &= ~(1ULL << (qi % 64));
                dram_set_insert(c, qi, c->q[qi].ready, c->nwords);
            }
        }
    dram_far_recompute(c);
}

bool dram_any_outside(const dram_chan *c, const uint64_t *m, uint32_t lo, uint32_t hi)
{
    for (uint32_t w = 0; w < c->nwords; w++) {
        uint64_t x = m[w];
        for (uint32_t i = lo > w * 64 ? lo : w * 64; x && i < hi && i < w * 64 + 64; i++)
            x &= ~(1ULL << (i % 64));
        if (x)
            return true;
    }
    return false;
}
