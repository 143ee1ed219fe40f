/*
 * check_trace_qemu.c - `tr_import(TR_FMT_QEMU, ...)`: both dialects of a
 * QEMU execution log (lparsim's plugin log and QEMU's own
 * -d in_asm,exec,nochain log) become instruction records with their words
 * and, from the plugin log, loads and stores; bad input (garbage lines, an
 * executed pc without a word, a truncated log) fails with one message
 * naming file and line, and leaves no output file behind.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/trace.h"
#include "testutil.h"

static int exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

static long read_all(const char *path, tr_rec *v, size_t cap)
{
    sim_err e = {{0}};
    tr_reader *r = tr_open(path, &e);
    ck_assert_msg(r != NULL, "%s", e.msg);
    long k = 0, m;
    while ((m = tr_read(r, v + k, cap - (size_t)k, &e)) > 0)
        k += m;
    ck_assert_msg(m == 0, "%s", e.msg);
    tr_close(r);
    return k;
}

static void is_insn(const tr_rec *r, uint64_t pc, uint32_t word)
{
    ck_assert_uint_eq(r->kind, TR_INSN);
    ck_assert_uint_eq(r->addr, pc);
    ck_assert_uint_eq(r->size, 4);
    ck_assert_uint_eq(r->flags, TRF_WORD);
    ck_assert_uint_eq(r->word, word);
}

START_TEST(plugin_log)
{
    const char *out = tu_tmp("plugin.trc");
    sim_err e = {{0}};
    uint64_t n = 0;
    ck_assert_msg(tr_import(TR_FMT_QEMU, tu_src("tests/data/qemu/plugin.log"), out, &n, &e) == 0,
                  "%s", e.msg);
    ck_assert_uint_eq(n, 7);
    tr_rec v[16];
    ck_assert_int_eq(read_all(out, v, 16), 7);
    is_insn(&v[0], 0x10000100, 0x3c40100e);
    is_insn(&v[1], 0x10000104, 0xe9230008);
    ck_assert(v[2].kind == TR_LOAD && v[2].addr == 0x7fff0008 && v[2].size == 8);
    is_insn(&v[3], 0x10000108, 0xf8410018);
    ck_assert(v[4].kind == TR_STORE && v[4].addr == 0x7fff0018 && v[4].size == 8);
    is_insn(&v[5], 0x1000010c, 0x4e800020); /* blr: opcode 19 in the top 6 bits */
    ck_assert_uint_eq(v[5].word >> 26, 19);
    ck_assert(v[6].kind == TR_STORE && v[6].addr == 0x20000000 && v[6].size == 16);
}
END_TEST

START_TEST(lpsys_log)
{
    const char *out = tu_tmp("lpsys.trc");
    sim_err e = {{0}};
    uint64_t n = 0;
    ck_assert_msg(tr_import(TR_FMT_QEMU, tu_src("tests/data/qemu/lpsys.log"), out, &n, &e) == 0,
                  "%s", e.msg);
    ck_assert_uint_eq(n, 10);
    tr_rec v[16];
    ck_assert_int_eq(read_all(out, v, 16), 10);
    is_insn(&v[0], 0x10000ae0, 0x68004c53);
    is_insn(&v[1], 0xc0000000000e1584, 0xe9410070);
    /* the real address is checked, not kept */
    ck_assert(v[2].kind == TR_LOAD && v[2].addr == 0xc000000003e736c0 && v[2].size == 8);
    is_insn(&v[3], 0xc0000000000e1588, 0x44000022);
    ck_assert(v[4].kind == TR_HCALL && v[4].word == 0x124 && v[4].nargs == 0);
    ck_assert(v[6].kind == TR_STORE && v[6].addr == 0xc00000000ab40000 && v[6].size == 4);
    is_insn(&v[7], 0xc0000000000e13dc, 0x44000022);
    ck_assert(v[8].kind == TR_HCALL && v[8].word == 8 && v[8].nargs == 4);
    ck_assert_uint_eq(v[8].args[0], 0);
    ck_assert_uint_eq(v[8].args[1], 0x7f);
    ck_assert_uint_eq(v[8].args[2], 0x4001234500000001ull);
    ck_assert_uint_eq(v[8].args[3], 0x1ab0000193ull);
}
END_TEST

/* hcall arguments and returns (format version 3): the prologue before the
 * first instruction, R lines after H lines, 8 arguments */
