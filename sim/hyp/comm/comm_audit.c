/*
 * comm_audit.c - the auditor of the communication driver, independent of
 * any transport: the bytes of each connection and direction come from a
 * seeded generator (a function of seed, connection, direction and stream
 * offset), the sender writes them into its user buffer, and every byte that
 * arrives in the receiver's user buffer is compared with the regenerated
 * stream at the receiver's own offset: in order, no gap, no duplicate. A
 * mismatch is a violation that stops the run naming connection, direction
 * and offset (and whether the bytes repeat earlier ones: a duplicate).
 */
#include <string.h>

#include "comm_driver_int.h"

static uint64_t word(const comm_drv *d, unsigned conn, unsigned dir, uint64_t w)
{
    uint64_t x = d->seed ^ ((uint64_t)conn * 0x9E3779B97F4A7C15ULL) ^ ((uint64_t)dir << 63) ^
                 (w * 0xD1B54A32D192ED03ULL);
    return rng__splitmix(&x);
}

void comm_audit_fill(const comm_drv *d, unsigned conn, unsigned dir, uint64_t off, void *buf,
                     uint64_t len)
{
    unsigned char *b = buf;
    uint64_t i = 0;
    while (i < len) {
        uint64_t o = off + i, w = word(d, conn, dir, o >> 3);
        for (unsigned k = (unsigned)(o & 7); k < 8 && i < len; k++, i++)
            b[i] = (unsigned char)(w >> (8 * k));
    }
}

static bool same(const comm_drv *d, unsigned conn, unsigned dir, uint64_t off,
                 const unsigned char *got, uint64_t len, uint64_t *bad)
{
    unsigned char e[4096];
    for (uint64_t i = 0; i < len; i += sizeof e) {
        uint64_t n = len - i < sizeof e ? len - i : sizeof e;
        comm_audit_fill(d, conn, dir, off + i, e, n);
        if (memcmp(e, got + i, n) != 0) {
            for (uint64_t k = 0; k < n; k++)
                if (e[k] != got[i + k]) {
                    if (bad)
                        *bad = i + k;
                    break;
                }
            return false;
        }
    }
    return true;
}

int comm_audit_check(comm_drv *d, unsigned conn, unsigned dir, uint64_t off, const void *got,
                     uint64_t len, sim_err *e)
{
    d->au.checks++;
    d->au.bytes += len;
    uint64_t bad = 0;
    if (same(d, conn, dir, off, got, len, &bad))
        return 0;
    d->au.violations++;
    unsigned char x[1];
    comm_audit_fill(d, conn, dir, off + bad, x, 1);
    bool dup = off >= len && same(d, conn, dir, off - len, got, len, NULL);
    return sim_errf(e, "drivers.comm: audit violation on connection %u direction %s at offset "
                       "%llu: received 0x%02x, expected 0x%02x (%s, transport %s)",
                    conn, dir ? "server->client" : "client->server",
                    (unsigned long long)(off + bad), ((const unsigned char *)got)[bad], x[0],
                    dup ? "a duplicate of the previous delivery" : "corrupted or out of order",
                    d->c.transport);
}
