/*
 * hcall_hpt.c - the PAPR hcalls that manage an LPAR's hashed page table:
 * H_ENTER, H_REMOVE, H_PROTECT, H_READ (H_READ_4), H_CLEAR_REF,
 * H_CLEAR_MOD, H_BULK_REMOVE. Semantics and return codes follow PAPR as
 * implemented by KVM (book3s_hv_rm_mmu.c) and POWER-NOTES.md.
 *
 * Every access the hypervisor makes is charged through the calling
 * thread's caches at the real address of the data: the LMB-table word that
 * translates the guest's logical page, the PTEG line searched, the HPTE
 * words written. Removals and downgrades go through the invalidation
 * pipeline (inval.h): clear or downgrade the HPTE, make the TLBs coherent
 * (the coherency strategy; eager LPAR-scoped tlbie by default), then the
 * slot is free.
 */
#include <assert.h>
#include <string.h>

#include "hyp_int.h"
#include "mmu/hpte_vpn.h"

static hyp_lpar *lpar_of(hcall_ctx *c)
{
    return c->h->lpars[c->lpid];
}

static bool ptex_ok(const hpt *t, uint64_t ptex)
{
    return ptex < t->npteg * HPT_PTEG_SLOTS;
}

/* Read one HPTE (16 bytes) with its modeled cost. */
static hpte read_hpte(hcall_ctx *c, const hpt *t, uint64_t ptex)
{
    hcall_mem(c, hpt_hpte_addr(t, ptex), HPT_HPTE_BYTES, MEM_READ);
    hcall_steps(c, 1);
    return hpt_read(t, ptex);
}

static void write_hpte(hcall_ctx *c, const hpt *t, uint64_t ptex, hpte x)
{
    hcall_mem(c, hpt_hpte_addr(t, ptex), HPT_HPTE_BYTES, MEM_WRITE);
    hpt_write(t, ptex, x);
}

/* An entry as the guest sees it: one the hypervisor made absent (paged
 * out, in relocation) is valid to the guest, as KVM treats V|ABSENT; its r
 * already holds the logical page (hyp.h HYP_XLATE_ABSENT). */
static hpte guest_view(hpte x)
{
    if (x.v & HPTE_V_ABSENT)
        x.v = (x.v & ~(HPTE_V_ABSENT | HPTE_V_HVLOCK)) | HPTE_V_VALID;
    return x;
}

static bool absent(hpte x)
{
    return (x.v & (HPTE_V_ABSENT | HPTE_V_VALID)) == HPTE_V_ABSENT;
}

static int entry_psize(hpte x)
{
    return hpte_decode_psize_any(x.v, x.r);
}

