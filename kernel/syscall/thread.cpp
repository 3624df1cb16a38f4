// Thread system calls: futex, gettid, sched_yield, exit of one thread, set_tid_address,
// set_robust_list. Threads themselves are created by musl's __clone (libc-shim/threads.cpp)
// and run by the scheduler (sched/).
#include <kernel/arch/x86_64/tsc.h>
#include <kernel/syscall/restart.h>
#include <kernel/syscall/syscall.h>
#include <kernel/syscall/syscall_util.h>
#include <kernel/core/wall_clock.h>
#include <sched/futex.h>
#include <sched/scheduler.h>

#include <cstring>

namespace sys {

namespace {

// linux/futex.h
enum FutexOp : int {
    Wait = 0,
    Wake = 1,
    Requeue = 3,
    CmpRequeue = 4,
    WakeOp = 5,
    LockPi = 6,
    UnlockPi = 7,
    TrylockPi = 8,
    WaitBitset = 9,
    WakeBitset = 10,
    WaitRequeuePi = 11,
    CmpRequeuePi = 12,
    LockPi2 = 13,
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
    int64_t amount = TRY(read_timespec(timeout));
    auto now = int64_t(arch::monotonic_ns());
    if (!absolute)
        return uint64_t(now) + uint64_t(amount); // unsigned: a clamped "forever" does not overflow
    if (realtime)
        amount -= core::realtime_ns() - now;  // the same instant on the monotonic clock
    return uint64_t(amount > 0 ? amount : 1); // already past: time out at once
}

} // namespace

RestartRule futex_restart_rule(int op, bool timed)
{
    switch (op & ~(kFutexPrivate | kFutexClockRealtime)) {
    case Wait:
    case WaitBitset: return timed ? RestartRule::WithoutHandler : RestartRule::UnlessHandlerRefuses; // restart block
    case LockPi:
    case LockPi2: return RestartRule::Always; // ERESTARTNOINTR
    }
    return RestartRule::Never;
}

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
    case LockPi:
    case LockPi2:
    case TrylockPi: {
        // PTHREAD_PRIO_INHERIT mutexes. LOCK_PI's timeout is absolute on CLOCK_REALTIME,
        // LOCK_PI2's on CLOCK_MONOTONIC unless FUTEX_CLOCK_REALTIME says otherwise.
        TRY(futex_word(word, UserAccess::Write));
        uint64_t deadline
            = command == TrylockPi ? 0 : TRY(futex_deadline(timeout, true, command == LockPi || realtime));
        TRY(sched::futex_lock_pi(word, deadline, command == TrylockPi));
        return 0;
    }
    case UnlockPi:
        TRY(futex_word(word, UserAccess::Write));
        TRY(sched::futex_unlock_pi(word));
        return 0;
    case WaitRequeuePi:
    case CmpRequeuePi:
        // Condition variables over PI mutexes as glibc builds them; musl's never use these.
        return lib::Error(lib::Errno::NOSYS, "requeue onto a PI futex is not implemented");
    }
    return lib::Error(lib::Errno::NOSYS, "unknown futex operation");
}

SysResult gettid() { return sched::current().tid; }

SysResult sched_yield()
{
    sched::yield();
    return 0;
}

void exit_thread(int status)
{
    if (sched::thread_count() <= 1)
        exit_group(status); // the last thread: the program ends
    if (sched::current().left_kernel_libc)
        sched::exit_kernel_libc_thread(status); // its kernel musl thread's memory goes too
    sched::exit_thread(status);
}

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

namespace {

lib::Result<void> check_thread_id(int tid)
{
    if (tid == 0 || sched::thread_exists(tid)) // the process (pid 1) is thread 1
        return {};
    return lib::Error(lib::Errno::SRCH, "no such process or thread");
}

} // namespace

namespace {

// getpriority(2)/setpriority(2)'s `which` (linux/resource.h).
constexpr int kPrioProcess = 0, kPrioProcessGroup = 1, kPrioUser = 2;
constexpr int kLowestNice = -20, kHighestNice = 19;

// Whether `who` names this process's group (pgid 1) or its effective user, for PRIO_PGRP
// and PRIO_USER (0: the caller's).
bool names_the_process(int which, int who)
{
    if (who == 0)
        return true;
    if (which == kPrioProcessGroup)
        return who == kProcessId;
    return who == int(getid(IdKind::EffectiveUser).value());
}

} // namespace

SysResult getpriority(int which, int who)
{
    int nice;
    if (which == kPrioProcess)
        nice = TRY(sched::thread_nice(who)); // a pid is its main thread's tid, as on Linux
    else if ((which == kPrioProcessGroup || which == kPrioUser) && names_the_process(which, who))
        nice = sched::lowest_program_nice();
    else if (which == kPrioProcessGroup || which == kPrioUser)
        return lib::Error(lib::Errno::SRCH, "getpriority: no such process group or user");
    else
        return lib::Error(lib::Errno::INVAL, "getpriority: bad which");
    return 20 - nice; // the system call's encoding, 1..40; the libc turns it back
}

