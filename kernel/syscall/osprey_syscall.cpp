// osprey_syscall: how the kernel's libc (musl, and through it every glibc program's libc
// call) makes a system call. A plain call, with no mode switch: it runs the call
// (run_system_call, dispatch.cpp), delivers the thread's pending signals on the way out as
// Linux does on the way back to user space (their handlers are plain calls too,
// signal.cpp), and then either returns, starts an interrupted call again (restart.h), or
// resumes where a handler moved its context's REG_RIP.
#include <kernel/syscall/restart.h>
#include <kernel/syscall/signal_frame.h>
#include <kernel/syscall/syscall.h>
#include <sched/scheduler.h>

namespace {

using sys::RestartRule;

// What is left pending and unblocked for the calling thread.
uint64_t unblocked_pending(const sched::Thread& self)
{
    return __atomic_load_n(&self.pending_signals, __ATOMIC_RELAXED) & ~self.signal_mask;
}

// Delivers until nothing is left (the test of the pending set is inline: nearly every call
// finds none), and decides whether the call that gave `value` starts again. A signal sent
// from another CPU before the decision is delivered first, as the restarted call would
// only be interrupted by it. A static program's signals wait for its frames: its call
// ends instead.
bool deliver_and_decide(sched::Thread& self, long value, RestartRule rule)
{
    // A call the kernel's own code made inside a kernel section (mimalloc's mmap while a
    // system call or dlopen allocates): no handler of the program's may run in the middle
    // of it, with the big kernel lock held. Its signals stay pending for the way out of the
    // outermost call, and the kernel's code gets its result as it is.
    if (self.kernel_depth > 0)
        return false;
    for (;;) {
        while ((unblocked_pending(self) || self.restores_mask_after_delivery) && !self.program_thread_pointer)
            sys::deliver_pending_signals(); // the second: restores a mask no handler took
        bool interrupted = value == -long(lib::Errno::INTR);
        if (!interrupted || !sys::starts_again(rule, self.interrupted_call))
            return false;
        if (!unblocked_pending(self))
            return true;
        if (self.program_thread_pointer)
            return false;
    }
}

} // namespace

extern "C" long osprey_syscall(long n, long a1, long a2, long a3, long a4, long a5, long a6)
{
    sched::Thread& self = sched::current();
    sched::InterruptedCall outer = self.interrupted_call; // a handler's calls nest in the call it interrupted
    for (;;) {
        self.interrupted_call = {};
        self.interrupted_call.return_address = uintptr_t(__builtin_return_address(0));
        // Until the decision, a preempting interrupt leaves the signals to this delivery,
        // so that restart.h sees their handlers (run_handler clears it around a handler).
        self.interrupted_call.delivers_on_way_out = true;
        long value = sys::run_system_call(n, a1, a2, a3, a4, a5, a6, uint64_t(__builtin_frame_address(0)));
        if (deliver_and_decide(self, value, sys::restart_rule(n, a2, a4))) {
            sys::restore_saved_mask(); // a static program's thread: no handler ran
            continue;
        }
        uintptr_t resume_at = self.interrupted_call.resume_at;
        self.interrupted_call = outer;
        // A handler moved REG_RIP: the caller goes on there instead, and what that code
        // returns is the call's result, as if the call had returned into it. musl's
        // cancellation handler moves it to __cp_cancel, a jump to __cancel, which exits
        // the thread or, with cancellation masked (a condition variable's wait), returns
        // -ECANCELED. Called rather than jumped to: it starts with the psABI's alignment.
        if (resume_at)
            return reinterpret_cast<long (*)()>(resume_at)();
        return value;
    }
}
