// The thread pointer (%fs base) kernel code runs on. The kernel's libc (musl) and its
// allocator reach their per-thread data through %fs, and a dynamically linked program
// shares that thread pointer with the kernel (the linker lays its TLS around musl's). A
// static binary's own libc sets its own with arch_prctl(ARCH_SET_FS): then kernel code
// entered from that program's code (the syscall instruction, an interrupt or exception)
// loads the kernel's first and gives the program's back on the way out.
//
// sched keeps, per CPU, the running thread's kernel thread pointer when its program has
// its own, and 0 otherwise (sched::Cpu::kernel_thread_pointer, at this %gs offset), so a
// program that never sets one pays a load and a compare per interrupt.
#pragma once

#include <kernel/arch/x86_64/io.h>

#include <cstddef>
#include <cstdint>

namespace arch {

constexpr size_t kCpuKernelThreadPointerOffset = 56;

/// The running thread's kernel thread pointer if its program has its own, else 0.
inline uint64_t kernel_thread_pointer_to_restore()
{
    uint64_t value;
    asm volatile("movq %%gs:%c1, %0" : "=r"(value) : "i"(kCpuKernelThreadPointerOffset));
    return value;
}

/// On entry from code that may be the program's: loads the kernel's thread pointer if
/// %fs holds the program's. Returns the program's, to give back on the way out (0: none).
inline uint64_t enter_kernel_thread_pointer()
{
    uint64_t kernel = kernel_thread_pointer_to_restore();
    if (!kernel)
        return 0;
    uint64_t interrupted = rdmsr(kMsrFsBase);
    if (interrupted == kernel)
        return 0; // kernel code was interrupted
    wrmsr(kMsrFsBase, kernel);
    return interrupted;
}

/// The way out of what enter_kernel_thread_pointer entered.
inline void leave_kernel_thread_pointer(uint64_t program)
{
    if (program)
        wrmsr(kMsrFsBase, program);
}

} // namespace arch
