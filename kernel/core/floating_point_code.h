// SIGFPE's si_code for a floating-point exception the program unmasked (#MF from the x87,
// #XM from SSE), found as Linux's fpu__exception_code finds it (arch/x86/kernel/fpu/core.c):
// the exception flags raised whose mask bit is clear, the first of invalid operation, divide
// by zero, overflow, underflow or denormal, and inexact. Header-only, host-tested
// (tests/host/floating_point_code_test.cpp).
#pragma once

#include <cstdint>

namespace arch {

/// asm-generic/siginfo.h's FPE_FLT* codes.
enum FloatingPointCode : int {
    kFpeNone = 0,
    kFpeDivideByZero = 3, // FPE_FLTDIV
    kFpeOverflow = 4,     // FPE_FLTOVF
    kFpeUnderflow = 5,    // FPE_FLTUND
    kFpeInexact = 6,      // FPE_FLTRES
    kFpeInvalid = 7,      // FPE_FLTINV
};

/// From the flags raised and not masked, in the x87's and MXCSR's common bit order (SDM vol.
/// 1 §8.1.3 and §10.2.3): 0 invalid, 1 denormal, 2 divide by zero, 3 overflow, 4
/// underflow, 5 precision.
constexpr int floating_point_code_of(uint32_t unmasked_raised)
{
    if (unmasked_raised & 0x01)
        return kFpeInvalid;
    if (unmasked_raised & 0x04)
        return kFpeDivideByZero;
    if (unmasked_raised & 0x08)
        return kFpeOverflow;
    if (unmasked_raised & 0x12)
        return kFpeUnderflow;
    if (unmasked_raised & 0x20)
        return kFpeInexact;
    return kFpeNone;
}

/// #MF: the x87 status word's flags against its control word's masks (same bit positions).
constexpr int floating_point_code(uint16_t x87_control, uint16_t x87_status)
{
    return floating_point_code_of(x87_status & ~x87_control);
}

/// #XM: MXCSR's flags (bits 0-5) against its masks (bits 7-12).
constexpr int floating_point_code(uint32_t mxcsr) { return floating_point_code_of(mxcsr & ~(mxcsr >> 7)); }

} // namespace arch
