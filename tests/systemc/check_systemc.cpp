/*
 * check_systemc.cpp - the SystemC bindings (sim/systemc): cycle <-> time
 * conversion, lparsim::Machine against the C path (identical reports),
 * the socket mode with a fixed-latency SystemC memory (stall cycles as
 * predicted by hand), lparsim::DramTarget (timing against a reference
 * dram, data, TLM error responses) and the lparsim-sc executable.
 * SystemC allows one elaboration per process: every test runs in its own
 * forked child (CK_FORK) and builds at most one simulation.
 */
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>

#include <sys/stat.h>
#include <unistd.h>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include "systemc/dram_target.hpp"
#include "systemc/machine_module.hpp"
/* check.h (through testutil.h) defines a macro `fail`: include it last */
#include "testutil.h"

using sc_core::SC_NS;
using sc_core::SC_PS;
using sc_core::sc_time;

namespace {

/* The JSON report of a machine, as text. */
std::string report_text(const machine *m)
{
    jtree *j = jtree_create();
    machine_report_json(m, j);
    char *buf = nullptr;
    std::size_t len = 0;
    std::FILE *f = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(jtree_write(j, f), 0);
    std::fclose(f);
    jtree_destroy(j);
    std::string s(buf, len);
    std::free(buf);
    return s;
}

double figure(const machine *m, const char *path)
{
    jtree *j = jtree_create();
    machine_report_json(m, j);
    double v = -1;
    int rc = jtree_get_double(j, path, &v);
    jtree_destroy(j);
    ck_assert_msg(rc == 0, "no figure %s in the report", path);
    return v;
}

/* ---- cycles <-> time ---- */

START_TEST(clock_conversions_are_exact)
{
    lparsim::Clock core = lparsim::Clock::from_mhz(3800); /* 263.157... ps */
    ck_assert(core.time_of(38) == sc_time(10, SC_NS));    /* 38 / 3.8 GHz */
    ck_assert(core.time_of(1) == sc_time(263, SC_PS));    /* rounded down */
    ck_assert_uint_eq(core.cycles_ceil(sc_time(1, SC_NS)), 4);  /* 3.8 -> 4 */
    ck_assert_uint_eq(core.cycles_floor(sc_time(1, SC_NS)), 3);
    ck_assert_uint_eq(core.cycles_ceil(sc_time(100, SC_NS)), 380);
    ck_assert_uint_eq(core.cycles_ceil(sc_time(263200, SC_PS)), 1001); /* 1000.16 */
    ck_assert_uint_eq(core.cycles_ceil(sc_core::SC_ZERO_TIME), 0);
    /* a whole second of cycles, no drift */
    ck_assert(core.time_of(3800000000ull) == sc_time(1, sc_core::SC_SEC));
    lparsim::Clock dram = lparsim::Clock::from_ps(830);
    ck_assert_uint_eq(dram.cycles_ceil(sc_time(1000, SC_PS)), 2);
    ck_assert_uint_eq(dram.cycles_ceil(sc_time(830, SC_PS)), 1);
    ck_assert(dram.time_of(3) == sc_time(2490, SC_PS));
    for (std::uint64_t c = 0; c < 5000; c += 7) /* time_of(ceil(t)) >= t */
        ck_assert(core.time_of(core.cycles_ceil(sc_time((double)c, SC_PS))) >=
                  sc_time((double)c, SC_PS));
}
END_TEST

/* ---- lparsim::Machine, internal memory: the C path's figures ---- */

std::string c_path_report(const char *config)
{
    lparsim::Config cfg(tu_src(config));
    sim_err e;
    sim_err_clear(&e);
    machine *m = machine_create(&cfg.get(), cfg.src(), &e);
    ck_assert_msg(m != nullptr, "%s", e.msg);
    ck_assert_msg(machine_run(m, nullptr, nullptr, &e) == 0, "%s", e.msg);
    std::string s = report_text(m);
    machine_destroy(m);
    return s;
}

void same_report_under_systemc(const sc_time &quantum)
{
    const char *config = "tests/golden/golden.yaml";
    std::string want = c_path_report(config);
    lparsim::Config cfg(tu_src(config));
    lparsim::MachineOptions opt;
    opt.quantum = quantum;
    lparsim::Machine m("machine", cfg, opt);
    sc_core::sc_start();
    ck_assert_msg(m.done() && !m.failed(), "%s", m.error().c_str());
    std::string got = report_text(m.c_machine());
    ck_assert_msg(got == want, "the report under SystemC differs from the C path's");
    /* it really ran in pieces, and SystemC time ends at the machine's last cycle */
    ck_assert_uint_gt(m.syncs(), 10);
    ck_assert(sc_core::sc_time_stamp() == m.clock().time_of(machine_cycles(m.c_machine())));
    ck_assert_uint_eq(m.now_cycles(), machine_cycles(m.c_machine()));
}

START_TEST(machine_report_equals_c_path_default_quantum)
{
    same_report_under_systemc(sc_core::SC_ZERO_TIME); /* 1 us */
}
END_TEST

START_TEST(machine_report_equals_c_path_small_quantum)
{
    same_report_under_systemc(sc_time(7, SC_NS));
}
END_TEST

START_TEST(memory_socket_needs_socket_mode)
{
    lparsim::Config cfg(tu_src("tests/golden/golden.yaml"));
    lparsim::Machine m("machine", cfg);
    bool thrown = false;
    try {
        m.memory_socket();
    } catch (const lparsim::Error &) {
        thrown = true;
    }
    ck_assert(thrown);
}
END_TEST

START_TEST(bad_config_throws_the_core_message)
{
    bool thrown = false;
    try {
        lparsim::Config cfg(tu_src("tests/golden/golden.yaml"), {"tlb.entries=nope"});
    } catch (const lparsim::Error &x) {
        thrown = true;
        ck_assert_msg(std::strstr(x.what(), "tlb.entries") != nullptr, "%s", x.what());
    }
    ck_assert(thrown);
}
END_TEST

/* ---- socket mode: a fixed-latency SystemC memory below the L3 ---- */

class FixedMemory : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<FixedMemory> socket;
    sc_time latency;
    tlm::tlm_response_status status = tlm::TLM_OK_RESPONSE;
    unsigned long long reads = 0, writes = 0, misaligned = 0;

