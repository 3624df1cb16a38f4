// Reading the clocks (time.cpp's system calls, and libc-shim/clock_calls.cpp's calls that
// enter no kernel section, as Linux's vDSO lets a process). Inline: those calls run on
// every request of a server, and each call level costs more than the reading itself.
#pragma once

#include <kernel/arch/x86_64/tsc.h>
#include <abi/linux_abi.h>
#include <kernel/syscall/syscall_util.h>
#include <kernel/core/wall_clock.h>

#include <lib/result.h>

namespace sys {

namespace abi = linux_abi;

enum class ClockKind { Monotonic, Realtime, ProcessCpu, ThreadCpu };

inline lib::Result<ClockKind> clock_kind(int clock)
{
    switch (clock) {
    case abi::kClockRealtime:
    case abi::kClockRealtimeCoarse: return ClockKind::Realtime;
    case abi::kClockMonotonic:
    case abi::kClockMonotonicRaw:
    case abi::kClockMonotonicCoarse:
    case abi::kClockBoottime: return ClockKind::Monotonic;
    case abi::kClockProcessCputimeId: return ClockKind::ProcessCpu;
    case abi::kClockThreadCputimeId: return ClockKind::ThreadCpu;
    }
    return lib::Error(lib::Errno::INVAL, "unknown clock");
}

inline abi::Timespec to_timespec(int64_t ns)
{
    int64_t seconds = ns / kNanosPerSecond, rest = ns % kNanosPerSecond;
    if (rest < 0)
        seconds -= 1, rest += kNanosPerSecond;
    return { seconds, rest };
}

/// The clocks a program may read without the system-call path, as Linux's vDSO lets it:
/// CLOCK_MONOTONIC and its variants always, CLOCK_REALTIME once the wall clock has been
/// read. Touches no lock and no shared state but read-only clock parameters. False for the
/// other clocks (the caller makes the system call).
inline bool read_clock_without_entry(int clock, abi::Timespec& ts)
{
    auto kind = clock_kind(clock);
    if (kind.is_error())
        return false;
    if (kind.value() == ClockKind::Monotonic) {
        ts = to_timespec(int64_t(arch::monotonic_ns()));
        return true;
    }
    if (kind.value() != ClockKind::Realtime)
        return false; // the CPU-time clocks read the scheduler's accounts
    auto wall = core::realtime_ns_if_read();
    if (!wall)
        return false;
    ts = to_timespec(*wall);
    return true;
}

} // namespace sys
