/*
 * trace_import_qemu.c - the "qemu" importer: execution logs of POWER
 * programs run under qemu-user, in either of two dialects (a file may use
 * only one; see docs/trace_format.md):
 *
 *   plugin log (scripts/qemu/lprec.c, what scripts/record-ppc64le.sh uses;
 *   scripts/qemu/lpsys.c, what scripts/record-linux-guest.sh uses):
 *     "I <pc> <word>"  executed instruction (hex pc, 8 hex digits word)
 *     "L <ea> <size> [<ra>|-]"  load by the instruction before (decimal
 *                      size 1..255; lpsys adds the guest-real address, or
 *                      '-' for I/O: checked, not kept: the native format
 *                      has no field for it yet)
 *     "S <ea> <size> [<ra>|-]"  store
 *     "H <num> [<arg>...]"  the hcall of the sc 1 (word 0x44000022) on the
 *                      line before: a TR_HCALL (hex number < 2^32, at most
 *                      TR_MAX_ARGS hex arguments); before the first I line,
 *                      an hcall the guest made before the recorded window
 *                      (the prologue: any number of them)
 *     "R <rc> [<val>...]"  what the hcall on the line before returned in
 *                      the recording: a TR_HRET (decimal return code, maybe
 *                      negative, at most TR_MAX_ARGS hex values)
 *     "K <id> <value> [<arg>...]"  an SLB marker (decimal id 16..18, hex
 *                      value and arguments): 18 is an slbmte with its
 *                      operands, K 18 <RB> <RS>; or K 19 <n>, the hcall
 *                      order of the H line that directly follows (no
 *                      arguments; it keeps an sc 1 before it pending)
 *     "E <count>"      last line: number of I lines (catches a cut log)
 *   QEMU's own log, `qemu-ppc64le -singlestep -d in_asm,exec,nochain`:
 *     in_asm blocks "IN: sym" then "0x<pc>:  <word>  <disassembly>" lines
 *     give the word at each pc (per translation block); exec lines
 *     "Trace N: 0x<host> [<cs_base>/<pc>/<flags>/<cflags>] sym" execute the
 *     block at pc (all of its instructions: one with -singlestep);
 *     "Stopped execution of TB chain before 0x<host> [<pc>] sym" cancels
 *     the block just announced (QEMU did not start it).
 * Words are architectural values (primary opcode = word >> 26). Every
 * instruction becomes a TR_INSN of size 4 with TRF_WORD.
 * Invariants: an executed pc always has a word (else an error); the last
 * line must end in a newline; a plugin log must end with a matching E line;
 * an H line follows its sc 1 directly, at most one per sc 1, or comes
 * before any I line; an R line follows its H line directly. The output is
 * a format version 3 trace (R records, up to 9 hcall arguments).
 */
#include "trace_priv.h"

#include <stdlib.h>
#include <string.h>

typedef struct qslot {
    uint64_t pc;   /* key + 1 is stored in used slots: 0 marks empty */
    uint32_t word;
    uint32_t tb_len; /* instructions of the block starting here (0: none) */
} qslot;

struct tr_qemu {
    qslot *tab;
    size_t cap, used;
    int dialect;        /* 0 none yet, 1 plugin, 2 qemu -d log */
    int ended;          /* plugin: E line seen */
    int have_insn;      /* plugin: an I line seen (data may follow) */
    int after_sc;       /* plugin: the line before was an sc 1 (an H may follow) */
    int after_h;        /* plugin: the line before was an H (an R may follow) */
    unsigned long hseq_line; /* plugin: the line before was 'K 19 <n>' (its line; 0:
                                not): only an H line may follow */
    uint64_t insns;     /* plugin: I lines */
    uint64_t tb_pc;     /* -d: first pc of the in_asm block being read */
    uint64_t tb_next;   /* -d: pc the next in_asm line must have */
    int in_block;       /* -d: inside an in_asm block */
    int pending;        /* -d: an announced block not yet written */
    uint64_t pend_pc;
    unsigned long pend_line;
};

tr_qemu *tr_qemu_create(void) { return calloc(1, sizeof(tr_qemu)); }

void tr_qemu_destroy(tr_qemu *q)
{
    if (q)
        free(q->tab);
    free(q);
}

static size_t qhash(uint64_t pc, size_t cap)
{
    return (size_t)((pc >> 2) * 0x9e3779b97f4a7c15ull >> 20) & (cap - 1);
}

