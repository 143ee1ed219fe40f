/*
 * clock.cpp - cycles <-> sc_time (see clock.hpp). Times are handled as
 * integer femtoseconds: sc_time value (resolution units) * resolution.
 */
#include "clock.hpp"

#include <cassert>
#include <cmath>

namespace lparsim {

using u128 = unsigned __int128;

Clock::Clock(std::uint64_t fs_num, std::uint64_t fs_den) : num_(fs_num), den_(fs_den)
{
    assert(fs_num > 0 && fs_den > 0);
    double r = sc_core::sc_get_time_resolution().to_seconds() * 1e15;
    res_fs_ = r < 1.0 ? 1 : static_cast<std::uint64_t>(std::llround(r));
}

sc_core::sc_time Clock::time_of(std::uint64_t cycles) const
{
    u128 fs = static_cast<u128>(cycles) * num_ / den_;
    return sc_core::sc_time::from_value(static_cast<sc_dt::uint64>(fs / res_fs_));
}

std::uint64_t Clock::cycles_ceil(const sc_core::sc_time &t) const
{
    u128 fs = static_cast<u128>(t.value()) * res_fs_;
    return static_cast<std::uint64_t>((fs * den_ + num_ - 1) / num_);
}

std::uint64_t Clock::cycles_floor(const sc_core::sc_time &t) const
{
    u128 fs = static_cast<u128>(t.value()) * res_fs_;
    return static_cast<std::uint64_t>(fs * den_ / num_);
}

} // namespace lparsim