    FixedMemory(sc_core::sc_module_name n, const sc_time &lat)
        : sc_core::sc_module(n), socket("socket"), latency(lat)
    {
        socket.register_b_transport(this, &FixedMemory::b_transport);
    }

private:
    void b_transport(tlm::tlm_generic_payload &gp, sc_time &delay)
    {
        (gp.is_read() ? reads : writes)++;
        if (gp.get_address() % 128 || gp.get_data_length() != 128 || gp.get_byte_enable_ptr())
            misaligned++;
        delay += latency;
        gp.set_response_status(status);
    }
};

const unsigned fixed_loads = 32; /* one per 128-byte line of one 4K page */

/* A one-thread machine whose trace loads fixed_loads distinct lines of one
 * page, each once: every load misses L1, L2 and L3. */
const char *write_fixed_config()
{
    std::string trace = "#lparsim-trace v1\n";
    char line[64];
    for (unsigned i = 0; i < fixed_loads; i++) {
        std::snprintf(line, sizeof line, "L 0x%x 8\n", 0x10000000u + 128u * i);
        trace += line;
    }
    ck_assert_int_eq(tu_write_file(tu_tmp("fixed.trc"), trace.c_str()), 0);
    const char *cfg = tu_tmp("fixed.yaml");
    ck_assert_int_eq(
        tu_write_file(cfg,
                      "machine: {name: fixed, seed: 1, modules: 1, cores_per_module: 1,\n"
                      "          threads_per_core: 1, freq_mhz: 3800}\n"
                      "cpu: {hidden_latency: 3}\n"
                      "cache: {line_size: 128, l3: {latency: 27}}\n"
                      "guest: {zero_new_pages: false}\n"
                      "lpars:\n"
                      "  - name: a\n"
                      "    memory: 256M\n"
                      "    page_size: 4K\n"
                      "    vcpus: [{thread: 0, trace: fixed.trc}]\n"),
        0);
    return cfg;
}

