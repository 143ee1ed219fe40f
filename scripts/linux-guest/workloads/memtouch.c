/*
 * memtouch.c - a small memory-heavy guest workload (shipped recording
 * traces/linux/memtouch): REPS times, mmap KB KiB of anonymous memory,
 * write one byte per 4 KiB (every base page of a 4 KiB or 64 KiB kernel
 * is faulted in: H_ENTER on a hashed-page-table guest), munmap it (the
 * kernel flushes the hash entries: H_REMOVE / H_BULK_REMOVE).
 * Built static for ppc64le by scripts/record-linux-guest.sh; sizes by
 * -DKB=... -DREPS=... (CFLAGS; the defaults, 3 x 1 MiB = 48 faults of the
 * 64 KiB-page Debian kernel, keep the shipped trace under 2 MB: 2 x 3 MiB
 * gave 2.1 M window instructions, too many). Prints a checksum so nothing
 * is elided.
 */
#include <stdio.h>
#include <sys/mman.h>

#ifndef KB
#define KB 1024
#endif
#ifndef REPS
#define REPS 3
#endif

int main(void)
{
    size_t len = (size_t)KB << 10;
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
    printf("memtouch: %d x %d KiB, checksum %lu\n", REPS, KB, sum);
    return 0;
}
