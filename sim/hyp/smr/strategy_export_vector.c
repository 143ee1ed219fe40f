/*
 * strategy_export_vector.c - the seed's method (FIG. 4 / FIG. 5).
 *
 * Upkeep (FIG. 4): when a server adds a page of one of its LMBs to an SMR,
 * bit (SMR index within the server) of that LMB's export vector is set;
 * when a client attaches a page of an SMR, the client's bit in the SMR's
 * reference-array row is set. Search (FIG. 5): for each LMB the target
 * touches, read its export vector; for each SMR bit set, read the SMR's
 * reference-array row and add the LPARs it names (and the LMB's owner, the
 * server); then scan only those LPARs' HPTs.
 * Tables in hypervisor memory: reference array (one row of max_lpars bits
 * per SMR id) at the strategy's global address; export vectors
 * (max_per_server bits per LMB) at each LPAR's strategy address.
 * Invariant: a client that may hold a mapping of a page of SMR id has its
 * bit set in row id (bits are cleared only once all its mappings of that
 * SMR are gone); an LMB's export vector has bit b set iff SMR b of its
 * owner holds a page of that LMB.
 */
#include <stdlib.h>
#include <string.h>

#include "smr_int.h"

typedef struct ev_state {
    smr *s;
    u64map ev; /* lpid << 44 | lmb << 10 | word -> export-vector word (host copy) */
} ev_state;

static uint64_t ev_lpar_bytes(const smr_config *c, uint64_t lmb, uint64_t mem, uint64_t hpt)
{
    (void)hpt;
    return (mem + lmb - 1) / lmb * ((c->max_per_server + 63) / 64 * 8);
}

static uint64_t ev_global_bytes(const smr_config *c)
{
    return c->max_per_server * c->max_servers * ((c->max_lpars + 63) / 64 * 8);
}

static void *ev_create(smr *s)
{
    ev_state *st = calloc(1, sizeof *st);
    if (st) {
        st->s = s;
        u64map_init(&st->ev);
    }
    return st;
}

static void ev_destroy(void *vst)
{
    ev_state *st = vst;
    u64map_free(&st->ev);
    free(st);
}

static uint64_t ev_key(unsigned lpid, uint64_t lmb, unsigned word)
{
    return (uint64_t)lpid << 44 | lmb << 10 | word;
}

static uint64_t ev_addr(const smr *s, unsigned lpid, uint64_t lmb, unsigned word)
{
    return s->lp[lpid].strat_paddr + lmb * s->evbytes + 8ull * word;
}

static uint64_t ref_addr(const smr *s, uint64_t id, unsigned word)
{
    return s->strat_paddr + id * s->vbytes + 8ull * word;
}

/* read-modify-write of one word of a table */
static void rmw(smr_exec *x, uint64_t addr)
{
    smr_mem(x, addr, 8, MEM_READ);
    smr_steps(x, 1);
    smr_mem(x, addr, 8, MEM_WRITE);
}

static void ev_on_share(void *vst, smr_exec *x, uint64_t id, uint64_t real, bool added)
{
    ev_state *st = vst;
    smr *s = st->s;
    const smr_region *r = &s->r[id];
    uint64_t lmb = smr_lmb_index(s, r->server, real);
    if (lmb == UINT64_MAX)
        return;
    unsigned bit = (unsigned)(id % s->cfg.max_per_server);
    uint64_t key = ev_key(r->server, lmb, bit / 64);
    uint64_t *w = u64map_get(&st->ev, key);
    if (added) {
        if (w && (*w >> (bit % 64) & 1))
            return; /* already set: the hypervisor reads the word and stops */
        rmw(x, ev_addr(s, r->server, lmb, bit / 64));
        u64map_put(&st->ev, key, (w ? *w : 0) | 1ull << (bit % 64));
        return;
    }
    /* a page left: the bit stays while another page of the SMR lies in
     * the same LMB (a walk of the SMR's page list) */
    uint64_t lsz = s->h->cfg.lmb_size;
    smr_mem(x, s->pages_paddr + id * 8 * s->cfg.max_pages, (uint32_t)(8 * (r->npages ? r->npages : 1)),
            MEM_READ);
    smr_steps(x, r->npages);
    for (uint64_t i = 0; i < r->npages; i++)
        if (r->pages[i].real / lsz == real / lsz)
            return;
    if (w) {
        rmw(x, ev_addr(s, r->server, lmb, bit / 64));
        *w &= ~(1ull << (bit % 64));
        if (!*w)
            u64map_del(&st->ev, key, NULL);
    }
}

