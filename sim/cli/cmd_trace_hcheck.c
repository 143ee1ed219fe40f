/*
 * cmd_trace_hcheck.c - `lparsim trace hcheck TRACE... [-c CONFIG] [--set
 * K=V]... [--json FILE]`: the functional cross-check of a recording's
 * hcalls against lparsim's hypervisor (hcheck.h; docs/linux-guests.md).
 * Several traces are one LPAR's vCPUs, checked in their recorded hcall
 * order; one trace is checked in its own order (hcheck_order.c).
 *
 * The machine is the config's (its first LPAR is the guest) or, without
 * -c, the built-in one that configs/linux/hcheck.yaml spells out: default
 * hardware and one LPAR of 1 GiB with an 8 MiB HPT, as QEMU's pseries
 * sizes it for -m 1G (spapr_hpt_shift_for_ramsize: RAM / 128 rounded up to
 * a power of two, at least 2^18 bytes). Instruction and data records are
 * skipped. Exit status: 0 every compared hcall agrees, 3 a disagreement,
 * 1 bad input, 2 bad usage, as every lparsim command (errors name the file
 * and the record or line).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "hcheck.h"
#include "machine/machine.h"

static const char *const default_sets[] = {
    "lpars[0].name=hcheck", "lpars[0].memory=1G", "lpars[0].hpt_size=8M",
};

/* Bad input: one line on stderr, exit status 1 (as every lparsim command). */
static int bad(const sim_err *e)
{
    return cli_fail(e);
}

static machine *build(const char *cfg, const char *const *sets, int nsets, sim_err *e)
{
    machine_config c;
    if (machine_config_init(&c, e) != 0)
        return NULL;
    machine *m = NULL;
    cfg_src *src = cfg ? cfg_src_create(cfg) : NULL;
    int rc = 0;
    if (cfg) {
        rc = !src ? sim_errf(e, "out of memory")
                  : machine_config_load(&c, cfg, sets, (unsigned)nsets, src, e);
    } else {
        for (size_t i = 0; i < sizeof default_sets / sizeof *default_sets && !rc; i++)
            rc = cfg_set(&machine_config_table, &c, default_sets[i], e);
        for (int i = 0; i < nsets && !rc; i++)
            rc = cfg_set(&machine_config_table, &c, sets[i], e);
    }
    if (!rc)
        m = machine_create(&c, src, e);
    machine_config_free(&c);
    cfg_src_destroy(src);
    return m;
}

static void vals(char *buf, size_t len, const uint64_t *v, unsigned n)
{
    size_t at = 0;
    buf[0] = 0;
    for (unsigned i = 0; i < n && at < len; i++)
        at += (size_t)snprintf(buf + at, len - at, "%s0x%" PRIx64, i ? " " : "", v[i]);
}

