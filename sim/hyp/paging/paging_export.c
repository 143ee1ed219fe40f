/*
 * paging_export.c - a shared-memory LPAR's pages moved in and out of its
 * backing without its guest faulting (hyp_feature.page_read, page_import,
 * backing_counts; used by LPAR migration between machines):
 *  - read: a resident page from its frame (charged read), a paged-out one
 *    from its paging device (a device read the caller waits for in place;
 *    the page stays paged out), a never-touched one as zeros;
 *  - import: a resident page is overwritten in its frame; otherwise the
 *    bytes go into a new frame (to_memory: the page becomes resident with
 *    no HPTE, a later H_ENTER maps it) or onto the paging device (the page
 *    becomes paged out with a valid copy; a later fault pages it in);
 *  - the logical page a frame holds (harvesting C bits of valid HPTEs).
 * Invariants kept: those of paging_int.h (a frame has one owner, a resident
 * page's PPT word names it, a non-resident page has no valid HPTE: import
 * writes no HPTE); the auditor's shadow checksum follows the bytes.
 */
#include <string.h>

#include "paging_int.h"

/* A page of a frame read or written as the copy loop does (the windows of
 * hypervisor.copy.*), charged to c's memory part. */
static void touch(paging *f, hcall_ctx *c, uint64_t fa, mem_kind k)
{
    mem_copy_cfg cc = hyp_copy_cfg(f->h);
    op_charge(&c->op, c->p_memory, mem_touch(c->port, fa, PG_PAGE, k, &cc, c->op.end, NULL));
}

static pg_lpar *page_of(paging *f, unsigned lpid, uint64_t la, uint64_t *lpn, sim_err *e)
{
    pg_lpar *l = pg_lpar_of(f, lpid);
    if (!l) {
        sim_errf(e, "paging: LPAR %u is not a shared-memory LPAR", lpid);
        return NULL;
    }
    *lpn = la >> PG_SHIFT;
    if (*lpn >= l->npages) {
        sim_errf(e, "paging: page 0x%llx lies beyond LPAR %s's memory", (unsigned long long)la,
                 hyp_lpar_name(f->h, lpid));
        return NULL;
    }
    return l;
}

int pg_page_read(void *vf, hcall_ctx *c, unsigned lpid, uint64_t la, void *buf, sim_err *e)
{
    paging *f = vf;
    uint64_t lpn;
    pg_lpar *l = page_of(f, lpid, la, &lpn, e);
    if (!l)
        return -1;
    pg_ppt_access(f, c, l, lpn, MEM_READ);
    if (l->state[lpn] == PG_RESIDENT) {
        uint64_t fa = pg_frame_addr(f, l->frame[lpn]);
        physmem_read_bytes(f->h->env.pm, fa, buf, PG_PAGE);
        if (c)
            touch(f, c, fa, MEM_READ);
        return 0;
    }
    if (l->state[lpn] == PG_UNBACKED || l->state[lpn] == PG_LOANED) {
        memset(buf, 0, PG_PAGE);
        return 0;
    }
    if (!c) /* the auditor's look: the bytes only */
        return pagedev_peek(l->dev, pg_slot(l, lpn), PG_PAGE, buf, e);
    uint64_t done;
    if (pagedev_io(l->dev, PAGEDEV_READ, pg_slot(l, lpn), PG_PAGE, buf,
                   c->op.end + f->vios_cycles, &done, e) != 0) {
        sim_err_prefix(e, "paging device of LPAR %s", hyp_lpar_name(f->h, lpid));
        return -1;
    }
    if (done > c->op.end)
        op_charge(&c->op, c->p_queueing, done - c->op.end); /* waited for in place */
    return 0;
}

int pg_page_import(void *vf, hcall_ctx *c, unsigned lpid, uint64_t la, const void *buf,
                   bool to_memory, uint64_t *done, sim_err *e)
{
    paging *f = vf;
    uint64_t lpn;
    pg_lpar *l = page_of(f, lpid, la, &lpn, e);
    if (!l)
        return -1;
    pg_ppt_access(f, c, l, lpn, MEM_READ);
    if (f->audit)
        l->shadow[lpn] = pg_page_sum_bytes(buf);
    if (l->state[lpn] == PG_RESIDENT) { /* overwritten in place */
        uint64_t fa = pg_frame_addr(f, l->frame[lpn]);
        if (physmem_write_bytes(f->h->env.pm, fa, buf, PG_PAGE) != 0)
            return sim_errf(e, "out of host memory");
        touch(f, c, fa, MEM_WRITE);
        l->copy_valid[lpn] = 0;
        *done = c->op.end;
        return 0;
    }
    if (l->state[lpn] == PG_UNBACKED)
        l->demand++;
    if (!to_memory) {
        if (pagedev_io(l->dev, PAGEDEV_WRITE, pg_slot(l, lpn), PG_PAGE, (void *)buf,
                       c->op.end + f->vios_cycles, done, e) != 0) {
            sim_err_prefix(e, "paging device of LPAR %s", hyp_lpar_name(f->h, lpid));
            return -1;
        }
        l->state[lpn] = PG_PAGED_OUT;
        l->copy_valid[lpn] = 1;
        pg_ppt_access(f, c, l, lpn, MEM_WRITE);
        return 0;
    }
    uint64_t ready;
    uint32_t fr = pg_alloc(f, c, &ready, e);
    if (fr == PG_NOFRAME)
        return -1;
    if (ready > c->op.end)
        op_charge(&c->op, c->p_queueing, ready - c->op.end); /* a victim's write-back */
    uint64_t fa = pg_frame_addr(f, fr);
    hcall_mem(c, pg_ftab_addr(f, fr), 8, MEM_WRITE);
    if (physmem_write_bytes(f->h->env.pm, fa, buf, PG_PAGE) != 0)
        return sim_errf(e, "out of host memory");
    touch(f, c, fa, MEM_WRITE);
    l->copy_valid[lpn] = 0; /* a device copy, if any, is older */
    l->state[lpn] = PG_RESIDENT;
    l->frame[lpn] = fr;
    f->fr[fr].owner = l->index + 1;
    f->fr[fr].lpn = (uint32_t)lpn;
    l->resident++;
    pg_frame_resident(f, fr);
    pg_ppt_access(f, c, l, lpn, MEM_WRITE);
    *done = c->op.end;
    return 0;
}

void pg_backing_counts(const void *vf, unsigned lpid, uint64_t *resident, uint64_t *page_ins)
{
    const pg_lpar *l = pg_lpar_of(vf, lpid);
    *resident = l ? l->resident : 0;
    *page_ins = l ? l->st.cmo_faults : 0;
}

uint64_t pg_ra_to_la(const void *vf, unsigned lpid, uint64_t ra)
{
    const paging *f = vf;
    const pg_lpar *l = pg_lpar_of(f, lpid);
    uint32_t fr = l ? pg_frame_of(f, ra) : PG_NOFRAME;
    if (fr == PG_NOFRAME || f->fr[fr].owner != l->index + 1)
        return UINT64_MAX;
    return (uint64_t)f->fr[fr].lpn * PG_PAGE + ra % PG_PAGE;
}