/* Slot of pc, created if missing (NULL when out of memory). */
static qslot *qslot_get(tr_qemu *q, uint64_t pc, int create)
{
    if (create && (q->used + 1) * 2 > q->cap) {
        size_t ncap = q->cap ? q->cap * 2 : 4096;
        qslot *nt = calloc(ncap, sizeof *nt);
        if (!nt)
            return NULL;
        for (size_t i = 0; i < q->cap; i++)
            if (q->tab[i].pc) {
                size_t j = qhash(q->tab[i].pc - 1, ncap);
                while (nt[j].pc)
                    j = (j + 1) & (ncap - 1);
                nt[j] = q->tab[i];
            }
        free(q->tab);
        q->tab = nt;
        q->cap = ncap;
    }
    if (!q->cap)
        return NULL;
    size_t j = qhash(pc, q->cap);
    while (q->tab[j].pc) {
        if (q->tab[j].pc == pc + 1)
            return &q->tab[j];
        j = (j + 1) & (q->cap - 1);
    }
    if (!create)
        return NULL;
    q->tab[j].pc = pc + 1;
    q->used++;
    return &q->tab[j];
}

static int starts(const char *s, size_t n, const char *p)
{
    size_t k = strlen(p);
    return n >= k && !memcmp(s, p, k);
}

static void skip_sp(const char *s, size_t n, size_t *i)
{
    while (*i < n && (s[*i] == ' ' || s[*i] == '\t'))
        (*i)++;
}

/* Hex number, "0x" optional. */
static int hex_field(const char *s, size_t n, size_t *i, uint64_t *v)
{
    if (*i + 1 < n && s[*i] == '0' && (s[*i + 1] == 'x' || s[*i + 1] == 'X'))
        *i += 2;
    return tr_imp_hex(s, n, i, v);
}

/* Write the instruction at pc (from the log line `line`). */
static int emit_insn(tr_writer *w, uint64_t pc, uint32_t word, const char *path,
                     unsigned long line, sim_err *e)
{
    tr_rec r;
    memset(&r, 0, sizeof r);
    r.kind = TR_INSN;
    r.size = 4;
    r.flags = TRF_WORD;
    r.word = word;
    r.addr = pc;
    if (tr_imp_span(&r, path, line, e) < 0)
        return -1;
    return tr_write(w, &r, e);
}

/* -d dialect: write the announced block (its instructions, in order). */
static int flush_pending(tr_qemu *q, tr_writer *w, const char *path, sim_err *e)
{
    if (!q->pending)
        return 0;
    q->pending = 0;
    qslot *s = qslot_get(q, q->pend_pc, 0);
    if (!s || !s->tb_len)
        return sim_errf(e, "%s:%lu: executed pc 0x%llx has no instruction word; expected "
                        "its in_asm lines earlier (record with -d in_asm,exec,nochain)",
                        path, q->pend_line, (unsigned long long)q->pend_pc);
    uint32_t n = s->tb_len;
    for (uint32_t k = 0; k < n; k++) {
        qslot *t = k ? qslot_get(q, q->pend_pc + 4ull * k, 0) : s;
        if (!t || emit_insn(w, q->pend_pc + 4ull * k, t->word, path, q->pend_line, e) < 0)
            return t ? -1 : sim_errf(e, "%s:%lu: no word for pc 0x%llx", path, q->pend_line,
                                     (unsigned long long)(q->pend_pc + 4ull * k));
    }
    return 0;
}

/* "<cpu>: 0x<host> [<cs_base>/<pc>/..." or "... [<pc>]": the pc. */
static int exec_pc(const char *s, size_t n, int stopped, uint64_t *pc)
{
    const char *b = memchr(s, '[', n);
    if (!b)
        return -1;
    size_t i = (size_t)(b - s) + 1;
    uint64_t v;
    if (!stopped) {
        if (tr_imp_hex(s, n, &i, &v) < 0 || i >= n || s[i] != '/')
            return -1;
        i++;
    }
    if (tr_imp_hex(s, n, &i, pc) < 0 || i >= n || s[i] != (stopped ? ']' : '/'))
        return -1;
    return 0;
}

