// Threads as musl creates and ends them: __clone and __unmapself, which musl writes in
// assembly around raw `clone`, `munmap` and `exit` system calls (src/thread/x86_64/
// clone.s, src/thread/x86_64/__unmapself.s), here calls into the scheduler.
//
// musl's pthread_create calls
//   __clone(start, stack, CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|
//           CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID|
//           CLONE_DETACHED, arg, &new->tid, TP_ADJ(new), &__thread_list_lock)
// and relies on the kernel clearing __thread_list_lock when the thread is gone (its
// pthread_exit takes the lock and exits holding it). Anything without CLONE_VM and
// CLONE_THREAD would be a new process (fork, posix_spawn): Osprey runs one process, so
// that fails with ENOSYS as before.
#include <kernel/console/log.h>
#include <abi/linux_abi.h>
#include <libc_shim/startup.h>

#include <sched/scheduler.h>

#include <cstdarg>
#include <cstdint>

extern "C" char __libc_single_threaded;

namespace {

namespace abi = linux_abi;

/// glibc's __libc_single_threaded turns 0 for good when a second thread starts, in the
/// kernel's copy and in every COPY relocation of it a program made (libstdc++ then uses
/// atomic reference counts).
void note_threads_started()
{
    if (!__libc_single_threaded)
        return;
    __libc_single_threaded = 0;
    auto& startup = libc_shim::program_startup();
    for (size_t i = 0; i < startup.copy_count; ++i) {
        if (startup.copies[i].original == &__libc_single_threaded)
            *static_cast<char*>(startup.copies[i].copy) = 0;
    }
}

} // namespace

extern "C" int __clone(int (*fn)(void*), void* stack, int flags, void* arg, ...)
{
    constexpr int kEnosys = 38, kEinval = 22;
    uint64_t bits = uint32_t(flags);
    if ((bits & abi::kCloneThreadFamily) != abi::kCloneThreadFamily || (bits & abi::kCloneVfork)) {
        // A new process: not in a single-application VM. Said at the level that names
        // unimplemented system calls (log.syscall=debug), since this is one.
        klog::debug(klog::Subsystem::Syscall,
            "clone without CLONE_VM|CLONE_THREAD (a new process: fork, "
            "posix_spawn, vfork) is not implemented: ENOSYS");
        return -kEnosys;
    }
    if (bits & ~abi::kCloneKnownThreadFlags)
        return -kEinval;
    va_list rest;
    va_start(rest, arg);
    int* parent_tid = va_arg(rest, int*);
    void* tls = va_arg(rest, void*);
    int* child_tid = va_arg(rest, int*);
    va_end(rest);
    sched::KernelSection section;
    uint64_t thread_pointer;
    asm("mov %%fs:0, %0" : "=r"(thread_pointer));
    sched::ThreadStart start = {
        fn,
        arg,
        reinterpret_cast<uintptr_t>(stack),
        (bits & abi::kCloneSettls) ? reinterpret_cast<uint64_t>(tls) : thread_pointer,
        (bits & abi::kCloneParentSettid) ? parent_tid : nullptr,
        (bits & abi::kCloneChildCleartid) ? child_tid : nullptr,
        (bits & abi::kCloneChildSettid) ? child_tid : nullptr,
    };
    note_threads_started();
    auto tid = sched::spawn(start);
    return tid.is_error() ? -int(tid.error().code) : tid.value();
}

/// A detached thread ends: frees its own stack (which it runs on) and exits.
extern "C" [[noreturn]] void __unmapself(void* base, size_t size)
{
    sched::KernelSection section;
    sched::exit_thread_unmapping(reinterpret_cast<uintptr_t>(base), size, 0);
}
