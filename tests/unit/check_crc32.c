/*
 * check_crc32.c - lp_crc32 (sim/core/crc32_fast.c) against zlib's crc32_z
 * on every length 0..1100 at every start offset 0..15, on chained splits
 * and on megabytes; and the gzip reader's own trailer check
 * (sim/core/trace_gzin.c): CRC-32 and length per member, with the trailer
 * split across two input refills.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/crc32_fast.h"
#include "core/gzin.h"
#include "testutil.h"

/* xorshift64: deterministic bytes, state owned by the caller */
static uint64_t next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static unsigned char *random_bytes(size_t n, uint64_t seed)
{
    unsigned char *b = malloc(n ? n : 1);
    ck_assert_ptr_nonnull(b);
    for (size_t i = 0; i < n; i++)
        b[i] = (unsigned char)(next(&seed) >> 32);
    return b;
}

START_TEST(known_values)
{
    ck_assert_uint_eq(lp_crc32(0, NULL, 0), 0);
    ck_assert_uint_eq(lp_crc32(0, "123456789", 9), 0xCBF43926u);
    /* 64 bytes and more take the folding path where the CPU has it */
    static const char s[] = "The quick brown fox jumps over the lazy dog. "
                            "The quick brown fox jumps over the lazy dog.";
    ck_assert_uint_eq(lp_crc32(0, s, strlen(s)), (uint32_t)crc32_z(0, (const void *)s,
                                                                   strlen(s)));
}
END_TEST

START_TEST(every_length_and_offset)
{
    enum { MAXLEN = 1100, OFFS = 16 };
    unsigned char *b = random_bytes(MAXLEN + OFFS, 1);
    uint64_t seed = 7;
    for (size_t len = 0; len <= MAXLEN; len++)
        for (size_t off = 0; off < OFFS; off++) {
            uint32_t start = off & 1 ? (uint32_t)next(&seed) : 0;
            uint32_t want = (uint32_t)crc32_z(start, b + off, len);
            uint32_t got = lp_crc32(start, b + off, len);
            ck_assert_msg(got == want, "len %zu off %zu start %08x: %08x, zlib %08x", len,
                          off, start, got, want);
        }
    free(b);
}
END_TEST

START_TEST(chained_splits)
{
    enum { N = 9000 };
    unsigned char *b = random_bytes(N, 3);
    uint32_t whole = (uint32_t)crc32_z(0, b, N);
    uint64_t seed = 11;
    for (int trial = 0; trial < 300; trial++) {
        uint32_t c = 0;
        size_t at = 0;
        while (at < N) {
            /* pieces from 0 to 2047 bytes, some below and some above 64 */
            size_t k = (size_t)(next(&seed) % 2048);
            if (k > N - at)
                k = N - at;
            c = lp_crc32(c, b + at, k);
            at += k;
        }
        ck_assert_uint_eq(c, whole);
    }
    /* zlib and lp_crc32 continue each other's values */
    uint32_t mixed = lp_crc32((uint32_t)crc32_z(0, b, 1000), b + 1000, N - 1000);
    ck_assert_uint_eq(mixed, whole);
    free(b);
}
END_TEST

START_TEST(megabytes)
{
    size_t n = 5u << 20;
    unsigned char *b = random_bytes(n, 5);
    ck_assert_uint_eq(lp_crc32(0, b, n), (uint32_t)crc32_z(0, b, n));
    ck_assert_uint_eq(lp_crc32(0x12345678, b + 3, n - 10),
                      (uint32_t)crc32_z(0x12345678, b + 3, n - 10));
    memset(b, 0, n);
    ck_assert_uint_eq(lp_crc32(0, b, n), (uint32_t)crc32_z(0, b, n));
    free(b);
}
END_TEST

/* One gzip member of `n` bytes at `data`, stored (level 0) so its size is
 * predictable; appended to `out` at *len (cap bytes). */
