/*
 * machine_module.cpp - lparsim::Machine (see machine_module.hpp): the run
 * thread with its quantum keeper, and the socket-mode memory below the L3.
 * Nothing may unwind through the C core, so the socket callback catches
 * every exception and turns it into a run error.
 */
#include "machine_module.hpp"

#include <cstdio>
#include <exception>

namespace lparsim {

namespace {

sc_core::sc_time default_quantum(const sc_core::sc_time &asked)
{
    if (asked != sc_core::SC_ZERO_TIME)
        return asked;
    const sc_core::sc_time &g = tlm_utils::tlm_quantumkeeper::get_global_quantum();
    return g != sc_core::SC_ZERO_TIME ? g : sc_core::sc_time(1, sc_core::SC_US);
}

const char *response_name(tlm::tlm_response_status s)
{
    switch (s) {
    case tlm::TLM_OK_RESPONSE: return "TLM_OK_RESPONSE";
    case tlm::TLM_INCOMPLETE_RESPONSE: return "TLM_INCOMPLETE_RESPONSE";
    case tlm::TLM_GENERIC_ERROR_RESPONSE: return "TLM_GENERIC_ERROR_RESPONSE";
    case tlm::TLM_ADDRESS_ERROR_RESPONSE: return "TLM_ADDRESS_ERROR_RESPONSE";
    case tlm::TLM_COMMAND_ERROR_RESPONSE: return "TLM_COMMAND_ERROR_RESPONSE";
    case tlm::TLM_BURST_ERROR_RESPONSE: return "TLM_BURST_ERROR_RESPONSE";
    case tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE: return "TLM_BYTE_ENABLE_ERROR_RESPONSE";
    }
    return "unknown response status";
}

} // namespace

/* Time to the next multiple of the quantum (as tlm_global_quantum does). */
sc_core::sc_time QuantumKeeper::compute_local_quantum()
{
    if (q_ == sc_core::SC_ZERO_TIME)
        return sc_core::SC_ZERO_TIME;
    sc_dt::uint64 now = sc_core::sc_time_stamp().value();
    sc_dt::uint64 q = q_.value();
    return sc_core::sc_time::from_value(q - now % q);
}

Machine::Machine(sc_core::sc_module_name name, const Config &cfg, const MachineOptions &opt)
    : sc_core::sc_module(name), opt_(opt), clk_(Clock::from_mhz(cfg.get().machine.freq_mhz)),
      qk_(default_quantum(opt.quantum))
{
    sim_err e;
    sim_err_clear(&e);
    owner_.reset(machine_create(&cfg.get(), cfg.src(), &e));
    if (!owner_)
        throw Error(e.msg[0] ? e.msg : "cannot build the machine");
    m_ = owner_.get();
    if (opt_.memory_socket) {
        if (cfg.get().dram.trace_out && *cfg.get().dram.trace_out)
            throw Error("dram.trace_out: set, but with the memory socket the DRAM below the L3 "
                        "is the bound target, not lparsim's controllers; expected no trace_out");
        socket_ = std::make_unique<socket_type>("memory_socket");
        line_buf_.assign(cfg.get().cache.line_size, 0);
        machine_set_memory_below(m_, memhier_below{below_access, this, nullptr, nullptr});
    }
    SC_HAS_PROCESS(Machine);
    SC_THREAD(run);
}

Machine::socket_type &Machine::memory_socket()
{
    if (!socket_)
        throw Error(std::string(name()) + ": memory_socket() needs MachineOptions::memory_socket");
    return *socket_;
}

void Machine::finish(const std::string &err)
{
    if (error_.empty())
        error_ = err;
    done_ = true;
    done_ev_.notify();
    if (opt_.stop_when_done)
        sc_core::sc_stop();
}

void Machine::run()
{
    start_ = sc_core::sc_time_stamp();
    qk_.reset();
    sim_err e;
    sim_err_clear(&e);
    for (;;) {
        std::uint64_t limit = clk_.cycles_ceil(qk_.next_sync_point() - start_);
        if (limit <= machine_now(m_))
            limit = machine_now(m_) + 1; /* a quantum below one cycle (or zero) */
        std::uint64_t cap = machine_max_cycles(m_); /* run.max_cycles */
        if (cap && limit >= cap)
            limit = cap;
        int r = machine_run_until(m_, limit, opt_.progress, opt_.progress_ctx, &e);
        if (r == 1 && cap && limit == cap)
            r = 0; /* the run stops there, as lparsim's */
        if (r < 0)
            return finish(e.msg[0] ? e.msg : "the run failed");
        if (!error_.empty())
            return finish(error_);
        sc_core::sc_time at = start_ + clk_.time_of(machine_now(m_));
        sc_core::sc_time stamp = sc_core::sc_time_stamp();
        qk_.set(at > stamp ? at - stamp : sc_core::SC_ZERO_TIME);
        if (r == 0 || qk_.need_sync()) {
            qk_.sync();
            syncs_++;
        }
        if (r == 0)
            return finish(machine_finish(m_, &e) != 0 ? e.msg : "");
    }
}

std::uint64_t Machine::below_access(void *ctx, std::uint64_t line, bool write, std::uint64_t now)
{
    return static_cast<Machine *>(ctx)->socket_access(line, write, now);
}

std::uint64_t Machine::socket_access(std::uint64_t line, bool write, std::uint64_t now)
{
    if (!error_.empty())
        return 0; /* the run stops when control is back in run() */
    gp_.set_command(write ? tlm::TLM_WRITE_COMMAND : tlm::TLM_READ_COMMAND);
    gp_.set_address(line);
    gp_.set_data_ptr(line_buf_.data());
    gp_.set_data_length(static_cast<unsigned>(line_buf_.size()));
    gp_.set_streaming_width(static_cast<unsigned>(line_buf_.size()));
    gp_.set_byte_enable_ptr(nullptr);
    gp_.set_byte_enable_length(0);
    gp_.set_dmi_allowed(false);
    gp_.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
    sc_core::sc_time at = start_ + clk_.time_of(now);
    sc_core::sc_time stamp = sc_core::sc_time_stamp();
    sc_core::sc_time delay = at > stamp ? at - stamp : sc_core::SC_ZERO_TIME;
    sc_core::sc_time before = stamp + delay;
    try {
        (*socket_)->b_transport(gp_, delay);
    } catch (const std::exception &x) {
        error_ = std::string(name()) + ": memory_socket: b_transport threw: " + x.what();
        return 0;
    } catch (...) {
        error_ = std::string(name()) + ": memory_socket: b_transport threw an exception";
        return 0;
    }
    if (gp_.get_response_status() != tlm::TLM_OK_RESPONSE) {
        char msg[256];
        std::snprintf(msg, sizeof msg, "%s: memory_socket: %s of %zu bytes at 0x%llx: %s", name(),
                      write ? "write" : "read", line_buf_.size(), (unsigned long long)line,
                      response_name(gp_.get_response_status()));
        error_ = msg;
        return 0;
    }
    sc_core::sc_time after = sc_core::sc_time_stamp() + delay;
    return after > before ? clk_.cycles_ceil(after - before) : 0;
}

} // namespace lparsim
