/* sort.c - source of traces/ppc64le-sort.trc: qsort of 4096 pseudo-random
 * 64-bit keys through libc (calls through a function pointer, data-
 * dependent branches), then a binary search for each key. Checks itself. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define N 4096

static uint64_t key[N];

static int cmp(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return (a > b) - (a < b);
}

int main(void)
{
    uint64_t s = 88172645463325252ull; /* xorshift64 */
    for (int i = 0; i < N; i++) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        key[i] = s;
    }
    qsort(key, N, sizeof key[0], cmp);
    for (int i = 1; i < N; i++)
        if (key[i - 1] > key[i]) {
            printf("sort: not sorted at %d\n", i);
            return 1;
        }
    int found = 0;
    for (int i = 0; i < N; i += 7)
        found += bsearch(&key[i], key, N, sizeof key[0], cmp) != NULL;
    printf("sort: ok, %d found\n", found);
    return found == (N + 6) / 7 ? 0 : 1;
}
