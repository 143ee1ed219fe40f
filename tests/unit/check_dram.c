/*
 * check_dram.c - unit tests of the DRAM controller (sim/memctl/dram_*).
 *
 * Default device: DDR4-2400 x8 (CL 17, CWL 12, tRCD 17, tRP 17, tRAS 39,
 * BL/2 4, tCCD_S/L 4/6, tRRD_S/L 4/6, tFAW 26, tRTP 9, tRFC 420, tREFI
 * 9360, 2 ranks), mapping "rochrababgco": after the 6 offset bits, column
 * 7 bits [6,13), bank group 2 [13,15), bank 2 [15,17), rank 1 [17],
 * row 16 [18,34). The controller spends one cycle moving a transaction to
 * its command queue, so an idle read completes at arrival + 1 + tRCD + CL
 * + BL/2 = arrival + 39. Every expectation below is worked out by hand.
 */
#include <check.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "memctl/dram.h"
#include "testutil.h"

static uint64_t A(uint64_t ro, uint64_t ra, uint64_t bg, uint64_t ba, uint64_t co)
{
    return ro << 18 | ra << 17 | ba << 15 | bg << 13 | co << 6;
}

static void cfg_init(dram_config *c, bool refresh)
{
    sim_err e = {{0}};
    ck_assert_int_eq(param_defaults(&dram_param_table, c, &e), 0);
    if (!refresh)
        c->refresh = DRAM_REFRESH_NONE;
}

typedef struct done_log {
    uint64_t done[64];
} done_log;

static void on_done(void *ctx, uint64_t tag, uint64_t cyc)
{
    done_log *l = ctx;
    ck_assert_uint_lt(tag, 64);
    l->done[tag] = cyc;
}

static dram *mk(dram_config *c, bool refresh, done_log *l)
{
    sim_err e = {{0}};
    cfg_init(c, refresh);
    dram *d = dram_create(c, &e);
    ck_assert_msg(d != NULL, "%s", e.msg);
    memset(l, 0, sizeof *l);
    dram_set_callback(d, on_done, l);
    return d;
}

static void enq(dram *d, uint64_t addr, bool wr, uint64_t at, uint64_t tag)
{
    ck_assert(dram_try_enqueue(d, addr, wr, at, tag));
}

/* ---------------------------------------------------------------- mapping */

START_TEST(map_decode)
{
    dram_config c;
    done_log l;
    dram *d = mk(&c, false, &l);
    dram_loc x;
    /* 0x80F8A980 >> 6 = 0x203E2A6: co = 0x26 = 38, bg = (0x203E2A6>>7)&3 = 1,
     * ba = (>>9)&3 = 1, ra = (>>11)&1 = 0, ro = >>12 = 0x203E = 8254 */
    ck_assert_int_eq(dram_decode(d, 0x80F8A980, &x), 0);
    ck_assert_uint_eq(x.column, 38);
    ck_assert_uint_eq(x.bankgroup, 1);
    ck_assert_uint_eq(x.bank, 1);
    ck_assert_uint_eq(x.rank, 0);
    ck_assert_uint_eq(x.row, 8254);
    ck_assert_uint_eq(x.channel, 0);
    ck_assert_int_eq(dram_decode(d, A(5, 1, 3, 2, 9) + 0x3f, &x), 0);
    ck_assert_uint_eq(x.row, 5);
    ck_assert_uint_eq(x.rank, 1);
    ck_assert_uint_eq(x.bankgroup, 3);
    ck_assert_uint_eq(x.bank, 2);
    ck_assert_uint_eq(x.column, 9);
    /* 16 GiB: 8 KiB rows x 65536 rows x 16 banks x 2 ranks */
    ck_assert_uint_eq(dram_config_capacity(&c), 16ull << 30);
    ck_assert_int_eq(dram_decode(d, 16ull << 30, &x), -1);
    dram_destroy(d);
    param_free(&dram_param_table, &c);
}
END_TEST

START_TEST(map_bad_string)
{
    const char *bad[] = {"address_mapping=rochrababgcc", "address_mapping=rorochbabgco",
                         "address_mapping=rochrababg", "address_mapping=xxchrababgco"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        dram_config c;
        sim_err e = {{0}};
        cfg_init(&c, false);
        ck_assert_int_eq(cfg_set(&dram_param_table, &c, bad[i], &e), 0);
        ck_assert_ptr_null(dram_create(&c, &e));
        ck_assert_msg(strstr(e.msg, "dram.address_mapping") && strstr(e.msg, "exactly once"),
                      "%s", e.msg);
        param_free(&dram_param_table, &c);
    }
    dram_config c;
    sim_err e = {{0}};
    cfg_init(&c, false);
    c.rows = 1000; /* not a power of two */
    ck_assert_int_eq(dram_config_validate(&c, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "dram.rows"));
    param_free(&dram_param_table, &c);
}
END_TEST