/* H_ENTER(flags, ptex, pteh, ptel) -> rets[0] = ptex used */
static long h_enter(hcall_ctx *c, const uint64_t *a, uint64_t *rets)
{
    hyp_lpar *lp = lpar_of(c);
    const hpt *t = &lp->hpt;
    uint64_t flags = a[0], ptex = a[1], pteh = a[2], ptel = a[3];
    if (!ptex_ok(t, ptex))
        return H_PARAMETER;
    hpte x = {pteh, ptel};
    int ps = entry_psize(x);
    if (ps < 0)
        return H_PARAMETER;
    if ((ptel & HPTE_R_WIMG) != HPTE_R_M)
        return H_PARAMETER; /* RAM must be mapped cacheable, coherent: M only */
    uint64_t psz = 1ULL << hpt_psize_shift((hpt_psize)ps);
    uint64_t la = hpte_real_addr(ptel, (hpt_psize)ps);
    if (la + psz > lp->memory)
        return H_PARAMETER;
    uint64_t ra = hyp_xlate_enter(c, lp, la);
    if (ra == UINT64_MAX)
        return H_PARAMETER;
    bool is_absent = ra == HYP_XLATE_ABSENT;
    for (unsigned i = 0; i < c->h->next && !is_absent; i++)
        if (c->h->ext[i].check_enter) {
            long rc = c->h->ext[i].check_enter(c->h->ext[i].ctx, c, ra, psz);
            if (rc != H_SUCCESS)
                return rc;
        }
    uint64_t pteg = ptex / HPT_PTEG_SLOTS;
    hcall_mem(c, hpt_pteg_addr(t, pteg), HPT_PTEG_BYTES, MEM_READ);
    int slot;
    if (flags & H_EXACT) {
        hcall_steps(c, 1);
        hpte cur = hpt_read(t, ptex);
        slot = (cur.v & (HPTE_V_VALID | HPTE_V_ABSENT)) ? -1 : (int)(ptex % HPT_PTEG_SLOTS);
    } else {
        slot = hpt_first_free_slot(t, pteg);
        hcall_steps(c, slot < 0 ? HPT_PTEG_SLOTS : (uint64_t)slot + 1);
    }
    if (slot < 0)
        return H_PTEG_FULL;
    if (is_absent) {
        /* not resident: an absent entry holding the logical page; the
         * first access faults to the hypervisor (hyp_hv_fault) */
        hpte n = {(pteh & ~(HPTE_V_HVLOCK | HPTE_V_VALID)) | HPTE_V_ABSENT, ptel};
        uint64_t at = pteg * HPT_PTEG_SLOTS + (uint64_t)slot;
        hcall_steps(c, 1);
        write_hpte(c, t, at, n);
        rets[0] = at;
        return H_SUCCESS;
    }
    if (flags & H_ZERO_PAGE) {
        uint64_t line = 128;
        for (uint64_t off = 0; off < psz; off += line)
            hcall_mem(c, ra + off, (uint32_t)line, MEM_ZERO);
    }
    uint64_t rpn_bits = HPTE_R_RPN & ~(psz - 1); /* keep the LP code below the page */
    hpte n;
    n.r = (ptel & ~rpn_bits) | (ra & rpn_bits);
    n.v = (pteh & ~(HPTE_V_HVLOCK | HPTE_V_ABSENT)) | HPTE_V_VALID;
    uint64_t at = pteg * HPT_PTEG_SLOTS + (uint64_t)slot;
    hcall_steps(c, 1);
    write_hpte(c, t, at, n);
    hyp_notify_insert(c, at, n, ra);
    rets[0] = at;
    return H_SUCCESS;
}

/* H_REMOVE(flags, ptex, avpn) -> rets[0..1] = old v, r */
static long h_remove(hcall_ctx *c, const uint64_t *a, uint64_t *rets)
{
    const hpt *t = &lpar_of(c)->hpt;
    if (!ptex_ok(t, a[1]))
        return H_PARAMETER;
    hpte old = read_hpte(c, t, a[1]);
    hpte g = guest_view(old);
    if (!hpte_avpn_match(g.v, a[0], a[2]))
        return H_NOT_FOUND;
    if (absent(old)) {
        /* in no TLB: cleared without a tlbie */
        hcall_steps(c, 1);
        hyp_write_hpte(c, c->lpid, a[1], (hpte){0, 0});
    } else {
        hyp_batch b;
        hyp_batch_init(&b, c, c->lpid);
        hyp_batch_clear(&b, a[1], old);
        hyp_batch_commit(&b);
    }
    rets[0] = g.v;
    rets[1] = g.r;
    return H_SUCCESS;
}

/* H_PROTECT(flags, ptex, avpn): new PP/PP0/N/key from flags (KVM layout). */
static long h_protect(hcall_ctx *c, const uint64_t *a, uint64_t *rets)
{
    (void)rets;
    const hpt *t = &lpar_of(c)->hpt;
    uint64_t flags = a[0], ptex = a[1];
    if (!ptex_ok(t, ptex))
        return H_PARAMETER;
    hpte old = read_hpte(c, t, ptex);
    if (!hpte_avpn_match(guest_view(old).v, flags & H_AVPN, a[2])) /* PAPR: H_AVPN only */
        return H_NOT_FOUND;
    uint64_t bits = ((flags << 55) & HPTE_R_PP0) | ((flags << 48) & HPTE_R_KEY_HI) |
                    (flags & (HPTE_R_PP | HPTE_R_N | HPTE_R_KEY_LO));
    uint64_t mask = HPTE_R_PP0 | HPTE_R_PP | HPTE_R_N | HPTE_R_KEY_HI | HPTE_R_KEY_LO;
    hpte n = {old.v, (old.r & ~mask) | bits};
    if (absent(old)) {
        hcall_steps(c, 1);
        write_hpte(c, t, ptex, n); /* in no TLB: rewritten in place */
        return H_SUCCESS;
    }
    /* write invalid, make the TLBs coherent, write valid */
    hyp_batch b;
    hyp_batch_init(&b, c, c->lpid);
    hyp_batch_downgrade(&b, ptex, old, (hpte){old.v & ~HPTE_V_VALID, old.r});
    hyp_batch_commit(&b);
    hcall_steps(c, 1);
    write_hpte(c, t, ptex, n);
    return H_SUCCESS;
}

