/*
 * decode_fallback.c - instruction class from primary and extended opcode
 * (Power ISA 3.0), for the words Capstone 4 cannot decode (see decode.h).
 *
 * Fields, IBM bit numbering (bit 0 = most significant):
 *   PO   bits 0-5    word >> 26
 *   XO   bits 21-30  (word >> 1) & 0x3ff     X, XL, XX1 forms
 *   XO9  bits 22-30  (word >> 1) & 0x1ff     XO form (bit 21 = OE)
 *   XO5  bits 26-30  (word >> 1) & 0x1f      A form (FP arithmetic, isel)
 *   DS   bits 30-31  word & 3                DS form (ld, std, lxsd)
 *   DQ   bits 29-31  word & 7                DQ form (lxv, stxv)
 *   VA   bits 26-31  word & 0x3f             VA form (vperm, maddld)
 * The tables name every fixed-point, FP, branch and storage-control
 * instruction of ISA 3.0 (Book I-III, server). The vector families
 * (PO 4 = VMX, PO 60 = VSX) are classified by family: their hundreds of
 * extended opcodes are not checked one by one, so a reserved extended
 * opcode there counts as vector, not invalid (only a handful of named
 * ones give a mnemonic). Everything else unknown is PPC_INVALID.
 * Invariant: the tables are const and sorted by nothing (linear scans of
 * short lists; results are cached by the caller).
 */
#include <stddef.h>

#include "decode.h"

typedef struct xo_ent {
    uint16_t xo;       /* extended opcode in its form's width */
    uint8_t cls;       /* ppc_class */
    uint8_t div;       /* an integer divide or modulo (timed apart) */
    const char *mn;
} xo_ent;

#define L PPC_LOAD
#define S PPC_STORE
#define I PPC_INTEGER
#define M PPC_MULDIV
#define V PPC_VECTOR
#define O PPC_OTHER

/* PO 31, XO form (XO9, OE at bit 21 either way). */
static const xo_ent po31_xo9[] = {
    {266, I, 0, "add"},     {10, I, 0, "addc"},     {138, I, 0, "adde"},
    {202, I, 0, "addze"},   {234, I, 0, "addme"},   {40, I, 0, "subf"},
    {8, I, 0, "subfc"},     {136, I, 0, "subfe"},   {200, I, 0, "subfze"},
    {232, I, 0, "subfme"},  {104, I, 0, "neg"},     {235, M, 0, "mullw"},
    {233, M, 0, "mulld"},   {491, M, 1, "divw"},    {459, M, 1, "divwu"},
    {489, M, 1, "divd"},    {457, M, 1, "divdu"},   {427, M, 1, "divwe"},
    {395, M, 1, "divweu"},  {425, M, 1, "divde"},   {393, M, 1, "divdeu"},
};

