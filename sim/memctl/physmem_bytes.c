/*
 * physmem_bytes.c - byte-granular access to the sparse physical memory
 * (physmem.h's words hold bytes in host order: byte i of the word at an
 * 8-byte-aligned address a is the byte at real address a + i on a
 * little-endian host, the only kind lparsim builds on). For transports that
 * move messages of any length at any offset; word-aligned middles go
 * through physmem_copy, so unwritten memory stays unallocated.
 */
#include <string.h>

#include "physmem.h"

static unsigned byte_of(uint64_t w, unsigned i) { return (unsigned)(w >> (8 * i)) & 0xff; }

void physmem_read_bytes(physmem *pm, uint64_t paddr, void *dst, uint64_t len)
{
    unsigned char *d = dst;
    while (len) {
        uint64_t a = paddr & ~7ull;
        unsigned i = (unsigned)(paddr & 7);
        uint64_t w = physmem_read64(pm, a);
        if (i == 0 && len >= 8) {
            memcpy(d, &w, 8);
            d += 8, paddr += 8, len -= 8;
            continue;
        }
        for (; i < 8 && len; i++, len--, paddr++)
            *d++ = (unsigned char)byte_of(w, i);
    }
}

int physmem_write_bytes(physmem *pm, uint64_t paddr, const void *src, uint64_t len)
{
    const unsigned char *s = src;
    while (len) {
        uint64_t a = paddr & ~7ull, w;
        unsigned i = (unsigned)(paddr & 7);
        if (i == 0 && len >= 8) {
            memcpy(&w, s, 8);
            s += 8, paddr += 8, len -= 8;
        } else {
            w = physmem_read64(pm, a);
            for (; i < 8 && len; i++, len--, paddr++) {
                w &= ~(0xffull << (8 * i));
                w |= (uint64_t)*s++ << (8 * i);
            }
        }
        if (physmem_write64(pm, a, w) != 0)
            return -1;
    }
    return 0;
}

int physmem_copy_bytes(physmem *pm, uint64_t dst, uint64_t src, uint64_t len)
{
    unsigned char buf[4096];
    if ((dst & 7) == (src & 7)) {
        /* the same offset in a word: bytes up to alignment, words, tail */
        uint64_t head = (8 - (dst & 7)) & 7;
        if (head > len)
            head = len;
        if (head) {
            physmem_read_bytes(pm, src, buf, head);
            if (physmem_write_bytes(pm, dst, buf, head) != 0)
                return -1;
            dst += head, src += head, len -= head;
        }
        uint64_t mid = len & ~7ull;
        if (mid && physmem_copy(pm, dst, src, mid) != 0)
            return -1;
        dst += mid, src += mid, len -= mid;
    }
    while (len) {
        uint64_t n = len < sizeof buf ? len : sizeof buf;
        physmem_read_bytes(pm, src, buf, n);
        if (physmem_write_bytes(pm, dst, buf, n) != 0)
            return -1;
        dst += n, src += n, len -= n;
    }
    return 0;
}
