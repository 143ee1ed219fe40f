/*
 * hist.c - log-linear histogram (see hist.h).
 *
 * Bucket index: v < 1024 -> v; otherwise with k = floor(log2 v) (10..63):
 * 1024 + (k - 10) * 64 + ((v >> (k - 6)) & 63). Each bucket covers
 * [lo, lo + 2^(k-6)). The bucket array grows to the highest index used.
 */
#include "hist.h"

#include <stdlib.h>
#include <string.h>

#define HIST_EXACT 1024u
#define HIST_SUB_BITS 6u
#define HIST_SUB (1u << HIST_SUB_BITS)

static size_t hist_index(uint64_t v)
{
    if (v < HIST_EXACT)
        return (size_t)v;
    unsigned k = 63u - (unsigned)__builtin_clzll(v);
    return HIST_EXACT + (size_t)(k - 10) * HIST_SUB + (size_t)((v >> (k - HIST_SUB_BITS)) & (HIST_SUB - 1));
}

static void hist_bucket_range(size_t i, uint64_t *lo, uint64_t *width)
{
    if (i < HIST_EXACT) {
        *lo = i;
        *width = 1;
        return;
    }
    size_t j = i - HIST_EXACT;
    unsigned k = (unsigned)(j / HIST_SUB) + 10;
    uint64_t sub = j % HIST_SUB;
    *width = 1ULL << (k - HIST_SUB_BITS);
    *lo = (1ULL << k) + sub * *width;
}

void hist_init(hist *h)
{
    memset(h, 0, sizeof *h);
}

void hist_free(hist *h)
{
    free(h->b);
    h->b = NULL;
    h->nb = 0;
}

void hist_reset(hist *h)
{
    hist_free(h);
    hist_init(h);
}

static int hist_grow(hist *h, size_t need)
{
    size_t nb = h->nb ? h->nb : 64;
    while (nb < need)
        nb *= 2;
    uint64_t *b = realloc(h->b, nb * sizeof *b);
    if (!b)
        return -1;
    memset(b + h->nb, 0, (nb - h->nb) * sizeof *b);
    h->b = b;
    h->nb = nb;
    return 0;
}

int hist_add(hist *h, uint64_t v)
{
    size_t i = hist_index(v);
    if (i >= h->nb && hist_grow(h, i + 1) != 0)
        return -1;
    h->b[i]++;
    if (h->count == 0 || v < h->min)
        h->min = v;
    if (v > h->max)
        h->max = v;
    h->count++;
    h->total += v;
    return 0;
}

int hist_merge(hist *dst, const hist *src)
{
    if (src->count == 0)
        return 0;
    if (src->nb > dst->nb && hist_grow(dst, src->nb) != 0)
        return -1;
    for (size_t i = 0; i < src->nb; i++)
        dst->b[i] += src->b[i];
    if (dst->count == 0 || src->min < dst->min)
        dst->min = src->min;
    if (src->max > dst->max)
        dst->max = src->max;
    dst->count += src->count;
    dst->total += src->total;
    return 0;
}

int hist_sub(hist *dst, const hist *a, const hist *b)
{
    hist_reset(dst);
    if (a->count <= b->count)
        return 0;
    if (hist_grow(dst, a->nb) != 0)
        return -1;
    size_t lo_i = SIZE_MAX, hi_i = 0;
    for (size_t i = 0; i < a->nb; i++) {
        uint64_t was = i < b->nb ? b->b[i] : 0;
        dst->b[i] = a->b[i] - was;
        if (dst->b[i]) {
            if (lo_i == SIZE_MAX)
                lo_i = i;
            hi_i = i;
        }
    }
    dst->count = a->count - b->count;
    dst->total = a->total - b->total;
    uint64_t lo, w;
    hist_bucket_range(lo_i, &lo, &w);
    dst->min = lo;
    hist_bucket_range(hi_i, &lo, &w);
    dst->max = lo + w - 1;
    return 0;
}

double hist_mean(const hist *h)
{
    return h->count ? (double)h->total / (double)h->count : 0.0;
}

uint64_t hist_pct(const hist *h, double q)
{
    if (h->count == 0)
        return 0;
    if (q <= 0.0)
        return h->min;
    if (q >= 1.0)
        return h->max;
    double want_d = q * (double)h->count;
    uint64_t want = (uint64_t)want_d;
    if ((double)want < want_d)
        want++;
    if (want == 0)
        want = 1;
    uint64_t cum = 0;
    for (size_t i = 0; i < h->nb; i++) {
        cum += h->b[i];
        if (cum >= want) {
            uint64_t lo, w;
            hist_bucket_range(i, &lo, &w);
            uint64_t v = lo + w / 2;
            if (v < h->min)
                v = h->min;
            if (v > h->max)
                v = h->max;
            return v;
        }
    }
    return h->max;
}
