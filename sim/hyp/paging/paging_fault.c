/*
 * paging_fault.c - the hypervisor's fault path for shared-memory LPARs
 * (the KVM analogue, kvmppc_hpte_hv_fault and kvmppc_book3s_hv_page_fault):
 * a translation miss of a shared LPAR enters the hypervisor, which searches
 * the PTEGs for an absent entry; none: the miss is the guest's (reflected,
 * every guest fault pays this); one: the page is made resident (zero fill
 * on first touch, or a read from the paging device while the vCPU waits,
 * off its thread when it is a shared processor's) and that entry made
 * valid. Other absent entries of the page become valid at their own
 * faults. Also the guest kernel's own accesses (hyp_guest_real).
 * Simplification: the page's bytes and its HPTE are installed when the
 * read is issued; the faulting vCPU is held until the device completes,
 * but another vCPU touching the page meanwhile finds it present.
 */

#include "paging_int.h"

enum { P_ENTRY, P_FIND, P_LOOKUP, P_ALLOC, P_DQ, P_DS, P_COPY, P_HPTE };

/* Page lpn of l made resident for a guest access of kind `access`
 * (HYP_ACC_*), charged to c (paging.fault's parts); *until: when its bytes
 * are in the frame (a device read's completion, or now); *queued: the
 * read's wait for a device slot. PG_NOFRAME: e set. */
static uint32_t make_resident(paging *f, hcall_ctx *c, pg_lpar *l, uint64_t lpn, int access,
                              uint64_t *until, uint64_t *queued, sim_err *e)
{
    *queued = 0;
    hcall_use_part(c, P_LOOKUP);
    pg_ppt_access(f, c, l, lpn, MEM_READ);
    if (l->state[lpn] == PG_RESIDENT) {
        f->st.joins++;
        *until = c->op.end;
        return l->frame[lpn];
    }
    hcall_use_part(c, P_ALLOC);
    uint64_t ready;
    uint32_t fr = pg_alloc(f, c, &ready, e);
    if (fr == PG_NOFRAME)
        return PG_NOFRAME;
    uint64_t fa = pg_frame_addr(f, fr);
    hcall_mem(c, pg_ftab_addr(f, fr), 8, MEM_WRITE);
    if (ready > c->op.end)
        op_charge(&c->op, P_ALLOC, ready - c->op.end); /* its victim's write-back */
    bool read = l->state[lpn] == PG_PAGED_OUT;
    if (!read) { /* unbacked, or loaned: the guest's error, counted */
        if (l->state[lpn] == PG_LOANED) {
            f->cst.loaned_touches++;
            l->loaned--;
        }
        l->demand++;
        hcall_use_part(c, P_COPY);
        physmem_zero(f->h->env.pm, fa, PG_PAGE);
        hcall_mem(c, fa, PG_PAGE, MEM_ZERO);
        f->st.zero_fills++;
        l->copy_valid[lpn] = 0;
        *until = c->op.end;
    } else {
        const pagedev_stats *ds = pagedev_get_stats(l->dev);
        uint64_t q0 = ds->host_queue_cycles, done;
        if (pagedev_io(l->dev, PAGEDEV_READ, pg_slot(l, lpn), PG_PAGE, f->buf, c->op.end, &done,
                       e) != 0) {
            sim_err_prefix(e, "paging device of LPAR %s", hyp_lpar_name(f->h, l->lpid));
            return PG_NOFRAME;
        }
        *queued = ds->host_queue_cycles - q0;
        /* the device's DMA lands the bytes; cached copies of the frame's old
         * contents are not invalidated (timing only: caches hold no data) */
        physmem_write_bytes(f->h->env.pm, fa, f->buf, PG_PAGE);
        f->st.page_ins++;
        l->copy_valid[lpn] = 1;
        *until = done + f->vios_cycles;
    }
    l->state[lpn] = PG_RESIDENT;
    l->frame[lpn] = fr;
    f->fr[fr].owner = l->index + 1;
    f->fr[fr].lpn = (uint32_t)lpn;
    l->resident++;
    pg_frame_resident(f, fr);
    hcall_use_part(c, P_HPTE);
    pg_ppt_access(f, c, l, lpn, MEM_WRITE);
    pg_coop_paged_in(f, l, lpn, read, access);
    if (f->audit)
        pg_audit_paged_in(f, l, lpn, fr);
    return fr;
}

/* Wait for the page's bytes: in place, or off the thread (hyp_block). */
static void wait_for(paging *f, hcall_ctx *c, pg_lpar *l, uint64_t until, uint64_t queued)
{
    if (until <= c->op.end)
        return;
    uint64_t w = until - c->op.end;
    hyp_block(c, until, P_DS);
    if (queued > w)
        queued = w;
    c->op.part[P_DS] -= queued;
    c->op.part[P_DQ] += queued;
    f->st.disk_wait_cycles += w;
    l->st.cmo_faults++;
}

