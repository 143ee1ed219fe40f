/*
 * dram_target.hpp - lparsim::DramTarget, one lparsim DRAM controller as a
 * TLM-2.0 loosely-timed memory target, so a SystemC initiator can use
 * lparsim's DRAM timing model.
 *
 * b_transport: the request arrives at SystemC time now + delay, rounded
 * up to the next DRAM clock edge (tCK); each request-size burst it covers
 * (dram_config_request_bytes, aligned) goes through the blocking
 * dram_access() at that cycle, and the delay is advanced to the last
 * burst's completion (read data back / write posted). The target never
 * wait()s. Addresses are offsets into the controller, 0 .. capacity-1
 * (dram_config_capacity). Data is kept in a sparse store (zeros until
 * written), so reads return what was written; transport_dbg reads and
 * writes that store without timing. DMI is not offered.
 *
 * Response status, checked in this order (nothing is modeled on error):
 *   command other than READ/WRITE (IGNORE included)  TLM_COMMAND_ERROR_RESPONSE
 *   any byte outside [0, capacity)                   TLM_ADDRESS_ERROR_RESPONSE
 *   byte-enable pointer set                          TLM_BYTE_ENABLE_ERROR_RESPONSE
 *   streaming width < data length (streaming burst)  TLM_BURST_ERROR_RESPONSE
 *   data length 0 or no data pointer                 TLM_GENERIC_ERROR_RESPONSE
 * DRAM cycle 0 is SystemC time 0.
 */
#ifndef LPARSIM_SYSTEMC_DRAM_TARGET_HPP
#define LPARSIM_SYSTEMC_DRAM_TARGET_HPP

#include <cstdint>
#include <memory>
#include <unordered_map>

#include <systemc>
#include <tlm>
#include <tlm_utils/simple_target_socket.h>

#include "clock.hpp"
#include "config.hpp"
#include "memctl/dram.h"

namespace lparsim {

class DramTarget : public sc_core::sc_module {
public:
    tlm_utils::simple_target_socket<DramTarget> socket;

    /* Validates cfg (dram_config_validate); throws lparsim::Error. */
    DramTarget(sc_core::sc_module_name name, const dram_config &cfg);
    ~DramTarget() override;
    DramTarget(const DramTarget &) = delete;
    DramTarget &operator=(const DramTarget &) = delete;

    std::uint64_t capacity() const { return capacity_; }
    std::uint32_t burst_bytes() const { return burst_; }
    /* The DRAM clock (tCK). */
    const Clock &clock() const { return clk_; }
    /* The controller's statistics (reads, writes, row hits, latency). */
    const dram_stats &stats() const { return *dram_get_stats(d_); }

private:
    void b_transport(tlm::tlm_generic_payload &gp, sc_core::sc_time &delay);
    unsigned transport_dbg(tlm::tlm_generic_payload &gp);
    tlm::tlm_response_status check(const tlm::tlm_generic_payload &gp) const;
    void copy(std::uint64_t addr, unsigned char *data, std::uint64_t len, bool write);

    static constexpr std::uint64_t page_bytes = 4096;
    dram *d_ = nullptr;
    Clock clk_;
    std::uint64_t capacity_;
    std::uint32_t burst_;
    std::unordered_map<std::uint64_t, std::unique_ptr<unsigned char[]>> pages_;
};

} // namespace lparsim

#endif
