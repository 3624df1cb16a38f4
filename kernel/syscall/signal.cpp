// Signals, first cut. Dispositions (rt_sigaction) belong to the process; each thread has
// its own mask (rt_sigprocmask) and pending set (sched::Thread). A signal the program
// sends itself (kill/tkill/tgkill: raise(), abort()), or unblocks, is delivered as that
// call returns, on its way out once the kernel section has ended (so a handler may
// siglongjmp away): the handler is called directly, or the default action runs. kill(2)
// picks the caller, else a thread that does not block the
// signal. A signal for another thread (pthread_kill, or picked by kill) ends its
// interruptible wait and is delivered when it leaves the system call, which then ends with
// EINTR or starts again (restart.h), or, if it was preempted in program code, through a
// signal frame before it resumes (signal_frame.h). Handlers run on a system call's way out
// get a ucontext with the mask and REG_RIP, no other registers. A signal the dispositions
// ignore is dropped when sent (sched::set_signal_ignored). A terminating default action
// stops the VM with status 128 + signal, which is what a Linux shell reports for a process
// killed by that signal (abort() gives 134). Stop signals are ignored: there is no one to
// continue the program.
#include <kernel/core/vm_exit.h>
#include <kernel/console/log.h>
#include <kernel/process/process.h>
#include <kernel/syscall/restart.h>
#include <kernel/syscall/signal_frame.h>
#include <kernel/syscall/syscall.h>
#include <kernel/syscall/syscall_util.h>
#include <kernel/arch/x86_64/tsc.h>
#include <sched/scheduler.h>

#include <cstddef>
#include <cstring>

