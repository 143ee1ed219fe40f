/*
 * check_trace.c - unit tests of the native trace format (sim/core/trace*):
 * binary and text round trips, a hand-encoded byte sequence per
 * docs/trace_format.md, rewind, tr_summarize on a hand-counted lackey
 * sample, the importers, every error message, atomic writes, and a
 * fuzz-ish loop of truncations and byte flips that must never crash.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <zlib.h>

#include "core/trace.h"
#include "testutil.h"

/* ---- helpers ---- */

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 11 ^ *s << 29;
}

static int exists(const char *p) { return access(p, F_OK) == 0; }

/* A set of records covering every kind and encoding corner. */
static size_t make_recs(tr_rec *v, size_t cap)
{
    static const uint64_t addrs[] = {0, UINT64_MAX, 0x8000000000000000ull, 1,
                                     0x7fffffffffffffffull, 0x1fff0006d8ull, 0};
    size_t n = 0;
    memset(v, 0, cap * sizeof *v);
    for (size_t i = 0; i < sizeof addrs / sizeof *addrs; i++)
        for (unsigned k = 0; k < 4; k++) {
            v[n] = (tr_rec){.kind = (uint8_t)k, .size = (uint8_t)(k == 0 ? 7 : 255 - i),
                            .addr = addrs[i]};
            if (v[n].addr > UINT64_MAX - (v[n].size - 1u)) /* last byte at the top */
                v[n].addr = UINT64_MAX - (v[n].size - 1u);
            if (k == 0 && (i & 1)) {
                v[n].flags = TRF_WORD;
                v[n].word = 0x7c0802a6u + (uint32_t)i;
            }
            n++;
        }
    for (unsigned a = 0; a <= TR_MAX_ARGS; a++) {
        v[n] = (tr_rec){.kind = TR_HCALL, .word = a == 6 ? UINT32_MAX : 0x8 + a,
                        .nargs = (uint8_t)a};
        for (unsigned j = 0; j < a; j++)
            v[n].args[j] = j == 0 ? UINT64_MAX : (uint64_t)j << (6 * j);
        n++;
        if (a % 3 == 2) /* no return record after the others */
            continue;
        /* the return: negative, zero, the int32 extremes */
        int32_t rc = a == 0 ? INT32_MIN : a == 1 ? INT32_MAX : a == 3 ? 0 : -(int32_t)a;
        v[n] = (tr_rec){.kind = TR_HRET, .word = (uint32_t)rc, .nargs = (uint8_t)(9 - a)};
        for (unsigned j = 0; j < 9 - a; j++)
            v[n].args[j] = j == 1 ? UINT64_MAX : (uint64_t)(j + 1) << (7 * j);
        n++;
    }
    v[n++] = (tr_rec){.kind = TR_MARKER, .word = 0, .addr = 0};
    v[n++] = (tr_rec){.kind = TR_MARKER, .word = UINT32_MAX, .addr = UINT64_MAX};
    /* version 3: markers with arguments (an slbmte: RB, then RS) */
    v[n++] = (tr_rec){.kind = TR_MARKER, .word = TR_MARK_SLBMTE, .addr = 0xc000000008000000ull,
                      .nargs = 1, .args = {0x4000d4c2b0a1c500ull}};
    v[n] = (tr_rec){.kind = TR_MARKER, .word = 99, .addr = 1, .nargs = TR_MAX_ARGS};
    for (unsigned j = 0; j < TR_MAX_ARGS; j++)
        v[n].args[j] = UINT64_MAX >> j;
    n++;
    /* a long pseudo-random tail to cross buffer refills */
    uint64_t s = 42, pc = 0x10000000;
    while (n < cap) {
        uint64_t x = lcg(&s);
        tr_rec *r = &v[n++];
        r->kind = (uint8_t)(x % 5 == 4 ? 0 : x % 5);
        r->size = (uint8_t)(1 + (x >> 8) % 16);
        if (r->kind == TR_INSN) {
            r->addr = pc;
            pc += (x >> 20) % 64 == 0 ? (x >> 30) : r->size;
        } else {
            r->addr = 0x7fff0000 + ((x >> 24) & 0xffff) * 8;
        }
    }
    return n;
}

static void assert_same(const tr_rec *a, const tr_rec *b, size_t i)
{
    ck_assert_msg(a->kind == b->kind && a->size == b->size && a->flags == b->flags &&
                  a->nargs == b->nargs && a->word == b->word && a->addr == b->addr,
                  "record %zu differs (kind %u/%u addr %llx/%llx)", i, a->kind, b->kind,
                  (unsigned long long)a->addr, (unsigned long long)b->addr);
    if (a->kind >= TR_HCALL)
        for (unsigned j = 0; j < a->nargs; j++)
            ck_assert_uint_eq(a->args[j], b->args[j]);
}

