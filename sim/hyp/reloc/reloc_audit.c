/*
 * reloc_audit.c - the relocation's auditor (hypervisor.reloc.audit or
 * --audit), host side, no cycles:
 *  - after a granule's start: no valid HPTE of the moving LPAR and no TLB
 *    entry of any thread for it maps the granule's source or target;
 *  - after its finish: none maps its source any more, and the target holds
 *    the bytes the source had when the copy was issued (a checksum);
 *  - after each LMB: the LMB table word, its host copy and the slot owners
 *    agree on the target, and nothing maps the old slot.
 * The first violation latches an error and the run stops there. Cost: one
 * walk of the LPAR's HPT and of every TLB per check (meant for tests and
 * audit runs, not for sweeps).
 */
#include "reloc_int.h"

uint64_t reloc_checksum(const reloc *r, uint64_t real, uint64_t len)
{
    uint64_t hsum = 1469598103934665603ull;
    unsigned char buf[4096];
    for (uint64_t o = 0; o < len; o += sizeof buf) {
        uint64_t n = len - o < sizeof buf ? len - o : sizeof buf;
        physmem_read_bytes(r->h->env.pm, real + o, buf, n);
        for (uint64_t i = 0; i < n; i++)
            hsum = (hsum ^ buf[i]) * 1099511628211ull;
    }
    return hsum;
}

typedef struct hit_ctx {
    uint64_t base, len;
    uint64_t ptex, real;
    bool hit;
} hit_ctx;

static int hpte_hits(void *vc, unsigned lpid, uint64_t ptex, hpte x)
{
    (void)lpid;
    hit_ctx *h = vc;
    uint64_t bytes;
    uint64_t ra = hyp_hpte_real(x, &bytes);
    if (ra == UINT64_MAX || ra >= h->base + h->len || ra + bytes <= h->base)
        return 0;
    h->ptex = ptex;
    h->real = ra;
    h->hit = true;
    return 1;
}

/* Does anything still translate to [base, base+len)? Names it in a
 * violation ("what" says which range). */
static bool mapped(reloc *r, uint64_t base, uint64_t len, const char *what, uint64_t g)
{
    hyp *h = r->h;
    r->ast.checks++;
    hit_ctx hc = {base, len, 0, 0, false};
    hyp_each_valid_hpte(h, r->lpid, hpte_hits, &hc);
    if (hc.hit) {
        r->ast.violations++;
        reloc_fail(r, "reloc audit: HPTE %llu of LPAR %s maps real 0x%llx, in the %s of "
                      "granule %llu of LMB %llu",
                   (unsigned long long)hc.ptex, h->lpars[r->lpid]->name,
                   (unsigned long long)hc.real, what, (unsigned long long)g,
                   (unsigned long long)r->k);
        return true;
    }
    for (unsigned t = 0; t < h->env.nthreads; t++) {
        size_t n;
        const tlb_entry *v = tlb_entries(h->env.tlbs[t], &n);
        for (size_t i = 0; i < n; i++) {
            if (!v[i].ctx || tlb_entry_lpid(&v[i]) != r->lpid)
                continue;
            unsigned sh = hpt_psize_shift((hpt_psize)tlb_entry_psize(&v[i]));
            uint64_t ra = v[i].rpn << sh;
            if (ra < base + len && base < ra + (1ull << sh)) {
                r->ast.violations++;
                reloc_fail(r, "reloc audit: thread %u's TLB maps real 0x%llx for LPAR %s, in "
                              "the %s of granule %llu of LMB %llu (a stale entry: no tlbie)",
                           t, (unsigned long long)ra, h->lpars[r->lpid]->name, what,
                           (unsigned long long)g, (unsigned long long)r->k);
                return true;
            }
        }
    }
    return false;
}

void reloc_audit_transit(reloc *r, uint64_t g)
{
    uint64_t gsz = r->cfg.granule;
    if (!mapped(r, r->src + g * gsz, gsz, "source (in transit)", g))
        mapped(r, r->dst + g * gsz, gsz, "target (in transit)", g);
}

void reloc_audit_moved(reloc *r, uint64_t g)
{
    uint64_t gsz = r->cfg.granule;
    if (mapped(r, r->src + g * gsz, gsz, "source (moved)", g))
        return;
    r->ast.checks++;
    if (reloc_checksum(r, r->dst + g * gsz, gsz) != r->csum) {
        r->ast.violations++;
        reloc_fail(r, "reloc audit: granule %llu of LMB %llu: the target's bytes differ from "
                      "the source's at copy time",
                   (unsigned long long)g, (unsigned long long)r->k);
    }
}

void reloc_audit_lmb(reloc *r)
{
    hyp *h = r->h;
    const hyp_lpar *lp = h->lpars[r->lpid];
    uint64_t lsz = h->cfg.lmb_size;
    r->ast.checks++;
    uint64_t word = physmem_read64(h->env.pm, lp->lmbtab_paddr + 8 * r->k);
    bool ok = word == r->dst && lp->lmb_base[r->k] == r->dst &&
              h->lmb.owner[r->dst_slot] == r->lpid && h->lmb.slot_lmb[r->dst_slot] == r->k &&
              h->lmb.owner[r->src / lsz] != r->lpid;
    if (!ok) {
        r->ast.violations++;
        reloc_fail(r, "reloc audit: LMB %llu of LPAR %s: table 0x%llx, host copy 0x%llx, "
                      "expected the target 0x%llx owned by it and the source 0x%llx released",
                   (unsigned long long)r->k, lp->name, (unsigned long long)word,
                   (unsigned long long)lp->lmb_base[r->k], (unsigned long long)r->dst,
                   (unsigned long long)r->src);
        return;
    }
    mapped(r, r->src, lsz, "old slot", r->ngran);
}
