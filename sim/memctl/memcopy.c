/*
 * memcopy.c - a core's copy loop through its caches (memcopy.h has the
 * timing model and its approximation).
 */
#include "memcopy.h"

static uint64_t line_of(const mem_port *p) { return p->line_bytes ? p->line_bytes : 128; }

/* Access the side's lines holding copy offsets [lo, hi) (a is the side's
 * address of offset 0) at `at`: the worst latency; counts lines touched. A
 * line the previous window already touched (*last) is not touched again
 * (the two sides' lines need not align). */
static uint64_t window_side(const mem_port *p, uint64_t a, uint64_t lo, uint64_t hi, mem_kind kind,
                            bool zero, uint64_t at, uint64_t *lines, uint64_t *last)
{
    uint64_t L = line_of(p), worst = 0;
    for (uint64_t x = (a + lo) & ~(L - 1); x < a + hi; x += L) {
        if (x == *last)
            continue;
        *last = x;
        uint64_t s = x < a + lo ? a + lo : x, e = x + L > a + hi ? a + hi : x + L;
        mem_kind k = kind;
        if (zero && s == x && e == x + L)
            k = MEM_ZERO;
        uint64_t lat = mem_access(p, s, (uint32_t)(e - s), k, at);
        if (lat > worst)
            worst = lat;
        (*lines)++;
    }
    return worst;
}

static uint64_t run(const mem_port *p, uint64_t dst, bool has_dst, uint64_t src, uint64_t len,
                    mem_kind src_kind, const mem_copy_cfg *cfg, uint64_t now, uint64_t *nr,
                    uint64_t *nw)
{
    uint64_t L = line_of(p), win = cfg->window ? cfg->window : 1;
    uint64_t t = now, end = now, prev_w = 0, last_r = UINT64_MAX, last_w = UINT64_MAX;
    /* windows follow the source's lines: offsets [lo, hi) of the copy */
    uint64_t lo = 0;
    while (lo < len) {
        uint64_t first = (src + lo) & ~(L - 1);
        uint64_t hi = first + win * L - src;
        if (hi > len)
            hi = len;
        uint64_t before = *nr;
        uint64_t R = window_side(p, src, lo, hi, src_kind, false, t, nr, &last_r);
        uint64_t W = 0;
        if (has_dst)
            W = window_side(p, dst, lo, hi, MEM_WRITE, cfg->dst_zero, t + R, nw, &last_w);
        if (t + R + W > end)
            end = t + R + W;
        uint64_t step = R > prev_w ? R : prev_w, floor = (*nr - before) * cfg->line_cycles;
        t += step > floor ? step : floor;
        if (t > end)
            end = t;
        prev_w = W;
        lo = hi;
    }
    return end - now;
}

int mem_copy(const mem_port *p, physmem *pm, uint64_t dst, uint64_t src, uint64_t len,
             const mem_copy_cfg *cfg, uint64_t now, mem_copy_res *r)
{
    r->lines_read = r->lines_written = 0;
    r->cycles = len ? run(p, dst, true, src, len, MEM_READ, cfg, now, &r->lines_read,
                          &r->lines_written)
                    : 0;
    return pm && len ? physmem_copy_bytes(pm, dst, src, len) : 0;
}

uint64_t mem_touch(const mem_port *p, uint64_t a, uint64_t len, mem_kind kind,
                   const mem_copy_cfg *cfg, uint64_t now, uint64_t *lines)
{
    uint64_t n = 0, unused = 0;
    uint64_t c = len ? run(p, 0, false, a, len, kind, cfg, now, &n, &unused) : 0;
    if (lines)
        *lines += n;
    return c;
}