static void report(const hcheck *c, const char *trace, const char *const *paths,
                   uint64_t records, jtree *j)
{
    char k[160], name[24], a[200], b[200];
    const hpt *t = hyp_lpar_hpt(c->h, c->lpid);
    jtree_set_str(j, "hcheck.trace", trace);
    jtree_set_u64(j, "hcheck.records", records);
    jtree_set_str(j, "hcheck.lpar.name", hyp_lpar_name(c->h, c->lpid));
    jtree_set_u64(j, "hcheck.lpar.memory", hyp_lpar_memory(c->h, c->lpid));
    jtree_set_u64(j, "hcheck.lpar.hpt_bytes", t->size);
    printf("%s: %" PRIu64 " records; LPAR %s: %" PRIu64 " MiB, HPT %" PRIu64 " KiB\n", trace,
           records, hyp_lpar_name(c->h, c->lpid), hyp_lpar_memory(c->h, c->lpid) >> 20,
           t->size >> 10);
    printf("%-14s %9s %9s %9s %9s %9s %9s %9s\n", "hcall", "calls", "rc-agree", "val-cmp",
           "val-agree", "disagree", "no-R", "ref-HFUNC");
    uint64_t calls = 0;
    for (unsigned i = 0; i < HCHECK_NOPS; i++) {
        const hcheck_stat *s = &c->st[i];
        calls += s->calls;
        if (!s->calls && !s->ref_function)
            continue;
        const char *n = hcheck_op_name(i);
        printf("%-14s %9" PRIu64 " %9" PRIu64 " %9" PRIu64 " %9" PRIu64 " %9" PRIu64
               " %9" PRIu64 " %9" PRIu64 "\n", n, s->calls, s->rc_agree, s->val_compared,
               s->val_agree, s->disagree, s->unchecked, s->ref_function);
        const char *f[] = {"calls", "rc_agree", "values_compared", "values_agree",
                           "disagreements", "no_recorded_return", "recorded_h_function"};
        const uint64_t v[] = {s->calls, s->rc_agree, s->val_compared, s->val_agree,
                              s->disagree, s->unchecked, s->ref_function};
        for (unsigned q = 0; q < 7; q++) {
            snprintf(k, sizeof k, "hcheck.hcalls.%s.%s", n, f[q]);
            jtree_set_u64(j, k, v[q]);
        }
    }
    jtree_set_object(j, "hcheck.not_modelled");
    if (c->nother || c->io_enter)
        printf("not modelled (not issued):");
    for (unsigned i = 0; i < c->nother; i++) {
        const char *n = hcheck_opcode_name(c->other[i].opcode, name);
        printf(" %s %" PRIu64 "%s", n, c->other[i].count, i + 1 < c->nother ? "," : "");
        snprintf(k, sizeof k, "hcheck.not_modelled.%s", n);
        jtree_set_u64(j, k, c->other[i].count);
    }
    if (c->io_enter)
        printf("%s H_ENTER of I/O pages %" PRIu64 " (%" PRIu64 " mirrored)", c->nother ? "," : "",
               c->io_enter, c->io_mirrored);
    if (c->nother || c->io_enter)
        printf("\n");
    jtree_set_u64(j, "hcheck.io_enter", c->io_enter);
    jtree_set_u64(j, "hcheck.io_enter_mirrored", c->io_mirrored);
    if (c->hpt_warn)
        printf("warning: %" PRIu64 " not-modelled hcalls changed QEMU's HPT (first at record %"
               PRIu64 "): later results may diverge\n", c->hpt_warn, c->first_hpt_warn);
    jtree_set_u64(j, "hcheck.hpt_changing_not_modelled", c->hpt_warn);
    printf("masked:\n");
    for (unsigned i = 0; hcheck_mask_doc[i]; i++) {
        printf("  %s\n", hcheck_mask_doc[i]);
        snprintf(k, sizeof k, "hcheck.masks.%u", i);
        jtree_set_str(j, k, hcheck_mask_doc[i]);
    }
    for (uint64_t i = 0; i < c->ndiff && i < HCHECK_MAX_DIFFS; i++) {
        const hcheck_diff *d = &c->diff[i];
        const char *n = hcheck_opcode_name(d->opcode, name);
        vals(a, sizeof a, d->rec, d->nval);
        vals(b, sizeof b, d->sim, d->nval);
        if (paths)
            printf("%s ", paths[d->trace]);
        printf("record %" PRIu64 ": %s: rc recorded %ld, lparsim %ld", d->record, n, d->rc_rec,
               d->rc_sim);
        if (d->nval)
            printf("; values recorded [%s], lparsim [%s]", a, b);
        printf("\n");
        snprintf(k, sizeof k, "hcheck.first_disagreements.%" PRIu64 ".", i);
        size_t kl = strlen(k);
        strcpy(k + kl, "record"), jtree_set_u64(j, k, d->record);
        if (paths)
            strcpy(k + kl, "trace"), jtree_set_str(j, k, paths[d->trace]);
        strcpy(k + kl, "hcall"), jtree_set_str(j, k, n);
        strcpy(k + kl, "rc_recorded"), jtree_set_i64(j, k, d->rc_rec);
        strcpy(k + kl, "rc_lparsim"), jtree_set_i64(j, k, d->rc_sim);
        strcpy(k + kl, "values_recorded"), jtree_set_str(j, k, a);
        strcpy(k + kl, "values_lparsim"), jtree_set_str(j, k, b);
    }
    if (c->ndiff)
        printf("result: %" PRIu64 " of %" PRIu64 " issued hcalls disagree\n", c->ndiff, calls);
    else
        printf("result: all %" PRIu64 " issued hcalls agree\n", calls);
    jtree_set_u64(j, "hcheck.hcalls_issued", calls);
    jtree_set_u64(j, "hcheck.disagreements", c->ndiff);
    jtree_set_bool(j, "hcheck.agree", c->ndiff == 0);
}