static void write_trace(const char *path, const tr_rec *v, size_t n)
{
    sim_err e = {{0}};
    /* version 3: the samples hold hcall returns and 9-argument hcalls */
    tr_writer *w = tr_writer_create_version(path, "unit test", 6, 0, 3, &e);
    ck_assert_msg(w != NULL, "%s", e.msg);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(tr_write(w, &v[i], &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(tr_written(w), n);
    ck_assert_msg(tr_finish(w, &e) == 0, "%s", e.msg);
}

/* Read all records with batch size `batch` (records beyond cap are counted,
 * not stored); returns the count, -1 on error. */
static long read_all(const char *path, tr_rec *out, size_t cap, size_t batch, sim_err *e)
{
    tr_reader *r = tr_open(path, e);
    if (!r)
        return -1;
    size_t n = 0;
    long k;
    tr_rec spare;
    for (;;) {
        size_t want = n < cap ? (batch < cap - n ? batch : cap - n) : 1;
        k = tr_read(r, n < cap ? out + n : &spare, want, e);
        if (k <= 0)
            break;
        n += (size_t)k;
    }
    tr_close(r);
    return k < 0 ? -1 : (long)n;
}

/* Gzip header + payload into path (a binary trace built by hand). */
static void write_raw(const char *path, unsigned version, const uint8_t *pl, size_t n)
{
    uint8_t h[20] = {'L', 'P', 'S', 'I', 'M', 'T', 'R', 'C', (uint8_t)version, 0, 0, 0,
                     4, 0, 0, 0, 'n', 'o', 't', 'e'};
    gzFile g = gzopen(path, "wb");
    ck_assert_ptr_nonnull(g);
    gzwrite(g, h, sizeof h);
    if (n)
        gzwrite(g, pl, (unsigned)n);
    gzclose(g);
}

/* Records of the hand encoding below, and its bytes (docs/trace_format.md). */
static const uint8_t hand_bytes[] = {
    0x40, 0x80, 0x40,             /* I 0x1000 4: sc 4, delta +0x1000 */
    0x2c, 0xa6, 0x02, 0x08, 0x7c, /* I 0x1004 2 word: SEQ|WORD, sc 2 */
    0x71, 0x20,                   /* L 0x10 8: sc 7, delta +16 */
    0x02, 0x10, 0x0f,             /* S 0x8 16: size byte, delta -8 */
    0x94, 0x08, 0x01, 0xac, 0x02, /* H 0x8 1 300 */
    0x85, 0x03, 0x05,             /* K 3 5 */
    0x86, 0x06,                   /* END 6 */
};
static const tr_rec hand_recs[6] = {
    {.kind = TR_INSN, .size = 4, .addr = 0x1000},
    {.kind = TR_INSN, .size = 2, .flags = TRF_WORD, .word = 0x7c0802a6, .addr = 0x1004},
    {.kind = TR_LOAD, .size = 8, .addr = 0x10},
    {.kind = TR_STORE, .size = 16, .addr = 0x8},
    {.kind = TR_HCALL, .word = 8, .nargs = 2, .args = {1, 300}},
    {.kind = TR_MARKER, .word = 3, .addr = 5},
};

/* ---- round trips ---- */

#define NREC 150000
START_TEST(binary_round_trip)
{
    tr_rec *v = malloc(NREC * sizeof *v), *got = malloc(NREC * sizeof *got);
    size_t n = make_recs(v, NREC);
    const char *p = tu_tmp("rt.trc");
    write_trace(p, v, n);
    static const size_t batches[] = {1, 7, 4096, NREC};
    for (size_t b = 0; b < 4; b++) {
        sim_err e = {{0}};
        memset(got, 0xee, NREC * sizeof *got);
        long k = read_all(p, got, NREC, batches[b], &e);
        ck_assert_msg(k == (long)n, "batch %zu: %ld %s", batches[b], k, e.msg);
        for (size_t i = 0; i < n; i++)
            assert_same(&v[i], &got[i], i);
    }
    sim_err e = {{0}};
    tr_reader *r = tr_open(p, &e);
    ck_assert_str_eq(tr_note(r), "unit test");
    ck_assert_int_eq(tr_is_text(r), 0);
    ck_assert_str_eq(tr_path(r), p);
    tr_close(r);
    free(v);
    free(got);
}
END_TEST

START_TEST(binary_hand_encoding)
{
    const char *p = tu_tmp("hand.trc");
    write_raw(p, 1, hand_bytes, sizeof hand_bytes);
    tr_rec got[8];
    sim_err e = {{0}};
    ck_assert_int_eq(read_all(p, got, 8, 8, &e), 6);
    for (int i = 0; i < 6; i++)
        assert_same(&hand_recs[i], &got[i], (size_t)i);
    /* the writer produces exactly these bytes after the header */
    const char *q = tu_tmp("hand2.trc");
    sim_err e2 = {{0}};
    tr_writer *w = tr_writer_create(q, "note", 1, &e2);
    for (int i = 0; i < 6; i++)
        ck_assert_int_eq(tr_write(w, &hand_recs[i], &e2), 0);
    ck_assert_int_eq(tr_finish(w, &e2), 0);
    gzFile g = gzopen(q, "rb");
    uint8_t buf[256];
    int k = gzread(g, buf, sizeof buf);
    gzclose(g);
    ck_assert_int_eq(k, 20 + (int)sizeof hand_bytes);
    ck_assert_mem_eq(buf + 20, hand_bytes, sizeof hand_bytes);
    ck_assert_mem_eq(buf, "LPSIMTRC\1\0\0\0\4\0\0\0note", 20);
}
END_TEST

START_TEST(text_round_trip)
{
    enum { N = 5000 };
    tr_rec *v = malloc(N * sizeof *v), *got = malloc(N * sizeof *got);
    size_t n = make_recs(v, N);
    const char *p = tu_tmp("rt.txt");
    FILE *f = fopen(p, "w");
    fprintf(f, "#lparsim-trace v3\n");
    char line[256];
    for (size_t i = 0; i < n; i++) {
        int k = tr_format_text(&v[i], line, sizeof line);
        ck_assert_int_eq(k, (int)strlen(line));
        fprintf(f, "%s\n", line);
    }
    fclose(f);
    sim_err e = {{0}};
    ck_assert_int_eq(read_all(p, got, N, 333, &e), (long)n);
    for (size_t i = 0; i < n; i++)
        assert_same(&v[i], &got[i], i);
    /* exact formatter output, hand-written */
    static const struct { int i; const char *s; } ex[] = {
        {0, "I 0x1000 4"}, {1, "I 0x1004 2 0x7c0802a6"}, {2, "L 0x10 8"},
        {3, "S 0x8 16"}, {4, "H 0x8 0x1 0x12c"}, {5, "K 3 0x5"}};
    for (int i = 0; i < 6; i++) {
        tr_format_text(&hand_recs[ex[i].i], line, sizeof line);
        ck_assert_str_eq(line, ex[i].s);
    }
    tr_rec m = {.kind = TR_MODIFY, .size = 255, .addr = UINT64_MAX};
    tr_format_text(&m, line, sizeof line);
    ck_assert_str_eq(line, "M 0xffffffffffffffff 255");
    ck_assert_int_eq(tr_format_text(&m, line, 4), 24); /* snprintf-style */
    ck_assert_str_eq(line, "M 0");
    free(v);
    free(got);
}
END_TEST

START_TEST(text_sample_and_rewind)
{
    const char *p = tu_src("tests/data/trace/sample.txt");
    sim_err e = {{0}};
    tr_reader *r = tr_open(p, &e);
    ck_assert_msg(r != NULL, "%s", e.msg);
    ck_assert_int_eq(tr_is_text(r), 1);
    ck_assert_str_eq(tr_note(r), "");
    tr_rec a[16], b[16];
    for (int pass = 0; pass < 2; pass++) {
        tr_rec *x = pass ? b : a;
        ck_assert_int_eq(tr_read(r, x, 16, &e), 9);
        ck_assert_int_eq(tr_read(r, x, 16, &e), 0);
        ck_assert_int_eq(tr_rewind(r, &e), 0);
    }
    tr_close(r);
    for (int i = 0; i < 9; i++)
        assert_same(&a[i], &b[i], (size_t)i);
    ck_assert(a[0].kind == TR_INSN && a[0].addr == 0x10000000 && a[0].size == 4 &&
              a[0].flags == TRF_WORD && a[0].word == 0x7c0802a6);
    ck_assert(a[1].flags == 0 && a[1].word == 0);
    ck_assert(a[3].kind == TR_STORE && a[3].addr == 4096 && a[3].size == 4);
    ck_assert(a[4].kind == TR_MODIFY && a[4].size == 16);
    ck_assert(a[5].kind == TR_HCALL && a[5].word == 8 && a[5].nargs == 3 &&
              a[5].args[0] == 1 && a[5].args[2] == 3);
    ck_assert(a[6].kind == TR_HCALL && a[6].word == 4 && a[6].nargs == 0);
    ck_assert(a[7].kind == TR_MARKER && a[7].word == 1 && a[7].addr == 0x100);
    ck_assert(a[8].kind == TR_MARKER && a[8].word == 2 && a[8].addr == 0);
}
END_TEST

START_TEST(binary_rewind)
{
    enum { N = 70000 };
    tr_rec *v = malloc(N * sizeof *v), *got = malloc(N * sizeof *got);
    size_t n = make_recs(v, N);
    const char *p = tu_tmp("rw.trc");
    write_trace(p, v, n);
    sim_err e = {{0}};
    tr_reader *r = tr_open(p, &e);
    ck_assert_int_eq(tr_read(r, got, 1000, &e), 1000);
    ck_assert_int_eq(tr_rewind(r, &e), 0);
    size_t k = 0;
    long m;
    while ((m = tr_read(r, got + k, 4096 < N - k ? 4096 : N - k, &e)) > 0)
        k += (size_t)m;
    ck_assert_int_eq(m, 0);
    ck_assert_uint_eq(k, n);
    for (size_t i = 0; i < n; i++)
        assert_same(&v[i], &got[i], i);
    tr_close(r);
    free(v);
    free(got);
}
END_TEST

/* ---- summary and importers ---- */

START_TEST(info_tiny_lackey)
{
    const char *out = tu_tmp("tiny.trc");
    uint64_t n = 0;
    sim_err e = {{0}};
    ck_assert_msg(tr_import(TR_FMT_LACKEY, tu_src("tests/data/trace/tiny.lackey"), out,
                            &n, &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(n, 22);
    tr_info in;
    ck_assert_msg(tr_summarize(out, &in, &e) == 0, "%s", e.msg);
    /* hand-counted from the 22 records of tiny.lackey:
     * I 12 (48 bytes), L 5 (30), S 3 (13), M 2 (17);
     * 4K pages: 0x4000, 0x4001 (the fetch 0x4000ffc,6 crosses into it),
     * 0x1fff000, 0x60f, 0x610 (the load 0x60fffc,8 crosses), 0x612, 0x4020,
     * 0x620 = 8; 64K pages: 0x400, 0x1fff00, 0x60, 0x61 (same load),
     * 0x402, 0x62 = 6; lowest byte 0x60fff0, highest 0x1fff000ff8 + 7 */
    ck_assert_uint_eq(in.records, 22);
    ck_assert_uint_eq(in.by_kind[TR_INSN], 12);
    ck_assert_uint_eq(in.by_kind[TR_LOAD], 5);
    ck_assert_uint_eq(in.by_kind[TR_STORE], 3);
    ck_assert_uint_eq(in.by_kind[TR_MODIFY], 2);
    ck_assert_uint_eq(in.by_kind[TR_HCALL] + in.by_kind[TR_MARKER], 0);
    ck_assert_uint_eq(in.bytes_accessed, 48 + 30 + 13 + 17);
    ck_assert_uint_eq(in.pages_4k, 8);
    ck_assert_uint_eq(in.pages_64k, 6);
    ck_assert_uint_eq(in.min_addr, 0x60fff0);
    ck_assert_uint_eq(in.max_addr, 0x1fff000fffull);
    tr_reader *r = tr_open(out, &e);
    ck_assert_ptr_nonnull(strstr(tr_note(r), "tiny.lackey (lackey)"));
    tr_rec v[4];
    ck_assert_int_eq(tr_read(r, v, 3, &e), 3);
    ck_assert(v[1].kind == TR_INSN && v[1].addr == 0x4000ffc && v[1].size == 6);
    ck_assert(v[2].kind == TR_STORE && v[2].addr == 0x1fff000ff8ull && v[2].size == 8);
    tr_close(r);
    /* gzipped input gives the same trace */
    char *txt = tu_read_file(tu_src("tests/data/trace/tiny.lackey"), NULL);
    gzFile g = gzopen(tu_tmp("tiny.lackey.gz"), "wb");
    gzputs(g, txt);
    gzclose(g);
    free(txt);
    ck_assert_int_eq(tr_import(TR_FMT_LACKEY, tu_tmp("tiny.lackey.gz"), out, &n, &e), 0);
    ck_assert_uint_eq(n, 22);
}
END_TEST

START_TEST(import_dramsim3)
{
    const char *out = tu_tmp("d3.trc");
    uint64_t n = 0;
    sim_err e = {{0}};
    ck_assert_msg(tr_import(TR_FMT_DRAMSIM3, tu_src("tests/data/trace/tiny.dramsim3"),
                            out, &n, &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(n, 4);
    tr_rec v[8];
    ck_assert_int_eq(read_all(out, v, 8, 8, &e), 4);
    static const uint64_t a[4] = {0x80F8A980, 0x047B9580, 0x7A214300, 0x7a214340};
    for (int i = 0; i < 4; i++) {
        ck_assert_uint_eq(v[i].addr, a[i]);
        ck_assert_uint_eq(v[i].size, 64);
        ck_assert_uint_eq(v[i].kind, i < 2 ? TR_LOAD : TR_STORE);
    }
}
END_TEST

static void import_fails(tr_import_fmt f, const char *text, const char *expect_fmt)
{
    const char *in = tu_tmp("bad.in"), *out = tu_tmp("bad.trc");
    char tmp[4200], want[2048];
    ck_assert_int_eq(tu_write_file(in, text), 0);
    unlink(out);
    sim_err e = {{0}};
    uint64_t n = 99;
    ck_assert_int_eq(tr_import(f, in, out, &n, &e), -1);
    snprintf(want, sizeof want, expect_fmt, in);
    ck_assert_str_eq(e.msg, want);
    ck_assert_uint_eq(n, 0);
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", out, (long)getpid());
    ck_assert(!exists(out) && !exists(tmp));
}

START_TEST(import_errors)
{
    import_fails(TR_FMT_LACKEY, "==1== hi\nI  0400,4\n L 10,8\n\n S zz,8\n",
                 "%s:5: expected a lackey record 'I  <hexaddr>,<size>' or "
                 "' L|S|M <hexaddr>,<size>' (size 1..255), got ' S zz,8'");
    import_fails(TR_FMT_LACKEY, "I  0400,4\n L 10,0\n",
                 "%s:2: expected a lackey record 'I  <hexaddr>,<size>' or "
                 "' L|S|M <hexaddr>,<size>' (size 1..255), got ' L 10,0'");
    import_fails(TR_FMT_LACKEY, "I  0400,4\n L 10,256\n",
                 "%s:2: expected a lackey record 'I  <hexaddr>,<size>' or "
                 "' L|S|M <hexaddr>,<size>' (size 1..255), got ' L 10,256'");
    import_fails(TR_FMT_LACKEY, "I  0400,4\nhello world\n",
                 "%s:2: expected a lackey record 'I  <hexaddr>,<size>' or "
                 "' L|S|M <hexaddr>,<size>' (size 1..255), got 'hello world'");
    import_fails(TR_FMT_DRAMSIM3, "0x10 READ 1\n0x20 FETCH 2\n",
                 "%s:2: expected a DRAMsim3 record '<hexaddr> READ|WRITE <cycle>', "
                 "got '0x20 FETCH 2'");
    import_fails(TR_FMT_DRAMSIM3, "0x10 READ\n",
                 "%s:1: expected a DRAMsim3 record '<hexaddr> READ|WRITE <cycle>', "
                 "got '0x10 READ'");
    sim_err e = {{0}};
    const char *miss = tu_tmp("missing.lackey");
    char want[2048];
    ck_assert_int_eq(tr_import(TR_FMT_LACKEY, miss, tu_tmp("x.trc"), NULL, &e), -1);
    snprintf(want, sizeof want, "%s: cannot open: No such file or directory", miss);
    ck_assert_str_eq(e.msg, want);
}
END_TEST

/* ---- errors ---- */

static void open_fails(const char *path, const char *expect_fmt)
{
    sim_err e = {{0}};
    char want[2048];
    ck_assert_ptr_null(tr_open(path, &e));
    snprintf(want, sizeof want, expect_fmt, path);
    ck_assert_str_eq(e.msg, want);
}

/* Reading fails (after any good records) with exactly this message. */
static void read_fails(const char *path, const char *expect_fmt)
{
    sim_err e = {{0}};
    char want[2048];
    tr_rec v[64];
    ck_assert_int_eq(read_all(path, v, 64, 64, &e), -1);
    snprintf(want, sizeof want, expect_fmt, path);
    ck_assert_str_eq(e.msg, want);
}

START_TEST(open_errors)
{
    open_fails(tu_tmp("nope.trc"), "%s: cannot open: No such file or directory");
    open_fails(tu_src("tests/data/trace/tiny.lackey"),
               "%s: not an lparsim trace (expected binary magic LPSIMTRC or text "
               "header '#lparsim-trace v1'); convert foreign traces with "
               "`lparsim trace import --format lackey|dramsim3|qemu`");
    const char *p = tu_tmp("empty.trc");
    tu_write_file(p, "");
    open_fails(p, "%s: not an lparsim trace (expected binary magic LPSIMTRC or text "
                  "header '#lparsim-trace v1'); convert foreign traces with "
                  "`lparsim trace import --format lackey|dramsim3|qemu`");
    write_raw(p, 4, hand_bytes, sizeof hand_bytes);
    open_fails(p, "%s: unsupported trace version 4 (this lparsim reads versions 1 to 3)");
    tu_write_file(p, "#lparsim-trace v4\nI 0 4\n");
    open_fails(p, "%s: unsupported text trace version 'v4' (this lparsim reads v1 to v3)");
    tu_write_file(p, "LPSIMTRC\1\0");
    open_fails(p, "%s: truncated trace: ended after 0 records without an END record");
}
END_TEST

START_TEST(binary_errors)
{
    const char *p = tu_tmp("err.trc");
    uint8_t b[64];
    size_t n = sizeof hand_bytes;
    write_raw(p, 1, hand_bytes, n - 2); /* no END */
    read_fails(p, "%s: truncated trace: ended after 6 records without an END record");
    write_raw(p, 1, hand_bytes, 12); /* cut inside the STORE record */
    read_fails(p, "%s: truncated trace: ended after 3 records without an END record");
    memcpy(b, hand_bytes, n);
    b[13] = 0xc4; /* HCALL tag with bit 6 set */
    write_raw(p, 1, b, n);
    read_fails(p, "%s: corrupt trace at record 4: bad tag byte");
    b[13] = 0x07; /* memory tag is fine... */
    b[13] = 0x94;
    b[n - 1] = 7; /* END count wrong */
    write_raw(p, 1, b, n);
    read_fails(p, "%s: corrupt trace at record 6: END record count does not match "
                  "the records read");
    b[n - 1] = 6;
    b[n] = 0x40;
    write_raw(p, 1, b, n + 1);
    read_fails(p, "%s: corrupt trace at record 6: data after the END record");
    static const uint8_t ovf[] = {0x40, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                  0xff, 0xff, 0x7f, 0x86, 0x01};
    write_raw(p, 1, ovf, sizeof ovf);
    read_fails(p, "%s: corrupt trace at record 0: varint overflow in address delta");
    static const uint8_t word_on_load[] = {0x40, 0x02, 0x19, 1, 2, 3, 4, 0x86, 0x02};
    write_raw(p, 1, word_on_load, sizeof word_on_load);
    read_fails(p, "%s: corrupt trace at record 1: bad tag byte (word flag on a data "
                  "record)");
    static const uint8_t size0[] = {0x00, 0x00, 0x02, 0x86, 0x01};
    write_raw(p, 1, size0, sizeof size0);
    read_fails(p, "%s: corrupt trace at record 0: size byte 0 (expected 1..255)");
}
END_TEST

START_TEST(gzip_errors)
{
    enum { N = 20000 };
    tr_rec *v = malloc(N * sizeof *v);
    size_t n = make_recs(v, N);
    const char *p = tu_tmp("gz.trc"), *q = tu_tmp("gzcut.trc");
    write_trace(p, v, n);
    size_t len;
    char *raw = tu_read_file(p, &len);
    /* cut the gzip stream at several offsets */
    size_t cuts[] = {5, 30, len / 3, len / 2, len - 9}; /* trailer cuts: below */
    for (size_t c = 0; c < sizeof cuts / sizeof *cuts; c++) {
        FILE *f = fopen(q, "wb");
        fwrite(raw, 1, cuts[c], f);
        fclose(f);
        sim_err e = {{0}};
        tr_rec *got = malloc(N * sizeof *got);
        ck_assert_int_eq(read_all(q, got, N, 1000, &e), -1);
        free(got);
        char want[2048];
        /* "ended after N records without an END record", or for the last cut,
         * which may keep END, "the gzip stream ends early after the END record" */
        snprintf(want, sizeof want, "%s: truncated trace: ", q);
        ck_assert_msg(!strncmp(e.msg, want, strlen(want)), "cut %zu: %s", cuts[c], e.msg);
    }
    /* a bad CRC-32 in the gzip trailer */
    raw[len - 8] ^= 0x55;
    FILE *f = fopen(q, "wb");
    fwrite(raw, 1, len, f);
    fclose(f);
    sim_err e = {{0}};
    tr_rec *got = malloc(N * sizeof *got);
    ck_assert_int_eq(read_all(q, got, N, 1000, &e), -1);
    /* zlib drops the output of the inflate call that found the bad CRC, so
     * the error comes at or before the last record */
    char want[2048];
    snprintf(want, sizeof want, "%s: corrupt trace at record ", q);
    ck_assert_msg(!strncmp(e.msg, want, strlen(want)), "%s", e.msg);
    const char *tail = ": gzip stream: incorrect data check";
    ck_assert_str_eq(e.msg + strlen(e.msg) - strlen(tail), tail);
    /* a bad length (ISIZE) in the trailer, the CRC-32 good again */
    raw[len - 8] ^= 0x55;
    raw[len - 2] ^= 0x01;
    f = fopen(q, "wb");
    fwrite(raw, 1, len, f);
    fclose(f);
    memset(&e, 0, sizeof e);
    ck_assert_int_eq(read_all(q, got, N, 1000, &e), -1);
    ck_assert_msg(!strncmp(e.msg, want, strlen(want)), "%s", e.msg);
    tail = ": gzip stream: incorrect length check";
    ck_assert_str_eq(e.msg + strlen(e.msg) - strlen(tail), tail);
    free(got);
    free(raw);
    free(v);
}
END_TEST

START_TEST(text_errors)
{
    const char *p = tu_tmp("bad.txt");
    tu_write_file(p, "#lparsim-trace v1\nI 0x10 4\nL 0x20 0\n");
    read_fails(p, "%s:3: expected 'L <ea> <size>' with size 1..255, got 'L 0x20 0'");
    tu_write_file(p, "#lparsim-trace v1\n# c\n\nS 0x20 256 # big\n");
    read_fails(p, "%s:4: expected 'S <ea> <size>' with size 1..255, got 'S 0x20 256'");
    tu_write_file(p, "#lparsim-trace v1\nX 1 2\n");
    read_fails(p, "%s:2: expected a record 'I|L|S|M <addr> <size>', 'H <num> [<arg>...]', "
                  "'R <rc> [<value>...]' or 'K <id> [<value>]' (numbers 0x-hex or decimal), "
                  "got 'X 1 2'");
    tu_write_file(p, "#lparsim-trace v1\nI 0x10 4 0x100000000\n");
    read_fails(p, "%s:2: expected 'I <pc> <size> [<word>]' with size 1..255 and a "
                  "32-bit word, got 'I 0x10 4 0x100000000'");
    tu_write_file(p, "#lparsim-trace v3\nH 1 2 3 4 5 6 7 8 9 10 11\n");
    read_fails(p, "%s:2: expected 'H <num> [<arg>...]' with a 32-bit number and at most "
                  "9 args, got 'H 1 2 3 4 5 6 7 8 9 10 11'");
    /* version 3's records in an older trace, an R without its H, bad codes */
    tu_write_file(p, "#lparsim-trace v2\nH 1 2 3 4 5 6 7 8\n");
    read_fails(p, "%s:2: an hcall with more than 6 arguments in a trace of format version 1 "
                  "or 2; expected version 3 for up to 9");
    tu_write_file(p, "#lparsim-trace v1\nH 8\nR 0 1\n");
    read_fails(p, "%s:3: an hcall return record (R) in a trace of format version 1 or 2; "
                  "expected version 3 for R records");
    tu_write_file(p, "#lparsim-trace v3\nH 8\nI 0 4\nR -7\n");
    read_fails(p, "%s:4: an hcall return record (R) that does not follow an hcall record "
                  "(H); expected R directly after its H");
    tu_write_file(p, "#lparsim-trace v3\nH 8\nR 0\nR 0\n");
    read_fails(p, "%s:4: an hcall return record (R) that does not follow an hcall record "
                  "(H); expected R directly after its H");
    tu_write_file(p, "#lparsim-trace v3\nH 8\nR -2147483649\n");
    read_fails(p, "%s:3: expected 'R <rc> [<value>...]' with a 32-bit signed return code and "
                  "at most 9 values, got 'R -2147483649'");
    tu_write_file(p, "#lparsim-trace v3\nH 8\nR 0x80000000\n");
    read_fails(p, "%s:3: expected 'R <rc> [<value>...]' with a 32-bit signed return code and "
                  "at most 9 values, got 'R 0x80000000'");
    tu_write_file(p, "#lparsim-trace v1\nK\n");
    read_fails(p, "%s:2: expected 'K <id> [<value> [<arg>...]]' with a 32-bit id and at most "
                  "9 args, got 'K'");
    tu_write_file(p, "#lparsim-trace v2\nK 18 0x8000000 0x1\n");
    read_fails(p, "%s:2: a marker with arguments in a trace of format version 1 or 2; "
                  "expected version 3 for marker arguments");
    tu_write_file(p, "#lparsim-trace v1\nL 0xfffffffffffffffff 8\n");
    read_fails(p, "%s:2: expected 'L <ea> <size>' with size 1..255, got "
                  "'L 0xfffffffffffffffff 8'");
}
END_TEST

/* Version 3's records by hand: an hcall with 9 arguments (tag bit 6) and
 * its return (kind 7, zigzag code), refused in version 2 and out of order. */
START_TEST(version3_records)
{
    static const uint8_t v3[] = {
        0xcc, 0xa4, 0x02, 1, 2, 3, 4, 5, 6, 7, 8, 9, /* H 0x124 1..9: nargs 8+1 */
        0x8f, 0x0d, 0x2a,                     /* R -7 0x2a */
        0x86, 0x02,                           /* END 2 */
    };
    const char *p = tu_tmp("v3.trc");
    sim_err e = {{0}};
    tr_rec v[4];
    write_raw(p, 3, v3, sizeof v3);
    ck_assert_int_eq(read_all(p, v, 4, 4, &e), 2);
    ck_assert(v[0].kind == TR_HCALL && v[0].word == 0x124 && v[0].nargs == 9 &&
              v[0].args[0] == 1 && v[0].args[8] == 9);
    ck_assert(v[1].kind == TR_HRET && v[1].nargs == 1 && v[1].args[0] == 0x2a);
    ck_assert_int_eq(tr_hret_rc(&v[1]), -7);
    char line[256];
    tr_format_text(&v[1], line, sizeof line);
    ck_assert_str_eq(line, "R -7 0x2a");
    write_raw(p, 2, v3, sizeof v3);
    read_fails(p, "%s: corrupt trace at record 0: bad tag byte");
    static const uint8_t ret_only[] = {0x84, 0x08, 0x8f, 0x0d, 0x2a, 0x86, 0x02};
    write_raw(p, 2, ret_only, sizeof ret_only);
    read_fails(p, "%s: corrupt trace at record 1: an hcall return record (R) in a trace of "
                  "format version 1 or 2; expected version 3 for R records");
    static const uint8_t orphan[] = {0x84, 0x08, 0x85, 0x03, 0x05, 0x87, 0x00, 0x86, 0x03};
    write_raw(p, 3, orphan, sizeof orphan);
    read_fails(p, "%s: corrupt trace at record 2: an hcall return record (R) that does not "
                  "follow an hcall record (H); expected R directly after its H");
    /* the writer applies the same rules */
    char want[2048];
    tr_writer *w = tr_writer_create_version(p, NULL, 6, 0, 2, &e);
    ck_assert_int_eq(tr_write(w, &v[0], &e), -1);
    snprintf(want, sizeof want, "%s: record 0: cannot write: an hcall with more than 6 "
             "arguments in a trace of format version 1 or 2; expected version 3 for up to 9",
             p);
    ck_assert_str_eq(e.msg, want);
    tr_abort(w);
    w = tr_writer_create_version(p, NULL, 6, 0, 3, &e);
    ck_assert_int_eq(tr_write(w, &v[1], &e), -1);
    snprintf(want, sizeof want, "%s: record 0: cannot write: an hcall return record (R) "
             "that does not follow an hcall record (H); expected R directly after its H", p);
    ck_assert_str_eq(e.msg, want);
    ck_assert_int_eq(tr_write(w, &v[0], &e), 0);
    ck_assert_int_eq(tr_write(w, &v[1], &e), 0);
    ck_assert_int_eq(tr_write(w, &v[1], &e), -1);
    ck_assert_int_eq(tr_finish(w, &e), 0);
    ck_assert_int_eq(read_all(p, v + 2, 2, 2, &e), 2);
    ck_assert_int_eq(tr_hret_rc(&v[3]), -7);
}
END_TEST

/* The hcall order marker (K 19 <n>, version 3): only directly before an
 * H record, without arguments; in versions 1 and 2 an ordinary marker. */
START_TEST(hseq_marker)
{
    const char *p = tu_tmp("hseq.txt");
    sim_err e = {{0}};
    tr_rec v[8];
    tu_write_file(p, "#lparsim-trace v3\nK 19 0\n# c\nH 8 1\nR 0 0x7c\nI 0 4\n");
    ck_assert_int_eq(read_all(p, v, 8, 8, &e), 4);
    ck_assert(v[0].kind == TR_MARKER && v[0].word == TR_MARK_HSEQ && v[0].addr == 0);
    tu_write_file(p, "#lparsim-trace v3\nK 19 0\nI 0 4\nH 8\n");
    read_fails(p, "%s:3: an hcall order marker (K 19) not directly followed by an hcall "
                  "record (H); expected K 19 <n> directly before the H it orders");
    tu_write_file(p, "#lparsim-trace v3\nK 19 0\nK 19 1\nH 8\n");
    read_fails(p, "%s:3: an hcall order marker (K 19) not directly followed by an hcall "
                  "record (H); expected K 19 <n> directly before the H it orders");
    tu_write_file(p, "#lparsim-trace v3\nH 8\nK 19 1\n");
    read_fails(p, "%s:3: the trace ends after an hcall order marker (K 19); expected the "
                  "hcall record (H) it orders after it");
    tu_write_file(p, "#lparsim-trace v3\nK 19 1 2\nH 8\n");
    read_fails(p, "%s:2: an hcall order marker (K 19) with arguments; expected 'K 19 <n>' "
                  "(the order in its value only)");
    /* versions 1 and 2: an ordinary marker, as 16..18 */
    tu_write_file(p, "#lparsim-trace v2\nK 19 0\nI 0 4\nK 19 1\n");
    ck_assert_int_eq(read_all(p, v, 8, 8, &e), 3);
    /* binary: K 19 0, then an instruction (tag 0x44: size 4 at the predicted pc) */
    const char *b = tu_tmp("hseq.trc");
    static const uint8_t not_h[] = {0x85, 0x13, 0x00, 0x44, 0x86, 0x02};
    write_raw(b, 3, not_h, sizeof not_h);
    read_fails(b, "%s: corrupt trace at record 1: an hcall order marker (K 19) not directly "
                  "followed by an hcall record (H); expected K 19 <n> directly before the H "
                  "it orders");
    static const uint8_t at_end[] = {0x85, 0x13, 0x00, 0x86, 0x01};
    write_raw(b, 3, at_end, sizeof at_end);
    read_fails(b, "%s: corrupt trace at record 1: the trace ends after an hcall order marker "
                  "(K 19); expected the hcall record (H) it orders after it");
    write_raw(b, 2, not_h, sizeof not_h);
    ck_assert_int_eq(read_all(b, v, 8, 8, &e), 2);
    /* the writer applies the same rules, at tr_finish too */
    char want[2048];
    tr_rec k = {.kind = TR_MARKER, .word = TR_MARK_HSEQ, .addr = 5};
    tr_rec h = {.kind = TR_HCALL, .word = 8};
    tr_rec i = {.kind = TR_INSN, .size = 4};
    tr_writer *w = tr_writer_create_version(b, NULL, 6, 0, 3, &e);
    ck_assert_int_eq(tr_write(w, &k, &e), 0);
    ck_assert_int_eq(tr_write(w, &i, &e), -1);
    snprintf(want, sizeof want, "%s: record 1: cannot write: an hcall order marker (K 19) not "
             "directly followed by an hcall record (H); expected K 19 <n> directly before the "
             "H it orders", b);
    ck_assert_str_eq(e.msg, want);
    ck_assert_int_eq(tr_write(w, &h, &e), 0);
    ck_assert_int_eq(tr_write(w, &k, &e), 0);
    ck_assert_int_eq(tr_finish(w, &e), -1);
    snprintf(want, sizeof want, "%s: record 3: cannot write: the trace ends after an hcall "
             "order marker (K 19); expected the hcall record (H) it orders after it", b);
    ck_assert_str_eq(e.msg, want);
    w = tr_writer_create_version(b, NULL, 6, 0, 3, &e);
    ck_assert_int_eq(tr_write(w, &k, &e), 0);
    ck_assert_int_eq(tr_write(w, &h, &e), 0);
    ck_assert_int_eq(tr_write(w, &i, &e), 0);
    ck_assert_int_eq(tr_finish(w, &e), 0);
    ck_assert_int_eq(read_all(b, v, 8, 8, &e), 3);
    ck_assert(v[0].kind == TR_MARKER && v[0].word == TR_MARK_HSEQ && v[0].addr == 5 &&
              v[1].kind == TR_HCALL);
}
END_TEST

START_TEST(writer_errors)
{
    const char *p = tu_tmp("w.trc");
    sim_err e = {{0}};
    tr_writer *w = tr_writer_create(p, NULL, 6, &e);
    tr_rec bad = {.kind = TR_LOAD, .size = 0, .addr = 4};
    char want[2048];
    ck_assert_int_eq(tr_write(w, &bad, &e), -1);
    snprintf(want, sizeof want, "%s: record 0: cannot write: size 0 (expected 1..255)", p);
    ck_assert_str_eq(e.msg, want);
    tr_abort(w);
    ck_assert_ptr_null(tr_writer_create(p, "", 0, &e));
    ck_assert_ptr_null(tr_writer_create(tu_tmp("nodir/x.trc"), "", 6, &e));
    snprintf(want, sizeof want, "%s: cannot write: directory %s does not exist",
             tu_tmp("nodir/x.trc"), tu_tmp("nodir"));
    ck_assert_str_eq(e.msg, want);
}
END_TEST

START_TEST(atomic_write)
{
    const char *p = tu_tmp("atomic.trc");
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", p, (long)getpid());
    unlink(p);
    sim_err e = {{0}};
    tr_writer *w = tr_writer_create(p, "x", 6, &e);
    for (int i = 0; i < 6; i++)
        tr_write(w, &hand_recs[i], &e);
    ck_assert(!exists(p) && exists(tmp));
    tr_abort(w);
    ck_assert(!exists(p) && !exists(tmp));
    tr_abort(NULL);
    write_trace(p, hand_recs, 6);
    ck_assert(exists(p) && !exists(tmp));
    /* an abandoned rewrite leaves the old trace intact */
    w = tr_writer_create(p, "y", 6, &e);
    tr_write(w, &hand_recs[0], &e);
    tr_abort(w);
    tr_rec v[8];
    ck_assert_int_eq(read_all(p, v, 8, 8, &e), 6);
    ck_assert(!exists(tmp));
}
END_TEST


/* D14: an access whose bytes wrap past 2^64 is refused everywhere: text
 * (FILE:LINE), binary (record number), writer, importers (FILE:LINE). The
 * last byte at 0xffffffffffffffff is fine. */
START_TEST(wrapping_access_refused)
{
    const char *p = tu_tmp("wrap.txt");
    tu_write_file(p, "#lparsim-trace v1\nL 0x10 8\nL 0xfffffffffffffff0 255\n");
    read_fails(p, "%s:3: an access of 255 bytes at 0xfffffffffffffff0 wraps past the end of "
                  "the 64-bit address space; expected an address at most 0xffffffffffffff01");
    tu_write_file(p, "#lparsim-trace v1\nI 0xfffffffffffffffe 4\n");
    read_fails(p, "%s:2: an access of 4 bytes at 0xfffffffffffffffe wraps past the end of "
                  "the 64-bit address space; expected an address at most 0xfffffffffffffffc");
    tu_write_file(p, "#lparsim-trace v1\nM 0xffffffffffffff01 255\nI 0xfffffffffffffffc 4\n");
    tr_rec v[4];
    sim_err e = {{0}};
    ck_assert_int_eq(read_all(p, v, 4, 4, &e), 2);
    tr_info info;
    ck_assert_msg(tr_summarize(p, &info, &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(info.min_addr, 0xffffffffffffff01ull);
    ck_assert_uint_eq(info.max_addr, UINT64_MAX);
    /* binary: L, size byte 255, delta -16 (zigzag 31), END 1 */
    const char *b = tu_tmp("wrap.trc");
    static const uint8_t wrap_load[] = {0x01, 0xff, 0x1f, 0x86, 0x01};
    write_raw(b, 1, wrap_load, sizeof wrap_load);
    read_fails(b, "%s: corrupt trace at record 0: an access of 255 bytes at 0xfffffffffffffff0 "
                  "wraps past the end of the 64-bit address space; expected an address at "
                  "most 0xffffffffffffff01");
    /* the writer */
    tr_writer *w = tr_writer_create(b, NULL, 6, &e);
    ck_assert_ptr_nonnull(w);
    tr_rec ok = {.kind = TR_STORE, .size = 8, .addr = UINT64_MAX - 7};
    tr_rec bad = {.kind = TR_STORE, .size = 8, .addr = UINT64_MAX - 6};
    ck_assert_int_eq(tr_write(w, &ok, &e), 0);
    ck_assert_int_eq(tr_write(w, &bad, &e), -1);
    char want[2048];
    snprintf(want, sizeof want, "%s: record 1: cannot write: an access of 8 bytes at "
             "0xfffffffffffffff9 wraps past the end of the 64-bit address space; expected "
             "an address at most 0xfffffffffffffff8", b);
    ck_assert_str_eq(e.msg, want);
    tr_abort(w);
    /* the importers name the input line */
    import_fails(TR_FMT_LACKEY, "I  0400,4\n L fffffffffffffff0,255\n",
                 "%s:2: an access of 255 bytes at 0xfffffffffffffff0 wraps past the end of "
                 "the 64-bit address space; expected an address at most 0xffffffffffffff01");
    import_fails(TR_FMT_DRAMSIM3, "0x40 READ 0\n0xffffffffffffffff READ 1\n",
                 "%s:2: an access of 64 bytes at 0xffffffffffffffff wraps past the end of "
                 "the 64-bit address space; expected an address at most 0xffffffffffffffc0");
    import_fails(TR_FMT_QEMU, "I fffffffffffffffe 60000000\nE 1\n",
                 "%s:1: an access of 4 bytes at 0xfffffffffffffffe wraps past the end of "
                 "the 64-bit address space; expected an address at most 0xfffffffffffffffc");
    import_fails(TR_FMT_QEMU, "I 1000 60000000\nL fffffffffffffff9 8\nE 1\n",
                 "%s:2: an access of 8 bytes at 0xfffffffffffffff9 wraps past the end of "
                 "the 64-bit address space; expected an address at most 0xfffffffffffffff8");
    const char *in = tu_tmp("top.d3");
    tu_write_file(in, "0xffffffffffffffc0 WRITE 3\n");
    ck_assert_msg(tr_import(TR_FMT_DRAMSIM3, in, tu_tmp("top.trc"), NULL, &e) == 0, "%s",
                  e.msg);
}
END_TEST

/* D17: an input without a single record is refused, naming the file. */
START_TEST(import_empty_refused)
{
    import_fails(TR_FMT_LACKEY, "", "%s: no records in 0 lines; expected lackey records "
                                    "'I  <hexaddr>,<size>' or ' L|S|M <hexaddr>,<size>'");
    import_fails(TR_FMT_LACKEY, "==42== Lackey\n\n==42== done\n",
                 "%s: no records in 3 lines; expected lackey records "
                 "'I  <hexaddr>,<size>' or ' L|S|M <hexaddr>,<size>'");
    import_fails(TR_FMT_DRAMSIM3, "", "%s: no records in 0 lines; expected DRAMsim3 records "
                                      "'<hexaddr> READ|WRITE <cycle>'");
    import_fails(TR_FMT_DRAMSIM3, "\n  \n", "%s: no records in 2 lines; expected DRAMsim3 "
                                           "records '<hexaddr> READ|WRITE <cycle>'");
}
END_TEST

/* D11: the output may not be the input, however it is spelt. */
START_TEST(import_onto_input_refused)
{
    char in[4200], ln[4200], hard[4200], dots[4200], want[8400];
    snprintf(in, sizeof in, "%s", tu_tmp("self.lackey"));
    snprintf(ln, sizeof ln, "%s", tu_tmp("self-link.lackey"));
    snprintf(hard, sizeof hard, "%s", tu_tmp("self-hard.lackey"));
    snprintf(dots, sizeof dots, "%s", tu_tmp("./self.lackey"));
    tu_write_file(in, "I  0400,4\n");
    unlink(ln);
    unlink(hard);
    ck_assert_int_eq(symlink(in, ln), 0);
    ck_assert_int_eq(link(in, hard), 0);
    const char *outs[] = {in, ln, hard, dots};
    for (int i = 0; i < 4; i++) {
        sim_err e = {{0}};
        ck_assert_int_eq(tr_import(TR_FMT_LACKEY, in, outs[i], NULL, &e), -1);
        snprintf(want, sizeof want, "%s: cannot write: it is the input file %s; expected a "
                 "different output path", outs[i], in);
        ck_assert_str_eq(e.msg, want);
        char *s = tu_read_file(in, NULL);
        ck_assert_str_eq(s, "I  0400,4\n");
        free(s);
    }
}
END_TEST

/* D12, D13: the gzip stream must end exactly at the end of the file, with
 * its 8-byte trailer. */
START_TEST(gzip_trailer_and_trailing_data)
{
    const char *p = tu_tmp("gztail.trc"), *q = tu_tmp("gztail2.trc");
    write_trace(p, hand_recs, 6);
    size_t len;
    char *raw = tu_read_file(p, &len);
    char want[2048];
    /* bytes after the stream: refused with their offset */
    static const char *const tails[] = {"garbage\n", "\n", "\0\0\0\0"};
    static const size_t tlen[] = {8, 1, 4};
    for (int t = 0; t < 3; t++) {
        FILE *f = fopen(q, "wb");
        fwrite(raw, 1, len, f);
        fwrite(tails[t], 1, tlen[t], f);
        fclose(f);
        snprintf(want, sizeof want, "%%s: %zu bytes of trailing data after the gzip stream at "
                 "byte offset %zu; expected the end of the file", tlen[t], len);
        read_fails(q, want);
        tr_info info;
        sim_err e = {{0}};
        ck_assert_int_eq(tr_summarize(q, &info, &e), -1);
    }
    /* the trailer (CRC-32, length) missing or cut: reported as such */
    for (size_t cut = 1; cut <= 8; cut++) {
        FILE *f = fopen(q, "wb");
        fwrite(raw, 1, len - cut, f);
        fclose(f);
        read_fails(q, "%s: truncated trace: the gzip stream ends early after the END record "
                      "of 6 records; expected its 8-byte trailer (CRC-32 and length)");
    }
    /* a second gzip member is still gzip (as gzip reads it): here it holds
     * data after END; and a gzipped text trace in two members reads whole */
    FILE *f = fopen(q, "wb");
    fwrite(raw, 1, len, f);
    fwrite(raw, 1, len, f);
    fclose(f);
    read_fails(q, "%s: corrupt trace at record 6: data after the END record");
    const char *t = tu_tmp("two.txt.gz");
    gzFile g = gzopen(t, "wb");
    gzputs(g, "#lparsim-trace v1\nL 0x10 8\n");
    gzclose(g);
    size_t tl;
    char *a = tu_read_file(t, &tl);
    g = gzopen(q, "wb");
    gzputs(g, "S 0x20 4\n");
    gzclose(g);
    size_t bl;
    char *b = tu_read_file(q, &bl);
    f = fopen(t, "wb");
    fwrite(a, 1, tl, f);
    fwrite(b, 1, bl, f);
    fclose(f);
    tr_rec v[4];
    sim_err e = {{0}};
    ck_assert_int_eq(read_all(t, v, 4, 4, &e), 2);
    ck_assert(v[1].kind == TR_STORE && v[1].addr == 0x20);
    f = fopen(t, "ab");
    fputs("x", f);
    fclose(f);
    snprintf(want, sizeof want, "%%s: 1 bytes of trailing data after the gzip stream at byte "
             "offset %zu; expected the end of the file", tl + bl);
    read_fails(t, want);
    free(a);
    free(b);
    free(raw);
}
END_TEST

/* D2: a link is written through (it stays a link); a device is written in
 * place (it stays a device), and a full one fails. Device nodes come from
 * mknod (root only: skipped otherwise, with a note) and from symbolic links
 * to /dev/full and /dev/null (never written through by the old code). */
static int is_chr(const char *p)
{
    struct stat st;
    return lstat(p, &st) == 0 && S_ISCHR(st.st_mode);
}

static int is_link(const char *p)
{
    struct stat st;
    return lstat(p, &st) == 0 && S_ISLNK(st.st_mode);
}

START_TEST(writer_links_and_devices)
{
    const char *real = tu_tmp("real.trc");
    char ln[4200], tmp[16500]; /* tmp: names from nodes[] below too */
    snprintf(ln, sizeof ln, "%s", tu_tmp("link.trc"));
    unlink(ln);
    tu_write_file(real, "old\n");
    chmod(real, 0640);
    ck_assert_int_eq(symlink("real.trc", ln), 0); /* relative to the link's directory */
    write_trace(ln, hand_recs, 6);
    ck_assert_msg(is_link(ln), "the link was replaced");
    tr_rec v[8];
    sim_err e = {{0}};
    ck_assert_int_eq(read_all(real, v, 8, 8, &e), 6);
    struct stat st;
    ck_assert_int_eq(stat(real, &st), 0);
    ck_assert_uint_eq(st.st_mode & 0777, 0640); /* permissions kept */
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", real, (long)getpid());
    ck_assert(!exists(tmp));
    /* a dangling link creates its target */
    const char *made = tu_tmp("made.trc");
    unlink(made);
    unlink(ln);
    ck_assert_int_eq(symlink(made, ln), 0);
    write_trace(ln, hand_recs, 6);
    ck_assert(is_link(ln) && read_all(made, v, 8, 8, &e) == 6);
    /* devices, through links and as nodes */
    char nodes[4][4000];
    const char *names[4] = {"full-link", "null-link", "full-node", "null-node"};
    for (int i = 0; i < 4; i++) {
        snprintf(nodes[i], sizeof nodes[i], "%s", tu_tmp(names[i]));
        unlink(nodes[i]);
    }
    ck_assert_int_eq(symlink("/dev/full", nodes[0]), 0);
    ck_assert_int_eq(symlink("/dev/null", nodes[1]), 0);
    int have_nodes = mknod(nodes[2], S_IFCHR | 0666, makedev(1, 7)) == 0 &&
                     mknod(nodes[3], S_IFCHR | 0666, makedev(1, 3)) == 0;
    if (!have_nodes)
        fprintf(stderr, "check_trace: writer_links_and_devices: mknod failed (%s), device "
                "nodes tested through links only\n", strerror(errno));
    for (int i = 0; i < (have_nodes ? 4 : 2); i++) {
        int full = i % 2 == 0;
        tr_writer *w = tr_writer_create(nodes[i], "dev", 6, &e);
        ck_assert_msg(w != NULL, "%s: %s", nodes[i], e.msg);
        for (int k = 0; k < 6; k++)
            ck_assert_int_eq(tr_write(w, &hand_recs[k], &e), 0);
        int rc = tr_finish(w, &e);
        if (full) {
            char want[16500];
            snprintf(want, sizeof want, "%s: cannot write: No space left on device", nodes[i]);
            ck_assert_msg(rc == -1, "%s: writing to a full device succeeded", nodes[i]);
            ck_assert_str_eq(e.msg, want);
        } else {
            ck_assert_msg(rc == 0, "%s: %s", nodes[i], e.msg);
        }
        ck_assert_msg(i < 2 ? is_link(nodes[i]) : is_chr(nodes[i]), "%s was replaced",
                      nodes[i]);
        snprintf(tmp, sizeof tmp, "%s.%ld.tmp", nodes[i], (long)getpid());
        ck_assert(!exists(tmp));
    }
    ck_assert(is_chr("/dev/full") && is_chr("/dev/null"));
    /* a pipe through /proc's magic link (as /dev/stdout on a pipe): in place */
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    char pp[64];
    snprintf(pp, sizeof pp, "/proc/self/fd/%d", fds[1]);
    write_trace(pp, hand_recs, 6); /* a few dozen bytes: fits in the pipe */
    close(fds[1]);
    unsigned char buf[256];
    ssize_t got = read(fds[0], buf, sizeof buf);
    close(fds[0]);
    ck_assert_msg(got > 20 && buf[0] == 0x1f && buf[1] == 0x8b, "no gzip data in the pipe");
    /* a directory is refused */
    ck_assert_ptr_null(tr_writer_create(tu_tmp(""), "", 6, &e));
    ck_assert_ptr_nonnull(strstr(e.msg, "cannot write"));
}
END_TEST

/* ---- never crash ---- */

static void check_any(const char *path)
{
    sim_err e = {{0}};
    tr_rec v[300];
    tr_reader *r = tr_open(path, &e);
    if (!r) {
        ck_assert(strncmp(e.msg, path, strlen(path)) == 0);
        return;
    }
    long k;
    while ((k = tr_read(r, v, 300, &e)) > 0)
        for (long i = 0; i < k; i++) {
            ck_assert_uint_lt(v[i].kind, TR_KIND_COUNT);
            ck_assert(v[i].kind > TR_MODIFY || v[i].size >= 1);
            ck_assert_uint_le(v[i].nargs, TR_MAX_ARGS);
        }
    if (k < 0)
        ck_assert(strncmp(e.msg, path, strlen(path)) == 0);
    tr_close(r);
}

START_TEST(fuzz_no_crash)
{
    enum { N = 2000 };
    tr_rec *v = malloc(N * sizeof *v);
    size_t n = make_recs(v, N);
    const char *p = tu_tmp("fz.trc"), *q = tu_tmp("fz2.trc");
    write_trace(p, v, n);
    free(v);
    size_t zlen, plen = 0;
    char *z = tu_read_file(p, &zlen);
    static uint8_t pl[1 << 16];
    gzFile g = gzopen(p, "rb");
    plen = (size_t)gzread(g, pl, sizeof pl);
    gzclose(g);
    ck_assert_uint_gt(plen, 1000);
    static uint8_t m[1 << 16];
    uint64_t s = 7;
    for (int it = 0; it < 800; it++) {
        int mode = it % 4;
        uint64_t x = lcg(&s);
        if (mode < 2) { /* mutate the decompressed bytes, recompress */
            size_t len = plen;
            memcpy(m, pl, plen);
            if (mode == 0)
                len = x % plen;
            else
                for (int k = 0; k < 1 + (int)(x % 3); k++)
                    m[lcg(&s) % plen] ^= (uint8_t)(1 + lcg(&s) % 255);
            gzFile o = gzopen(q, "wb1");
            gzwrite(o, m, (unsigned)len);
            gzclose(o);
        } else { /* mutate the compressed file */
            memcpy(m, z, zlen);
            size_t len = zlen;
            if (mode == 2)
                m[x % zlen] ^= (uint8_t)(1 + (x >> 20) % 255);
            else
                len = x % zlen;
            FILE *f = fopen(q, "wb");
            fwrite(m, 1, len, f);
            fclose(f);
        }
        check_any(q);
    }
    free(z);
}
END_TEST

START_TEST(header_code_byte_order)
{
    sim_err e;
    const char *p = tu_tmp("le.trc");
    tr_writer *w = tr_writer_create_flags(p, "le", 6, TRH_CODE_LE, &e);
    ck_assert_msg(w != NULL, "%s", e.msg);
    tr_rec r = {.kind = TR_INSN, .size = 4, .flags = TRF_WORD, .word = 0x4e800020, .addr = 0x1000};
    ck_assert_int_eq(tr_write(w, &r, &e), 0);
    ck_assert_int_eq(tr_finish(w, &e), 0);
    tr_reader *rd = tr_open(p, &e);
    ck_assert_msg(rd != NULL, "%s", e.msg);
    ck_assert_uint_eq(tr_flags(rd), TRH_CODE_LE);
    tr_close(rd);
    tr_info info;
    ck_assert_int_eq(tr_summarize(p, &info, &e), 0);
    ck_assert_uint_eq(info.flags, TRH_CODE_LE);
    /* both orders, or an unknown bit: refused by the writer */
    ck_assert_ptr_null(tr_writer_create_flags(tu_tmp("x.trc"), "", 6, 3, &e));
    ck_assert_ptr_nonnull(strstr(e.msg, "at most one"));
    ck_assert_ptr_null(tr_writer_create_flags(tu_tmp("x.trc"), "", 6, 4, &e));
    /* and by the reader: a header with flags 0x4 */
    const char *q = tu_tmp("badflags.trc");
    gzFile g = gzopen(q, "wb");
    ck_assert_ptr_nonnull(g);
    unsigned char h[16] = {'L', 'P', 'S', 'I', 'M', 'T', 'R', 'C', 1, 0, 4, 0, 0, 0, 0, 0};
    gzwrite(g, h, sizeof h);
    gzclose(g);
    ck_assert_ptr_null(tr_open(q, &e));
    ck_assert_ptr_nonnull(strstr(e.msg, "unsupported trace flags 0x4"));
}
END_TEST

static Suite *trace_suite(void)
{
    Suite *s = suite_create("trace");
    TCase *t = tcase_create("round_trip");
    tcase_add_test(t, binary_round_trip);
    tcase_add_test(t, header_code_byte_order);
    tcase_add_test(t, binary_hand_encoding);
    tcase_add_test(t, text_round_trip);
    tcase_add_test(t, text_sample_and_rewind);
    tcase_add_test(t, binary_rewind);
    tcase_set_timeout(t, 60);
    suite_add_tcase(s, t);
    t = tcase_create("summary_import");
    tcase_add_test(t, info_tiny_lackey);
    tcase_add_test(t, import_dramsim3);
    tcase_add_test(t, import_errors);
    suite_add_tcase(s, t);
    t = tcase_create("errors");
    tcase_add_test(t, open_errors);
    tcase_add_test(t, binary_errors);
    tcase_add_test(t, gzip_errors);
    tcase_add_test(t, text_errors);
    tcase_add_test(t, writer_errors);
    tcase_add_test(t, version3_records);
    tcase_add_test(t, hseq_marker);
    tcase_add_test(t, atomic_write);
    tcase_add_test(t, wrapping_access_refused);
    tcase_add_test(t, import_empty_refused);
    tcase_add_test(t, import_onto_input_refused);
    tcase_add_test(t, gzip_trailer_and_trailing_data);
    tcase_add_test(t, writer_links_and_devices);
    suite_add_tcase(s, t);
    t = tcase_create("robustness");
    tcase_add_test(t, fuzz_no_crash);
    tcase_set_timeout(t, 120);
    suite_add_tcase(s, t);
    return s;
}


int main(void)
{
    return tu_run_suite(trace_suite());
}
