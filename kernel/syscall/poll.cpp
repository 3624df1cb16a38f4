// poll(2) on the descriptors that exist today: the console and ROFS files never block (a
// console read returns end of file at once), so every requested input or output event is
// ready. With nothing ready, a finite timeout is waited out on the TSC; an infinite one
// would never end and fails with EINTR instead of hanging the VM. Sockets and pipes will
// bring real readiness with wait queues.
#include <kernel/arch/x86_64/tsc.h>
#include <kernel/console/log.h>
#include <kernel/fs/fd_table.h>
#include <kernel/syscall/syscall.h>
#include <kernel/syscall/syscall_util.h>

namespace sys {

namespace {

constexpr size_t kMaxPollDescriptors = 1024; // kRlimitNofile

int16_t ready_events(const abi::Pollfd& p)
{
    if (p.fd < 0)
        return 0;
    if (fs::fd_get(p.fd).is_error())
        return abi::kPollNval;
    return int16_t(p.events & (abi::kPollIn | abi::kPollOut | 0x40 | 0x100)); // + POLLRDNORM, POLLWRNORM
}

} // namespace

SysResult poll(abi::Pollfd* fds, size_t count, int timeout_ms)
{
    if (count > kMaxPollDescriptors)
        return lib::Error(lib::Errno::INVAL, "too many poll descriptors");
    TRY(check_user_range(fds, count * sizeof(abi::Pollfd), UserAccess::Write));
    long ready = 0;
    for (size_t i = 0; i < count; ++i) {
        fds[i].revents = ready_events(fds[i]);
        ready += fds[i].revents != 0;
    }
    if (ready || timeout_ms == 0)
        return ready;
    if (timeout_ms < 0) {
        klog::warn(klog::Subsystem::Syscall, "poll without timeout on descriptors that can never become ready");
        return lib::Error(lib::Errno::INTR, "nothing can ever become ready");
    }
    uint64_t deadline = arch::monotonic_ns() + uint64_t(timeout_ms) * 1'000'000;
    while (arch::monotonic_ns() < deadline)
        asm volatile("pause");
    return 0;
}

} // namespace sys
