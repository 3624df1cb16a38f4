// Threads on a CPU: switching, blocking and waking, the idle loop, preemption by the APIC
// timer. The futex table is in futex.cpp, timers in timers.cpp, stacks in kernel_stack.cpp.
//
// Switching hands the scheduler lock over: the outgoing thread holds it when it calls
// sched_switch_stacks (context_switch.S), and the incoming thread releases it, either on
// the way out of its own earlier switch (its Locked handle restores its own interrupt
// flag) or, for a new thread, in sched_thread_first_run.
#include <sched/scheduler.h>

#include "kernel_stack.h"
#include "scheduler_state.h"

#include <lib/owner_of.h>

#include <kernel/arch/x86_64/gdt.h>
#include <kernel/arch/x86_64/io.h>
#include <kernel/arch/x86_64/lapic.h>
#include <kernel/arch/x86_64/tsc.h>
#include <kernel/core/vm_exit.h>

#include <cpuid.h>
#include <cstring>

extern "C" void sched_switch_stacks(uintptr_t* save_rsp, uintptr_t next_rsp);
extern "C" [[noreturn]] void sched_run_on_stack(uintptr_t top, void (*fn)(void*), void* arg);
extern "C" char sched_thread_trampoline[];

namespace sched {

namespace {

// How long an idle CPU looks for work before it halts, when there are others.
constexpr uint64_t kIdlePollNs = 50'000;

// The boot CPU's; each AP's is made by smp.cpp.
constinit Cpu g_boot_cpu = {};

// The boot flow of execution (thread 1) and CPU 0's idle thread live in static storage:
// they exist before the allocator does and never end.
Thread& boot_thread()
{
    static Thread thread;
    return thread;
}

lib::Guarded<SchedulerState, arch::SpinLock>& guarded_state()
{
    static lib::Guarded<SchedulerState, arch::SpinLock> state;
    return state;
}

// The idle thread's own stack: it runs the idle loop, which blocks nothing and calls
// little. Its interrupt stack is separate (kernel_stack.h).
alignas(16) constinit uint8_t g_idle_stack[8192];

/// The first switch frame of a new thread on the stack ending at `top`: what
/// sched_switch_stacks pops (x87 control word and MXCSR, r15..r12, rbx, rbp), then the
/// trampoline as its return address, with fn in r12 and arg in r13.
uintptr_t build_start_frame(uintptr_t top, int (*fn)(void*), void* arg)
{
    auto* sp = reinterpret_cast<uint64_t*>(top & ~uintptr_t(15));
    *--sp = 0; // keeps the trampoline's %rsp at 8 mod 16, as after a call
    *--sp = reinterpret_cast<uint64_t>(sched_thread_trampoline);
    *--sp = 0;                               // rbp
    *--sp = 0;                               // rbx
    *--sp = reinterpret_cast<uint64_t>(fn);  // r12
    *--sp = reinterpret_cast<uint64_t>(arg); // r13
    *--sp = 0;                               // r14
    *--sp = 0;                               // r15
    *--sp = 0x1f80;                          // MXCSR: all exceptions masked (psABI §3.2.1)
    *--sp = 0x037f;                          // x87 control word: its power-on default
    return reinterpret_cast<uintptr_t>(sp);
}

void switch_to(Thread& previous, Thread& next)
{
    Cpu& cpu = this_cpu();
    previous.fs_base = arch::rdmsr(arch::kMsrFsBase);
    cpu.current = &next;
    next.cpu = &cpu;
    arch::set_interrupt_stack(interrupt_stack_bounds(next.interrupt_stack));
    cpu.system_call_stack_top = next.system_call_stack.top;
    cpu.kernel_thread_pointer = next.program_thread_pointer ? next.kernel_thread_pointer : 0;
    arch::wrmsr(arch::kMsrFsBase, next.fs_base);
    sched_switch_stacks(&previous.saved_rsp, next.saved_rsp);
}

int idle_entry(void*) { idle_loop(); }

void dequeue_locked(SchedulerState& state, Thread& thread)
{
    ThreadQueue& queue = state.run_queues[thread.queued_cpu];
    queue.remove(&thread);
    if (queue.empty())
        state.queued_cpus &= ~cpu_bit(thread.queued_cpu);
}

void enqueue_locked(SchedulerState& state, Thread& thread, unsigned index)
{
    thread.queued_cpu = index;
    thread.queued_ns = arch::monotonic_ns();
    state.run_queues[index].push_back(&thread);
    state.queued_cpus |= cpu_bit(index);
}

// Work stealing: of the threads other CPUs' queues hold that may run on `cpu`, the one
// that has waited longest (each queue's first such thread, as queues are FIFO); null if
// none. Only non-empty queues are looked at (queued_cpus): the idle loop asks often.
Thread* stealable_locked(SchedulerState& state, const Cpu& cpu)
{
    Thread* oldest = nullptr;
    for (uint64_t others = state.queued_cpus & ~cpu_bit(cpu.index); others; others &= others - 1) {
        ThreadQueue& queue = state.run_queues[__builtin_ctzll(others)];
        for (Thread* thread = queue.front(); thread; thread = queue.next(thread)) {
            if (may_run_on(*thread, cpu.index)) {
                if (!oldest || thread->queued_ns < oldest->queued_ns)
                    oldest = thread;
                break;
            }
        }
    }
    return oldest;
}

// What `cpu` runs next, taken off its queue: of the threads that may run on it, the one
// that has waited longest (its own queue's front, or one it steals; its own on a tie). So
// all CPUs share one first-come order, as far as affinity lets them: a thread queued
// behind a busy CPU does not wait while another CPU turns over its own (with a margin of a
// time slice for locality, three threads on two CPUs got 50/50/100 shares).
// Null when nothing waits for it.
Thread* take_next_locked(SchedulerState& state, const Cpu& cpu)
{
    ThreadQueue& own = state.run_queues[cpu.index];
    Thread* mine = own.front();
    Thread* other = stealable_locked(state, cpu);
    Thread* next = other && (!mine || other->queued_ns < mine->queued_ns) ? other : mine;
    if (next)
        dequeue_locked(state, *next);
    return next;
}

// A blocked thread's deadline passed.
void wake_on_timeout(SchedulerState& state, TimerEvent& event, uint64_t)
{
    Thread& thread = lib::owner_of<&Thread::wake_timer>(event);
    leave_futex_queue_locked(state, thread);
    make_runnable_locked(state, thread, WakeReason::TimedOut);
}

// What a detached thread unmaps on its way out (its own stack), or nothing.
struct ExitUnmap {
    uintptr_t base;
    size_t size;
};

// The last steps of a thread, on its interrupt stack with interrupts off: unmap what it
// asked (it may be the stack it ran on), clear and wake clear_child_tid, switch away.
void finish_exit(void* argument)
{
    ExitUnmap unmap = *static_cast<const ExitUnmap*>(argument); // a copy: it may lie in the stack unmapped
    if (unmap.size)
        unmap_thread_stack(unmap.base, unmap.size);
    auto state = lock_state();
    Thread& self = current();
    self.state = ThreadState::Dead;
    state->threads.remove(&self);
    state->exited_cpu_ns += self.cpu_ns + (arch::monotonic_ns() - self.started_ns);
    if (self.clear_child_tid)
        futex_exit_clear_locked(*state, self.clear_child_tid);
    state->dead.push_back(&self);
    switch_away_locked(state);
    core::panic("a dead thread ran again");
}

} // namespace

LockedState lock_state() { return guarded_state().lock(); }

void idle_loop()
{
    Cpu& cpu = this_cpu();
    bool polled = false; // this idle period has begun its poll
    uint64_t poll_until = 0;
    for (;;) {
        arch::disable_interrupts();
        bool halt;
        {
            auto state = lock_state();
            state->halted_cpus &= ~(uint64_t(1) << cpu.index);
            expire_timers_locked(*state, arch::monotonic_ns());
            if (others_wait_locked(*state)) {
                switch_away_locked(state);
                polled = false;
                continue;
            }
            rearm_timer_locked(*state, current());
            halt = arch::lapic_ready();
            // With other CPUs, look again for a moment before halting: a thread woken by
            // one of them soon after (a hand-off, a reply) then starts here without an IPI
            // and a halt exit (the idea of Linux's haltpoll).
            if (halt && state->cpu_count > 1 && !polled) {
                polled = true;
                poll_until = arch::monotonic_ns() + kIdlePollNs;
            }
            if (halt && arch::monotonic_ns() < poll_until) {
                state.unlocked([] {
                    arch::enable_interrupts();
                    for (int i = 0; i < 64; ++i)
                        asm volatile("pause");
                    arch::disable_interrupts();
                });
                continue;
            }
            polled = false;
            if (halt) // make_runnable_locked wakes it with an IPI
                state->halted_cpus |= uint64_t(1) << cpu.index;
        }
        if (halt)
            asm volatile("sti; hlt" ::: "memory"); // sti's one-instruction shadow: no lost wake-up
        else
            asm volatile("sti; pause" ::: "memory"); // no timer: poll the deadlines
    }
}

void add_cpu_locked(SchedulerState& state, Cpu& cpu)
{
    cpu.index = unsigned(state.cpu_count);
    state.cpus[state.cpu_count++] = &cpu;
    state.usable_cpus |= cpu_bit(cpu.index);
}

unsigned this_cpu_index() { return this_cpu().index; }

void release_lock_after_first_switch() { guarded_state().raw_lock().unlock(arch::SpinLock::Token::InterruptsWereOn); }

Cpu& this_cpu()
{
    Cpu* cpu;
    asm volatile("mov %%gs:0, %0" : "=r"(cpu));
    return *cpu;
}

static_assert(offsetof(Cpu, self) == 0 && offsetof(Cpu, current) == 8);

void set_program_thread_pointer(uint64_t address)
{
    bool enabled = arch::interrupts_enabled();
    arch::disable_interrupts(); // the thread and its CPU's copy change together
    Thread& self = current();
    if (!self.kernel_thread_pointer)
        self.kernel_thread_pointer = arch::rdmsr(arch::kMsrFsBase); // still the kernel's
    self.program_thread_pointer = address;
    this_cpu().kernel_thread_pointer = self.kernel_thread_pointer;
    if (enabled)
        arch::enable_interrupts();
}

void init_boot_cpu()
{
    Thread& boot = boot_thread();
    boot.tid = 1;
    boot.wake_timer.fire = wake_on_timeout;
    boot.interrupt_stack = boot_interrupt_stack();
    static Thread idle;
    idle.tid = 0;
    idle.interrupt_stack = idle_interrupt_stack();
    idle.saved_rsp
        = build_start_frame(reinterpret_cast<uintptr_t>(g_idle_stack + sizeof(g_idle_stack)), idle_entry, nullptr);
    unsigned a = 0, b = 0, c = 0, d = 0;
    __get_cpuid(1, &a, &b, &c, &d); // EBX[31:24]: the initial APIC ID, as the APIC reads it
    g_boot_cpu = { &g_boot_cpu, &boot, &idle, 0, 0, b >> 24, 0, 0, 0 };
    boot.cpu = &g_boot_cpu;
    arch::wrmsr(arch::kMsrGsBase, reinterpret_cast<uint64_t>(&g_boot_cpu));
    guarded_state().with([&](SchedulerState& state) {
        state.threads.push_back(&boot);
        add_cpu_locked(state, g_boot_cpu);
    });
}

bool stopped_by_exit_locked(const SchedulerState& state, const Thread& thread)
{
    return state.ending_thread && &thread != state.ending_thread && !thread.kernel_service && thread.tid != 0;
}

void stop_current_locked(LockedState& state)
{
    current().state = ThreadState::Stopped;
    switch_away_locked(state);
    core::panic("a stopped thread ran again");
}

void make_runnable_locked(SchedulerState& state, Thread& thread, WakeReason reason)
{
    cancel_timer_locked(state, thread.wake_timer);
    if (stopped_by_exit_locked(state, thread)) {
        thread.state = ThreadState::Stopped;
        return;
    }
    thread.state = ThreadState::Runnable;
    thread.wake_reason = reason;
    thread.interruptible = false;
    place_locked(state, thread);
}

void place_locked(SchedulerState& state, Thread& thread)
{
    Cpu& here = this_cpu();
    uint64_t allowed = thread.affinity & state.usable_cpus;
    if (!allowed) // cannot happen (set_affinity keeps one usable CPU); never lose a thread
        allowed = state.usable_cpus;
    unsigned last = thread.cpu ? thread.cpu->index : here.index;
    uint64_t halted = state.halted_cpus & allowed & ~cpu_bit(here.index);
    if (halted) { // it runs at once there
        unsigned index = (halted & cpu_bit(last)) ? last : unsigned(__builtin_ctzll(halted));
        state.halted_cpus &= ~cpu_bit(index);
        enqueue_locked(state, thread, index);
        arch::lapic_send_ipi(uint8_t(state.cpus[index]->apic_id), arch::kRescheduleVector);
    } else if (allowed & cpu_bit(here.index)) { // this CPU's time slice makes room for it
        enqueue_locked(state, thread, here.index);
        rearm_timer_locked(state, current());
        arm_busy_cpus_locked(state, allowed & ~cpu_bit(here.index));
    } else { // that CPU's slice makes room: interrupt it so that it arms one
        unsigned index = (allowed & cpu_bit(last)) ? last : unsigned(__builtin_ctzll(allowed));
        enqueue_locked(state, thread, index);
        arm_busy_cpus_locked(state, allowed);
    }
}

void arm_busy_cpus_locked(SchedulerState& state, uint64_t cpus)
{
    for (unsigned index = 0; index < state.cpu_count; ++index) {
        Cpu& cpu = *state.cpus[index];
        if (!(cpus & cpu_bit(index)) || &cpu == &this_cpu() || cpu.current == cpu.idle)
            continue;
        uint64_t slice_end = cpu.current->started_ns + kTimeSliceNs;
        if (!cpu.timer_armed_ns || cpu.timer_armed_ns > slice_end) // it would not turn over
            arch::lapic_send_ipi(uint8_t(cpu.apic_id), arch::kRescheduleVector);
    }
}

void requeue_current_locked(SchedulerState& state)
{
    Thread& self = current();
    if (may_run_on(self, this_cpu().index))
        enqueue_locked(state, self, this_cpu().index);
    else
        place_locked(state, self);
}

bool others_wait_locked(SchedulerState& state)
{
    return !state.run_queues[this_cpu().index].empty() || stealable_locked(state, this_cpu());
}

void switch_away_locked(LockedState& state)
{
    Thread& previous = current();
    Thread* next = take_next_locked(*state, this_cpu());
    if (!next)
        next = this_cpu().idle;
    if (next == &previous)
        return;
    previous.need_resched = false;
    uint64_t now = arch::monotonic_ns();
    if (&previous != this_cpu().idle)
        previous.cpu_ns += now - previous.started_ns;
    next->started_ns = now;
    rearm_timer_locked(*state, *next);
    check_kernel_stack(previous);
    // Blocking inside the kernel lets other threads' kernel code run meanwhile.
    bool in_kernel = previous.kernel_depth > 0;
    if (in_kernel)
        release_kernel_lock_for_switch();
    switch_to(previous, *next);
    if (in_kernel) // running again; the big lock comes first in the lock order
        state.unlocked([] { reacquire_kernel_lock(); });
}

WakeReason block_locked(LockedState& state, uint64_t deadline_ns, bool interruptible)
{
    Thread& self = current();
    if (interruptible && (self.pending_signals & ~self.signal_mask)) {
        leave_futex_queue_locked(*state, self);
        return WakeReason::Interrupted;
    }
    self.state = ThreadState::Blocked;
    self.interruptible = interruptible;
    self.wake_reason = WakeReason::Woken;
    if (deadline_ns)
        add_timer_locked(*state, self.wake_timer, deadline_ns);
    switch_away_locked(state);
    return self.wake_reason;
}

lib::Result<int> spawn(const ThreadStart& start)
{
    free_dead_threads();
    start_preemption();
    start_secondary_cpus();
    auto stack = TRY(allocate_kernel_stack());
    auto system_call_stack = allocate_system_call_stack();
    auto* thread = system_call_stack.is_error() ? nullptr : new Thread;
    if (!thread) {
        free_kernel_stack(stack);
        if (!system_call_stack.is_error())
            free_kernel_stack(system_call_stack.value());
        return lib::Error(lib::Errno::NOMEM, "no memory for a thread");
    }
    thread->interrupt_stack = stack;
    thread->system_call_stack = system_call_stack.value();
    thread->wake_timer.fire = wake_on_timeout;
    thread->fs_base = start.tls;
    thread->clear_child_tid = start.clear_child_tid;
    thread->process = current().process;
    thread->signal_mask = current().signal_mask; // clone(2): the new thread inherits the mask
    thread->affinity = current().affinity;       // and the CPU affinity
    thread->nice = current().nice;
    thread->scheduling = current().scheduling;
    if (thread->scheduling.reset_on_fork) { // sched(7): no real-time policy, no negative nice
        if (thread->scheduling.policy == 1 || thread->scheduling.policy == 2)
            thread->scheduling = {};
        thread->nice = thread->nice < 0 ? 0 : thread->nice;
        thread->scheduling.reset_on_fork = false;
    }
    thread->saved_rsp = build_start_frame(start.stack, start.fn, start.arg);
    auto state = lock_state();
    if (state->threads.size() >= kMaxThreads) {
        free_kernel_stack(stack);
        free_kernel_stack(thread->system_call_stack);
        delete thread;
        return lib::Error(lib::Errno::AGAIN, "too many threads");
    }
    thread->tid = ++state->last_tid;
    memcpy(thread->name, current().name, sizeof(thread->name)); // and the name (comm), locked
    if (start.parent_tid)
        *start.parent_tid = thread->tid;
    if (start.child_tid)
        *start.child_tid = thread->tid;
    state->threads.push_back(thread);
    make_runnable_locked(*state, *thread, WakeReason::Woken);
    rearm_timer_locked(*state, current());
    return thread->tid;
}

void exit_thread(int status) { exit_thread_unmapping(0, 0, status); }

void exit_thread_unmapping(uintptr_t base, size_t size, int status)
{
    if (thread_count() <= 1)
        core::vm_exit(status & 0xff); // the last thread: the program's exit
    Thread& self = current();
    futex_exit_robust_list(self);
    ExitUnmap unmap { base, size };
    arch::disable_interrupts(); // the interrupt stack becomes the exit stack
    sched_run_on_stack(self.interrupt_stack.top, finish_exit, &unmap);
}

lib::Result<void> prepare_system_call_stack()
{
    Thread& self = current();
    if (self.system_call_stack.mapping)
        return {};
    self.system_call_stack = TRY(allocate_system_call_stack());
    bool were_on = arch::interrupts_enabled();
    arch::disable_interrupts(); // the field is this CPU's as long as the thread runs here
    this_cpu().system_call_stack_top = self.system_call_stack.top;
    if (were_on)
        arch::enable_interrupts();
    return {};
}

void stop_other_program_threads()
{
    auto state = lock_state();
    Thread& self = current();
    if (state->ending_thread && state->ending_thread != &self)
        stop_current_locked(state); // another thread is ending the program: its status stands
    state->ending_thread = &self;
    for (ThreadQueue& queue : state->run_queues) {
        for (Thread* queued = queue.front(); queued;) {
            Thread* next = queue.next(queued);
            if (stopped_by_exit_locked(*state, *queued)) {
                dequeue_locked(*state, *queued);
                queued->state = ThreadState::Stopped;
            }
            queued = next;
        }
    }
    for (size_t index = 0; index < state->cpu_count; ++index) {
        Cpu* cpu = state->cpus[index];
        Thread* running = cpu->current;
        if (cpu == &this_cpu() || !running || !stopped_by_exit_locked(*state, *running))
            continue;
        running->need_resched = true; // stops when it leaves the kernel, if it is in it
        arch::lapic_send_ipi(uint8_t(cpu->apic_id), arch::kRescheduleVector);
    }
}

void yield()
{
    auto state = lock_state();
    if (stopped_by_exit_locked(*state, current()))
        stop_current_locked(state);
    if (!others_wait_locked(*state))
        return;
    requeue_current_locked(*state);
    switch_away_locked(state);
}

void leave_kernel_slow()
{
    auto state = lock_state();
    Thread& self = current();
    if (!self.need_resched)
        return;
    self.need_resched = false;
    if (stopped_by_exit_locked(*state, self))
        stop_current_locked(state);
    if (!others_wait_locked(*state) && may_run_on(self, this_cpu().index))
        return;
    requeue_current_locked(*state);
    switch_away_locked(state);
}

lib::Result<void> set_affinity(int tid, uint64_t mask)
{
    start_preemption(); // as spawn does: the other CPUs start only with the APIC up
    start_secondary_cpus();
    wait_for_secondary_cpus();
    auto state = lock_state();
    if (!(mask & state->usable_cpus))
        return lib::Error(lib::Errno::INVAL, "the mask has no CPU that is online");
    Thread* thread = tid ? find_thread_locked(*state, tid) : &current();
    if (!thread || thread->kernel_service)
        return lib::Error(lib::Errno::SRCH, "no such thread");
    thread->affinity = mask;
    if (thread == &current()) {
        if (stopped_by_exit_locked(*state, *thread))
            stop_current_locked(state);               // another thread is ending the program
        if (!may_run_on(*thread, this_cpu().index)) { // move now: the call returns there
            place_locked(*state, *thread);
            switch_away_locked(state);
        }
    } else if (thread->state == ThreadState::Runnable && thread->queue_node.linked()) {
        if (!may_run_on(*thread, thread->queued_cpu)) { // waiting in a queue it may not use
            dequeue_locked(*state, *thread);
            place_locked(*state, *thread);
        }
    } else if (thread->state == ThreadState::Runnable && is_running(*thread)
        && !may_run_on(*thread, thread->cpu->index)) {
        thread->need_resched = true; // moves as it leaves the kernel, if it is in it
        arch::lapic_send_ipi(uint8_t(thread->cpu->apic_id), arch::kRescheduleVector);
    }
    return {};
}

namespace {
// The VM's processors (ACPI), started or not. May read the ACPI tables: call it unlocked.
uint64_t processor_mask()
{
    size_t count = processor_count();
    return count >= 64 ? ~uint64_t(0) : cpu_bit(unsigned(count)) - 1;
}
} // namespace

lib::Result<ThreadReport> thread_report(int tid)
{
    uint64_t processors = processor_mask();
    auto state = lock_state();
    Thread* thread = tid ? find_thread_locked(*state, tid) : &current();
    if (!thread || thread->kernel_service)
        return lib::Error(lib::Errno::SRCH, "no such thread");
    ThreadReport report {};
    memcpy(report.name, thread->name, sizeof(report.name));
    report.running = is_running(*thread);
    report.cpu_ns = thread_cpu_locked(*thread, arch::monotonic_ns());
    report.affinity = thread->affinity & processors;
    report.nice = thread->nice;
    report.blocked = thread->state == ThreadState::Blocked;
    return report;
}

lib::Result<void> set_thread_name(int tid, std::string_view name)
{
    char copy[sizeof(Thread::name)] = {}; // read before the lock: it may be program memory
    memcpy(copy, name.data(), name.size() < sizeof(copy) - 1 ? name.size() : sizeof(copy) - 1);
    auto state = lock_state();
    Thread* thread = tid ? find_thread_locked(*state, tid) : &current();
    if (!thread || thread->kernel_service)
        return lib::Error(lib::Errno::SRCH, "no such thread");
    memcpy(thread->name, copy, sizeof(copy));
    return {};
}

lib::Result<uint64_t> affinity(int tid)
{
    uint64_t processors = processor_mask();
    auto state = lock_state();
    Thread* thread = tid ? find_thread_locked(*state, tid) : &current();
    if (!thread || thread->kernel_service)
        return lib::Error(lib::Errno::SRCH, "no such thread");
    return thread->affinity & processors;
}

WakeReason sleep_until(uint64_t deadline_ns, bool interruptible)
{
    if (deadline_ns)
        (void)start_timer();
    auto state = lock_state();
    return block_locked(state, deadline_ns, interruptible);
}

uint64_t thread_cpu_locked(const Thread& thread, uint64_t now_ns)
{
    return thread.cpu_ns + (is_running(thread) && now_ns > thread.started_ns ? now_ns - thread.started_ns : 0);
}

uint64_t process_cpu_locked(SchedulerState& state, uint64_t now_ns)
{
    uint64_t total = state.exited_cpu_ns;
    for (Thread* thread = state.threads.front(); thread; thread = state.threads.next(thread))
        total += thread_cpu_locked(*thread, now_ns);
    return total;
}

uint64_t thread_cpu_ns()
{
    auto state = lock_state();
    return thread_cpu_locked(current(), arch::monotonic_ns());
}

uint64_t process_cpu_ns()
{
    auto state = lock_state();
    return process_cpu_locked(*state, arch::monotonic_ns());
}

namespace {
// Set once at boot (set_leave_program_threads), read-only afterwards.
constinit LeaveProgramThreads g_leave_program_threads = nullptr;
} // namespace

void set_leave_program_threads(LeaveProgramThreads leave) { g_leave_program_threads = leave; }

void become_kernel_service(const char* name)
{
    if (g_leave_program_threads)
        g_leave_program_threads();
    auto state = lock_state();
    Thread& self = current();
    self.kernel_service = true;
    self.signal_mask = ~uint64_t(0);
    self.affinity = ~uint64_t(0); // not the program's pinning, which it may have inherited
    ++state->kernel_services;
    size_t i = 0;
    for (; name[i] && i + 1 < sizeof(self.name); ++i)
        self.name[i] = name[i];
    self.name[i] = '\0';
}

// Set once at boot (set_end_kernel_libc_thread), read-only afterwards.
constinit EndKernelLibcThread g_end_kernel_libc_thread = nullptr;

void set_end_kernel_libc_thread(EndKernelLibcThread end) { g_end_kernel_libc_thread = end; }

void leave_kernel_libc_threads()
{
    if (g_leave_program_threads)
        g_leave_program_threads();
    Thread& self = current();
    self.clear_child_tid = nullptr; // musl's __thread_list_lock: not this thread's now
    self.left_kernel_libc = true;
}

void exit_kernel_libc_thread(int status)
{
    uintptr_t base = 0;
    size_t size = 0;
    if (thread_count() > 1 && g_end_kernel_libc_thread) // the last thread ends the VM instead
        g_end_kernel_libc_thread(&base, &size);
    exit_thread_unmapping(base, size, status);
}

size_t thread_count()
{
    return guarded_state().with([](SchedulerState& state) { return state.threads.size() - state.kernel_services; });
}

size_t thread_ids(int* out, size_t capacity)
{
    return guarded_state().with([&](SchedulerState& state) {
        size_t count = 0;
        for (Thread* thread = state.threads.front(); thread; thread = state.threads.next(thread)) {
            if (thread->state == ThreadState::Dead || thread->kernel_service)
                continue;
            if (count < capacity)
                out[count] = thread->tid;
            ++count;
        }
        return count;
    });
}

} // namespace sched

/// A new thread's first code (context_switch.S): the switch that started it holds the
/// scheduler lock; release it with interrupts on, as application code runs.
extern "C" void sched_thread_first_run() { sched::release_lock_after_first_switch(); }

/// fn returned: the thread exits with its value, as musl's __clone does.
extern "C" [[noreturn]] void sched_thread_return(int value)
{
    sched::KernelSection section;
    sched::exit_thread(value);
}