/* PO 31, 10-bit XO (bits 21-30). */
static const xo_ent po31_xo[] = {
    /* loads */
    {20, L, 0, "lwarx"},    {84, L, 0, "ldarx"},    {52, L, 0, "lbarx"},
    {116, L, 0, "lharx"},   {276, L, 0, "lqarx"},   {87, L, 0, "lbzx"},
    {119, L, 0, "lbzux"},   {279, L, 0, "lhzx"},    {311, L, 0, "lhzux"},
    {343, L, 0, "lhax"},    {375, L, 0, "lhaux"},   {23, L, 0, "lwzx"},
    {55, L, 0, "lwzux"},    {341, L, 0, "lwax"},    {373, L, 0, "lwaux"},
    {21, L, 0, "ldx"},      {53, L, 0, "ldux"},     {534, L, 0, "lwbrx"},
    {790, L, 0, "lhbrx"},   {532, L, 0, "ldbrx"},   {597, L, 0, "lswi"},
    {533, L, 0, "lswx"},    {535, L, 0, "lfsx"},    {567, L, 0, "lfsux"},
    {599, L, 0, "lfdx"},    {631, L, 0, "lfdux"},   {855, L, 0, "lfiwax"},
    {887, L, 0, "lfiwzx"},  {791, L, 0, "lfdpx"},   {103, L, 0, "lvx"},
    {359, L, 0, "lvxl"},    {7, L, 0, "lvebx"},     {39, L, 0, "lvehx"},
    {71, L, 0, "lvewx"},    {588, L, 0, "lxsdx"},   {76, L, 0, "lxsiwax"},
    {12, L, 0, "lxsiwzx"},  {524, L, 0, "lxsspx"},  {844, L, 0, "lxvd2x"},
    {332, L, 0, "lxvdsx"},  {780, L, 0, "lxvw4x"},  {268, L, 0, "lxvx"},
    {300, L, 0, "lxvx"},    {269, L, 0, "lxvl"},    {301, L, 0, "lxvll"},
    {364, L, 0, "lxvwsx"},  {812, L, 0, "lxvh8x"},  {876, L, 0, "lxvb16x"},
    {781, L, 0, "lxsibzx"}, {813, L, 0, "lxsihzx"}, {582, L, 0, "lwat"},
    {614, L, 0, "ldat"},    {853, L, 0, "lbzcix"},  {821, L, 0, "lhzcix"},
    {789, L, 0, "lwzcix"},  {885, L, 0, "ldcix"},   {310, L, 0, "eciwx"},
    /* stores */
    {150, S, 0, "stwcx."},  {214, S, 0, "stdcx."},  {694, S, 0, "stbcx."},
    {726, S, 0, "sthcx."},  {182, S, 0, "stqcx."},  {215, S, 0, "stbx"},
    {247, S, 0, "stbux"},   {407, S, 0, "sthx"},    {439, S, 0, "sthux"},
    {151, S, 0, "stwx"},    {183, S, 0, "stwux"},   {149, S, 0, "stdx"},
    {181, S, 0, "stdux"},   {662, S, 0, "stwbrx"},  {918, S, 0, "sthbrx"},
    {660, S, 0, "stdbrx"},  {725, S, 0, "stswi"},   {661, S, 0, "stswx"},
    {663, S, 0, "stfsx"},   {695, S, 0, "stfsux"},  {727, S, 0, "stfdx"},
    {759, S, 0, "stfdux"},  {983, S, 0, "stfiwx"},  {919, S, 0, "stfdpx"},
    {231, S, 0, "stvx"},    {487, S, 0, "stvxl"},   {135, S, 0, "stvebx"},
    {167, S, 0, "stvehx"},  {199, S, 0, "stvewx"},  {716, S, 0, "stxsdx"},
    {140, S, 0, "stxsiwx"}, {652, S, 0, "stxsspx"}, {972, S, 0, "stxvd2x"},
    {908, S, 0, "stxvw4x"}, {396, S, 0, "stxvx"},   {428, S, 0, "stxvx"},
    {397, S, 0, "stxvl"},   {429, S, 0, "stxvll"},  {940, S, 0, "stxvh8x"},
    {1004, S, 0, "stxvb16x"}, {909, S, 0, "stxsibx"}, {941, S, 0, "stxsihx"},
    {710, S, 0, "stwat"},   {742, S, 0, "stdat"},   {981, S, 0, "stbcix"},
    {949, S, 0, "sthcix"},  {917, S, 0, "stwcix"},  {1013, S, 0, "stdcix"},
    {438, S, 0, "ecowx"},
    /* barriers, TLB / SLB */
    {598, PPC_BARRIER, 0, "sync"}, {854, PPC_BARRIER, 0, "eieio"},
    {886, PPC_BARRIER, 0, "msgsync"},
    {306, PPC_TLB, 0, "tlbie"},   {274, PPC_TLB, 0, "tlbiel"},  {566, PPC_TLB, 0, "tlbsync"},
    {370, PPC_TLB, 0, "tlbia"},   {434, PPC_TLB, 0, "slbie"},   {466, PPC_TLB, 0, "slbieg"},
    {498, PPC_TLB, 0, "slbia"},   {402, PPC_TLB, 0, "slbmte"},  {915, PPC_TLB, 0, "slbmfee"},
    {851, PPC_TLB, 0, "slbmfev"}, {979, PPC_TLB, 0, "slbfee."}, {338, PPC_TLB, 0, "slbsync"},
    /* multiply high, modulo (no OE) */
    {11, M, 0, "mulhwu"},   {75, M, 0, "mulhw"},    {9, M, 0, "mulhdu"},
    {73, M, 0, "mulhd"},    {779, M, 1, "modsw"},   {267, M, 1, "moduw"},
    {777, M, 1, "modsd"},   {265, M, 1, "modud"},
    /* fixed-point logical, shift, count, compare */
    {28, I, 0, "and"},      {60, I, 0, "andc"},     {444, I, 0, "or"},
    {412, I, 0, "orc"},     {316, I, 0, "xor"},     {476, I, 0, "nand"},
    {124, I, 0, "nor"},     {284, I, 0, "eqv"},     {24, I, 0, "slw"},
    {536, I, 0, "srw"},     {792, I, 0, "sraw"},    {824, I, 0, "srawi"},
    {27, I, 0, "sld"},      {539, I, 0, "srd"},     {794, I, 0, "srad"},
    {826, I, 0, "sradi"},   {827, I, 0, "sradi"},   {890, I, 0, "extswsli"},
    {891, I, 0, "extswsli"}, {954, I, 0, "extsb"},  {922, I, 0, "extsh"},
    {986, I, 0, "extsw"},   {26, I, 0, "cntlzw"},   {58, I, 0, "cntlzd"},
    {538, I, 0, "cnttzw"},  {570, I, 0, "cnttzd"},  {122, I, 0, "popcntb"},
    {378, I, 0, "popcntw"}, {506, I, 0, "popcntd"}, {0, I, 0, "cmp"},
    {32, I, 0, "cmpl"},     {192, I, 0, "cmprb"},   {224, I, 0, "cmpeqb"},
    {508, I, 0, "cmpb"},    {154, I, 0, "prtyw"},   {186, I, 0, "prtyd"},
    {252, I, 0, "bpermd"},  {128, I, 0, "setb"},    {755, I, 0, "darn"},
    {74, I, 0, "addg6s"},   {576, I, 0, "mcrxrx"},
    {282, I, 0, "cdtbcd"},  {314, I, 0, "cbcdtd"},
    /* GPR <-> VSR moves, permute control */
    {51, V, 0, "mfvsrd"},   {115, V, 0, "mfvsrwz"}, {307, V, 0, "mfvsrld"},
    {179, V, 0, "mtvsrd"},  {211, V, 0, "mtvsrwa"}, {243, V, 0, "mtvsrwz"},
    {435, V, 0, "mtvsrdd"}, {403, V, 0, "mtvsrws"}, {6, V, 0, "lvsl"},
    {38, V, 0, "lvsr"},
    /* other: traps, SPR/MSR/CR moves, cache management, messages, TM */
    {4, O, 0, "tw"},        {68, O, 0, "td"},       {19, O, 0, "mfcr"},
    {144, O, 0, "mtcrf"},   {83, O, 0, "mfmsr"},    {146, O, 0, "mtmsr"},
    {178, O, 0, "mtmsrd"},  {339, O, 0, "mfspr"},   {467, O, 0, "mtspr"},
    {371, O, 0, "mftb"},    {595, O, 0, "mfsr"},    {659, O, 0, "mfsrin"},
    {210, O, 0, "mtsr"},    {242, O, 0, "mtsrin"},  {114, O, 0, "mtsrdin"},
    {86, O, 0, "dcbf"},     {54, O, 0, "dcbst"},    {278, O, 0, "dcbt"},
    {246, O, 0, "dcbtst"},  {1014, O, 0, "dcbz"},   {470, O, 0, "dcbi"},
    {982, O, 0, "icbi"},    {22, O, 0, "icbt"},     {758, O, 0, "dcba"},
    {342, O, 0, "dst"},     {374, O, 0, "dstst"},   {822, O, 0, "dss"},
    {206, O, 0, "msgsnd"},  {238, O, 0, "msgclr"},  {142, O, 0, "msgsndp"},
    {174, O, 0, "msgclrp"}, {78, O, 0, "msgsndu"},  {110, O, 0, "msgclru"},
    {62, O, 0, "wait"},     {774, O, 0, "copy"},    {902, O, 0, "paste."},
    {838, O, 0, "cp_abort"}, {512, O, 0, "mcrxr"},  {654, O, 0, "tbegin."},
    {686, O, 0, "tend."},   {910, O, 0, "tabort."}, {782, O, 0, "tabortwc."},
    {846, O, 0, "tabortwci."}, {814, O, 0, "tabortdc."}, {878, O, 0, "tabortdci."},
    {718, O, 0, "tcheck"},  {750, O, 0, "tsr."},    {942, O, 0, "treclaim."},
    {1006, O, 0, "trechkpt."}, {406, O, 0, "icswx"}, {302, O, 0, "mfbhrbe"},
    {430, O, 0, "clrbhrb"}, {882, O, 0, "rmieg"},   {398, O, 0, "mtpmr"},
    {334, O, 0, "mfpmr"},
};

