/*
 * hcheck.c - replays recorded hcalls on lparsim's hypervisor and compares
 * the results with the recorded ones (hcheck.h). QEMU's semantics compared
 * against are those of hw/ppc/spapr_softmmu.c (QEMU 7.2; spapr_vhyp_mmu.c
 * later), the recordings' functional reference.
 *
 * Normalisation and masks (hcheck_mask_doc, docs/linux-guests.md):
 *  - lparsim's HPTEs hold real addresses (PAPR: H_READ without H_R_XLATE
 *    returns the RPN as in the table), QEMU's hold the guest's logical
 *    ones (its guest real = host model's address): an old r word lparsim
 *    returns has its RPN mapped back to the LPAR's logical address
 *    (hyp_real_to_logical) before the compare;
 *  - v bit 0x40: QEMU's HPTE64_V_HPTE_DIRTY (set on every entry it writes,
 *    for migration), lparsim's HPTE_V_HVLOCK: software bits of each;
 *  - r bits R (0x100) and C (0x80): set by QEMU's TCG MMU on guest
 *    accesses between hcalls, which an hcall-only replay never makes;
 *  - H_BULK_REMOVE's responses: the RC field (0x0c00..., lparsim, PAPR,
 *    KVM) and bits 0x000c... where QEMU puts R and C (`<< 43` instead of
 *    `<< 51`, into the PTEX field); type, code, flags and the rest of the
 *    PTEX are compared.
 */
#include "hcheck.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hyp/hcall.h"
#include "mmu/hpt.h"

#define V_MASK (~0x40ULL)
#define R_MASK (~(HPTE_R_R | HPTE_R_C))
#define QEMU_BULK_RC 0x000c000000000000ULL
#define TSH_MASK (~(H_BULK_REMOVE_RC | QEMU_BULK_RC))

const char *const hcheck_mask_doc[] = {
    "old HPTE r words: lparsim's real RPN mapped back to the LPAR's logical address",
    "HPTE v bit 0x40 masked (QEMU HPTE64_V_HPTE_DIRTY / lparsim HPTE_V_HVLOCK)",
    "HPTE r bits R 0x100 and C 0x80 masked (set by QEMU's MMU on guest accesses)",
    "H_BULK_REMOVE responses: RC bits 0x0c00000000000000 and 0x000c000000000000 masked "
    "(QEMU shifts R/C by 43, not 51)",
    NULL,
};

static const uint32_t op_code[HCHECK_NOPS] = {H_ENTER,     H_REMOVE,    H_READ,
                                              H_CLEAR_REF, H_CLEAR_MOD, H_PROTECT,
                                              H_BULK_REMOVE};

/* Opcodes lparsim has no handler for that Linux guests under QEMU make
 * (Linux asm/hvcall.h; KVMPPC_H_* are QEMU's private ones). */
static const struct {
    uint32_t op;
    const char *name;
    bool hpt; /* changes the HPT in QEMU: later compares may diverge */
} known[] = {
    {0x28, "H_SET_DABR", false},          {0x54, "H_GET_TERM_CHAR", false},
    {0x58, "H_PUT_TERM_CHAR", false},     {0x64, "H_EOI", false},
    {0x68, "H_CPPR", false},              {0x74, "H_XIRR", false},
    {0x138, "H_STUFF_TCE", false},        {0x13C, "H_PUT_TCE_INDIRECT", false},
    {0x1C8, "H_GET_CPU_CHARACTERISTICS", false},
    {0x2EC, "H_HOME_NODE_ASSOCIATIVITY", false},
    {0x300, "H_RANDOM", false},           {0x31C, "H_SET_MODE", false},
    {0x358, "H_CLEAR_HPT", true},         {0x36C, "H_RESIZE_HPT_PREPARE", false},
    {0x370, "H_RESIZE_HPT_COMMIT", true}, {0x37C, "H_REGISTER_PROC_TBL", false},
    {0x3A8, "H_INT_GET_SOURCE_INFO", false},
    {0x3AC, "H_INT_SET_SOURCE_CONFIG", false},
    {0x3B4, "H_INT_GET_QUEUE_INFO", false},
    {0x3B8, "H_INT_SET_QUEUE_CONFIG", false},
    {0x3D0, "H_INT_RESET", false},
    {0xF000, "KVMPPC_H_RTAS", false},     {0xF002, "KVMPPC_H_CAS", false},
    {0xF003, "KVMPPC_H_UPDATE_DT", false},
};

const char *hcheck_op_name(unsigned i)
{
    return i < HCHECK_NOPS ? hcall_name(op_code[i]) : "?";
}

const char *hcheck_opcode_name(uint32_t opcode, char *buf)
{
    const char *n = hcall_name(opcode);
    if (n)
        return n;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (known[i].op == opcode)
            return known[i].name;
    snprintf(buf, 24, "0x%x", (unsigned)opcode);
    return buf;
}

