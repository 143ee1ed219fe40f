/*
 * dram_config.c - the DRAM parameter and statistic tables, semantic
 * validation, the address-mapping parser and the derived command timings.
 *
 * Defaults are DRAMsim3's configs/DDR4_8Gb_x8_2400.ini (1 channel, 2 ranks,
 * 16 GiB). Derived timings follow DRAMsim3's timing.cc formulas (learned,
 * not copied): e.g. read->write = RL + BL/2 - WL + tRTRS.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "memctl/dram_internal.h"

#define U(name, unit, def, lo, hi, desc) \
    {#name, PT_UINT, unit, def, lo, hi, NULL, desc, offsetof(dram_config, name), NULL}
#define T(name, def, desc) U(name, "cycles", def, 0, 1e6, desc)
#define T1(name, def, desc) U(name, "cycles", def, 1, 1e6, desc)

static const param_desc dram_p[] = {
    U(channels, "", "1", 1, 64, "Independent channels, each with its own controller and queues."),
    U(ranks, "", "2", 1, 16, "Ranks per channel."),
    U(bankgroups, "", "4", 1, 16, "Bank groups per rank."),
    U(banks_per_group, "", "4", 1, 64, "Banks per bank group."),
    U(rows, "", "65536", 2, 1 << 24, "Rows per bank."),
    U(columns, "", "1024", 8, 1 << 16, "Columns per row (one device-width each)."),
    U(device_width, "bits", "8", 4, 64, "Data width of one DRAM device."),
    U(bus_width, "bits", "64", 8, 1024, "Data bus width of a channel."),
    U(BL, "beats", "8", 2, 64, "Burst length; a request moves bus_width/8 * BL bytes."),
    U(tCK, "ps", "830", 100, 1e7, "Command clock period (DRAMsim3's ini rounds DDR4-2400's 833 ps to 0.83 ns)."),
    T(AL, "0", "Additive latency (posted CAS)."),
    T1(CL, "17", "CAS (read) latency."),
    T(CWL, "12", "CAS write latency."),
    T1(tRCD, "17", "Activate to read/write."),
    T1(tRP, "17", "Precharge period."),
    T(tRAS, "39", "Activate to precharge."),
    T(tRFC, "420", "Refresh to activate (rank blocked)."),
    U(tREFI, "cycles", "9360", 1, 1e9, "Refresh interval per rank."),
    T(tRRD_S, "4", "Activate to activate, different bank group."),
    T(tRRD_L, "6", "Activate to activate, same bank group."),
    T(tCCD_S, "4", "Column to column, different bank group."),
    T(tCCD_L, "6", "Column to column, same bank group."),
    T(tWTR_S, "3", "End of write data to read, different bank group."),
    T(tWTR_L, "9", "End of write data to read, same bank group."),
    T(tFAW, "26", "Window in which at most four activates may issue per rank."),
    T(tWR, "18", "Write recovery: end of write data to precharge."),
    T(tRTP, "9", "Read to precharge."),
    T(tRTRS, "1", "Rank-to-rank data bus switch."),
    {"address_mapping", PT_STRING, "", "rochrababgco", 0, 0, NULL,
     "Address fields from high to low bits, two letters each: ro ch ra ba bg co, each exactly once.",
     offsetof(dram_config, address_mapping), NULL},
    {"row_policy", PT_ENUM, "", "open", 0, 0, "open|close",
     "Open page keeps rows open for later hits; close page auto-precharges every access.",
     offsetof(dram_config, row_policy), NULL},
    {"refresh", PT_ENUM, "", "staggered", 0, 0, "staggered|none",
     "Per-rank all-bank refresh staggered across ranks every tREFI/ranks cycles, or none.",
     offsetof(dram_config, refresh), NULL},
    U(trans_queue_size, "requests", "32", 1, 4096, "Read queue and write buffer entries per channel (each)."),
    U(cmd_queue_size, "commands", "8", 1, 4096, "Command queue entries per bank."),
    U(write_drain_min, "requests", "8", 0, 4096,
      "Drain writes early once more than this many wait and all command queues are empty."),
    {"write_policy", PT_ENUM, "", "buffered", 0, 0, "buffered|fcfs",
     "Full machine only (lparsim run/replay): buffered = every request goes through the queued "
     "controller lparsim dram uses (write buffer drained by DRAMsim3's policy, reads first, "
     "forwarding, FR-FCFS); fcfs = every access, posted writes included, is issued at its "
     "arrival against the banks' next-free times (the model before 2026-12, kept for "
     "comparison). lparsim dram always buffers.",
     offsetof(dram_config, write_policy), NULL},
    {"trace_out", PT_STRING, "", "", 0, 0, NULL,
     "Full machine only: write every request that reaches a DRAM controller to this file "
     "(relative to the working directory) in DRAMsim3's text trace format (hex address, "
     "READ/WRITE, DRAM cycle), replayable by lparsim dram or DRAMsim3; with several memory "
     "modules, one file per controller, FILE.0, FILE.1, ... Empty: none.",
     offsetof(dram_config, trace_out), NULL},
};

const param_table dram_param_table = {
    "dram", sizeof(dram_config), dram_p, PARAM_COUNT(dram_p),
    "DDR DRAM controller and devices (DRAMsim3-style, event-driven)"};

static double rate(uint64_t a, uint64_t b) { return b ? (double)a / (double)b : 0.0; }
static double d_read_hit(const void *b)
{
    const dram_stats *s = b;
    return rate(s->read_row_hits, s->read_cmds);
}
static double d_hit(const void *b)
{
    const dram_stats *s = b;
    return rate(s->read_row_hits + s->write_row_hits, s->read_cmds + s->write_cmds);
}

#define C(name, unit, desc) {#name, SK_COUNTER, unit, desc, offsetof(dram_stats, name), NULL}
static const stat_desc dram_s[] = {
    C(reads, "requests", "Read requests accepted."),
    C(writes, "requests", "Write requests accepted."),
    C(read_cmds, "commands", "READ (or READ with auto-precharge) commands issued."),
    C(write_cmds, "commands", "WRITE (or WRITE with auto-precharge) commands issued."),
    C(read_row_hits, "commands", "Reads issued to a row already accessed since its activate."),
    C(write_row_hits, "commands", "Writes issued to a row already accessed since its activate."),
    C(acts, "commands", "ACTIVATE commands issued."),
    C(pres, "commands", "PRECHARGE commands issued (not counting auto-precharge)."),
    C(refs, "commands", "REFRESH commands issued (all banks of one rank)."),
    C(forwarded_reads, "requests", "Reads served from a pending write to the same line."),
    C(merged_reads, "requests", "Reads merged into a pending read of the same line."),
    C(merged_writes, "requests", "Writes merged into a pending write of the same line."),
    C(queue_full, "requests",
      "Requests refused at least once because their read queue or write buffer was full "
      "(the caller's retries of the same request, address, direction and tag, count once)."),
    C(queue_full_cycles, "cycles",
      "The sum, over those requests, of the cycles from the first refusal to acceptance."),
    C(out_of_order, "requests",
      "Full machine: requests that arrived earlier than one already taken (threads interleave "
      "within the scheduler quantum); served as arriving with the latest, the difference not "
      "charged."),
    C(out_of_order_cycles, "cycles", "Full machine: the sum of those differences."),
    C(behind_reads, "requests",
      "Full machine: reads arriving behind the controller's time (it ran to another read's "
      "column command), issued at once against the banks' next-free times (docs/dram.md)."),
    C(ahead_reads, "requests",
      "Full machine: reads arriving beyond the other threads' horizon (a record that ran far "
      "ahead), served from the bank state without queueing (docs/dram.md)."),
    {"read_latency", SK_HIST, "cycles", "Read latency from acceptance to last data beat.",
     offsetof(dram_stats, read_latency), NULL},
    {"read_row_hit_rate", SK_DERIVED, "ratio", "read_row_hits / read_cmds; 0 when idle.", 0, d_read_hit},
    {"row_hit_rate", SK_DERIVED, "ratio", "Row hits over all column commands; 0 when idle.", 0, d_hit},
};
const stat_table dram_stat_table = {"dram", dram_s, PARAM_COUNT(dram_s)};

static int log2u(uint64_t v) { int n = 0; while ((1ULL << n) < v) n++; return n; }
static bool pow2(uint64_t v) { return v && !(v & (v - 1)); }

int dram_map_parse(const dram_config *c, dram_map *m, sim_err *e)
{
    static const char *names[6] = {"ch", "ra", "bg", "ba", "ro", "co"};
    const char *s = c->address_mapping ? c->address_mapping : "";
    memset(m, 0, sizeof *m);
    int seen[6] = {0};
    int order[6];
    if (strlen(s) != 12)
        goto bad;
    for (int i = 0; i < 6; i++) {
        int f = -1;
        for (int k = 0; k < 6; k++)
            if (s[2 * i] == names[k][0] && s[2 * i + 1] == names[k][1])
                f = k;
        if (f < 0 || seen[f]++)
            goto bad;
        order[i] = f;
    }
    m->shift = (unsigned)log2u(c->bus_width / 8 * c->BL);
    m->bits[DM_CH] = (unsigned)log2u(c->channels);
    m->bits[DM_RA] = (unsigned)log2u(c->ranks);
    m->bits[DM_BG] = (unsigned)log2u(c->bankgroups);
    m->bits[DM_BA] = (unsigned)log2u(c->banks_per_group);
    m->bits[DM_RO] = (unsigned)log2u(c->rows);
    m->bits[DM_CO] = (unsigned)(log2u(c->columns) - log2u(c->BL));
    unsigned pos = 0;
    for (int i = 5; i >= 0; i--) { /* last field is the lowest */
        m->pos[order[i]] = pos;
        pos += m->bits[order[i]];
    }
    for (int i = 0; i < 6; i++)
        m->mask[i] = (uint32_t)((1ULL << m->bits[i]) - 1);
    return 0;