/* ---------------------------------------------------------------- timing */

START_TEST(t_idle_hit_conflict)
{
    dram_config c;
    done_log l;
    dram *d = mk(&c, false, &l);
    uint64_t r1 = A(1, 0, 0, 0, 0), r1b = A(1, 0, 0, 0, 1), r2 = A(2, 0, 0, 0, 0);
    enq(d, r1, false, 100, 0);  /* ACT 101, RD 118, data 139 */
    enq(d, r1b, false, 1000, 1); /* row hit: RD 1001, data 1022 */
    enq(d, r2, false, 2000, 2);  /* conflict: PRE 2001, ACT 2018, RD 2035, data 2056 */
    dram_drain(d);
    ck_assert_uint_eq(l.done[0], 100 + 1 + 17 + 17 + 4);
    ck_assert_uint_eq(l.done[1], 1000 + 1 + 17 + 4);
    ck_assert_uint_eq(l.done[2], 2000 + 1 + 17 + 17 + 17 + 4);
    const dram_stats *s = dram_get_stats(d);
    ck_assert_uint_eq(s->reads, 3);
    ck_assert_uint_eq(s->read_row_hits, 1);
    ck_assert_uint_eq(s->acts, 2);
    ck_assert_uint_eq(s->pres, 1);
    ck_assert_uint_eq(s->read_latency.min, 22);
    ck_assert_uint_eq(s->read_latency.max, 56);
    dram_destroy(d);
    param_free(&dram_param_table, &c);
}
END_TEST

START_TEST(t_ras_before_precharge)
{
    dram_config c;
    done_log l;
    dram *d = mk(&c, false, &l);
    /* ACT at 1, RD at 18; the conflict arriving at 20 may precharge only at
     * max(ACT + tRAS = 40, RD + tRTP = 27) = 40: ACT 57, RD 74, data 95 */
    enq(d, A(1, 0, 0, 0, 0), false, 0, 0);
    enq(d, A(2, 0, 0, 0, 0), false, 20, 1);
    dram_drain(d);
    ck_assert_uint_eq(l.done[0], 39);
    ck_assert_uint_eq(l.done[1], 40 + 17 + 17 + 21);
    dram_destroy(d);
    param_free(&dram_param_table, &c);
}
END_TEST

static uint64_t ccd_pair(bool same_group)
{
    dram_config c;
    done_log l;
    dram *d = mk(&c, false, &l);
    uint64_t x = A(1, 0, 0, 0, 0), y = A(1, 0, same_group ? 0 : 1, 1, 0);
    enq(d, x, false, 0, 0); /* open both rows */
    enq(d, y, false, 1, 1);
    enq(d, x + 64, false, 1000, 2); /* hit: RD at 1001 */
    enq(d, y + 64, false, 1001, 3); /* hit: RD at max(1002, 1001 + tCCD) */
    dram_drain(d);
    ck_assert_uint_eq(l.done[2], 1022);
    uint64_t r = l.done[3];
    dram_destroy(d);
    param_free(&dram_param_table, &c);
    return r;
}

START_TEST(t_ccd_s_vs_l)
{
    ck_assert_uint_eq(ccd_pair(true), 1001 + 6 + 21);  /* tCCD_L */
    ck_assert_uint_eq(ccd_pair(false), 1001 + 4 + 21); /* tCCD_S */
}
END_TEST

START_TEST(t_faw)
{
    dram_config c;
    done_log l;
    dram *d = mk(&c, false, &l);
    /* five reads to five closed banks of rank 0 (bank groups 0,1,2,3,0),
     * moved one per cycle 0..4: ACTs at 1, 5, 9, 13 (tRRD_S 4), the fifth
     * waits for the four-activate window: 1 + tFAW = 27 */
    uint64_t bg[5] = {0, 1, 2, 3, 0}, ba[5] = {0, 0, 0, 0, 1};
    for (int i = 0; i < 5; i++)
        enq(d, A(1, 0, bg[i], ba[i], 0), false, 0, (uint64_t)i);
    dram_drain(d);
    ck_assert_uint_eq(l.done[0], 1 + 38);
    ck_assert_uint_eq(l.done[1], 5 + 38);
    ck_assert_uint_eq(l.done[3], 13 + 38);
    ck_assert_uint_eq(l.done[4], 27 + 38);
    dram_destroy(d);
    param_free(&dram_param_table, &c);
}
END_TEST

