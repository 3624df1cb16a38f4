#include <kernel/arch/x86_64/system_call_instruction.h>

#include <kernel/arch/x86_64/gdt.h>
#include <kernel/arch/x86_64/io.h>
#include <kernel/core/vm_exit.h>

extern "C" void system_call_entry();

namespace arch {

namespace {

// SDM vol. 4, table 2-2 (architectural MSRs).
constexpr uint32_t kMsrEfer = 0xc0000080, kMsrStar = 0xc0000081, kMsrLstar = 0xc0000082, kMsrFmask = 0xc0000084;
constexpr uint64_t kEferSystemCallEnable = 1;
// Flags the instruction clears on entry, as Linux's: TF, IF, DF, IOPL, NT, AC.
constexpr uint64_t kFlagsMaskedOnEntry = 0x100 | 0x200 | 0x400 | 0x3000 | 0x4000 | 0x40000;

SystemCallHandler g_handler;

} // namespace

void set_system_call_handler(SystemCallHandler handler) { __atomic_store_n(&g_handler, handler, __ATOMIC_RELEASE); }

void system_call_instruction_init()
{
    wrmsr(kMsrEfer, rdmsr(kMsrEfer) | kEferSystemCallEnable);
    // STAR[47:32]: the selector the instruction loads into CS (and that + 8 into SS).
    wrmsr(kMsrStar, uint64_t(kKernelCodeSelector) << 32);
    wrmsr(kMsrLstar, reinterpret_cast<uint64_t>(system_call_entry));
    wrmsr(kMsrFmask, kFlagsMaskedOnEntry);
}

} // namespace arch

extern "C" void system_call_dispatch(arch::InterruptFrame* frame)
{
    auto handler = __atomic_load_n(&arch::g_handler, __ATOMIC_ACQUIRE);
    if (!handler)
        core::panic("a syscall instruction at {:#x} before system calls were set up", frame->rip);
    handler(*frame);
}
