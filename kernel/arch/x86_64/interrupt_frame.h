// What an interrupt or exception entry stub (interrupt_entry.S) leaves on the IST stack, as
// the C++ handlers see it. Lowest address first; the struct starts where %rdi points when
// the stub calls interrupt_dispatch.
//
//   +0     fxsave area (512 bytes, 16-byte aligned): the interrupted code's x87/MMX/SSE
//          state, restored by fxrstor64 before iretq
//   +512   r15 r14 r13 r12 r11 r10 r9 r8 rbp rdi rsi rdx rcx rbx rax   pushed by the stub
//   +632   vector, error code (0 when the CPU pushes none)                pushed by the stub
//   +648   rip cs rflags rsp ss                                            pushed by the CPU
//   +688   top of the IST stack (16-byte aligned: the CPU aligns it before pushing)
//
// A handler may change any field; the stub restores all of them, so the interrupted code
// resumes with the changed registers.
#pragma once

#include <cstddef>
#include <cstdint>

namespace arch {

struct InterruptFrame {
    alignas(16) uint8_t fxsave[512]; // Intel SDM vol. 1 §10.5.1, table 10-2 (64-bit format)
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector;
    uint64_t error_code;
    // SDM vol. 3A §6.14.2, figure 6-9: the 64-bit interrupt stack frame.
    uint64_t rip, cs, rflags, rsp, ss;

    /// The interrupted code's MXCSR (SSE control and status), from the fxsave area.
    uint16_t x87_control_word() const { return uint16_t(fxsave[0] | fxsave[1] << 8); }
    uint16_t x87_status_word() const { return uint16_t(fxsave[2] | fxsave[3] << 8); }
    uint32_t mxcsr() const
    {
        return uint32_t(fxsave[24]) | uint32_t(fxsave[25]) << 8 | uint32_t(fxsave[26]) << 16
            | uint32_t(fxsave[27]) << 24;
    }
};

// interrupt_entry.S depends on these offsets.
static_assert(sizeof(InterruptFrame) == 688);
static_assert(sizeof(InterruptFrame) % 16 == 0);
static_assert(offsetof(InterruptFrame, r15) == 512);
static_assert(offsetof(InterruptFrame, rbp) == 576);
static_assert(offsetof(InterruptFrame, rax) == 624);
static_assert(offsetof(InterruptFrame, vector) == 632);
static_assert(offsetof(InterruptFrame, error_code) == 640);
static_assert(offsetof(InterruptFrame, rip) == 648);
static_assert(offsetof(InterruptFrame, rsp) == 672);
static_assert(offsetof(InterruptFrame, ss) == 680);

} // namespace arch
