// Interrupt stacks of threads (not a public header). Every thread has its own, installed
// as the interrupt IST slot of the TSS while it runs (arch::set_interrupt_stack), so a
// preempted thread's interrupt frame stays where it is while other threads run.
#pragma once

#include <kernel/arch/x86_64/gdt.h>
#include <sched/thread.h>

#include <lib/result.h>

namespace sched {

/// A thread's interrupt stack (and an AP's other IST stacks) unless asked otherwise.
constexpr size_t kKernelStackSize = 16384;

/// A new interrupt stack: mapped, every page present (an IST stack must never fault) and a
/// canary at the bottom, above an inaccessible guard page. ENOMEM when it cannot be mapped.
lib::Result<KernelStack> allocate_kernel_stack(size_t size = kKernelStackSize);
void free_kernel_stack(const KernelStack& stack);

/// A system-call stack (Thread::system_call_stack): kSystemCallStackSize above a guard
/// page, demand-paged (a thread that never uses the syscall instruction costs no memory)
/// except its top kSystemCallStackPrefault bytes, which the entry writes with interrupts
/// off, where no page fault may happen. ENOMEM when it cannot be mapped.
constexpr size_t kSystemCallStackSize = 64 * 1024;
constexpr size_t kSystemCallStackPrefault = 8192;
lib::Result<KernelStack> allocate_system_call_stack();
/// What arch knows of a stack (arch::set_interrupt_stack): its guard page, or for a stack
/// without one (CPU 0's idle thread's, static) its bottom.
arch::IstStackBounds interrupt_stack_bounds(const KernelStack& stack);
/// The boot thread's: the static interrupt IST stack of kernel/arch/x86_64/gdt.cpp.
KernelStack boot_interrupt_stack();
/// CPU 0's idle thread's: static storage.
KernelStack idle_interrupt_stack();
/// Panics if the thread's interrupt stack overflowed (its canary is gone).
void check_kernel_stack(const Thread& thread);
/// Frees the interrupt stacks of threads that have exited and deletes them. Call without
/// the scheduler lock, from a thread that is not Dead.
void free_dead_threads();
/// munmap of a detached thread's own stack, on its way out.
void unmap_thread_stack(uintptr_t base, size_t size);

} // namespace sched
