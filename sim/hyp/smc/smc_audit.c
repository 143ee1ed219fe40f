/*
 * smc_audit.c - the SMC auditor, independent of the hcalls' own checks:
 *  - a grant table (caller, SMB, generation) fed when a grant is made
 *    (owner at CREATE and UNBIND, peer at ACCEPT) and emptied when the
 *    binding ends (UNBIND, DESTROY, POOL_FREE, termination: the hooks
 *    revoke whatever the descriptor says); every H_SM_MOVE, CS, SIGNAL and
 *    SBA access the hypervisor lets through must match a live grant of the
 *    same generation and lie inside the SMB;
 *  - the cursors each CS writes: counts monotonic and 0 <= prod - cons <= ring;
 *  - a reused SMB reads as zero when it is created again;
 *  - no HPTE maps pool memory (an HPTE-write listener reading the raw
 *    entries, as smr_audit.c does).
 * A violation stops the run (check_error) with its message. The `inject`
 * parameter breaks the hcalls (no zeroing, no generation bump) so tests
 * can show the auditor catches it.
 */
#include <stdlib.h>

#include "hyp/inval.h"
#include "smc_int.h"

typedef struct grant {
    uint32_t lpid[2]; /* UINT32_MAX: none */
    uint64_t gen[2];
    uint64_t prod[2], cons[2]; /* last counts per direction */
    uint64_t dead_gen;         /* the generation last revoked, if dead */
    bool dead;
} grant;

struct smc_audit {
    smc *s;
    grant *g;
};

static void hpte_listener(void *va, uint64_t pa)
{
    smc_audit *a = va;
    smc *s = a->s;
    uint64_t addr = pa & ~(uint64_t)(HPT_HPTE_BYTES - 1);
    hpte x = {physmem_read64(s->h->env.pm, addr), physmem_read64(s->h->env.pm, addr + 8)};
    uint64_t real = hyp_hpte_real(x, NULL);
    s->ast.hptes_checked++;
    if (real == UINT64_MAX)
        return;
    for (uint64_t v = 0; v < s->cfg.vlans; v++)
        if (real >= s->pool[v].real && real - s->pool[v].real < s->pool[v].bytes)
            smc_fail(s, "smc audit: an HPTE at 0x%llx maps real 0x%llx in the pool of VLAN %llu",
                     (unsigned long long)addr, (unsigned long long)real, (unsigned long long)v);
}

static void reset(grant *g)
{
    g->lpid[0] = g->lpid[1] = UINT32_MAX;
    g->prod[0] = g->prod[1] = g->cons[0] = g->cons[1] = 0;
}

int smc_audit_create(smc *s)
{
    smc_audit *a = calloc(1, sizeof *a);
    if (!a || !(a->g = calloc(s->nsmb_total, sizeof *a->g))) {
        free(a);
        return -1;
    }
    a->s = s;
    for (uint64_t i = 0; i < s->nsmb_total; i++)
        reset(&a->g[i]);
    if (hyp_add_hpte_listener(s->h, hpte_listener, a) != 0) {
        free(a->g);
        free(a);
        return -1;
    }
    s->audit = a;
    return 0;
}

void smc_audit_destroy(smc_audit *a)
{
    if (!a)
        return;
    hyp_remove_hpte_listener(a->s->h, hpte_listener, a);
    free(a->g);
    free(a);
}

void smc_audit_grant(smc *s, unsigned lpid, uint64_t smb, uint64_t gen)
{
    if (!s->audit)
        return;
    grant *g = &s->audit->g[smb];
    s->ast.checks++;
    if (g->dead && g->dead_gen == gen)
        smc_fail(s, "smc audit: SMB %llu granted to LPAR %u with generation %llu, which was "
                    "rescinded (the generation was not bumped: old tokens still work)",
                 (unsigned long long)smb, lpid, (unsigned long long)gen);
    unsigned k = g->lpid[0] == UINT32_MAX || g->lpid[0] == lpid ? 0 : 1;
    g->lpid[k] = lpid;
    g->gen[k] = gen;
    s->ast.grants++;
}

void smc_audit_revoke(smc *s, uint64_t smb)
{
    if (!s->audit)
        return;
    grant *g = &s->audit->g[smb];
    if (g->lpid[0] != UINT32_MAX) {
        g->dead = true;
        g->dead_gen = g->gen[0];
    }
    reset(g);
    s->ast.revokes++;
}

void smc_audit_access(smc *s, unsigned lpid, uint64_t smb, uint64_t gen, uint64_t off,
                      uint64_t len, const char *what)
{
    if (!s->audit)
        return;
    s->ast.checks++;
    const grant *g = &s->audit->g[smb];
    unsigned k = g->lpid[0] == lpid ? 0 : g->lpid[1] == lpid ? 1 : 2;
    if (k == 2)
        smc_fail(s, "smc audit: %s by LPAR %u of SMB %llu, which it holds no grant for",
                 what, lpid, (unsigned long long)smb);
    else if (g->gen[k] != gen)
        smc_fail(s, "smc audit: %s by LPAR %u of SMB %llu with generation %llu; its grant is "
                    "of generation %llu (a stale token let through)",
                 what, lpid, (unsigned long long)smb, (unsigned long long)gen,
                 (unsigned long long)g->gen[k]);
    else if (off > s->cfg.smb_size || len > s->cfg.smb_size - off)
        smc_fail(s, "smc audit: %s by LPAR %u of SMB %llu at [%llu, +%llu) outside its %llu bytes",
                 what, lpid, (unsigned long long)smb, (unsigned long long)off,
                 (unsigned long long)len, (unsigned long long)s->cfg.smb_size);
}

void smc_audit_cursor(smc *s, uint64_t smb, unsigned dir, unsigned word, uint64_t val)
{
    if (!s->audit || word > 1)
        return;
    grant *g = &s->audit->g[smb];
    uint64_t n = val & SMC_COUNT_MASK, *cur = word ? &g->cons[dir] : &g->prod[dir];
    s->ast.checks++;
    if (n < *cur)
        smc_fail(s, "smc audit: SMB %llu direction %u: %s went back from %llu to %llu",
                 (unsigned long long)smb, dir, word ? "cons" : "prod",
                 (unsigned long long)*cur, (unsigned long long)n);
    *cur = n;
    if (g->cons[dir] > g->prod[dir] || g->prod[dir] - g->cons[dir] > s->cfg.smbe_ring)
        smc_fail(s, "smc audit: SMB %llu direction %u: prod %llu, cons %llu; expected 0 <= "
                    "prod - cons <= %llu", (unsigned long long)smb, dir,
                 (unsigned long long)g->prod[dir], (unsigned long long)g->cons[dir],
                 (unsigned long long)s->cfg.smbe_ring);
}

void smc_audit_created(smc *s, uint64_t smb)
{
    if (!s->audit)
        return;
    s->ast.checks++;
    unsigned char buf[4096];
    uint64_t real = s->smb[smb].real;
    for (uint64_t o = 0; o < s->cfg.smb_size; o += sizeof buf) {
        physmem_read_bytes(s->h->env.pm, real + o, buf, sizeof buf);
        for (size_t k = 0; k < sizeof buf; k++)
            if (buf[k]) {
                smc_fail(s, "smc audit: SMB %llu given to a new owner holds old contents (byte "
                            "%llu is 0x%02x; expected zeroed before reuse)",
                         (unsigned long long)smb, (unsigned long long)(o + k), buf[k]);
                return;
            }
    }
}