START_TEST(t_refresh_blocks_rank)
{
    dram_config c;
    done_log l;
    dram *d = mk(&c, true, &l);
    /* staggered: rank 0 refreshes at tREFI/2 = 4680 and is blocked until
     * 4680 + tRFC = 5100; rank 1 (next refresh at 9360) is unaffected */
    enq(d, A(1, 0, 0, 0, 0), false, 4700, 0);
    enq(d, A(1, 1, 0, 0, 0), false, 4701, 1);
    dram_drain(d);
    ck_assert_uint_eq(l.done[0], 5100 + 17 + 21);
    ck_assert_uint_eq(l.done[1], 4701 + 39);
    ck_assert_uint_eq(dram_get_stats(d)->refs, 1);
    dram_destroy(d);
    param_free(&dram_param_table, &c);
}
END_TEST

/* A refresh falling due while a bank of its rank is open: the rank's
 * refresh precharges the bank, REFRESH issues once the precharge is done
 * (tRP), and the rank takes no ACT for tRFC after it. Read rank 0 at 4600
 * (opens row 1 of bank 0), then row 2 of the same bank at 4700: the second
 * read goes PRE (at the refresh insertion, tREFI/ranks) -> REF (+tRP) ->
 * ACT (+tRFC) -> RD (+tRCD) -> data (+CL + BL/2). Every figure is computed
 * from the timing parameters, so the test pins the sequence, not numbers:
 * with the defaults 4680 -> 4697 -> 5117 -> 5134 -> 5155. Both paths of
 * the controller (queued and blocking) must agree. */
typedef struct open_bank_refresh {
    uint64_t done0, done1, ref_at;
} open_bank_refresh;

static open_bank_refresh open_bank_expect(const dram_config *c)
{
    uint64_t rl = c->AL + c->CL, burst = c->BL / 2, rcd = c->tRCD - c->AL; /* AL <= tRCD */
    uint64_t act1 = 4600 + 1, rd1 = act1 + rcd;      /* one cycle to the command queue */
    open_bank_refresh x;
    x.done0 = rd1 + rl + burst;
    x.ref_at = c->tREFI / c->ranks;                  /* rank 0's first refresh */
    uint64_t pre_ok = act1 + c->tRAS > rd1 + c->AL + c->tRTP ? act1 + c->tRAS
                                                             : rd1 + c->AL + c->tRTP;
    ck_assert_uint_lt(x.done0, 4700);                /* the first read is over ... */
    ck_assert_uint_le(pre_ok, x.ref_at);             /* ... and its row still open */
    ck_assert_uint_lt(x.ref_at, 4700);               /* the refresh falls due before the 2nd */
    uint64_t pre = x.ref_at, ref = pre + c->tRP, act2 = ref + c->tRFC;
    x.done1 = act2 + rcd + rl + burst;
    return x;
}

START_TEST(t_refresh_open_bank)
{
    dram_config c;
    done_log l;
    dram *d = mk(&c, true, &l);
    open_bank_refresh x = open_bank_expect(&c);
    enq(d, A(1, 0, 0, 0, 0), false, 4600, 0);
    enq(d, A(2, 0, 0, 0, 0), false, 4700, 1);
    dram_drain(d);
    ck_assert_uint_eq(l.done[0], x.done0);
    ck_assert_uint_eq(l.done[1], x.done1);
    ck_assert_uint_eq(x.done1, 5155); /* the defaults, as a cross-check of the formula */
    const dram_stats *s = dram_get_stats(d);
    ck_assert_uint_eq(s->refs, 1);
    ck_assert_uint_eq(s->pres, 1); /* the refresh's precharge; the 2nd read found it closed */
    ck_assert_uint_eq(s->acts, 2);
    dram_destroy(d);
    param_free(&dram_param_table, &c);
}
END_TEST

START_TEST(b_refresh_open_bank)
{
    dram_config c;
    done_log l;
    dram *d = mk(&c, true, &l);
    open_bank_refresh x = open_bank_expect(&c);
    ck_assert_uint_eq(dram_access(d, A(1, 0, 0, 0, 0), false, 4600), x.done0);
    ck_assert_uint_eq(dram_access(d, A(2, 0, 0, 0, 0), false, 4700), x.done1);
    const dram_stats *s = dram_get_stats(d);
    ck_assert_uint_eq(s->refs, 1);
    ck_assert_uint_eq(s->pres, 1);
    ck_assert_uint_eq(s->acts, 2);
    dram_destroy(d);
    param_free(&dram_param_table, &c);
}
END_TEST

