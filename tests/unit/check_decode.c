/*
 * check_decode.c - the instruction-word decoder (sim/cpu/decode.h): the
 * class of real POWER8/POWER9 instruction words, including every word the
 * issue lists as missing from Capstone 4, which path classified each, the
 * word cache, the statistics and the per-class cycles.
 *
 * Every word below was encoded by hand from the Power ISA 3.0 fields (the
 * computation is in the comment: PO = primary opcode << 26, registers at
 * IBM bits 6-10 (<< 21), 11-15 (<< 16), 16-20 (<< 11), XO at bits 21-30
 * (<< 1)) and cross-checked with GNU as -mpower9 (binutils 2.40).
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "cpu/decode.h"
#include "testutil.h"

typedef struct wcase {
    uint32_t word;
    ppc_class cls;
    int capstone_misses; /* 1: Capstone 4.0.2 cannot decode it (fallback path) */
    const char *text;
} wcase;

static const wcase words[] = {
    /* D / DS forms */
    {0x81230008, PPC_LOAD, 0, "lwz r9,8(r3): PO 32 0x80000000 | RT 9 0x01200000 | RA 3 0x30000 | 8"},
    {0x91230008, PPC_STORE, 0, "stw r9,8(r3): PO 36 0x90000000 | 0x01200000 | 0x30000 | 8"},
    {0xE8610010, PPC_LOAD, 0, "ld r3,16(r1): PO 58 0xE8000000 | 0x00600000 | 0x10000 | DS 16, XO 0"},
    {0xFBE1FFF8, PPC_STORE, 0, "std r31,-8(r1): PO 62 0xF8000000 | 0x03E00000 | 0x10000 | 0xFFF8"},
    {0xF821FFD1, PPC_STORE, 0, "stdu r1,-48(r1): PO 62 | 0x00200000 | 0x10000 | 0xFFD0 | XO 1"},
    {0xC8230008, PPC_LOAD, 0, "lfd f1,8(r3): PO 50 0xC8000000 | 0x00200000 | 0x30000 | 8"},
    {0x38630001, PPC_INTEGER, 0, "addi r3,r3,1: PO 14 0x38000000 | 0x00600000 | 0x30000 | 1"},
    {0x38600001, PPC_INTEGER, 0, "li r3,1 (addi r3,0,1): Capstone says li, not a load"},
    {0x2C230000, PPC_INTEGER, 0, "cmpdi r3,0: PO 11 0x2C000000 | L 0x00200000 | RA 3 0x30000"},
    {0x78830020, PPC_INTEGER, 0, "clrldi r3,r4,32: PO 30 | RS 4 0x00800000 | RA 3 | mb5 0x20"},
    {0x60000000, PPC_INTEGER, 0, "nop: ori 0,0,0"},
    /* X / XO forms, PO 31 = 0x7C000000 */
    {0x7C0802A6, PPC_OTHER, 0, "mflr r0: spr 8 at bits 11-15 0x80000 | XO 339 0x2A6"},
    {0x7D2903A6, PPC_OTHER, 0, "mtctr r9: RS 9 0x01200000 | spr 9 0x90000 | XO 467 0x3A6"},
    {0x7C642A14, PPC_INTEGER, 0, "add r3,r4,r5: 0x00600000 | 0x40000 | 0x2800 | XO 266 0x214"},
    {0x7C64289E, PPC_INTEGER, 0, "isel r3,r4,r5,2: 0x2800 | BC 2 0x80 | XO5 15 0x1E"},
    {0x7C6321D6, PPC_MULDIV, 0, "mullw r3,r3,r4: RB 4 0x2000 | XO 235 0x1D6"},
    {0x7C6321D2, PPC_MULDIV, 0, "mulld r3,r3,r4: XO 233 0x1D2"},
    {0x7C6323D2, PPC_MULDIV, 0, "divd r3,r3,r4: XO 489 0x3D2"},
    {0x7C642B92, PPC_MULDIV, 0, "divdu r3,r4,r5: 0x2800 | XO 457 0x392"},
    {0x7C600026, PPC_OTHER, 0, "mfcr r3: XO 19 0x26"},
    {0x7C001FEC, PPC_OTHER, 0, "dcbz 0,r3: RB 3 0x1800 | XO 1014 0x7EC"},
    {0x7C60212D, PPC_STORE, 0, "stwcx. r3,0,r4: XO 150 0x12C | Rc 1"},
    {0x7C001E98, PPC_LOAD, 0, "lxvd2x vs0,0,r3: 0x1800 | XO 844 0x698"},
    {0x7C001F98, PPC_STORE, 0, "stxvd2x vs0,0,r3: 0x1800 | XO 972 0x798"},
    {0x7C4018CE, PPC_LOAD, 0, "lvx v2,0,r3: VRT 2 0x00400000 | 0x1800 | XO 103 0xCE"},
    /* barriers */
    {0x7C0004AC, PPC_BARRIER, 0, "sync (hwsync): XO 598 0x4AC, L 0"},
    {0x7C2004AC, PPC_BARRIER, 0, "lwsync: L 1 0x00200000"},
    {0x7C4004AC, PPC_BARRIER, 0, "ptesync: L 2 0x00400000"},
    {0x4C00012C, PPC_BARRIER, 0, "isync: PO 19 0x4C000000 | XO 150 0x12C"},
    {0x7C0006AC, PPC_BARRIER, 0, "eieio: XO 854 0x6AC"},
    /* TLB / SLB */
    {0x7C001A24, PPC_TLB, 0, "tlbiel r3: 0x1800 | XO 274 0x224"},
    {0x7C801A64, PPC_TLB, 0, "tlbie r3,r4: RS 4 0x00800000 | 0x1800 | XO 306 0x264"},
    {0x7C001B64, PPC_TLB, 0, "slbie r3: 0x1800 | XO 434 0x364"},
    {0x7C602324, PPC_TLB, 0, "slbmte r3,r4: RS 3 0x00600000 | RB 4 0x2000 | XO 402 0x324"},
    {0x7C00046C, PPC_TLB, 0, "tlbsync: XO 566 0x46C"},
    /* system call / hypervisor call */
    {0x44000002, PPC_SYSCALL, 0, "sc: PO 17 0x44000000 | bit 30 0x2"},
    {0x44000022, PPC_SYSCALL, 0, "sc 1: LEV 1 at bits 20-26 0x20"},
    /* branches */
    {0x4E800020, PPC_BRANCH, 0, "blr: PO 19 | BO 20 0x02800000 | XO 16 0x20"},
    {0x48000101, PPC_BRANCH, 0, "bl .+0x100: PO 18 0x48000000 | LI 0x100 | LK 1"},
    {0x4E800421, PPC_BRANCH, 0, "bctrl: PO 19 | BO 20 | XO 528 0x420 | LK 1"},
    /* FP, vector */
    {0xFC21102A, PPC_FLOAT, 0, "fadd f1,f1,f2: PO 63 0xFC000000 | 0x00200000 | 0x10000 | FRB 2 "
                               "0x1000 | XO5 21 0x2A"},
    {0xFC2100B2, PPC_FLOAT, 0, "fmul f1,f1,f2: FRC 2 at bits 21-25 0x80 | XO5 25 0x32"},
    {0x10432000, PPC_VECTOR, 0, "vaddubm v2,v3,v4: PO 4 0x10000000 | 0x00400000 | 0x30000 | "
                                "0x2000 | XO 0"},
    {0xF0010C90, PPC_VECTOR, 0, "xxlor vs0,vs1,vs1: PO 60 0xF0000000 | A 1 0x10000 | B 1 0x800 | "
                                "XO 146 at bits 21-28 0x490"},
    /* ---- the words Capstone 4.0.2 misses (issue 4) ---- */
    {0x7C602029, PPC_LOAD, 1, "lwarx r3,0,r4,1: RT 3 | RB 4 0x2000 | XO 20 0x28 | EH 1"},
    {0x7C6020A9, PPC_LOAD, 1, "ldarx r3,0,r4,1: XO 84 0xA8 | EH 1"},
    {0xF4030011, PPC_LOAD, 1, "lxv vs0,16(r3): PO 61 0xF4000000 | RA 3 0x30000 | DQ 16 0x10 | "
                              "XO 1"},
    {0xF4030015, PPC_STORE, 1, "stxv vs0,16(r3): DQ-form XO 5"},
    {0x7C001A18, PPC_LOAD, 1, "lxvx vs0,0,r3: 0x1800 | XO 268 0x218"},
    {0x7C001B18, PPC_STORE, 1, "stxvx vs0,0,r3: 0x1800 | XO 396 0x318"},
    {0x7C030166, PPC_VECTOR, 1, "mtvsrd vs0,r3: RA 3 0x30000 | XO 179 0x166"},
    {0x7C030167, PPC_VECTOR, 1, "mtvsrd vs32,r3: TX 1"},
    {0x7C0301A6, PPC_VECTOR, 1, "mtvsrwa vs0,r3: XO 211 0x1A6"},
    {0x7C0301E6, PPC_VECTOR, 1, "mtvsrwz vs0,r3: XO 243 0x1E6"},
    {0x7C030066, PPC_VECTOR, 1, "mfvsrd r3,vs0: RA 3 0x30000 | XO 51 0x66"},
    {0x1043278C, PPC_VECTOR, 1, "vmrgew v2,v3,v4: PO 4 | 0x00400000 | 0x30000 | 0x2000 | VX XO "
                                "1932 0x78C"},
    /* more ISA 3.0 words Capstone 4 misses */
    {0x7C642E16, PPC_MULDIV, 1, "modsw r3,r4,r5: 0x2800 | XO 779 0x616"},
    {0x7C642E14, PPC_INTEGER, 1, "addo r3,r4,r5: OE 1 -> XO 778 0x614"},
    {0x106429B3, PPC_MULDIV, 1, "maddld r3,r4,r5,r6: PO 4 | RC 6 at bits 21-25 0x180 | VA XO 51"},
    {0xFC432008, PPC_VECTOR, 1, "xsaddqp v2,v3,v4: PO 63 | XO 4 0x8"},
    {0xEC432004, PPC_FLOAT, 1, "dadd f2,f3,f4: PO 59 0xEC000000 | XO 2 0x4"},
    {0x7C6105E6, PPC_INTEGER, 1, "darn r3,1: L 1 at bits 14-15 0x10000 | XO 755 0x5E6"},
    {0x4C600004, PPC_INTEGER, 1, "addpcis r3,0 (lnia): PO 19 | DX XO 2 at bits 26-30 0x4"},
    {0xF00002D0, PPC_VECTOR, 1, "xxspltib vs0,0: PO 60 | XO 360 0x2D0"},
    {0x44000001, PPC_SYSCALL, 1, "scv 0: PO 17 | bits 30-31 = 01"},
};
#define NWORDS (sizeof words / sizeof words[0])

