/*
 * memtouch.c - a small memory-heavy guest workload (shipped recording
 * traces/linux/memtouch): REPS times, mmap KB KiB of anonymous memory,
 * write one byte per 4 KiB (every base page of a 4 KiB or 64 KiB kernel
 * is faulted in: H_ENTER on a hashed-page-table guest), munmap it (the
 * kernel flushes the hash entries: H_REMOVE / H_BULK_REMOVE).
 * LPSYS_OWN_MARKS: it executes the recorder's window markers itself (the
 * xori words of scripts/linux-guest/lpmark.c) around that loop, so the
 * window holds the memory work without the exec and exit of the program
 * (1.4 M instructions of a 1.7 M window with 3 x 1 MiB, measured: too much
 * for a 2 MB trace). Built static for ppc64le by record-linux-guest.sh;
 * sizes by -DKB=... -DREPS=... (CFLAGS; the defaults, 2 x 4 MiB = 128
 * faults of the 64 KiB-page Debian kernel, fit the 2 MB budget). Prints a
 * checksum so nothing is elided.
 */
#include <stdio.h>
#include <sys/mman.h>

#ifndef KB
#define KB 4096
#endif
#ifndef REPS
#define REPS 2
#endif

int main(void)
{
    size_t len = (size_t)KB << 10;
    unsigned long sum = 0;
    /* window start (lpmark's start word twice: r0 unchanged) */
    __asm__ volatile("xori 0,0,0x4c53\n\txori 0,0,0x4c53" ::: "r0", "memory");
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
    /* window stop */
    __asm__ volatile("xori 0,0,0x4c45\n\txori 0,0,0x4c45" ::: "r0", "memory");
    printf("memtouch: %d x %d KiB, checksum %lu\n", REPS, KB, sum);
    return 0;
}