START_TEST(t_idle_gap_no_ticking)
{
    dram_config c;
    done_log l;
    dram *d = mk(&c, true, &l);
    clock_t t0 = clock();
    /* insertion m happens at m * 4680 for rank (m - 1) % 2. The last one
     * before 999999996900 is m = 213675213 at 999999996840 (rank 0), so
     * rank 0 is blocked until 999999997260: ACT then, data +38. */
    enq(d, A(3, 0, 0, 0, 0), false, 999999996900ull, 0);
    /* rank 1 was last refreshed at 999999992160: free */
    enq(d, A(3, 1, 0, 0, 0), false, 999999996901ull, 1);
    dram_drain(d);
    ck_assert_uint_eq(l.done[0], 999999997260ull + 38);
    ck_assert_uint_eq(l.done[1], 999999996901ull + 39);
    ck_assert_uint_eq(dram_get_stats(d)->refs, 213675213);
    ck_assert_msg((double)(clock() - t0) / CLOCKS_PER_SEC < 0.5, "idle gap was ticked");
    dram_destroy(d);
    param_free(&dram_param_table, &c);
}
END_TEST

/* ---------------------------------------------------------------- scheduler */

START_TEST(s_frfcfs)
{
    dram_config c;
    done_log l;
    dram *d = mk(&c, false, &l);
    /* A opens row 1 (ACT 1). B (row 2, conflict) arrives at 5 before C
     * (row 1, hit) at 6. After A's RD at 18, C's hit goes first at 18 +
     * tCCD_L = 24 (data 45) and B's precharge waits for it: PRE at
     * max(ACT + tRAS, 24 + tRTP) = 40, ACT 57, RD 74, data 95. */
    enq(d, A(1, 0, 0, 0, 0), false, 0, 0);
    enq(d, A(2, 0, 0, 0, 0), false, 5, 1);
    enq(d, A(1, 0, 0, 0, 1), false, 6, 2);
    dram_drain(d);
    ck_assert_uint_eq(l.done[0], 39);
    ck_assert_uint_eq(l.done[2], 24 + 21);
    ck_assert_uint_eq(l.done[1], 74 + 21);
    dram_destroy(d);
    param_free(&dram_param_table, &c);
}
END_TEST

/* A queue whose candidates change kind while it waits (activate, row hits,
 * then a precharge and a hit together: dram_cmdq.cand, recomputed with
 * the candidates whenever the queue or its bank changes). Five reads open
 * row 1 (ACT 1, RDs every tCCD_L from 18: 18 .. 42); B (row 2) and C (row
 * 1) queue behind them. After four hits the row may close although C
 * still hits it: B's precharge (ready at 42 + tRTP = 51) and C's read
 * (42 + tCCD_L = 48) are both candidates; C goes first, then B: PRE at
 * 48 + tRTP = 57, ACT 74, RD 91. */
START_TEST(s_candidate_kinds)
{
    dram_config c;
    done_log l;
    dram *d = mk(&c, false, &l);
    for (uint64_t i = 0; i < 5; i++)
        enq(d, A(1, 0, 0, 0, i), false, i, i);
    enq(d, A(2, 0, 0, 0, 0), false, 5, 5);
    enq(d, A(1, 0, 0, 0, 5), false, 6, 6);
    dram_drain(d);
    for (uint64_t i = 0; i < 5; i++)
        ck_assert_uint_eq(l.done[i], 18 + 6 * i + 21);
    ck_assert_uint_eq(l.done[6], 48 + 21);
    ck_assert_uint_eq(l.done[5], 57 + 17 + 17 + 21);
    ck_assert_uint_eq(dram_get_stats(d)->read_row_hits, 5);
    ck_assert_uint_eq(dram_get_stats(d)->pres, 1);
    dram_destroy(d);
    param_free(&dram_param_table, &c);
}
END_TEST

START_TEST(s_write_drain)
{
    for (int n = 8; n <= 9; n++) {
        dram_config c;
        done_log l;
        dram *d = mk(&c, false, &l);
        for (int i = 0; i < n; i++)
            enq(d, A((uint64_t)i + 1, 0, 0, 0, 0), true, (uint64_t)i, (uint64_t)i);
        ck_assert_uint_eq(l.done[0], 1); /* posted one cycle after acceptance */
        dram_run_until(d, 100000);
        /* more than 8 waiting with empty command queues starts a drain */
        ck_assert_uint_eq(dram_get_stats(d)->write_cmds, n == 8 ? 0 : 9);
        dram_drain(d); /* the end of a trace drains the rest */
        ck_assert_uint_eq(dram_get_stats(d)->write_cmds, (uint64_t)n);
        dram_destroy(d);
        param_free(&dram_param_table, &c);
    }
}
END_TEST

