/*
 * dram_internal.h - structures shared by the dram_*.c files (not public).
 *
 * Timing state is hierarchical: a command sets "not before" cycles on its
 * bank, its bank group, its rank and the other ranks; the earliest legal
 * cycle of a command is the max over the levels that apply (exactly
 * DRAMsim3's per-bank tables, given t*_L >= t*_S, which validation
 * enforces). All "not before" cycles only grow.
 */
#ifndef LPARSIM_MEMCTL_DRAM_INTERNAL_H
#define LPARSIM_MEMCTL_DRAM_INTERNAL_H

#include "memctl/dram.h"

#define DRAM_NIL UINT32_MAX
#define DRAM_NO_ROW UINT32_MAX

enum dram_cmd_kind { DC_READ, DC_WRITE, DC_ACT, DC_PRE, DC_READP, DC_WRITEP, DC_REF };

/* Command-to-command distances derived from the config (cycles). */
typedef struct dram_timing {
    uint64_t burst, read_delay, write_delay;
    uint64_t rr_l, rr_s, rr_o, r2w, r2w_o, r2p, rdp2act, rd2act;
    uint64_t w2r_l, w2r_s, w2r_o, ww_l, ww_s, ww_o, w2p, wrp2act;
    uint64_t rc, rrd_l, rrd_s, ras, rcd, rp, rfc, faw;
    uint64_t ref_interval; /* between refresh insertions (tREFI / ranks) */
} dram_timing;

/* Field positions/widths after dropping the request-offset bits. */
typedef struct dram_map {
    unsigned shift;
    unsigned pos[6], bits[6]; /* indexed by DM_* */
    uint32_t mask[6];         /* (1 << bits) - 1, for dram_decode_loc */
} dram_map;
enum { DM_CH, DM_RA, DM_BG, DM_BA, DM_RO, DM_CO };

typedef struct dram_bank {
    uint32_t open_row; /* DRAM_NO_ROW when closed */
    uint32_t hits;     /* column commands since the activate */
    uint64_t t_act, t_rd, t_wr, t_pre, t_ref;
} dram_bank;

typedef struct dram_bgrp {
    uint64_t t_act, t_rd, t_wr;
} dram_bgrp;

typedef struct dram_rank {
    /* from this rank's own commands; t_act also holds the four-activate
     * window's bound (the oldest of the last four activates + tFAW, set at
     * each activate once four were issued): only their max is read */
    uint64_t t_act, t_ref;
    /* column commands: from this rank's own ones and (bus turnaround)
     * other ranks' ones, in one field as only their max counts */
    uint64_t t_rd, t_wr;
    uint64_t faw[4];                   /* last four activates (ring) */
    unsigned faw_n, faw_i;
} dram_rank;

/* A posted write held by dram_access until the controller's time
 * reaches it (dram_access.c). */
typedef struct dram_staged {
    uint64_t arrival, seq, addr;
} dram_staged;

typedef struct dram_trans {
    uint64_t addr, tag, arrival;
    uint32_t row, col, queue; /* queue = rank * banks + bank index */
    uint32_t next;            /* free list / merged-read chain */
    uint32_t pend;            /* its pending-address entry while queued */
    bool is_write;
} dram_trans;

/* A bank's command queue, with a cache of its FR-FCFS candidates (the
 * oldest row-hit read, the oldest row-hit write without an older read of
 * its column, whether the oldest command may precharge), recomputed only
 * when the queue or its bank changes (dirty). */