bad:
    return sim_errf(e, "dram.address_mapping: '%.40s' is not a valid mapping; expected six "
                    "two-letter fields ro ch ra ba bg co, each exactly once, high to low "
                    "bits (e.g. 'rochrababgco')", s);
}

int dram_config_validate(const dram_config *c, sim_err *e)
{
    /* the declared ranges are the only per-key limits (a config built by
     * code has not been through the loader) */
    if (param_check_ranges(&dram_param_table, c, "dram", e) != 0)
        return -1;
    const struct { const char *n; uint64_t v; } p2[] = {
        {"channels", c->channels}, {"ranks", c->ranks}, {"bankgroups", c->bankgroups},
        {"banks_per_group", c->banks_per_group}, {"rows", c->rows}, {"columns", c->columns},
        {"device_width", c->device_width}, {"bus_width", c->bus_width}, {"BL", c->BL}};
    for (size_t i = 0; i < sizeof p2 / sizeof p2[0]; i++)
        if (!pow2(p2[i].v))
            return sim_errf(e, "dram.%s: %llu is not a power of two; expected 1, 2, 4, 8, ...",
                            p2[i].n, (unsigned long long)p2[i].v);
    if (c->columns < c->BL)
        return sim_errf(e, "dram.columns: %llu is smaller than BL %llu; expected columns >= BL",
                        (unsigned long long)c->columns, (unsigned long long)c->BL);
    if (c->bus_width < c->device_width)
        return sim_errf(e, "dram.bus_width: %llu bits is narrower than device_width %llu",
                        (unsigned long long)c->bus_width, (unsigned long long)c->device_width);
    const struct { const char *l, *s; uint64_t lv, sv; } ls[] = {
        {"tCCD_L", "tCCD_S", c->tCCD_L, c->tCCD_S},
        {"tWTR_L", "tWTR_S", c->tWTR_L, c->tWTR_S},
        {"tRRD_L", "tRRD_S", c->tRRD_L, c->tRRD_S}};
    for (size_t i = 0; i < sizeof ls / sizeof ls[0]; i++)
        if (ls[i].lv < ls[i].sv)
            return sim_errf(e, "dram.%s: %llu is shorter than %s %llu; expected a "
                            "same-bank-group timing >= its different-group one (%s >= %s)",
                            ls[i].l, (unsigned long long)ls[i].lv, ls[i].s,
                            (unsigned long long)ls[i].sv, ls[i].l, ls[i].s);
    /* staggered refresh: one rank every floor(tREFI / ranks) cycles, so each
     * rank refreshes every floor(tREFI / ranks) x ranks cycles, and that
     * period must exceed the tRFC the rank is blocked for */
    uint64_t period = c->tREFI / c->ranks * c->ranks;
    if (c->refresh == DRAM_REFRESH_STAGGERED && period <= c->tRFC)
        return sim_errf(e, "dram.tREFI: %llu with %llu rank%s refreshes each rank every %llu "
                        "cycles, which does not exceed tRFC %llu; expected floor(tREFI / ranks) "
                        "x ranks > tRFC, i.e. tREFI >= %llu (or refresh: none)",
                        (unsigned long long)c->tREFI, (unsigned long long)c->ranks,
                        c->ranks == 1 ? "" : "s", (unsigned long long)period,
                        (unsigned long long)c->tRFC,
                        (unsigned long long)((c->tRFC / c->ranks + 1) * c->ranks));
    dram_map m;
    if (dram_map_parse(c, &m, e) != 0)
        return -1;
    unsigned total = m.shift;
    for (int i = 0; i < 6; i++)
        total += m.bits[i];
    if (total > 62)
        return sim_errf(e, "dram: capacity needs %u address bits; expected at most 62", total);
    return 0;
}