/* latency -> core cycles at 3.8 GHz, rounded up by hand */
const struct {
    double ps;
    std::uint64_t cycles;
} fixed_cases[] = {{0, 0}, {1000, 4}, {100000, 380}, {263200, 1001}};

START_TEST(fixed_latency_memory_sets_the_stall)
{
    lparsim::Config cfg(write_fixed_config());
    lparsim::MachineOptions opt;
    opt.memory_socket = true;
    lparsim::Machine m("machine", cfg, opt);
    FixedMemory mem("memory", sc_time(fixed_cases[_i].ps, SC_PS));
    m.memory_socket().bind(mem.socket);
    sc_core::sc_start();
    ck_assert_msg(m.done() && !m.failed(), "%s", m.error().c_str());
    /* Each load: L3 hit latency 27 + the fill, ceil(L * 3.8 GHz); the first
     * 3 cycles are hidden. Translation (TLB miss, page fault, whose own
     * misses also pay L) is charged to tlb_miss_cycles, not to the stall. */
    std::uint64_t stall = (std::uint64_t)figure(m.c_machine(), "cpu.thread0.stall_cycles");
    ck_assert_uint_eq(stall, fixed_loads * (27 - 3 + fixed_cases[_i].cycles));
    ck_assert_uint_eq((std::uint64_t)figure(m.c_machine(), "cpu.thread0.loads"), fixed_loads);
    /* every L3 miss (no zeroing here) became one READ on the socket */
    ck_assert_uint_eq(mem.reads, (std::uint64_t)figure(m.c_machine(), "cache.total.l3.misses"));
    ck_assert_uint_ge(mem.reads, fixed_loads);
    ck_assert_uint_eq(mem.misaligned, 0);
    /* lparsim's own DRAM saw nothing */
    ck_assert_uint_eq((std::uint64_t)figure(m.c_machine(), "dram.total.reads"), 0);
}
END_TEST

START_TEST(error_response_fails_the_run)
{
    lparsim::Config cfg(write_fixed_config());
    lparsim::MachineOptions opt;
    opt.memory_socket = true;
    lparsim::Machine m("machine", cfg, opt);
    FixedMemory mem("memory", sc_time(10, SC_NS));
    mem.status = tlm::TLM_ADDRESS_ERROR_RESPONSE;
    m.memory_socket().bind(mem.socket);
    sc_core::sc_start();
    ck_assert(m.done());
    ck_assert(m.failed());
    ck_assert_msg(std::strstr(m.error().c_str(), "TLM_ADDRESS_ERROR_RESPONSE") != nullptr, "%s",
                  m.error().c_str());
    ck_assert_uint_eq(mem.reads, 1); /* stopped at the first one */
}
END_TEST

/* ---- lparsim::DramTarget ---- */

class Probe : public sc_core::sc_module {
public:
    tlm_utils::simple_initiator_socket<Probe> socket;
    std::function<void(Probe &)> body;

    SC_HAS_PROCESS(Probe);
    Probe(sc_core::sc_module_name n, std::function<void(Probe &)> b)
        : sc_core::sc_module(n), socket("socket"), body(std::move(b))
    {
        SC_THREAD(run);
    }

    tlm::tlm_response_status send(tlm::tlm_command cmd, std::uint64_t addr, unsigned char *data,
                                  unsigned len, sc_time &delay, unsigned width = 0,
                                  unsigned char *be = nullptr)
    {
        tlm::tlm_generic_payload gp;
        gp.set_command(cmd);
        gp.set_address(addr);
        gp.set_data_ptr(data);
        gp.set_data_length(len);
        gp.set_streaming_width(width ? width : len);
        gp.set_byte_enable_ptr(be);
        gp.set_byte_enable_length(be ? len : 0);
        gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        socket->b_transport(gp, delay);
        return gp.get_response_status();
    }

private:
    void run() { body(*this); }
};

void with_dram(std::function<void(Probe &, lparsim::DramTarget &)> body)
{
    lparsim::Config cfg;
    lparsim::DramTarget mem("dram", cfg.get().dram);
    Probe p("probe", [&](Probe &self) { body(self, mem); });
    p.socket.bind(mem.socket);
    sc_core::sc_start();
}

