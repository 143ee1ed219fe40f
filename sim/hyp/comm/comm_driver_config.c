/*
 * comm_driver_config.c - the communication driver's parameters
 * (drivers.comm.*, with the guest TCP/IP model's drivers.comm.tcp.*) and
 * statistics (comm.<transport>.*, comm.audit.*), declared once here.
 * The TCP costs are assumptions calibrated to one published figure (1-byte
 * TCP loopback one-way latency 6.18 us, Wen Gu's SMC-D loopback RFC,
 * lkml 2022-12; POWER-NOTES.md): docs/comm.md gives the measurement.
 */
#include <stddef.h>

#include "comm_driver_int.h"

#define T(f) offsetof(comm_tcp_config, f)
static const param_desc tcp_list[] = {
    {"syscall_cycles", PT_UINT, "cycles", "1500", 0, 1e9, NULL,
     "Entering and leaving the kernel for one send() or recv() (assumption, ~0.4 us at 3.8 GHz; "
     "part of the 6.18 us calibration).", T(syscall_cycles), NULL},
    {"tx_cycles", PT_UINT, "cycles", "4000", 0, 1e9, NULL,
     "TCP/IP transmit work per segment, copies apart (assumption; part of the 6.18 us "
     "calibration).", T(tx_cycles), NULL},
    {"rx_cycles", PT_UINT, "cycles", "6000", 0, 1e9, NULL,
     "TCP/IP receive work per segment, copies apart (assumption; part of the 6.18 us "
     "calibration).", T(rx_cycles), NULL},
    {"wakeup_cycles", PT_UINT, "cycles", "10000", 0, 1e9, NULL,
     "Waking a reader (or writer) asleep in the same OS, paid by the woken side: calibrated so "
     "that the 1-byte tcp ping-pong one-way latency (ops.tcp.msg.mean, configs/comm/"
     "pingpong.yaml) is 6.2 us at 3.8 GHz against the published 6.18 us TCP loopback latency "
     "(Wen Gu's SMC-D loopback RFC, lkml 2022-12), the other costs kept at their assumed "
     "values.", T(wakeup_cycles), NULL},
    {"mss", PT_UINT, "bytes", "65394", 536, 65394, NULL,
     "Segment size: per-segment costs are charged per mss bytes, and veth frames carry up to "
     "mss bytes (PowerVM virtual Ethernet MTU 65394, IBM Redbook via notes).", T(mss), NULL},
    {"sndbuf", PT_SIZE, "bytes", "16384", 1, 1073741824.0, NULL,
     "Most bytes one send() call moves before returning (Linux tcp_wmem[1] 16384).",
     T(sndbuf), NULL},
    {"rcvbuf", PT_SIZE, "bytes", "131072", 4096, 1073741824.0, NULL,
     "Receive queue (tcp: the ring of each direction; veth: the window of bytes sent and not "
     "yet read) (Linux tcp_rmem[1] 131072).", T(rcvbuf), NULL},
};
static const param_table tcp_table = {"tcp", sizeof(comm_tcp_config), tcp_list,
                                      PARAM_COUNT(tcp_list),
                                      "The guest TCP/IP stack model (transports tcp and veth)."};