static void gz_member(const unsigned char *data, size_t n, unsigned char *out, size_t *len,
                      size_t cap)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    ck_assert_int_eq(deflateInit2(&zs, 0, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY),
                     Z_OK);
    zs.next_in = (unsigned char *)(uintptr_t)data;
    zs.avail_in = (uInt)n;
    zs.next_out = out + *len;
    zs.avail_out = (uInt)(cap - *len);
    ck_assert_int_eq(deflate(&zs, Z_FINISH), Z_STREAM_END);
    *len += zs.total_out;
    deflateEnd(&zs);
}

/* Read `path` through tr_gzin in 4093-byte pieces: the byte count, or -1
 * with the message in msg. */
static long gzin_all(const char *path, unsigned char *got, size_t cap, char *msg, size_t ml)
{
    tr_gzin *g = tr_gzin_open(path);
    ck_assert_ptr_nonnull(g);
    size_t at = 0;
    long k;
    while ((k = tr_gzin_read(g, got + at, cap - at < 4093 ? cap - at : 4093)) > 0)
        at += (size_t)k;
    snprintf(msg, ml, "%s", k < 0 ? tr_gzin_msg(g) : tr_gzin_cut(g) ? "cut" : "");
    tr_gzin_close(g);
    return k < 0 ? -1 : (long)at;
}

static void write_bytes(const char *path, const unsigned char *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(b, 1, n, f), n);
    ck_assert_int_eq(fclose(f), 0);
}

/* The reader refills its input 256 KiB at a time: a member whose trailer
 * straddles byte 262144 has it consumed in two inflate calls. */
START_TEST(trailer_across_refill)
{
    enum { REFILL = 256 * 1024, CAP = REFILL + 4096 };
    unsigned char *data = random_bytes(CAP, 9), *gz = malloc(CAP), *got = malloc(CAP);
    const char *p = tu_tmp("straddle.gz");
    char msg[256];
    for (size_t after = 1; after <= 7; after++) {
        /* find the data size whose member ends `after` bytes past the refill */
        size_t n = REFILL - 200, len = 0;
        for (int i = 0; i < 8; i++) {
            len = 0;
            gz_member(data, n, gz, &len, CAP);
            if (len == REFILL + after)
                break;
            n = n + REFILL + after - len;
        }
        ck_assert_uint_eq(len, REFILL + after);
        write_bytes(p, gz, len);
        ck_assert_int_eq(gzin_all(p, got, CAP, msg, sizeof msg), (long)n);
        ck_assert_str_eq(msg, "");
        ck_assert(!memcmp(got, data, n));
        /* each trailer byte in turn, on either side of the refill */
        for (size_t i = len - 8; i < len; i++) {
            gz[i] ^= 0x10;
            write_bytes(p, gz, len);
            ck_assert_int_eq(gzin_all(p, got, CAP, msg, sizeof msg), -1);
            ck_assert_str_eq(msg, i < len - 4 ? "incorrect data check"
                                              : "incorrect length check");
            gz[i] ^= 0x10;
        }
        /* the trailer cut short at the refill: still "cut" */
        write_bytes(p, gz, REFILL);
        ck_assert_int_eq(gzin_all(p, got, CAP, msg, sizeof msg), (long)n);
        ck_assert_str_eq(msg, "cut");
    }
    free(data);
    free(gz);
    free(got);
}
END_TEST

/* Each member has its own CRC-32 and length. */
START_TEST(members_checked_apart)
{
    enum { CAP = 300000 };
    unsigned char *data = random_bytes(CAP, 13), *gz = malloc(CAP), *got = malloc(CAP);
    const char *p = tu_tmp("members.gz");
    char msg[256];
    size_t len = 0, sizes[3] = {70000, 5, 100000};
    size_t ends[3], at = 0;
    for (int m = 0; m < 3; m++) {
        gz_member(data + at, sizes[m], gz, &len, CAP);
        at += sizes[m];
        ends[m] = len;
    }
    write_bytes(p, gz, len);
    ck_assert_int_eq(gzin_all(p, got, CAP, msg, sizeof msg), (long)at);
    ck_assert(!memcmp(got, data, at));
    for (int m = 0; m < 3; m++) {
        gz[ends[m] - 8] ^= 1; /* that member's CRC-32 */
        write_bytes(p, gz, len);
        ck_assert_int_eq(gzin_all(p, got, CAP, msg, sizeof msg), -1);
        ck_assert_str_eq(msg, "incorrect data check");
        gz[ends[m] - 8] ^= 1;
        gz[ends[m] - 1] ^= 1; /* its length */
        write_bytes(p, gz, len);
        ck_assert_int_eq(gzin_all(p, got, CAP, msg, sizeof msg), -1);
        ck_assert_str_eq(msg, "incorrect length check");
        gz[ends[m] - 1] ^= 1;
    }
    free(data);
    free(gz);
    free(got);
}
END_TEST