START_TEST(class_of_each_word)
{
    sim_err e;
    ppc_decoder *d = ppc_decoder_create(&e);
    ck_assert_ptr_nonnull(d);
    for (size_t i = 0; i < NWORDS; i++) {
        ppc_class c = ppc_decode(d, words[i].word);
        ck_assert_msg(c == words[i].cls, "%08x %s: class %s, expected %s", words[i].word,
                      words[i].text, ppc_class_name(c), ppc_class_name(words[i].cls));
        ppc_path p = ppc_decode_path(d, words[i].word);
        ppc_path want = words[i].capstone_misses ? PPC_PATH_FALLBACK : PPC_PATH_CAPSTONE;
        ck_assert_msg(p == want, "%08x %s: path %d, expected %d", words[i].word, words[i].text,
                      (int)p, (int)want);
    }
    ppc_decoder_destroy(d);
}
END_TEST

START_TEST(fallback_alone_agrees)
{
    /* the fallback classifies every word of the table on its own too */
    for (size_t i = 0; i < NWORDS; i++) {
        const char *mn = NULL;
        ppc_class c = ppc_fallback_decode(words[i].word, &mn, NULL);
        ck_assert_msg(c == words[i].cls, "%08x %s: fallback says %s", words[i].word,
                      words[i].text, ppc_class_name(c));
        ck_assert_ptr_nonnull(mn);
    }
    const char *mn = NULL;
    int div = -1;
    ck_assert_int_eq(ppc_fallback_decode(0xF4030011, &mn, &div), PPC_LOAD);
    ck_assert_str_eq(mn, "lxv");
    ck_assert_int_eq(div, 0);
    ck_assert_int_eq(ppc_fallback_decode(0x7C602029, &mn, NULL), PPC_LOAD);
    ck_assert_str_eq(mn, "lwarx");
    ck_assert_int_eq(ppc_fallback_decode(0x1043278C, &mn, NULL), PPC_VECTOR);
    ck_assert_str_eq(mn, "vmrgew");
    ck_assert_int_eq(ppc_fallback_decode(0x7C642E16, &mn, &div), PPC_MULDIV);
    ck_assert_int_eq(div, 1);
    ck_assert_int_eq(ppc_fallback_decode(0x7C6321D6, &mn, &div), PPC_MULDIV);
    ck_assert_int_eq(div, 0);
}
END_TEST