typedef struct dram_cmdq {
    _Alignas(64) uint32_t n; /* one cache line per queue */
    uint32_t nrd; /* how many of the n are reads */
    uint32_t *t; /* transaction indices, oldest first */
    dram_bank *bk;
    dram_bgrp *bg;
    dram_rank *rk;
    uint64_t ready; /* cached ready cycle, see dram_chan */
    uint16_t i_rd, i_wr; /* DRAM_NONE16 when absent */
    bool pre_ok, dirty;
    /* which of the candidates exist, as one DRAM_CAND_* (set with them by
     * q_candidates; like them void once dirty is set, which every change
     * of the queue or its bank does: a command, a move into the queue,
     * dram_apply, dram_access, dram_touch): q_eval reads only the bound it
     * needs, and of i_rd, i_wr, pre_ok only those cand names */
    uint8_t cand;
} dram_cmdq;
#define DRAM_NONE16 UINT16_MAX
/* dram_cmdq.cand: the bank is closed (an ACTIVATE), or of an open bank's
 * candidates a bit each for the precharge, the read, the write (none: 0;
 * more than one: the general case) */
enum { DRAM_CAND_PRE = 1, DRAM_CAND_RD = 2, DRAM_CAND_WR = 4, DRAM_CAND_ACT = 8 };

/* Pending-address table entry: reads waiting for one READ, one write. */
typedef struct dram_pend {
    uint64_t key;
    uint32_t reads; /* head of the read chain (trans idx) or DRAM_NIL */
    uint32_t write; /* pending write trans or DRAM_NIL */
    uint32_t next;  /* bucket chain / free list */
} dram_pend;

/* Per channel, the queues that may issue soon, by their cached ready
 * cycle q.ready (a lower bound of the cycle the queue's next command can
 * issue; UINT64_MAX when empty). Timings only grow, so a cached cycle
 * stays a valid lower bound until the queue or its bank changes, which
 * resets it to 0. Every non-empty queue with ready < UINT64_MAX is in
 * exactly one of three bitmask sets (nwords words each):
 *   due:   ready < wbase (due at the last wheel advance);
 *   wheel: slot ready % DRAM_WHEEL, for wbase <= ready < wbase + DRAM_WHEEL;
 *   far:   ready >= wbase + DRAM_WHEEL (farmin: their exact minimum).
 * wmask has a bit per non-empty wheel slot. With at most 64 queues the
 * sets live in the channel itself (due1, far1, wheel1). */
#define DRAM_WHEEL 64u

typedef struct dram_chan {
    dram_bank *bank;  /* ranks * banks */
    dram_bgrp *bg;    /* ranks * bankgroups */
    dram_rank *rank;
    dram_cmdq *q;     /* one per bank */
    uint64_t *due, *wheel, *far; /* see above */
    uint64_t wmask, wbase, farmin;
    uint64_t due1, far1, wheel1[DRAM_WHEEL];
    uint32_t nq, nwords;
    uint32_t rr; /* the round robin starts here: after the last issuer (nq: at 0) */
    /* read queue and write buffer, oldest first: rq[0..nrq) and wq[0..nwq)
     * slide forward inside rqbuf/wqbuf (2 x trans_queue_size entries each)
     * so that taking the oldest moves nothing (dram_list_push/_remove) */
    uint32_t *rq, nrq, *wq, nwq;
    uint32_t *rqbuf, *wqbuf;
    uint64_t write_draining;
    uint64_t cmds; /* commands in all queues */
    bool sched_again;
    /* schedule() found nothing to move and nothing it reads changed since
     * (cleared when a command queue shrinks, a request is queued, or a
     * flush starts or ends): calling it again would find nothing */
    bool sched_idle;
    /* refresh */
    uint64_t ref_next;      /* next insertion cycle (UINT64_MAX: off) */
    uint32_t ref_next_rank;
    uint32_t *refq, ref_head, ref_n; /* ring of ranks waiting */
    /* the queues of the rank waiting at the ring's head, [xlo, xhi) (empty
     * if none; with <= 64 queues also as the bit mask xmask): no command
     * goes to them until its REFRESH issues (dram_refresh.c keeps these) */
    uint32_t xlo, xhi;
    uint64_t xmask;
    uint64_t next; /* cached earliest event cycle */
    /* the earliest arrival since the last cycle visited that made no
     * event (dram_queue.c), UINT64_MAX if none: dram_next_event() counts
     * it as one, as a visit of that cycle would (it does nothing) */
    uint64_t quiet;
} dram_chan;

