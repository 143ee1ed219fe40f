/*
 * ipca_driver_config.c - the IPCA workload driver's parameters
 * (drivers.ipca.*) and statistics (drivers.ipca.*), declared once here.
 */
#include <stddef.h>

#include "ipca_driver_int.h"

#define F(f) offsetof(idrv_config, f)
static const param_desc list[] = {
    {"enabled", PT_BOOL, "", "false", 0, 0, NULL,
     "Run the IPCA workload (needs hypervisor.ipca.enabled) on generated bare LPARs "
     "i0, i1, ...", F(enabled), NULL},
    {"pattern", PT_ENUM, "", "notices", 0, 0, "notices|contention",
     "notices: rounds of a DLPAR-style notice (a random X writes to a random Y, Y polls and "
     "replies, X polls), or a broadcast to ALL (broadcast_fraction), with third-party reads "
     "(snoop_fraction). contention: `writers` LPARs each send `ops` messages into one IPCA "
     "(target one) or each into its own reader's (target distinct), closed loop with think "
     "time (H8).", F(pattern), NULL},
    {"lpars", PT_UINT, "LPARs", "4", 2, 4096, NULL,
     "notices: generated LPARs that exchange notices (plus one outsider when snoop_fraction "
     "> 0); contention generates writers + 1 or 2 x writers.", F(lpars),
     NULL},
    {"lpar_memory", PT_SIZE, "bytes", "256M", 16777216.0, 0x1p40, NULL,
     "Memory of each generated LPAR (whole LMBs).", F(lpar_memory), NULL},
    {"msg_bytes", PT_SIZE, "bytes", "256", 1, 0x1p26, NULL,
     "Bytes of each message (notice, reply, broadcast payload).", F(msg_bytes), NULL},
    {"ops", PT_UINT, "ops", "200", 0, 1e9, NULL,
     "notices: rounds; contention: messages per writer.", F(ops), NULL},
    {"think", PT_UINT, "cycles", "200000", 0, 1e12, NULL,
     "Mean cycles between a side's operations (drawn uniformly in [0, 2 think]): between "
     "rounds (notices), between a writer's messages (contention).", F(think), NULL},
    {"broadcast_fraction", PT_DOUBLE, "", "0.1", 0, 1, NULL,
     "notices: fraction of rounds that are a broadcast to ALL (claim 1's request for spare "
     "resources) instead of a notice and reply.", F(broadcast_fraction), NULL},
    {"snoop_fraction", PT_DOUBLE, "", "0", 0, 1, NULL,
     "notices: fraction of rounds in which an outsider (an extra generated LPAR with no IPCA "
     "and no connection) reads the notice's target IPCA (H9: allowed in patent mode, "
     "H_AUTHORITY with acl).", F(snoop_fraction), NULL},
    {"writers", PT_UINT, "LPARs", "4", 1, 1024, NULL, "contention: writers M.", F(writers),
     NULL},
    {"target", PT_ENUM, "", "one", 0, 0, "one|distinct",
     "contention: every writer into one reader's IPCA, or each into its own reader's.",
     F(target), NULL},
};
const param_table ipca_driver_params = {"ipca", sizeof(idrv_config), list, PARAM_COUNT(list),
                                        "Seeded IPCA workload: notices, broadcasts, contention."};

static double per_us(const void *b)
{
    const idrv_stats *s = b;
    if (s->last_delivery <= s->first_send || !s->freq_mhz)
        return 0;
    return (double)s->messages * (double)s->freq_mhz / (double)(s->last_delivery - s->first_send);
}

#define S(f) offsetof(idrv_stats, f)
static const stat_desc stats[] = {
    {"messages", SK_COUNTER, "msgs", "Messages delivered whole to a receiver's buffer (notices, "
     "replies, contention messages; broadcasts apart).", S(messages), NULL},
    {"bytes", SK_COUNTER, "bytes", "Bytes of those messages, each checked against what was "
     "sent.", S(bytes), NULL},
    {"notices", SK_COUNTER, "rounds", "Notice-and-reply rounds.", S(notices), NULL},
    {"broadcasts", SK_COUNTER, "rounds", "Broadcast rounds.", S(broadcasts), NULL},
    {"broadcast_deliveries", SK_COUNTER, "msgs", "Broadcasts found and read by a receiver's "
     "poll.", S(broadcast_deliveries), NULL},
    {"snoops", SK_COUNTER, "reads", "Third-party reads of another LPAR's IPCA that succeeded.",
     S(snoops), NULL},
    {"snoops_refused", SK_COUNTER, "reads", "Third-party reads refused (H_AUTHORITY, acl).",
     S(snoops_refused), NULL},
    {"room_waits", SK_COUNTER, "waits", "Writers that found the target IPCA full and waited "
     "for the reader's poll.", S(room_waits), NULL},
    {"reader_polls", SK_COUNTER, "polls", "Reader wake-ups at a poll tick (contention).",
     S(reader_polls), NULL},
    {"lines_copied", SK_COUNTER, "lines", "Cache lines the transport's calls copied (guest "
     "copies and the hcalls' copies).", S(lines_copied), NULL},
    {"tx_cycles", SK_COUNTER, "cycles", "Cycles of the senders' transport calls (all parts).",
     S(tx_cycles), NULL},
    {"rx_cycles", SK_COUNTER, "cycles", "Cycles of the receivers' transport calls (polls).",
     S(rx_cycles), NULL},
    {"first_send", SK_COUNTER, "cycles", "Cycle the first message was sent.", S(first_send),
     NULL},
    {"last_delivery", SK_COUNTER, "cycles", "Cycle the last message was delivered.",
     S(last_delivery), NULL},
    {"msgs_per_us", SK_DERIVED, "msgs/us", "Throughput: messages / (last_delivery - "
     "first_send) in microseconds.", 0, per_us},
};
const stat_table idrv_stat_table = {"drivers.ipca", stats, PARAM_COUNT(stats)};

uint64_t idrv_lpars(const idrv_config *c)
{
    if (c->pattern == IDRV_NOTICES) /* the outsider that snoops */
        return c->lpars + (c->snoop_fraction > 0);
    return c->writers + (c->target == IDRV_ONE ? 1 : c->writers);
}