static void account(paging *f, hcall_ctx *c, pg_lpar *l)
{
    l->st.fault_cycles += c->op.end - c->op.start;
    l->st.cmo_fault_time_usec = l->st.fault_cycles / f->h->env.freq_mhz;
}

int pg_hv_fault(void *vf, hcall_ctx *c, uint64_t vsid, uint64_t ea, unsigned shift, bool seg_1t,
                bool store, sim_err *e)
{
    paging *f = vf;
    pg_lpar *l = pg_lpar_of(f, c->lpid);
    if (!l)
        return HYP_HVF_NOT_MINE;
    hyp *h = f->h;
    op_charge(&c->op, P_ENTRY, h->cfg.hcall_entry_cycles);
    hcall_use_part(c, P_FIND);
    uint64_t ptex;
    hpte x;
    if (!hyp_absent_search(c, c->lpid, vsid, ea, shift, seg_1t, &ptex, &x)) {
        op_charge(&c->op, P_ENTRY, f->cfg.reflect_cycles + h->cfg.hcall_exit_cycles);
        f->st.reflects++;
        ops_record(h->env.ops, f->op_reflect, &c->op); /* its parts: entry, find */
        return CPU_HVF_REFLECT;
    }
    f->st.faults++;
    op_charge(&c->op, P_LOOKUP, f->cfg.fault_cycles);
    uint64_t lpn = hpte_real_addr(x.r, PSZ_4K) >> PG_SHIFT;
    if (lpn >= l->npages)
        return sim_errf(e, "paging: LPAR %s's absent HPTE %llu names page %llu beyond its "
                           "memory", hyp_lpar_name(h, c->lpid), (unsigned long long)ptex,
                        (unsigned long long)lpn);
    uint64_t until, queued;
    uint32_t fr = make_resident(f, c, l, lpn, store ? HYP_ACC_STORE : HYP_ACC_LOAD, &until,
                                &queued, e);
    if (fr == PG_NOFRAME)
        return -1;
    wait_for(f, c, l, until, queued);
    /* the entry made valid on the frame, R/C clear: no tlbie (it was in no
     * TLB); the reverse map links it */
    hcall_use_part(c, P_HPTE);
    uint64_t ra = pg_frame_addr(f, fr);
    hpte n = {(x.v & ~(HPTE_V_ABSENT | HPTE_V_HVLOCK)) | HPTE_V_VALID,
              (x.r & ~(HPTE_R_RPN | HPTE_R_R | HPTE_R_C)) | (ra & HPTE_R_RPN)};
    hcall_steps(c, 1);
    hyp_write_hpte(c, c->lpid, ptex, n);
    hyp_notify_insert(c, ptex, n, ra);
    op_charge(&c->op, P_ENTRY, h->cfg.hcall_exit_cycles);
    account(f, c, l);
    ops_record(h->env.ops, f->op_fault, &c->op);
    return c->off_thread ? CPU_HVF_BLOCKED : CPU_HVF_RETRY;
}

uint64_t pg_touch(void *vf, hcall_ctx *c, uint64_t la, unsigned access, sim_err *e)
{
    paging *f = vf;
    uint64_t ra = pg_touch_as(f, c, la, access, f->op_fault, e);
    if (ra != UINT64_MAX)
        f->st.touches++;
    return ra;
}

uint64_t pg_touch_as(paging *f, hcall_ctx *c, uint64_t la, unsigned access, op_id op,
                     sim_err *e)
{
    pg_lpar *l = pg_lpar_of(f, c->lpid);
    if (!l) {
        sim_errf(e, "paging: LPAR %u is not a shared-memory LPAR", c->lpid);
        return UINT64_MAX;
    }
    uint64_t lpn = la >> PG_SHIFT;
    op_charge(&c->op, P_ENTRY, f->h->cfg.hcall_entry_cycles);
    op_charge(&c->op, P_LOOKUP, f->cfg.fault_cycles);
    uint64_t until, queued;
    uint32_t fr = make_resident(f, c, l, lpn, (int)access, &until, &queued, e);
    if (fr == PG_NOFRAME)
        return UINT64_MAX;
    if (until > c->op.end) { /* the guest model's own access waits in place */
        uint64_t w = until - c->op.end;
        op_charge(&c->op, P_DQ, queued < w ? queued : w);
        op_charge(&c->op, P_DS, w - (queued < w ? queued : w));
        f->st.disk_wait_cycles += w;
        l->st.cmo_faults++;
    }
    op_charge(&c->op, P_ENTRY, f->h->cfg.hcall_exit_cycles);
    account(f, c, l);
    ops_record(f->h->env.ops, op, &c->op);
    return pg_frame_addr(f, fr) + la % PG_PAGE;
}
