/*
 * trace_text.c - the text form of native traces: one record per line
 * (see trace.h), parsed by tr_text_parse_line and produced by
 * tr_format_text. Invariant: for every valid record r, parsing the line
 * tr_format_text(r) gives back r (fields a kind does not use are zero).
 * A memory access whose bytes wrap past 2^64 is not valid (tr_wraps).
 */
#include "trace_priv.h"

#include <stdio.h>
#include <string.h>

static const char *const kind_names[TR_KIND_COUNT] = {
    "insn", "load", "store", "modify", "hcall", "marker", "hret",
};

static const char kind_letters[TR_KIND_COUNT] = {'I', 'L', 'S', 'M', 'H', 'K', 'R'};

const char *tr_kind_name(unsigned kind)
{
    return kind < TR_KIND_COUNT ? kind_names[kind] : "?";
}

/* After the k characters a line's head needs: " 0x<arg>" per argument;
 * returns the length the whole line needs (snprintf-style). */
static int append_args(const tr_rec *r, char *buf, size_t n, int k)
{
    for (unsigned i = 0; i < r->nargs && i < TR_MAX_ARGS && k >= 0; i++) {
        size_t used = (size_t)k < n ? (size_t)k : n;
        int m = snprintf(buf + used, n - used, " 0x%llx", (unsigned long long)r->args[i]);
        k = m < 0 ? m : k + m;
    }
    return k;
}

int tr_format_text(const tr_rec *r, char *buf, size_t n)
{
    unsigned long long a = r->addr;
    switch (r->kind) {
    case TR_INSN:
        if (r->flags & TRF_WORD)
            return snprintf(buf, n, "I 0x%llx %u 0x%08x", a, r->size, r->word);
        return snprintf(buf, n, "I 0x%llx %u", a, r->size);
    case TR_LOAD:
    case TR_STORE:
    case TR_MODIFY:
        return snprintf(buf, n, "%c 0x%llx %u", kind_letters[r->kind], a, r->size);
    case TR_HCALL:
        return append_args(r, buf, n, snprintf(buf, n, "H 0x%x", r->word));
    case TR_HRET:
        return append_args(r, buf, n, snprintf(buf, n, "R %ld", tr_hret_rc(r)));
    case TR_MARKER:
        return append_args(r, buf, n, snprintf(buf, n, "K %u 0x%llx", r->word, a));
    default:
        return snprintf(buf, n, "# bad record kind %u", r->kind);
    }
}

