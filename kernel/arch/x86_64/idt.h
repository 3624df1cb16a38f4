// The interrupt descriptor table: all 256 vectors, each an interrupt gate (interrupts stay
// disabled while a handler runs) that switches to an IST stack (gdt.h says why).
//
// Adding a device interrupt later:
//
//   arch::InterruptResult on_timer(arch::InterruptFrame& frame)
//   {
//       ...                      // runs on the IST stack, interrupts disabled
//       apic::end_of_interrupt(); // the handler owns the EOI
//       return arch::InterruptResult::Handled;
//   }
//   arch::set_interrupt_handler(kTimerVector, on_timer);
//
// Exceptions use the same hook: mm registers a page-fault handler that returns Handled when
// it populated the page and Unhandled for a real fault, which then gets the crash report.
#pragma once

#include <kernel/arch/x86_64/gdt.h>
#include <kernel/arch/x86_64/interrupt_frame.h>

#include <cstdint>
#include <string_view>

namespace arch {

enum class InterruptResult {
    Handled,   // resume the interrupted code (with any changes made to the frame)
    Unhandled, // exceptions: crash report and panic; other vectors: logged and ignored
};

/// Runs on an IST stack with interrupts disabled. Must not fault (a fault inside a handler
/// is reported as fatal) and must not use AVX registers (only the fxsave state is saved).
using InterruptHandler = InterruptResult (*)(InterruptFrame& frame);

constexpr uint8_t kFirstExternalVector = 32;

/// Builds the IDT and loads it on the boot CPU. Call once, after gdt_init().
void idt_init();
/// Loads the same IDT on an application processor.
void idt_load();

/// The IST stack `vector` runs on: its own for #DF, NMI and #MC; one for the other
/// exceptions (0-31); one for external interrupts (32-255).
IstSlot ist_slot_for(uint8_t vector);

/// Installs `handler` for `vector` (replacing any previous one; nullptr removes it).
/// Call with interrupts disabled or before the vector can fire.
void set_interrupt_handler(uint8_t vector, InterruptHandler handler);

/// The handler installed for `vector`, or nullptr.
InterruptHandler interrupt_handler(uint8_t vector);

/// The C++ side of every entry stub (called from interrupt_entry.S only).
extern "C" void interrupt_dispatch(InterruptFrame* frame);

/// Reports an exception nobody handled (kernel/core/cpu_exceptions.cpp) and stops the VM.
[[noreturn]] void report_fatal_exception(const InterruptFrame& frame);
/// The report for a program killed by a fault (a SIGSEGV death): `headline`, where the
/// fault happened (symbolized), the registers and the backtrace. Returns; the caller ends
/// the program.
void report_program_fault(const InterruptFrame& frame, std::string_view headline);
/// CR2: the linear address of the last page fault.
uint64_t read_cr2();

/// From now on a fault of the kernel's code in the program's service (a libc function or
/// system call given a bad pointer) kills the program (status 139 with a report) instead
/// of panicking the kernel; a fault inside an interrupt or exception handler still panics.
/// The ELF linker calls it when entering _start. Set once, read by the fault handlers.
void note_program_started();
bool program_started();
/// Whether a fault counts as the program's business: the program has started, the faulting
/// code was not an interrupt or exception handler (its stack is no IST stack and no
/// thread's interrupt stack), and the thread is one of the program's, not one the kernel
/// runs for itself (the network stack's, say). Otherwise it is the kernel's own bug: a panic.
bool in_program_context(const InterruptFrame& frame);
/// What the thread running now was doing when an exception came, as far as deciding whose
/// fault it is needs.
enum class RunningThread : uint8_t {
    KernelService,   // a thread the kernel runs for itself (the network stack's)
    ProgramInKernel, // the program's, in the kernel's own code: a system call, the linker
                     // (the big kernel lock held, other than by an exception handler)
    Program,         // the program's, in its own code or a libc function (user mode on Linux)
};
/// The scheduler installs it once at boot; before that, every thread counts as the
/// program's, in its own code.
using RunningThreadQuery = RunningThread (*)();
void set_running_thread_query(RunningThreadQuery query);
/// Whether the program's own code raised the exception: RIP in its half, or a jump of its
/// to an address that cannot hold code, which faults with RIP at the target (a fetch page
/// fault, or #GP for a non-canonical target on AMD and QEMU). For a call, the return
/// address on top of the stack names the caller. A ret or a jump leaves no trace of where
/// it was: it is the program's when its thread was not in the kernel's own code (on Linux,
/// it ran in user mode).
bool raised_by_program(const InterruptFrame& frame);

/// A CPU exception raised by program code, which Linux turns into a signal for the
/// faulting thread. The system-call layer installs the hook once at boot: it returns true
/// when the program has a handler for `signal` (then `frame` enters it through a signal
/// frame), false when the signal must end the program.
using ProgramSignalHook = bool (*)(InterruptFrame& frame, int signal, int code, uint64_t address);
void set_program_signal_hook(ProgramSignalHook hook);
/// For exception handlers: gives the program's handler the fault; false if there is none.
bool deliver_program_signal(InterruptFrame& frame, int signal, int code, uint64_t address);
/// Installs the handlers that turn #DE, #BP, #OF, #UD, #GP, #MF, #AC and #XM in program
/// code into SIGFPE, SIGTRAP, SIGSEGV, SIGILL, SIGBUS (a handler, or the program ends with
/// the report and 128 + signal, as Linux ends it). In kernel code they stay kernel panics.
void program_exceptions_init();

/// Logs an interrupt vector nobody handled (kernel/core/cpu_exceptions.cpp).
void report_unexpected_interrupt(const InterruptFrame& frame);

} // namespace arch