#define F(f) offsetof(comm_driver_config, f)
static const param_desc list[] = {
    {"enabled", PT_BOOL, "", "false", 0, 0, NULL,
     "Run the communication workload (its transport's feature must be enabled).", F(enabled),
     NULL},
    {"transport", PT_STRING, "", "tcp", 0, 0, NULL,
     "Transport by name (any feature's: tcp, veth, and those of the other features); unknown or "
     "disabled is an error.", F(transport), NULL},
    {"pattern", PT_ENUM, "", "pingpong", 0, 0, "pingpong|stream|rr|crr|conns|fanin",
     "pingpong: one request, one response of the same size (sockperf ping-pong, netperf "
     "TCP_RR); stream: one-way messages back to back (TCP_STREAM); rr: in_flight requests "
     "outstanding; crr: connect, request, response, close per transaction (TCP_CRR, setup "
     "included); conns: `connections` connections opened first (falling back where the "
     "transport refuses), then ping-pong over them in turn; fanin: as conns, but in rounds: "
     "one request on every connection back to back, then the responses, each side waiting on "
     "all its connections at once (several connections active towards one consumer).",
     F(pattern), NULL},
    {"placement", PT_ENUM, "", "same-module", 0, 0, "same-core|same-module|cross-module",
     "Hardware threads of the client (thread 0) and server: the next thread of core 0, the "
     "first thread of core 1, or the first thread of the machine's second half (the second "
     "module of a two-module machine).", F(placement), NULL},
    {"size", PT_SIZE, "bytes", "1", 1, 16777216.0, NULL, "Message size.", F(size), NULL},
    {"size_max", PT_SIZE, "bytes", "0", 0, 16777216.0, NULL,
     "If above size: each request's size is drawn uniformly from [size, size_max] (seeded).",
     F(size_max), NULL},
    {"size_dist", PT_ENUM, "", "uniform", 0, 0, "uniform|log2",
     "How random sizes are drawn from [size, size_max]: uniformly, or log-uniformly (every "
     "power-of-two range equally likely: as many small messages as large ones).", F(size_dist),
     NULL},
    {"messages", PT_UINT, "messages", "1000", 1, 1e12, NULL,
     "Transactions: requests of the client (each answered, except with stream).", F(messages),
     NULL},
    {"connections", PT_UINT, "connections", "1", 1, 65536, NULL,
     "Connections of patterns conns and fanin.", F(connections), NULL},
    {"in_flight", PT_UINT, "requests", "4", 1, 65536, NULL,
     "Requests outstanding with pattern rr.", F(in_flight), NULL},
    {"think_cycles", PT_UINT, "cycles", "0", 0, 1e12, NULL,
     "Consumer think time after each message it consumed: exponential with this mean (0: "
     "none); some consumers are then busy when data arrives and some wait.", F(think_cycles),
     NULL},
    {"wake_cycles", PT_UINT, "cycles", "60000", 0, 1e12, NULL,
     "A consumer woken from cede by an interrupt (HYP_XPORT_IRQ), added to "
     "hypervisor.interrupts.deliver_cycles: ~16 us at 3.8 GHz, POWER8 H_PROD after msgsnd "
     "(P. Mackerras, per the issue-12 notes).", F(wake_cycles), NULL},
    {"snooze_cycles", PT_UINT, "cycles", "380000", 0, 1e12, NULL,
     "A waiting consumer polls in the idle loop's snooze state this long before it cedes: an "
     "interrupt that comes sooner costs delivery and handler only, a later one wake_cycles "
     "too. 100 us at 3.8 GHz: Linux cpuidle-pseries' CEDE state on a dedicated processor "
     "(target residency 100 us), with an ideal governor that knows the wait (0: every wait "
     "cedes).", F(snooze_cycles), NULL},
    {"handler_cycles", PT_UINT, "cycles", "1000", 0, 1e12, NULL,
     "The guest's interrupt handler for that interrupt (assumption).", F(handler_cycles), NULL},
    {"inject", PT_ENUM, "", "none", 0, 0, "none|corrupt-line|duplicate",
     "Deliberately broken deliveries for testing the auditor (after half the messages: one "
     "received byte flipped, or one received chunk delivered twice); the run must stop.",
     F(inject), NULL},
    {"lpar_memory", PT_SIZE, "bytes", "256M", 16777216.0, 0x1p40, NULL,
     "Memory of each generated LPAR (whole LMBs): user buffers in the lower half, guest kernel "
     "buffers in the upper half.", F(lpar_memory), NULL},
    {"remote", PT_STRING, "", "", 0, 0, NULL,
     "The other machine of a platform (its name in the platform file) where the other endpoint "
     "runs, in that machine's own drivers.comm with the other role: one endpoint here, the "
     "bytes over RDMA (SMC-R's path; pattern pingpong; empty: both endpoints here).",
     F(remote), NULL},
    {"role", PT_ENUM, "", "client", 0, 0, "client|server",
     "With remote: this machine's endpoint (the client sends first).", F(role), NULL},
    {"rmb", PT_SIZE, "bytes", "65536", 4096, 268435456.0, NULL,
     "With remote: each side's remote memory buffer, the ring the peer RDMA-writes into "
     "(assumption: 64 KiB, a Linux SMC-R RMB size; equal on both machines).", F(rmb), NULL},
    {"tcp", PT_STRUCT, NULL, NULL, 0, 0, NULL, "Guest TCP/IP costs.", F(tcp), &tcp_table},
};
const param_table comm_driver_params = {"comm", sizeof(comm_driver_config), list,
                                        PARAM_COUNT(list),
                                        "Seeded communication workload between two endpoints "
                                        "over any transport, with a byte auditor."};

