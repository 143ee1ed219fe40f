/*
 * check_dram_access.c - the full machine's blocking DRAM access
 * (dram_access) with write_policy buffered: writes wait in the queued
 * controller's write buffer, reads go first, a read of a buffered line is
 * forwarded, a thread's burst pays its queueing, an out-of-order arrival
 * is not charged the skew, posted writes reach the controller in arrival
 * order; and fcfs for contrast.
 *
 * Default device (see check_dram.c): an idle read completes at arrival +
 * 1 + tRCD + CL + BL/2 = arrival + 39; mapping "rochrababgco" puts the
 * column at bits [6,13), bank group [13,15), bank [15,17), rank [17], row
 * from bit 18.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "memctl/dram.h"
#include "testutil.h"

static uint64_t A(uint64_t ro, uint64_t bg, uint64_t ba, uint64_t co)
{
    return ro << 18 | ba << 15 | bg << 13 | co << 6;
}

static dram *mk(dram_config *c, unsigned policy)
{
    sim_err e = {{0}};
    ck_assert_int_eq(param_defaults(&dram_param_table, c, &e), 0);
    c->refresh = DRAM_REFRESH_NONE;
    c->write_policy = policy;
    dram *d = dram_create(c, &e);
    ck_assert_msg(d != NULL, "%s", e.msg);
    return d;
}

static uint64_t idle_read(const dram_config *c) { return 1 + c->tRCD + c->CL + c->BL / 2; }

/* write_drain_min writes to other rows of the read's bank, then the read:
 * buffered, they wait (no more than write_drain_min) and the read is an
 * idle read; fcfs, the read waits behind their precharge/activate cycles */
START_TEST(read_ahead_of_buffered_writes)
{
    uint64_t done[2];
    for (unsigned p = 0; p < 2; p++) {
        dram_config c;
        dram *d = mk(&c, p ? DRAM_WRITES_FCFS : DRAM_WRITES_BUFFERED);
        for (uint64_t i = 0; i < c.write_drain_min; i++)
            ck_assert_uint_eq(dram_access(d, A(10 + i, 1, 2, 0), true, 100 + i), 101 + i);
        done[p] = dram_access(d, A(3, 1, 2, 0), false, 120);
        const dram_stats *s = dram_get_stats(d);
        ck_assert_uint_eq(s->writes, c.write_drain_min);
        if (!p) {
            ck_assert_uint_eq(done[p], 120 + idle_read(&c));
            ck_assert_uint_eq(s->write_cmds, 0); /* still buffered */
        } else {
            /* each write to a new row of the bank: ACT to ACT >= tRAS + tRP */
            ck_assert_uint_ge(done[p], 101 + c.write_drain_min * (c.tRAS + c.tRP));
        }
        dram_destroy(d);
        param_free(&dram_param_table, &c);
    }
    ck_assert_uint_lt(done[0], done[1]);
}
END_TEST

START_TEST(forwarded_from_buffer)
{
    dram_config c;
    dram *d = mk(&c, DRAM_WRITES_BUFFERED);
    dram_access(d, A(7, 0, 1, 5), true, 100);
    ck_assert_uint_eq(dram_access(d, A(7, 0, 1, 5), false, 110), 111);
    ck_assert_uint_eq(dram_get_stats(d)->forwarded_reads, 1);
    ck_assert_uint_eq(dram_get_stats(d)->read_cmds, 0);
    dram_destroy(d);
    param_free(&dram_param_table, &c);
}
END_TEST

/* more than write_drain_min writes and nothing else to do: they drain in
 * the idle time before a later read, which then finds the bus free */
