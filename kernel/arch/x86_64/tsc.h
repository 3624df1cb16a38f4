// The kernel's monotonic clock: kvmclock when KVM offers it (kvmclock.h), else the
// time-stamp counter at a frequency found as below.
#pragma once

#include <kernel/arch/x86_64/io.h>

#include <cstdint>

namespace arch {

/// The monotonic clock's parameters: written by tsc_init on the boot CPU before any other
/// CPU or thread runs, read-only after that, so read without a lock (monotonic_ns below,
/// inline because the clock calls that enter no kernel section read it on every call,
/// libc-shim/clock_calls.cpp).
struct ClockParameters {
    uint64_t tsc_hz = 0;
    uint64_t tsc_zero = 0;
    // Nanoseconds per TSC cycle as a 32.32 fixed-point factor, so that a reading costs a
    // multiply and a shift, not a 128-bit division. 0 until tsc_init: readings are 0.
    uint64_t ns_per_cycle_32 = 0;
    bool kvmclock = false;
    uint64_t kvmclock_zero = 0;
    const char* source = "none";
};

inline ClockParameters& clock_parameters()
{
    static constinit ClockParameters parameters;
    return parameters;
}

uint64_t kvmclock_ns(); // kvmclock.h

/// Turns kvmclock on, which also gives the TSC frequency; without it, finds the TSC
/// frequency from CPUID leaf 0x15 (crystal ratio), 0x16 (base MHz), the hypervisor leaf
/// 0x40000010 (KVM, VMware), then a bounded calibration against the PIT. Call once at
/// boot; records the moment that counts as time zero.
void tsc_init();
/// Nanoseconds since tsc_init() (0 before it).
inline uint64_t monotonic_ns()
{
    const ClockParameters& clock = clock_parameters();
    if (clock.kvmclock) [[unlikely]]
        return kvmclock_ns() - clock.kvmclock_zero;
    unsigned __int128 cycles = rdtsc() - clock.tsc_zero;
    return uint64_t((cycles * clock.ns_per_cycle_32) >> 32);
}
/// TSC frequency in Hz (0 before tsc_init) and how it was found ("kvmclock", "cpuid 0x15",
/// "pit"...).
uint64_t tsc_hz();
const char* tsc_source();

} // namespace arch