/* PO 19, XL form (10-bit XO). */
static const xo_ent po19_xo[] = {
    {16, PPC_BRANCH, 0, "bclr"},   {528, PPC_BRANCH, 0, "bcctr"},
    {560, PPC_BRANCH, 0, "bctar"}, {150, PPC_BARRIER, 0, "isync"},
    {0, I, 0, "mcrf"},      {257, I, 0, "crand"},   {129, I, 0, "crandc"},
    {289, I, 0, "creqv"},   {225, I, 0, "crnand"},  {33, I, 0, "crnor"},
    {449, I, 0, "cror"},    {417, I, 0, "crorc"},   {193, I, 0, "crxor"},
    {18, O, 0, "rfid"},     {274, O, 0, "hrfid"},   {306, O, 0, "urfid"},
    {146, O, 0, "rfebb"},   {82, O, 0, "rfscv"},    {370, O, 0, "stop"},
    {434, O, 0, "nap"},     {466, O, 0, "sleep"},   {498, O, 0, "rvwinkle"},
    {402, O, 0, "doze"},
};

/* PO 63 / 59: FP arithmetic, A form (XO5). 23 (fsel) exists on 63 only. */
static const xo_ent fp_a[] = {
    {18, PPC_FLOAT, 0, "fdiv"}, {20, PPC_FLOAT, 0, "fsub"},  {21, PPC_FLOAT, 0, "fadd"},
    {22, PPC_FLOAT, 0, "fsqrt"}, {23, PPC_FLOAT, 0, "fsel"}, {24, PPC_FLOAT, 0, "fre"},
    {25, PPC_FLOAT, 0, "fmul"}, {26, PPC_FLOAT, 0, "frsqrte"}, {28, PPC_FLOAT, 0, "fmsub"},
    {29, PPC_FLOAT, 0, "fmadd"}, {30, PPC_FLOAT, 0, "fnmsub"}, {31, PPC_FLOAT, 0, "fnmadd"},
};