START_TEST(lpsys_returns)
{
    const char *out = tu_tmp("lpsys-ret.trc");
    sim_err e = {{0}};
    uint64_t n = 0;
    ck_assert_msg(tr_import(TR_FMT_QEMU, tu_src("tests/data/qemu/lpsys-ret.log"), out, &n,
                            &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(n, 19);
    tr_rec v[20];
    ck_assert_int_eq(read_all(out, v, 20), 19);
    /* the prologue's SLB load */
    ck_assert(v[4].kind == TR_MARKER && v[4].word == TR_MARK_SLBMTE && v[4].nargs == 1);
    memmove(v + 4, v + 5, 14 * sizeof *v); /* the window as before */
    tr_reader *r = tr_open(out, &e);
    ck_assert_uint_eq(tr_version(r), 3);
    tr_close(r);
    ck_assert(v[0].kind == TR_HCALL && v[0].word == 8 && v[0].nargs == 4);
    ck_assert(v[1].kind == TR_HRET && tr_hret_rc(&v[1]) == 0 && v[1].nargs == 1 &&
              v[1].args[0] == 0x7c);
    ck_assert(v[3].kind == TR_HRET && v[3].nargs == 2 && v[3].args[1] == 0x1ab0000193ull);
    is_insn(&v[4], 0x10000ae0, 0x68004c53);
    is_insn(&v[9], 0xc000000000031234, 0x7d003324); /* slbmte r8,r6 */
    ck_assert(v[10].kind == TR_MARKER && v[10].word == TR_MARK_SLBMTE &&
              v[10].addr == 0xc000000008000001ull && v[10].nargs == 1 &&
              v[10].args[0] == 0x4000123456000510ull);
    ck_assert(v[12].kind == TR_HCALL && v[12].word == 0x124 && v[12].nargs == 8 &&
              v[12].args[0] == 0x4000000000000080ull && v[12].args[2] == 0xc000000000000000ull);
    ck_assert(v[13].kind == TR_HRET && v[13].nargs == 8 &&
              v[13].args[0] == 0x8000000000000080ull);
    ck_assert(v[17].kind == TR_HRET && tr_hret_rc(&v[17]) == -7 && v[17].nargs == 0);
    /* `lparsim trace info`'s summary: the version and the new kinds */
    tr_info info;
    ck_assert_msg(tr_summarize(out, &info, &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(info.version, 3);
    ck_assert_uint_eq(info.by_kind[TR_HRET], 5);
    ck_assert_uint_eq(info.by_kind[TR_HCALL], 5);
    ck_assert_uint_eq(info.by_kind[TR_MARKER], 2);
}
END_TEST

START_TEST(qemu_d_log)
{
    const char *out = tu_tmp("dlog.trc");
    sim_err e = {{0}};
    uint64_t n = 0;
    ck_assert_msg(tr_import(TR_FMT_QEMU, tu_src("tests/data/qemu/dlog.log"), out, &n, &e) == 0,
                  "%s", e.msg);
    /* blocks run: 0x100 (1 insn), 0x200 (2), 0x100 (1); the last 0x200 was
     * announced but stopped before it started */
    ck_assert_uint_eq(n, 4);
    tr_rec v[8];
    ck_assert_int_eq(read_all(out, v, 8), 4);
    is_insn(&v[0], 0x10000100, 0x3c40100e);
    is_insn(&v[1], 0x10000200, 0x38600001);
    is_insn(&v[2], 0x10000204, 0x4e800020);
    is_insn(&v[3], 0x10000100, 0x3c40100e);
}
END_TEST

static void fails(const char *text, const char *expect_fmt)
{
    const char *in = tu_tmp("bad.log"), *out = tu_tmp("bad.trc");
    char tmp[4200], want[2048];
    ck_assert_int_eq(tu_write_file(in, text), 0);
    unlink(out);
    sim_err e = {{0}};
    uint64_t n = 99;
    ck_assert_int_eq(tr_import(TR_FMT_QEMU, in, out, &n, &e), -1);
    snprintf(want, sizeof want, expect_fmt, in);
    ck_assert_str_eq(e.msg, want);
    ck_assert(strchr(e.msg, '\n') == NULL);
    ck_assert_uint_eq(n, 0);
    snprintf(tmp, sizeof tmp, "%s.tmp", out);
    ck_assert(!exists(out) && !exists(tmp));
}

#define PLUGIN_EXPECT "expected a plugin log line 'I <pc> <word>', 'L|S <addr> <size> " \
                      "[<real addr>|-]' (size 1..255), 'H <num> [<arg>...]', 'R <rc> " \
                      "[<val>...]', 'K <id> <value> [<arg>...]' or 'E <count>', got "
#define DLOG_EXPECT "expected a QEMU -d in_asm,exec log line ('IN:', '0x<pc>:  " \
                    "<8-digit word> ...', 'Trace ...'), got "
#define TRACE_LINE(pc) "Trace 0: 0x7f00 [0000000000000000/" pc "/02806105/00000201] f\n"

START_TEST(garbage_lines)
{
    fails("I 100 3c40100e\nhello world\nE 1\n", "%s:2: " PLUGIN_EXPECT "'hello world'");
    fails("I 100 3c40100e\nL 10 0\nE 1\n", "%s:2: " PLUGIN_EXPECT "'L 10 0'");
    fails("I 100 3c40100e\nS 10 256\nE 1\n", "%s:2: " PLUGIN_EXPECT "'S 10 256'");
    fails("I 100 13c40100e\nE 1\n", "%s:1: " PLUGIN_EXPECT "'I 100 13c40100e'");
    fails("I zz 3c40100e\nE 1\n", "%s:1: " PLUGIN_EXPECT "'I zz 3c40100e'");
    fails("L 10 8\nI 100 3c40100e\nE 1\n", "%s:1: data access before any instruction");
    fails("IN: f\n0x100:  3c40100  lis r2, 0\n", "%s:2: " DLOG_EXPECT "'0x100:  3c40100  lis r2, 0'");
    fails("IN: f\n0x100:  3c40100e  lis\n\nTrace 0: garbage\n",
          "%s:4: " DLOG_EXPECT "'Trace 0: garbage'");
    fails("IN: f\n0x100:  3c40100e  lis\n\nI 100 3c40100e\n",
          "%s:4: mixes the plugin log ('I <pc> <word>' lines) with QEMU's -d log "
          "('Trace' lines); expected one of them");
    fails("IN: f\n0x100:  3c40100e  lis\n0x108:  3c40100e  lis\n",
          "%s:3: in_asm block is not contiguous: pc 0x108 after 0x100");
}
END_TEST

#define SC1 "I c0000000000e13dc 44000022\n"
#define NOT_AFTER_SC "hcall line 'H <num> ...' not right after an sc 1 ('I <pc> 44000022') " \
                     "nor before the first instruction; expected one H line per sc 1"
#define NOT_AFTER_H "hcall return line 'R <rc> ...' not right after an hcall line 'H <num> " \
                    "...'; expected at most one R line per H"

/* the system-mode additions: real addresses and hcall lines */
START_TEST(lpsys_bad)
{
    fails("I 100 3c40100e\nL 10 8 zz\nE 1\n", "%s:2: " PLUGIN_EXPECT "'L 10 8 zz'");
    fails("I 100 3c40100e\nL 10 8 -5\nE 1\n", "%s:2: " PLUGIN_EXPECT "'L 10 8 -5'");
    fails("I 100 3c40100e\nS 10 8 20 30\nE 1\n", "%s:2: " PLUGIN_EXPECT "'S 10 8 20 30'");
    fails(SC1 "H\nE 1\n", "%s:2: " PLUGIN_EXPECT "'H'");
    fails(SC1 "H 8x\nE 1\n", "%s:2: " PLUGIN_EXPECT "'H 8x'");
    fails(SC1 "H 100000000\nE 1\n", "%s:2: " PLUGIN_EXPECT "'H 100000000'");
    fails(SC1 "H 8 1 zz\nE 1\n", "%s:2: " PLUGIN_EXPECT "'H 8 1 zz'");
    fails(SC1 "H 8 1 2 3 4 5 6 7 8 9 a\nE 1\n",
          "%s:2: hcall line has more than 9 values; a native hcall record holds at most 9");
    fails(SC1 "H 8\nR 0 1 2 3 4 5 6 7 8 9 a\nE 1\n",
          "%s:3: hcall return line has more than 9 values; a native return record holds at "
          "most 9");
    fails(SC1 "H 8\nR x\nE 1\n", "%s:3: " PLUGIN_EXPECT "'R x'");
    fails(SC1 "H 8\nR -2147483649\nE 1\n", "%s:3: " PLUGIN_EXPECT "'R -2147483649'");
    fails(SC1 "H 8\nR 2147483648\nE 1\n", "%s:3: " PLUGIN_EXPECT "'R 2147483648'");
    fails(SC1 "R 0\nE 1\n", "%s:2: " NOT_AFTER_H);
    fails(SC1 "H 8\nR 0\nR 0\nE 1\n", "%s:4: " NOT_AFTER_H);
    fails("R 0\nI 100 3c40100e\nE 1\n", "%s:1: " NOT_AFTER_H);
    /* SLB markers */
    fails("I 100 3c40100e\nK 4 1\nE 1\n", "%s:2: marker line 'K 4 ...': expected an SLB "
          "marker (16 slbie, 17 slbia, 18 slbmte) or an hcall order (19)");
    /* hcall order markers: K 19 <n> directly before its H line */
    fails(SC1 "K 19 0\nI 104 3c40100e\nE 2\n", "%s:3: an hcall order line 'K 19 <n>' "
          "(line 2) not directly followed by an hcall line 'H <num> ...'; expected K 19 right "
          "before the H it orders");
    fails(SC1 "K 19 0 5\nH 8\nE 1\n", "%s:2: hcall order marker 'K 19 <n>' with 1 "
          "arguments; expected none");
    fails(SC1 "H 8\nK 19 0\n", "%s:3: the log ends after an hcall order line 'K 19 <n>' "
          "(line 3); expected the H line it orders after it");
    fails("I 100 3c40100e\nK 18 8000000\nE 1\n", "%s:2: slbmte marker 'K 18 <rb> <rs>' with 0 "
          "arguments; expected one (RS)");
    fails("I 100 3c40100e\nK 18\nE 1\n", "%s:2: " PLUGIN_EXPECT "'K 18'");
    fails("I 100 3c40100e\nK x 1 2\nE 1\n", "%s:2: " PLUGIN_EXPECT "'K x 1 2'");
    fails("I 100 3c40100e\nH 8\nE 1\n", "%s:2: " NOT_AFTER_SC);
    fails(SC1 "H 8\nH 8\nE 1\n", "%s:3: " NOT_AFTER_SC);
    fails(SC1 "L 10 8 10\nH 8\nE 1\n", "%s:3: " NOT_AFTER_SC);
    /* a cut recording: the last sc 1's H line and the end line missing */
    fails("I 10000ae0 68004c53\n" SC1 "H 124\n" SC1,
          "%s:4: truncated log: no end line 'E <count>' (was QEMU or the program killed?)");
}
END_TEST

START_TEST(missing_word)
{
    fails("IN: f\n0x100:  3c40100e  lis\n\n" TRACE_LINE("0000000000000100")
          TRACE_LINE("0000000000000200"),
          "%s:5: executed pc 0x200 has no instruction word; expected its in_asm lines "
          "earlier (record with -d in_asm,exec,nochain)");
}
END_TEST

START_TEST(truncated)
{
    fails("I 100 3c40100e\nI 104 3c40100e\n",
          "%s:2: truncated log: no end line 'E <count>' (was QEMU or the program killed?)");
    fails("I 100 3c40100e\nI 104 3c40100e\nE 3\n",
          "%s:3: the log ends with 'E 3' but holds 2 instructions");
    fails("I 100 3c40100e\nE 1\nI 104 3c40100e\n",
          "%s:3: data after the end line 'E <count>'");
    fails("IN: f\n0x100:  3c40100e  lis\n\n" "Trace 0: 0x7f00 [0000000000000000/0000000000000100",
          "%s:4: truncated log: the last line has no newline");
    fails("I 100 3c40100e\nE 1", "%s:2: truncated log: the last line has no newline");
    fails("", "%s: empty log: no instructions; expected a QEMU plugin log or a -d "
              "in_asm,exec,nochain log");
    fails("# only a comment\n\n", "%s: empty log: no instructions; expected a QEMU plugin "
                                  "log or a -d in_asm,exec,nochain log");
}
END_TEST

/* hcall order markers: K 19 <n> before its H line, in the prologue and
 * between an sc 1 and its H */
START_TEST(lpsys_hseq)
{
    const char *in = tu_tmp("hseq.log"), *out = tu_tmp("hseq.trc");
    ck_assert_int_eq(tu_write_file(in, "K 19 0\nH 8 0 7f\nR 0 7c\n"
                                       "I c0000000000e13dc 44000022\nK 19 3\nH 8 0 7f\n"
                                       "R 0 7d\nI c0000000000e13e0 60000000\nE 2\n"), 0);
    sim_err e = {{0}};
    uint64_t n = 0;
    ck_assert_msg(tr_import(TR_FMT_QEMU, in, out, &n, &e) == 0, "%s", e.msg);
    ck_assert_uint_eq(n, 8);
    tr_rec v[8];
    ck_assert_int_eq(read_all(out, v, 8), 8);
    ck_assert(v[0].kind == TR_MARKER && v[0].word == TR_MARK_HSEQ && v[0].addr == 0 &&
              v[0].nargs == 0);
    ck_assert(v[1].kind == TR_HCALL && v[1].word == 8);
    ck_assert(v[4].kind == TR_MARKER && v[4].word == TR_MARK_HSEQ && v[4].addr == 3);
    ck_assert(v[5].kind == TR_HCALL && v[6].kind == TR_HRET && v[6].args[0] == 0x7d);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("trace_qemu");
    TCase *ok = tcase_create("import");
    tcase_add_test(ok, plugin_log);
    tcase_add_test(ok, lpsys_log);
    tcase_add_test(ok, lpsys_returns);
    tcase_add_test(ok, lpsys_hseq);
    tcase_add_test(ok, qemu_d_log);
    suite_add_tcase(s, ok);
    TCase *bad = tcase_create("bad_input");
    tcase_add_test(bad, garbage_lines);
    tcase_add_test(bad, lpsys_bad);
    tcase_add_test(bad, missing_word);
    tcase_add_test(bad, truncated);
    suite_add_tcase(s, bad);
    return tu_run_suite(s);
}
