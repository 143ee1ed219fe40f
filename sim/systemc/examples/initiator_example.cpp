/*
 * initiator_example.cpp - interop mode (b): a whole lparsim machine whose
 * memory below the last-level cache is the user's own SystemC model.
 *
 * FixedLatencyMemory is such a model, as simple as one can be: every
 * transaction takes a fixed time (it only adds to the delay, LT style) and
 * is counted. lparsim::Machine is built in socket mode, its memory_socket
 * is bound to the model, and the run's figures are printed next to the
 * model's counts. Exit status 0 when the run finished and the model saw
 * the reads (at most one per L3 miss: a line zeroed in the cache reads
 * nothing).
 *
 *   initiator_example CONFIG [LATENCY_NS] [KEY=VALUE]...   (default 100 ns)
 */
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "systemc/machine_module.hpp"

namespace {

class FixedLatencyMemory : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<FixedLatencyMemory> socket;
    unsigned long long reads = 0, writes = 0;

    FixedLatencyMemory(sc_core::sc_module_name name, const sc_core::sc_time &latency)
        : sc_core::sc_module(name), socket("socket"), latency_(latency)
    {
        socket.register_b_transport(this, &FixedLatencyMemory::b_transport);
    }

private:
    sc_core::sc_time latency_;

    void b_transport(tlm::tlm_generic_payload &gp, sc_core::sc_time &delay)
    {
        if (gp.is_read())
            reads++;
        else if (gp.is_write())
            writes++;
        else {
            gp.set_response_status(tlm::TLM_COMMAND_ERROR_RESPONSE);
            return;
        }
        delay += latency_; /* no data kept: a timing-only model */
        gp.set_response_status(tlm::TLM_OK_RESPONSE);
    }
};

double figure(const jtree *j, const char *path)
{
    double v = 0;
    return jtree_get_double(j, path, &v) == 0 ? v : 0.0;
}

} // namespace

int sc_main(int argc, char **argv)
{
    if (argc < 2) {
        std::fprintf(stderr, "usage: initiator_example CONFIG [LATENCY_NS] [KEY=VALUE]...\n");
        return 2;
    }
    try {
        double ns = argc > 2 ? std::atof(argv[2]) : 100.0;
        std::vector<std::string> sets(argv + (argc > 3 ? 3 : argc), argv + argc);
        lparsim::Config cfg(argv[1], sets);
        lparsim::MachineOptions opt;
        opt.memory_socket = true;
        lparsim::Machine machine("machine", cfg, opt);
        FixedLatencyMemory mem("memory", sc_core::sc_time(ns, sc_core::SC_NS));
        machine.memory_socket().bind(mem.socket);
        sc_core::sc_start();
        if (machine.failed()) {
            std::fprintf(stderr, "initiator_example: %s\n", machine.error().c_str());
            return 1;
        }
        jtree *j = jtree_create();
        machine.report_json(j);
        double misses = figure(j, "cache.total.l3.misses");
        std::printf("memory model: %.1f ns per access = %llu core cycles at %llu MHz\n", ns,
                    (unsigned long long)machine.clock().cycles_ceil(sc_core::sc_time(ns, sc_core::SC_NS)),
                    (unsigned long long)cfg.get().machine.freq_mhz);
        std::printf("machine: %.0f cycles, %.0f records; SystemC time at the end %s (%llu syncs)\n",
                    figure(j, "sim.cycles"), figure(j, "sim.records"),
                    sc_core::sc_time_stamp().to_string().c_str(),
                    (unsigned long long)machine.syncs());
        std::printf("L3 misses %.0f (dcbz-style zeroing misses read nothing); the model served "
                    "%llu reads and %llu writebacks\n", misses,
                    mem.reads, mem.writes);
        std::printf("page_fault mean %.1f cycles, tlb.miss mean %.1f cycles\n",
                    figure(j, "ops.page_fault.mean"), figure(j, "ops.tlb.miss.mean"));
        jtree_destroy(j);
        bool ok = machine.done() && mem.reads > 0 && mem.reads <= (unsigned long long)misses;
        std::printf("%s\n", ok ? "ok" : "FAILED");
        return ok ? 0 : 1;
    } catch (const std::exception &x) {
        std::fprintf(stderr, "initiator_example: %s\n", x.what());
        return 1;
    }
}
