// clone(2) made with the syscall instruction (a static binary's pthread_create, Go's
// runtime without cgo): a thread of the program that starts at the instruction's return
// with the caller's registers and %rax 0, on the stack clone names, on CLONE_SETTLS's
// thread pointer (or the caller's). Only the CLONE_THREAD family, as for musl's __clone
// (libc-shim/threads.cpp); anything that would make a process is ENOSYS.
//
// The kernel side of the new thread is a musl thread made with the kernel's own
// pthread_create, which gives it the kernel's thread pointer, errno and allocator heap. It
// leaves musl's thread list at once, as a kernel service does (sched::
// leave_kernel_libc_threads: it never returns through pthread_exit), then resumes the
// program on its own thread pointer (kernel/arch/x86_64/thread_pointer.h); from then on its
// system calls and interrupts run on the sched thread's own stacks. When it exits, its
// pthread keys' destructors run (mimalloc's heap goes back) and the kernel musl thread's
// mapping (a 16 KiB stack and musl's thread block) is unmapped (sched::
// exit_kernel_libc_thread).
#include <kernel/syscall/clone_instruction.h>

#include <kernel/arch/x86_64/io.h>
#include <kernel/console/log.h>
#include <kernel/syscall/signal_frame.h>
#include <kernel/syscall/syscall_util.h>
#include <sched/futex.h>
#include <sched/scheduler.h>

#include <pthread.h>

#include <new>

namespace sys {

namespace {

using abi::kCloneChildCleartid, abi::kCloneChildSettid, abi::kCloneParentSettid, abi::kCloneSettls;
constexpr size_t kKernelStackBytes = 16 * 1024; // the kernel musl thread's: only run_cloned uses it
constexpr uint64_t kInterruptFlag = 0x200;

// What the new thread needs, made by the caller; the child copies it and then posts its
// tid in `started`, after which it no longer touches it (the caller frees it).
struct CloneStart {
    arch::InterruptFrame frame; // the child's registers
    uint64_t program_thread_pointer;
    uint64_t signal_mask;
    int* parent_tid;      // CLONE_PARENT_SETTID: the tid is written there
    int* child_tid;       // CLONE_CHILD_SETTID: and there
    int* clear_child_tid; // CLONE_CHILD_CLEARTID: cleared and woken at exit
    uint32_t started = 0; // futex word: the child's tid once it runs
};

void* run_cloned(void* argument)
{
    auto& start = *static_cast<CloneStart*>(argument);
    arch::InterruptFrame frame = start.frame;
    uint64_t thread_pointer = start.program_thread_pointer;
    sched::Thread& self = sched::current();
    sched::leave_kernel_libc_threads();
    self.signal_mask = start.signal_mask;
    self.clear_child_tid = start.clear_child_tid;
    {
        // Both tids before any of the program's code runs, as Linux writes them: a thread
        // that exits at once clears the word its joiner waits on, which must not be
        // written after that (a parent writing it on return would make the join hang).
        sched::KernelSection section; // the address space is the big lock's
        for (int* out : { start.parent_tid, start.child_tid })
            if (out && check_user_range(out, sizeof(int), UserAccess::Write).is_ok())
                *out = self.tid;
    }
    __atomic_store_n(&start.started, uint32_t(self.tid), __ATOMIC_RELEASE);
    sched::futex_wake(&start.started, 1, sched::kFutexBitsetMatchAny); // `start` may go now
    sched::set_program_thread_pointer(thread_pointer);
    frame.rflags |= kInterruptFlag; // threads mean preemption: the program runs interruptible
    resume_program_at(frame);
}

} // namespace

long clone_by_instruction(const arch::InterruptFrame& caller)
{
    uint64_t flags = caller.rdi;
    if ((flags & abi::kCloneThreadFamily) != abi::kCloneThreadFamily) {
        klog::debug(
            klog::Subsystem::Syscall, "clone without CLONE_VM|CLONE_THREAD (a new process) is not implemented: ENOSYS");
        return -long(lib::Errno::NOSYS);
    }
    if (flags & ~abi::kCloneKnownThreadFlags)
        return -long(lib::Errno::INVAL);
    auto* parent_tid = reinterpret_cast<int*>(caller.rdx);
    if (flags & kCloneParentSettid) {
        sched::KernelSection section;
        if (check_user_range(parent_tid, sizeof(int), UserAccess::Write).is_error())
            return -long(lib::Errno::FAULT);
    }
    sched::Thread& self = sched::current();
    auto* start = new (std::nothrow) CloneStart;
    if (!start)
        return -long(lib::Errno::NOMEM);
    start->frame = caller;
    start->frame.rax = 0;
    if (caller.rsi)
        start->frame.rsp = caller.rsi;
    uint64_t own = self.program_thread_pointer ? self.program_thread_pointer : arch::rdmsr(arch::kMsrFsBase);
    start->program_thread_pointer = (flags & kCloneSettls) ? caller.r8 : own;
    start->signal_mask = self.signal_mask;
    start->parent_tid = (flags & kCloneParentSettid) ? parent_tid : nullptr;
    start->child_tid = (flags & kCloneChildSettid) ? reinterpret_cast<int*>(caller.r10) : nullptr;
    start->clear_child_tid = (flags & kCloneChildCleartid) ? reinterpret_cast<int*>(caller.r10) : nullptr;

    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attributes, kKernelStackBytes);
    pthread_t thread;
    int error = pthread_create(&thread, &attributes, run_cloned, start);
    pthread_attr_destroy(&attributes);
    if (error) {
        delete start;
        return -long(error);
    }
    uint32_t tid;
    while (!(tid = __atomic_load_n(&start->started, __ATOMIC_ACQUIRE)))
        (void)sched::futex_wait(&start->started, 0, sched::kFutexBitsetMatchAny, 0);
    delete start;
    return long(tid);
}

} // namespace sys