START_TEST(invalid_words_are_counted)
{
    /* PO 0, 1, 6; PO 31 with XO 1023; PO 58 with DS XO 3; PO 17 with bits 30-31 = 00 */
    static const uint32_t bad[] = {0x00000000, 0x04000000, 0x18000000,
                                   0x7C0007FE, 0xE8610013, 0x44000000};
    sim_err e;
    ppc_decoder *d = ppc_decoder_create(&e);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_msg(ppc_decode(d, bad[i]) == PPC_INVALID, "%08x", bad[i]);
        ck_assert_int_eq(ppc_decode_path(d, bad[i]), PPC_PATH_INVALID);
        ck_assert_int_eq(ppc_fallback_decode(bad[i], NULL, NULL), PPC_INVALID);
    }
    ppc_decode(d, 0x00000000); /* again: a cache hit, still invalid */
    const ppc_decode_stats *s = ppc_decoder_stats(d);
    ck_assert_uint_eq(s->decodes, 7);
    ck_assert_uint_eq(s->invalid, 7);
    ck_assert_uint_eq(s->by_class[PPC_INVALID], 7);
    ck_assert_uint_eq(s->capstone + s->fallback, 0);
    char buf[64];
    ppc_disasm(d, 0x00000000, 0, buf, sizeof buf);
    ck_assert_str_eq(buf, ".long 0x00000000 (invalid)");
    ppc_decoder_destroy(d);
}
END_TEST

