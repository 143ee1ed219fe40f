/*
 * check_rdma.c - RDMA writes between the machines of a platform (hyp.h
 * "RDMA to other machines", machine/platform_rdma.c): the bytes land in the
 * destination LPAR's memory; the arrival is the sender's time (returned) +
 * the adapters' processing + the link's serialisation of payload and
 * headers + its latency, computed here from the config; back-to-back writes
 * queue on the link; the receiver's sink hears of each write once, in
 * arrival order, before its machine has passed the arrival; a machine that
 * had stopped still receives; refusals (no link, a lone machine, no sink,
 * a range outside the LPAR) are errors that name the cause.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hyp/hyp.h"
#include "machine/platform.h"
#include "memctl/physmem.h"
#include "testutil.h"

#define FREQ 3800ull
#define LAT_NS 2000ull
#define GBPS 12.5

static void write_machine(const char *name, unsigned records)
{
    char t[2048];
    snprintf(t, sizeof t,
             "machine: {modules: 1, cores_per_module: 1, threads_per_core: 2, freq_mhz: %llu}\n"
             "lpars:\n  - name: a\n    memory: 64M\n"
             "    vcpus: [{thread: 0, trace: %s}]\n"
             "hypervisor: {lmb_size: 16M}\nrun: {max_records: %u}\n",
             FREQ, tu_src("traces/gzip-head.trc"), records);
    tu_write_tmp(name, t);
}

static platform *open_pair(const char *links, unsigned rec_y, sim_err *e)
{
    write_machine("rx.yaml", 20000);
    write_machine("ry.yaml", rec_y);
    char t[1024];
    snprintf(t, sizeof t,
             "platform:\n  machines:\n    - {name: x, config: rx.yaml}\n"
             "    - {name: y, config: ry.yaml}\n    - {name: z, config: rx.yaml}\n"
             "  links:\n%s", links);
    tu_write_tmp("rp.yaml", t);
    sim_err_clear(e);
    return platform_open(tu_tmp("rp.yaml"), NULL, 0, e);
}

typedef struct sink_log {
    machine *m;
    unsigned n;
    uint64_t arrival[4], tag[4], len[4];
    bool late;       /* the receiver had passed an arrival */
} sink_log;

static int sink(void *ctx, const hyp_rdma_msg *m, sim_err *e)
{
    (void)e;
    sink_log *s = ctx;
    if (s->n < 4) {
        s->arrival[s->n] = m->arrival;
        s->tag[s->n] = m->tag;
        s->len[s->n] = m->len;
    }
    s->n++;
    if (machine_now(s->m) > m->arrival && machine_now(s->m) != machine_cycles(s->m))
        s->late = true;
    return 0;
}

static uint64_t wire(uint64_t len, uint64_t hdr)
{
    uint64_t packets = len ? (len + 4095) / 4096 : 1;
    return len + packets * hdr;
}