static int dlog_line(tr_qemu *q, const char *s, size_t n, tr_writer *w, const char *path,
                     unsigned long line, sim_err *e)
{
    uint64_t pc, v;
    size_t i = 0;
    if (starts(s, n, "Trace ")) {
        if (exec_pc(s, n, 0, &pc) < 0)
            return -1;
        if (flush_pending(q, w, path, e) < 0)
            return -2;
        q->pending = 1;
        q->pend_pc = pc;
        q->pend_line = line;
        q->in_block = 0;
        return 0;
    }
    if (starts(s, n, "Stopped execution of TB chain before ")) {
        if (exec_pc(s, n, 1, &pc) < 0)
            return -1;
        if (q->pending && q->pend_pc == pc)
            q->pending = 0;
        return 0;
    }
    if (starts(s, n, "IN:")) {
        q->in_block = 1;
        q->tb_pc = q->tb_next = UINT64_MAX;
        return 0;
    }
    if (starts(s, n, "----------------") || tr_imp_blank(s, n)) {
        q->in_block = 0;
        return 0;
    }
    if (!q->in_block || !starts(s, n, "0x"))
        return -1;
    if (hex_field(s, n, &i, &pc) < 0 || i >= n || s[i] != ':')
        return -1;
    i++;
    skip_sp(s, n, &i);
    size_t w0 = i;
    if (tr_imp_hex(s, n, &i, &v) < 0 || i - w0 != 8 || (i < n && s[i] != ' ' && s[i] != '\t'))
        return -1;
    if (q->tb_next != UINT64_MAX && pc != q->tb_next)
        return sim_errf(e, "%s:%lu: in_asm block is not contiguous: pc 0x%llx after 0x%llx",
                        path, line, (unsigned long long)pc,
                        (unsigned long long)(q->tb_next - 4)), -2;
    qslot *sl = qslot_get(q, pc, 1);
    if (!sl)
        return sim_errf(e, "%s:%lu: out of memory", path, line), -2;
    sl->word = (uint32_t)v;
    if (q->tb_pc == UINT64_MAX) {
        q->tb_pc = pc;
        sl->tb_len = 0;
    }
    qslot *head = qslot_get(q, q->tb_pc, 0);
    head->tb_len++;
    q->tb_next = pc + 4;
    return 0;
}

#define SC1_WORD 0x44000022u /* sc 1: the hypervisor call */

/* Up to TR_MAX_ARGS hex values after s[i] into r (H arguments, R values). */
static int hex_list(const char *s, size_t n, size_t i, tr_rec *r, const char *path,
                    unsigned long line, sim_err *e)
{
    uint64_t v;
    for (;;) {
        size_t j = i;
        skip_sp(s, n, &i);
        if (tr_imp_blank(s + i, n - i))
            return 0;
        if (i == j || hex_field(s, n, &i, &v) < 0 || (i < n && s[i] != ' ' && s[i] != '\t'))
            return -1;
        if (r->nargs == TR_MAX_ARGS)
            return sim_errf(e, "%s:%lu: %s line has more than %d values; a native "
                            "%s record holds at most %d", path, line,
                            r->kind == TR_HCALL ? "hcall" : "hcall return",
                            TR_MAX_ARGS, r->kind == TR_HCALL ? "hcall" : "return",
                            TR_MAX_ARGS), -2;
        r->args[r->nargs++] = v;
    }
}

/* "H <num> [<arg>...]" and "R <rc> [<val>...]" (i after the tag and blanks). */
static int hcall_line(tr_qemu *q, char k, const char *s, size_t n, size_t i, tr_writer *w,
                      const char *path, unsigned long line, sim_err *e)
{
    tr_rec r;
    memset(&r, 0, sizeof r);
    r.kind = k == 'H' ? TR_HCALL : TR_HRET;
    uint64_t v;
    if (k == 'H') {
        if (hex_field(s, n, &i, &v) < 0 || v > 0xffffffffu)
            return -1;
    } else {
        int neg = i < n && s[i] == '-';
        i += (size_t)neg;
        if (tr_imp_dec(s, n, &i, neg ? (uint64_t)INT32_MAX + 1 : INT32_MAX, &v) < 0 ||
            (i < n && s[i] != ' ' && s[i] != '\t'))
            return -1;
        v = neg ? 0 - v : v;
    }
    r.word = (uint32_t)v;
    int rc = hex_list(s, n, i, &r, path, line, e);
    if (rc < 0)
        return rc;
    if (k == 'H' && !q->after_sc && q->have_insn)
        return sim_errf(e, "%s:%lu: hcall line 'H <num> ...' not right after an sc 1 "
                        "('I <pc> 44000022') nor before the first instruction; expected "
                        "one H line per sc 1", path, line), -2;
    if (k == 'R' && !q->after_h)
        return sim_errf(e, "%s:%lu: hcall return line 'R <rc> ...' not right after an hcall "
                        "line 'H <num> ...'; expected at most one R line per H", path, line),
               -2;
    q->after_sc = 0;
    q->after_h = k == 'H';
    return tr_write(w, &r, e) < 0 ? -2 : 0;
}

