/*
 * ipca_audit.c - the IPCA auditor (hypervisor.ipca.audit, hypervisor.audit,
 * --audit). It keeps its own records, built only from what the hcalls were
 * asked and answered (registrations, grants) and never from TABLE 1, and
 * checks every access the hcalls made:
 *  - the target has a recorded registration and [off, off+len) lies in it
 *    (so after DEREGISTER or termination an old access is a violation);
 *  - the real address reached is the one of the recorded logical range;
 *  - with acl, the caller is the owner or recorded as granted;
 *    without acl (the patent) an ungranted read or write of another's IPCA
 *    is an observation (ungranted_reads/_writes, H9), not a violation;
 *  - lock intervals on one IPCA never overlap (each starts at or after the
 *    end of the previous one).
 * A violation latches the first message; the run stops after the hcall.
 */
#include <stdlib.h>
#include <string.h>

#include "ipca_int.h"

int ipca_audit_set(ipca *f, bool on)
{
    if (!on || f->audit) {
        if (!on && f->audit) {
            free(f->audit->la);
            free(f->audit->size);
            free(f->audit->grant);
            free(f->audit->lock_end);
            free(f->audit);
            f->audit = NULL;
        }
        return 0;
    }
    ipca_audit *a = calloc(1, sizeof *a);
    if (!a)
        return -1;
    a->n = f->cfg.max_areas;
    a->la = calloc(a->n, 8);
    a->size = calloc(a->n, 8);
    a->grant = calloc(a->n * f->gwords, 8);
    a->lock_end = calloc(a->n, 8);
    f->audit = a;
    if (!a->la || !a->size || !a->grant || !a->lock_end) {
        ipca_audit_set(f, false);
        return -1;
    }
    /* what is registered already (auditing turned on mid-run) */
    for (uint64_t l = 0; l < a->n; l++)
        if (f->a[l].active) {
            a->la[l] = f->a[l].la;
            a->size[l] = f->a[l].size;
            memcpy(a->grant + l * f->gwords, f->a[l].grant, f->gwords * 8ull);
            a->lock_end[l] = f->a[l].busy_until;
        }
    return 0;
}

void ipca_audit_register(ipca *f, unsigned lpid, uint64_t la, uint64_t size)
{
    ipca_audit *a = f->audit;
    a->la[lpid] = la;
    a->size[lpid] = size;
    memset(a->grant + (uint64_t)lpid * f->gwords, 0, f->gwords * 8ull);
}

void ipca_audit_grant(ipca *f, unsigned owner, unsigned lpid, bool on)
{
    uint64_t *g = f->audit->grant + (uint64_t)owner * f->gwords;
    if (on)
        g[lpid / 64] |= 1ull << (lpid % 64);
    else
        g[lpid / 64] &= ~(1ull << (lpid % 64));
}

void ipca_audit_lock(ipca *f, unsigned target, uint64_t start, uint64_t end)
{
    ipca_audit *a = f->audit;
    f->ast.checks++;
    f->ast.lock_intervals++;
    if (start < a->lock_end[target])
        ipca_fail(f, "ipca audit: lock intervals overlap on LPAR %s's IPCA: [%llu, %llu) starts "
                     "before the previous one ended at %llu",
                  hyp_lpar_name(f->h, target), (unsigned long long)start,
                  (unsigned long long)end, (unsigned long long)a->lock_end[target]);
    if (end > a->lock_end[target])
        a->lock_end[target] = end;
}

void ipca_audit_access(ipca *f, unsigned caller, unsigned target, uint64_t off, uint64_t len,
                       uint64_t real, uint64_t start, uint64_t end, bool write)
{
    ipca_audit *a = f->audit;
    f->ast.checks++;
    const char *who = hyp_lpar_name(f->h, caller), *own = hyp_lpar_name(f->h, target);
    if (!a->size[target]) {
        ipca_fail(f, "ipca audit: %s %s LPAR %s's IPCA, which has no recorded registration "
                     "(deregistered or terminated)", who, write ? "wrote" : "read", own);
        return;
    }
    if (off > a->size[target] || len > a->size[target] - off) {
        ipca_fail(f, "ipca audit: %s %s [%llu, %llu) of LPAR %s's IPCA of %llu bytes: outside "
                     "the recorded registration", who, write ? "wrote" : "read",
                  (unsigned long long)off, (unsigned long long)(off + len), own,
                  (unsigned long long)a->size[target]);
        return;
    }
    if (real != hyp_logical_to_real(f->h, target, a->la[target] + off)) {
        ipca_fail(f, "ipca audit: %s's access reached real %#llx, not LPAR %s's IPCA offset %llu",
                  who, (unsigned long long)real, own, (unsigned long long)off);
        return;
    }
    const uint64_t *g = a->grant + (uint64_t)target * f->gwords;
    bool granted = caller == target || (caller < a->n && ipca_bit(g, caller));
    if (!granted) {
        if (f->cfg.acl) {
            ipca_fail(f, "ipca audit: %s %s LPAR %s's IPCA without a grant (acl on)", who,
                      write ? "wrote" : "read", own);
            return;
        }
        if (write)
            f->ast.ungranted_writes++;
        else
            f->ast.ungranted_reads++;
    }
    ipca_audit_lock(f, target, start, end);
}
