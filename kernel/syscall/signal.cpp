// Signals, first cut. Dispositions (rt_sigaction) and the mask (rt_sigprocmask) are
// recorded. Nothing delivers asynchronous signals yet (no timers, no other processes, no
// terminal input). A signal the program sends itself (kill/tkill/tgkill: raise(), abort())
// is delivered synchronously, in the sender's context, as soon as it is not blocked: the
// handler is called directly, or the default action runs. A terminating default action
// stops the VM with status 128 + signal, which is what a Linux shell reports for a process
// killed by that signal (abort() gives 134). Stop signals are ignored: there is no one to
// continue the program.
#include <kernel/boot/vm_exit.h>
#include <kernel/console/log.h>
#include <kernel/syscall/syscall.h>
#include <kernel/syscall/syscall_util.h>

#include <cstring>

namespace sys {

namespace {

constexpr uint64_t kSaSiginfo = 0x4, kSaNodefer = 0x40000000, kSaResethand = 0x80000000;
constexpr int kSigBlock = 0, kSigUnblock = 1, kSigSetmask = 2;
constexpr int kSiTkill = -6;

abi::KernelSigaction g_actions[abi::kSignalCount + 1];
uint64_t g_blocked;
uint64_t g_pending;

uint64_t bit(int signal) { return uint64_t(1) << (signal - 1); }
constexpr uint64_t kUnblockable = (uint64_t(1) << (abi::kSigkill - 1)) | (uint64_t(1) << (abi::kSigstop - 1));

bool ignored_by_default(int signal)
{
    return signal == abi::kSigchld || signal == abi::kSigcont || signal == abi::kSigurg || signal == abi::kSigwinch
        || signal == abi::kSigstop || (signal >= 20 && signal <= 22); // SIGTSTP, SIGTTIN, SIGTTOU
}

// siginfo_t as the kernel fills it (128 bytes; si_signo, si_errno, si_code, then si_pid).
struct KernelSiginfo {
    int si_signo, si_errno, si_code, pad;
    int si_pid, si_uid;
    char rest[104];
};
static_assert(sizeof(KernelSiginfo) == 128);

void run_handler(int signal)
{
    abi::KernelSigaction action = g_actions[signal];
    if (action.flags & kSaResethand)
        g_actions[signal].handler = abi::kSigDefault;
    uint64_t saved_mask = g_blocked;
    g_blocked |= action.mask & ~kUnblockable;
    if (!(action.flags & kSaNodefer))
        g_blocked |= bit(signal);
    if (action.flags & kSaSiginfo) {
        KernelSiginfo info {};
        info.si_signo = signal, info.si_code = kSiTkill, info.si_pid = 1;
        reinterpret_cast<void (*)(int, void*, void*)>(action.handler)(signal, &info, nullptr);
    } else {
        reinterpret_cast<void (*)(int)>(action.handler)(signal);
    }
    g_blocked = saved_mask;
}

void deliver(int signal)
{
    uint64_t handler = g_actions[signal].handler;
    if (handler == abi::kSigIgnore || (handler == abi::kSigDefault && ignored_by_default(signal)))
        return;
    if (handler != abi::kSigDefault)
        return run_handler(signal);
    klog::info(klog::Subsystem::Syscall, "program killed by signal {}", signal);
    boot::vm_exit(128 + signal);
}

void deliver_pending()
{
    while (uint64_t ready = g_pending & ~g_blocked) {
        int signal = __builtin_ctzll(ready) + 1;
        g_pending &= ~bit(signal);
        deliver(signal);
    }
}

} // namespace

SysResult rt_sigaction(int signal, const abi::KernelSigaction* action, abi::KernelSigaction* old, size_t mask_size)
{
    if (mask_size != sizeof(uint64_t) || signal < 1 || signal > abi::kSignalCount)
        return lib::Error(lib::Errno::INVAL, "bad signal or mask size");
    if (action && (signal == abi::kSigkill || signal == abi::kSigstop))
        return lib::Error(lib::Errno::INVAL, "kSigkill and kSigstop cannot be caught");
    if (old) {
        TRY(check_user_range(old, sizeof(*old), UserAccess::Write));
        *old = g_actions[signal];
    }
    if (action) {
        TRY(check_user_range(action, sizeof(*action)));
        g_actions[signal] = *action;
        g_actions[signal].mask &= ~kUnblockable;
    }
    return 0;
}

SysResult rt_sigprocmask(int how, const uint64_t* set, uint64_t* old, size_t mask_size)
{
    if (mask_size != sizeof(uint64_t))
        return lib::Error(lib::Errno::INVAL, "bad mask size");
    uint64_t previous = g_blocked;
    if (set) {
        TRY(check_user_range(set, sizeof(*set)));
        switch (how) {
        case kSigBlock: g_blocked |= *set; break;
        case kSigUnblock: g_blocked &= ~*set; break;
        case kSigSetmask: g_blocked = *set; break;
        default: return lib::Error(lib::Errno::INVAL, "bad sigprocmask how");
        }
        g_blocked &= ~kUnblockable;
    }
    if (old) {
        TRY(check_user_range(old, sizeof(*old), UserAccess::Write));
        *old = previous;
    }
    deliver_pending();
    return 0;
}

SysResult kill(int pid, int signal)
{
    if (pid != 1 && pid != 0 && pid != -1)
        return lib::Error(lib::Errno::SRCH, "no such process");
    if (signal < 0 || signal > abi::kSignalCount)
        return lib::Error(lib::Errno::INVAL, "bad signal");
    if (signal == 0)
        return 0;
    g_pending |= bit(signal);
    deliver_pending();
    return 0;
}

} // namespace sys
