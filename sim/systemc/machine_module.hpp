/*
 * machine_module.hpp - lparsim::Machine, an sc_module that runs a whole
 * lparsim machine under the SystemC kernel.
 *
 * One SC_THREAD replays the machine in pieces: it runs the C core up to
 * the next quantum boundary (machine_run_until), sets the quantum keeper's
 * local time to the cycle the machine reached (converted by the machine's
 * clock, machine.freq_mhz), and syncs, i.e. waits that simulated time.
 * The core's results do not depend on where it is cut, so a run under
 * SystemC gives exactly the figures of `lparsim run`. Machine cycle c is
 * at time start + c periods, `start` being the time the thread began.
 *
 * Memory modes:
 *  - internal (default): lparsim's own DRAM controllers and fabric;
 *  - socket: every access below the last-level cache leaves through
 *    memory_socket() as a TLM-2.0 loosely-timed b_transport (READ for a
 *    fill, WRITE for a posted dirty-line writeback; line-sized, line
 *    aligned, no byte enables, data buffer of zeros, contents not
 *    modeled). The delay passed in is the request's offset from the
 *    current SystemC time; the delay the target adds, rounded up to core
 *    cycles, is the fill latency (a write's is ignored: posted). A
 *    response other than TLM_OK_RESPONSE fails the run.
 * Targets should not wait() (LT style); if one does, the machine still
 * works but its clock and SystemC time drift apart by that wait.
 *
 * Errors while building throw lparsim::Error; errors while running are
 * kept (failed(), error()) and end the thread. The C machine lives as long
 * as the module.
 */
#ifndef LPARSIM_SYSTEMC_MACHINE_MODULE_HPP
#define LPARSIM_SYSTEMC_MACHINE_MODULE_HPP

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/tlm_quantumkeeper.h>

#include "clock.hpp"
#include "config.hpp"

namespace lparsim {

struct MachineOptions {
    /* Send the memory traffic below the L3 out through memory_socket(). */
    bool memory_socket = false;
    /* Synchronisation quantum; zero = tlm_global_quantum if it is set,
     * else 1 us. */
    sc_core::sc_time quantum = sc_core::SC_ZERO_TIME;
    /* Call sc_stop() when the run ends (for models that never starve). */
    bool stop_when_done = false;
    /* Progress callback, as for machine_run (may be NULL). */
    machine_progress_fn progress = nullptr;
    void *progress_ctx = nullptr;
};

/* A quantum keeper whose quantum is its own instead of the global one. */
class QuantumKeeper : public tlm_utils::tlm_quantumkeeper {
public:
    explicit QuantumKeeper(const sc_core::sc_time &q) : q_(q) {}
    const sc_core::sc_time &next_sync_point() const { return m_next_sync_point; }
    const sc_core::sc_time &quantum() const { return q_; }

protected:
    sc_core::sc_time compute_local_quantum() override;

private:
    sc_core::sc_time q_;
};

class Machine : public sc_core::sc_module {
public:
    using socket_type = tlm_utils::simple_initiator_socket<Machine>;

    /* Build the machine (opens every trace); throws lparsim::Error. */
    Machine(sc_core::sc_module_name name, const Config &cfg, const MachineOptions &opt = {});
    ~Machine() override = default;
    Machine(const Machine &) = delete;
    Machine &operator=(const Machine &) = delete;

    /* The initiator socket of socket mode (throws Error in internal mode). */
    socket_type &memory_socket();

    bool done() const { return done_; }
    bool failed() const { return !error_.empty(); }
    const std::string &error() const { return error_; }
    /* Notified when the run ends (finished or failed). */
    const sc_core::sc_event &done_event() const { return done_ev_; }

    /* Cycle the machine has reached (machine_now) and its clock. */
    std::uint64_t now_cycles() const { return machine_now(m_); }
    const Clock &clock() const { return clk_; }
    const sc_core::sc_time &quantum() const { return qk_.quantum(); }
    /* Number of synchronisations with the kernel so far. */
    std::uint64_t syncs() const { return syncs_; }

    /* Every figure of the run (machine_report_json). */
    void report_json(jtree *j) const { machine_report_json(m_, j); }
    /* The C machine, for its statistics and accessors. */
    ::machine *c_machine() { return m_; }
    const ::machine *c_machine() const { return m_; }

private:
    void run();
    void finish(const std::string &err);
    static std::uint64_t below_access(void *ctx, std::uint64_t line, bool write, std::uint64_t now);
    std::uint64_t socket_access(std::uint64_t line, bool write, std::uint64_t now);

    struct Destroy {
        void operator()(::machine *m) const { machine_destroy(m); }
    };
    std::unique_ptr<::machine, Destroy> owner_; /* the C machine */
    ::machine *m_ = nullptr;                    /* owner_.get() */
    MachineOptions opt_;
    Clock clk_;
    QuantumKeeper qk_;
    sc_core::sc_time start_;
    std::unique_ptr<socket_type> socket_;
    tlm::tlm_generic_payload gp_;
    std::vector<unsigned char> line_buf_;
    std::string error_;
    bool done_ = false;
    std::uint64_t syncs_ = 0;
    sc_core::sc_event done_ev_;
};

} // namespace lparsim

#endif