START_TEST(idle_drain)
{
    dram_config c;
    dram *d = mk(&c, DRAM_WRITES_BUFFERED);
    uint64_t n = c.write_drain_min + 1;
    for (uint64_t i = 0; i < n; i++)
        dram_access(d, A(4, 2, 0, i), true, 100 + i);
    uint64_t t = 100000;
    ck_assert_uint_eq(dram_access(d, A(9, 1, 3, 0), false, t), t + idle_read(&c));
    ck_assert_uint_eq(dram_get_stats(d)->write_cmds, n);
    dram_destroy(d);
    param_free(&dram_param_table, &c);
}
END_TEST

/* four reads of one row at one cycle (a thread's burst): each pays the
 * ones ahead of it, one column command every tCCD_L at best */
START_TEST(burst_pays_its_queueing)
{
    dram_config c;
    dram *d = mk(&c, DRAM_WRITES_BUFFERED);
    uint64_t prev = 0;
    for (uint64_t k = 0; k < 4; k++) {
        uint64_t done = dram_access(d, A(2, 0, 0, k), false, 500);
        if (k == 0)
            ck_assert_uint_eq(done, 500 + idle_read(&c));
        else
            ck_assert_uint_ge(done, prev + c.tCCD_L);
        prev = done;
    }
    ck_assert_uint_eq(dram_get_stats(d)->out_of_order, 0);
    dram_destroy(d);
    param_free(&dram_param_table, &c);
}
END_TEST

/* a read arriving earlier than one already taken (another thread's, within
 * the quantum) is served as arriving with it: exactly the latency it would
 * have had arriving at that cycle, the skew counted, not charged */
START_TEST(out_of_order_not_charged)
{
    dram_config c, c2;
    dram *d = mk(&c, DRAM_WRITES_BUFFERED), *d2 = mk(&c2, DRAM_WRITES_BUFFERED);
    ck_assert_uint_eq(dram_access(d, A(1, 0, 0, 0), false, 1000), 1000 + idle_read(&c));
    uint64_t done = dram_access(d, A(1, 3, 3, 0), false, 400);
    dram_access(d2, A(1, 0, 0, 0), false, 1000);
    uint64_t same_cycle = dram_access(d2, A(1, 3, 3, 0), false, 1000);
    ck_assert_uint_eq(done - 400, same_cycle - 1000);
    ck_assert_uint_lt(done - 400, 600); /* the skew itself is not in it */
    const dram_stats *s = dram_get_stats(d);
    ck_assert_uint_eq(s->out_of_order, 1);
    ck_assert_uint_eq(s->out_of_order_cycles, 600);
    ck_assert_uint_eq(s->read_latency.count, 2);
    ck_assert_uint_eq(dram_get_stats(d2)->out_of_order, 0);
    dram_destroy(d);
    dram_destroy(d2);
    param_free(&dram_param_table, &c);
    param_free(&dram_param_table, &c2);
}
END_TEST

/* a read beyond the horizon (its thread ran far ahead of the others) is
 * served from the bank state and moves nothing: a later call with an
 * earlier arrival is not out of order */
START_TEST(beyond_horizon_moves_nothing)
{
    dram_config c;
    dram *d = mk(&c, DRAM_WRITES_BUFFERED);
    dram_set_horizon(d, 0, 1000);
    ck_assert_uint_eq(dram_access(d, A(5, 1, 1, 0), false, 50000), 50000 + idle_read(&c));
    ck_assert_uint_eq(dram_access(d, A(6, 2, 2, 0), false, 100), 100 + idle_read(&c));
    const dram_stats *s = dram_get_stats(d);
    ck_assert_uint_eq(s->ahead_reads, 1);
    ck_assert_uint_eq(s->out_of_order, 0);
    ck_assert_uint_eq(s->read_cmds, 1);
    /* a row hit beyond it: CL + BL/2 after the one-cycle hand-off */
    ck_assert_uint_eq(dram_access(d, A(6, 2, 2, 1), false, 60000), 60000 + 1 + c.CL + c.BL / 2);
    dram_destroy(d);
    param_free(&dram_param_table, &c);
}
END_TEST

