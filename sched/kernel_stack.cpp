#include "kernel_stack.h"

#include "scheduler_state.h"

#include <kernel/arch/x86_64/gdt.h>
#include <kernel/core/vm_exit.h>
#include <mm/address_space.h>
#include <mm/memory.h>

namespace sched {

namespace {

constexpr size_t kStackSize = kKernelStackSize;
constexpr uint64_t kCanary = arch::kStackCanary; // the IST stacks' own: arch checks it too

alignas(4096) constinit uint8_t g_idle_interrupt_stack[kStackSize];

KernelStack with_canary(KernelStack stack)
{
    *reinterpret_cast<uint64_t*>(stack.bottom) = kCanary;
    return stack;
}

} // namespace

namespace {

// `size` bytes of stack above a PROT_NONE guard page, its top `populated` bytes present.
lib::Result<KernelStack> map_stack(size_t size, size_t populated)
{
    size_t length = mm::kPageSize + size;
    auto mapping = TRY(mm::map_anonymous(0, length, mm::ProtRead | mm::ProtWrite, mm::Placement::Anywhere));
    if (auto guarded = mm::protect(mapping, mm::kPageSize, mm::ProtNone); guarded.is_error()) {
        (void)mm::unmap(mapping, length);
        return guarded.error();
    }
    KernelStack stack { mapping, mapping + mm::kPageSize, mapping + length, mapping };
    if (auto present = mm::prefault_writable(stack.top - populated, populated); present.is_error()) {
        (void)mm::unmap(mapping, length);
        return present.error();
    }
    return stack;
}

} // namespace

lib::Result<KernelStack> allocate_kernel_stack(size_t size) { return with_canary(TRY(map_stack(size, size))); }

lib::Result<KernelStack> allocate_system_call_stack()
{
    return map_stack(kSystemCallStackSize, kSystemCallStackPrefault);
}

void free_kernel_stack(const KernelStack& stack)
{
    if (stack.mapping)
        (void)mm::unmap(stack.mapping, stack.top - stack.mapping);
}

arch::IstStackBounds interrupt_stack_bounds(const KernelStack& stack)
{
    return { stack.guard ? stack.guard : stack.bottom, stack.bottom, stack.top };
}

KernelStack boot_interrupt_stack()
{
    auto bounds = arch::ist_stack(arch::IstSlot::Interrupt);
    return { 0, bounds.bottom, bounds.top, bounds.guard }; // gdt.cpp keeps its canary
}

KernelStack idle_interrupt_stack()
{
    auto bottom = reinterpret_cast<uintptr_t>(g_idle_interrupt_stack);
    return with_canary({ 0, bottom, bottom + kStackSize });
}

void check_kernel_stack(const Thread& thread)
{
    if (thread.interrupt_stack.mapping && *reinterpret_cast<const uint64_t*>(thread.interrupt_stack.bottom) != kCanary)
        core::panic("thread {}: its interrupt stack overflowed", thread.tid);
}

void free_dead_threads()
{
    for (;;) {
        Thread* thread = lock_state()->dead.pop_front();
        if (!thread)
            return;
        free_kernel_stack(thread->interrupt_stack);
        free_kernel_stack(thread->system_call_stack);
        if (thread->interrupt_stack.mapping) // the static boot thread is never deleted
            delete thread;
    }
}

void unmap_thread_stack(uintptr_t base, size_t size) { (void)mm::unmap(base, size); }

} // namespace sched
