// Inside the scheduler (not a public header): the state its lock guards, the per-CPU
// block behind %gs, and the steps scheduler.cpp, futex.cpp and timers.cpp share.
#pragma once

#include <sched/signal_timer.h>
#include <sched/thread.h>

#include <abi/acpi.h>
#include <kernel/arch/x86_64/idt.h>
#include <kernel/arch/x86_64/spin_lock.h>
#include <kernel/arch/x86_64/thread_pointer.h>
#include <lib/guarded.h>
#include <lib/intrusive_list.h>
#include <lib/result.h>

#include <cstdint>

namespace sched {

using ThreadQueue = lib::IntrusiveList<Thread, &Thread::queue_node>;
using TimerList = lib::IntrusiveList<TimerEvent, &TimerEvent::node>;
using ThreadTable = lib::IntrusiveList<Thread, &Thread::all_node>;

/// Futex waiters, hashed by the futex word's address (one address space: private and
/// shared futexes are the same thing).
struct FutexTable {
    static constexpr size_t kBuckets = 64;
    ThreadQueue buckets[kBuckets];
    ThreadQueue& bucket(uintptr_t address) { return buckets[(address >> 2) % kBuckets]; }
};

/// Most CPUs the scheduler runs on (abi::acpi::kMaxProcessors).
constexpr size_t kMaxCpus = 64;

/// Per-CPU data, reached through %gs (its first word points at itself). Fields marked
/// [sched] are guarded by the scheduler lock; the others are written once, before the CPU
/// runs threads.
struct Cpu {
    Cpu* self;
    Thread* current;
    Thread* idle;
    uint64_t timer_armed_ns; // the deadline the APIC timer is set for (0: not armed) [sched]
    unsigned index;          // 0 for the boot CPU, then in the order they came up
    uint32_t apic_id;
    // For the syscall instruction's entry (kernel/arch/x86_64/interrupt_entry.S, which
    // reaches them by offset): the running thread's system-call stack top, set at each
    // switch, and where the entry keeps the program's %rsp while it changes stacks.
    uint64_t system_call_stack_top;
    uint64_t program_rsp;
    // The running thread's kernel thread pointer when its program has its own, else 0
    // (kernel/arch/x86_64/thread_pointer.h reads it by offset), set at each switch.
    uint64_t kernel_thread_pointer;
};
static_assert(offsetof(Cpu, system_call_stack_top) == 40 && offsetof(Cpu, program_rsp) == 48);
static_assert(offsetof(Cpu, kernel_thread_pointer) == arch::kCpuKernelThreadPointerOffset);
Cpu& this_cpu();

/// Everything the scheduler lock guards.
struct SchedulerState {
    // Runnable threads that are not running, FIFO, one queue per CPU index (of CPUs that
    // have joined: usable_cpus). A CPU also takes from others' (take_next_locked).
    ThreadQueue run_queues[kMaxCpus];
    uint64_t queued_cpus = 0; // by index: whose queue is not empty
    uint64_t usable_cpus = 0; // by index: CPUs that run threads (add_cpu_locked)
    size_t starting_cpus = 0; // APs sent INIT/SIPI by start_secondary_cpus, joined or not
    TimerList timers;         // armed timer events (sleepers' deadlines, signal timers), earliest first
    ThreadTable threads;      // every thread not yet Dead
    ThreadQueue dead;         // Dead threads whose interrupt stacks are still to be freed
    FutexTable futexes;
    SignalTimer real_timer;                          // the process's ITIMER_REAL (setitimer, alarm): SIGALRM
    SignalTimer cpu_timers[2];                       // ITIMER_VIRTUAL (SIGVTALRM), ITIMER_PROF (SIGPROF): by CpuTimer
    SignalTimer* posix_timers[kMaxPosixTimers] = {}; // timer_create's, by id (owned here)
    int last_tid = 1;
    Cpu* cpus[kMaxCpus] = {}; // the CPUs running threads, by index
    size_t cpu_count = 0;
    uint64_t halted_cpus = 0;        // by index: idle CPUs waiting in HLT for an interrupt
    uint64_t exited_cpu_ns = 0;      // CPU time of the threads that have exited
    size_t kernel_services = 0;      // threads on the table that are the kernel's (they never exit)
    Thread* ending_thread = nullptr; // the thread ending the program (stop_other_program_threads)
    // The signals the program's dispositions ignore (set_signal_ignored); at start, those
    // whose default is to ignore them (kIgnoredByDefault).
    uint64_t ignored_signals = kIgnoredByDefault;
};

using LockedState = lib::Guarded<SchedulerState, arch::SpinLock>::Locked;

/// The scheduler's state, locked.
LockedState lock_state();

/// Time slice of a thread when others are runnable.
constexpr uint64_t kTimeSliceNs = 4'000'000;

/// Bit `index` of a CPU mask.
constexpr uint64_t cpu_bit(unsigned index) { return uint64_t(1) << index; }
/// Whether `thread`'s affinity lets it run on CPU `index`.
inline bool may_run_on(const Thread& thread, unsigned index) { return thread.affinity & cpu_bit(index); }

/// Makes `thread` runnable with `reason` and queues it (place_locked); takes it off the
/// timer list. The caller has taken it off any wait queue.
void make_runnable_locked(SchedulerState& state, Thread& thread, WakeReason reason);
/// Queues runnable `thread` on a CPU its affinity allows: a halted one (woken by IPI,
/// the one it last ran on first), else this CPU (whose time slice then makes room), else
/// the one it last ran on or the lowest allowed; busy CPUs that may take it arm their
/// slices (arm_busy_cpus_locked).
void place_locked(SchedulerState& state, Thread& thread);
/// Interrupts each CPU of `cpus` (other than this one) that runs a thread with no timer set
/// to end its time slice: the reschedule IPI makes it arm one (preemption_point), so a
/// thread waiting on any queue it may take from gets its turn. Idle CPUs look anyway.
void arm_busy_cpus_locked(SchedulerState& state, uint64_t cpus);
/// Puts the current thread back for its turn: at the back of this CPU's queue, or, if its
/// affinity no longer allows this CPU, placed on one it allows. The caller switches away.
void requeue_current_locked(SchedulerState& state);
/// Whether a switch on this CPU now would find another thread (its own queue, or one it
/// may steal): then the running thread's time slice ends.
bool others_wait_locked(SchedulerState& state);
/// Switches away from the current thread, which the caller has already queued somewhere
/// (run queue, a wait queue) or marked Dead. Returns when the thread runs again, with the
/// lock held again.
void switch_away_locked(LockedState& state);
/// Blocks the current thread (already on a wait queue, or on none) until woken, until
/// `deadline_ns` (0: none) or, if interruptible, a signal.
WakeReason block_locked(LockedState& state, uint64_t deadline_ns, bool interruptible);
/// A new thread's first step: releases the lock its starting switch held.
void release_lock_after_first_switch();
/// The idle loop of this CPU (runs as its idle thread): runs whatever becomes runnable,
/// halts in between.
[[noreturn]] void idle_loop();
/// Makes `cpu` one that runs threads (under the lock): the boot CPU at init, each AP once
/// it is up.
void add_cpu_locked(SchedulerState& state, Cpu& cpu);
/// An interrupt that asks this CPU to look again: at the run queue, its time slice and
/// the current thread's pending signals (the timer, the reschedule IPI).
/// `timer_fired`: this CPU's one-shot timer went off (it is no longer armed).
arch::InterruptResult preemption_point(arch::InterruptFrame& frame, bool timer_fired);

/// Whether `thread` is a program thread that another one's exit_group has stopped: it is
/// never queued again, and stops (ThreadState::Stopped) where it would resume the program.
bool stopped_by_exit_locked(const SchedulerState& state, const Thread& thread);
/// Stops the current thread for good (it is stopped_by_exit_locked).
[[noreturn]] void stop_current_locked(LockedState& state);

// kernel_lock.cpp
/// Releases the big kernel lock held by the current thread, which is about to switch away
/// with kernel_depth > 0; reacquire_kernel_lock takes it back when it runs again.
void release_kernel_lock_for_switch();
void reacquire_kernel_lock();
/// Installs the page-fault handler that takes the big kernel lock (needed once a second
/// CPU runs: on one, nothing else runs while a handler does).
void install_locked_fault_handlers();

// smp.cpp
/// The I/O APICs the ACPI MADT lists (discovered on first use), into `out`; returns how many.
size_t io_apics(acpi::IoApic (&out)[acpi::kMaxIoApics]);
/// Starts the other processors the VM has (once; the first spawn calls it). They join the
/// scheduler as they come up.
void start_secondary_cpus();
/// Waits (a bounded time: an AP that never comes up is left out) until the APs that
/// start_secondary_cpus started have joined, so that affinity masks may name them.
void wait_for_secondary_cpus();

/// Most threads at once (the thread table has no fixed size; this bounds kernel memory
/// a runaway program can take with interrupt stacks).
constexpr size_t kMaxThreads = 8192;

// timers.cpp
/// Puts `event` on the timer list for `deadline_ns` (it must not be on it).
void add_timer_locked(SchedulerState& state, TimerEvent& event, uint64_t deadline_ns);
/// Takes `event` off the timer list if it is on it.
void cancel_timer_locked(SchedulerState& state, TimerEvent& event);
// signals.cpp
/// The thread with `tid` on the thread table, or null.
Thread* find_thread_locked(SchedulerState& state, int tid);
/// Whether `thread` is on a CPU now.
inline bool is_running(const Thread& thread) { return thread.cpu && thread.cpu->current == &thread; }
/// CPU time (ns) of the whole process, the exited threads' included, and of one thread,
/// each with the run in progress counted up to `now_ns`.
uint64_t process_cpu_locked(SchedulerState& state, uint64_t now_ns);
uint64_t thread_cpu_locked(const Thread& thread, uint64_t now_ns);
/// A process-directed signal (post_process_signal's rule), under the lock.
void post_process_signal_locked(SchedulerState& state, int signal, const SignalInfo& info);
/// A signal for thread `tid`, under the lock; false when it does not live.
bool post_thread_signal_locked(SchedulerState& state, int tid, int signal, const SignalInfo& info);
// timers.cpp
/// Fires the timer events whose deadline has passed.
void expire_timers_locked(SchedulerState& state, uint64_t now_ns);
/// Programs the APIC timer for the next event this CPU needs with `running` on it (the
/// end of its time slice when others wait, the earliest deadline), unless it is already
/// set to fire no later (timers.cpp says why it is never stopped).
void rearm_timer_locked(SchedulerState& state, const Thread& running);
/// Brings up the APIC timer (once; arch::lapic_ready() says whether it runs). Error: no
/// APIC, or the mapping of its registers failed; threads then still work, without
/// preemption, and idle polls deadlines.
lib::Result<void> start_timer();
/// Turns preemption on (once): the timer, and interrupts enabled for application code.
void start_preemption();

// futex.cpp
/// Takes the thread off the futex queue it waits on, if any.
void leave_futex_queue_locked(SchedulerState& state, Thread& thread);
/// CLONE_CHILD_CLEARTID at exit: writes 0 to `address` and wakes one waiter there.
void futex_exit_clear_locked(SchedulerState& state, int* address);
/// Marks the robust futexes the exiting `thread` still holds as owner-died (Linux's
/// exit_robust_list, Documentation/locking/robust-futex-ABI.rst).
void futex_exit_robust_list(Thread& thread);

} // namespace sched
