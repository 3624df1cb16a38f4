// System calls made with the syscall instruction (kernel/arch/x86_64/system_call_instruction.h):
// the same functions musl's calls reach (run_system_call), with the Linux register
// convention, on the thread's system-call stack. Linux's rules for the program: rcx and
// r11 come back as the return address and the flags, every other register but rax as it
// was, the red zone untouched; signals that became pending run on the way out, through
// frames pushed on the program's stack (as after an interrupt), and rt_sigreturn from a
// handler's restorer resumes the context the frame holds.
//
// A static binary's libc sets its own thread pointer (arch_prctl ARCH_SET_FS, sys::
// arch_prctl): the thread keeps it as program_thread_pointer, kernel code runs on the kernel's
// (loaded on entry, the program's given back on the way out; interrupts do the same,
// kernel/arch/x86_64/thread_pointer.h).
// clone(2) by instruction makes a thread of the program (clone_instruction.h); fork is
// ENOSYS, as through musl.
#include <kernel/arch/x86_64/io.h>
#include <kernel/arch/x86_64/spin_lock.h>
#include <kernel/arch/x86_64/system_call_instruction.h>
#include <kernel/syscall/clone_instruction.h>
#include <kernel/syscall/restart.h>
#include <kernel/syscall/signal_frame.h>
#include <kernel/syscall/syscall.h>
#include <kernel/syscall/syscall_util.h>
#include <kernel/syscall/system_call_numbers.h>
#include <sched/scheduler.h>

extern "C" [[noreturn]] void osprey_signal_return(sys::SignalContext* context);

namespace sys {

namespace {

void on_system_call_instruction(arch::InterruptFrame& frame)
{
    sched::Thread& self = sched::current();
    if (self.program_thread_pointer) // before any libc code: the kernel's libc uses %fs
        arch::wrmsr(arch::kMsrFsBase, self.kernel_thread_pointer);
    self.in_system_call_instruction = true;
    sched::InterruptedCall outer = self.interrupted_call; // a handler's own call, by instruction
    self.interrupted_call = {};
    long number = long(frame.rax);
    if (number == call::RtSigreturn) { // the restorer returned with %rsp at the frame's ucontext
        self.in_system_call_instruction = false;
        self.interrupted_call = outer;
        osprey_signal_return(reinterpret_cast<SignalContext*>(frame.rsp));
    }
    constexpr uint64_t kInterruptFlag = 0x200;
    if (frame.rflags & kInterruptFlag) // as the caller had them (off in a program before its first thread)
        arch::enable_interrupts();
    if (number == call::Clone)
        frame.rax = uint64_t(clone_by_instruction(frame));
    else
        frame.rax = uint64_t(run_system_call(number, long(frame.rdi), long(frame.rsi), long(frame.rdx), long(frame.r10),
            long(frame.r8), long(frame.r9), frame.rsp));
    // rcx and r11 go back as the instruction left them (the return address and the
    // flags), as Linux returns them: the frame holds both twice already. Once interrupts
    // are on (the call started preemption, say), the program runs with them on.
    if (arch::interrupts_enabled())
        frame.rflags |= kInterruptFlag;
    arch::disable_interrupts();
    self.in_system_call_instruction = false;
    if (long(frame.rax) == -long(lib::Errno::INTR)) { // it may start again (restart.h)
        InterruptedInstruction interrupted { number, restart_rule(number, long(frame.rsi), long(frame.r10)) };
        deliver_signals_on_frame(frame, &interrupted);
    } else {
        deliver_signals_on_frame(frame); // as after an interrupt: the program's stack takes the frames
    }
    self.interrupted_call = outer;
    if (self.program_thread_pointer)
        arch::wrmsr(arch::kMsrFsBase, self.program_thread_pointer);
}

} // namespace

void install_system_call_instruction() { arch::set_system_call_handler(on_system_call_instruction); }

} // namespace sys