/* H_READ(flags, ptex) -> v, r (H_READ_4: 4 pairs from ptex & ~3).
 * H_R_XLATE returns the logical page address in r. */
static long h_read(hcall_ctx *c, const uint64_t *a, uint64_t *rets)
{
    hyp_lpar *lp = lpar_of(c);
    const hpt *t = &lp->hpt;
    uint64_t flags = a[0], ptex = a[1];
    if (!ptex_ok(t, ptex))
        return H_PARAMETER;
    unsigned n = 1;
    if (flags & H_READ_4) {
        ptex &= ~3ULL;
        n = 4;
    }
    hcall_mem(c, hpt_hpte_addr(t, ptex), n * HPT_HPTE_BYTES, MEM_READ);
    for (unsigned i = 0; i < n; i++) {
        hpte x = hpt_read(t, ptex + i);
        hcall_steps(c, 1);
        if (absent(x)) {
            x = guest_view(x); /* r holds the logical page already */
            rets[2 * i] = x.v;
            rets[2 * i + 1] = x.r;
            continue;
        }
        if ((flags & H_R_XLATE) && (x.v & HPTE_V_VALID)) {
            int ps = entry_psize(x);
            uint64_t psz = 1ULL << hpt_psize_shift((hpt_psize)(ps < 0 ? 0 : ps));
            uint64_t ra = hpte_real_addr(x.r, (hpt_psize)(ps < 0 ? 0 : ps));
            uint64_t k = lmb_index_of(&c->h->lmb, c->lpid, ra);
            if (k != UINT64_MAX) {
                hcall_mem(c, lp->lmbtab_paddr + 8 * k, 8, MEM_READ);
                uint64_t la = k * c->h->cfg.lmb_size + ra % c->h->cfg.lmb_size;
                uint64_t rpn_bits = HPTE_R_RPN & ~(psz - 1);
                x.r = (x.r & ~rpn_bits) | (la & rpn_bits);
            }
        }
        rets[2 * i] = x.v;
        rets[2 * i + 1] = x.r;
    }
    return H_SUCCESS;
}

/* H_CLEAR_REF(flags, ptex) -> rets[0] = old r. Clears R and, if it was set,
 * invalidates the TLBs (as KVM's kvmppc_clear_ref_hpte): TLB hits never set
 * R again, so without the tlbie a hot page would look unreferenced. */
static long h_clear_ref(hcall_ctx *c, const uint64_t *a, uint64_t *rets)
{
    const hpt *t = &lpar_of(c)->hpt;
    if (!ptex_ok(t, a[1]))
        return H_PARAMETER;
    hpte x = read_hpte(c, t, a[1]);
    if (!(guest_view(x).v & HPTE_V_VALID))
        return H_NOT_FOUND;
    rets[0] = x.r;
    if (absent(x) && (x.r & HPTE_R_R)) {
        x.r &= ~HPTE_R_R;
        write_hpte(c, t, a[1], x); /* in no TLB */
    } else if (x.r & HPTE_R_R) {
        x.r &= ~HPTE_R_R;
        hyp_batch b;
        hyp_batch_init(&b, c, c->lpid);
        hyp_batch_downgrade(&b, a[1], x, x);
        hyp_batch_commit(&b);
    }
    return H_SUCCESS;
}

/* H_CLEAR_MOD(flags, ptex) -> rets[0] = old r. If C was set the entry is
 * made invalid, the TLBs are invalidated (they may allow stores without
 * setting C again), C is cleared and the entry made valid again. */
