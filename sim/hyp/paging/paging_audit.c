/*
 * paging_audit.c - the paging auditor (--audit), independent of the code
 * it checks:
 *  - round trip: traces carry no store data, so every TLB fill that lets
 *    stores through (the HPTE's C is set: the TLB caches C) stands for
 *    stores into the page: the auditor writes a stamp into the frame and
 *    keeps the page's checksum; after every page-in the frame's checksum
 *    must equal it (catches a lost write-back, a stale copy, a wrong slot
 *    or frame);
 *  - in transit: after a page-out's tlbie no TLB holds a translation to
 *    the frame, and every TLB fill maps a frame owned by that (LPAR, page)
 *    and resident;
 *  - conservation: free + owned frames = the pool, one owner each, and a
 *    resident page's frame is owned by it; a loaned page owns no frame
 *    (every 4096 checks and at the end).
 * Pages whose content the guest gave up (hinted unused and reclaimed,
 * loaned, H_ZERO_PAGE) are exempt from the round trip: their checksum is
 * reset to a zero page's, which their next touch (a zero fill) gives.
 * The run stops at the first violation.
 */
#include <string.h>

#include "paging_int.h"

static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* A checksum that is 0 for a zero page (a never-written page's). */
static uint64_t page_sum(paging *f, uint32_t fr)
{
    uint64_t w[PG_PAGE / 8];
    physmem_read_bytes(f->h->env.pm, pg_frame_addr(f, fr), w, PG_PAGE);
    return pg_page_sum_bytes(w);
}

uint64_t pg_page_sum_bytes(const void *page)
{
    uint64_t w[PG_PAGE / 8];
    memcpy(w, page, PG_PAGE);
    uint64_t s = 0;
    for (unsigned i = 0; i < PG_PAGE / 8; i++)
        if (w[i])
            s += mix(w[i] ^ ((uint64_t)i << 48)) | 1;
    return s;
}

static uint64_t on_fill(void *ctx, unsigned thread, unsigned lpid, uint64_t ptex, uint64_t vpn,
                        unsigned psize, uint64_t now)
{
    (void)thread, (void)vpn, (void)psize, (void)now;
    paging *f = ctx;
    pg_lpar *l = pg_lpar_of(f, lpid);
    if (!l || f->failed)
        return 0;
    hpte x = hpt_read(hyp_lpar_hpt(f->h, lpid), ptex);
    uint64_t ra = hpte_real_addr(x.r, PSZ_4K);
    f->ast.checks++;
    uint64_t fr = pg_frame_of(f, ra);
    if (fr == PG_NOFRAME) {
        pg_fail(f, "LPAR %s: a TLB fill from HPTE %llu maps real 0x%llx, outside the pool",
                hyp_lpar_name(f->h, lpid), (unsigned long long)ptex, (unsigned long long)ra);
        return 0;
    }
    uint64_t lpn = f->fr[fr].lpn;
    if (f->fr[fr].owner != l->index + 1 || l->state[lpn] != PG_RESIDENT ||
        l->frame[lpn] != fr) {
        pg_fail(f, "LPAR %s: a TLB fill from HPTE %llu maps frame %llu, which is not a resident "
                   "page of it (free or in transit)", hyp_lpar_name(f->h, lpid),
                (unsigned long long)ptex, (unsigned long long)fr);
        return 0;
    }
    if (x.r & HPTE_R_C) { /* stores may follow: stand for them with a stamp */
        uint64_t v = mix(((uint64_t)lpid << 40) ^ (lpn << 8) ^ f->ast.stamps) | 1;
        physmem_write_bytes(f->h->env.pm, pg_frame_addr(f, (uint32_t)fr) + 8 * (f->ast.stamps % 512),
                            &v, 8);
        l->shadow[lpn] = page_sum(f, (uint32_t)fr);
        f->ast.stamps++;
    }
    return 0;
}

int pg_audit_set(paging *f, bool on)
{
    if (on == f->audit)
        return 0;
    f->audit = on;
    if (on)
        return hyp_add_fill_listener(f->h, on_fill, f);
    hyp_remove_fill_listener(f->h, on_fill, f);
    return 0;
}

static void maybe_full(paging *f)
{
    if (f->ast.checks % 4096 == 0)
        pg_audit_full(f);
}

void pg_audit_paged_in(paging *f, pg_lpar *l, uint64_t lpn, uint32_t fr)
{
    f->ast.checks++;
    uint64_t s = page_sum(f, fr);
    if (s != l->shadow[lpn])
        pg_fail(f, "LPAR %s page %llu came back into frame %u with checksum 0x%llx, expected "
                   "0x%llx (a lost write-back, a stale copy, a wrong slot or frame)",
                hyp_lpar_name(f->h, l->lpid), (unsigned long long)lpn, fr,
                (unsigned long long)s, (unsigned long long)l->shadow[lpn]);
    maybe_full(f);
}

void pg_audit_paged_out(paging *f, pg_lpar *l, uint64_t lpn, uint32_t fr)
{
    f->ast.checks++;
    uint64_t rpn = pg_frame_addr(f, fr) >> PG_SHIFT;
    for (unsigned t = 0; t < f->h->env.nthreads; t++) {
        size_t n;
        const tlb_entry *e = tlb_entries(f->h->env.tlbs[t], &n);
        for (size_t i = 0; i < n; i++)
            if (e[i].ctx && tlb_entry_lpid(&e[i]) == l->lpid && e[i].rpn == rpn) {
                pg_fail(f, "LPAR %s page %llu: thread %u's TLB still maps frame %u after its "
                           "page-out's invalidation (a frame in transit is reachable)",
                        hyp_lpar_name(f->h, l->lpid), (unsigned long long)lpn, t, fr);
                return;
            }
    }
    if (page_sum(f, fr) != l->shadow[lpn])
        pg_fail(f, "LPAR %s page %llu: frame %u changed while resident without a store",
                hyp_lpar_name(f->h, l->lpid), (unsigned long long)lpn, fr);
    maybe_full(f);
}

void pg_audit_full(paging *f)
{
    f->ast.checks++;
    uint64_t owned = 0;
    for (uint64_t fr = 0; fr < f->nframes; fr++) {
        if (!f->fr[fr].owner)
            continue;
        owned++;
        const pg_lpar *l = f->lp[f->fr[fr].owner - 1];
        uint64_t lpn = f->fr[fr].lpn;
        if (lpn >= l->npages || l->state[lpn] != PG_RESIDENT || l->frame[lpn] != fr) {
            pg_fail(f, "frame %llu is owned by LPAR %s page %llu, which does not name it",
                    (unsigned long long)fr, hyp_lpar_name(f->h, l->lpid),
                    (unsigned long long)lpn);
            return;
        }
    }
    for (unsigned i = 0; i < f->nlp; i++) {
        const pg_lpar *l = f->lp[i];
        uint64_t pinned = 0;
        for (uint64_t p = 0; l->pins && p < l->npages; p++) {
            if (!l->pins[p])
                continue;
            pinned++;
            if (l->state[p] != PG_RESIDENT) {
                pg_fail(f, "LPAR %s page %llu is pinned (a critical area) but not resident",
                        hyp_lpar_name(f->h, l->lpid), (unsigned long long)p);
                return;
            }
        }
        if (pinned != l->pinned) {
            pg_fail(f, "LPAR %s: %llu pages have pins, but %llu are counted",
                    hyp_lpar_name(f->h, l->lpid), (unsigned long long)pinned,
                    (unsigned long long)l->pinned);
            return;
        }
    }
    for (unsigned i = 0; i < f->nlp; i++) { /* loaned pages own nothing */
        const pg_lpar *l = f->lp[i];
        uint64_t loaned = 0;
        for (uint64_t p = 0; p < l->npages; p++)
            if (l->state[p] == PG_LOANED) {
                loaned++;
                if (l->frame[p] != PG_NOFRAME) {
                    pg_fail(f, "LPAR %s page %llu is loaned but names frame %u",
                            hyp_lpar_name(f->h, l->lpid), (unsigned long long)p, l->frame[p]);
                    return;
                }
            }
        if (loaned != l->loaned) {
            pg_fail(f, "LPAR %s: %llu pages loaned, %llu counted", hyp_lpar_name(f->h, l->lpid),
                    (unsigned long long)loaned, (unsigned long long)l->loaned);
            return;
        }
    }
    if (owned + f->nfree != f->nframes)
        pg_fail(f, "frames not conserved: %llu owned + %llu free != %llu in the pool",
                (unsigned long long)owned, (unsigned long long)f->nfree,
                (unsigned long long)f->nframes);
}
