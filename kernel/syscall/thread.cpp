// Thread system calls: futex, gettid, sched_yield, exit of one thread, set_tid_address,
// set_robust_list. Threads themselves are created by musl's __clone (libc-shim/threads.cpp)
// and run by the scheduler (sched/).
#include <kernel/arch/x86_64/tsc.h>
#include <kernel/syscall/syscall.h>
#include <kernel/syscall/syscall_util.h>
#include <kernel/syscall/wall_clock.h>
#include <sched/futex.h>
#include <sched/scheduler.h>

namespace sys {

namespace {

// linux/futex.h
enum FutexOp : int {
    Wait = 0, Wake = 1, Requeue = 3, CmpRequeue = 4, WakeOp = 5, LockPi = 6, UnlockPi = 7, TrylockPi = 8,
    WaitBitset = 9, WakeBitset = 10, WaitRequeuePi = 11, CmpRequeuePi = 12, LockPi2 = 13,
};
constexpr int kFutexPrivate = 128, kFutexClockRealtime = 256;

lib::Result<const uint32_t*> futex_word(const uint32_t* word, UserAccess access = UserAccess::Read)
{
    if (reinterpret_cast<uintptr_t>(word) % 4)
        return lib::Error(lib::Errno::INVAL, "futex word not 4-byte aligned");
    TRY(check_user_range(word, sizeof(*word), access));
    return word;
}

/// A futex timeout as a monotonic deadline (0: none). FUTEX_WAIT's is relative (on
/// CLOCK_MONOTONIC); FUTEX_WAIT_BITSET's is absolute, on CLOCK_REALTIME with the flag.
lib::Result<uint64_t> futex_deadline(const abi::Timespec* timeout, bool absolute, bool realtime)
{
    if (!timeout)
        return uint64_t(0);
    TRY(check_user_range(timeout, sizeof(*timeout)));
    if (timeout->tv_sec < 0 || timeout->tv_nsec < 0 || timeout->tv_nsec >= kNanosPerSecond)
        return lib::Error(lib::Errno::INVAL, "bad futex timeout");
    constexpr int64_t kMaxSeconds = INT64_MAX / kNanosPerSecond - 1;
    int64_t amount = (timeout->tv_sec < kMaxSeconds ? timeout->tv_sec : kMaxSeconds) * kNanosPerSecond + timeout->tv_nsec;
    auto now = int64_t(arch::monotonic_ns());
    if (!absolute)
        return uint64_t(now + amount);
    if (realtime)
        amount -= realtime_ns() - now; // the same instant on the monotonic clock
    return uint64_t(amount > 0 ? amount : 1); // already past: time out at once
}

} // namespace

SysResult futex(uint32_t* word, int op, uint32_t value, const abi::Timespec* timeout, uint32_t* word2, uint32_t value3)
{
    int command = op & ~(kFutexPrivate | kFutexClockRealtime);
    bool realtime = op & kFutexClockRealtime;
    if (realtime && command != WaitBitset && command != WaitRequeuePi && command != LockPi2)
        return lib::Error(lib::Errno::NOSYS, "FUTEX_CLOCK_REALTIME with this operation");
    // For the requeue and wake-op commands the timeout argument is a count (val2).
    auto value2 = uint32_t(reinterpret_cast<uintptr_t>(timeout));
    switch (command) {
    case Wait:
    case WaitBitset: {
        TRY(futex_word(word));
        uint32_t bitset = command == Wait ? sched::kFutexBitsetMatchAny : value3;
        uint64_t deadline = TRY(futex_deadline(timeout, command == WaitBitset, realtime));
        TRY(sched::futex_wait(word, value, bitset, deadline));
        return 0;
    }
    case Wake:
    case WakeBitset:
        TRY(futex_word(word));
        return long(sched::futex_wake(word, value, command == Wake ? sched::kFutexBitsetMatchAny : value3));
    case Requeue:
    case CmpRequeue:
        TRY(futex_word(word));
        TRY(futex_word(word2));
        return long(TRY(sched::futex_requeue(word, word2, value, value2, command == CmpRequeue ? &value3 : nullptr)));
    case WakeOp:
        TRY(futex_word(word));
        TRY(futex_word(word2, UserAccess::Write));
        return long(TRY(sched::futex_wake_op(word, word2, value, value2, value3)));
    case LockPi: case UnlockPi: case TrylockPi: case WaitRequeuePi: case CmpRequeuePi: case LockPi2:
        // Priority inheritance (PTHREAD_PRIO_INHERIT mutexes): not yet. musl reports the
        // error from pthread_mutex_lock; ordinary mutexes never use these.
        return lib::Error(lib::Errno::NOSYS, "priority-inheritance futexes are not implemented");
    }
    return lib::Error(lib::Errno::NOSYS, "unknown futex operation");
}

SysResult gettid() { return sched::current().tid; }

SysResult sched_yield()
{
    sched::yield();
    return 0;
}

void exit_thread(int status) { sched::exit_thread(status); }

SysResult set_tid_address(int* tidptr)
{
    sched::current().clear_child_tid = tidptr;
    return sched::current().tid;
}

SysResult set_robust_list(void* head, size_t length)
{
    constexpr size_t kRobustListHeadSize = 24; // struct robust_list_head on x86-64
    if (length != kRobustListHeadSize)
        return lib::Error(lib::Errno::INVAL, "bad robust list size");
    sched::current().robust_list = head;
    return 0;
}

SysResult get_robust_list(int tid, void** head, size_t* length)
{
    if (tid != 0 && tid != sched::current().tid) // another thread's: Linux checks ptrace rights
        return sched::thread_exists(tid) ? SysResult(lib::Error(lib::Errno::PERM, "another thread's robust list"))
                                         : SysResult(lib::Error(lib::Errno::SRCH, "no such thread"));
    TRY(check_user_range(head, sizeof(*head), UserAccess::Write));
    TRY(check_user_range(length, sizeof(*length), UserAccess::Write));
    *head = sched::current().robust_list;
    *length = 24; // struct robust_list_head
    return 0;
}

} // namespace sys