START_TEST(write_lands_with_link_timing)
{
    char links[128];
    snprintf(links, sizeof links, "    - {between: [x, y], latency_ns: %llu, bandwidth_gbps: %g}\n",
             LAT_NS, GBPS);
    sim_err e;
    /* y stops after a few records: it must still receive */
    platform *p = open_pair(links, 200, &e);
    ck_assert_msg(p != NULL, "%s", e.msg);
    hyp *hx = machine_hyp(platform_machine(p, 0)), *hy = machine_hyp(platform_machine(p, 1));
    sink_log log = {platform_machine(p, 1), 0, {0}, {0}, {0}, false};
    ck_assert_int_eq(hyp_rdma_set_sink(hy, sink, &log), 0);
    ck_assert_int_eq(hyp_rdma_set_sink(hy, sink, &log), -1); /* one receiver */
    ck_assert_int_eq(hyp_rdma_machine(hx, "y"), 1);
    ck_assert_int_eq(hyp_rdma_machine(hx, "w"), -1);
    /* 10000 bytes of a pattern at logical 1M of x's LPAR */
    enum { LEN = 10000 };
    unsigned char src[LEN], got[LEN];
    for (unsigned i = 0; i < LEN; i++)
        src[i] = (unsigned char)(i * 7 + 3);
    uint64_t ra = hyp_logical_to_real(hx, 0, 1 << 20);
    /* the sender's memory is machine x's: write through its hypervisor's store */
    ck_assert_uint_ne(ra, UINT64_MAX);
    machine *mx = platform_machine(p, 0);
    ck_assert_int_eq(physmem_write_bytes(machine_physmem(mx), ra, src, LEN), 0);
    uint64_t cyc, arr, cyc2, arr2;
    ck_assert_int_eq(hyp_rdma_write(hx, 1, 1000, 0, 1 << 20, 1, 0, 3 << 20, LEN, 77, &cyc, &arr,
                                    &e), 0);
    /* a second write right behind it queues on the link */
    ck_assert_int_eq(hyp_rdma_write(hx, 1, 1000 + cyc, 0, 1 << 20, 1, 0, 5 << 20, 64, 78, &cyc2,
                                    &arr2, &e), 0);
    uint64_t post = 400, nic = 950, hdr = 78; /* hypervisor.rdma defaults */
    double bpc = GBPS * 1e9 / (FREQ * 1e6);
    uint64_t lat = (LAT_NS * FREQ + 999) / 1000;
    uint64_t busy = (uint64_t)ceil((double)wire(LEN, hdr) / bpc);
    ck_assert_uint_ge(cyc, post + LEN / 128);      /* post + at least the copy floor */
    ck_assert_uint_eq(arr, 1000 + cyc + nic + busy + lat + nic);
    uint64_t sent2 = 1000 + cyc + cyc2 + nic, free1 = 1000 + cyc + nic + busy;
    uint64_t start2 = sent2 > free1 ? sent2 : free1;
    ck_assert_uint_eq(arr2, start2 + (uint64_t)ceil((double)wire(64, hdr) / bpc) + lat + nic);
    ck_assert_msg(platform_run(p, NULL, NULL, NULL, NULL, &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(log.n, 2);
    ck_assert_uint_eq(log.arrival[0], arr);
    ck_assert_uint_eq(log.tag[0], 77);
    ck_assert_uint_eq(log.len[1], 64);
    ck_assert(!log.late);
    uint64_t ry = hyp_logical_to_real(hy, 0, 3 << 20);
    physmem_read_bytes(machine_physmem(platform_machine(p, 1)), ry, got, LEN);
    ck_assert_mem_eq(got, src, LEN);
    platform_destroy(p);
}
END_TEST

START_TEST(refusals)
{
    sim_err e;
    platform *p = open_pair("    - {between: [x, y], latency_ns: 1000}\n", 20000, &e);
    ck_assert_msg(p != NULL, "%s", e.msg);
    hyp *hx = machine_hyp(platform_machine(p, 0));
    uint64_t c, a;
    /* no link x-z */
    ck_assert_int_eq(hyp_rdma_write(hx, 0, 0, 0, 0, 2, 0, 0, 8, 0, &c, &a, &e), -1);
    ck_assert_msg(strstr(e.msg, "no link joins machine 'x' and machine 'z'"), "%s", e.msg);
    /* itself; outside the LPAR */
    ck_assert_int_eq(hyp_rdma_write(hx, 0, 0, 0, 0, 0, 0, 0, 8, 0, &c, &a, &e), -1);
    ck_assert_int_eq(hyp_rdma_write(hx, 0, 0, 0, (64 << 20) - 4, 1, 0, 0, 8, 0, &c, &a, &e), -1);
    ck_assert_msg(strstr(e.msg, "outside LPAR 0's memory"), "%s", e.msg);
    /* y has no receiver: the run stops naming it */
    ck_assert_int_eq(hyp_rdma_write(hx, 0, 0, 0, 0, 1, 0, 0, 8, 0, &c, &a, &e), 0);
    ck_assert_int_eq(platform_run(p, NULL, NULL, NULL, NULL, &e), -1);
    ck_assert_msg(strstr(e.msg, "y: an RDMA write from machine 0 arrived, but nothing"), "%s",
                  e.msg);
    platform_destroy(p);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("rdma");
    TCase *t = tcase_create("rdma");
    tcase_set_timeout(t, 120);
    tcase_add_test(t, write_lands_with_link_timing);
    tcase_add_test(t, refusals);
    suite_add_tcase(s, t);
    return tu_run_suite(s);
}