START_TEST(s_forward_and_merge)
{
    dram_config c;
    done_log l;
    dram *d = mk(&c, false, &l);
    uint64_t a = A(7, 0, 1, 1, 3);
    enq(d, a, true, 0, 0);
    enq(d, a, false, 1, 1); /* served from the pending write */
    ck_assert_uint_eq(l.done[1], 2);
    enq(d, A(9, 1, 0, 0, 0), false, 10, 2);
    enq(d, A(9, 1, 0, 0, 0) + 8, false, 11, 3); /* same line: joins the READ */
    dram_drain(d);
    ck_assert_uint_eq(l.done[2], 10 + 39);
    ck_assert_uint_eq(l.done[3], l.done[2]);
    ck_assert_uint_eq(dram_get_stats(d)->forwarded_reads, 1);
    ck_assert_uint_eq(dram_get_stats(d)->merged_reads, 1);
    dram_destroy(d);
    param_free(&dram_param_table, &c);
}
END_TEST

START_TEST(s_queue_full)
{
    for (int wr = 0; wr <= 1; wr++) {
        dram_config c;
        done_log l;
        dram *d = mk(&c, false, &l);
        for (uint64_t i = 0; i < 32; i++)
            enq(d, A(i + 1, i & 1, 0, 0, 0), wr, 0, i);
        /* the 33rd is refused: read queue / write buffer of 32 */
        ck_assert(!dram_will_accept(d, A(100, 0, 1, 0, 0), wr));
        ck_assert(!dram_try_enqueue(d, A(100, 0, 1, 0, 0), wr, 0, 40));
        ck_assert_uint_eq(dram_get_stats(d)->queue_full, 1);
        /* a retry of the same request counts once */
        ck_assert(!dram_try_enqueue(d, A(100, 0, 1, 0, 0), wr, 0, 40));
        ck_assert_uint_eq(dram_get_stats(d)->queue_full, 1);
        /* cycle 0 moves one transaction to its command queue (a full write
         * buffer starts a drain), so the head enters at cycle 1, having
         * waited one cycle */
        uint64_t t = dram_next_event(d);
        ck_assert_uint_eq(t, 0);
        ck_assert(dram_try_enqueue(d, A(100, 0, 1, 0, 0), wr, t + 1, 40));
        ck_assert_uint_eq(dram_get_stats(d)->queue_full, 1);
        ck_assert_uint_eq(dram_get_stats(d)->queue_full_cycles, 1);
        /* full again: another request (address, direction or tag) counts
         * anew, and one abandoned adds no cycles */
        ck_assert(!dram_try_enqueue(d, A(101, 0, 1, 0, 0), wr, 1, 41));
        ck_assert(!dram_try_enqueue(d, A(101, 0, 1, 0, 0), wr, 1, 42));
        ck_assert(!dram_try_enqueue(d, A(102, 0, 1, 0, 0), wr, 1, 42));
        ck_assert_uint_eq(dram_get_stats(d)->queue_full, 4);
        ck_assert_uint_eq(dram_get_stats(d)->queue_full_cycles, 1);
        dram_drain(d);
        ck_assert_uint_eq(dram_get_stats(d)->queue_full_cycles, 1);
        ck_assert_uint_eq(wr ? dram_get_stats(d)->write_cmds : dram_get_stats(d)->read_cmds, 33);
        dram_destroy(d);
        param_free(&dram_param_table, &c);
    }
}
END_TEST

/* ---------------------------------------------------------------- blocking */

/* write_policy fcfs: every access at its arrival (buffered:
 * check_dram_access.c) */
START_TEST(b_access)
{
    dram_config c;
    sim_err e = {{0}};
    cfg_init(&c, false);
    c.write_policy = DRAM_WRITES_FCFS;
    dram *d = dram_create(&c, &e);
    ck_assert_msg(d != NULL, "%s", e.msg);
    uint64_t r1 = A(1, 0, 2, 3, 0);
    ck_assert_uint_eq(dram_access(d, r1, false, 100), 139);
    ck_assert_uint_eq(dram_access(d, r1 + 64, false, 1000), 1022);
    ck_assert_uint_eq(dram_access(d, r1 + 128, true, 1500), 1501); /* posted */
    /* conflict at 2000: PRE 2001, ACT 2018, RD 2035, data 2056 */
    ck_assert_uint_eq(dram_access(d, A(5, 0, 2, 3, 0), false, 2000), 2056);
    /* an earlier arrival after it waits for the bank: PRE at ACT + tRAS =
     * 2057, ACT 2074, RD 2091, data 2112 (no clock goes back) */
    ck_assert_uint_eq(dram_access(d, A(6, 0, 2, 3, 0), false, 1990), 2112);
    const dram_stats *s = dram_get_stats(d);
    ck_assert_uint_eq(s->reads, 4);
    ck_assert_uint_eq(s->writes, 1);
    ck_assert_uint_eq(s->read_row_hits, 1);
    ck_assert_uint_eq(s->write_row_hits, 1);
    dram_destroy(d);
    param_free(&dram_param_table, &c);
}
END_TEST