static double per_byte(const comm_drv_stats *s, uint64_t cyc)
{
    return s->bytes ? (double)cyc / (double)s->bytes : 0.0;
}
static double tx_pb(const void *b) { return per_byte(b, ((const comm_drv_stats *)b)->tx_cycles); }
static double rx_pb(const void *b) { return per_byte(b, ((const comm_drv_stats *)b)->rx_cycles); }
static double lines_pb(const void *b)
{
    return per_byte(b, ((const comm_drv_stats *)b)->lines_copied);
}

#define S(f) offsetof(comm_drv_stats, f)
static const stat_desc stats[] = {
    {"messages", SK_COUNTER, "messages", "Messages delivered whole (requests and responses).",
     S(messages), NULL},
    {"bytes", SK_COUNTER, "bytes", "Bytes of those messages.", S(bytes), NULL},
    {"signals", SK_COUNTER, "signals", "Signals, interrupts or wake-ups the transport raised.",
     S(signals), NULL},
    {"signals_skipped", SK_COUNTER, "signals", "Signals the protocol skipped (the peer was "
     "busy).", S(skipped), NULL},
    {"interrupts", SK_COUNTER, "interrupts", "Interrupts charged to an endpoint (delivery and "
     "handler): sleeping ones woken, and running ones (irq_running).",
     S(interrupts), NULL},
    {"wakeups", SK_COUNTER, "wake-ups", "Sleeping endpoints woken (interrupt or soft).",
     S(wakeups), NULL},
    {"cede_wakeups", SK_COUNTER, "wake-ups", "Interrupts that found the endpoint ceded (it "
     "had waited longer than snooze_cycles) and paid wake_cycles.", S(cede_wakeups), NULL},
    {"lines_copied", SK_COUNTER, "lines", "Cache lines written by every copy of the "
     "transport's calls (guest and hypervisor).", S(lines_copied), NULL},
    {"tx_cycles", SK_COUNTER, "cycles", "Cycles of the producers' calls (send, wait for room).",
     S(tx_cycles), NULL},
    {"rx_cycles", SK_COUNTER, "cycles", "Cycles of the consumers' calls and wake-ups.",
     S(rx_cycles), NULL},
    {"coalesced", SK_COUNTER, "signals", "Notifications that found an interrupt already "
     "pending for the peer (smc: its summary bit was set) and raised none: nothing charged.",
     S(coalesced), NULL},
    {"irq_running", SK_COUNTER, "interrupts", "Interrupts (of interrupts) that found the "
     "endpoint running, an earlier wait of pattern fanin still armed: delivery and handler, no "
     "wake-up.", S(irq_running), NULL},
    {"fallbacks", SK_COUNTER, "connections", "Connections whose transport refused and that "
     "carry their data over the veth TCP connection (reasons: the transport's own stats).",
     S(fallbacks), NULL},
    {"opens", SK_COUNTER, "connections", "Connections opened.", S(opens), NULL},
    {"closes", SK_COUNTER, "connections", "Connections closed.", S(closes), NULL},
    {"open_cycles", SK_COUNTER, "cycles", "Client cycles opening connections.", S(open_cycles),
     NULL},
    {"tx_cycles_per_byte", SK_DERIVED, "cycles/byte", "tx_cycles / bytes.", 0, tx_pb},
    {"rx_cycles_per_byte", SK_DERIVED, "cycles/byte", "rx_cycles / bytes.", 0, rx_pb},
    {"lines_per_byte", SK_DERIVED, "lines/byte", "lines_copied / bytes (a copy of a byte "
     "writes 1/128 of a line).", 0, lines_pb},
};
const stat_table comm_drv_stat_table = {"comm", stats, PARAM_COUNT(stats)};

#define A(f) offsetof(comm_audit_stats, f)
static const stat_desc audit_stats[] = {
    {"checks", SK_COUNTER, "chunks", "Received chunks compared with the regenerated stream.",
     A(checks), NULL},
    {"violations", SK_COUNTER, "chunks", "Chunks that differed (the run stops at the first).",
     A(violations), NULL},
    {"bytes", SK_COUNTER, "bytes", "Bytes compared.", A(bytes), NULL},
};
const stat_table comm_audit_stat_table = {"comm.audit", audit_stats, PARAM_COUNT(audit_stats)};
