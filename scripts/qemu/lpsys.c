/*
 * lpsys.c - a QEMU TCG plugin for qemu-system-ppc64 (pseries, ppc64le
 * guest) that writes one execution log per vCPU in the plugin dialect
 * `lparsim trace import --format qemu` reads (docs/linux-guests.md):
 *
 *   # lpsys: qemu system plugin log, vcpu N
 *   I <pc> <word>          executed instruction (hex EA, architectural word)
 *   L <ea> <size> <ra>     load of that instruction: EA, decimal bytes and
 *   S <ea> <size> <ra>     the guest-real address QEMU's softmmu resolved
 *                          (qemu_plugin_hwaddr_phys_addr; '-' for I/O)
 *   E <count>              at exit: the number of I lines of this file
 * Also DIR/plugin-counts.txt (per vCPU counts from reset), DIR/sc1-pcs.txt
 * and DIR/slbmte-pcs.txt (every pc an sc 1 / slbmte executed at).
 *
 * An `sc 1` (word 0x44000022) is an ordinary I line; the recorder script
 * later inserts the hcall the guest recorded after it (an H line).
 * Window: with window=marks (the default) a vCPU logs only between the
 * user-mode marker instructions the workload's lpmark helper executes on
 * it: start = xori r0,r0,0x4c53 ('LS'), stop = xori r0,r0,0x4c45 ('LE')
 * (each executed twice, so r0 is unchanged); window=all logs from reset.
 * Everything outside the window is counted, not logged. At exit it writes
 * DIR/plugin-counts.txt (per vCPU counts from reset, with the number of
 * sc 1 before the window opened) and DIR/sc1-pcs.txt (every pc an sc 1
 * executed at, with its count: the replay under gdb breaks at these).
 * Privilege: plugin API v1 has no register access (no MSR); the rule is by
 * EA only: pc >= 0xc000000000000000 is the kernel (relocation on), any
 * other pc is "other" (user, or kernel code in real mode, which an
 * instruction whose data access has EA == real address betrays: counted).
 *
 * Usage: qemu-system-ppc64 ... -plugin ./lpsys.so,dir=DIR[,window=all]
 * Built with the host compiler: cc -O2 -shared -fPIC lpsys.c -lz -lpthread.
 * The API v1 declarations used are in qemu_plugin_v1.h (Debian ships no
 * qemu-plugin.h), shared with lprec.c; QEMU >= 8.2 needs API 2 and refuses it.
 * Invariant: all state hangs off one context (plus the version symbol and
 * the pointer API v1's translation callback needs); each vCPU writes only
 * its own stream and counters, and translation (which multi-threaded TCG
 * may run on several threads) holds the context's lock.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "qemu_plugin_v1.h"

#define EXPORT __attribute__((visibility("default")))
EXPORT extern const int qemu_plugin_version;
const int qemu_plugin_version = 1;

/* ---- recorder ---- */
#define MAXV 64
#define OBUF (1u << 20)
#define CHUNK 4096
#define W_SC1 0x44000022u
#define W_START 0x68004c53u /* xori r0,r0,0x4c53 */
#define W_STOP 0x68004c45u  /* xori r0,r0,0x4c45 */
#define KERNEL_EA 0xc000000000000000ull
#define SC1_PCS 256 /* distinct sc 1 (and slbmte) pcs kept per vCPU (power of two) */
#define W_SLBMTE 0x7c000324u     /* slbmte RS,RB: opcode 31, XO 402 */
#define W_SLBMTE_MASK 0xfc0007feu

typedef struct sys_ctx sys_ctx;
typedef struct sys_insn { /* one translated instruction (callback userdata) */
    sys_ctx *ctx;
    uint64_t pc;
    uint32_t word;
} sys_insn;
typedef struct sys_chunk {
    struct sys_chunk *next;
    size_t used;
    sys_insn v[CHUNK];
} sys_chunk;

