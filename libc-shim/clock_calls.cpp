// glibc's clock_gettime, gettimeofday and time without the system-call path: what Linux's
// vDSO does for a process, a plain call does here. The monotonic clock (and the wall clock
// once it has been read) is a TSC or kvmclock reading turned into nanoseconds
// (sys::read_clock_without_entry): no kernel section is entered and no signal delivered on
// the way out, as with the vDSO. The other clocks, a time zone argument, and the first
// wall-clock reading take musl's functions, which make the system call.
//
// Pointers: NULL, or one outside the program's half of the address space, is EFAULT. Any
// other is written as the program would write it itself, as the vDSO does: if nothing is
// mapped there, the page fault ends the program with SIGSEGV (mm/page_fault.cpp), exactly
// where a vDSO call on Linux would. No lookup of the address space: that needs the big
// kernel lock, and this path takes none.
#include <kernel/syscall/clock_read.h>
#include <kernel/core/wall_clock.h>
#include <mm/address_space.h>

#include <cerrno>
#include <ctime>
#include <sys/time.h>

namespace {

using linux_abi::Timespec;

bool in_program_half(const void* p, size_t size)
{
    auto start = reinterpret_cast<uintptr_t>(p);
    return p && start + size > start && start + size <= mm::kUserTop;
}

} // namespace

extern "C" int osprey_clock_gettime(clockid_t clock, struct timespec* ts)
{
    Timespec now;
    if (!sys::read_clock_without_entry(clock, now))
        return clock_gettime(clock, ts);
    if (!in_program_half(ts, sizeof(*ts)))
        return errno = EFAULT, -1;
    ts->tv_sec = now.tv_sec;
    ts->tv_nsec = now.tv_nsec;
    return 0;
}

extern "C" int osprey_gettimeofday(struct timeval* tv, void* timezone)
{
    auto now = core::realtime_ns_if_read();
    if (timezone || !now || *now < 0)
        return gettimeofday(tv, timezone);
    if (tv) {
        if (!in_program_half(tv, sizeof(*tv)))
            return errno = EFAULT, -1;
        tv->tv_sec = *now / 1'000'000'000;
        tv->tv_usec = *now % 1'000'000'000 / 1000;
    }
    return 0;
}

extern "C" time_t osprey_time(time_t* t)
{
    auto now = core::realtime_ns_if_read();
    if (!now || *now < 0)
        return time(t);
    time_t seconds = *now / 1'000'000'000;
    if (t) {
        if (!in_program_half(t, sizeof(*t)))
            return errno = EFAULT, time_t(-1);
        *t = seconds;
    }
    return seconds;
}
