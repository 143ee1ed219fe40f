/*
 * memtouch.c - a small memory-heavy guest workload (shipped recording
 * traces/linux/memtouch): REPS times, mmap MB MiB of anonymous memory,
 * write one byte per 4 KiB (every base page of a 4 KiB or 64 KiB kernel
 * is faulted in: H_ENTER on a hashed-page-table guest), munmap it (the
 * kernel flushes the hash entries: H_REMOVE / H_BULK_REMOVE).
 * Built static for ppc64le by scripts/record-linux-guest.sh; sizes by
 * -DMB=... -DREPS=... (CFLAGS). Prints a checksum so nothing is elided.
 */
#include <stdio.h>
#include <sys/mman.h>

#ifndef MB
#define MB 3
#endif
#ifndef REPS
#define REPS 2
#endif

int main(void)
{
    size_t len = (size_t)MB << 20;
    unsigned long sum = 0;
    for (int r = 0; r < REPS; r++) {
        volatile unsigned char *p =
            mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            perror("memtouch: mmap");
            return 1;
        }
        for (size_t i = 0; i < len; i += 4096) {
            p[i] = (unsigned char)(i >> 12);
            sum += p[i];
        }
        if (munmap((void *)p, len) < 0) {
            perror("memtouch: munmap");
            return 1;
        }
    }
    printf("memtouch: %d x %d MiB, checksum %lu\n", REPS, MB, sum);
    return 0;
}