struct dram {
    dram_config cfg; /* address_mapping not owned (NULL) */
    dram_timing tm;
    dram_map map;
    uint32_t banks; /* per rank */
    uint64_t capacity;
    uint32_t req_bytes;
    dram_chan *ch;
    uint64_t now, last_done;
    bool flushing, oom;
    dram_trans *tr;
    uint32_t ntr, tr_free;
    dram_pend *pend;
    uint32_t npend, pend_free, *pend_bucket, pend_mask;
    dram_done_fn done;
    void *done_ctx;
    uint64_t blk_tag, blk_done; /* dram_access: the read waited for */
    uint64_t blk_latest;        /* dram_access: latest arrival taken */
    uint64_t floor, horizon;    /* dram_access: see dram_set_horizon */
    struct dram_staged *stage;  /* dram_access: posted writes not yet due, a */
    uint32_t nstage, cap_stage; /* ring sorted by arrival, then call order */
    uint32_t stage_head;        /* (cap_stage a power of two) */
    uint64_t stage_seq;
    dram_request_fn req_hook;
    void *req_ctx;
    bool refused;               /* the last request offered was refused: */
    bool ref_wr;                /* it (a retry of it counts once in */
    uint64_t ref_addr, ref_tag; /* queue_full), and the cycle of its */
    uint64_t ref_since;         /* first refusal */
    dram_stats st;
};

/* dram_config.c */
int dram_map_parse(const dram_config *c, dram_map *m, sim_err *e);
void dram_timing_derive(const dram_config *c, dram_timing *t);

/* Address decoding (inline: once per request on the enqueue path). */
static inline void dram_decode_loc(const dram *d, uint64_t addr, dram_loc *l)
{
    const dram_map *m = &d->map;
    uint64_t a = addr >> m->shift;
#define DRAM_F(i) ((uint32_t)(a >> m->pos[i]) & m->mask[i])
    l->channel = DRAM_F(DM_CH);
    l->rank = DRAM_F(DM_RA);
    l->bankgroup = DRAM_F(DM_BG);
    l->bank = DRAM_F(DM_BA);
    l->row = DRAM_F(DM_RO);
    l->column = DRAM_F(DM_CO);
#undef DRAM_F
}

/* The bank (command queue) index of a decoded location within its
 * channel: rank * banks + bank group * banks_per_group + bank. */
static inline uint32_t dram_loc_queue(const dram *d, const dram_loc *l)
{
    return l->rank * d->banks + l->bankgroup * (uint32_t)d->cfg.banks_per_group + l->bank;
}

/* dram_bank.c: readiness and command effects (the effects are inline in
 * dram_apply.h, for the scheduler) */
uint64_t dram_ready_act(const dram *d, const dram_chan *c, uint32_t rank, uint32_t b);
uint64_t dram_ready_col(const dram *d, const dram_chan *c, uint32_t rank, uint32_t b, bool wr);
/* Issue a command: its timing effects, and the bank's queue marked for
 * re-evaluation (dram_apply_cmd leaves the queue to the caller). */
void dram_apply(dram *d, dram_chan *c, int kind, uint32_t rank, uint32_t b,
                uint32_t row, uint64_t t);
void dram_apply_cmd(dram *d, dram_chan *c, const dram_cmdq *q, int kind, uint32_t row,
                    uint64_t t);
uint64_t dram_ref_ready(const dram *d, const dram_chan *c, uint32_t rank, uint32_t *pre_bank);

/* dram_refresh.c */
void dram_refresh_init(dram *d, dram_chan *c);
bool dram_refresh_tick(dram *d, dram_chan *c, uint64_t t);
uint64_t dram_refresh_next(const dram *d, const dram_chan *c, uint64_t from);
void dram_refresh_skip_idle(dram *d, dram_chan *c, uint64_t until);
void dram_refresh_catch_up(dram *d, dram_chan *c, uint64_t t);

