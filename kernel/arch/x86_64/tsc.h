// The kernel's monotonic clock: kvmclock when KVM offers it (kvmclock.h), else the
// time-stamp counter at a frequency found as below.
#pragma once

#include <cstdint>

namespace arch {

/// Turns kvmclock on, which also gives the TSC frequency; without it, finds the TSC
/// frequency from CPUID leaf 0x15 (crystal ratio), 0x16 (base MHz), the hypervisor leaf
/// 0x40000010 (KVM, VMware), then a bounded calibration against the PIT. Call once at
/// boot; records the moment that counts as time zero.
void tsc_init();
/// Nanoseconds since tsc_init().
uint64_t monotonic_ns();
/// TSC frequency in Hz (0 before tsc_init) and how it was found ("kvmclock", "cpuid 0x15",
/// "pit"...).
uint64_t tsc_hz();
const char* tsc_source();

} // namespace arch