/* posted writes offered out of arrival order (each block of 16
 * writes in reverse; 6000 of them, more than dram_access holds at once,
 * so the held ones wrap around, grow and are handed over early) reach
 * the controller in arrival order: the same figures as the same writes
 * offered in order, and no out-of-order arrival */
START_TEST(held_writes_in_arrival_order)
{
    dram_config c, c2;
    dram *d = mk(&c, DRAM_WRITES_BUFFERED), *d2 = mk(&c2, DRAM_WRITES_BUFFERED);
    const uint64_t n = 6000, blk = 16;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t j = i / blk * blk + (blk - 1 - i % blk); /* reversed in its block */
        dram_access(d, A(j % 7, j % 4, (j / 4) % 4, j % 128), true, 100 + 4 * j);
        dram_access(d2, A(i % 7, i % 4, (i / 4) % 4, i % 128), true, 100 + 4 * i);
        if (i % 1024 == 1023) { /* a read behind each 1024 writes (a block end) */
            uint64_t t = 100 + 4 * (i + 1), r = A(9, 1, 2, 3);
            ck_assert_uint_eq(dram_access(d, r, false, t), dram_access(d2, r, false, t));
        }
    }
    dram_access_flush(d);
    dram_access_flush(d2);
    const dram_stats *s = dram_get_stats(d), *s2 = dram_get_stats(d2);
    ck_assert_uint_eq(s->out_of_order, 0);
    ck_assert_uint_eq(s->writes, n);
    ck_assert_uint_eq(s->merged_writes, s2->merged_writes);
    ck_assert_uint_eq(s->write_cmds, s2->write_cmds);
    ck_assert_uint_eq(s->acts, s2->acts);
    ck_assert_uint_eq(dram_drain(d), dram_drain(d2));
    dram_destroy(d);
    dram_destroy(d2);
    param_free(&dram_param_table, &c);
    param_free(&dram_param_table, &c2);
}
END_TEST

typedef struct logged {
    uint64_t n, addr[8], cyc[8];
    bool wr[8];
} logged;

static void hook(void *ctx, uint64_t addr, bool wr, uint64_t cyc)
{
    logged *l = ctx;
    ck_assert_uint_lt(l->n, 8);
    l->addr[l->n] = addr;
    l->wr[l->n] = wr;
    l->cyc[l->n++] = cyc;
}

/* the request hook sees every request as the caller gave it, addresses
 * folded onto the device */
START_TEST(request_hook)
{
    dram_config c;
    dram *d = mk(&c, DRAM_WRITES_BUFFERED);
    logged l;
    memset(&l, 0, sizeof l);
    dram_set_request_hook(d, hook, &l);
    uint64_t cap = dram_config_capacity(&c);
    dram_access(d, A(3, 0, 0, 0), true, 50);
    dram_access(d, cap + A(3, 0, 0, 1), false, 40);
    ck_assert_uint_eq(l.n, 2);
    ck_assert(l.wr[0] && !l.wr[1]);
    ck_assert_uint_eq(l.addr[1], A(3, 0, 0, 1));
    ck_assert_uint_eq(l.cyc[0], 50);
    ck_assert_uint_eq(l.cyc[1], 40);
    dram_destroy(d);
    param_free(&dram_param_table, &c);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("dram_access");
    TCase *tc = tcase_create("buffered");
    tcase_add_test(tc, read_ahead_of_buffered_writes);
    tcase_add_test(tc, forwarded_from_buffer);
    tcase_add_test(tc, idle_drain);
    tcase_add_test(tc, burst_pays_its_queueing);
    tcase_add_test(tc, out_of_order_not_charged);
    tcase_add_test(tc, request_hook);
    tcase_add_test(tc, beyond_horizon_moves_nothing);
    tcase_add_test(tc, held_writes_in_arrival_order);
    suite_add_tcase(s, tc);
    return s;
}

int main(void) { return tu_run_suite(suite()); }
