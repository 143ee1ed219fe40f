/*
 * dram_target_example.cpp - interop mode (a): a SystemC initiator uses
 * lparsim's DRAM controller model through lparsim::DramTarget.
 *
 * A small loosely-timed initiator writes a 128-byte line, reads it back
 * (checking the data), reads the next line (same DRAM row: a row hit) and
 * a line 64 MiB away (another row: a row miss), keeping its own time with
 * a tlm_quantumkeeper; then it sends three bad payloads and prints the
 * response status each gets. Exit status 0 when data and statuses are as
 * expected.
 *
 *   dram_target_example [dram.KEY=VALUE]...   (default: lparsim's DDR4-2400)
 */
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include "systemc/dram_target.hpp"

namespace {

class Initiator : public sc_core::sc_module {
public:
    tlm_utils::simple_initiator_socket<Initiator> socket;
    int failures = 0;

    SC_HAS_PROCESS(Initiator);
    explicit Initiator(sc_core::sc_module_name name) : sc_core::sc_module(name), socket("socket")
    {
        SC_THREAD(run);
    }

private:
    tlm_utils::tlm_quantumkeeper qk_;

    tlm::tlm_response_status access(tlm::tlm_command cmd, sc_dt::uint64 addr, unsigned char *buf,
                                    unsigned len, const char *what)
    {
        tlm::tlm_generic_payload gp;
        gp.set_command(cmd);
        gp.set_address(addr);
        gp.set_data_ptr(buf);
        gp.set_data_length(len);
        gp.set_streaming_width(len);
        gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        sc_core::sc_time delay = qk_.get_local_time();
        socket->b_transport(gp, delay);
        sc_core::sc_time latency = delay - qk_.get_local_time();
        std::printf("%-28s %-5s 0x%09llx  %-26s latency %s\n", what,
                    cmd == tlm::TLM_READ_COMMAND ? "read" : "write", (unsigned long long)addr,
                    gp.get_response_string().c_str(), latency.to_string().c_str());
        qk_.set(delay);
        if (qk_.need_sync())
            qk_.sync();
        return gp.get_response_status();
    }

    void expect(tlm::tlm_response_status got, tlm::tlm_response_status want)
    {
        if (got != want)
            failures++;
    }

    void bad(const char *what, sc_dt::uint64 addr, unsigned width, bool byte_enables,
             tlm::tlm_response_status want)
    {
        unsigned char buf[128] = {0}, be[128];
        std::memset(be, 0xff, sizeof be);
        tlm::tlm_generic_payload gp;
        gp.set_read();
        gp.set_address(addr);
        gp.set_data_ptr(buf);
        gp.set_data_length(sizeof buf);
        gp.set_streaming_width(width);
        if (byte_enables) {
            gp.set_byte_enable_ptr(be);
            gp.set_byte_enable_length(sizeof be);
        }
        gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
        sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
        socket->b_transport(gp, delay);
        std::printf("%-28s read  0x%09llx  %s\n", what, (unsigned long long)addr,
                    gp.get_response_string().c_str());
        expect(gp.get_response_status(), want);
    }

    void run()
    {
        qk_.reset();
        unsigned char line[128], back[128];
        for (unsigned i = 0; i < sizeof line; i++)
            line[i] = (unsigned char)(i * 7 + 1);
        expect(access(tlm::TLM_WRITE_COMMAND, 0x1000, line, 128, "write a line"), tlm::TLM_OK_RESPONSE);
        expect(access(tlm::TLM_READ_COMMAND, 0x1000, back, 128, "read it back"), tlm::TLM_OK_RESPONSE);
        if (std::memcmp(line, back, sizeof line) != 0) {
            std::printf("data read back differs from the data written\n");
            failures++;
        }
        expect(access(tlm::TLM_READ_COMMAND, 0x1080, back, 128, "next line (same row)"),
               tlm::TLM_OK_RESPONSE);
        expect(access(tlm::TLM_READ_COMMAND, 0x4001000, back, 128, "64 MiB away (other row)"),
               tlm::TLM_OK_RESPONSE);
        qk_.sync();
        bad("beyond the capacity", 1ULL << 40, 128, false, tlm::TLM_ADDRESS_ERROR_RESPONSE);
        bad("with byte enables", 0x2000, 128, true, tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE);
        bad("streaming width 8", 0x2000, 8, false, tlm::TLM_BURST_ERROR_RESPONSE);
        std::printf("initiator time at the end: %s\n", sc_core::sc_time_stamp().to_string().c_str());
    }
};

} // namespace

int sc_main(int argc, char **argv)
{
    try {
        lparsim::Config cfg; /* defaults; a YAML file works too: Config(path) */
        for (int i = 1; i < argc; i++)
            cfg.set(argv[i]);
        tlm_utils::tlm_quantumkeeper::set_global_quantum(sc_core::sc_time(100, sc_core::SC_NS));
        lparsim::DramTarget mem("dram", cfg.get().dram);
        Initiator cpu("cpu");
        cpu.socket.bind(mem.socket);
        std::printf("DRAM: %llu bytes, tCK %s, %u-byte bursts\n",
                    (unsigned long long)mem.capacity(), mem.clock().period().to_string().c_str(),
                    mem.burst_bytes());
        sc_core::sc_start();
        const dram_stats &s = mem.stats();
        std::printf("DRAM stats: %llu reads, %llu writes, %llu read row hits\n",
                    (unsigned long long)s.reads, (unsigned long long)s.writes,
                    (unsigned long long)s.read_row_hits);
        std::printf("%s\n", cpu.failures ? "FAILED" : "ok");
        return cpu.failures ? 1 : 0;
    } catch (const std::exception &x) {
        std::fprintf(stderr, "dram_target_example: %s\n", x.what());
        return 1;
    }
}