uint64_t dram_config_capacity(const dram_config *c)
{
    return c->channels * c->ranks * c->bankgroups * c->banks_per_group * c->rows *
           c->columns * c->bus_width / 8;
}

uint32_t dram_config_request_bytes(const dram_config *c)
{
    return (uint32_t)(c->bus_width / 8 * c->BL);
}

static uint64_t pos0(int64_t v) { return v > 0 ? (uint64_t)v : 0; }
static uint64_t maxu(uint64_t a, uint64_t b) { return a > b ? a : b; }

void dram_timing_derive(const dram_config *c, dram_timing *t)
{
    int64_t burst = (int64_t)c->BL / 2, RL = (int64_t)(c->AL + c->CL);
    int64_t WL = (int64_t)(c->AL + c->CWL), rtrs = (int64_t)c->tRTRS;
    int64_t rd = RL + burst, wd = WL + burst;
    memset(t, 0, sizeof *t);
    t->burst = (uint64_t)burst;
    t->read_delay = (uint64_t)rd;
    t->write_delay = (uint64_t)wd;
    t->rr_l = maxu(t->burst, c->tCCD_L);
    t->rr_s = maxu(t->burst, c->tCCD_S);
    t->rr_o = t->burst + c->tRTRS;
    t->r2w = pos0(RL + burst - WL + rtrs);
    t->r2w_o = pos0(rd + burst + rtrs - wd);
    t->r2p = c->AL + c->tRTP;
    t->rdp2act = c->AL + t->burst + c->tRTP + c->tRP;
    t->rd2act = t->r2p + c->tRP;
    t->w2r_l = (uint64_t)wd + c->tWTR_L;
    t->w2r_s = (uint64_t)wd + c->tWTR_S;
    t->w2r_o = pos0(wd + burst + rtrs - rd);
    t->ww_l = maxu(t->burst, c->tCCD_L);
    t->ww_s = maxu(t->burst, c->tCCD_S);
    t->ww_o = t->burst;
    t->w2p = (uint64_t)WL + t->burst + c->tWR;
    t->wrp2act = t->w2p + c->tRP;
    t->rc = c->tRAS + c->tRP;
    t->rrd_l = c->tRRD_L;
    t->rrd_s = c->tRRD_S;
    t->ras = c->tRAS;
    t->rcd = pos0((int64_t)c->tRCD - (int64_t)c->AL);
    t->rp = c->tRP;
    t->rfc = c->tRFC;
    t->faw = c->tFAW;
    t->ref_interval = c->tREFI / c->ranks;
}