int hcheck_init(hcheck *c, hyp *h, unsigned lpid)
{
    memset(c, 0, sizeof *c);
    c->h = h;
    c->lpid = lpid;
    const hpt *t = hyp_lpar_hpt(h, lpid);
    c->nptes = t->npteg * HPT_PTEG_SLOTS;
    c->io = calloc(c->nptes / 8 + 1, 1);
    return c->io ? 0 : -1;
}

void hcheck_free(hcheck *c)
{
    free(c->io);
    free(c->other);
}

static bool io_get(const hcheck *c, uint64_t x)
{
    return x < c->nptes && (c->io[x / 8] >> (x % 8)) & 1;
}

static void io_put(hcheck *c, uint64_t x, bool on)
{
    if (x >= c->nptes)
        return;
    if (on)
        c->io[x / 8] |= (uint8_t)(1u << (x % 8));
    else
        c->io[x / 8] &= (uint8_t)~(1u << (x % 8));
}

/* Drop the I/O mark of an entry that is no longer valid. */
static void io_refresh(hcheck *c, uint64_t x)
{
    if (io_get(c, x) && !(hpt_read(hyp_lpar_hpt(c->h, c->lpid), x).v & HPTE_V_VALID))
        io_put(c, x, false);
}

/* lparsim's old r word of entry x (v its first word) in the guest's terms. */
static uint64_t logical_r(const hcheck *c, uint64_t x, uint64_t v, uint64_t r)
{
    if (io_get(c, x) || !(v & HPTE_V_VALID))
        return r;
    int ps = hpte_decode_psize_any(v, r);
    if (ps < 0)
        return r;
    uint64_t la = hyp_real_to_logical(c->h, c->lpid, hpte_real_addr(r, (hpt_psize)ps));
    if (la == UINT64_MAX)
        return r;
    uint64_t rpn = HPTE_R_RPN & ~((1ULL << hpt_psize_shift((hpt_psize)ps)) - 1);
    return (r & ~rpn) | (la & rpn);
}

static int count_other(hcheck *c, uint32_t op)
{
    for (unsigned i = 0; i < c->nother; i++)
        if (c->other[i].opcode == op) {
            c->other[i].count++;
            return 0;
        }
    if (c->nother == c->cap_other) {
        unsigned cap = c->cap_other ? 2 * c->cap_other : 16;
        hcheck_other *n = realloc(c->other, cap * sizeof *n);
        if (!n)
            return -1;
        c->other = n;
        c->cap_other = cap;
    }
    c->other[c->nother++] = (hcheck_other){op, 1};
    return 0;
}

static int not_modelled(hcheck *c, uint64_t record, const tr_rec *hc, const tr_rec *ret)
{
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (known[i].op == hc->word && known[i].hpt && (!ret || tr_hret_rc(ret) == H_SUCCESS)) {
            if (!c->hpt_warn++)
                c->first_hpt_warn = record;
        }
    return count_other(c, hc->word);
}

/* An H_ENTER of a page outside the LPAR's memory: QEMU maps I/O there,
 * lparsim has none. Mirror QEMU's entry so the PTEG fills alike. Returns
 * true if it was one (handled), false for an ordinary H_ENTER. */
static bool io_enter(hcheck *c, uint64_t record, const tr_rec *hc, const tr_rec *ret)
{
    uint64_t pteh = hc->args[2], ptel = hc->args[3];
    int ps = hpte_decode_psize_any(pteh, ptel);
    if (ps < 0)
        return false;
    uint64_t psz = 1ULL << hpt_psize_shift((hpt_psize)ps);
    uint64_t la = hpte_real_addr(ptel, (hpt_psize)ps);
    if (la + psz <= hyp_lpar_memory(c->h, c->lpid) && la + psz > la)
        return false;
    c->io_enter++;
    if (!ret || tr_hret_rc(ret) != H_SUCCESS || ret->nargs < 1)
        return true;
    uint64_t x = ret->args[0];
    const hpt *t = hyp_lpar_hpt(c->h, c->lpid);
    if (x >= c->nptes || (hpt_read(t, x).v & (HPTE_V_VALID | HPTE_V_ABSENT))) {
        /* QEMU found the slot free and lparsim did not: state differs */
        hcheck_stat *s = &c->st[HCHECK_ENTER];
        s->calls++;
        s->disagree++;
        if (c->ndiff < HCHECK_MAX_DIFFS)
            c->diff[c->ndiff] = (hcheck_diff){record, hc->word, H_SUCCESS, H_PTEG_FULL, 0,
                                              {0}, {0}, c->trace};
        c->ndiff++;
        return true;
    }
    hpt_write(t, x, (hpte){pteh & ~0x60ULL, ptel});
    io_put(c, x, true);
    c->io_mirrored++;
    return true;
}

