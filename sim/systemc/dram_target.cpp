/*
 * dram_target.cpp - lparsim::DramTarget (see dram_target.hpp): payload
 * checks, sc_time <-> DRAM cycles around dram_access(), and the sparse
 * data store.
 */
#include "dram_target.hpp"

#include <algorithm>
#include <cstring>

namespace lparsim {

namespace {

dram *make_dram(const dram_config &cfg)
{
    sim_err e;
    sim_err_clear(&e);
    dram *d = dram_create(&cfg, &e);
    if (!d)
        throw Error(e.msg[0] ? e.msg : "cannot build the DRAM controller");
    return d;
}

} // namespace

DramTarget::DramTarget(sc_core::sc_module_name name, const dram_config &cfg)
    : sc_core::sc_module(name), socket("socket"), d_(make_dram(cfg)), clk_(Clock::from_ps(cfg.tCK)),
      capacity_(dram_config_capacity(&cfg)), burst_(dram_config_request_bytes(&cfg))
{
    socket.register_b_transport(this, &DramTarget::b_transport);
    socket.register_transport_dbg(this, &DramTarget::transport_dbg);
}

DramTarget::~DramTarget()
{
    dram_destroy(d_);
}

tlm::tlm_response_status DramTarget::check(const tlm::tlm_generic_payload &gp) const
{
    if (!gp.is_read() && !gp.is_write())
        return tlm::TLM_COMMAND_ERROR_RESPONSE;
    std::uint64_t a = gp.get_address(), n = gp.get_data_length();
    if (a >= capacity_ || n > capacity_ - a)
        return tlm::TLM_ADDRESS_ERROR_RESPONSE;
    if (gp.get_byte_enable_ptr())
        return tlm::TLM_BYTE_ENABLE_ERROR_RESPONSE;
    if (gp.get_streaming_width() < gp.get_data_length())
        return tlm::TLM_BURST_ERROR_RESPONSE;
    if (n == 0 || !gp.get_data_ptr())
        return tlm::TLM_GENERIC_ERROR_RESPONSE;
    return tlm::TLM_OK_RESPONSE;
}

void DramTarget::copy(std::uint64_t addr, unsigned char *data, std::uint64_t len, bool write)
{
    while (len > 0) {
        std::uint64_t page = addr / page_bytes, off = addr % page_bytes;
        std::uint64_t n = std::min(len, page_bytes - off);
        auto it = pages_.find(page);
        if (write) {
            if (it == pages_.end())
                it = pages_.emplace(page, std::make_unique<unsigned char[]>(page_bytes)).first;
            std::memcpy(it->second.get() + off, data, n);
        } else if (it == pages_.end()) {
            std::memset(data, 0, n);
        } else {
            std::memcpy(data, it->second.get() + off, n);
        }
        addr += n;
        data += n;
        len -= n;
    }
}

void DramTarget::b_transport(tlm::tlm_generic_payload &gp, sc_core::sc_time &delay)
{
    tlm::tlm_response_status st = check(gp);
    gp.set_dmi_allowed(false);
    gp.set_response_status(st);
    if (st != tlm::TLM_OK_RESPONSE)
        return;
    bool write = gp.is_write();
    sc_core::sc_time stamp = sc_core::sc_time_stamp();
    std::uint64_t arrival = clk_.cycles_ceil(stamp + delay);
    std::uint64_t a = gp.get_address(), end = a + gp.get_data_length();
    std::uint64_t done = arrival;
    for (std::uint64_t b = a / burst_ * burst_; b < end; b += burst_)
        done = std::max(done, dram_access(d_, b, write, arrival));
    copy(a, gp.get_data_ptr(), gp.get_data_length(), write);
    delay = clk_.time_of(done) - stamp;
}

unsigned DramTarget::transport_dbg(tlm::tlm_generic_payload &gp)
{
    if (!gp.is_read() && !gp.is_write())
        return 0;
    std::uint64_t a = gp.get_address();
    if (a >= capacity_ || !gp.get_data_ptr())
        return 0;
    std::uint64_t n = std::min<std::uint64_t>(gp.get_data_length(), capacity_ - a);
    copy(a, gp.get_data_ptr(), n, gp.is_write());
    return static_cast<unsigned>(n);
}

} // namespace lparsim
