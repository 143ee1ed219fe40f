/*
 * check_backing.c - unit tests of the shared-memory backer's page
 * operations (feature.h page_read / page_import / backing_counts, reached
 * through hyp_backing_*; paging implements them in paging_export.c) on a
 * small machine built from a config: 1 module, 2 cores x 2 threads,
 * hypervisor paging with a 16M pool, one shared-memory LPAR p0 of 32M
 * (no vCPUs), an SSD paging device.
 *  - a page imported onto the device stays paged out (no frame), and reads
 *    back the same bytes both host side and charged, the charged read
 *    waiting for the device (a device read counted, no page-in);
 *  - a page imported into memory takes a frame and is translated there;
 *    a paged-out page imported into memory moves into a frame; a resident
 *    page imported "to the device" is overwritten in its frame;
 *  - a never-touched page reads as zeros; a page beyond the LPAR is refused.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "hyp/hyp_int.h"
#include "machine/machine.h"
#include "testutil.h"

#define PG 4096u

static void set(machine_config *c, const char *kv)
{
    sim_err e = {{0}};
    ck_assert_msg(cfg_set(&machine_config_table, c, kv, &e) == 0, "%s: %s", kv, e.msg);
}

static machine *build(void)
{
    machine_config c;
    sim_err e = {{0}};
    ck_assert_int_eq(machine_config_init(&c, &e), 0);
    set(&c, "machine.modules=1");
    set(&c, "machine.cores_per_module=2");
    set(&c, "machine.threads_per_core=2");
    set(&c, "hypervisor.lmb_size=16M");
    set(&c, "hypervisor.paging.enabled=true");
    set(&c, "hypervisor.paging.pool=16M");
    set(&c, "pagedev.preset=ssd");
    set(&c, "lpars[0].name=p0");
    set(&c, "lpars[0].memory=32M");
    set(&c, "lpars[0].memory_mode=shared");
    machine *m = machine_create(&c, NULL, &e);
    ck_assert_msg(m != NULL, "machine_create: %s", e.msg);
    machine_config_free(&c);
    return m;
}

static void fill(unsigned char *p, unsigned seed)
{
    for (unsigned i = 0; i < PG; i++)
        p[i] = (unsigned char)(seed * 31 + i * 7);
}

START_TEST(device_memory_round_trips)
{
    machine *m = build();
    hyp *h = machine_hyp(m);
    sim_err e = {{0}};
    unsigned char a[PG], b[PG], got[PG];
    fill(a, 1);
    fill(b, 2);
    uint64_t res, ins, done;
    hcall_ctx c;

    /* onto the device: paged out, no frame */
    hyp_ctx_begin(h, &c, 0, 3, 1000);
    ck_assert_int_eq(hyp_backing_import(h, &c, 0, 5 * PG, a, false, &done, &e), 0);
    ck_assert_uint_gt(done, 1000); /* the device's write completes later */
    hyp_backing_counts(h, 0, &res, &ins);
    ck_assert_uint_eq(res, 0);
    ck_assert_uint_eq(hyp_logical_to_real(h, 0, 5 * PG), UINT64_MAX);
    /* read back host side, then charged (a device read waited for) */
    ck_assert_int_eq(hyp_backing_read(h, NULL, 0, 5 * PG, got, &e), 0);
    ck_assert_mem_eq(got, a, PG);
    memset(got, 0, PG);
    hyp_ctx_begin(h, &c, 0, 3, done);
    ck_assert_int_eq(hyp_backing_read(h, &c, 0, 5 * PG, got, &e), 0);
    ck_assert_mem_eq(got, a, PG);
    ck_assert_uint_gt(c.op.end - c.op.start, 3800); /* > 1 us: an SSD read */
    hyp_backing_counts(h, 0, &res, &ins);
    ck_assert_uint_eq(res, 0);
    ck_assert_uint_eq(ins, 0); /* not a page-in */

    /* into memory: a frame, translated there */
    hyp_ctx_begin(h, &c, 0, 3, c.op.end);
    ck_assert_int_eq(hyp_backing_import(h, &c, 0, 9 * PG, b, true, &done, &e), 0);
    ck_assert_uint_eq(done, c.op.end);
    hyp_backing_counts(h, 0, &res, &ins);
    ck_assert_uint_eq(res, 1);
    uint64_t ra = hyp_logical_to_real(h, 0, 9 * PG);
    ck_assert_uint_ne(ra, UINT64_MAX);
    physmem_read_bytes(machine_physmem(m), ra, got, PG);
    ck_assert_mem_eq(got, b, PG);

    /* the paged-out page into memory: it moves into a frame */
    ck_assert_int_eq(hyp_backing_import(h, &c, 0, 5 * PG, b, true, &done, &e), 0);
    hyp_backing_counts(h, 0, &res, &ins);
    ck_assert_uint_eq(res, 2);
    ck_assert_int_eq(hyp_backing_read(h, NULL, 0, 5 * PG, got, &e), 0);
    ck_assert_mem_eq(got, b, PG);

    /* a resident page "to the device": overwritten in its frame */
    ck_assert_int_eq(hyp_backing_import(h, &c, 0, 9 * PG, a, false, &done, &e), 0);
    hyp_backing_counts(h, 0, &res, &ins);
    ck_assert_uint_eq(res, 2);
    ck_assert_uint_eq(hyp_logical_to_real(h, 0, 9 * PG), ra);
    physmem_read_bytes(machine_physmem(m), ra, got, PG);
    ck_assert_mem_eq(got, a, PG);

    /* never touched: zeros; beyond the LPAR: refused */
    static const unsigned char zero[PG];
    ck_assert_int_eq(hyp_backing_read(h, NULL, 0, 100 * PG, got, &e), 0);
    ck_assert_mem_eq(got, zero, PG);
    ck_assert_int_eq(hyp_backing_read(h, NULL, 0, 32ull << 20, got, &e), -1);
    ck_assert_ptr_nonnull(strstr(e.msg, "beyond LPAR p0's memory"));
    machine_destroy(m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("backing");
    TCase *t = tcase_create("backing");
    tcase_add_test(t, device_memory_round_trips);
    suite_add_tcase(s, t);
    return tu_run_suite(s);
}
