/*
 * dram_internal.h - structures shared by the dram_*.c files (not public).
 *
 * Timing state is hierarchical: a command sets "not before" cycles on its
 * bank, its bank group, its rank and the other ranks; the earliest legal
 * cycle of a command is the max over the levels that apply (exactly
 * DRAMsim3's per-bank tables, given tXXX_L >= tXXX_S, which validation
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
    uint64_t t_act, t_rd, t_wr, t_ref; /* from this rank's own commands */
    uint64_t t_xrd, t_xwr;             /* from other ranks (bus turnaround) */
    uint64_t faw[4];                   /* last four activates (ring) */
    unsigned faw_n, faw_i;
} dram_rank;

typedef struct dram_trans {
    uint64_t addr, tag, arrival;
    uint32_t row, col, queue; /* queue = rank * banks + bank index */
    uint32_t next;            /* free list / merged-read chain */
    bool is_write;
} dram_trans;

/* A bank's command queue, with a cache of its FR-FCFS candidates (the
 * oldest row-hit read, the oldest row-hit write without an older read of
 * its column, whether the oldest command may precharge), recomputed only
 * when the queue or its bank changes (dirty). */
typedef struct dram_cmdq {
    uint32_t n;
    uint32_t *t; /* transaction indices, oldest first */
    dram_bank *bk;
    dram_bgrp *bg;
    dram_rank *rk;
    uint32_t rank, b;
    uint16_t i_rd, i_wr; /* DRAM_NONE16 when absent */
    bool pre_ok, dirty;
} dram_cmdq;
#define DRAM_NONE16 UINT16_MAX

/* Pending-address table entry: reads waiting for one READ, one write. */
typedef struct dram_pend {
    uint64_t key;
    uint32_t reads; /* head of the read chain (trans idx) or DRAM_NIL */
    uint32_t write; /* pending write trans or DRAM_NIL */
    uint32_t next;  /* bucket chain / free list */
} dram_pend;

typedef struct dram_chan {
    dram_bank *bank;  /* ranks * banks */
    dram_bgrp *bg;    /* ranks * bankgroups */
    dram_rank *rank;
    dram_cmdq *q;     /* one per bank */
    /* per queue, a lower bound of the cycle its next command can issue
     * (UINT64_MAX when empty): timings only grow, so it stays valid until
     * the queue or its bank changes, which resets it to 0 */
    uint64_t *qready;
    uint64_t *due; /* scratch bitmask: queues whose qready is due */
    uint32_t *act, *pos, nact; /* dense list of non-empty queues */
    uint64_t qmin; /* min qready at the last queues_next, valid unless qreset */
    bool qreset;
    uint32_t nq, nwords, rr;
    uint32_t *rq, nrq, *wq, nwq;
    uint64_t write_draining;
    uint64_t cmds; /* commands in all queues */
    bool sched_again;
    /* refresh */
    uint64_t ref_next;      /* next insertion cycle (UINT64_MAX: off) */
    uint32_t ref_next_rank;
    uint32_t *refq, ref_head, ref_n; /* ring of ranks waiting */
    uint64_t next; /* cached earliest event cycle */
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
    dram_stats st;
};

/* dram_config.c */
int dram_map_parse(const dram_config *c, dram_map *m, sim_err *e);
void dram_timing_derive(const dram_config *c, dram_timing *t);

/* dram_bank.c: readiness and command effects */
void dram_decode_loc(const dram *d, uint64_t addr, dram_loc *l);
uint64_t dram_ready_act(const dram *d, const dram_chan *c, uint32_t rank, uint32_t b);
uint64_t dram_ready_col(const dram *d, const dram_chan *c, uint32_t rank, uint32_t b, bool wr);
void dram_apply(dram *d, dram_chan *c, int kind, uint32_t rank, uint32_t b,
                uint32_t row, uint64_t t);
uint64_t dram_ref_ready(const dram *d, const dram_chan *c, uint32_t rank, uint32_t *pre_bank);

/* dram_refresh.c */
void dram_refresh_init(dram *d, dram_chan *c);
bool dram_refresh_tick(dram *d, dram_chan *c, uint64_t t);
uint64_t dram_refresh_next(const dram *d, const dram_chan *c, uint64_t from);
void dram_refresh_skip_idle(dram *d, dram_chan *c, uint64_t until);
void dram_refresh_catch_up(dram *d, dram_chan *c, uint64_t t);

/* dram_sched.c */
static inline void dram_q_set(dram_chan *c, uint32_t qi, uint64_t v)
{
    c->qready[qi] = v;
    if (!v)
        c->qreset = true;
}
void dram_chan_tick(dram *d, dram_chan *c, uint64_t t);
uint64_t dram_chan_next(dram *d, dram_chan *c, uint64_t from);
bool dram_chan_busy(const dram_chan *c);

/* dram_queue.c */
dram_pend *dram_pend_find(dram *d, uint64_t key);
dram_pend *dram_pend_get(dram *d, uint64_t key);
void dram_pend_drop_if_empty(dram *d, dram_pend *p);
uint32_t dram_trans_alloc(dram *d);
void dram_trans_free(dram *d, uint32_t i);
void dram_complete(dram *d, uint32_t ti, uint64_t done);

#endif
