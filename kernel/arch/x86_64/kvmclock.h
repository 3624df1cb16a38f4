// kvmclock, KVM's paravirtual clock (kvmclock.cpp): under KVM (osprey-monitor, or QEMU with
// -accel kvm) the hypervisor keeps a nanosecond clock and the wall-clock time for the
// guest, so the kernel needs neither a TSC calibration nor a CMOS RTC (which
// osprey-monitor does not emulate).
#pragma once

#include <cstdint>
#include <optional>

namespace arch {

/// Turns kvmclock on for this CPU when CPUID says KVM offers it (KVM_FEATURE_CLOCKSOURCE2);
/// false when it does not, or the hypervisor left the record empty.
bool kvmclock_init();
/// kvmclock's system time in nanoseconds. Precondition: kvmclock_init() returned true.
uint64_t kvmclock_ns();
/// The TSC frequency the hypervisor scales by. Precondition as above.
uint64_t kvmclock_tsc_hz();
/// The wall-clock time now, in nanoseconds since the Unix epoch, from the hypervisor;
/// nullopt without kvmclock.
std::optional<int64_t> kvmclock_wall_ns();

} // namespace arch