START_TEST(dram_target_timing_matches_dram_access)
{
    with_dram([](Probe &p, lparsim::DramTarget &t) {
        lparsim::Config cfg;
        sim_err e;
        sim_err_clear(&e);
        dram *ref = dram_create(&cfg.get().dram, &e);
        ck_assert_ptr_nonnull(ref);
        ck_assert_uint_eq(cfg.get().dram.tCK, 830);
        unsigned char buf[128] = {0};
        /* read at 1000 ps: arrives on DRAM edge ceil(1000 / 830) = 2; 128
         * bytes are two 64-byte bursts, both arriving then */
        sc_time d(1000, SC_PS);
        ck_assert_int_eq(p.send(tlm::TLM_READ_COMMAND, 0x40000, buf, 128, d), tlm::TLM_OK_RESPONSE);
        std::uint64_t a = dram_access(ref, 0x40000, false, 2);
        std::uint64_t b = dram_access(ref, 0x40040, false, 2);
        std::uint64_t done = a > b ? a : b;
        ck_assert(d == sc_time((double)(done * 830), SC_PS));
        /* a write 3 ns later at simulated time 5 ns: edge ceil(8000 / 830) = 10 */
        sc_core::wait(sc_time(5, SC_NS));
        d = sc_time(3, SC_NS);
        ck_assert_int_eq(p.send(tlm::TLM_WRITE_COMMAND, 0x80000, buf, 64, d), tlm::TLM_OK_RESPONSE);
        done = dram_access(ref, 0x80000, true, 10);
        ck_assert(d + sc_core::sc_time_stamp() == sc_time((double)(done * 830), SC_PS));
        ck_assert_uint_eq(t.stats().reads, 2);
        ck_assert_uint_eq(t.stats().writes, 1);
        dram_destroy(ref);
    });
}
END_TEST

START_TEST(dram_target_keeps_data)
{
    with_dram([](Probe &p, lparsim::DramTarget &) {
        unsigned char w[200], r[200];
        for (unsigned i = 0; i < sizeof w; i++)
            w[i] = (unsigned char)(3 * i + 1);
        sc_time d = sc_core::SC_ZERO_TIME;
        /* 200 bytes across a 4K boundary of the store */
        ck_assert_int_eq(p.send(tlm::TLM_WRITE_COMMAND, 4096 - 100, w, 200, d), tlm::TLM_OK_RESPONSE);
        std::memset(r, 0xaa, sizeof r);
        ck_assert_int_eq(p.send(tlm::TLM_READ_COMMAND, 4096 - 100, r, 200, d), tlm::TLM_OK_RESPONSE);
        ck_assert_int_eq(std::memcmp(w, r, sizeof w), 0);
        /* never written: zeros */
        ck_assert_int_eq(p.send(tlm::TLM_READ_COMMAND, 1 << 20, r, 16, d), tlm::TLM_OK_RESPONSE);
        for (unsigned i = 0; i < 16; i++)
            ck_assert_uint_eq(r[i], 0);
        /* debug transport sees the same store */
        tlm::tlm_generic_payload gp;
        gp.set_read();
        gp.set_address(4096 - 100);
        gp.set_data_ptr(r);
        gp.set_data_length(10);
        ck_assert_uint_eq(p.socket->transport_dbg(gp), 10);
        ck_assert_int_eq(std::memcmp(w, r, 10), 0);
    });
}
END_TEST

