// poll(2): each descriptor's file says which events hold (fs::File::poll_events: the
// console and ROFS files are always ready, a pipe end when it has data, room or a closed
// other end). With none ready, the thread sleeps until some file's readiness changes
// (fs/readiness.h), the timeout, or a signal (EINTR), and then looks again.
#include <kernel/arch/x86_64/tsc.h>
#include <kernel/fs/fd_table.h>
#include <kernel/fs/readiness.h>
#include <kernel/syscall/syscall.h>
#include <kernel/syscall/syscall_util.h>

namespace sys {

namespace {

constexpr size_t kMaxPollDescriptors = 1024; // kRlimitNofile

int16_t ready_events(const abi::Pollfd& p)
{
    if (p.fd < 0)
        return 0;
    auto file = fs::fd_get(p.fd);
    if (file.is_error())
        return abi::kPollNval;
    return int16_t(file.value()->poll_events(uint16_t(p.events)));
}

} // namespace

SysResult poll(abi::Pollfd* fds, size_t count, int timeout_ms)
{
    if (count > kMaxPollDescriptors)
        return lib::Error(lib::Errno::INVAL, "too many poll descriptors");
    TRY(check_user_range(fds, count * sizeof(abi::Pollfd), UserAccess::Write));
    uint64_t deadline = timeout_ms > 0 ? arch::monotonic_ns() + uint64_t(timeout_ms) * 1'000'000 : 0;
    for (;;) {
        uint32_t seen = fs::readiness_generation(); // before the look: no lost wake-up
        long ready = 0;
        for (size_t i = 0; i < count; ++i) {
            fds[i].revents = ready_events(fds[i]);
            ready += fds[i].revents != 0;
        }
        if (ready || timeout_ms == 0)
            return ready;
        if (deadline && arch::monotonic_ns() >= deadline)
            return 0;
        auto waited = fs::wait_for_readiness(seen, deadline);
        if (waited.is_error() && waited.error().code == lib::Errno::INTR)
            return waited.error();
    }
}

} // namespace sys
