/*
 * smc_data.c - the SMC data-path hcalls: H_SM_MOVE (real bytes between
 * the caller's logical range and the SMB, hyp_copy, charged to part copy),
 * H_SM_CS_MOVE (8-byte compare-and-swap on a control word; with
 * SIG_IF_WAITING it signals in the same call only if the old word had
 * WAITING set, and clears it), H_SM_SIGNAL (SIGB) and H_SM_SBA (read and
 * clear of the caller's status bit array).
 * Status bit array per (member, VLAN) in hypervisor memory: a summary
 * word, an event word (CLOSED), a bit per SMB of the pool. A signal sets
 * the SMB's bit and the summary; only a 0 -> 1 summary transition is an
 * interrupt (coalescing). Refusals change nothing and move no byte.
 */
#include "smc_int.h"

/* Which side of SMB b the caller is: 0 owner (produces direction 0), 1 peer. */
static unsigned side_of(const smc_smb *b, unsigned lpid) { return b->owner == lpid ? 0 : 1; }

bool smc_raise(smc *s, hcall_ctx *c, uint64_t i, unsigned lpid)
{
    const smc_smb *b = &s->smb[i];
    smc_member *m = smc_member_of(s, lpid, b->vlan);
    uint64_t rel = i - s->pool[b->vlan].first, t0 = c->op.end;
    op_charge(&c->op, SMC_P_SIGNAL, s->cfg.signal_cycles);
    op_charge(&c->op, SMC_P_SIGNAL,
              mem_access(c->port, m->sba_paddr + 16 + rel / 64 * 8, 8, MEM_WRITE, c->op.end));
    m->bits[rel / 64] |= 1ull << (rel % 64);
    bool irq = !m->summary;
    op_charge(&c->op, SMC_P_SIGNAL, mem_access(c->port, m->sba_paddr, 8, MEM_WRITE, c->op.end));
    m->summary = 1;
    s->st.signals_raised++;
    if (irq) {
        s->st.interrupts++;
        s->last_irq = true;
        s->last_irq_lpid = lpid;
    }
    s->last_signal += c->op.end - t0;
    return irq;
}

/* A bound SMB the token names for the caller. */
static long bound_smb(hcall_ctx *c, uint64_t tok, unsigned types, uint64_t *i)
{
    return smc_token_smb(c, tok, types, 1u << SMB_BOUND, i);
}

static bool inside(uint64_t off, uint64_t len, uint64_t lo, uint64_t hi)
{
    return off >= lo && len <= hi - lo && off - lo <= hi - lo - len;
}

/* H_SM_MOVE(token, off, la, len, dir, signal): copy len bytes to
 * (SMC_TO_SMB) or from the SMB at off; signal != 0 raises the other
 * side's bit after the copy (ism_move's sf). */
long smc_h_move(hcall_ctx *c, const uint64_t *a, uint64_t *r)
{
    smc *s = smc_of(c);
    (void)r;
    uint64_t i;
    long rc = bound_smb(c, a[0], 1u << SMC_TOK_OWNER | 1u << SMC_TOK_PEER, &i);
    if (rc != H_SUCCESS)
        return rc;
    const smc_smb *b = &s->smb[i];
    uint64_t off = a[1], la = a[2], len = a[3], dir = a[4];
    hyp_lpar *lp = c->h->lpars[c->lpid];
    if (!len || dir > 1 || !inside(off, len, 0, s->cfg.smb_size) || la >= lp->memory ||
        len > lp->memory - la)
        return H_PARAMETER;
    unsigned side = side_of(b, c->lpid);
    if (s->cfg.direction_check) {
        /* write: the ring the caller produces; read: the ring it consumes
         * or a control line */
        unsigned d = dir == SMC_TO_SMB ? side : 1 - side;
        uint64_t ring = smc_dir_base(s, d) + SMC_CTL;
        bool ok = inside(off, len, ring, ring + s->cfg.smbe_ring);
        for (unsigned k = 0; k < 2 && dir == SMC_FROM_SMB && !ok; k++)
            ok = inside(off, len, smc_dir_base(s, k), smc_dir_base(s, k) + SMC_CTL);
        if (!ok)
            return H_PERMISSION;
    }
    smc_audit_access(s, c->lpid, i, (a[0] >> 48) & 0xFFF, off, len, "H_SM_MOVE");
    uint64_t lmb = c->h->cfg.lmb_size, done = 0;
    while (done < len) {
        uint64_t l = la + done, n = lmb - l % lmb;
        if (n > len - done)
            n = len - done;
        uint64_t real = hyp_xlate_logical(c, lp, l), smbr = b->real + off + done;
        mem_copy_res res;
        if (hyp_copy(c->h, c->thread, c->op.end, dir == SMC_TO_SMB ? smbr : real,
                     dir == SMC_TO_SMB ? real : smbr, n, &res) != 0) {
            smc_fail(s, "out of host memory in H_SM_MOVE");
            return H_NO_MEM;
        }
        op_charge(&c->op, SMC_P_COPY, res.cycles);
        s->last_copy += res.cycles;
        s->last_lines += res.lines_read;
        done += n;
    }
    s->st.moves++;
    s->st.bytes_moved += len;
    if (a[5])
        smc_raise(s, c, i, side ? b->owner : b->peer);
    return H_SUCCESS;
}