START_TEST(dram_target_error_responses)
{
    with_dram([](Probe &p, lparsim::DramTarget &t) {
        unsigned char buf[128], be[128];
        std::memset(be, 0xff, sizeof be);
        std::uint64_t cap = t.capacity();
        ck_assert_uint_eq(cap, 16ull << 30); /* the default DDR4 config: 16 GiB */
        sc_time d = sc_core::SC_ZERO_TIME;
        ck_assert_int_eq(p.send(tlm::TLM_READ_COMMAND, cap - 128, buf, 128, d), tlm::TLM_OK_RESPONSE);
        sc_time before = d;
        ck_assert_int_eq(p.send(tlm::TLM_READ_COMMAND, cap - 64, buf, 128, d),
                         tlm::TLM_ADDRESS_ERROR_RESPONSE);
        ck_assert_int_eq(p.send(tlm::TLM_WRITE_COMMAND, cap, buf, 1, d),
                         tlm::TLM_ADDRESS_ERROR_RESPONSE);
        ck_assert_int_eq(p.send(tlm::TLM_READ_COMMAND, ~0ull - 8, buf, 128, d),
                         tlm::TLM_ADDRESS_ERROR_RESPONSE);
        ck_assert_int_eq(p.send(tlm::TLM_READ_COMMAND, 0, buf, 128, d, 0, be),
                         tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
        ck_assert_int_eq(p.send(tlm::TLM_READ_COMMAND, 0, buf, 128, d, 8),
                         tlm::TLM_BURST_ERROR_RESPONSE);
        ck_assert_int_eq(p.send(tlm::TLM_IGNORE_COMMAND, 0, buf, 128, d),
                         tlm::TLM_COMMAND_ERROR_RESPONSE);
        ck_assert_int_eq(p.send(tlm::TLM_READ_COMMAND, 0, buf, 0, d), tlm::TLM_GENERIC_ERROR_RESPONSE);
        /* nothing was modeled for the failed ones */
        ck_assert(d == before);
        ck_assert_uint_eq(t.stats().reads, 2);
        ck_assert_uint_eq(t.stats().writes, 0);
    });
}
END_TEST

/* ---- the lparsim-sc executable ---- */

char *run_json(const char *bin_env, const char *out, const char *config = "tests/golden/golden.yaml",
               const char *set = nullptr)
{
    const char *bin = std::getenv(bin_env);
    ck_assert_ptr_nonnull(bin);
    setenv("LPARSIM_BIN", bin, 1); /* this forked test only */
    const char *argv[] = {"run", config, "--quiet", "--json", out,
                          set ? "--set" : nullptr, set, nullptr};
    tu_run r = tu_lparsim(argv);
    ck_assert_msg(r.status == 0, "%s failed (%d): %s", bin, r.status, r.err);
    ck_assert_str_eq(r.err, ""); /* no SystemC banner either */
    tu_run_free(&r);
    char *text = tu_read_file(out, nullptr);
    ck_assert_ptr_nonnull(text);
    return tu_strip_host(text);
}

START_TEST(lparsim_sc_json_equals_lparsim)
{
    char *c = run_json("LPARSIM_C_BIN", tu_tmp("c.json"));
    char *sc = run_json("LPARSIM_SC_BIN", tu_tmp("sc.json"));
    ck_assert_msg(std::strcmp(c, sc) == 0, "lparsim-sc's JSON differs from lparsim's");
    ck_assert_ptr_nonnull(std::strstr(sc, "\"ops\""));
    std::free(c);
    std::free(sc);
}
END_TEST

/* Every shipped config (workload drivers included: they run from the
 * machine loop, so lparsim-sc runs them too) gives the same report under
 * lparsim-sc. The long ones run fewer driver operations. */
static const char *const SHIPPED[][2] = {
    {"configs/default.yaml", nullptr},
    {"configs/smr/base.yaml", nullptr},
    {"configs/smr/audit.yaml", "drivers.smr.ops=300"},
    {"configs/smr/scale-1000-lpars.yaml", "drivers.smr.ops=4"},
    {"configs/dispatch/consolidation.yaml", nullptr},
    {"configs/dispatch/duty.yaml", "drivers.dispatch.phases=2"},
    {"configs/coherency/overcommit.yaml", "drivers.coherency.rounds=20"},
    {"configs/coherency/shadow.yaml", "drivers.coherency.rounds=20"},
    {"configs/coherency/remap.yaml", "drivers.coherency.rounds=20"},
    {"configs/comm/pingpong.yaml", "drivers.comm.messages=100"},
    {"configs/comm/stream.yaml", "drivers.comm.messages=20"},
    {"configs/comm/smc.yaml", "drivers.comm.messages=100"},
    {"configs/comm/fanin.yaml", "drivers.comm.messages=64"},
    {"configs/ipca/notices.yaml", "drivers.ipca.ops=60"},
    {"configs/ipca/contention.yaml", "drivers.ipca.ops=30"},
    {"configs/reloc/busy.yaml", "run.max_cycles=260000000"}, /* 60 M cycles of relocation */
    /* hypervisor paging: the shipped configs, short (no page-out yet), and
     * a small overcommitted one (page-outs, page-ins, the stealer's events,
     * auditor on), also on shared processors (vCPUs blocked on page-ins
     * leave their threads and replay their records). */
    {"configs/paging/overcommit.yaml", "run.max_records=20000"},
    {"configs/paging/update.yaml", "run.max_records=20000"},
    {"configs/paging/shared-cpus.yaml", "run.max_records=5000"},
    {"tests/data/paging/sc.yaml", nullptr},
    {"tests/data/paging/sc-shared.yaml", nullptr},
    /* without transparent pinning: VPA writes at dispatch that page in */
    {"tests/data/paging/sc-pin.yaml", nullptr},
    /* cache.coherence: mesi (the snoops follow the order of the accesses) */
    {"configs/default.yaml", "cache.coherence=mesi"},
    {"configs/smr/base.yaml", "cache.coherence=mesi"},
    /* a full-system LPAR whose vCPUs wait for their recorded hcall order
     * (K 19), in the run and in a warm-up */
    {"tests/data/fullsys/order.yaml", nullptr},
    {"tests/data/fullsys/order.yaml", "run.warmup_records=408"},
};

START_TEST(lparsim_sc_equals_lparsim_on_shipped_configs)
{
    const char *cfg = SHIPPED[_i][0], *set = SHIPPED[_i][1];
    char *c = run_json("LPARSIM_C_BIN", tu_tmp("c.json"), cfg, set);
    char *sc = run_json("LPARSIM_SC_BIN", tu_tmp("sc.json"), cfg, set);
    ck_assert_msg(std::strcmp(c, sc) == 0, "%s: lparsim-sc's JSON differs from lparsim's", cfg);
    ck_assert_ptr_null(std::strstr(sc, "\"cycles\": 0,")); /* sim.cycles counts the drivers */
    std::free(c);
    std::free(sc);
}
END_TEST

/* A functional warm-up (docs/roi.md) runs from the machine loop too */
START_TEST(lparsim_sc_equals_lparsim_with_warmup)
{
    const char *set = "run.warmup_records=20000";
    char *c = run_json("LPARSIM_C_BIN", tu_tmp("c.json"), "tests/golden/golden.yaml", set);
    char *sc = run_json("LPARSIM_SC_BIN", tu_tmp("sc.json"), "tests/golden/golden.yaml", set);
    ck_assert_msg(std::strcmp(c, sc) == 0, "warm-up: lparsim-sc's JSON differs from lparsim's");
    ck_assert_ptr_nonnull(std::strstr(sc, "\"warmup\""));
    std::free(c);
    std::free(sc);
}
END_TEST

START_TEST(lparsim_sc_usage_and_errors)
{
    setenv("LPARSIM_BIN", std::getenv("LPARSIM_SC_BIN"), 1);
    const char *none[] = {nullptr};
    tu_run r = tu_lparsim(none);
    ck_assert_int_eq(r.status, 2);
    tu_run_free(&r);
    const char *badq[] = {"run", "tests/golden/golden.yaml", "--quantum", "0", nullptr};
    r = tu_lparsim(badq);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(std::strstr(r.err, "--quantum"));
    tu_run_free(&r);
    const char *badset[] = {"run", "tests/golden/golden.yaml", "--set", "tlb.entries=x", nullptr};
    r = tu_lparsim(badset);
    ck_assert_int_eq(r.status, 1);
    ck_assert_msg(std::strncmp(r.err, "lparsim-sc: --set tlb.entries=x", 31) == 0, "%s", r.err);
    ck_assert_ptr_eq(std::strchr(r.err, '\n'), r.err + std::strlen(r.err) - 1); /* one line */
    tu_run_free(&r);
    /* --quantum: the strict number parser (no blank, hex, inf) */
    for (const char *q : {" 5", "0x10", "inf", "5ns", ""}) {
        const char *bq[] = {"run", "tests/golden/golden.yaml", "--quantum", q, nullptr};
        r = tu_lparsim(bq);
        ck_assert_msg(r.status == 2, "--quantum '%s': exit %d", q, r.status);
        tu_run_free(&r);
    }
    /* output paths are checked before simulating (nothing printed) */
    const char *nodir[] = {"run", "tests/golden/golden.yaml", "--csv",
                           "missing-lparsim-dir/x.csv", nullptr};
    r = tu_lparsim(nodir);
    ck_assert_int_eq(r.status, 1);
    ck_assert_ptr_nonnull(std::strstr(r.err, "missing-lparsim-dir/x.csv: cannot write"));
    ck_assert_msg(!*r.out, "simulated before checking the output: %.100s", r.out);
    tu_run_free(&r);
    /* a link to a full device: written through, fails, the link stays */
    char full[4200];
    std::snprintf(full, sizeof full, "%s", tu_tmp("full-link"));
    unlink(full);
    ck_assert_int_eq(symlink("/dev/full", full), 0);
    const char *tofull[] = {"run", "tests/golden/golden.yaml", "-q", "--json", full, nullptr};
    r = tu_lparsim(tofull);
    ck_assert_int_eq(r.status, 1);
    ck_assert_ptr_nonnull(std::strstr(r.err, "No space left on device"));
    tu_run_free(&r);
    struct stat st;
    ck_assert(lstat(full, &st) == 0 && S_ISLNK(st.st_mode));
}
END_TEST

/* A platform file (several machines, docs/platform.md) is refused with one
 * line naming it: platform files need lparsim run. */
START_TEST(lparsim_sc_refuses_platform_files)
{
    setenv("LPARSIM_BIN", std::getenv("LPARSIM_SC_BIN"), 1);
    const char *plat[] = {"run", "configs/platform/two-cecs.yaml", "-q", nullptr};
    tu_run r = tu_lparsim(plat);
    ck_assert_int_eq(r.status, 1);
    ck_assert_msg(std::strcmp(r.err, "lparsim-sc: configs/platform/two-cecs.yaml: a platform "
                                     "file (top-level 'platform:'); platform files need "
                                     "`lparsim run` (lparsim-sc runs one machine)\n") == 0,
                  "%s", r.err);
    ck_assert_msg(!*r.out, "%s", r.out);
    tu_run_free(&r);
}
END_TEST

} // namespace