void tr_quote_line(const char *line, size_t len, char *dst, size_t cap)
{
    size_t k = 0;
    int cut = 0;
    for (size_t i = 0; i < len; i++) {
        if (k + 4 >= cap) {
            cut = 1;
            break;
        }
        unsigned char c = (unsigned char)line[i];
        dst[k++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    if (cut)
        for (int j = 0; j < 3; j++)
            dst[k++] = '.';
    dst[k] = 0;
}

/* Parse an unsigned number: 0x-prefixed hex or decimal, whole token. */
static int parse_num(const char *s, size_t len, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    size_t i = 0;
    if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        i = 2;
        for (; i < len; i++) {
            unsigned c = (unsigned char)s[i], d;
            if (c >= '0' && c <= '9')
                d = c - '0';
            else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
                d = (c | 0x20) - 'a' + 10;
            else
                return -1;
            if (v >> 60)
                return -1;
            v = v << 4 | d;
        }
    } else {
        if (!len)
            return -1;
        for (; i < len; i++) {
            unsigned c = (unsigned char)s[i];
            if (c < '0' || c > '9')
                return -1;
            if (v > (UINT64_MAX - (c - '0')) / 10)
                return -1;
            v = v * 10 + (c - '0');
        }
    }
    if (v > max)
        return -1;
    *out = v;
    return 0;
}

#define MAX_TOK (3 + TR_MAX_ARGS + 1) /* K id value args; one extra to detect too many */

int tr_text_parse_line(const char *line, size_t len, tr_rec *out,
                       const char *path, unsigned long lineno, sim_err *e)
{
    const char *tok[MAX_TOK];
    size_t tl[MAX_TOK];
    size_t nt = 0, i = 0;
    size_t end = len;
    for (size_t j = 0; j < len; j++)
        if (line[j] == '#') {
            end = j;
            break;
        }
    while (i < end) {
        while (i < end && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
            i++;
        if (i == end)
            break;
        size_t s = i;
        while (i < end && line[i] != ' ' && line[i] != '\t' && line[i] != '\r')
            i++;
        if (nt == MAX_TOK) {
            nt++;
            break;
        }
        tok[nt] = line + s;
        tl[nt] = i - s;
        nt++;
    }
    if (!nt)
        return 0;
    const char *expect = NULL;
    uint64_t v[MAX_TOK] = {0};
    int ok = 1;
    int neg = 0; /* R's return code may be negative decimal */
    for (size_t k = 1; k < nt && k < MAX_TOK; k++) {
        const char *t = tok[k];
        size_t l = tl[k];
        if (k == 1 && l > 1 && t[0] == '-' && tl[0] == 1 && tok[0][0] == 'R') {
            neg = 1;
            t++;
            l--;
        }
        if (parse_num(t, l, UINT64_MAX, &v[k]) < 0)
            ok = 0;
    }
    memset(out, 0, offsetof(tr_rec, args));
    char c = tl[0] == 1 ? tok[0][0] : '?';
    switch (c) {
    case 'I':
        expect = "'I <pc> <size> [<word>]' with size 1..255 and a 32-bit word";
        ok = ok && (nt == 3 || nt == 4) && v[2] >= 1 && v[2] <= 255 &&
             v[3] <= UINT32_MAX;
        out->kind = TR_INSN;
        out->flags = nt == 4 ? TRF_WORD : 0;
        out->word = (uint32_t)v[3];
        break;
    case 'L':
    case 'S':
    case 'M':
        expect = c == 'L' ? "'L <ea> <size>' with size 1..255"
               : c == 'S' ? "'S <ea> <size>' with size 1..255"
                          : "'M <ea> <size>' with size 1..255";
        ok = ok && nt == 3 && v[2] >= 1 && v[2] <= 255;
        out->kind = c == 'L' ? TR_LOAD : c == 'S' ? TR_STORE : TR_MODIFY;
        break;
    case 'H':
        expect = "'H <num> [<arg>...]' with a 32-bit number and at most 9 args";
        ok = ok && nt >= 2 && nt <= 2 + TR_MAX_ARGS && v[1] <= UINT32_MAX;
        out->kind = TR_HCALL;
        out->word = (uint32_t)v[1];
        if (ok) {
            out->nargs = (uint8_t)(nt - 2);
            for (size_t k = 0; k < out->nargs; k++)
                out->args[k] = v[2 + k];
        }
        break;
    case 'R':
        expect = "'R <rc> [<value>...]' with a 32-bit signed return code and at most 9 "
                 "values";
        ok = ok && nt >= 2 && nt <= 2 + TR_MAX_ARGS &&
             (neg ? v[1] <= (uint64_t)INT32_MAX + 1 : v[1] <= INT32_MAX);
        out->kind = TR_HRET;
        out->word = (uint32_t)(neg ? 0 - v[1] : v[1]);
        if (ok) {
            out->nargs = (uint8_t)(nt - 2);
            for (size_t k = 0; k < out->nargs; k++)
                out->args[k] = v[2 + k];
        }
        break;
    case 'K':
        expect = "'K <id> [<value> [<arg>...]]' with a 32-bit id and at most 9 args";
        ok = ok && nt >= 2 && nt <= 3 + TR_MAX_ARGS && v[1] <= UINT32_MAX;
        out->kind = TR_MARKER;
        out->word = (uint32_t)v[1];
        out->addr = v[2];
        if (ok && nt > 3) {
            out->nargs = (uint8_t)(nt - 3);
            for (size_t k = 0; k < out->nargs; k++)
                out->args[k] = v[3 + k];
        }
        break;
    default:
        ok = 0;
        expect = "a record 'I|L|S|M <addr> <size>', 'H <num> [<arg>...]', "
                 "'R <rc> [<value>...]' or 'K <id> [<value>]' (numbers 0x-hex or decimal)";
    }
    if (!ok) {
        char q[96];
        size_t ql = end;
        while (ql && (line[ql - 1] == '\r' || line[ql - 1] == ' ' || line[ql - 1] == '\t'))
            ql--;
        tr_quote_line(line, ql, q, sizeof q);
        return sim_errf(e, "%s:%lu: expected %s, got '%s'", path, lineno, expect, q);
    }
    if (out->kind <= TR_MODIFY) {
        out->addr = v[1];
        out->size = (uint8_t)v[2];
        if (tr_wraps(out))
            return sim_errf(e, "%s:%lu: " TR_WRAP_FMT, path, lineno, TR_WRAP_ARGS(out));
    }
    return 1;
}
