// A thread: one flow of execution of the program (or the kernel's idle loop), scheduled on
// a CPU. Application threads run in ring 0 on the stacks the program gave them (musl's
// pthread_create maps them); the kernel adds, per thread, an interrupt stack (the IST
// stack its interrupts and preemption land on, sched/kernel_stack.cpp) and the state
// below. The scheduler's lock guards the fields marked [sched]; the others belong to the
// thread itself (only it reads or writes them) unless a comment says otherwise.
#pragma once

#include <lib/intrusive_list.h>

#include <cstddef>
#include <cstdint>

namespace process {
class Process; // kernel/process/process.h
}

namespace sched {

enum class ThreadState : uint8_t {
    Runnable, // on a run queue, or running
    Blocked,  // on a wait queue (futex, sleep), maybe with a deadline
    Dead,     // exited; its interrupt stack is freed once nothing runs on it
    Stopped,  // another thread ended the program (exit_group): never runs again
};

/// Why a blocked thread runs again.
enum class WakeReason : uint8_t { Woken, TimedOut, Interrupted };

struct SchedulerState;
struct Cpu;

/// A signal's bit in a mask or pending set (signal 1 is bit 0, as in Linux's sigset_t).
constexpr uint64_t signal_bit(int signal) { return uint64_t(1) << (signal - 1); }

/// The signals whose default action is to ignore them: Linux's SIGCHLD, SIGCONT, SIGURG
/// and SIGWINCH (SIG_KERNEL_IGNORE_MASK), and the stop signals SIGSTOP, SIGTSTP, SIGTTIN
/// and SIGTTOU, which would stop the program where nothing could continue it.
inline constexpr uint64_t kIgnoredByDefault = signal_bit(17) | signal_bit(18) | signal_bit(23) | signal_bit(28)
    | signal_bit(19) | signal_bit(20) | signal_bit(21) | signal_bit(22);

/// What a handler is told about one pending signal: siginfo's si_code and the fields after
/// it (asm-generic/siginfo.h: si_pid and si_uid for kill, si_tid and si_overrun for timers;
/// si_value for both).
/// A thread's policy as sched_setscheduler(2) sets it (Linux's SCHED_OTHER 0, FIFO 1,
/// RR 2, BATCH 3, IDLE 5) and its static priority (1..99 under FIFO and RR, else 0).
struct SchedulingPolicy {
    int policy = 0;
    int priority = 0;
    bool reset_on_fork = false; // SCHED_RESET_ON_FORK: new threads start without RT policy
};

/// How the signals delivered during one system call decide whether it starts again when it
/// was interrupted (kernel/syscall/restart.h): Linux's ERESTARTSYS family, per call.
struct InterruptedCall {
    // Where the call returns to in the caller's code: what a handler the kernel calls on
    // the call's way out sees as REG_RIP (musl's cancellation handler looks at it).
    uintptr_t return_address = 0;
    bool handler_ran = false;       // a handler ran for a signal delivered during the call
    bool handler_ends_call = false; // one of them had no SA_RESTART, or moved REG_RIP
    bool ends_with_eintr = false;   // the call itself says so (a socket with SO_RCVTIMEO, ...)
    uintptr_t resume_at = 0;        // where a handler moved REG_RIP: the caller goes on there
    // osprey_syscall runs the call and delivers its signals itself on the way out: a
    // preempting interrupt leaves them to it, so that their handlers are seen here.
    bool delivers_on_way_out = false;
};

struct SignalInfo {
    int32_t code = 0;   // SI_USER 0, SI_TIMER -2, SI_TKILL -6, ...
    int32_t sender = 0; // si_pid, or the timer id
    int32_t extra = 0;  // si_uid, or the timer's overrun count
    uint64_t value = 0; // si_value
};

/// Something that happens at a monotonic deadline: on the scheduler's timer list (earliest
/// first) while armed. `fire` runs under the scheduler lock, in interrupt context or from
/// the idle loop, after the event left the list; it may put the event back.
struct TimerEvent {
    lib::ListNode node;
    uint64_t deadline_ns = 0;
    void (*fire)(SchedulerState& state, TimerEvent& event, uint64_t now_ns) = nullptr;
};

/// A thread's interrupt stack: [bottom, top), with an unmapped guard page below and a
/// canary word at the bottom.
struct KernelStack {
    uintptr_t mapping = 0; // the guard page, if the stack is this thread's to free; else 0
    uintptr_t bottom = 0;
    uintptr_t top = 0;
    uintptr_t guard = 0; // the inaccessible page below `bottom`, if there is one
};

/// Owned by the scheduler: made by spawn, deleted once Dead and off its interrupt stack
/// (free_dead_threads). The boot and idle threads are static.
struct Thread {
    int tid = 0;
    // The process it belongs to (inherited from its creator; null for idle threads and
    // before boot makes the process). Never changes once set.
    process::Process* process = nullptr;
    ThreadState state = ThreadState::Runnable; // [sched]
    uintptr_t saved_rsp = 0;                   // [sched] the switch frame, when not running
    uint64_t fs_base = 0;                      // thread pointer, saved at each switch
    // A static binary's own thread pointer (arch_prctl ARCH_SET_FS by the syscall
    // instruction), and the kernel's, which kernel code on this thread runs on meanwhile
    // (kernel/arch/x86_64/thread_pointer.h). Both 0 while the program shares the kernel's.
    uint64_t program_thread_pointer = 0;
    uint64_t kernel_thread_pointer = 0;
    KernelStack interrupt_stack;
    // Where the kernel runs a system call the thread made with the syscall instruction
    // (kernel/arch/x86_64/system_call_instruction.h): mapped at creation, paged in on use.
    KernelStack system_call_stack;
    // Inside such a call, until its frame is done with: a preempting interrupt leaves
    // signals for its way out instead of pushing them on the system-call stack [own].
    bool in_system_call_instruction = false;