static void ev_on_attach(void *vst, smr_exec *x, uint64_t id, unsigned lpid)
{
    ev_state *st = vst;
    smr *s = st->s;
    smr_region *r = &s->r[id];
    smr_mem(x, ref_addr(s, id, lpid / 64), 8, MEM_READ);
    smr_steps(x, 1);
    if (smr_vbit(r->ref, lpid))
        return;
    smr_mem(x, ref_addr(s, id, lpid / 64), 8, MEM_WRITE);
    r->ref[lpid / 64] |= 1ull << (lpid % 64);
}

static void ev_on_forget(void *vst, smr_exec *x, uint64_t id, unsigned lpid)
{
    ev_state *st = vst;
    smr *s = st->s;
    smr_region *r = &s->r[id];
    if (!r->ref || !smr_vbit(r->ref, lpid))
        return;
    rmw(x, ref_addr(s, id, lpid / 64));
    r->ref[lpid / 64] &= ~(1ull << (lpid % 64));
}

static int ev_find(void *vst, smr_exec *x, const hyp_target *t, hyp_hits *out)
{
    ev_state *st = vst;
    smr *s = st->s;
    uint64_t lsz = s->h->cfg.lmb_size;
    uint64_t *list = calloc((s->nlp + 63) / 64, 8);
    if (!list)
        return -1;
    for (unsigned i = 0; i < t->n; i++) {
        for (uint64_t a = t->r[i].base & ~(lsz - 1); a < t->r[i].base + t->r[i].len; a += lsz) {
            /* 504: the LMB of the request (slot owner and its LMB index) */
            uint32_t owner = smr_slot_owner(s, a);
            smr_steps(x, 1);
            if (owner >= s->nlp)
                continue;
            uint64_t lmb = smr_lmb_index(s, owner, a);
            list[owner / 64] |= 1ull << (owner % 64); /* optionally the server */
            if (s->lp[owner].server_slot < 0)
                continue;
            /* 506/508: the export vector, SMR by SMR */
            smr_mem(x, ev_addr(s, owner, lmb, 0), (uint32_t)s->evbytes, MEM_READ);
            smr_steps(x, s->evwords);
            for (unsigned w = 0; w < s->evwords; w++) {
                uint64_t *word = u64map_get(&st->ev, ev_key(owner, lmb, w));
                for (uint64_t bits = word ? *word : 0; bits; bits &= bits - 1) {
                    unsigned b = (unsigned)__builtin_ctzll(bits) + 64 * w;
                    uint64_t id = (uint64_t)s->lp[owner].server_slot * s->cfg.max_per_server + b;
                    /* 510/512: the SMR's reference-array row */
                    smr_mem(x, ref_addr(s, id, 0), (uint32_t)s->vbytes, MEM_READ);
                    smr_steps(x, s->vwords);
                    for (unsigned k = 0; k < s->vwords && k < (s->nlp + 63) / 64; k++)
                        list[k] |= s->r[id].ref[k];
                }
            }
        }
    }
    /* 516/518: scan the listed LPARs' page tables */
    int rc = 0;
    for (unsigned l = 0; l < s->nlp && rc == 0; l++)
        if ((list[l / 64] >> (l % 64) & 1) && s->lp[l].alive && hyp_target_wants(t, l))
            rc = smr_scan_hpt(s, x, l, t, out);
    free(list);
    return rc;
}

const smr_strategy_ops smr_export_vector_ops = {
    .name = "export-vector",
    .lpar_bytes = ev_lpar_bytes,
    .global_bytes = ev_global_bytes,
    .create = ev_create,
    .destroy = ev_destroy,
    .on_share = ev_on_share,
    .on_attach = ev_on_attach,
    .on_forget = ev_on_forget,
    .find = ev_find,
};