/* `m` (one member of `len` bytes, FLG 0) copied to `out` with a header
 * CRC added (FLG.FHCRC), a wrong one if `bad`; the new length. */
static size_t with_hcrc(unsigned char *out, const unsigned char *m, size_t len, int bad)
{
    ck_assert_uint_eq(m[3], 0);
    memcpy(out, m, 10);
    out[3] = 0x02;
    uint32_t c = (uint32_t)crc32_z(0, out, 10) ^ (bad ? 1u : 0u);
    out[10] = (unsigned char)c;
    out[11] = (unsigned char)(c >> 8);
    memcpy(out + 12, m + 10, len - 10);
    return len + 2;
}

/* A header CRC (which gzip(1) does not write) is still checked, and so are
 * the trailers of such members and of the members around them. */
START_TEST(header_crc_members)
{
    enum { CAP = 200000, N1 = 50000, N2 = 60000 };
    unsigned char *data = random_bytes(N1 + N2, 17), *got = malloc(CAP);
    unsigned char *m1 = malloc(CAP), *m2 = malloc(CAP), *gz = malloc(CAP);
    const char *p = tu_tmp("hcrc.gz");
    char msg[256];
    size_t l1 = 0, l2 = 0;
    gz_member(data, N1, m1, &l1, CAP);
    gz_member(data + N1, N2, m2, &l2, CAP);
    for (int first = 0; first < 2; first++) /* which member has FHCRC */
        for (int bad = 0; bad < 4; bad++) {
            /* bad: 0 none, 1 the header CRC, 2 the CRC-32 of the member
             * with FHCRC, 3 the CRC-32 of the other member */
            size_t len = 0, ends[2];
            for (int m = 0; m < 2; m++) {
                const unsigned char *src = m ? m2 : m1;
                size_t sl = m ? l2 : l1;
                if (m == first) {
                    len += with_hcrc(gz + len, src, sl, bad == 1);
                } else {
                    memcpy(gz + len, src, sl);
                    len += sl;
                }
                ends[m] = len;
            }
            if (bad >= 2)
                gz[ends[bad == 2 ? first : !first] - 6] ^= 0x40;
            write_bytes(p, gz, len);
            long k = gzin_all(p, got, CAP, msg, sizeof msg);
            if (!bad) {
                ck_assert_int_eq(k, N1 + N2);
                ck_assert(!memcmp(got, data, N1 + N2));
            } else {
                ck_assert_int_eq(k, -1);
                ck_assert_str_eq(msg, bad == 1 ? "header crc mismatch" : "incorrect data check");
            }
        }
    free(data);
    free(got);
    free(m1);
    free(m2);
    free(gz);
}
END_TEST

static Suite *crc32_suite(void)
{
    Suite *s = suite_create("crc32");
    TCase *t = tcase_create("crc32");
    tcase_add_test(t, known_values);
    tcase_add_test(t, every_length_and_offset);
    tcase_add_test(t, chained_splits);
    tcase_add_test(t, megabytes);
    tcase_set_timeout(t, 120);
    suite_add_tcase(s, t);
    t = tcase_create("gzin_trailer");
    tcase_add_test(t, trailer_across_refill);
    tcase_add_test(t, members_checked_apart);
    tcase_add_test(t, header_crc_members);
    tcase_set_timeout(t, 120);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    return tu_run_suite(crc32_suite());
}