START_TEST(mnemonic_rules)
{
    static const struct {
        const char *mn;
        ppc_class c;
    } m[] = {
        {"li", PPC_INTEGER},      {"lis", PPC_INTEGER},     {"lvx", PPC_LOAD},
        {"lxvd2x", PPC_LOAD},     {"lwarx", PPC_LOAD},      {"stxvw4x", PPC_STORE},
        {"stdcx.", PPC_STORE},    {"stop", PPC_OTHER},      {"bdnz+", PPC_BRANCH},
        {"beq-", PPC_BRANCH},     {"bpermd", PPC_INTEGER},  {"bcdadd.", PPC_VECTOR},
        {"xor", PPC_INTEGER},     {"xori", PPC_INTEGER},    {"xxlor", PPC_VECTOR},
        {"xsadddp", PPC_VECTOR},  {"mtvsrd", PPC_VECTOR},   {"mfvsrwz", PPC_VECTOR},
        {"lvsl", PPC_VECTOR},     {"slbmte", PPC_TLB},      {"sldi", PPC_INTEGER},
        {"tlbie", PPC_TLB},       {"mflr", PPC_OTHER},      {"mtspr", PPC_OTHER},
        {"dcbz", PPC_OTHER},      {"divdu", PPC_MULDIV},    {"mulhd", PPC_MULDIV},
        {"fmr", PPC_FLOAT},       {"mffs", PPC_FLOAT},      {"dadd", PPC_FLOAT},
        {"darn", PPC_INTEGER},    {"lwsync", PPC_BARRIER},  {"ptesync", PPC_BARRIER},
        {"eieio", PPC_BARRIER},   {"isync", PPC_BARRIER},   {"sc", PPC_SYSCALL},
        {"mr", PPC_INTEGER},      {"crxor", PPC_INTEGER},   {"cmpldi", PPC_INTEGER},
        {"twi", PPC_OTHER},       {"rfid", PPC_OTHER},      {"", PPC_INVALID},
    };
    for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
        ck_assert_msg(ppc_class_of_mnemonic(m[i].mn) == m[i].c, "%s: %s", m[i].mn,
                      ppc_class_name(ppc_class_of_mnemonic(m[i].mn)));
    ck_assert_str_eq(ppc_class_name(PPC_LOAD), "load");
    ck_assert_str_eq(ppc_class_name(PPC_MULDIV), "muldiv");
    ck_assert_str_eq(ppc_class_name(PPC_INVALID), "invalid");
}
END_TEST

