/*
 * dram_refresh.c - per-rank all-bank refresh, staggered across ranks.
 *
 * Like DRAMsim3's RANK_LEVEL_STAGGERED policy: every tREFI/ranks cycles
 * (first at that cycle, not at 0) the next rank in turn is queued for
 * refresh. While it waits the controller issues no other command to that
 * rank; it precharges the rank's open banks (first ready one in bank
 * order, one command per cycle), then issues REFRESH when every bank is
 * closed and ready, blocking the rank for tRFC. The waiting rank's queues
 * (the scheduler's exclusion, c->xlo/xhi/xmask) are updated here whenever
 * the head of the waiting ring changes.
 *
 * Idle spans are not ticked: when a channel has no work, its banks are
 * closed and no timing is pending, the refreshes due before a target cycle
 * are applied in closed form (each rank's last one sets its tRFC window).
 */
#include "memctl/dram_internal.h"

static inline void up(uint64_t *f, uint64_t v) { if (v > *f) *f = v; }

/* The queues excluded while the ring's head waits (c->xlo, xhi, xmask). */
static void excl_update(const dram *d, dram_chan *c)
{
    c->xlo = c->xhi = c->nq;
    c->xmask = 0;
    if (c->ref_n) {
        c->xlo = c->refq[c->ref_head] * d->banks;
        c->xhi = c->xlo + d->banks;
        if (c->nwords == 1)
            c->xmask = (d->banks >= 64 ? ~0ULL : (1ULL << d->banks) - 1) << c->xlo;
    }
}

void dram_refresh_init(dram *d, dram_chan *c)
{
    c->ref_next = d->cfg.refresh == DRAM_REFRESH_STAGGERED ? d->tm.ref_interval : UINT64_MAX;
    c->ref_next_rank = 0;
    c->ref_head = c->ref_n = 0;
    excl_update(d, c);
}

static uint32_t refq_cap(const dram *d) { return (uint32_t)d->cfg.ranks * 2 + 2; }

/* Insert a due refresh and try to issue the front refresh's next command
 * at cycle t. Returns true if a command was issued. */
bool dram_refresh_tick(dram *d, dram_chan *c, uint64_t t)
{
    if (t == c->ref_next) {
        uint32_t cap = refq_cap(d);
        if (c->ref_n < cap) { /* a backlog beyond cap postpones refreshes */
            c->refq[(c->ref_head + c->ref_n++) % cap] = c->ref_next_rank;
            excl_update(d, c);
        }
        c->ref_next_rank = (c->ref_next_rank + 1) % (uint32_t)d->cfg.ranks;
        c->ref_next += d->tm.ref_interval;
    }
    if (!c->ref_n)
        return false;
    uint32_t r = c->refq[c->ref_head];
    dram_bank *bk = &c->bank[r * d->banks];
    uint64_t all = c->rank[r].t_ref;
    for (uint32_t i = 0; i < d->banks; i++) {
        if (bk[i].open_row != DRAM_NO_ROW) {
            if (bk[i].t_pre <= t) {
                dram_apply(d, c, DC_PRE, r, i, 0, t);
                return true;
            }
            all = UINT64_MAX;
        } else if (bk[i].t_ref > all) {
            all = bk[i].t_ref;
        }
    }
    if (all > t)
        return false;
    dram_apply(d, c, DC_REF, r, 0, 0, t);
    c->ref_head = (c->ref_head + 1) % refq_cap(d);
    c->ref_n--; /* the rank's queues may issue again */
    excl_update(d, c);
    return true;
}

uint64_t dram_refresh_next(const dram *d, const dram_chan *c, uint64_t from)
{
    uint64_t best = c->ref_next;
    if (c->ref_n) {
        uint32_t pb;
        uint64_t r = dram_ref_ready(d, c, c->refq[c->ref_head], &pb);
        r = r > from ? r : from;
        if (r < best)
            best = r;
    }
    return best;
}

/* Whether every rank could refresh exactly at its next insertion cycle:
 * all banks closed, no refresh waiting, nothing pending past it. */
static bool idle_ready(const dram *d, const dram_chan *c)
{
    uint32_t R = (uint32_t)d->cfg.ranks;
    if (c->ref_n || c->ref_next == UINT64_MAX)
        return false;
    for (uint32_t r = 0; r < R; r++) {
        uint64_t due = c->ref_next + ((r + R - c->ref_next_rank) % R) * d->tm.ref_interval;
        if (c->rank[r].t_ref > due)
            return false;
        const dram_bank *bk = &c->bank[r * d->banks];
        for (uint32_t i = 0; i < d->banks; i++)
            if (bk[i].open_row != DRAM_NO_ROW || bk[i].t_ref > due)
                return false;
    }
    return true;
}

/* Apply, in closed form, every refresh inserted at a cycle < until (the
 * caller guarantees the channel has no queued work). */
void dram_refresh_skip_idle(dram *d, dram_chan *c, uint64_t until)
{
    if (c->ref_next >= until || !idle_ready(d, c))
        return;
    uint64_t I = d->tm.ref_interval, R = d->cfg.ranks;
    uint64_t m0 = c->ref_next / I, m1 = (until - 1) / I;
    for (uint64_t k = 0; k < R && m0 + k <= m1; k++) {
        uint64_t m = m0 + k + R * ((m1 - m0 - k) / R);
        dram_rank *rk = &c->rank[(c->ref_next_rank + k) % R];
        up(&rk->t_act, m * I + d->tm.rfc);
        up(&rk->t_ref, m * I + d->tm.rfc);
    }
    uint64_t n = m1 - m0 + 1;
    d->st.refs += n;
    c->ref_next = (m1 + 1) * I;
    c->ref_next_rank = (uint32_t)((c->ref_next_rank + n) % R);
}

/* Blocking path: perform every refresh inserted at a cycle <= t, each as
 * soon as its rank allows (precharging open banks first). */
void dram_refresh_catch_up(dram *d, dram_chan *c, uint64_t t)
{
    while (c->ref_next <= t) {
        if (idle_ready(d, c)) {
            dram_refresh_skip_idle(d, c, t + 1);
            return;
        }
        uint32_t r = c->ref_next_rank;
        uint64_t at = c->ref_next;
        for (uint32_t i = 0; i < d->banks; i++) {
            dram_bank *bk = &c->bank[r * d->banks + i];
            if (bk->open_row != DRAM_NO_ROW)
                dram_apply(d, c, DC_PRE, r, i, 0, bk->t_pre > at ? bk->t_pre : at);
        }
        uint32_t pb;
        uint64_t ready = dram_ref_ready(d, c, r, &pb);
        dram_apply(d, c, DC_REF, r, 0, 0, ready > at ? ready : at);
        c->ref_next_rank = (r + 1) % (uint32_t)d->cfg.ranks;
        c->ref_next += d->tm.ref_interval;
    }
}
