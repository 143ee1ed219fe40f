/*
 * clock.hpp - exact conversions between integer clock cycles and sc_time,
 * for the SystemC bindings of lparsim.
 *
 * A Clock's period is the rational number num/den femtoseconds (a core
 * clock of F MHz is 1e9/F fs, a DRAM tCK of P ps is 1000*P fs), so no
 * rounding accumulates: cycle counts are converted with 128-bit integer
 * arithmetic against the kernel's time resolution (read once, when the
 * Clock is made; set the resolution before building modules).
 * Invariants: time_of() rounds down to the resolution, cycles_ceil() up,
 * and time_of(cycles_ceil(t)) >= t for every t.
 */
#ifndef LPARSIM_SYSTEMC_CLOCK_HPP
#define LPARSIM_SYSTEMC_CLOCK_HPP

#include <cstdint>

#include <systemc>

namespace lparsim {

class Clock {
public:
    /* Period = fs_num / fs_den femtoseconds (both > 0). */
    Clock(std::uint64_t fs_num, std::uint64_t fs_den);
    static Clock from_mhz(std::uint64_t mhz) { return Clock(1000000000u, mhz); }
    static Clock from_ps(std::uint64_t ps) { return Clock(ps * 1000u, 1); }

    /* The time `cycles` periods after time zero, rounded down. */
    sc_core::sc_time time_of(std::uint64_t cycles) const;
    /* Cycles in t, rounded up (a partial cycle counts as one). */
    std::uint64_t cycles_ceil(const sc_core::sc_time &t) const;
    /* Cycles in t, rounded down. */
    std::uint64_t cycles_floor(const sc_core::sc_time &t) const;
    /* One period, rounded down to the time resolution. */
    sc_core::sc_time period() const { return time_of(1); }

private:
    std::uint64_t num_, den_; /* period in fs, as a fraction */
    std::uint64_t res_fs_;    /* the kernel's time resolution in fs */
};

} // namespace lparsim

#endif
