/*
 * lprec.c - a QEMU TCG plugin (qemu-user, ppc64 / ppc64le) that writes the
 * execution log `lparsim trace import --format qemu` reads:
 *
 *   # lprec: qemu plugin log, target ppc64le
 *   I <pc> <word>     every executed instruction of thread 0: hex pc and
 *                     the 32-bit word as an architectural value (primary
 *                     opcode = word >> 26), whatever the guest's endianness
 *   L <addr> <size>   each load of that instruction (virtual address,
 *   S <addr> <size>   decimal bytes), in execution order
 *   E <count>         at exit: the number of I lines (a cut log lacks it)
 *
 * Usage: qemu-ppc64le -plugin ./lprec.so,out=LOG PROGRAM [ARGS]
 * Built by scripts/record-ppc64le.sh with the host compiler
 * (cc -O2 -shared -fPIC). Debian ships no qemu-plugin.h: the few
 * declarations used (plugin API version 1, QEMU 7.x) are written out in
 * qemu_plugin_v1.h. Only vCPU 0 (the main thread) is recorded;
 * instructions of other threads are counted in a closing comment.
 * Invariant: all state hangs off one context passed as callback userdata
 * (no globals besides the version QEMU requires).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu_plugin_v1.h"

#define EXPORT __attribute__((visibility("default")))
EXPORT extern const int qemu_plugin_version;
const int qemu_plugin_version = 1;

/* ---- recorder ---- */
#define OBUF (1u << 20)
#define CHUNK 4096

typedef struct rec_ctx rec_ctx;
typedef struct rec_insn {  /* one translated instruction (callback userdata) */
    rec_ctx *ctx;
    uint64_t pc;
    uint32_t word;
} rec_insn;
typedef struct rec_chunk {
    struct rec_chunk *next;
    size_t used;
    rec_insn v[CHUNK];
} rec_chunk;

struct rec_ctx {
    FILE *f;
    int little;            /* guest is little-endian */
    uint64_t insns, other_threads;
    rec_chunk *chunks;
    size_t len;
    char buf[OBUF];
};

static void out_flush(rec_ctx *c)
{
    fwrite(c->buf, 1, c->len, c->f);
    c->len = 0;
}

/* "<tag> <hex a> <hex b or decimal b>\n" */
static void out_line(rec_ctx *c, char tag, uint64_t a, uint64_t b, int b_hex)
{
    static const char hx[] = "0123456789abcdef";
    if (c->len + 64 > OBUF)
        out_flush(c);
    char *p = c->buf + c->len, t[24];
    *p++ = tag;
    *p++ = ' ';
    int k = 0;
    do t[k++] = hx[a & 15]; while (a >>= 4);
    while (k) *p++ = t[--k];
    *p++ = ' ';
    if (b_hex) {
        for (int i = 7; i >= 0; i--)
            *p++ = hx[(b >> (4 * i)) & 15];
    } else {
        do t[k++] = (char)('0' + b % 10); while (b /= 10);
        while (k) *p++ = t[--k];
    }
    *p++ = '\n';
    c->len = (size_t)(p - c->buf);
}

static void on_exec(unsigned int vcpu, void *udata)
{
    rec_insn *r = udata;
    if (vcpu != 0) {
        r->ctx->other_threads++;
        return;
    }
    r->ctx->insns++;
    out_line(r->ctx, 'I', r->pc, r->word, 1);
}

static void on_mem(unsigned int vcpu, qemu_plugin_meminfo_t info, uint64_t vaddr, void *udata)
{
    rec_insn *r = udata;
    if (vcpu == 0)
        out_line(r->ctx, qemu_plugin_mem_is_store(info) ? 'S' : 'L', vaddr,
                 1u << qemu_plugin_mem_size_shift(info), 0);
}

static rec_insn *new_insn(rec_ctx *c)
{
    if (!c->chunks || c->chunks->used == CHUNK) {
        rec_chunk *k = calloc(1, sizeof *k);
        if (!k) {
            fprintf(stderr, "lprec: out of memory\n");
            abort();
        }
        k->next = c->chunks;
        c->chunks = k;
    }
    return &c->chunks->v[c->chunks->used++];
}

/* API v1 hands the translation callback no userdata, so the context is
 * reached through the one static pointer (set once by install; the only
 * mutable global, which a plugin cannot avoid). */
static rec_ctx *g_ctx;

static void on_tb(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    rec_ctx *c = g_ctx;
    size_t n = qemu_plugin_tb_n_insns(tb);
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *in = qemu_plugin_tb_get_insn(tb, i);
        const unsigned char *b = qemu_plugin_insn_data(in);
        rec_insn *r = new_insn(c);
        r->ctx = c;
        r->pc = qemu_plugin_insn_vaddr(in);
        /* the first 4 bytes (a POWER10 prefixed instruction keeps only its
         * prefix word); memory order -> architectural value */
        r->word = c->little ? (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
                                  (uint32_t)b[3] << 24
                            : (uint32_t)b[3] | (uint32_t)b[2] << 8 | (uint32_t)b[1] << 16 |
                                  (uint32_t)b[0] << 24;
        (void)qemu_plugin_insn_size(in);
        qemu_plugin_register_vcpu_insn_exec_cb(in, on_exec, QEMU_PLUGIN_CB_NO_REGS, r);
        qemu_plugin_register_vcpu_mem_cb(in, on_mem, QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_MEM_RW,
                                         r);
    }
}

static void on_exit_cb(qemu_plugin_id_t id, void *udata)
{
    (void)id;
    rec_ctx *c = udata;
    out_flush(c);
    if (c->other_threads)
        fprintf(c->f, "# %llu instructions of other threads not recorded\n",
                (unsigned long long)c->other_threads);
    fprintf(c->f, "E %llu\n", (unsigned long long)c->insns);
    fclose(c->f);
    /* the rec_insn chunks stay: QEMU may still hold callbacks on them */
}

EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc,
                               char **argv);
int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv)
{
    const char *out = NULL, *t = info->target_name ? info->target_name : "?";
    for (int i = 0; i < argc; i++)
        if (!strncmp(argv[i], "out=", 4))
            out = argv[i] + 4;
        else {
            fprintf(stderr, "lprec: unknown argument '%s' (expected out=FILE)\n", argv[i]);
            return -1;
        }
    if (!out) {
        fprintf(stderr, "lprec: missing out=FILE\n");
        return -1;
    }
    if (strncmp(t, "ppc64", 5)) {
        fprintf(stderr, "lprec: target %s is not ppc64 or ppc64le\n", t);
        return -1;
    }
    rec_ctx *c = calloc(1, sizeof *c);
    if (!c || !(c->f = fopen(out, "w"))) {
        fprintf(stderr, "lprec: cannot write %s\n", out);
        free(c);
        return -1;
    }
    c->little = !strcmp(t + 5, "le");
    fprintf(c->f, "# lprec: qemu plugin log, target %s\n", t);
    g_ctx = c;
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_tb);
    qemu_plugin_register_atexit_cb(id, on_exit_cb, c);
    return 0;
}
