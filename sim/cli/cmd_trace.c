/*
 * cmd_trace.c - `lparsim trace import|info|cat|mark`: convert foreign traces
 * to the native format, summarise and print native traces (mark, inserting
 * region-of-interest markers, is cmd_trace_mark.c; hcheck, the functional
 * cross-check of recorded hcalls, is cmd_trace_hcheck.c).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "core/trace.h"
#include "cpu/decode.h"

static int trace_import(int argc, char **argv)
{
    const char *fmt = NULL, *out = NULL, *in = NULL;
    for (int i = 0; i < argc; i++) {
        int r;
        if ((r = cli_opt(argc, argv, &i, "--format", &fmt)) != 0 ||
            (r = cli_opt(argc, argv, &i, "-o", &out)) != 0) {
            if (r < 0)
                return 2;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage("unknown option '%s'", argv[i]);
        } else if (in) {
            return cli_usage("trace import takes one input file");
        } else {
            in = argv[i];
        }
    }
    if (!fmt || !in || !out)
        return cli_usage("usage: lparsim trace import --format lackey|dramsim3|qemu IN -o OUT");
    tr_import_fmt f;
    if (!strcmp(fmt, "lackey"))
        f = TR_FMT_LACKEY;
    else if (!strcmp(fmt, "dramsim3"))
        f = TR_FMT_DRAMSIM3;
    else if (!strcmp(fmt, "qemu"))
        f = TR_FMT_QEMU;
    else
        return cli_usage("--format %s: expected lackey, dramsim3 or qemu", fmt);
    sim_err e;
    sim_err_clear(&e);
    uint64_t n = 0;
    double t0 = cli_now();
    if (tr_import(f, in, out, &n, &e) != 0)
        return cli_fail(&e);
    fprintf(stderr, "lparsim: imported %" PRIu64 " records from %s into %s in %.2f s\n", n, in,
            out, cli_now() - t0);
    return 0;
}

static int trace_info(int argc, char **argv)
{
    const char *json = NULL, *in = NULL;
    for (int i = 0; i < argc; i++) {
        int r;
        if ((r = cli_opt(argc, argv, &i, "--json", &json)) != 0) {
            if (r < 0)
                return 2;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage("unknown option '%s'", argv[i]);
        } else if (in) {
            return cli_usage("trace info takes one file");
        } else {
            in = argv[i];
        }
    }
    if (!in)
        return cli_usage("usage: lparsim trace info FILE [--json OUT]");
    int st = cli_check_outputs(&json, 1, &in, 1);
    if (st)
        return st;
    sim_err e;
    sim_err_clear(&e);
    tr_info info;
    if (tr_summarize(in, &info, &e) != 0)
        return cli_fail(&e);
    jtree *j = jtree_create();
    char k[128];
    jtree_set_str(j, "trace.file", in);
    jtree_set_u64(j, "trace.records", info.records);
    for (unsigned i = 0; i < TR_KIND_COUNT; i++) {
        snprintf(k, sizeof k, "trace.by_kind.%s", tr_kind_name(i));
        jtree_set_u64(j, k, info.by_kind[i]);
    }
    jtree_set_u64(j, "trace.bytes_accessed", info.bytes_accessed);
    jtree_set_u64(j, "trace.footprint.pages_4k", info.pages_4k);
    jtree_set_u64(j, "trace.footprint.pages_64k", info.pages_64k);
    jtree_set_u64(j, "trace.footprint.bytes_4k", info.pages_4k * 4096);
    const char *order = info.flags & TRH_CODE_LE ? "little-endian"
                        : info.flags & TRH_CODE_BE ? "big-endian" : "unknown";
    jtree_set_str(j, "trace.code_byte_order", order);
    jtree_set_u64(j, "trace.version", info.version);
    jtree_set_u64(j, "trace.min_addr", info.min_addr);
    jtree_set_u64(j, "trace.max_addr", info.max_addr);
    printf("%s: %" PRIu64 " records (format version %u)\n", in, info.records, info.version);
    for (unsigned i = 0; i < TR_KIND_COUNT; i++)
        printf("  %-8s %" PRIu64 "\n", tr_kind_name(i), info.by_kind[i]);
    printf("footprint: %" PRIu64 " 4K pages (%" PRIu64 " KiB), %" PRIu64 " 64K pages\n",
           info.pages_4k, info.pages_4k * 4, info.pages_64k);
    printf("code byte order: %s\n", order);
    printf("addresses: 0x%" PRIx64 " .. 0x%" PRIx64 ", %" PRIu64 " bytes accessed\n",
           info.min_addr, info.max_addr, info.bytes_accessed);
    int status = 0;
    if (json && cli_write_json(j, json, &e) != 0)
        status = cli_fail(&e);
    jtree_destroy(j);
    return status;
}

/* `trace cat --disasm`: instruction records that carry a word get the
 * disassembly as a trailing comment (the output stays a valid text trace). */