static long h_clear_mod(hcall_ctx *c, const uint64_t *a, uint64_t *rets)
{
    const hpt *t = &lpar_of(c)->hpt;
    uint64_t ptex = a[1];
    if (!ptex_ok(t, ptex))
        return H_PARAMETER;
    hpte x = read_hpte(c, t, ptex);
    if (!(guest_view(x).v & HPTE_V_VALID))
        return H_NOT_FOUND;
    rets[0] = x.r;
    if (absent(x) && (x.r & HPTE_R_C)) {
        x.r &= ~HPTE_R_C;
        write_hpte(c, t, ptex, x); /* in no TLB */
    } else if (x.r & HPTE_R_C) {
        hyp_batch b;
        hyp_batch_init(&b, c, c->lpid);
        hyp_batch_downgrade(&b, ptex, x, (hpte){x.v & ~HPTE_V_VALID, x.r});
        hyp_batch_commit(&b);
        uint64_t ra = hyp_hpte_real(x, NULL);
        for (unsigned i = 0; i < c->h->next; i++)
            if (c->h->ext[i].on_clear_mod)
                c->h->ext[i].on_clear_mod(c->h->ext[i].ctx, c, ptex, x, ra);
        x.r &= ~HPTE_R_C;
        write_hpte(c, t, ptex, x);
    }
    return H_SUCCESS;
}

/* H_BULK_REMOVE(tsh0, tsl0, ... tsh3, tsl3): up to 4 removals; the updated
 * translation specifiers come back in rets[0..7]; one tlbie batch. */
static long h_bulk_remove(hcall_ctx *c, const uint64_t *a, uint64_t *rets)
{
    const hpt *t = &lpar_of(c)->hpt;
    hyp_batch b;
    hyp_batch_init(&b, c, c->lpid);
    long rc = H_SUCCESS;
    memcpy(rets, a, 8 * sizeof *rets);
    for (unsigned i = 0; i < H_BULK_REMOVE_MAX_BATCH; i++) {
        uint64_t tsh = a[2 * i], tsl = a[2 * i + 1];
        uint64_t type = tsh & H_BULK_REMOVE_TYPE;
        if (type == H_BULK_REMOVE_END)
            break;
        /* response: type 10, code and R/C filled in here (as KVM: a stale
         * code or R/C in the request is never echoed back) */
        uint64_t resp = (tsh & ~(H_BULK_REMOVE_TYPE | H_BULK_REMOVE_CODE | H_BULK_REMOVE_RC)) |
                        H_BULK_REMOVE_RESPONSE;
        if (type != H_BULK_REMOVE_REQUEST) {
            rets[2 * i] = resp | H_BULK_REMOVE_PARM;
            rc = H_PARAMETER;
            break;
        }
        uint64_t ptex = tsh & H_BULK_REMOVE_PTEX;
        uint64_t fl = tsh & H_BULK_REMOVE_FLAGS;
        if (!ptex_ok(t, ptex) || fl == (H_BULK_REMOVE_ANDCOND | H_BULK_REMOVE_AVPN)) {
            rets[2 * i] = resp | H_BULK_REMOVE_PARM;
            rc = H_PARAMETER;
            break;
        }
        hpte old = read_hpte(c, t, ptex);
        uint64_t hflags = fl == H_BULK_REMOVE_AVPN ? HPTE_FLAG_AVPN
                          : fl == H_BULK_REMOVE_ANDCOND ? HPTE_FLAG_ANDCOND : 0;
        if (!hpte_avpn_match(guest_view(old).v, hflags, tsl)) {
            rets[2 * i] = resp | H_BULK_REMOVE_NOT_FOUND;
            continue;
        }
        if (absent(old))
            hyp_write_hpte(c, c->lpid, ptex, (hpte){0, 0}); /* in no TLB */
        else
            hyp_batch_clear(&b, ptex, old);
        rets[2 * i] = resp | H_BULK_REMOVE_SUCCESS | ((old.r & (HPTE_R_R | HPTE_R_C)) << 51);
    }
    hyp_batch_commit(&b);
    return rc;
}

const hyp_hcall_desc hyp_papr_hcalls[] = {
    {H_ENTER, "H_ENTER", NULL, NULL, h_enter},
    {H_REMOVE, "H_REMOVE", NULL, NULL, h_remove},
    {H_PROTECT, "H_PROTECT", NULL, NULL, h_protect},
    {H_READ, "H_READ", NULL, NULL, h_read},
    {H_BULK_REMOVE, "H_BULK_REMOVE", NULL, NULL, h_bulk_remove},
    {H_CLEAR_REF, "H_CLEAR_REF", NULL, NULL, h_clear_ref},
    {H_CLEAR_MOD, "H_CLEAR_MOD", NULL, NULL, h_clear_mod},
};
const size_t hyp_papr_hcall_count = sizeof hyp_papr_hcalls / sizeof hyp_papr_hcalls[0];