int cmd_trace_hcheck(int argc, char **argv)
{
    enum { MAXT = 64 };
    const char *in = NULL, *cfg = NULL, *json = NULL, *sets[64], *paths[MAXT];
    int nsets = 0;
    unsigned nt = 0;
    for (int i = 0; i < argc; i++) {
        int r;
        if ((r = cli_opt(argc, argv, &i, "-c", &cfg)) != 0 ||
            (r = cli_opt(argc, argv, &i, "--json", &json)) != 0) {
            if (r < 0)
                return 2;
        } else if ((r = cli_opt(argc, argv, &i, "--set", &sets[nsets])) != 0) {
            if (r < 0)
                return 2;
            if (++nsets == 64)
                return cli_usage("too many --set options (at most 63)");
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage("unknown option '%s'", argv[i]);
        } else if (nt == MAXT) {
            return cli_usage("trace hcheck takes at most %d traces", MAXT);
        } else {
            paths[nt++] = argv[i];
        }
    }
    if (!nt)
        return cli_usage("usage: lparsim trace hcheck TRACE... [-c CONFIG] [--set KEY=VALUE]... "
                         "[--json FILE]");
    in = paths[0];
    const char *ins[MAXT + 1];
    memcpy(ins, paths, nt * sizeof *ins);
    ins[nt] = cfg;
    int st = cli_check_outputs(&json, 1, ins, cfg ? nt + 1 : nt);
    if (st)
        return st;
    sim_err e;
    sim_err_clear(&e);
    double t0 = cli_now();
    tr_reader *rs[MAXT] = {0};
    for (unsigned i = 0; i < nt; i++)
        if (!(rs[i] = tr_open(paths[i], &e))) {
            for (unsigned k = 0; k < i; k++)
                tr_close(rs[k]);
            return bad(&e);
        }
    tr_reader *r = rs[0];
    machine *m = build(cfg, sets, nsets, &e);
    if (!m) {
        for (unsigned i = 0; i < nt; i++)
            tr_close(rs[i]);
        return bad(&e);
    }
    hcheck c;
    uint64_t records = 0, nret = 0;
    int status = 0;
    if (hcheck_init(&c, machine_hyp(m), 0) != 0) {
        sim_errf(&e, "out of memory");
        status = bad(&e);
    } else if (hcheck_ordered(&c, rs, paths, nt, &records, &nret, &e) != 0) {
        status = bad(&e);
    } else if (!nret) {
        fprintf(stderr, "lparsim: %s: no recorded returns (no R records after its %s); expected "
                "a recording with hcall returns, an R after each H (format version 3, "
                "docs/linux-guests.md)\n", in,
                tr_version(r) < 3 ? "hcalls: a version 1 or 2 trace" : "hcalls");
        status = 1;
    }
    jtree *j = jtree_create();
    char names[4096] = "";
    for (unsigned i = 0, at = 0; i < nt && at < sizeof names; i++)
        at += (unsigned)snprintf(names + at, sizeof names - at, "%s%s", i ? "," : "", paths[i]);
    if (!status) {
        report(&c, names, nt > 1 ? paths : NULL, records, j);
        jtree_set_double(j, "hcheck.host_seconds", cli_now() - t0);
        if (json && cli_write_json(j, json, &e) != 0)
            status = cli_fail(&e);
    }
    if (!status && c.ndiff) {
        fprintf(stderr, "lparsim: %s: lparsim's hypervisor disagrees with the recording in %"
                PRIu64 " hcall(s) (first at record %" PRIu64 ")\n",
                nt > 1 ? paths[c.diff[0].trace] : in, c.ndiff, c.diff[0].record);
        status = 3; /* the check's own verdict, apart from bad input (1) and usage (2) */
    }
    jtree_destroy(j);
    hcheck_free(&c);
    machine_destroy(m);
    for (unsigned i = 0; i < nt; i++)
        tr_close(rs[i]);
    return status;
}