static int trace_cat(int argc, char **argv)
{
    const char *in = NULL, *lim = NULL;
    int disasm = 0;
    for (int i = 0; i < argc; i++) {
        int r;
        if ((r = cli_opt(argc, argv, &i, "--limit", &lim)) != 0) {
            if (r < 0)
                return 2;
        } else if (!strcmp(argv[i], "--disasm")) {
            disasm = 1;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage("unknown option '%s'", argv[i]);
        } else if (in) {
            return cli_usage("trace cat takes one file");
        } else {
            in = argv[i];
        }
    }
    if (!in)
        return cli_usage("usage: lparsim trace cat FILE [--limit N] [--disasm]");
    uint64_t limit = UINT64_MAX;
    int st = lim ? cli_parse_u64("--limit", lim, 0, UINT64_MAX, &limit) : 0;
    if (st)
        return st;
    sim_err e;
    sim_err_clear(&e);
    tr_reader *r = tr_open(in, &e);
    if (!r)
        return cli_fail(&e);
    ppc_decoder *dec = NULL;
    if (disasm && !(dec = ppc_decoder_create(&e))) {
        tr_close(r);
        return cli_fail(&e);
    }
    printf("#lparsim-trace v%u\n", tr_version(r));
    tr_rec buf[256];
    char line[512];
    uint64_t done = 0;
    int status = 0;
    while (done < limit) {
        long n = tr_read(r, buf, 256, &e);
        if (n < 0) {
            fflush(stdout);
            status = cli_fail(&e);
            break;
        }
        if (n == 0)
            break;
        for (long i = 0; i < n && done < limit; i++, done++) {
            int len = tr_format_text(&buf[i], line, sizeof line);
            if (dec && buf[i].kind == TR_INSN && (buf[i].flags & TRF_WORD) && len > 0 &&
                (size_t)len < sizeof line) {
                uint32_t w = buf[i].word;
                int k = snprintf(line + len, sizeof line - (size_t)len, "  # %s: ",
                                 ppc_class_name(ppc_decode(dec, w)));
                if (k > 0 && (size_t)(len + k) < sizeof line)
                    ppc_disasm(dec, w, buf[i].addr, line + len + k, sizeof line - (size_t)(len + k));
            }
            puts(line);
        }
    }
    tr_close(r);
    ppc_decoder_destroy(dec);
    return status;
}

int cmd_trace(int argc, char **argv)
{
    if (argc < 1)
        return cli_usage("trace needs a subcommand: import, info, cat, mark or hcheck");
    if (!strcmp(argv[0], "import"))
        return trace_import(argc - 1, argv + 1);
    if (!strcmp(argv[0], "info"))
        return trace_info(argc - 1, argv + 1);
    if (!strcmp(argv[0], "cat"))
        return trace_cat(argc - 1, argv + 1);
    if (!strcmp(argv[0], "mark"))
        return cmd_trace_mark(argc - 1, argv + 1);
    if (!strcmp(argv[0], "hcheck"))
        return cmd_trace_hcheck(argc - 1, argv + 1);
    return cli_usage("unknown trace subcommand '%s' (expected import, info, cat, mark or "
                     "hcheck)", argv[0]);
}
