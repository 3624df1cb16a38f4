// The arithmetic of KVM's paravirtual clock records (pvclock; Linux's
// Documentation/virt/kvm/x86/msr.rst, MSR_KVM_SYSTEM_TIME_NEW): the hypervisor publishes
// a TSC-to-nanoseconds scale as a binary shift and a 32-bit fraction `mul`,
//     ns = ((tsc_delta shifted left by `shift`) * mul) / 2^32.
// Pure: kernel/arch/x86_64/kvmclock.cpp uses it, host tests check it.
#pragma once

#include <cstdint>

namespace arch::pvclock {

/// Nanoseconds in `tsc_delta` TSC ticks.
constexpr uint64_t scale_delta(uint64_t tsc_delta, uint32_t mul, int8_t shift)
{
    tsc_delta = shift < 0 ? tsc_delta >> -shift : tsc_delta << shift;
    return uint64_t((static_cast<unsigned __int128>(tsc_delta) * mul) >> 32);
}

/// The clock a record gives at `tsc`: `system_time` plus the ticks since `tsc_timestamp`.
/// A TSC behind the record's own reading counts as no time at all, not as a delta that
/// wraps to about 2^64 ticks (centuries): that happens when a CPU reads a record another
/// CPU's TSC wrote (kvmclock.cpp shares the boot CPU's) while its own TSC lags, as it may
/// for a moment after a snapshot is restored.
constexpr uint64_t record_ns(uint64_t system_time, uint64_t tsc_timestamp, uint64_t tsc, uint32_t mul, int8_t shift)
{
    uint64_t delta = tsc > tsc_timestamp ? tsc - tsc_timestamp : 0;
    return system_time + scale_delta(delta, mul, shift);
}

/// The TSC frequency in Hz that `mul` and `shift` describe; 0 for a zero `mul`.
constexpr uint64_t tsc_hz(uint32_t mul, int8_t shift)
{
    if (mul == 0)
        return 0;
    unsigned __int128 hz = (static_cast<unsigned __int128>(1000000000) << 32) / mul;
    hz = shift < 0 ? hz << -shift : hz >> shift;
    return uint64_t(hz);
}

} // namespace arch::pvclock