/* dram_queue.c: dram_try_enqueue with the cycle a read's latency counts
 * from (stamp <= arrival: the request waited before it could be offered) */
bool dram_enqueue_stamped(dram *d, uint64_t addr, bool is_write, uint64_t arrival, uint64_t stamp,
                          uint64_t tag);

/* dram_sched.c: visit every cycle < until at which the channel can act */
void dram_chan_run(dram *d, dram_chan *c, uint64_t until);
static inline bool dram_chan_busy(const dram_chan *c)
{
    return c->nrq || c->nwq || c->cmds || c->ref_n;
}

/* Whether the write buffer starts draining (DRAMsim3's policy; when not
 * draining already): it is full, or holds more than write_drain_min
 * writes while every command queue is empty, or the end of a trace
 * (flushing) finds writes and no reads. */
static inline bool dram_drain_starts(const dram *d, const dram_chan *c)
{
    return c->nwq >= d->cfg.trans_queue_size ||
           (c->nwq > d->cfg.write_drain_min && c->cmds == 0) ||
           (d->flushing && c->nwq && !c->nrq);
}

/* Append v to the list l[0..n) held in buf (2 * cap entries; n < cap). */
static inline void dram_list_push(uint32_t **l, uint32_t *n, uint32_t *buf, uint64_t cap,
                                  uint32_t v)
{
    if (*l + *n == buf + 2 * cap) { /* at the end of buf: back to its start */
        for (uint32_t k = 0; k < *n; k++)
            buf[k] = (*l)[k];
        *l = buf;
    }
    (*l)[(*n)++] = v;
}

/* Remove entry i of l[0..n), keeping the order: the i older ones move up. */
static inline void dram_list_remove(uint32_t **l, uint32_t *n, uint32_t i)
{
    for (uint32_t k = i; k > 0; k--)
        (*l)[k] = (*l)[k - 1];
    (*l)++;
    (*n)--;
}

/* dram_qsets.c: the rare paths of the queue sets (hot ones inline below) */
/* Set queue qi's cached ready cycle to v (0: re-evaluate at the next
 * chance; UINT64_MAX: the queue is empty), moving it between the sets. */
void dram_q_set(dram_chan *c, uint32_t qi, uint64_t v);
void dram_far_recompute(dram_chan *c);
/* Move the far queues now within the wheel's reach (after wbase moved). */
void dram_far_migrate(dram_chan *c);
/* Whether the set m has a queue outside [lo, hi). */
bool dram_any_outside(const dram_chan *c, const uint64_t *m, uint32_t lo, uint32_t hi);

/* The due / wheel / far sets. nw is c->nwords, passed as a constant 1 by
 * the hot paths so that the word loops fold away for <= 64 queues. */
#define DRAM_INLINE static inline __attribute__((always_inline))

DRAM_INLINE uint64_t *dram_due(dram_chan *c, uint32_t nw) { return nw == 1 ? &c->due1 : c->due; }
DRAM_INLINE uint64_t *dram_far(dram_chan *c, uint32_t nw) { return nw == 1 ? &c->far1 : c->far; }
DRAM_INLINE uint64_t *dram_slot(dram_chan *c, uint64_t cyc, uint32_t nw)
{
    return nw == 1 ? &c->wheel1[cyc % DRAM_WHEEL] : &c->wheel[(size_t)(cyc % DRAM_WHEEL) * nw];
}

/* Put queue qi, whose ready cycle is v, into the set v belongs to. */
DRAM_INLINE void dram_set_insert(dram_chan *c, uint32_t qi, uint64_t v, uint32_t nw)
{
    uint64_t b = 1ULL << (qi % 64);
    if (v < c->wbase) {
        dram_due(c, nw)[qi / 64] |= b;
    } else if (v - c->wbase < DRAM_WHEEL) {
        dram_slot(c, v, nw)[qi / 64] |= b;
        c->wmask |= 1ULL << (v % DRAM_WHEEL);
    } else if (v != UINT64_MAX) {
        dram_far(c, nw)[qi / 64] |= b;
        if (v < c->farmin)
            c->farmin = v;
    }
}