START_TEST(cache_hit_rate)
{
    sim_err e;
    ppc_decoder *d = ppc_decoder_create(&e);
    /* 100 passes over the table: the first pass misses once per distinct
     * word, every later call hits */
    for (int pass = 0; pass < 100; pass++)
        for (size_t i = 0; i < NWORDS; i++)
            ppc_decode(d, words[i].word);
    const ppc_decode_stats *s = ppc_decoder_stats(d);
    ck_assert_uint_eq(s->decodes, 100 * NWORDS);
    ck_assert_uint_eq(s->distinct_words, NWORDS);
    ck_assert_uint_eq(s->cache_hits, 99 * NWORDS);
    size_t nmiss = 0;
    for (size_t i = 0; i < NWORDS; i++)
        nmiss += (size_t)words[i].capstone_misses;
    ck_assert_uint_eq(s->fallback, 100 * nmiss);
    ck_assert_uint_eq(s->capstone, 100 * (NWORDS - nmiss));
    ck_assert_uint_eq(s->invalid, 0);
    /* derived figures from the stat table */
    double hr = -1, cs = -1, fb = -1;
    for (size_t i = 0; i < ppc_decode_stat_table.n; i++) {
        const stat_desc *sd = &ppc_decode_stat_table.s[i];
        if (!strcmp(sd->name, "cache_hit_rate"))
            hr = sd->derive(s);
        else if (!strcmp(sd->name, "capstone_share"))
            cs = sd->derive(s);
        else if (!strcmp(sd->name, "fallback_share"))
            fb = sd->derive(s);
    }
    ck_assert_double_eq_tol(hr, 0.99, 1e-12);
    ck_assert_double_eq_tol(fb, (double)nmiss / NWORDS, 1e-12);
    ck_assert_double_eq_tol(cs + fb, 1.0, 1e-12);
    ppc_decoder_destroy(d);
}
END_TEST

