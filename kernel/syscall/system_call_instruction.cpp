// System calls made with the syscall instruction (kernel/arch/x86_64/system_call_instruction.h):
// the same functions musl's calls reach (run_system_call), with the Linux register
// convention, on the thread's system-call stack. Linux's rules for the program: rcx and
// r11 come back as the return address and the flags, every other register but rax as it
// was, the red zone untouched; signals that became pending run on the way out, through
// frames pushed on the program's stack (as after an interrupt), and rt_sigreturn from a
// handler's restorer resumes the context the frame holds.
//
// Partial: clone(2) by instruction (a thread that starts at the instruction's return with
// the caller's registers) is refused with ENOSYS, as fork is; Go's runtime creates its
// threads through pthread_create when it is linked with the C library (cgo), as Debian's
// Go programs are. So is code whose thread pointer is not the one the kernel gave the
// thread (a static binary's own libc): the kernel's libc runs on that thread pointer.
#include <kernel/arch/x86_64/spin_lock.h>
#include <kernel/arch/x86_64/system_call_instruction.h>
#include <kernel/syscall/signal_frame.h>
#include <kernel/syscall/syscall.h>
#include <sched/scheduler.h>

extern "C" [[noreturn]] void osprey_signal_return(sys::SignalContext* context);

namespace sys {

namespace {

constexpr long kRtSigreturn = 15;

void on_system_call_instruction(arch::InterruptFrame& frame)
{
    sched::Thread& self = sched::current();
    self.in_system_call_instruction = true;
    long number = long(frame.rax);
    if (number == kRtSigreturn) { // the restorer returned with %rsp at the frame's ucontext
        self.in_system_call_instruction = false;
        osprey_signal_return(reinterpret_cast<SignalContext*>(frame.rsp));
    }
    constexpr uint64_t kInterruptFlag = 0x200;
    if (frame.rflags & kInterruptFlag) // as the caller had them (off in a program before its first thread)
        arch::enable_interrupts();
    frame.rax = uint64_t(run_system_call(number, long(frame.rdi), long(frame.rsi), long(frame.rdx), long(frame.r10),
        long(frame.r8), long(frame.r9), frame.rsp));
    // rcx and r11 go back as the instruction left them (the return address and the
    // flags), as Linux returns them: the frame holds both twice already.
    arch::disable_interrupts();
    self.in_system_call_instruction = false;
    deliver_signals_on_frame(frame); // as after an interrupt: the program's stack takes the frames
}

} // namespace

void install_system_call_instruction() { arch::set_system_call_handler(on_system_call_instruction); }

} // namespace sys