/* PO 63 X form (10-bit XO): binary FP moves, compares, conversions. */
static const xo_ent po63_xo[] = {
    {0, PPC_FLOAT, 0, "fcmpu"},   {32, PPC_FLOAT, 0, "fcmpo"},   {64, PPC_FLOAT, 0, "mcrfs"},
    {72, PPC_FLOAT, 0, "fmr"},    {40, PPC_FLOAT, 0, "fneg"},    {264, PPC_FLOAT, 0, "fabs"},
    {136, PPC_FLOAT, 0, "fnabs"}, {8, PPC_FLOAT, 0, "fcpsgn"},   {12, PPC_FLOAT, 0, "frsp"},
    {14, PPC_FLOAT, 0, "fctiw"},  {15, PPC_FLOAT, 0, "fctiwz"},  {142, PPC_FLOAT, 0, "fctiwu"},
    {143, PPC_FLOAT, 0, "fctiwuz"}, {814, PPC_FLOAT, 0, "fctid"}, {815, PPC_FLOAT, 0, "fctidz"},
    {942, PPC_FLOAT, 0, "fctidu"}, {943, PPC_FLOAT, 0, "fctiduz"}, {846, PPC_FLOAT, 0, "fcfid"},
    {974, PPC_FLOAT, 0, "fcfidu"}, {392, PPC_FLOAT, 0, "frin"},  {424, PPC_FLOAT, 0, "friz"},
    {456, PPC_FLOAT, 0, "frip"},  {488, PPC_FLOAT, 0, "frim"},   {128, PPC_FLOAT, 0, "ftdiv"},
    {160, PPC_FLOAT, 0, "ftsqrt"}, {583, PPC_FLOAT, 0, "mffs"},  {711, PPC_FLOAT, 0, "mtfsf"},
    {134, PPC_FLOAT, 0, "mtfsfi"}, {70, PPC_FLOAT, 0, "mtfsb0"}, {38, PPC_FLOAT, 0, "mtfsb1"},
    {966, PPC_FLOAT, 0, "fmrgew"}, {838, PPC_FLOAT, 0, "fmrgow"},
    /* quad-precision VSX scalar ops live on PO 63 */
    {4, V, 0, "xsaddqp"},   {36, V, 0, "xsmulqp"},   {100, V, 0, "xscpsgnqp"},
    {132, V, 0, "xscmpoqp"}, {164, V, 0, "xscmpexpqp"}, {388, V, 0, "xsmaddqp"},
    {420, V, 0, "xsmsubqp"}, {452, V, 0, "xsnmaddqp"}, {484, V, 0, "xsnmsubqp"},
    {516, V, 0, "xssubqp"}, {548, V, 0, "xsdivqp"},  {644, V, 0, "xscmpuqp"},
    {708, V, 0, "xststdcqp"}, {804, V, 0, "xsabsqp"}, {836, V, 0, "xscvqpdp"},
    {868, V, 0, "xsiexpqp"},
};