/* H_SM_CS_MOVE(token, off, expect, new, flags) -> old, swapped, signalled,
 * interrupt */
long smc_h_cs_move(hcall_ctx *c, const uint64_t *a, uint64_t *r)
{
    smc *s = smc_of(c);
    uint64_t i;
    long rc = bound_smb(c, a[0], 1u << SMC_TOK_OWNER | 1u << SMC_TOK_PEER, &i);
    if (rc != H_SUCCESS)
        return rc;
    const smc_smb *b = &s->smb[i];
    uint64_t off = a[1];
    if (off % 8 || !inside(off, 8, 0, s->cfg.smb_size))
        return H_PARAMETER;
    unsigned dir = off >= smc_dir_base(s, 1) ? 1 : 0, word = (unsigned)(off - smc_dir_base(s, dir)) / 8;
    if (s->cfg.direction_check && word > 1)
        return H_PERMISSION; /* only the control words are CS targets */
    smc_audit_access(s, c->lpid, i, (a[0] >> 48) & 0xFFF, off, 8, "H_SM_CS_MOVE");
    physmem *pm = c->h->env.pm;
    /* a read-modify-write of the line (larx/stcx. in the hypervisor) */
    op_charge(&c->op, c->p_memory, mem_access(c->port, b->real + off, 8, MEM_WRITE, c->op.end));
    hcall_steps(c, 1);
    uint64_t old = 0, nw = a[3];
    physmem_read_bytes(pm, b->real + off, &old, 8);
    r[0] = old;
    r[1] = r[2] = r[3] = 0;
    s->st.cs_moves++;
    if (old != a[2]) {
        s->st.cs_failures++;
        return H_SUCCESS;
    }
    bool sig = (a[4] & SMC_SIG_IF_WAITING) && (old & SMC_WAITING);
    if (sig)
        nw &= ~SMC_WAITING;
    if (physmem_write_bytes(pm, b->real + off, &nw, 8) != 0) {
        smc_fail(s, "out of host memory in H_SM_CS_MOVE");
        return H_NO_MEM;
    }
    smc_audit_cursor(s, i, dir, word, nw);
    r[1] = 1;
    if (sig) {
        r[2] = 1;
        r[3] = smc_raise(s, c, i, side_of(b, c->lpid) ? b->owner : b->peer);
    } else if (a[4] & SMC_SIG_IF_WAITING) {
        s->st.signals_skipped++;
    }
    return H_SUCCESS;
}

/* H_SM_SIGNAL(signal token) -> interrupt (the summary went 0 -> 1) */
long smc_h_signal(hcall_ctx *c, const uint64_t *a, uint64_t *r)
{
    smc *s = smc_of(c);
    uint64_t i;
    long rc = bound_smb(c, a[0], 1u << SMC_TOK_SIG, &i);
    if (rc != H_SUCCESS)
        return rc;
    const smc_smb *b = &s->smb[i];
    smc_audit_access(s, c->lpid, i, (a[0] >> 48) & 0xFFF, 0, 0, "H_SM_SIGNAL");
    r[0] = smc_raise(s, c, i, side_of(b, c->lpid) ? b->owner : b->peer);
    return H_SUCCESS;
}

/* H_SM_SBA(vlan) -> summary, event, bits set, then up to 5 SMB indexes
 * (read and cleared; bits beyond stay set and keep the summary). */
long smc_h_sba(hcall_ctx *c, const uint64_t *a, uint64_t *r)
{
    smc *s = smc_of(c);
    if (a[0] >= s->cfg.vlans)
        return H_PARAMETER;
    smc_member *m = smc_member_of(s, c->lpid, (unsigned)a[0]);
    if (!m || !m->joined)
        return H_AUTHORITY;
    const smc_pool *p = &s->pool[a[0]];
    uint64_t words = (p->cap + 63) / 64, nset = 0, left = 0;
    mem_copy_cfg cc = hyp_copy_cfg(s->h);
    op_charge(&c->op, SMC_P_SIGNAL,
              mem_touch(c->port, m->sba_paddr, 16 + 8 * words, MEM_READ, &cc, c->op.end, NULL));
    hcall_steps(c, words);
    r[0] = m->summary;
    r[1] = m->event;
    for (uint64_t w = 0; w < words; w++)
        for (uint64_t bits = m->bits[w]; bits; bits &= bits - 1) {
            uint64_t k = w * 64 + (uint64_t)__builtin_ctzll(bits);
            if (nset < 5) {
                r[3 + nset++] = p->first + k;
                m->bits[w] &= ~(1ull << (k % 64));
                smc_audit_access(s, c->lpid, p->first + k, s->smb[p->first + k].gen, 0, 0,
                                 "H_SM_SBA");
            } else {
                left++;
            }
        }
    r[2] = nset;
    m->summary = left ? 1 : 0;
    m->event = 0;
    op_charge(&c->op, SMC_P_SIGNAL, mem_access(c->port, m->sba_paddr, 16, MEM_WRITE, c->op.end));
    s->st.sba_scans++;
    return H_SUCCESS;
}