typedef struct vstate { /* one vCPU: touched only by its own thread */
    gzFile f;
    int on, starts, stops;
    uint64_t logged, all, kernel, sc1_all, sc1_logged, real_hint;
    uint64_t last_pc; /* pc of the instruction last executed (real-mode hint) */
    uint64_t sc1_before; /* sc1_all when the window first opened */
    uint64_t sc1_pc[SC1_PCS], sc1_n[SC1_PCS]; /* distinct sc 1 pcs (open addressing) */
    uint64_t sc1_nb[SC1_PCS];                  /* sc1_n when the window first opened */
    int sc1_full;                              /* more distinct pcs than SC1_PCS */
    /* slbmte: the same (the replay under gdb reads its operands) */
    uint64_t slb_all, slb_before;
    uint64_t slb_pc[SC1_PCS], slb_n[SC1_PCS], slb_nb[SC1_PCS];
    int slb_full;
    size_t len;
    char buf[OBUF];
} vstate;

struct sys_ctx {
    char dir[4096];
    int all_window;
    pthread_mutex_t tb_lock; /* translation may run on several vCPU threads (MTTCG) */
    sys_chunk *chunks;
    vstate *v[MAXV];
    uint64_t dropped; /* vCPU indexes >= MAXV */
};

static void out_flush(vstate *s)
{
    if (s->len)
        gzwrite(s->f, s->buf, (unsigned)s->len);
    s->len = 0;
}

static char *put_hex(char *p, uint64_t a)
{
    static const char hx[] = "0123456789abcdef";
    char t[24];
    int k = 0;
    do t[k++] = hx[a & 15]; while (a >>= 4);
    while (k) *p++ = t[--k];
    return p;
}

static void line_insn(vstate *s, uint64_t pc, uint32_t w)
{
    static const char hx[] = "0123456789abcdef";
    if (s->len + 96 > OBUF)
        out_flush(s);
    char *p = s->buf + s->len;
    *p++ = 'I';
    *p++ = ' ';
    p = put_hex(p, pc);
    *p++ = ' ';
    for (int i = 7; i >= 0; i--)
        *p++ = hx[(w >> (4 * i)) & 15];
    *p++ = '\n';
    s->len = (size_t)(p - s->buf);
}

static void line_mem(vstate *s, char tag, uint64_t ea, unsigned size, int io, uint64_t ra)
{
    if (s->len + 96 > OBUF)
        out_flush(s);
    char *p = s->buf + s->len;
    *p++ = tag;
    *p++ = ' ';
    p = put_hex(p, ea);
    *p++ = ' ';
    p += sprintf(p, "%u ", size);
    if (io)
        *p++ = '-';
    else
        p = put_hex(p, ra);
    *p++ = '\n';
    s->len = (size_t)(p - s->buf);
}

static vstate *vget(sys_ctx *c, unsigned vcpu)
{
    if (vcpu >= MAXV) {
        c->dropped++;
        return NULL;
    }
    if (!c->v[vcpu]) {
        vstate *s = calloc(1, sizeof *s);
        char path[4200];
        snprintf(path, sizeof path, "%s/vcpu%u.log.gz", c->dir, vcpu);
        if (!s || !(s->f = gzopen(path, "wb1"))) {
            fprintf(stderr, "lpsys: cannot write %s\n", path);
            abort();
        }
        s->on = c->all_window;
        s->len = (size_t)sprintf(s->buf, "# lpsys: qemu system plugin log, vcpu %u\n", vcpu);
        c->v[vcpu] = s;
    }
    return c->v[vcpu];
}

/* count an executed sc 1 or slbmte at pc in a table of distinct sites
 * (tpc/tn: SC1_PCS slots, open addressing) */
static void site_note(uint64_t *tpc, uint64_t *tn, int *full, uint64_t pc)
{
    unsigned h = (unsigned)((pc >> 2) * 0x9e3779b1u) & (SC1_PCS - 1);
    for (unsigned k = 0; k < SC1_PCS; k++, h = (h + 1) & (SC1_PCS - 1))
        if (tn[h] == 0 || tpc[h] == pc) {
            tpc[h] = pc;
            tn[h]++;
            return;
        }
    *full = 1;
}