/* Decimal FP (PO 59 short/long, PO 63 quad). X form, 10-bit XO. */
static const xo_ent dfp_xo[] = {
    {2, PPC_FLOAT, 0, "dadd"},    {514, PPC_FLOAT, 0, "dsub"},  {34, PPC_FLOAT, 0, "dmul"},
    {546, PPC_FLOAT, 0, "ddiv"},  {130, PPC_FLOAT, 0, "dcmpo"}, {642, PPC_FLOAT, 0, "dcmpu"},
    {162, PPC_FLOAT, 0, "dtstex"}, {674, PPC_FLOAT, 0, "dtstsf"}, {675, PPC_FLOAT, 0, "dtstsfi"},
    {258, PPC_FLOAT, 0, "dctdp"}, {770, PPC_FLOAT, 0, "drsp"},  {290, PPC_FLOAT, 0, "dctfix"},
    {802, PPC_FLOAT, 0, "dcffix"}, {322, PPC_FLOAT, 0, "ddedpd"}, {834, PPC_FLOAT, 0, "denbcd"},
    {354, PPC_FLOAT, 0, "dxex"},  {866, PPC_FLOAT, 0, "diex"},
};
/* Decimal FP Z22 form (9-bit XO, bits 22-30). */
static const xo_ent dfp_z22[] = {
    {66, PPC_FLOAT, 0, "dscli"}, {98, PPC_FLOAT, 0, "dscri"},
    {194, PPC_FLOAT, 0, "dtstdc"}, {226, PPC_FLOAT, 0, "dtstdg"},
};
/* Decimal FP and quad rounding, Z23 form (8-bit XO, bits 23-30). */
static const xo_ent dfp_z23[] = {
    {3, PPC_FLOAT, 0, "dqua"},   {35, PPC_FLOAT, 0, "drrnd"},
    {67, PPC_FLOAT, 0, "dquai"}, {99, PPC_FLOAT, 0, "drintx"}, {227, PPC_FLOAT, 0, "drintn"},
};

#undef L
#undef S
#undef I
#undef M
#undef V
#undef O

static const xo_ent *find(const xo_ent *t, size_t n, unsigned xo)
{
    for (size_t i = 0; i < n; i++)
        if (t[i].xo == xo)
            return &t[i];
    return NULL;
}
#define FIND(t, xo) find(t, sizeof(t) / sizeof((t)[0]), (xo))