SysResult setpriority(int which, int who, int priority)
{
    int nice = priority < kLowestNice ? kLowestNice : priority > kHighestNice ? kHighestNice : priority;
    bool privileged = getid(IdKind::EffectiveUser).value() == 0; // CAP_SYS_NICE
    if (which == kPrioProcess) {
        if (!privileged && nice < TRY(sched::thread_nice(who)))
            return lib::Error(lib::Errno::ACCES, "setpriority: lowering nice needs CAP_SYS_NICE");
        TRY(sched::set_thread_nice(who, nice));
        return 0;
    }
    if (which != kPrioProcessGroup && which != kPrioUser)
        return lib::Error(lib::Errno::INVAL, "setpriority: bad which");
    if (!names_the_process(which, who))
        return lib::Error(lib::Errno::SRCH, "setpriority: no such process group or user");
    if (!privileged && nice < sched::lowest_program_nice())
        return lib::Error(lib::Errno::ACCES, "setpriority: lowering nice needs CAP_SYS_NICE");
    sched::set_program_nice(nice);
    return 0;
}

SysResult sched_getaffinity(int tid, size_t size, void* mask)
{
    TRY(check_thread_id(tid));
    if (size < sizeof(uint64_t) || size % sizeof(uint64_t))
        return lib::Error(lib::Errno::INVAL, "mask too small or not a multiple of 8 bytes");
    TRY(check_user_range(mask, sizeof(uint64_t), UserAccess::Write));
    // Unless the program narrowed it, every processor the VM has: glibc's and musl's
    // sysconf(_SC_NPROCESSORS_ONLN) count these bits.
    uint64_t cpus = TRY(sched::affinity(tid));
    memcpy(mask, &cpus, sizeof(cpus));
    return long(sizeof(uint64_t)); // bytes written: the kernel's cpumask size
}

SysResult sched_setaffinity(int tid, size_t size, const void* mask)
{
    TRY(check_thread_id(tid));
    if (size == 0)
        return lib::Error(lib::Errno::INVAL, "empty CPU mask");
    TRY(check_user_range(mask, size < sizeof(uint64_t) ? size : sizeof(uint64_t)));
    uint64_t wanted = 0; // CPUs past 63 do not exist here (sched::kMaxCpus)
    memcpy(&wanted, mask, size < sizeof(wanted) ? size : sizeof(wanted));
    TRY(sched::set_affinity(tid, wanted));
    return 0;
}

SysResult getcpu(unsigned* cpu, unsigned* node)
{
    unsigned values[2] = { sched::this_cpu_index(), 0 }; // one NUMA node
    unsigned* outs[2] = { cpu, node };
    for (size_t i = 0; i < 2; ++i) {
        if (outs[i]) {
            TRY(check_user_range(outs[i], sizeof(unsigned), UserAccess::Write));
            *outs[i] = values[i];
        }
    }
    return 0;
}

SysResult prctl(int option, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
    // linux/prctl.h
    enum : int {
        SetPdeathsig = 1,
        GetPdeathsig = 2,
        GetDumpable = 3,
        SetDumpable = 4,
        GetKeepcaps = 7,
        SetKeepcaps = 8,
        SetName = 15,
        GetName = 16,
        GetTimerslack = 30,
        SetTimerslack = 29,
        SetChildSubreaper = 36,
        SetNoNewPrivs = 38,
        GetNoNewPrivs = 39
    };
    sched::Thread& self = sched::current();
    switch (option) {
    case SetName: {
        auto* name = reinterpret_cast<const char*>(a2);
        TRY(check_user_range(name, 1));
        TRY(sched::set_thread_name(0, { name, strnlen(name, sizeof(self.name) - 1) })); // Linux keeps 15 bytes
        return 0;
    }
    case GetName: {
        auto* out = reinterpret_cast<char*>(a2);
        TRY(check_user_range(out, sizeof(self.name), UserAccess::Write));
        auto report = TRY(sched::thread_report(0));
        memcpy(out, report.name, sizeof(report.name));
        return 0;
    }
    case GetPdeathsig: {
        TRY(check_user_range(reinterpret_cast<int*>(a2), sizeof(int), UserAccess::Write));
        *reinterpret_cast<int*>(a2) = 0; // the parent (the VMM) never dies before us
        return 0;
    }
    case SetPdeathsig:
        if (a2 > uint64_t(abi::kSignalCount))
            return lib::Error(lib::Errno::INVAL, "bad signal");
        return 0;
    case GetDumpable: return 1;
    case SetDumpable: return a2 <= 1 ? SysResult(0) : SysResult(lib::Error(lib::Errno::INVAL, "bad dumpable value"));
    case GetKeepcaps: return 0;
    case SetKeepcaps: return a2 <= 1 ? SysResult(0) : SysResult(lib::Error(lib::Errno::INVAL, "bad keepcaps value"));
    case GetTimerslack: return 50'000; // Linux's default, in ns; sleeps here have no slack
    case SetTimerslack: return 0;
    case SetChildSubreaper: return 0; // no child processes
    case SetNoNewPrivs:
        return a2 == 1 && !a3 && !a4 && !a5 ? SysResult(0) : SysResult(lib::Error(lib::Errno::INVAL, "bad arguments"));
    case GetNoNewPrivs: return 1; // nothing can gain privileges: there is no execve
    }
    return lib::Error(lib::Errno::INVAL, "prctl option not supported");
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