static void on_exec(unsigned int vcpu, void *udata)
{
    sys_insn *r = udata;
    vstate *s = vget(r->ctx, vcpu);
    if (!s)
        return;
    int user = r->pc < KERNEL_EA;
    s->all++;
    s->kernel += !user;
    s->last_pc = r->pc;
    if (r->word == W_SC1) {
        s->sc1_all++;
        site_note(s->sc1_pc, s->sc1_n, &s->sc1_full, r->pc);
    } else if ((r->word & W_SLBMTE_MASK) == W_SLBMTE) {
        s->slb_all++;
        site_note(s->slb_pc, s->slb_n, &s->slb_full, r->pc);
    }
    if (user && r->word == W_START && !s->on && !r->ctx->all_window) {
        s->on = 1; /* the first of the two marker words opens the window */
        if (!s->starts) {
            s->sc1_before = s->sc1_all;
            s->slb_before = s->slb_all;
            memcpy(s->sc1_nb, s->sc1_n, sizeof s->sc1_nb);
            memcpy(s->slb_nb, s->slb_n, sizeof s->slb_nb);
        }
        s->starts++;
    }
    if (s->on) {
        s->logged++;
        s->sc1_logged += r->word == W_SC1;
        line_insn(s, r->pc, r->word);
    }
    if (user && r->word == W_STOP && s->on && !r->ctx->all_window) {
        s->on = 0; /* ... and the first stop word closes it (logged) */
        s->stops++;
    }
}

static void on_mem(unsigned int vcpu, qemu_plugin_meminfo_t info, uint64_t vaddr, void *udata)
{
    sys_insn *r = udata;
    vstate *s = vget(r->ctx, vcpu);
    if (!s)
        return;
    struct qemu_plugin_hwaddr *h = qemu_plugin_get_hwaddr(info, vaddr);
    int io = !h || qemu_plugin_hwaddr_is_io(h);
    uint64_t ra = io ? 0 : qemu_plugin_hwaddr_phys_addr(h);
    if (!io && ra == vaddr && s->last_pc < KERNEL_EA)
        s->real_hint++;
    if (s->on)
        line_mem(s, qemu_plugin_mem_is_store(info) ? 'S' : 'L', vaddr,
                 1u << qemu_plugin_mem_size_shift(info), io, ra);
}

static sys_insn *new_insn(sys_ctx *c)
{
    if (!c->chunks || c->chunks->used == CHUNK) {
        sys_chunk *k = calloc(1, sizeof *k);
        if (!k) {
            fprintf(stderr, "lpsys: out of memory\n");
            abort();
        }
        k->next = c->chunks;
        c->chunks = k;
    }
    return &c->chunks->v[c->chunks->used++];
}

/* API v1 hands the translation callback no userdata: the one static
 * pointer, set once by install. */
static sys_ctx *g_ctx;

static void on_tb(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    sys_ctx *c = g_ctx;
    pthread_mutex_lock(&c->tb_lock);
    size_t n = qemu_plugin_tb_n_insns(tb);
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *in = qemu_plugin_tb_get_insn(tb, i);
        const unsigned char *b = qemu_plugin_insn_data(in);
        sys_insn *r = new_insn(c);
        r->ctx = c;
        r->pc = qemu_plugin_insn_vaddr(in);
        /* the guest runs little-endian (ppc64le Linux): memory order ->
         * architectural value */
        r->word = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
                  (uint32_t)b[3] << 24;
        qemu_plugin_register_vcpu_insn_exec_cb(in, on_exec, QEMU_PLUGIN_CB_NO_REGS, r);
        qemu_plugin_register_vcpu_mem_cb(in, on_mem, QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_MEM_RW,
                                         r);
    }
    pthread_mutex_unlock(&c->tb_lock);
}

/* DIR/NAME: per vCPU every distinct pc an sc 1 (sc1-pcs.txt) or an slbmte
 * (slbmte-pcs.txt) executed at, with its count and the count before the
 * window first opened (the replay under gdb breaks at exactly these and
 * checks the counts) */
