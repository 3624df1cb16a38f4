// Signal frames pushed onto the program's stack (signal_frame.h), and their return.
#include <kernel/syscall/signal_frame.h>

#include <kernel/arch/x86_64/idt.h>
#include <kernel/arch/x86_64/io.h>
#include <kernel/core/vm_exit.h>
#include <kernel/console/log.h>
#include <kernel/syscall/syscall_util.h>
#include <mm/address_space.h>
#include <sched/scheduler.h>

#include <cstring>

extern "C" [[noreturn]] void osprey_restore_context(const uint64_t* gregs, const void* fpregs);

namespace sys {

namespace {

constexpr uint64_t kRedZone = 128;
// RFLAGS bits a context may set (SDM vol. 1 §3.4.3): CF PF AF ZF SF TF DF OF AC, and IF.
constexpr uint64_t kSettableFlags = 0x1 | 0x4 | 0x10 | 0x40 | 0x80 | 0x100 | 0x400 | 0x800 | 0x40000 | 0x200;
constexpr uint64_t kDirectionFlag = 0x400;

void save_registers(const arch::InterruptFrame& frame, SignalContext& context)
{
    const uint64_t values[] = { frame.r8, frame.r9, frame.r10, frame.r11, frame.r12, frame.r13, frame.r14, frame.r15,
        frame.rdi, frame.rsi, frame.rbp, frame.rbx, frame.rdx, frame.rax, frame.rcx, frame.rsp, frame.rip, frame.rflags,
        frame.cs, frame.error_code, frame.vector, 0, frame.vector == 14 ? arch::read_cr2() : 0 };
    static_assert(sizeof(values) / sizeof(values[0]) == 23);
    memcpy(context.gregs, values, sizeof(values));
    memcpy(context.fpregs_mem, frame.fxsave, sizeof(context.fpregs_mem));
    context.fpregs = context.fpregs_mem;
}

bool on_altstack(const sched::Thread& thread, uint64_t rsp)
{
    return thread.altstack_base && rsp > thread.altstack_base && rsp <= thread.altstack_base + thread.altstack_size;
}

// stack_t (<signal.h>, x86-64).
struct StackDescription {
    void* ss_sp;
    int32_t ss_flags;
    uint32_t pad;
    uint64_t ss_size;
};
static_assert(sizeof(StackDescription) == 24);

[[noreturn]] void terminate(const arch::InterruptFrame& frame, int signal)
{
    char headline[64];
    auto r = fmt::format_to_n(headline, sizeof(headline), "program killed by signal {}", signal);
    size_t length = r.size < sizeof(headline) ? r.size : sizeof(headline);
    arch::report_program_fault(frame, std::string_view(headline, length));
    core::vm_exit(128 + signal);
}

} // namespace

namespace {

// Decides an interrupted call's restart (restart.h) with the record so far; one that starts
// again goes back onto the syscall instruction (0f 05) with its number in rax, its
// arguments still in place, as Linux's does.
void decide_restart(arch::InterruptFrame& frame, InterruptedInstruction& call)
{
    call.decided = true;
    if (starts_again(call.rule, sched::current().interrupted_call)) {
        constexpr uint64_t kSyscallInstructionLength = 2;
        frame.rax = uint64_t(call.number);
        frame.rip -= kSyscallInstructionLength;
    }
}

} // namespace

void run_signal_on_frame(
    arch::InterruptFrame& frame, int signal, const KernelSiginfo& info, InterruptedInstruction* call)
{
    sched::KernelSectionInHandler section; // dispositions and the address space are kernel state
    abi::KernelSigaction action = action_for_delivery(signal);
    if (ignores(signal, action.handler))
        return;
    if (action.handler == abi::kSigDefault)
        terminate(frame, signal);
    if (call && !call->decided) { // this handler decides, before the frame saves the registers
        note_handler_for_restart(action.flags);
        decide_restart(frame, *call);
    }
    sched::Thread& self = sched::current();
    // SA_ONSTACK: the alternate stack, unless the thread already runs on it (a nested
    // signal), in which case the frame goes below, on it, as Linux does.
    bool use_altstack = (action.flags & kSaOnstack) && self.altstack_base && !on_altstack(self, frame.rsp);
    uint64_t top = use_altstack ? self.altstack_base + self.altstack_size : frame.rsp - kRedZone;
    uint64_t context_address = (top - sizeof(KernelSiginfo) - sizeof(SignalContext)) & ~uint64_t(15);
    uint64_t return_slot = context_address - 8;
    // Present before it is written: the fault path runs on the exception IST stack, where
    // a page fault of its own would land on the same stack.
    if ((!use_altstack && top > frame.rsp) || mm::prefault_writable(return_slot, top - return_slot).is_error()) {
        klog::warn(klog::Subsystem::Syscall, "no room on the stack for signal {}'s frame", signal);
        terminate(frame, abi::kSigsegv);
    }
    auto& context = *reinterpret_cast<SignalContext*>(context_address);
    auto& siginfo = *reinterpret_cast<KernelSiginfo*>(context_address + sizeof(SignalContext));
    memset(&context, 0, sizeof(context));
    save_registers(frame, context);
    int stack_flags = !self.altstack_base
        ? kSsDisable
        : (on_altstack(self, frame.rsp) ? kSsOnstack : 0) | (self.altstack_autodisarm ? kSsAutodisarm : 0);
    context.uc_stack = { reinterpret_cast<void*>(self.altstack_base), stack_flags, 0, self.altstack_size };
    if (use_altstack && self.altstack_autodisarm)
        self.altstack_base = 0, self.altstack_size = 0;
    uint64_t& mask = self.signal_mask;
    context.uc_sigmask = take_saved_mask(mask); // the handler's return restores it
    siginfo = info;
    mask |= action.mask & ~kUnblockable;
    if (!(action.flags & kSaNodefer))
        mask |= sched::signal_bit(signal);
    *reinterpret_cast<uint64_t*>(return_slot) = action.restorer; // musl always sets SA_RESTORER
    frame.rip = action.handler;
    frame.rdi = uint64_t(signal);
    frame.rsi = reinterpret_cast<uint64_t>(&siginfo);
    frame.rdx = reinterpret_cast<uint64_t>(&context);
    frame.rax = 0;
    frame.rsp = return_slot;
    frame.rflags &= ~kDirectionFlag; // psABI: DF clear at function entry
}

SysResult sigaltstack(const void* new_stack, void* old_stack, uint64_t current_rsp)
{
    sched::Thread& self = sched::current();
    bool on_it = on_altstack(self, current_rsp);
    if (old_stack) {
        TRY(check_user_range(old_stack, sizeof(StackDescription), UserAccess::Write));
        int flags = !self.altstack_base ? kSsDisable
                                        : (on_it ? kSsOnstack : 0) | (self.altstack_autodisarm ? kSsAutodisarm : 0);
        auto* out = static_cast<StackDescription*>(old_stack);
        *out = { reinterpret_cast<void*>(self.altstack_base), flags, 0, self.altstack_size };
    }
    if (!new_stack)
        return 0;
    TRY(check_user_range(new_stack, sizeof(StackDescription)));
    StackDescription wanted = *static_cast<const StackDescription*>(new_stack);
    if (on_it)
        return lib::Error(lib::Errno::PERM, "cannot change the alternate stack while on it");
    int mode = wanted.ss_flags & ~kSsAutodisarm;
    if (mode == kSsDisable) {
        self.altstack_base = 0, self.altstack_size = 0, self.altstack_autodisarm = false;
        return 0;
    }
    if (mode != 0 && mode != kSsOnstack) // Linux accepts SS_ONSTACK as 0
        return lib::Error(lib::Errno::INVAL, "bad ss_flags");
    constexpr uint64_t kMinSignalStack = 2048; // MINSIGSTKSZ
    if (wanted.ss_size < kMinSignalStack)
        return lib::Error(lib::Errno::NOMEM, "alternate stack smaller than MINSIGSTKSZ");
    self.altstack_base = reinterpret_cast<uintptr_t>(wanted.ss_sp);
    self.altstack_size = wanted.ss_size;
    self.altstack_autodisarm = wanted.ss_flags & kSsAutodisarm;
    return 0;
}

KernelSiginfo siginfo_of(int signal, const sched::SignalInfo& info)
{
    KernelSiginfo siginfo {};
    siginfo.si_signo = signal;
    siginfo.si_code = info.code;
    siginfo.kill.si_pid = info.sender;
    siginfo.kill.si_uid = info.extra;
    siginfo.kill.si_value = info.value;
    return siginfo;
}

bool deliver_fault_signal(arch::InterruptFrame& frame, int signal, int code, uint64_t address)
{
    if ((sched::current().signal_mask & sched::signal_bit(signal)) || !has_handler(signal))
        return false;
    KernelSiginfo info {};
    info.si_signo = signal, info.si_code = code, info.si_addr = address;
    run_signal_on_frame(frame, signal, info);
    return true;
}

void deliver_signals_on_frame(arch::InterruptFrame& frame) { deliver_signals_on_frame(frame, nullptr); }

void deliver_signals_on_frame(arch::InterruptFrame& frame, InterruptedInstruction* call)
{
    sched::Thread& self = sched::current();
    if (__atomic_load_n(&self.pending_signals, __ATOMIC_RELAXED) & ~self.signal_mask) {
        // One at a time: the handler's mask decides whether the next one may interrupt it,
        // and the next frame then goes below this one, as nested Linux frames do.
        sched::SignalInfo sent;
        while (int signal = sched::take_pending_signal(&sent))
            run_signal_on_frame(frame, signal, siginfo_of(signal, sent), call);
    }
    if (call && !call->decided)
        decide_restart(frame, *call); // no handler ran
    restore_saved_mask();             // if no frame took it
}

void resume_program_at(const arch::InterruptFrame& frame)
{
    SignalContext context;
    save_registers(frame, context);
    sched::Thread& self = sched::current();
    if (self.program_thread_pointer) // the last thing before the program
        arch::wrmsr(arch::kMsrFsBase, self.program_thread_pointer);
    osprey_restore_context(context.gregs, context.fpregs);
}

} // namespace sys

/// rt_sigreturn, as musl's __restore_rt (libc-shim/musl_syscall_asm.S) reaches it when a
/// handler returns: `context` is the SignalContext above the popped return address.
/// Restores the mask, then every register and the SSE state, and resumes there.
extern "C" [[noreturn]] void osprey_signal_return(sys::SignalContext* context)
{
    using namespace sys;
    sched::current().signal_mask = context->uc_sigmask & ~kUnblockable;
    // The alternate stack as the context says (SS_AUTODISARM disarmed it for the handler);
    // refused, as Linux refuses it, while the thread still runs on it.
    (void)sys::sigaltstack(&context->uc_stack, nullptr, reinterpret_cast<uint64_t>(context));
    uint64_t& flags = context->gregs[RegEfl];
    flags = (flags & kSettableFlags) | 0x2; // bit 1 is always set
    sched::Thread& self = sched::current();
    if (self.program_thread_pointer) // a static binary's own: the last thing before the program
        arch::wrmsr(arch::kMsrFsBase, self.program_thread_pointer);
    osprey_restore_context(context->gregs, context->fpregs);
}