START_TEST(cache_grows_and_keeps_every_word)
{
    sim_err e;
    ppc_decoder *d = ppc_decoder_create(&e);
    /* 20000 distinct addi r3,r3,i words (PO 14 | RT 3 | RA 3 | SI i): the
     * cache starts at 4096 slots and must grow three times */
    for (int pass = 0; pass < 2; pass++)
        for (uint32_t i = 0; i < 20000; i++)
            ck_assert_int_eq(ppc_decode(d, 0x38630000u | i), PPC_INTEGER);
    const ppc_decode_stats *s = ppc_decoder_stats(d);
    ck_assert_uint_eq(s->distinct_words, 20000);
    ck_assert_uint_eq(s->cache_hits, 20000);
    ck_assert_uint_eq(s->by_class[PPC_INTEGER], 40000);
    ppc_decoder_destroy(d);
}
END_TEST

START_TEST(cycles_per_class)
{
    sim_err e;
    ppc_decoder *d = ppc_decoder_create(&e);
    uint64_t cyc[PPC_COST_COUNT];
    for (int i = 0; i < PPC_COST_COUNT; i++)
        cyc[i] = 100 + (uint64_t)i;
    ppc_decoder_set_cycles(d, cyc);
    ck_assert_uint_eq(ppc_decode_cycles(d, 0x7C6321D6), 100 + PPC_MULDIV);  /* mullw */
    ck_assert_uint_eq(ppc_decode_cycles(d, 0x7C6323D2), 100 + PPC_COST_DIV); /* divd */
    ck_assert_uint_eq(ppc_decode_cycles(d, 0x7C642E16), 100 + PPC_COST_DIV); /* modsw */
    ck_assert_uint_eq(ppc_decode_cycles(d, 0x7C0004AC), 100 + PPC_BARRIER);
    ck_assert_uint_eq(ppc_decode_cycles(d, 0x00000000), 100 + PPC_INVALID);
    const ppc_decode_stats *s = ppc_decoder_stats(d);
    ck_assert_uint_eq(s->cycles[PPC_MULDIV], (100 + PPC_MULDIV) + 2 * (100 + PPC_COST_DIV));
    ck_assert_uint_eq(s->by_class[PPC_MULDIV], 3);
    ck_assert_uint_eq(s->cycles[PPC_BARRIER], 100 + PPC_BARRIER);
    ppc_decoder_destroy(d);
}
END_TEST

START_TEST(disassembly_text)
{
    sim_err e;
    ppc_decoder *d = ppc_decoder_create(&e);
    char buf[128];
    ppc_disasm(d, 0x4E800020, 0, buf, sizeof buf);
    ck_assert_str_eq(buf, "blr");
    ppc_disasm(d, 0x7C642A14, 0, buf, sizeof buf);
    ck_assert_str_eq(buf, "add r3, r4, r5");
    ppc_disasm(d, 0xF4030011, 0, buf, sizeof buf);
    ck_assert_str_eq(buf, "lxv (fallback)");
    ck_assert_int_eq(ppc_disasm(d, 0x7C030166, 0, buf, 4), (int)strlen("mtvsrd (fallback)"));
    ck_assert_str_eq(buf, "mtv");
    /* disassembly neither decodes into the cache nor counts */
    ck_assert_uint_eq(ppc_decoder_stats(d)->decodes, 0);
    ck_assert_uint_eq(ppc_decoder_stats(d)->distinct_words, 0);
    ppc_decoder_destroy(d);
    ppc_decoder_destroy(NULL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("decode");
    TCase *tc = tcase_create("classes");
    tcase_add_test(tc, class_of_each_word);
    tcase_add_test(tc, fallback_alone_agrees);
    tcase_add_test(tc, invalid_words_are_counted);
    tcase_add_test(tc, mnemonic_rules);
    suite_add_tcase(s, tc);
    tc = tcase_create("cache");
    tcase_add_test(tc, cache_hit_rate);
    tcase_add_test(tc, cache_grows_and_keeps_every_word);
    suite_add_tcase(s, tc);
    tc = tcase_create("timing_and_text");
    tcase_add_test(tc, cycles_per_class);
    tcase_add_test(tc, disassembly_text);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