static void write_sites(sys_ctx *c, int slb)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", c->dir, slb ? "slbmte-pcs.txt" : "sc1-pcs.txt");
    FILE *f = fopen(path, "w");
    if (!f)
        return;
    fprintf(f, "# vcpu pc count before_window\n");
    for (unsigned i = 0; i < MAXV; i++) {
        vstate *s = c->v[i];
        if (!s)
            continue;
        const uint64_t *tpc = slb ? s->slb_pc : s->sc1_pc, *tn = slb ? s->slb_n : s->sc1_n;
        const uint64_t *tb = slb ? s->slb_nb : s->sc1_nb;
        for (unsigned k = 0; k < SC1_PCS; k++)
            if (tn[k])
                fprintf(f, "%u %llx %llu %llu\n", i, (unsigned long long)tpc[k],
                        (unsigned long long)tn[k],
                        (unsigned long long)(s->starts ? tb[k] : tn[k]));
        if (slb ? s->slb_full : s->sc1_full)
            fprintf(f, "# vcpu %u: more than %d distinct %s pcs, list incomplete\n", i,
                    SC1_PCS, slb ? "slbmte" : "sc 1");
    }
    fclose(f);
}

static void on_exit_cb(qemu_plugin_id_t id, void *udata)
{
    (void)id;
    sys_ctx *c = udata;
    char path[4200];
    snprintf(path, sizeof path, "%s/plugin-counts.txt", c->dir);
    FILE *f = fopen(path, "w");
    if (f)
        fprintf(f, "# vcpu insns_all insns_kernel sc1_all insns_logged sc1_logged "
                   "window_starts window_stops realmode_hints sc1_before_window "
                   "slbmte_all slbmte_before_window\n");
    for (unsigned i = 0; i < MAXV; i++) {
        vstate *s = c->v[i];
        if (!s)
            continue;
        out_flush(s);
        gzprintf(s->f, "E %llu\n", (unsigned long long)s->logged);
        gzclose(s->f);
        if (f)
            fprintf(f, "%u %llu %llu %llu %llu %llu %d %d %llu %llu %llu %llu\n", i,
                    (unsigned long long)s->all, (unsigned long long)s->kernel,
                    (unsigned long long)s->sc1_all, (unsigned long long)s->logged,
                    (unsigned long long)s->sc1_logged, s->starts, s->stops,
                    (unsigned long long)s->real_hint, (unsigned long long)s->sc1_before,
                    (unsigned long long)s->slb_all, (unsigned long long)s->slb_before);
    }
    write_sites(c, 0);
    write_sites(c, 1);
    if (f) {
        if (c->dropped)
            fprintf(f, "# %llu events of vCPUs >= %d not recorded\n",
                    (unsigned long long)c->dropped, MAXV);
        fclose(f);
    }
    /* the sys_insn chunks stay: QEMU may still hold callbacks on them */
}

EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc,
                               char **argv);
int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
    const char *dir = NULL, *t = info->target_name ? info->target_name : "?";
    int all = 0;
    for (int i = 0; i < argc; i++)
        if (!strncmp(argv[i], "dir=", 4))
            dir = argv[i] + 4;
        else if (!strcmp(argv[i], "window=all") || !strcmp(argv[i], "window=marks"))
            all = !strcmp(argv[i], "window=all");
        else {
            fprintf(stderr, "lpsys: unknown argument '%s' (expected dir=DIR or "
                            "window=marks|all)\n", argv[i]);
            return -1;
        }
    if (!dir || strlen(dir) >= 4096) {
        fprintf(stderr, "lpsys: missing dir=DIR\n");
        return -1;
    }
    if (strcmp(t, "ppc64") || !info->system_emulation) {
        fprintf(stderr, "lpsys: target %s is not qemu-system-ppc64\n", t);
        return -1;
    }
    sys_ctx *c = calloc(1, sizeof *c);
    if (!c)
        return -1;
    strcpy(c->dir, dir);
    pthread_mutex_init(&c->tb_lock, NULL);
    c->all_window = all;
    g_ctx = c;
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_tb);
    qemu_plugin_register_atexit_cb(id, on_exit_cb, c);
    return 0;
}