/* D-form loads and stores, PO 32-55, in order. */
static const char *const dform_mn[24] = {
    "lwz", "lwzu", "lbz", "lbzu", "stw", "stwu", "stb", "stbu", "lhz", "lhzu", "lha", "lhau",
    "sth", "sthu", "lmw", "stmw", "lfs", "lfsu", "lfd", "lfdu", "stfs", "stfsu", "stfd", "stfdu",
};

static ppc_class ret(const xo_ent *x, const char **mn, int *is_div)
{
    if (!x)
        return PPC_INVALID;
    *mn = x->mn;
    *is_div = x->div;
    return (ppc_class)x->cls;
}

static ppc_class po31(uint32_t w, const char **mn, int *is_div)
{
    unsigned xo = (w >> 1) & 0x3ff;
    const xo_ent *x = FIND(po31_xo, xo);
    if (!x)
        x = FIND(po31_xo9, xo & 0x1ff);
    if (!x && (xo & 0x1f) == 15) { /* A form, XO5 = 15 */
        *mn = "isel";
        return PPC_INTEGER;
    }
    if (!x && (xo & 0xff) == 170) { /* Z23 form: CY in bits 21-22 */
        *mn = "addex";
        return PPC_INTEGER;
    }
    return ret(x, mn, is_div);
}

static ppc_class po63(uint32_t w, const char **mn, int *is_div)
{
    unsigned xo = (w >> 1) & 0x3ff;
    const xo_ent *x = FIND(po63_xo, xo);
    if (!x)
        x = FIND(dfp_xo, xo);
    if (!x)
        x = FIND(dfp_z22, xo & 0x1ff);
    if (!x)
        x = FIND(dfp_z23, xo & 0xff);
    if (!x && ((xo & 0xff) == 5 || (xo & 0xff) == 37)) {
        *mn = (xo & 0xff) == 5 ? "xsrqpi" : "xsrqpxp";
        return PPC_VECTOR;
    }
    if (!x)
        x = FIND(fp_a, xo & 0x1f);
    return ret(x, mn, is_div);
}

static ppc_class po59(uint32_t w, const char **mn, int *is_div)
{
    unsigned xo = (w >> 1) & 0x3ff;
    if (xo == 846 || xo == 974) {
        *mn = xo == 846 ? "fcfids" : "fcfidus";
        return PPC_FLOAT;
    }
    const xo_ent *x = FIND(dfp_xo, xo);
    if (!x)
        x = FIND(dfp_z22, xo & 0x1ff);
    if (!x)
        x = FIND(dfp_z23, xo & 0xff);
    if (!x && (xo & 0x1f) != 23) /* no fsels */
        x = FIND(fp_a, xo & 0x1f);
    return ret(x, mn, is_div);
}

static ppc_class po19(uint32_t w, const char **mn, int *is_div)
{
    if (((w >> 1) & 0x1f) == 2) { /* DX form */
        *mn = "addpcis";
        return PPC_INTEGER;
    }
    return ret(FIND(po19_xo, (w >> 1) & 0x3ff), mn, is_div);
}

static ppc_class po4(uint32_t w, const char **mn, int *is_div)
{
    unsigned va = w & 0x3f, vx = w & 0x7ff;
    (void)is_div;
    if (va == 48 || va == 49 || va == 51) {
        *mn = va == 48 ? "maddhd" : va == 49 ? "maddhdu" : "maddld";
        return PPC_MULDIV;
    }
    *mn = vx == 1932 ? "vmrgew" : vx == 1676 ? "vmrgow" : "vx-op4";
    return PPC_VECTOR;
}

