// poll(2), ppoll, select(2) and pselect6: each descriptor's file says which events hold
// (fs::File::poll_events: the console and ROFS files are always ready, a pipe end when it
// has data, room or a closed other end). With none ready, the thread sleeps until some
// file's readiness changes (fs/readiness.h), the timeout, or a signal (EINTR), and then
// looks again. ppoll and pselect6 wait under the mask they are given, as Linux does.
#include <kernel/arch/x86_64/tsc.h>
#include <kernel/fs/epoll.h>
#include <kernel/fs/fd_table.h>
#include <kernel/fs/readiness.h>
#include <kernel/fs/signal_file.h>
#include <kernel/fs/timer_file.h>
#include <kernel/syscall/signal_frame.h>
#include <kernel/syscall/syscall.h>
#include <kernel/syscall/syscall_util.h>
#include <sched/scheduler.h>

#include <cstring>

namespace sys {

namespace {

constexpr int kMaxSelectDescriptors = 1024; // FD_SETSIZE

// select(2)'s sets in poll terms (Linux's POLLIN_SET, POLLOUT_SET, POLLEX_SET).
constexpr uint16_t kReadSet = fs::PollIn | fs::PollRdNorm | fs::PollHup | fs::PollErr;
constexpr uint16_t kWriteSet = fs::PollOut | fs::PollWrNorm | fs::PollErr;
constexpr uint16_t kExceptSet = fs::PollPri;

int16_t ready_events(const abi::Pollfd& p)
{
    if (p.fd < 0)
        return 0;
    auto file = fs::descriptors().get(p.fd);
    if (file.is_error())
        return fs::PollNval;
    return int16_t(file.value()->poll_events(uint16_t(p.events)));
}

// The wait every call here shares: looks with `look()` (how many are ready) until some
// are, `timeout_ns` passes (0: look once; negative: no timeout) or a signal comes, with
// the thread's signal mask replaced by `*mask` meanwhile (if given). Returns what the last
// look returned, 0 at the timeout, or EINTR.
template<typename Look> SysResult wait_until_ready(Look&& look, int64_t timeout_ns, const uint64_t* mask)
{
    uint64_t deadline = timeout_ns > 0 ? arch::monotonic_ns() + uint64_t(timeout_ns) : 0;
    uint64_t& thread_mask = sched::current().signal_mask;
    uint64_t saved = thread_mask;
    if (mask)
        thread_mask = *mask & ~kUnblockable;
    SysResult result = 0;
    for (;;) {
        uint32_t seen = fs::readiness_generation(); // before the look: no lost wake-up
        auto looked = look();                       // an error (a descriptor closed meanwhile) still restores the mask
        if (looked.is_error() || looked.value() || timeout_ns == 0) {
            result = looked.is_error() ? SysResult(looked.error()) : SysResult(looked.value());
            break;
        }
        if (deadline && arch::monotonic_ns() >= deadline)
            break;
        // A timerfd becomes ready by time alone: wake by the earliest one to look again; a
        // signalfd by a signal that does not wake this wait: look again every so often.
        uint64_t timer = fs::earliest_timer_deadline(), wake = deadline;
        if (timer && (!wake || timer < wake))
            wake = timer;
        if (uint64_t interval = fs::signal_file_poll_interval()) {
            uint64_t soon = arch::monotonic_ns() + interval;
            if (!wake || soon < wake)
                wake = soon;
        }
        auto waited = fs::wait_for_readiness(seen, wake);
        if (waited.is_error() && waited.error().code == lib::Errno::INTR) {
            result = lib::Error(lib::Errno::INTR, "interrupted by a signal");
            break;
        }
    }
    // Interrupted under the call's mask: the handler runs under it on the way out, after
    // the kernel section, and then the old mask comes back (keep_saved_mask).
    if (mask && result.is_error() && result.error().code == lib::Errno::INTR)
        keep_saved_mask(saved);
    else
        thread_mask = saved;
    return result;
}

lib::Result<int64_t> timeout_of(const abi::Timespec* ts)
{
    if (!ts)
        return int64_t(-1);
    return read_timespec(ts);
}

lib::Result<const uint64_t*> mask_of(const uint64_t* mask, size_t size)
{
    if (!mask)
        return static_cast<const uint64_t*>(nullptr);
    if (size != sizeof(uint64_t))
        return lib::Error(lib::Errno::INVAL, "bad signal mask size");
    TRY(check_user_range(mask, sizeof(*mask)));
    return mask;
}

SysResult poll_for(abi::Pollfd* fds, size_t count, int64_t timeout_ns, const uint64_t* mask)
{
    if (count > size_t(fs::descriptors().limit())) // Linux's bound: RLIMIT_NOFILE
        return lib::Error(lib::Errno::INVAL, "more poll descriptors than RLIMIT_NOFILE");
    TRY(check_user_range(fds, count * sizeof(abi::Pollfd), UserAccess::Write));
    return wait_until_ready(
        [&]() -> lib::Result<long> {
            long ready = 0;
            for (size_t i = 0; i < count; ++i) {
                fds[i].revents = ready_events(fds[i]);
                ready += fds[i].revents != 0;
            }
            return ready;
        },
        timeout_ns, mask);
}

// select's three sets, checked and copied in; on return, only the ready bits stay.
struct FdSets {
    uint64_t* sets[3];
    uint64_t wanted[3][kMaxSelectDescriptors / 64];
    int count;
};

lib::Result<void> read_sets(FdSets& s, int count, uint64_t* read, uint64_t* write, uint64_t* except)
{
    if (count < 0 || count > kMaxSelectDescriptors)
        return lib::Error(lib::Errno::INVAL, "select: nfds out of range");
    s.count = count;
    s.sets[0] = read, s.sets[1] = write, s.sets[2] = except;
    size_t words = (size_t(count) + 63) / 64;
    for (int i = 0; i < 3; ++i) {
        memset(s.wanted[i], 0, sizeof(s.wanted[i]));
        if (s.sets[i]) {
            TRY(check_user_range(s.sets[i], words * 8, UserAccess::Write));
            memcpy(s.wanted[i], s.sets[i], words * 8);
        }
    }
    for (int fd = 0; fd < count; ++fd) {
        bool asked = (s.wanted[0][fd / 64] | s.wanted[1][fd / 64] | s.wanted[2][fd / 64]) >> (fd % 64) & 1;
        if (asked && fs::descriptors().get(fd).is_error())
            return lib::Error(lib::Errno::BADF, "select: a set names a closed descriptor");
    }
    return {};
}

lib::Result<long> look_at_sets(FdSets& s)
{
    constexpr uint16_t kEvents[3] = { kReadSet, kWriteSet, kExceptSet };
    size_t words = (size_t(s.count) + 63) / 64;
    uint64_t ready[3][kMaxSelectDescriptors / 64] = {};
    long total = 0;
    for (int fd = 0; fd < s.count; ++fd) {
        uint64_t bit = uint64_t(1) << (fd % 64);
        if (!((s.wanted[0][fd / 64] | s.wanted[1][fd / 64] | s.wanted[2][fd / 64]) & bit))
            continue;
        auto file = fs::descriptors().get(fd);
        if (file.is_error())
            return lib::Error(lib::Errno::BADF, "select: a descriptor was closed");
        uint16_t holds = file.value()->poll_events(kReadSet | kWriteSet | kExceptSet);
        for (int i = 0; i < 3; ++i) {
            if ((s.wanted[i][fd / 64] & bit) && (holds & kEvents[i])) {
                ready[i][fd / 64] |= bit;
                ++total;
            }
        }
    }
    if (total)
        for (int i = 0; i < 3; ++i)
            if (s.sets[i])
                memcpy(s.sets[i], ready[i], words * 8);
    return total;
}

SysResult select_for(FdSets& s, int64_t timeout_ns, const uint64_t* mask)
{
    auto result = wait_until_ready([&] { return look_at_sets(s); }, timeout_ns, mask);
    if (!result.is_error() && result.value() == 0) { // nothing ready: every set comes back empty
        size_t words = (size_t(s.count) + 63) / 64;
        for (uint64_t* set : s.sets)
            if (set)
                memset(set, 0, words * 8);
    }
    return result;
}

constexpr int kMaxEpollEvents = 1 << 20; // far beyond any real program; bounds the check

SysResult epoll_wait_for(int epoll_fd, fs::EpollEvent* events, int max, int64_t timeout_ns, const uint64_t* mask)
{
    if (max <= 0 || max > kMaxEpollEvents)
        return lib::Error(lib::Errno::INVAL, "epoll_wait: maxevents out of range");
    auto epoll = TRY(fs::descriptors().get(epoll_fd)); // counted: it may be closed while we wait
    if (!epoll->is_epoll())
        return lib::Error(lib::Errno::INVAL, "epoll_wait: not an epoll descriptor");
    TRY(check_user_range(events, size_t(max) * sizeof(fs::EpollEvent), UserAccess::Write));
    return wait_until_ready(
        [&]() -> lib::Result<long> { return long(fs::epoll_collect(*epoll, events, size_t(max))); }, timeout_ns, mask);
}

} // namespace

SysResult epoll_create1(int flags)
{
    if (flags & ~abi::kOCloexec)
        return lib::Error(lib::Errno::INVAL, "bad epoll_create1 flags");
    fs::File* file = TRY(fs::make_epoll_file());
    return long(TRY(fs::descriptors().install(file, flags & abi::kOCloexec)));
}

SysResult epoll_ctl(int epoll_fd, int op, int fd, const fs::EpollEvent* event)
{
    auto epoll = TRY(fs::descriptors().get(epoll_fd));
    auto target = TRY(fs::descriptors().get(fd));
    if (!epoll->is_epoll())
        return lib::Error(lib::Errno::INVAL, "epoll_ctl: not an epoll descriptor");
    fs::EpollEvent wanted {};
    if (op != fs::kEpollDel) {
        TRY(check_user_range(event, sizeof(*event)));
        wanted = *event;
    }
    TRY(fs::epoll_control(*epoll, op, fd, *target, wanted.events, wanted.data));
    return 0;
}

SysResult epoll_pwait(
    int epoll_fd, fs::EpollEvent* events, int max, int timeout_ms, const uint64_t* mask, size_t mask_size)
{
    return epoll_wait_for(
        epoll_fd, events, max, timeout_ms < 0 ? -1 : int64_t(timeout_ms) * 1'000'000, TRY(mask_of(mask, mask_size)));
}

SysResult epoll_pwait2(
    int epoll_fd, fs::EpollEvent* events, int max, const abi::Timespec* timeout, const uint64_t* mask, size_t mask_size)
{
    int64_t timeout_ns = TRY(timeout_of(timeout));
    return epoll_wait_for(epoll_fd, events, max, timeout_ns, TRY(mask_of(mask, mask_size)));
}

SysResult poll(abi::Pollfd* fds, size_t count, int timeout_ms)
{
    return poll_for(fds, count, timeout_ms < 0 ? -1 : int64_t(timeout_ms) * 1'000'000, nullptr);
}

SysResult ppoll(abi::Pollfd* fds, size_t count, const abi::Timespec* timeout, const uint64_t* mask, size_t mask_size)
{
    int64_t timeout_ns = TRY(timeout_of(timeout));
    return poll_for(fds, count, timeout_ns, TRY(mask_of(mask, mask_size)));
}

SysResult select(int count, uint64_t* read, uint64_t* write, uint64_t* except, abi::Timeval* timeout)
{
    int64_t timeout_ns = -1;
    if (timeout) {
        TRY(check_user_range(timeout, sizeof(*timeout), UserAccess::Write));
        if (timeout->tv_sec < 0 || timeout->tv_usec < 0 || timeout->tv_usec >= 1'000'000)
            return lib::Error(lib::Errno::INVAL, "select: bad timeout");
        timeout_ns = timeout->tv_sec * kNanosPerSecond + timeout->tv_usec * 1000;
    }
    FdSets sets;
    TRY(read_sets(sets, count, read, write, except));
    uint64_t start = arch::monotonic_ns();
    auto result = select_for(sets, timeout_ns, nullptr);
    if (timeout) { // Linux's select leaves the time that was left
        int64_t left = timeout_ns - int64_t(arch::monotonic_ns() - start);
        left = left > 0 ? left : 0;
        *timeout = { left / kNanosPerSecond, left % kNanosPerSecond / 1000 };
    }
    return result;
}

SysResult pselect6(int count, uint64_t* read, uint64_t* write, uint64_t* except, const abi::Timespec* timeout,
    const void* mask_argument)
{
    int64_t timeout_ns = TRY(timeout_of(timeout));
    const uint64_t* mask = nullptr;
    if (mask_argument) { // {const sigset_t* mask; size_t size}, as glibc and musl pass it
        TRY(check_user_range(mask_argument, 2 * sizeof(uint64_t)));
        auto* words = static_cast<const uint64_t*>(mask_argument);
        mask = TRY(mask_of(reinterpret_cast<const uint64_t*>(words[0]), size_t(words[1])));
    }
    FdSets sets;
    TRY(read_sets(sets, count, read, write, except));
    return select_for(sets, timeout_ns, mask);
}

} // namespace sys
