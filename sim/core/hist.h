/*
 * hist.h - log-linear histogram of uint64 samples (cycle counts, latencies).
 *
 * Values below 1024 are counted exactly; above, each power-of-two octave is
 * split into 64 buckets (relative error < 1.6%). count, min, max and total
 * are exact. Buckets grow on demand, so an idle histogram costs no memory.
 * Percentiles are deterministic: the lowest bucket whose cumulative count
 * reaches ceil(q * count), reported as that bucket's midpoint clamped to
 * [min, max] (exact below 1024).
 */
#ifndef LPARSIM_CORE_HIST_H
#define LPARSIM_CORE_HIST_H

#include <stdint.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hist {
    uint64_t count, total, min, max;
    uint64_t *b;  /* bucket counts, nb entries */
    size_t nb;
} hist;

void hist_init(hist *h);
void hist_free(hist *h);
void hist_reset(hist *h);
/* Add one sample. Returns -1 only on allocation failure (sample dropped). */
int hist_add(hist *h, uint64_t v);
/* Merge src into dst. */
int hist_merge(hist *dst, const hist *src);
/* dst (initialised, replaced) = the samples of a that are not in b, where b
 * is an earlier copy of a (hist_merge into an empty hist): the bucket
 * counts, count and total exactly; min and max at bucket resolution (the
 * lowest bucket's lower and the highest bucket's upper bound: exact below
 * 1024), so that they depend on the new samples only.
 * Returns -1 on allocation failure. */
int hist_sub(hist *dst, const hist *a, const hist *b);
double hist_mean(const hist *h);
/* q in [0,1]; 0 when empty. */
uint64_t hist_pct(const hist *h, double q);

#ifdef __cplusplus
}
#endif
#endif
