/*
 * decode.c - the instruction-word decoder (see decode.h): Capstone first,
 * the opcode fallback second, a cache by word in front of both.
 *
 * Capstone is opened CS_ARCH_PPC, CS_MODE_64 | CS_MODE_BIG_ENDIAN and is
 * handed the word's bytes most significant first. Its answer is classified
 * by mnemonic (Capstone 4's PPC instruction groups carry no class
 * information - blr is in no jump group - so detail mode stays off, which
 * also makes each call cheaper). The cache is open addressing with linear
 * probing, kept at most a quarter full, doubled when needed, never evicted.
 * In front of it a direct-mapped copy (word -> key) answers the hot path
 * from one 8-byte load; executions are counted per key (timing slot, path),
 * not per word, so a hit writes only a small counter array.
 * Invariant: every word in the cache has the class, path and divide flag
 * its first decode gave it, and its front copy the same key.
 */
#include <capstone/capstone.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"

#define DEC_FRONT (1u << FRONT_BITS)

typedef struct dec_ent {
    uint32_t word;
    uint8_t used, cls, path, slot; /* slot: timing slot (class or PPC_COST_DIV) */
} dec_ent;

/* A word's counting key: its timing slot (which gives the class) and path. */
#define DEC_KEY(slot, path) ((unsigned)(slot) << 2 | (unsigned)(path))
#define DEC_NKEY (PPC_COST_COUNT << 2)
#define KEY_SLOT(k) ((k) >> 2)
#define KEY_PATH(k) ((k) & 3u)

/* Front slots are 32-bit: m = w * FRONT_MUL (odd, so a bijection of the
 * words) picks the slot by its top FRONT_BITS bits and the slot holds m's
 * other bits above the key + 1 (0: empty); slot and bits give back w.
 * 4096 slots take 16 KiB, half an L1D of the host. */
#define FRONT_BITS 12
#define FRONT_MUL 0x9E3779B1u
#define FRONT_KEY ((1u << FRONT_BITS) - 1) /* the key + 1 field */
_Static_assert(DEC_NKEY < FRONT_KEY, "a key + 1 must fit below the slot's word bits");
typedef uint32_t dec_front;

struct ppc_decoder {
    csh cs;
    cs_insn *insn;
    dec_ent *tab;
    size_t cap;      /* power of two */
    unsigned shift;  /* 32 - log2(cap) */
    uint64_t cycles[PPC_COST_COUNT];
    uint64_t distinct_words; /* table entries */
    uint64_t uncached;       /* executions of words the table could not hold */
    uint64_t plain[DEC_NKEY];   /* executions through ppc_decode, by key */
    uint64_t charged[DEC_NKEY]; /* executions through ppc_decode_cycles */
    ppc_decode_stats sum;    /* filled by ppc_decoder_stats */
    /* direct-mapped front of the table for the hot path (a copy of entries) */
    dec_front front[DEC_FRONT];
};

static const char *const class_names[PPC_CLASS_COUNT] = {
    "load", "store", "branch", "integer", "muldiv", "float",
    "vector", "barrier", "tlb", "syscall", "other", "invalid",
};

const char *ppc_class_name(ppc_class c)
{
    return (unsigned)c < PPC_CLASS_COUNT ? class_names[c] : "?";
}

/* ---- classification by mnemonic ---- */