ppc_class ppc_fallback_decode(uint32_t w, const char **mnemonic, int *is_div)
{
    const char *mn_dummy = NULL;
    int div_dummy = 0;
    const char **mn = mnemonic ? mnemonic : &mn_dummy;
    int *dv = is_div ? is_div : &div_dummy;
    unsigned po = w >> 26;
    *mn = NULL;
    *dv = 0;
    if (po >= 32 && po <= 55) {
        static const uint8_t st[24] = {0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0,
                                       1, 1, 0, 1, 0, 0, 0, 0, 1, 1, 1, 1};
        *mn = dform_mn[po - 32];
        return st[po - 32] ? PPC_STORE : PPC_LOAD;
    }
    switch (po) {
    case 2: *mn = "tdi"; return PPC_OTHER;
    case 3: *mn = "twi"; return PPC_OTHER;
    case 4: return po4(w, mn, dv);
    case 7: *mn = "mulli"; return PPC_MULDIV;
    case 8: *mn = "subfic"; return PPC_INTEGER;
    case 10: *mn = "cmpli"; return PPC_INTEGER;
    case 11: *mn = "cmpi"; return PPC_INTEGER;
    case 12: *mn = "addic"; return PPC_INTEGER;
    case 13: *mn = "addic."; return PPC_INTEGER;
    case 14: *mn = "addi"; return PPC_INTEGER;
    case 15: *mn = "addis"; return PPC_INTEGER;
    case 16: *mn = "bc"; return PPC_BRANCH;
    case 17: /* SC form: bit 30 = 1 sc (LEV 1 = hypervisor call), bits 30-31 = 01 scv */
        if ((w & 3) == 2) {
            *mn = "sc";
            return PPC_SYSCALL;
        }
        if ((w & 3) == 1) {
            *mn = "scv";
            return PPC_SYSCALL;
        }
        return PPC_INVALID;
    case 18: *mn = "b"; return PPC_BRANCH;
    case 19: return po19(w, mn, dv);
    case 20: *mn = "rlwimi"; return PPC_INTEGER;
    case 21: *mn = "rlwinm"; return PPC_INTEGER;
    case 23: *mn = "rlwnm"; return PPC_INTEGER;
    case 24: *mn = "ori"; return PPC_INTEGER;
    case 25: *mn = "oris"; return PPC_INTEGER;
    case 26: *mn = "xori"; return PPC_INTEGER;
    case 27: *mn = "xoris"; return PPC_INTEGER;
    case 28: *mn = "andi."; return PPC_INTEGER;
    case 29: *mn = "andis."; return PPC_INTEGER;
    case 30: { /* MD form (XO bits 27-29), MDS form (bits 27-30) */
        static const char *const md[4] = {"rldicl", "rldicr", "rldic", "rldimi"};
        unsigned x3 = (w >> 2) & 7, x4 = (w >> 1) & 0xf;
        if (x3 < 4)
            *mn = md[x3];
        else if (x4 == 8 || x4 == 9)
            *mn = x4 == 8 ? "rldcl" : "rldcr";
        else
            return PPC_INVALID;
        return PPC_INTEGER;
    }
    case 31: return po31(w, mn, dv);
    case 56: /* DQ form; bits 28-31 are reserved (ignored, as hardware does) */
        *mn = "lq";
        return PPC_LOAD;
    case 57: { /* DS form */
        static const char *const ds[4] = {"lfdp", NULL, "lxsd", "lxssp"};
        *mn = ds[w & 3];
        return *mn ? PPC_LOAD : PPC_INVALID;
    }
    case 58: {
        static const char *const ds[4] = {"ld", "ldu", "lwa", NULL};
        *mn = ds[w & 3];
        return *mn ? PPC_LOAD : PPC_INVALID;
    }
    case 59: return po59(w, mn, dv);
    case 60: *mn = "vsx-op60"; return PPC_VECTOR;
    case 61: /* DS form stfdp/stxsd/stxssp; DQ form lxv (001), stxv (101) */
        switch (w & 3) {
        case 0: *mn = "stfdp"; return PPC_STORE;
        case 2: *mn = "stxsd"; return PPC_STORE;
        case 3: *mn = "stxssp"; return PPC_STORE;
        default:
            *mn = (w & 7) == 1 ? "lxv" : "stxv";
            return (w & 7) == 1 ? PPC_LOAD : PPC_STORE;
        }
    case 62: {
        static const char *const ds[4] = {"std", "stdu", "stq", NULL};
        *mn = ds[w & 3];
        return *mn ? PPC_STORE : PPC_INVALID;
    }
    case 63: return po63(w, mn, dv);
    default: return PPC_INVALID; /* 0, 1, 5, 6, 9, 22 */
    }
}