START_TEST(b_refresh)
{
    dram_config c;
    done_log l;
    dram *d = mk(&c, true, &l);
    /* rank 0 refreshes at 4680, blocked until 5100 */
    ck_assert_uint_eq(dram_access(d, A(1, 0, 0, 0, 0), false, 4700), 5100 + 38);
    /* far in the future: same closed-form refresh state as the queued path */
    ck_assert_uint_eq(dram_access(d, A(3, 0, 0, 0, 0), false, 999999996900ull),
                      999999997260ull + 38);
    dram_destroy(d);
    param_free(&dram_param_table, &c);
}
END_TEST

/* 8 ranks: 128 bank queues, more than one 64-bit word of queue sets. */
START_TEST(t_many_queues)
{
    dram_config c;
    done_log l;
    sim_err e = {{0}};
    cfg_init(&c, false);
    c.ranks = 8;
    dram *d = dram_create(&c, &e);
    ck_assert_msg(d != NULL, "%s", e.msg);
    memset(&l, 0, sizeof l);
    dram_set_callback(d, on_done, &l);
    /* rank: 3 bits [17,20), row from bit 20; the last queue (rank 7, bank
     * group 3, bank 3) and the first (rank 0, bank 0) */
    uint64_t hi = 1ull << 20 | 7ull << 17 | 3ull << 15 | 3ull << 13, lo = 1ull << 20;
    enq(d, hi, false, 100, 0);     /* ACT 101, RD 118, data 139 */
    enq(d, lo, false, 101, 1);     /* ACT 102, RD after the rank switch 118 + 4 + 1 */
    enq(d, hi + 64, false, 1000, 2); /* row hit: RD 1001, data 1022 */
    enq(d, hi + (1ull << 20), false, 2000, 3); /* conflict: data 2056 */
    dram_drain(d);
    ck_assert_uint_eq(l.done[0], 139);
    ck_assert_uint_eq(l.done[1], 123 + 17 + 4);
    ck_assert_uint_eq(l.done[2], 1000 + 1 + 17 + 4);
    ck_assert_uint_eq(l.done[3], 2000 + 1 + 17 + 17 + 17 + 4);
    dram_destroy(d);
    param_free(&dram_param_table, &c);
}
END_TEST

/* ---------------------------------------------------------------- replay */

static const char *put(const char *name, const char *text)
{
    const char *p = tu_tmp(name);
    ck_assert_int_eq(tu_write_file(p, text), 0);
    return p;
}

static void replay_err(const char *name, const char *text, const char *want)
{
    dram_config c;
    dram_replay_result r;
    sim_err e = {{0}};
    cfg_init(&c, false);
    const char *p = put(name, text);
    ck_assert_int_eq(dram_replay_file(&c, p, &r, &e), -1);
    ck_assert_msg(strstr(e.msg, want) != NULL, "got: %s", e.msg);
    ck_assert_msg(strstr(e.msg, p) != NULL, "no path in: %s", e.msg);
    param_free(&dram_param_table, &c);
}

/* The reader's fast path (it needs 64 bytes after a line's start, hence
 * the padding) must read an address as the general parser does: mixed
 * case, more than 8 digits, and every byte just outside the digit ranges
 * (and a control byte and a high byte that look like digits once masked)
 * ending it. */
START_TEST(r_hex_digits)
{
    char text[512];
    const char *pad = "0x100 READ 9\n0x100 READ 9\n0x100 READ 9\n0x100 READ 9\n"
                      "0x100 READ 9\n0x100 READ 9\n";
    snprintf(text, sizeof text, "0xAbCdEf98765 READ 0\n%s", pad);
    replay_err("h0.trace", text,
               ":1: address 0xabcdef98765 is beyond the configured capacity");
    snprintf(text, sizeof text, "0x400000000 READ 0\n%s", pad);
    replay_err("h1.trace", text, ":1: address 0x400000000 is beyond");
    const char bad[] = {':', '@', 'G', '`', 'g', '/', 0x15, (char)0xb0};
    for (size_t i = 0; i < sizeof bad; i++) {
        snprintf(text, sizeof text, "0x100 READ 0\n0x1F0%c000 READ 1\n%s", bad[i], pad);
        replay_err("h2.trace", text, ":2: expected '<hex address> <READ|WRITE> <cycle>'");
    }
}
END_TEST

