// The scheduling-policy calls (sched(7)): sched_setscheduler, sched_getscheduler,
// sched_setparam, sched_getparam, sched_get_priority_min/max, sched_rr_get_interval. Each
// thread's policy and static priority, with Linux's checks and errors, kept and inherited
// by new threads (sched::SchedulingPolicy). The scheduler has one fair policy with equal
// slices and does not act on them, as it does not on nice (docs/architecture.md, Threads).
#include <kernel/syscall/syscall.h>
#include <kernel/syscall/syscall_util.h>
#include <sched/scheduler.h>

namespace sys {

namespace {

// Policies (include/uapi/linux/sched.h).
constexpr int kOther = 0, kFifo = 1, kRoundRobin = 2, kBatch = 3, kIdle = 5, kDeadline = 6;
constexpr int kResetOnFork = 0x40000000;
constexpr int kLowestRealTime = 1, kHighestRealTime = 99;
constexpr uint64_t kRoundRobinSliceNs = 100'000'000; // Linux's RR_TIMESLICE

bool real_time(int policy) { return policy == kFifo || policy == kRoundRobin; }
bool settable(int policy) { return policy == kOther || real_time(policy) || policy == kBatch || policy == kIdle; }

lib::Result<void> check_priority(int policy, int priority)
{
    bool fits = real_time(policy) ? priority >= kLowestRealTime && priority <= kHighestRealTime : priority == 0;
    if (!fits)
        return lib::Error(lib::Errno::INVAL, "priority outside the policy's range");
    return {};
}

lib::Result<int> read_priority(int pid, const int* param)
{
    if (pid < 0 || !param)
        return lib::Error(lib::Errno::INVAL, "negative pid or no sched_param");
    TRY(check_user_range(param, sizeof(*param)));
    return *param;
}

/// Linux lets an unprivileged thread take a real-time policy only under RLIMIT_RTPRIO,
/// which is 0 here: CAP_SYS_NICE (euid 0) is needed.
lib::Result<void> check_privilege(int policy)
{
    if (real_time(policy) && getid(IdKind::EffectiveUser).value() != 0)
        return lib::Error(lib::Errno::PERM, "a real-time policy needs CAP_SYS_NICE");
    return {};
}

} // namespace

namespace {

/// A policy's static priority bound: `real_time_bound` for FIFO and RR, 0 for the others.
SysResult priority_bound(int policy, int real_time_bound)
{
    if (real_time(policy))
        return real_time_bound;
    if (settable(policy) || policy == kDeadline)
        return 0;
    return lib::Error(lib::Errno::INVAL, "unknown scheduling policy");
}

} // namespace

SysResult sched_get_priority_max(int policy) { return priority_bound(policy, kHighestRealTime); }
SysResult sched_get_priority_min(int policy) { return priority_bound(policy, kLowestRealTime); }

SysResult sched_setscheduler(int pid, int policy, const int* param)
{
    int priority = TRY(read_priority(pid, param));
    TRY(sched::thread_scheduling(pid)); // ESRCH before the policy's checks, as Linux
    bool reset_on_fork = policy & kResetOnFork;
    policy &= ~kResetOnFork;
    if (!settable(policy)) // SCHED_DEADLINE goes through sched_setattr(2) only
        return lib::Error(lib::Errno::INVAL, "unknown scheduling policy");
    TRY(check_priority(policy, priority));
    TRY(check_privilege(policy));
    TRY(sched::set_thread_scheduling(pid, { policy, priority, reset_on_fork }));
    return 0;
}

SysResult sched_setparam(int pid, const int* param)
{
    int priority = TRY(read_priority(pid, param));
    sched::SchedulingPolicy scheduling = TRY(sched::thread_scheduling(pid));
    TRY(check_priority(scheduling.policy, priority));
    scheduling.priority = priority;
    TRY(sched::set_thread_scheduling(pid, scheduling));
    return 0;
}

SysResult sched_getscheduler(int pid)
{
    if (pid < 0)
        return lib::Error(lib::Errno::INVAL, "negative pid");
    sched::SchedulingPolicy scheduling = TRY(sched::thread_scheduling(pid));
    return scheduling.policy | (scheduling.reset_on_fork ? kResetOnFork : 0);
}

SysResult sched_getparam(int pid, int* param)
{
    if (pid < 0 || !param)
        return lib::Error(lib::Errno::INVAL, "negative pid or no sched_param");
    TRY(check_user_range(param, sizeof(*param), UserAccess::Write));
    *param = TRY(sched::thread_scheduling(pid)).priority;
    return 0;
}

SysResult sched_rr_get_interval(int pid, linux_abi::Timespec* interval)
{
    if (pid < 0)
        return lib::Error(lib::Errno::INVAL, "negative pid");
    TRY(check_user_range(interval, sizeof(*interval), UserAccess::Write));
    int policy = TRY(sched::thread_scheduling(pid)).policy;
    uint64_t ns = policy == kFifo ? 0 : policy == kRoundRobin ? kRoundRobinSliceNs : sched::time_slice_ns();
    *interval = { int64_t(ns / 1'000'000'000), int64_t(ns % 1'000'000'000) };
    return 0;
}

} // namespace sys