    // Waiting [sched].
    lib::ListNode queue_node; // on a run queue or one wait queue
    TimerEvent wake_timer;    // its deadline while it blocks with one (fires TimedOut)
    WakeReason wake_reason = WakeReason::Woken;
    uintptr_t futex_address = 0; // the futex word it waits on (FUTEX_WAIT*), else 0
    uint32_t futex_bitset = 0;
    bool interruptible = false; // a signal may end the wait (EINTR)

    // Preemption: a thread in the kernel (a system call, the linker) holds the big kernel
    // lock and is not preempted; a timer that wanted to switch leaves need_resched for when
    // it leaves the kernel. A running thread with kernel_depth > 0 holds the lock.
    uint32_t kernel_depth = 0;
    // The levels of kernel_depth that exception and interrupt handlers took on their IST
    // stacks (KernelSectionInHandler). Any level beyond them is the thread's own kernel code
    // (a system call, the linker, signal delivery), running when the handler came.
    uint32_t handler_kernel_depth = 0;
    bool need_resched = false; // [sched]

    // Linux thread attributes (clone(2), set_tid_address(2), set_robust_list(2), prctl(2)).
    char name[16] = "";             // comm: PR_SET_NAME, /proc task comm; inherited [sched]
    int nice = 0;                   // setpriority(2), -20..19, inherited by new threads [sched]
    SchedulingPolicy scheduling;    // sched_setscheduler(2), inherited by new threads [sched]
    int* clear_child_tid = nullptr; // written 0 and futex-woken when the thread exits
    void* robust_list = nullptr;

    // Signals: the mask is the thread's own; pending may be set by other threads [sched].
    uint64_t signal_mask = 0;
    // Linux's saved_sigmask: a call that waits under a temporary mask (sigsuspend, ppoll,
    // pselect6) leaves it in place until the signal's handler runs on the way out, whose
    // context then carries this mask and whose return restores it (sys::keep_saved_mask).
    uint64_t mask_after_delivery = 0;
    bool restores_mask_after_delivery = false;
    uint64_t pending_signals = 0;
    SignalInfo pending_info[64]; // of each pending signal, as it was sent [sched]
    // The mask before a wait that unblocks signals to take them (sigtimedwait, a signalfd
    // read: Linux's real_blocked), 0 outside one: an ignored signal it blocks is kept when
    // sent, not dropped. Changed with the mask under the scheduler's lock (MaskOpenedForWait).
    uint64_t blocked_before_wait = 0;
    // The system call under way, if a signal interrupts it (kernel/syscall/restart.h).
    InterruptedCall interrupted_call; // [own]
    uintptr_t altstack_base = 0;      // sigaltstack(2): where SA_ONSTACK handlers run (0: none)
    size_t altstack_size = 0;
    bool altstack_autodisarm = false; // SS_AUTODISARM

    // A thread of the kernel's own (the network stack's), not one of the program's: not
    // counted or listed as the program's, never given a signal [sched].
    bool kernel_service = false;
    // Made by clone through the syscall instruction: its kernel side is a kernel musl
    // thread out of musl's list, ended by exit_kernel_libc_thread.
    bool left_kernel_libc = false;

    lib::ListNode all_node;  // on the thread table [sched]
    uint64_t started_ns = 0; // when this run began (time slices, CPU time) [sched]
    uint64_t cpu_ns = 0;     // time it ran before this run began [sched]
    Cpu* cpu = nullptr;      // the CPU it runs or last ran on [sched]
    // sched_setaffinity: the CPUs (bit = index) it may run on; inherited by new threads [sched].
    uint64_t affinity = ~uint64_t(0);
    unsigned queued_cpu = 0; // whose run queue it waits on, while it does [sched]
    uint64_t queued_ns = 0;  // since when [sched]
};

} // namespace sched