/* The (masked) values to compare: n of them into rec[] and sim[]. */
static unsigned values(hcheck *c, unsigned op, const tr_rec *hc, const tr_rec *ret,
                       const uint64_t *rets, bool io_before, uint64_t *rec, uint64_t *sim)
{
    const uint64_t *a = hc->args, *rv = ret->args;
    unsigned n = 0, have = ret->nargs;
    switch (op) {
    case HCHECK_ENTER:
        if (have >= 1)
            rec[n] = rv[0], sim[n++] = rets[0];
        break;
    case HCHECK_REMOVE:
        if (have >= 1)
            rec[n] = rv[0] & V_MASK, sim[n++] = rets[0] & V_MASK;
        if (have >= 2)
            rec[n] = rv[1] & R_MASK,
            sim[n++] = (io_before ? rets[1] : logical_r(c, a[1], rets[0], rets[1])) & R_MASK;
        break;
    case HCHECK_READ: {
        bool four = a[0] & H_READ_4;
        uint64_t x = four ? a[1] & ~3ULL : a[1];
        for (unsigned i = 0; i < (four ? 8u : 2u) && i < have; i++) {
            uint64_t s = rets[i];
            if (i % 2 == 0)
                rec[n] = rv[i] & V_MASK, s &= V_MASK;
            else if (!(a[0] & H_R_XLATE))
                rec[n] = rv[i] & R_MASK, s = logical_r(c, x + i / 2, rets[i - 1], s) & R_MASK;
            else
                rec[n] = rv[i] & R_MASK, s &= R_MASK;
            sim[n++] = s;
        }
        break;
    }
    case HCHECK_CLEAR_REF:
    case HCHECK_CLEAR_MOD:
        if (have >= 1) {
            uint64_t v = hpt_read(hyp_lpar_hpt(c->h, c->lpid), a[1]).v;
            rec[n] = rv[0] & R_MASK, sim[n++] = logical_r(c, a[1], v, rets[0]) & R_MASK;
        }
        break;
    case HCHECK_BULK_REMOVE:
        for (unsigned i = 0; i < 8 && i < have; i += 2)
            rec[n] = rv[i] & TSH_MASK, sim[n++] = rets[i] & TSH_MASK;
        break;
    default:
        break;
    }
    return n;
}

int hcheck_step(hcheck *c, uint64_t record, const tr_rec *hc, const tr_rec *ret)
{
    unsigned op = 0;
    while (op < HCHECK_NOPS && op_code[op] != hc->word)
        op++;
    if (op == HCHECK_NOPS)
        return not_modelled(c, record, hc, ret);
    hcheck_stat *s = &c->st[op];
    if (ret && tr_hret_rc(ret) == H_FUNCTION) {
        s->ref_function++; /* QEMU has no such hcall (TCG: H_CLEAR_REF/MOD) */
        return 0;
    }
    if (op == HCHECK_ENTER && io_enter(c, record, hc, ret))
        return 0;
    uint64_t args[TR_MAX_ARGS] = {0}, rets[TR_MAX_ARGS] = {0}, cycles = 0;
    memcpy(args, hc->args, hc->nargs * sizeof args[0]);
    bool io_before = op == HCHECK_REMOVE && io_get(c, args[1]);
    long rc = hyp_hcall(c->h, c->lpid, c->thread, c->now, hc->word, args, rets, &cycles);
    c->now += cycles;
    if (op == HCHECK_REMOVE)
        io_refresh(c, args[1]);
    if (op == HCHECK_BULK_REMOVE)
        for (unsigned i = 0; i < 8; i += 2)
            if ((args[i] & H_BULK_REMOVE_TYPE) == H_BULK_REMOVE_REQUEST)
                io_refresh(c, args[i] & H_BULK_REMOVE_PTEX);
    s->calls++;
    if (!ret) {
        s->unchecked++;
        return 0;
    }
    long want = tr_hret_rc(ret);
    bool ok = rc == want;
    s->rc_agree += ok;
    hcheck_diff d = {record, hc->word, want, rc, 0, {0}, {0}, c->trace};
    if (ok && (rc == H_SUCCESS || op == HCHECK_BULK_REMOVE)) {
        d.nval = values(c, op, hc, ret, rets, io_before, d.rec, d.sim);
        if (d.nval) {
            s->val_compared++;
            bool same = !memcmp(d.rec, d.sim, d.nval * sizeof d.rec[0]);
            s->val_agree += same;
            ok = same;
        }
    }
    if (!ok) {
        s->disagree++;
        if (c->ndiff < HCHECK_MAX_DIFFS)
            c->diff[c->ndiff] = d;
        c->ndiff++;
    }
    return 0;
}