static int starts(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

static int in_list(const char *s, const char *const *l)
{
    for (; *l; l++)
        if (!strcmp(s, *l))
            return 1;
    return 0;
}

static int any_prefix(const char *s, const char *const *l)
{
    for (; *l; l++)
        if (starts(s, *l))
            return 1;
    return 0;
}

static const char *const barrier_mn[] = {"sync", "lwsync", "hwsync", "ptesync", "msync",
                                         "isync", "eieio", "mbar", "msgsync", NULL};
static const char *const tlb_pfx[] = {"tlb", "slb", NULL};
static const char *const sc_mn[] = {"sc", "scv", NULL};
static const char *const not_load[] = {"li", "lis", "la", "lnia", "lvsl", "lvsr", NULL};
static const char *const dfp_pfx[] = {"dadd", "dsub", "dmul", "ddiv", "dcmpo", "dcmpu", "dtst",
                                      "dqua", "drrnd", "drint", "dctdp", "dctqpq", "dctfix",
                                      "dcffix", "ddedpd", "denbcd", "dxex", "diex", "dscli",
                                      "dscri", "drsp", "drdpq", NULL};
static const char *const fp_pfx[] = {"f", "mffs", "mtfs", "mcrfs", NULL};
static const char *const vec_pfx[] = {"v", "xs", "xv", "xx", "mtvsr", "mfvsr", "mtvscr",
                                      "mfvscr", "lvsl", "lvsr", "bcd", "qv", NULL};
static const char *const int_pfx[] = {"add", "sub", "neg", "and", "or", "xor", "nand", "nor",
                                      "eqv", "ext", "cntlz", "cnttz", "popcnt", "prty", "rl",
                                      "rot", "sl", "sr", "cmp", "isel", "clr", "ins", "bperm",
                                      "cr", "cdtbcd", "cbcdtd", NULL};
static const char *const int_mn[] = {"li", "lis", "la", "lnia", "mr", "mr.", "nop", "xnop",
                                     "not", "not.", "setb", "darn", "mcrf", "mcrxrx", "brd",
                                     "brh", "brw", NULL};

ppc_class ppc_class_of_mnemonic(const char *mnemonic)
{
    char m[32];
    size_t n = strlen(mnemonic);
    if (n >= sizeof m)
        n = sizeof m - 1;
    memcpy(m, mnemonic, n);
    m[n] = 0;
    while (n && (m[n - 1] == '+' || m[n - 1] == '-')) /* branch hints */
        m[--n] = 0;
    if (!n)
        return PPC_INVALID;
    if (in_list(m, barrier_mn))
        return PPC_BARRIER;
    if (any_prefix(m, tlb_pfx))
        return PPC_TLB;
    if (in_list(m, sc_mn))
        return PPC_SYSCALL;
    if (starts(m, "mul") || starts(m, "div") || starts(m, "mod") || starts(m, "madd"))
        return PPC_MULDIV;
    if (m[0] == 'l' && !in_list(m, not_load))
        return PPC_LOAD;
    if (!strcmp(m, "eciwx"))
        return PPC_LOAD;
    if ((starts(m, "st") && strcmp(m, "stop") != 0) || !strcmp(m, "ecowx"))
        return PPC_STORE;
    if (any_prefix(m, vec_pfx))
        return PPC_VECTOR;
    if (in_list(m, int_mn) || any_prefix(m, int_pfx))
        return PPC_INTEGER;
    if (m[0] == 'b')
        return PPC_BRANCH;
    if (any_prefix(m, fp_pfx) || any_prefix(m, dfp_pfx))
        return PPC_FLOAT;
    return PPC_OTHER;
}

static int mnemonic_is_div(const char *m)
{
    return starts(m, "div") || starts(m, "mod");
}

/* ---- decoder ---- */

ppc_decoder *ppc_decoder_create(sim_err *e)
{
    ppc_decoder *d = calloc(1, sizeof *d);
    if (!d) {
        sim_errf(e, "out of host memory");
        return NULL;
    }
    cs_err ce = cs_open(CS_ARCH_PPC, (cs_mode)(CS_MODE_64 | CS_MODE_BIG_ENDIAN), &d->cs);
    if (ce != CS_ERR_OK) {
        sim_errf(e, "Capstone: cannot open a 64-bit PowerPC disassembler: %s", cs_strerror(ce));
        free(d);
        return NULL;
    }
    d->insn = cs_malloc(d->cs);
    d->cap = 4096;
    d->shift = 32 - 12;
    d->tab = calloc(d->cap, sizeof *d->tab);
    if (!d->insn || !d->tab) {
        sim_errf(e, "out of host memory");
        ppc_decoder_destroy(d);
        return NULL;
    }
    for (int i = 0; i < PPC_COST_COUNT; i++)
        d->cycles[i] = 1;
    return d;
}

void ppc_decoder_destroy(ppc_decoder *d)
{
    if (!d)
        return;
    if (d->insn)
        cs_free(d->insn, 1);
    cs_close(&d->cs);
    free(d->tab);
    free(d);
}

void ppc_decoder_set_cycles(ppc_decoder *d, const uint64_t cycles[PPC_COST_COUNT])
{
    memcpy(d->cycles, cycles, sizeof d->cycles);
}

/* The executions are counted per key and summed by class and path here,
 * at report time, so an executed word costs one front lookup and one
 * increment. */
const ppc_decode_stats *ppc_decoder_stats(ppc_decoder *d)
{
    ppc_decode_stats *s = &d->sum;
    memset(s, 0, sizeof *s);
    s->distinct_words = d->distinct_words;
    for (unsigned k = 0; k < DEC_NKEY; k++) {
        uint64_t n = d->plain[k] + d->charged[k];
        if (!n)
            continue;
        unsigned slot = KEY_SLOT(k), cls = slot == PPC_COST_DIV ? PPC_MULDIV : slot;
        s->decodes += n;
        s->by_class[cls] += n;
        s->cycles[cls] += d->charged[k] * d->cycles[slot];
        if (KEY_PATH(k) == PPC_PATH_CAPSTONE)
            s->capstone += n;
        else if (KEY_PATH(k) == PPC_PATH_FALLBACK)
            s->fallback += n;
        else
            s->invalid += n;
    }
    /* a cached word missed once (its first decode); uncached ones always */
    s->cache_hits = s->decodes - d->uncached - d->distinct_words;
    return s;
}

static inline size_t slot_of(const ppc_decoder *d, uint32_t w)
{
    return (size_t)((uint32_t)(w * 0x9E3779B1u) >> d->shift);
}

/* Ask Capstone; 1 (d->insn filled) if it knows the word. */
static int cs_decode(ppc_decoder *d, uint32_t w)
{
    uint8_t b[4] = {(uint8_t)(w >> 24), (uint8_t)(w >> 16), (uint8_t)(w >> 8), (uint8_t)w};
    const uint8_t *p = b;
    size_t size = 4;
    uint64_t addr = 0;
    return cs_disasm_iter(d->cs, &p, &size, &addr, d->insn) ? 1 : 0;
}

static dec_ent classify(ppc_decoder *d, uint32_t w)
{
    dec_ent x = {w, 1, PPC_INVALID, PPC_PATH_INVALID, PPC_INVALID};
    int div = 0;
    if (cs_decode(d, w)) {
        x.cls = (uint8_t)ppc_class_of_mnemonic(d->insn->mnemonic);
        x.path = PPC_PATH_CAPSTONE;
        div = mnemonic_is_div(d->insn->mnemonic);
    } else {
        x.cls = (uint8_t)ppc_fallback_decode(w, NULL, &div);
        x.path = x.cls == PPC_INVALID ? PPC_PATH_INVALID : PPC_PATH_FALLBACK;
    }
    x.slot = x.cls == PPC_MULDIV && div ? PPC_COST_DIV : x.cls;
    return x;
}

static int grow(ppc_decoder *d)
{
    size_t ncap = d->cap * 2;
    dec_ent *nt = calloc(ncap, sizeof *nt);
    if (!nt)
        return -1;
    dec_ent *old = d->tab;
    size_t ocap = d->cap;
    d->tab = nt;
    d->cap = ncap;
    d->shift--;
    for (size_t i = 0; i < ocap; i++) {
        if (!old[i].used)
            continue;
        size_t k = slot_of(d, old[i].word);
        while (nt[k].used)
            k = (k + 1) & (ncap - 1);
        nt[k] = old[i];
    }
    free(old);
    return 0;
}

/* The cache entry of w, decoding and inserting it on a miss (*hit = 0).
 * If the table cannot grow (out of host memory) the entry is built in *tmp
 * and not cached: still correct, only slower. Counts nothing. */
static const dec_ent *lookup(ppc_decoder *d, uint32_t w, int *hit, dec_ent *tmp)
{
    size_t k = slot_of(d, w);
    while (d->tab[k].used) {
        if (d->tab[k].word == w) {
            *hit = 1;
            return &d->tab[k];
        }
        k = (k + 1) & (d->cap - 1);
    }
    *hit = 0;
    *tmp = classify(d, w);
    if ((d->distinct_words + 1) * 4 > d->cap) { /* load factor <= 1/4: short probes */
        if (grow(d) != 0)
            return tmp;
        k = slot_of(d, w);
        while (d->tab[k].used)
            k = (k + 1) & (d->cap - 1);
    }
    d->tab[k] = *tmp;
    d->distinct_words++;
    return &d->tab[k];
}

/* The front-cache slot of w (DEC_FRONT = 2^FRONT_BITS slots). */
static inline size_t front_of(uint32_t w)
{
    return (uint32_t)(w * FRONT_MUL) >> (32 - FRONT_BITS);
}

/* What slot front_of(w) holds for w, less the key. */
static inline uint32_t front_tag(uint32_t w)
{
    return (uint32_t)(w * FRONT_MUL) << FRONT_BITS;
}

/* w missed the front cache: its key (decoding it on a first sight), now in
 * the front unless the table could not hold it (host out of memory). */
static __attribute__((noinline)) unsigned decode_miss(ppc_decoder *d, uint32_t w)
{
    int hit;
    dec_ent tmp = {0};
    const dec_ent *x = lookup(d, w, &hit, &tmp);
    unsigned key = DEC_KEY(x->slot, x->path);
    if (__builtin_expect(x != &tmp, 1))
        d->front[front_of(w)] = front_tag(w) | (key + 1);
    else
        d->uncached++;
    return key;
}

/* The counting key of w, from the front cache or its miss path. */
static inline unsigned key_of(ppc_decoder *d, uint32_t w)
{
    dec_front f = d->front[front_of(w)];
    unsigned key1 = f & FRONT_KEY;
    if (__builtin_expect((f & ~FRONT_KEY) == front_tag(w) && key1, 1))
        return key1 - 1;
    return decode_miss(d, w);
}

ppc_class ppc_decode(ppc_decoder *d, uint32_t word)
{
    unsigned key = key_of(d, word), slot = KEY_SLOT(key);
    d->plain[key]++;
    return slot == PPC_COST_DIV ? PPC_MULDIV : (ppc_class)slot;
}

uint64_t ppc_decode_cycles(ppc_decoder *d, uint32_t word)
{
    unsigned key = key_of(d, word);
    d->charged[key]++;
    return d->cycles[KEY_SLOT(key)];
}

ppc_path ppc_decode_path(ppc_decoder *d, uint32_t word)
{
    int hit;
    dec_ent tmp = {0};
    return (ppc_path)lookup(d, word, &hit, &tmp)->path;
}

int ppc_disasm(ppc_decoder *d, uint32_t word, uint64_t pc, char *buf, size_t n)
{
    (void)pc;
    if (cs_decode(d, word))
        return snprintf(buf, n, "%s%s%s", d->insn->mnemonic, d->insn->op_str[0] ? " " : "",
                        d->insn->op_str);
    const char *mn = NULL;
    if (ppc_fallback_decode(word, &mn, NULL) != PPC_INVALID)
        return snprintf(buf, n, "%s (fallback)", mn);
    return snprintf(buf, n, ".long 0x%08x (invalid)", word);
}

/* ---- statistics ---- */

#define SD_F(f) offsetof(ppc_decode_stats, f)
static double share(uint64_t a, uint64_t b)
{
    return b ? (double)a / (double)b : 0.0;
}
static double cs_share(const void *b)
{
    const ppc_decode_stats *s = b;
    return share(s->capstone, s->decodes);
}
static double fb_share(const void *b)
{
    const ppc_decode_stats *s = b;
    return share(s->fallback, s->decodes);
}
static double inv_share(const void *b)
{
    const ppc_decode_stats *s = b;
    return share(s->invalid, s->decodes);
}
static double hit_rate(const void *b)
{
    const ppc_decode_stats *s = b;
    return share(s->cache_hits, s->decodes);
}

#define CLS(i, nm)                                                                         \
    {"class." nm, SK_COUNTER, "insns", "executed instruction words of class " nm,          \
     SD_F(by_class) + (i) * sizeof(uint64_t), NULL},                                       \
    {"cycles." nm, SK_COUNTER, "cycles", "cycles charged to instructions of class " nm,    \
     SD_F(cycles) + (i) * sizeof(uint64_t), NULL}

static const stat_desc decode_stat_list[] = {
    {"decodes", SK_COUNTER, "insns", "instruction words decoded (executed, every record)",
     SD_F(decodes), NULL},
    {"cache_hits", SK_COUNTER, "insns", "decodes answered from the word cache",
     SD_F(cache_hits), NULL},
    {"distinct_words", SK_COUNTER, "words", "distinct instruction words seen (cache entries)",
     SD_F(distinct_words), NULL},
    {"capstone", SK_COUNTER, "insns", "executed words Capstone classified", SD_F(capstone),
     NULL},
    {"fallback", SK_COUNTER, "insns",
     "executed words Capstone did not know and the opcode fallback classified",
     SD_F(fallback), NULL},
    {"invalid", SK_COUNTER, "insns", "executed words neither decoder knows (charged as invalid)",
     SD_F(invalid), NULL},
    {"capstone_share", SK_DERIVED, "", "share of executed words classified by Capstone", 0,
     cs_share},
    {"fallback_share", SK_DERIVED, "", "share of executed words classified by the fallback", 0,
     fb_share},
    {"invalid_share", SK_DERIVED, "", "share of executed words that are invalid", 0, inv_share},
    {"cache_hit_rate", SK_DERIVED, "", "share of decodes answered from the cache", 0, hit_rate},
    CLS(0, "load"),   CLS(1, "store"),  CLS(2, "branch"),   CLS(3, "integer"),
    CLS(4, "muldiv"), CLS(5, "float"),  CLS(6, "vector"),   CLS(7, "barrier"),
    CLS(8, "tlb"),    CLS(9, "syscall"), CLS(10, "other"), CLS(11, "invalid"),
};
const stat_table ppc_decode_stat_table = {
    "cpu.decode", decode_stat_list, sizeof decode_stat_list / sizeof decode_stat_list[0]};