namespace sys {

using process::SignalActions;

using sched::Thread;

namespace {

constexpr int kSigBlock = 0, kSigUnblock = 1, kSigSetmask = 2;

process::SpinGuarded<SignalActions>& actions() { return process::current().signal_actions(); }

bool is_handler(uint64_t handler) { return handler != abi::kSigDefault && handler != abi::kSigIgnore; }

uint64_t& blocked() { return sched::current().signal_mask; }

// Sleeps until a signal the current mask lets through is pending.
void wait_for_deliverable_signal()
{
    while (!(sched::current().pending_signals & ~blocked()))
        (void)sched::sleep_until(0, true);
}

} // namespace

bool ignores(int signal, uint64_t handler)
{
    return handler == abi::kSigIgnore || (handler == abi::kSigDefault && sched::ignored_by_default(signal));
}

bool has_handler(int signal)
{
    return actions().with([&](SignalActions& a) { return is_handler(a.of[signal].handler); });
}

abi::KernelSigaction action_for_delivery(int signal)
{
    return actions().with([&](SignalActions& a) {
        abi::KernelSigaction action = a.of[signal];
        if (is_handler(action.handler) && (action.flags & kSaResethand)) {
            a.of[signal].handler = abi::kSigDefault;
            sched::set_signal_ignored(signal, sched::ignored_by_default(signal));
        }
        return action;
    });
}

namespace {

// Runs the handler of `action`, the disposition action_for_delivery took for `signal`.
void run_handler(int signal, const abi::KernelSigaction& action, const sched::SignalInfo& sent)
{
    // After a call that waited under a temporary mask (keep_saved_mask), the handler runs
    // under that mask and its return restores the one from before the call, as Linux's
    // saved_sigmask does.
    uint64_t saved_mask = take_saved_mask(blocked());
    blocked() |= action.mask & ~kUnblockable;
    if (!(action.flags & kSaNodefer))
        blocked() |= sched::signal_bit(signal);
    sched::InterruptedCall& call = sched::current().interrupted_call;
    bool delivering = call.delivers_on_way_out;
    call.delivers_on_way_out = false; // the handler is program code: preemption may deliver
    if (action.flags & kSaSiginfo) {
        // Called from the system call's way out: the context has no registers to show but
        // REG_RIP, where the call returns to, and the mask to restore. A handler may change
        // the mask, as musl's cancellation handler does (it blocks SIGCANCEL and raises it
        // again), or REG_RIP, as that handler does to act on a cancellation (to
        // __cp_cancel): the call then ends, and osprey_syscall resumes there.
        KernelSiginfo info = siginfo_of(signal, sent);
        SignalContext context {};
        context.uc_sigmask = saved_mask;
        context.gregs[RegRip] = call.return_address;
        reinterpret_cast<void (*)(int, void*, void*)>(action.handler)(signal, &info, &context);
        blocked() = context.uc_sigmask & ~kUnblockable;
        if (context.gregs[RegRip] != call.return_address) {
            call.handler_ends_call = true;
            call.resume_at = context.gregs[RegRip];
        }
    } else {
        reinterpret_cast<void (*)(int)>(action.handler)(signal);
        blocked() = saved_mask;
    }
    call.delivers_on_way_out = delivering;
}

void deliver(int signal, const sched::SignalInfo& sent)
{
    // One copy of the disposition decides (another thread may change or reset it meanwhile).
    abi::KernelSigaction action = action_for_delivery(signal);
    if (ignores(signal, action.handler))
        return;
    if (action.handler != abi::kSigDefault) {
        note_handler_for_restart(action.flags);
        return run_handler(signal, action, sent);
    }
    klog::info(klog::Subsystem::Syscall, "program killed by signal {}", signal);
    core::vm_exit(128 + signal);
}

} // namespace

void keep_saved_mask(uint64_t saved)
{
    Thread& self = sched::current();
    self.mask_after_delivery = saved;
    self.restores_mask_after_delivery = true;
}

uint64_t take_saved_mask(uint64_t current)
{
    Thread& self = sched::current();
    if (!self.restores_mask_after_delivery)
        return current;
    self.restores_mask_after_delivery = false;
    return self.mask_after_delivery;
}

void restore_saved_mask()
{
    Thread& self = sched::current();
    if (self.restores_mask_after_delivery) {
        self.signal_mask = self.mask_after_delivery;
        self.restores_mask_after_delivery = false;
    }
}

void deliver_pending_signals()
{
    Thread& self = sched::current();
    // A program with its own thread pointer (a static binary) gets its handlers through
    // frames on its stack as the syscall instruction returns (deliver_signals_on_frame),
    // never as calls from kernel code, which runs on the kernel's thread pointer (a
    // temporary mask stays until then: keep_saved_mask).
    if (self.program_thread_pointer)
        return;
    sched::SignalInfo sent;
    if (self.restores_mask_after_delivery) {
        // Every signal the call's temporary mask let through is delivered, though the first
        // handler's return puts back a mask that may block the others (Linux nests their
        // frames while the temporary mask holds). NOT LINUX: the later handlers run after
        // the first one, under the old mask.
        uint64_t let_through = __atomic_load_n(&self.pending_signals, __ATOMIC_RELAXED) & ~self.signal_mask;
        while (int signal = sched::take_pending_signal_in(let_through, &sent))
            deliver(signal, sent);
    }
    if (__atomic_load_n(&self.pending_signals, __ATOMIC_RELAXED) & ~self.signal_mask) {
        while (int signal = sched::take_pending_signal(&sent))
            deliver(signal, sent);
    }
    restore_saved_mask(); // if no handler took it
}

SysResult rt_sigaction(int signal, const abi::KernelSigaction* action, abi::KernelSigaction* old, size_t mask_size)
{
    if (mask_size != sizeof(uint64_t) || signal < 1 || signal > abi::kSignalCount)
        return lib::Error(lib::Errno::INVAL, "bad signal or mask size");
    if (action && (signal == abi::kSigkill || signal == abi::kSigstop))
        return lib::Error(lib::Errno::INVAL, "kSigkill and kSigstop cannot be caught");
    if (old)
        TRY(check_user_range(old, sizeof(*old), UserAccess::Write));
    abi::KernelSigaction wanted {};
    if (action) {
        TRY(check_user_range(action, sizeof(*action)));
        wanted = *action; // read before the lock: the program's memory may fault
        wanted.mask &= ~kUnblockable;
    }
    abi::KernelSigaction previous = actions().with([&](SignalActions& a) {
        abi::KernelSigaction before = a.of[signal];
        if (action) {
            a.of[signal] = wanted;
            sched::set_signal_ignored(signal, ignores(signal, wanted.handler)); // senders drop it
        }
        return before;
    });
    if (old)
        *old = previous;
    return 0;
}

SysResult rt_sigprocmask(int how, const uint64_t* set, uint64_t* old, size_t mask_size)
{
    if (mask_size != sizeof(uint64_t))
        return lib::Error(lib::Errno::INVAL, "bad mask size");
    uint64_t previous = blocked();
    if (set) {
        TRY(check_user_range(set, sizeof(*set)));
        switch (how) {
        case kSigBlock: blocked() |= *set; break;
        case kSigUnblock: blocked() &= ~*set; break;
        case kSigSetmask: blocked() = *set; break;
        default: return lib::Error(lib::Errno::INVAL, "bad sigprocmask how");
        }
        blocked() &= ~kUnblockable;
    }
    if (old) {
        TRY(check_user_range(old, sizeof(*old), UserAccess::Write));
        *old = previous;
    }
    return 0; // what it unblocked is delivered on the way out (osprey_syscall.cpp)
}

SysResult kill(int pid, int signal)
{
    if (pid != 1 && pid != 0 && pid != -1)
        return lib::Error(lib::Errno::SRCH, "no such process");
    if (signal < 0 || signal > abi::kSignalCount)
        return lib::Error(lib::Errno::INVAL, "bad signal");
    if (signal == 0)
        return 0;
    sched::post_process_signal(signal, { kSiUser, 1, 0, 0 }); // from pid 1, uid 0
    return 0; // the caller's own is delivered on the way out, after the kernel section
}

SysResult rt_sigtimedwait(const uint64_t* set, void* info, const abi::Timespec* timeout, size_t mask_size)
{
    if (mask_size != sizeof(uint64_t))
        return lib::Error(lib::Errno::INVAL, "bad mask size");
    TRY(check_user_range(set, sizeof(*set)));
    if (info)
        TRY(check_user_range(info, sizeof(KernelSiginfo), UserAccess::Write));
    uint64_t deadline = 0;
    if (timeout) {
        deadline = arch::monotonic_ns() + uint64_t(TRY(read_timespec(timeout)));
    }
    uint64_t wanted = *set & ~kUnblockable, saved = blocked();
    for (;;) {
        sched::SignalInfo sent;
        if (int signal = sched::take_pending_signal_in(wanted, &sent)) {
            if (info) {
                KernelSiginfo filled = siginfo_of(signal, sent);
                memcpy(info, &filled, sizeof(filled));
            }
            return signal;
        }
        if (timeout && arch::monotonic_ns() >= deadline)
            return lib::Error(lib::Errno::AGAIN, "no signal of the set before the timeout");
        auto reason = [&] {
            sched::MaskOpenedForWait opened(wanted); // Linux unblocks the set for the wait
            return sched::sleep_until(timeout ? deadline : 0, true);
        }();
        bool other_signal = sched::current().pending_signals & ~saved & ~wanted;
        if (reason == sched::WakeReason::Interrupted && other_signal)
            return lib::Error(lib::Errno::INTR, "another signal arrived"); // its handler runs on the way out
    }
}

SysResult rt_sigpending(uint64_t* set, size_t mask_size)
{
    if (mask_size > sizeof(uint64_t))
        return lib::Error(lib::Errno::INVAL, "bad mask size");
    TRY(check_user_range(set, mask_size, UserAccess::Write));
    uint64_t pending = sched::current().pending_signals; // process signals are a thread's here
    memcpy(set, &pending, mask_size);
    return 0;
}

SysResult pause()
{
    wait_for_deliverable_signal();
    return lib::Error(lib::Errno::INTR, "pause returns after a handler");
}

SysResult rt_sigsuspend(const uint64_t* mask, size_t mask_size)
{
    if (mask_size != sizeof(uint64_t))
        return lib::Error(lib::Errno::INVAL, "bad mask size");
    TRY(check_user_range(mask, sizeof(*mask)));
    uint64_t saved = blocked();
    blocked() = *mask & ~kUnblockable;
    wait_for_deliverable_signal();
    keep_saved_mask(saved); // the handler runs on the way out, after the kernel section
    return lib::Error(lib::Errno::INTR, "sigsuspend returns after a handler");
}

SysResult tgkill(int tgid, int tid, int signal)
{
    if ((tgid != -1 && tgid != 1) || tid <= 0)
        return lib::Error(lib::Errno::INVAL, "bad thread group or thread id");
    if (signal < 0 || signal > abi::kSignalCount)
        return lib::Error(lib::Errno::INVAL, "bad signal");
    if (signal == 0)
        return sched::thread_exists(tid) ? SysResult(0) : SysResult(lib::Error(lib::Errno::SRCH, "no such thread"));
    TRY(sched::post_signal(tid, signal, { kSiTkill, 1, 0, 0 }));
    return 0; // to itself (raise): delivered on the way out, after the kernel section
}

SysResult queue_signal(int tgid, int tid, int signal, const void* info, QueueTarget target)
{
    if (tgid <= 0 || (target == QueueTarget::Thread && tid <= 0))
        return lib::Error(lib::Errno::INVAL, "bad process or thread id");
    if (signal < 0 || signal > abi::kSignalCount)
        return lib::Error(lib::Errno::INVAL, "bad signal");
    if (tgid != 1)
        return lib::Error(lib::Errno::SRCH, "no such process");
    TRY(check_user_range(info, sizeof(KernelSiginfo)));
    KernelSiginfo sent;
    memcpy(&sent, info, sizeof(sent));
    bool to_process = target == QueueTarget::Process;
    if (signal == 0) // a probe: whether the target exists
        return to_process || sched::thread_exists(tid) ? SysResult(0)
                                                       : SysResult(lib::Error(lib::Errno::SRCH, "no such thread"));
    sched::SignalInfo queued { sent.si_code, sent.kill.si_pid, sent.kill.si_uid, sent.kill.si_value };
    if (to_process)
        sched::post_process_signal(signal, queued);
    else
        TRY(sched::post_signal(tid, signal, queued));
    return 0;
}

} // namespace sys