START_TEST(r_bad_lines)
{
    replay_err("a.trace", "0x100 READ 0\nfoo bar\n",
               ":2: expected '<hex address> <READ|WRITE> <cycle>', got 'foo bar'");
    replay_err("b.trace", "0x100 READ 0\n0x140 RAED 5\n", ":2: expected");
    replay_err("c.trace", "0x100 READ x\n", ":1: expected");
    replay_err("d.trace", "0x0 READ 10\n0x40 WRITE 5\n", ":2: cycle 5 is before");
    replay_err("e.trace", "\n0x400000000 READ 0\n",
               ":2: address 0x400000000 is beyond the configured capacity of 17179869184 bytes");
    dram_config c;
    dram_replay_result r;
    sim_err e = {{0}};
    cfg_init(&c, false);
    ck_assert_int_eq(dram_replay_file(&c, tu_tmp("missing.trace"), &r, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "cannot open"));
    param_free(&dram_param_table, &c);
}
END_TEST

START_TEST(r_replay_small)
{
    dram_config c;
    dram_replay_result r;
    sim_err e = {{0}};
    cfg_init(&c, false);
    /* tests/data/dram/small.trace: idle read at 0 (39), row hit at 100
     * (22), a write at 200 (row hit, left in the buffer until the final
     * drain), two reads stamped 300 that enter at 300 (rank 1: ACT 301,
     * RD 318, data 339) and 301 (one per cycle: held back; rank 0: ACT
     * 302, RD waits for the rank switch 318 + BL/2 + tRTRS = 323, data
     * 344, latency 43). The drained write issues at 303 (data 319). */
    ck_assert_int_eq(dram_replay_file(&c, tu_src("tests/data/dram/small.trace"), &r, &e), 0);
    ck_assert_uint_eq(r.reads, 4);
    ck_assert_uint_eq(r.writes, 1);
    ck_assert_uint_eq(r.held_back, 1);
    ck_assert_uint_eq(r.lat_min, 22);
    ck_assert_uint_eq(r.lat_max, 43);
    ck_assert_double_eq_tol(r.lat_mean, (39.0 + 22 + 39 + 43) / 4, 1e-9);
    ck_assert_uint_eq(r.cycles, 344);
    ck_assert_double_eq_tol(r.bandwidth_gbps, 5 * 64 * 1000.0 / (344 * 830.0), 1e-9);
    ck_assert_double_eq_tol(r.read_row_hit_rate, 0.25, 1e-12);
    ck_assert_double_eq_tol(r.row_hit_rate, 0.4, 1e-12);
    jtree *j = jtree_create();
    dram_replay_to_jtree(&r, j);
    double v;
    ck_assert_int_eq(jtree_get_double(j, "dram.reads", &v), 0);
    ck_assert_double_eq(v, 4);
    ck_assert_int_eq(jtree_get_double(j, "dram.read_latency.p50", &v), 0);
    ck_assert_double_eq(v, 39);
    ck_assert_int_eq(jtree_get_double(j, "dram.held_back", &v), 0);
    ck_assert_double_eq(v, 1);
    jtree_destroy(j);
    dram_replay_result_free(&r);

    /* the same trace gzipped replays identically */
    const char *gz = tu_tmp("small.trace.gz");
    char *txt = tu_read_file(tu_src("tests/data/dram/small.trace"), NULL);
    ck_assert_ptr_nonnull(txt);
    gzFile f = gzopen(gz, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(gzputs(f, txt), (int)strlen(txt));
    gzclose(f);
    free(txt);
    ck_assert_int_eq(dram_replay_file(&c, gz, &r, &e), 0);
    ck_assert_uint_eq(r.cycles, 344);
    ck_assert_uint_eq(r.held_back, 1);
    dram_replay_result_free(&r);
    param_free(&dram_param_table, &c);
}
END_TEST

/* A trace of n reads of rows 1..n of one bank every 100 cycles (each
 * one a row conflict but the first), in two line forms (the second one
 * off the fast path); line `bad` (1-based, 0: none) replaced by `badline`. */
static char *long_trace(int n, int bad, const char *badline)
{
    size_t cap = (size_t)n * 48 + 256, len = 0;
    char *t = malloc(cap);
    ck_assert_ptr_nonnull(t);
    for (int i = 1; i <= n; i++) {
        if (i == bad)
            len += (size_t)snprintf(t + len, cap - len, "%s\n", badline);
        else if (i % 7)
            len += (size_t)snprintf(t + len, cap - len, "0x%llX READ %d\n",
                                    (unsigned long long)i << 18, (i - 1) * 100);
        else
            len += (size_t)snprintf(t + len, cap - len, "%llx\tREAD\t%d\r\n",
                                    (unsigned long long)i << 18, (i - 1) * 100);
    }
    return t;
}

/* A long trace (its batches, its errors late in the file) gives the same
 * results read on the reader thread and inline. */
static void replay_long(void)
{
    dram_config c;
    dram_replay_result r;
    sim_err e = {{0}};
    cfg_init(&c, false);
    /* more requests than the reader hands over in one batch */
    char *t = long_trace(20000, 0, NULL);
    ck_assert_int_eq(dram_replay_file(&c, put("long.trace", t), &r, &e), 0);
    ck_assert_uint_eq(r.reads, 20000);
    ck_assert_uint_eq(r.held_back, 0);
    ck_assert_uint_eq(r.lat_min, 39);
    ck_assert_uint_eq(r.lat_max, 56);
    ck_assert_double_eq_tol(r.lat_mean, (39.0 + 19999 * 56.0) / 20000, 1e-9);
    ck_assert_uint_eq(r.cycles, 19999 * 100 + 56);
    dram_replay_result_free(&r);
    const char *gz = tu_tmp("long.trace.gz");
    gzFile f = gzopen(gz, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(gzputs(f, t), (int)strlen(t));
    gzclose(f);
    ck_assert_int_eq(dram_replay_file(&c, gz, &r, &e), 0);
    ck_assert_uint_eq(r.cycles, 19999 * 100 + 56);
    dram_replay_result_free(&r);
    free(t);
    param_free(&dram_param_table, &c);
    /* errors late in the file; the first one in file order wins */
    t = long_trace(20000, 19999, "0x100 READ");
    replay_err("long1.trace", t, ":19999: expected");
    free(t);
    t = long_trace(20000, 15000, "0x40 WRITE 5");
    size_t n = strlen(t);
    t = realloc(t, n + 16);
    strcpy(t + n, "garbage\n");
    replay_err("long2.trace", t, ":15000: cycle 5 is before");
    free(t);
}

START_TEST(r_replay_long)
{
    replay_long(); /* the reader thread, where the host has two CPUs */
    /* allowed one CPU, `lparsim dram` reads inline (dram_reader.c) */
    cpu_set_t all, one;
    ck_assert_int_eq(sched_getaffinity(0, sizeof all, &all), 0);
    int first = 0;
    while (!CPU_ISSET(first, &all))
        first++;
    CPU_ZERO(&one);
    CPU_SET(first, &one);
    ck_assert_int_eq(sched_setaffinity(0, sizeof one, &one), 0);
    replay_long();
    ck_assert_int_eq(sched_setaffinity(0, sizeof all, &all), 0);
}
END_TEST

static Suite *dram_suite(void)
{
    Suite *s = suite_create("dram");
    TCase *tc = tcase_create("mapping");
    tcase_add_test(tc, map_decode);
    tcase_add_test(tc, map_bad_string);
    suite_add_tcase(s, tc);
    tc = tcase_create("timing");
    tcase_add_test(tc, t_idle_hit_conflict);
    tcase_add_test(tc, t_ras_before_precharge);
    tcase_add_test(tc, t_ccd_s_vs_l);
    tcase_add_test(tc, t_faw);
    tcase_add_test(tc, t_refresh_blocks_rank);
    tcase_add_test(tc, t_refresh_open_bank);
    tcase_add_test(tc, t_idle_gap_no_ticking);
    tcase_add_test(tc, t_many_queues);
    suite_add_tcase(s, tc);
    tc = tcase_create("scheduler");
    tcase_add_test(tc, s_frfcfs);
    tcase_add_test(tc, s_write_drain);
    tcase_add_test(tc, s_candidate_kinds);
    tcase_add_test(tc, s_forward_and_merge);
    tcase_add_test(tc, s_queue_full);
    suite_add_tcase(s, tc);
    tc = tcase_create("blocking");
    tcase_add_test(tc, b_access);
    tcase_add_test(tc, b_refresh);
    tcase_add_test(tc, b_refresh_open_bank);
    suite_add_tcase(s, tc);
    tc = tcase_create("replay");
    tcase_add_test(tc, r_bad_lines);
    tcase_add_test(tc, r_hex_digits);
    tcase_add_test(tc, r_replay_small);
    tcase_add_test(tc, r_replay_long);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(dram_suite());
    srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed != 0;
}
