// The scheduler: threads, switching, blocking and waking, preemption by the local APIC
// timer. docs/architecture.md ("Threads") has the whole picture.
//
// Every scheduler structure (run queue, timer list, futex table, thread table, the CPUs)
// sits behind one interrupt-disabling spinlock. Application code runs on every CPU at once
// and is preempted at the end of its time slice. Kernel code (a system call, a page
// fault, the linker) holds the big kernel lock (KernelSection): it is never preempted and
// runs on one CPU at a time, to its end or until it blocks, which lets the kernel's other
// state (mm, the fd table, the loaded modules) stay consistent without locks of its own
// for now. The scheduler's lock is taken inside the big lock, never the other way round.
#pragma once

#include <sched/thread.h>

#include <kernel/arch/x86_64/interrupt_frame.h>

#include <lib/result.h>

#include <cstdint>
#include <string_view>

namespace sched {

/// Makes the boot flow of execution thread 1 on CPU 0 (per-CPU data behind %gs). Needs no
/// allocation; call once, right after the CPU's descriptor tables.
void init_boot_cpu();

/// The thread running on this CPU: the per-CPU record behind %gs keeps it at offset 8
/// (Cpu::current, scheduler_state.h checks the offset). Inline: every system call and
/// fault asks.
inline Thread& current()
{
    Thread* thread;
    asm volatile("mov %%gs:8, %0" : "=r"(thread));
    return *thread;
}

/// arch_prctl(ARCH_SET_FS) from a program with a libc of its own (a static binary): from
/// now the current thread's program runs on `address` and kernel code on this thread on
/// the thread pointer it has now (kernel/arch/x86_64/thread_pointer.h). %fs itself changes
/// when the program is resumed.
void set_program_thread_pointer(uint64_t address);

/// Entry of a new thread, as musl's __clone calls it: fn(arg) with %fs = tls on `stack`;
/// when fn returns, the thread exits with its value.
struct ThreadStart {
    int (*fn)(void*);
    void* arg;
    uintptr_t stack;      // top of the thread's stack (16-byte aligned by the caller)
    uint64_t tls;         // the thread pointer
    int* parent_tid;      // CLONE_PARENT_SETTID: the new tid is written here (or null)
    int* clear_child_tid; // CLONE_CHILD_CLEARTID: cleared and woken at exit (or null)
    int* child_tid;       // CLONE_CHILD_SETTID: the new tid is written here (or null)
};

/// Creates a runnable thread; returns its tid. The first one turns on preemption (the APIC
/// timer). ENOMEM when its interrupt stack cannot be mapped; EAGAIN past kMaxThreads.
lib::Result<int> spawn(const ThreadStart& start);

/// Ends the calling thread (exit(2) of one thread): clears and wakes clear_child_tid,
/// frees what it can. The last thread's exit ends the program with `status`.
[[noreturn]] void exit_thread(int status);

/// exit_thread, after unmapping [base, base + size) (size 0: nothing), which may be the
/// stack it runs on (musl's __unmapself for detached threads): the unmapping happens on
/// the thread's interrupt stack.
[[noreturn]] void exit_thread_unmapping(uintptr_t base, size_t size, int status);

/// Gives the calling thread (the boot thread, before it enters the program) the stack its
/// syscall instructions run on; spawn gives every other thread one. ENOMEM.
lib::Result<void> prepare_system_call_stack();

/// The first step of ending the program (exit_group(2)): no program thread but the caller
/// runs program code again. Queued ones are taken off the run queue, woken ones are not
/// queued, and those running on other CPUs stop at their next interrupt or when they leave
/// the kernel (a system call under way finishes first, as Linux's SIGKILL lets it).
/// Kernel service threads go on: the network still sends what the program wrote. A second
/// caller while one ends the program stops instead (the first exit status stands).
void stop_other_program_threads();

/// Gives the CPU to the next runnable thread, if any (sched_yield).
void yield();

/// Sleeps until the deadline (monotonic ns) or, if `interruptible`, a signal: TimedOut or
/// Interrupted.
WakeReason sleep_until(uint64_t deadline_ns, bool interruptible);

/// Makes signal `signal` (1-64) pending on thread `tid` and, if it waits interruptibly
/// and does not block the signal, ends the wait with WakeReason::Interrupted. A signal
/// the program ignores (set_signal_ignored) is dropped instead, unless the thread blocks
/// it (or did before a sigtimedwait or signalfd read), as Linux drops it (sig_ignored): it
/// never interrupts a wait. ESRCH when no such thread lives.
lib::Result<void> post_signal(int tid, int signal, const SignalInfo& info);
/// A process-directed signal (kill(2), timers): made pending on the calling thread if it
/// does not block it, else on the first thread that does not (a thread in sigwait
/// unblocks its set while it waits), else on the calling thread; dropped as post_signal
/// drops it.
void post_process_signal(int signal, const SignalInfo& info);

/// While it lives, the calling thread's mask lets `set` through, for a wait that takes
/// those signals (sigtimedwait, a signalfd read); the mask from before stays in
/// Thread::blocked_before_wait, so that an ignored signal it blocked is kept when sent.
class MaskOpenedForWait {
public:
    explicit MaskOpenedForWait(uint64_t set);
    ~MaskOpenedForWait();
    MaskOpenedForWait(const MaskOpenedForWait&) = delete;
    MaskOpenedForWait& operator=(const MaskOpenedForWait&) = delete;

private:
    uint64_t m_saved;
};

/// Whether signal `signal`'s default action is to ignore it: Linux's SIGCHLD, SIGCONT,
/// SIGURG and SIGWINCH, and the stop signals (nothing could continue the program).
bool ignored_by_default(int signal);
/// Says whether the program's disposition of `signal` ignores it now (SIG_IGN, or SIG_DFL
/// where the default is to ignore): rt_sigaction calls it. Becoming ignored drops the
/// signal from every thread's pending set, as Linux's do_sigaction does.
void set_signal_ignored(int signal, bool ignored);
/// Takes the lowest pending signal of the calling thread that its mask does not block; 0
/// when there is none. `info` (may be null) receives how it was sent.
int take_pending_signal(SignalInfo* info = nullptr);

/// Takes the lowest pending signal of the calling thread that is in `set`, blocked or not
/// (sigwait); 0 when there is none.
int take_pending_signal_in(uint64_t set, SignalInfo* info = nullptr);

/// What the system-call layer does when a preempted thread is about to resume the program
/// with signals pending: push signal frames onto `frame` (kernel/syscall/signal_frame.h).
using SignalDelivery = void (*)(arch::InterruptFrame& frame);
/// Installs it (once, at boot; the scheduler sits below the system-call layer).
void set_signal_delivery(SignalDelivery deliver);

/// CPU time of the calling thread (CLOCK_THREAD_CPUTIME_ID), in ns: the time it ran,
/// kernel work on its behalf included (Osprey has no user/system split).
uint64_t thread_cpu_ns();
/// CPU time of the program (CLOCK_PROCESS_CPUTIME_ID): of every thread, living or exited.
uint64_t process_cpu_ns();

/// Makes the calling thread a kernel service thread named `name` (at most 15 bytes): it
/// blocks every signal, and thread_count, thread_ids and process signals leave it out, so
/// the program's last thread still ends the program. For a kernel thread made with the
/// program's pthread_create (it needs musl's thread state to call malloc). It also runs the
/// libc's leave hook (below), so the libc no longer counts the thread as the program's.
void become_kernel_service(const char* name);

/// What the libc does when one of its threads becomes a kernel service (libc-shim takes it
/// out of musl's thread list, which __synccall signals). Installed once, at boot (the
/// scheduler sits below libc-shim).
using LeaveProgramThreads = void (*)();
void set_leave_program_threads(LeaveProgramThreads leave);

/// Takes the calling thread, a kernel musl thread that will run the program's code from
/// now on and never return through pthread_exit (clone by the syscall instruction), out
/// of musl's thread list (the leave hook), and forgets musl's clear_child_tid word for it.
void leave_kernel_libc_threads();
/// The exit of such a thread: the libc's end hook (below) ends its libc state, then the
/// thread exits unmapping the memory the libc made for it (as exit_thread_unmapping).
[[noreturn]] void exit_kernel_libc_thread(int status);
using EndKernelLibcThread = void (*)(uintptr_t* base, size_t* size);
void set_end_kernel_libc_thread(EndKernelLibcThread end);

/// Whether a thread with this tid is alive.
bool thread_exists(int tid);

/// What /proc/PID/task/TID shows of one thread.
struct ThreadReport {
    char name[16];     // its comm, NUL-terminated
    uint64_t cpu_ns;   // CPU time so far
    uint64_t affinity; // CPUs it may run on, of the VM's processors
    int nice;
    bool running; // on a CPU now (else runnable in a queue, or blocked)
    bool blocked;
};
/// The report of thread `tid` (0: the caller); ESRCH when there is no such program thread.
lib::Result<ThreadReport> thread_report(int tid);
/// Names thread `tid` (0: the caller), as prctl(PR_SET_NAME) and a write to
/// /proc/PID/task/TID/comm do: at most 15 bytes kept. ESRCH when there is no such thread.
lib::Result<void> set_thread_name(int tid, std::string_view name);

/// The nice value (-20..19) of thread `tid` (0: the caller), as getpriority/setpriority see
/// it. Recorded and inherited by new threads; the scheduler does not weigh it (one FIFO
/// run queue with equal slices). ESRCH for no such program thread.
lib::Result<int> thread_nice(int tid);
lib::Result<void> set_thread_nice(int tid, int nice);
/// The length of a time slice when other threads wait to run (sched_rr_get_interval).
uint64_t time_slice_ns();

/// The scheduling policy of thread `tid` (0: the caller), as sched_getscheduler(2) and
/// sched_setscheduler(2) see it. Recorded and inherited by new threads (RESET_ON_FORK
/// applied); like nice, the scheduler does not act on it. ESRCH for no such thread.
lib::Result<SchedulingPolicy> thread_scheduling(int tid);
lib::Result<void> set_thread_scheduling(int tid, const SchedulingPolicy& scheduling);
/// The lowest nice value among the program's threads, and setting it on all of them (the
/// whole process: PRIO_PGRP and PRIO_USER).
int lowest_program_nice();
void set_program_nice(int nice);

/// Number of the program's threads alive (not Dead; kernel services left out).
size_t thread_count();
/// The tids of the program's threads alive, in creation order: up to `capacity` into `out`; returns
/// how many there are (more than `capacity` when they did not all fit).
size_t thread_ids(int* out, size_t capacity);

/// The out-of-line halves of enter_kernel and leave_kernel (kernel_lock.cpp,
/// scheduler.cpp): take the lock, spinning; release it (after the other CPUs flushed what
/// mm changed: mm::flush_remote_tlbs); run the switch a timer left for the way out.
void take_kernel_lock(Thread& self);
void release_kernel_lock();
void leave_kernel_slow();

/// Takes the big kernel lock for the calling thread (nests: kernel_depth counts). Inline,
/// as every system call runs it: the count, and a call when the lock is to be taken.
inline void enter_kernel()
{
    Thread& self = current();
    // Counted before the lock is taken: a timer interrupt in between sees a thread in the
    // kernel and leaves it be (need_resched), so no thread is preempted while it holds
    // the lock.
    if (self.kernel_depth++ == 0)
        take_kernel_lock(self);
}

/// Drops one level; the last one releases the lock and runs a switch the timer left for
/// then.
inline void leave_kernel()
{
    Thread& self = current();
    if (self.kernel_depth == 1)
        release_kernel_lock(); // released before the count drops, for the same reason
    if (--self.kernel_depth == 0 && __atomic_load_n(&self.need_resched, __ATOMIC_RELAXED))
        leave_kernel_slow();
}

/// A region of kernel code that holds the big kernel lock: system calls, the linker,
/// dlopen. It nests. Blocking inside one (sleep_until, a futex wait) releases the lock
/// until the thread runs again, as Linux's old BKL did: kernel state may change across a
/// block.
class KernelSection {
public:
    KernelSection() { enter_kernel(); }
    ~KernelSection() { leave_kernel(); }
    KernelSection(const KernelSection&) = delete;
    KernelSection& operator=(const KernelSection&) = delete;
};

/// The big kernel lock for an exception or interrupt handler that reaches kernel state
/// (a page fault reads the address space, signal delivery maps the frame): taken unless
/// the thread holds it already; never switches threads. Call with no spinlock held. Taken
/// on an IST stack (a page fault), its level counts in Thread::handler_kernel_depth: the
/// handler's own, not the interrupted code's. Elsewhere (signal delivery on the way out
/// of a system call) it is a level of kernel code like any other.
class KernelSectionInHandler {
public:
    KernelSectionInHandler();
    ~KernelSectionInHandler();
    KernelSectionInHandler(const KernelSectionInHandler&) = delete;
    KernelSectionInHandler& operator=(const KernelSectionInHandler&) = delete;

private:
    bool m_took;
    bool m_on_handler_stack;
};

/// Where the secondary CPUs are described and may start: the ACPI RSDP (0: search the BIOS
/// area) and a free page below 1 MiB for their start-up code (0: none, they stay off). Call
/// once at boot; nothing starts until the second thread does (start_secondary_cpus).
void set_secondary_cpu_hardware(uint64_t rsdp_address, uint64_t trampoline_page);

/// The processors the VM has (ACPI MADT; 1 without one), found on first use.
size_t processor_count();
/// This CPU's number, 0 to processor_count() - 1 (sched_getcpu).
unsigned this_cpu_index();
/// sched_setaffinity(2): thread `tid` (0: the caller) runs only on the CPUs in `mask` (bit
/// = CPU number) from now on; a thread running elsewhere moves at once (the caller before
/// this returns; another at its CPU's next interrupt, or as it leaves the kernel). Starts
/// the other CPUs first, so a mask may name them before any thread was made. EINVAL when
/// the mask names no CPU the VM runs threads on, ESRCH when there is no such thread.
lib::Result<void> set_affinity(int tid, uint64_t mask);
/// sched_getaffinity(2): the CPUs thread `tid` (0: the caller) may run on, limited to the
/// VM's processors. ESRCH when there is no such thread.
lib::Result<uint64_t> affinity(int tid);

} // namespace sched