/* "K <id> <value> [<arg>...]": an SLB marker (decimal id 16..18, hex value
 * and arguments) or an hcall order marker (K 19 <n>, before its H line);
 * i after the tag and blanks. */
static int marker_line(tr_qemu *q, const char *s, size_t n, size_t i, tr_writer *w,
                       const char *path, unsigned long line, sim_err *e)
{
    tr_rec r;
    memset(&r, 0, sizeof r);
    r.kind = TR_MARKER;
    uint64_t id;
    if (tr_imp_dec(s, n, &i, 0xffffffffu, &id) < 0 || i >= n || (s[i] != ' ' && s[i] != '\t'))
        return -1;
    skip_sp(s, n, &i);
    if (hex_field(s, n, &i, &r.addr) < 0 || (i < n && s[i] != ' ' && s[i] != '\t'))
        return -1;
    r.word = (uint32_t)id;
    int rc = hex_list(s, n, i, &r, path, line, e);
    if (rc < 0)
        return rc;
    if (id < TR_MARK_SLBIE || id > TR_MARK_HSEQ)
        return sim_errf(e, "%s:%lu: marker line 'K %llu ...': expected an SLB marker (16 slbie, "
                        "17 slbia, 18 slbmte) or an hcall order (19)", path, line,
                        (unsigned long long)id), -2;
    if (id == TR_MARK_SLBMTE && r.nargs != 1)
        return sim_errf(e, "%s:%lu: slbmte marker 'K 18 <rb> <rs>' with %u arguments; expected "
                        "one (RS)", path, line, r.nargs), -2;
    if (id == TR_MARK_HSEQ && r.nargs)
        return sim_errf(e, "%s:%lu: hcall order marker 'K 19 <n>' with %u arguments; expected "
                        "none", path, line, r.nargs), -2;
    if (id == TR_MARK_HSEQ) {
        q->hseq_line = line; /* an sc 1 before it stays pending for its H line */
        q->after_h = 0;
        return tr_write(w, &r, e) < 0 ? -2 : 0;
    }
    q->after_sc = q->after_h = 0; /* before the first I line: the prologue's SLB loads */
    return tr_write(w, &r, e) < 0 ? -2 : 0;
}