int sc_main(int, char **)
{
    return 1; /* never called: main() below drives Check, tests drive the kernel */
}

int main(void)
{
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
    Suite *s = suite_create("systemc");
    TCase *tc = tcase_create("clock");
    tcase_add_test(tc, clock_conversions_are_exact);
    suite_add_tcase(s, tc);
    tc = tcase_create("machine");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, machine_report_equals_c_path_default_quantum);
    tcase_add_test(tc, machine_report_equals_c_path_small_quantum);
    tcase_add_test(tc, memory_socket_needs_socket_mode);
    tcase_add_test(tc, bad_config_throws_the_core_message);
    suite_add_tcase(s, tc);
    tc = tcase_create("memory_socket");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, fixed_latency_memory_sets_the_stall, 0,
                        (int)(sizeof fixed_cases / sizeof fixed_cases[0]));
    tcase_add_test(tc, error_response_fails_the_run);
    suite_add_tcase(s, tc);
    tc = tcase_create("dram_target");
    tcase_add_test(tc, dram_target_timing_matches_dram_access);
    tcase_add_test(tc, dram_target_keeps_data);
    tcase_add_test(tc, dram_target_error_responses);
    suite_add_tcase(s, tc);
    tc = tcase_create("lparsim_sc");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, lparsim_sc_json_equals_lparsim);
    tcase_add_loop_test(tc, lparsim_sc_equals_lparsim_on_shipped_configs, 0,
                        (int)(sizeof SHIPPED / sizeof SHIPPED[0]));
    tcase_add_test(tc, lparsim_sc_equals_lparsim_with_warmup);
    tcase_add_test(tc, lparsim_sc_usage_and_errors);
    tcase_add_test(tc, lparsim_sc_refuses_platform_files);
    suite_add_tcase(s, tc);
    return tu_run_suite(s);
}