DRAM_INLINE void dram_set_remove(dram_chan *c, uint32_t qi, uint32_t nw)
{
    uint64_t v = c->q[qi].ready, b = 1ULL << (qi % 64);
    if (v < c->wbase) {
        dram_due(c, nw)[qi / 64] &= ~b;
    } else if (v - c->wbase < DRAM_WHEEL) {
        uint64_t *w = dram_slot(c, v, nw), any = 0;
        w[qi / 64] &= ~b;
        for (uint32_t k = 0; k < nw; k++)
            any |= w[k];
        if (!any)
            c->wmask &= ~(1ULL << (v % DRAM_WHEEL));
    } else if (v != UINT64_MAX) {
        dram_far(c, nw)[qi / 64] &= ~b;
        if (v == c->farmin)
            dram_far_recompute(c);
    }
}

/* Queue qi, in the due set, gets ready cycle v (UINT64_MAX: empty): a
 * shortcut of dram_qset for the queues the visit looks into. */
DRAM_INLINE void dram_qset_due(dram_chan *c, uint32_t qi, uint64_t v, uint32_t nw)
{
    c->q[qi].ready = v;
    if (v < c->wbase)
        return; /* stays due */
    dram_due(c, nw)[qi / 64] &= ~(1ULL << (qi % 64));
    dram_set_insert(c, qi, v, nw);
}

DRAM_INLINE void dram_qset(dram_chan *c, uint32_t qi, uint64_t v, uint32_t nw)
{
    dram_set_remove(c, qi, nw);
    c->q[qi].ready = v;
    dram_set_insert(c, qi, v, nw);
}

/* dram_reader.c: the requests of a trace file, in file order, to sink
 * (0, or -1 with e filled: the first error of the file or of sink). */
typedef struct dram_treq {
    uint64_t addr, cyc, line;
    bool wr;
} dram_treq;
int dram_trace_read(const char *path, int (*sink)(void *ctx, const dram_treq *q, sim_err *e),
                    void *ctx, sim_err *e);

/* dram_queue.c */
/* The pending-address table: find, add (when absent), drop when empty. */
static inline uint32_t dram_pend_hash(const dram *d, uint64_t key)
{
    return (uint32_t)((key * 0x9E3779B97F4A7C15ULL) >> 40) & d->pend_mask;
}

static inline dram_pend *dram_pend_find(const dram *d, uint64_t key)
{
    for (uint32_t i = d->pend_bucket[dram_pend_hash(d, key)]; i != DRAM_NIL; i = d->pend[i].next)
        if (d->pend[i].key == key)
            return &d->pend[i];
    return NULL;
}

/* Add key, which is not in the table (dram_reserve() ran first). */
dram_pend *dram_pend_add(dram *d, uint64_t key);

static inline void dram_pend_drop_if_empty(dram *d, dram_pend *p)
{
    if (p->reads != DRAM_NIL || p->write != DRAM_NIL)
        return;
    uint32_t idx = (uint32_t)(p - d->pend), *link = &d->pend_bucket[dram_pend_hash(d, p->key)];
    while (*link != idx)
        link = &d->pend[*link].next;
    *link = p->next;
    p->next = d->pend_free;
    d->pend_free = idx;
}

uint32_t dram_trans_alloc(dram *d);
static inline void dram_trans_free(dram *d, uint32_t i)
{
    d->tr[i].next = d->tr_free;
    d->tr_free = i;
}

/* Transaction ti is done at cycle done: latency, last_done, callback. */
static inline void dram_complete(dram *d, uint32_t ti, uint64_t done)
{
    const dram_trans *tr = &d->tr[ti];
    if (!tr->is_write)
        hist_add(&d->st.read_latency, done - tr->arrival);
    if (done > d->last_done)
        d->last_done = done;
    if (d->done)
        d->done(d->done_ctx, tr->tag, done);
}

#endif
