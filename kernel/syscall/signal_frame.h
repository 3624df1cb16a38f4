// Signal frames (kernel/syscall and the boot glue that installs them): what a handler that
// interrupts the program sees, and how its return resumes the program. The layout is
// Linux's x86-64 rt_sigframe (arch/x86/include/asm/sigframe.h), below the interrupted
// stack pointer's red zone:
//
//   frame.rsp - 128 ...... the red zone, untouched
//   siginfo (128 bytes)
//   SignalContext (ucontext, with its fxsave image)   <- 16-byte aligned
//   return address: sa_restorer (musl's __restore_rt)  <- %rsp at the handler's entry
//
// The handler returns into __restore_rt, which calls osprey_signal_return(&context): the
// mask and every register (the handler may have changed them) come back from the context.
#pragma once

#include <kernel/arch/x86_64/interrupt_frame.h>
#include <abi/linux_abi.h>
#include <kernel/syscall/restart.h>
#include <kernel/syscall/syscall.h>
#include <sched/thread.h>

#include <cstddef>
#include <cstdint>

namespace sys {

namespace abi = linux_abi;

// siginfo_t as the kernel fills it (128 bytes; si_signo, si_errno, si_code, then the
// union: si_pid/si_uid for kill, si_addr for faults).
struct KernelSiginfo {
    int si_signo, si_errno, si_code, pad;
    union {
        struct {
            int si_pid, si_uid;
            uint64_t si_value;
        } kill; // also timers: si_tid, si_overrun
        uint64_t si_addr;
    };
    char rest[96];
};
static_assert(sizeof(KernelSiginfo) == 128);
static_assert(offsetof(KernelSiginfo, si_addr) == 16);

// ucontext_t as Linux builds it for a handler on x86-64 (the kernel's struct ucontext and
// glibc's <sys/ucontext.h> share this layout; the kernel's sigmask is 8 of glibc's 128
// bytes).
struct SignalContext {
    uint64_t uc_flags;
    SignalContext* uc_link;
    struct {
        void* sp;
        int32_t flags;
        uint32_t pad;
        uint64_t size;
    } uc_stack;
    uint64_t gregs[23]; // REG_R8 .. REG_CR2 (<sys/ucontext.h>)
    void* fpregs;       // the fxsave image, or null
    uint64_t reserved[8];
    uint64_t uc_sigmask; // the mask to restore when the handler returns
    uint64_t sigmask_rest[15];
    alignas(16) uint8_t fpregs_mem[512];
};
static_assert(offsetof(SignalContext, gregs) == 40);
static_assert(offsetof(SignalContext, fpregs) == 224);
static_assert(offsetof(SignalContext, uc_sigmask) == 296);
static_assert(offsetof(SignalContext, fpregs_mem) == 432);
static_assert(sizeof(SignalContext) % 16 == 0);

// <sys/ucontext.h> register indices.
enum Greg : int {
    RegR8,
    RegR9,
    RegR10,
    RegR11,
    RegR12,
    RegR13,
    RegR14,
    RegR15,
    RegRdi,
    RegRsi,
    RegRbp,
    RegRbx,
    RegRdx,
    RegRax,
    RegRcx,
    RegRsp,
    RegRip,
    RegEfl,
    RegCsgsfs,
    RegErr,
    RegTrapno,
    RegOldmask,
    RegCr2,
};

constexpr int kSiUser = 0, kSiKernel = 0x80, kSiTkill = -6;
// sigaction(2) flags (asm-generic/signal-defs.h, x86's SA_RESTORER).
constexpr uint64_t kSaSiginfo = 0x4, kSaRestorer = 0x04000000, kSaOnstack = 0x08000000, kSaRestart = 0x10000000,
                   kSaNodefer = 0x40000000, kSaResethand = 0x80000000;
// stack_t.ss_flags (sigaltstack(2)).
constexpr int kSsOnstack = 1, kSsDisable = 2, kSsAutodisarm = int(1u << 31);
constexpr uint64_t kUnblockable = (uint64_t(1) << (abi::kSigkill - 1)) | (uint64_t(1) << (abi::kSigstop - 1));

/// The siginfo of `signal` sent as `info` says.
KernelSiginfo siginfo_of(int signal, const sched::SignalInfo& info);

/// The disposition of `signal` for a delivery now (signal.cpp; SA_RESETHAND applied).
abi::KernelSigaction action_for_delivery(int signal);
/// Whether the program installed a handler for `signal` (not SIG_DFL, not SIG_IGN).
bool has_handler(int signal);
/// Whether `handler`, as the disposition of `signal`, ignores it (SIG_IGN, or SIG_DFL where
/// the default is to ignore).
bool ignores(int signal, uint64_t handler);

/// A system call made by the syscall instruction that ended with EINTR, on its way out:
/// the first signal delivered with a handler decides whether it starts again (restart.h),
/// as in Linux's handle_signal; when none does, the rule decides with no handler.
struct InterruptedInstruction {
    long number;
    RestartRule rule;
    bool decided = false;
};

/// Runs signal `signal` for the program interrupted at `frame`: its handler, through a
/// signal frame pushed on the interrupted stack (frame is changed to enter the handler),
/// or its default action (ignore, or end the program with a report and 128 + signal).
/// The caller has taken the signal off the pending set. A stack that cannot take the
/// frame ends the program with SIGSEGV, as Linux does.
void run_signal_on_frame(
    arch::InterruptFrame& frame, int signal, const KernelSiginfo& info, InterruptedInstruction* call = nullptr);

/// arch::ProgramSignalHook: a fault of the program's code (SIGSEGV, SIGBUS, SIGFPE,
/// SIGILL, SIGTRAP) for its handler. False (the program ends) when the thread blocks the
/// signal or has no handler for it, as Linux forces such a signal's default action.
bool deliver_fault_signal(arch::InterruptFrame& frame, int signal, int code, uint64_t address);

/// Enters the program at the registers `frame` holds (a thread made by clone through the
/// syscall instruction), on the thread's program thread pointer.
[[noreturn]] void resume_program_at(const arch::InterruptFrame& frame);

/// sigaltstack(2) of the calling thread. EPERM while running on it, EINVAL for bad flags,
/// ENOMEM for a stack below MINSIGSTKSZ (2,048 bytes).
SysResult sigaltstack(const void* new_stack, void* old_stack, uint64_t current_rsp);

/// Delivers the current thread's pending, unblocked signals to the program interrupted
/// at `frame` (the scheduler calls it before a preempted thread resumes; `call` is null
/// then). A call that starts again goes back onto its syscall instruction, its number in
/// rax, before the first frame saves the registers.
void deliver_signals_on_frame(arch::InterruptFrame& frame);
void deliver_signals_on_frame(arch::InterruptFrame& frame, InterruptedInstruction* call);

} // namespace sys