static int plugin_line(tr_qemu *q, const char *s, size_t n, tr_writer *w, const char *path,
                       unsigned long line, sim_err *e)
{
    size_t i = 1;
    uint64_t a, b;
    char k = s[0];
    if (q->ended)
        return sim_errf(e, "%s:%lu: data after the end line 'E <count>'", path, line), -2;
    if (q->hseq_line && k != 'H')
        return sim_errf(e, "%s:%lu: an hcall order line 'K 19 <n>' (line %lu) not directly "
                        "followed by an hcall line 'H <num> ...'; expected K 19 right before "
                        "the H it orders", path, line, q->hseq_line), -2;
    q->hseq_line = 0;
    skip_sp(s, n, &i);
    if (k == 'E') {
        if (tr_imp_dec(s, n, &i, UINT64_MAX / 10 - 1, &a) < 0 || !tr_imp_blank(s + i, n - i))
            return -1;
        if (a != q->insns)
            return sim_errf(e, "%s:%lu: the log ends with 'E %llu' but holds %llu "
                            "instructions", path, line, (unsigned long long)a,
                            (unsigned long long)q->insns), -2;
        q->ended = 1;
        return 0;
    }
    if (k == 'H' || k == 'R')
        return hcall_line(q, k, s, n, i, w, path, line, e);
    if (k == 'K')
        return marker_line(q, s, n, i, w, path, line, e);
    q->after_sc = q->after_h = 0;
    if (hex_field(s, n, &i, &a) < 0 || i >= n || (s[i] != ' ' && s[i] != '\t'))
        return -1;
    skip_sp(s, n, &i);
    if (k == 'I') {
        if (hex_field(s, n, &i, &b) < 0 || b > 0xffffffffu || !tr_imp_blank(s + i, n - i))
            return -1;
        q->have_insn = 1;
        q->after_sc = b == SC1_WORD;
        q->insns++;
        return emit_insn(w, a, (uint32_t)b, path, line, e) < 0 ? -2 : 0;
    }
    if (tr_imp_dec(s, n, &i, 255, &b) < 0 || b == 0)
        return -1;
    if (!tr_imp_blank(s + i, n - i)) { /* the real address (lpsys), or '-' for I/O */
        uint64_t ra;
        size_t j = i;
        skip_sp(s, n, &i);
        if (i == j)
            return -1;
        if (i < n && s[i] == '-')
            i++;
        else if (hex_field(s, n, &i, &ra) < 0)
            return -1;
        if (!tr_imp_blank(s + i, n - i))
            return -1;
    }
    if (!q->have_insn)
        return sim_errf(e, "%s:%lu: data access before any instruction", path, line), -2;
    tr_rec r;
    memset(&r, 0, sizeof r);
    r.kind = k == 'L' ? TR_LOAD : TR_STORE;
    r.size = (uint8_t)b;
    r.addr = a;
    return tr_imp_span(&r, path, line, e) < 0 || tr_write(w, &r, e) < 0 ? -2 : 0;
}

int tr_qemu_line(tr_qemu *q, const char *s, size_t n, tr_writer *w, const char *path,
                 unsigned long line, sim_err *e)
{
    while (n && s[n - 1] == '\r')
        n--;
    if (n && s[0] == '#')
        return 0;
    if (tr_imp_blank(s, n) && q->dialect != 2)
        return 0;
    /* plugin lines are one letter and a blank; QEMU's start as below */
    int plug = n >= 2 && strchr("ILSHRKE", s[0]) && (s[1] == ' ' || s[1] == '\t');
    int qem = starts(s, n, "Trace ") || starts(s, n, "IN:") || starts(s, n, "0x");
    int d = q->dialect ? q->dialect : plug ? 1 : 2;
    if ((d == 1 && qem) || (d == 2 && plug))
        return sim_errf(e, "%s:%lu: mixes the plugin log ('I <pc> <word>' lines) with "
                        "QEMU's -d log ('Trace' lines); expected one of them", path, line);
    q->dialect = d;
    int k = d == 1 ? plugin_line(q, s, n, w, path, line, e)
                   : dlog_line(q, s, n, w, path, line, e);
    if (k == -1) {
        char qt[96];
        tr_quote_line(s, n, qt, sizeof qt);
        return sim_errf(e, d == 1
                        ? "%s:%lu: expected a plugin log line 'I <pc> <word>', "
                          "'L|S <addr> <size> [<real addr>|-]' (size 1..255), "
                          "'H <num> [<arg>...]', 'R <rc> [<val>...]', "
                          "'K <id> <value> [<arg>...]' or 'E <count>', got '%s'"
                        : "%s:%lu: expected a QEMU -d in_asm,exec log line ('IN:', "
                          "'0x<pc>:  <8-digit word> ...', 'Trace ...'), got '%s'",
                        path, line, qt);
    }
    return k < 0 ? -1 : 0;
}

int tr_qemu_finish(tr_qemu *q, tr_writer *w, const char *path, unsigned long line,
                   int last_has_newline, sim_err *e)
{
    if (line && !last_has_newline)
        return sim_errf(e, "%s:%lu: truncated log: the last line has no newline", path, line);
    if (q->hseq_line)
        return sim_errf(e, "%s:%lu: the log ends after an hcall order line 'K 19 <n>' (line "
                        "%lu); expected the H line it orders after it", path, line,
                        q->hseq_line);
    if (q->dialect == 1 && !q->ended)
        return sim_errf(e, "%s:%lu: truncated log: no end line 'E <count>' (was QEMU or "
                        "the program killed?)", path, line);
    if (q->dialect == 0)
        return sim_errf(e, "%s: empty log: no instructions; expected a QEMU plugin log or "
                        "a -d in_asm,exec,nochain log", path);
    return flush_pending(q, w, path, e);
}
