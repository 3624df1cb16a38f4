// The `syscall` instruction (Intel SDM vol. 2B "SYSCALL", vol. 3A §5.8.8). Programs mostly
// reach the kernel by plain calls (glibc's ABI bound to kernel functions), but code that
// issues the instruction itself (Go's runtime, inline assembly in libraries, static
// binaries) must work too. Everything runs in ring 0, so the instruction does not change
// privilege: it jumps to system_call_entry (interrupt_entry.S) with interrupts off, which
// moves to the thread's system-call stack before touching memory (the program's red zone
// lies below its %rsp) and hands an InterruptFrame to the installed handler. The return
// is an iretq from that frame, so the handler may change any register, as a signal does.
#pragma once

#include <kernel/arch/x86_64/interrupt_frame.h>

#include <cstdint>

namespace arch {

/// InterruptFrame::vector of a frame made by the syscall instruction (no IDT vector).
constexpr uint64_t kSystemCallVector = 0x100;

/// Runs the system call in `frame` (number in rax, arguments in rdi rsi rdx r10 r8 r9)
/// and leaves the result in frame.rax. Entered with interrupts disabled.
using SystemCallHandler = void (*)(InterruptFrame& frame);

/// Installs the handler (once, at boot: the system-call layer sits above arch).
void set_system_call_handler(SystemCallHandler handler);

/// Enables the instruction on this CPU (EFER.SCE) and points it at system_call_entry.
/// Every CPU calls it once, the boot CPU from cpu_init, each AP as it starts.
void system_call_instruction_init();

} // namespace arch
