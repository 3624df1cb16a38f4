// What the user sees when code crashes: the CPU exception report, and how a fault of the
// program becomes its signal (Linux's arch/x86/kernel/traps.c). Intel SDM vol. 3A §6.15
// describes each exception and its error code. The functions are the IDT's contract
// (namespace arch, declared in kernel/arch/x86_64/idt.h) but live here, in kernel/core,
// because a report needs what sits above arch: the console, the kernel's symbols and
// backtraces (kernel/debug), and the VM's exit.
//
//   ==== CPU exception: #PF page fault (vector 14) ====
//   write to 0x00007fffdead0000: page not present
//   at 0xffffffff8013697a debug::ktest_page_fault+0xa (kernel)
//     rip 0xffffffff8013697a  rsp 0xffffffff80114f78  rflags 0x0000000000000046 [PF ZF]
//     ... all general registers, then the backtrace, then "kernel panic: ..."
#include <kernel/arch/x86_64/gdt.h>
#include <kernel/arch/x86_64/idt.h>
#include <kernel/core/floating_point_code.h>
#include <kernel/core/vm_exit.h>
#include <kernel/console/log.h>
#include <kernel/debug/backtrace.h>
#include <kernel/debug/report.h>
#include <kernel/debug/safe_memory.h>
#include <kernel/debug/symbols.h>

namespace arch {

namespace {

struct ExceptionName {
    const char* mnemonic;
    const char* description;
};

constexpr ExceptionName kExceptionNames[32] = {
    { "#DE", "divide error" },
    { "#DB", "debug" },
    { "NMI", "non-maskable interrupt" },
    { "#BP", "breakpoint" },
    { "#OF", "overflow" },
    { "#BR", "bound range exceeded" },
    { "#UD", "invalid opcode" },
    { "#NM", "device not available" },
    { "#DF", "double fault" },
    { "#09", "coprocessor segment overrun" },
    { "#TS", "invalid TSS" },
    { "#NP", "segment not present" },
    { "#SS", "stack-segment fault" },
    { "#GP", "general protection fault" },
    { "#PF", "page fault" },
    { "#15", "reserved" },
    { "#MF", "x87 floating-point error" },
    { "#AC", "alignment check" },
    { "#MC", "machine check" },
    { "#XM", "SIMD floating-point exception" },
    { "#VE", "virtualization exception" },
    { "#CP", "control protection exception" },
    { "#22", "reserved" },
    { "#23", "reserved" },
    { "#24", "reserved" },
    { "#25", "reserved" },
    { "#26", "reserved" },
    { "#27", "reserved" },
    { "#HV", "hypervisor injection" },
    { "#VC", "VMM communication" },
    { "#SX", "security exception" },
    { "#31", "reserved" },
};

constexpr uint8_t kPageFaultVector = 14, kGeneralProtectionVector = 13, kDoubleFaultVector = 8;
constexpr uint64_t kLowerHalfEnd = 0x0000'8000'0000'0000, kUpperHalfStart = 0xffff'8000'0000'0000;

bool canonical(uint64_t address) { return address < kLowerHalfEnd || address >= kUpperHalfStart; }

// A call, jump or ret to an address that cannot hold code faults with RIP at its target:
// a fetch page fault, or #GP for a non-canonical target (AMD, and QEMU; Intel reports the
// jump itself). The stack is as the instruction left it: a call's return address on top.
bool faulted_at_jump_target(const InterruptFrame& frame)
{
    return (frame.vector == kPageFaultVector && (frame.error_code & (1 << 4)))
        || (frame.vector == kGeneralProtectionVector && !canonical(frame.rip));
}

// The length of the call instruction at `code` (x86-64, at most 8 bytes), or 0 when it is
// none: `call rel32` (E8), or `call r/m64` (FF /2, after an optional REX prefix) with its
// ModRM, SIB and displacement (SDM vol. 2A §2.1).
size_t call_length(const uint8_t* code, size_t available)
{
    if (available >= 5 && code[0] == 0xe8)
        return 5;
    size_t rex = available > 0 && (code[0] & 0xf0) == 0x40 ? 1 : 0;
    if (available < rex + 2 || code[rex] != 0xff || ((code[rex + 1] >> 3) & 7) != 2)
        return 0;
    uint8_t mod = code[rex + 1] >> 6, rm = code[rex + 1] & 7;
    size_t length = rex + 2;
    if (mod != 3 && rm == 4) { // a SIB byte; base 5 with mod 0 means a disp32 and no base
        if (available < length + 1)
            return 0;
        if (mod == 0 && (code[length] & 7) == 5)
            length += 4;
        length += 1;
    }
    if (mod == 1)
        length += 1;
    else if (mod == 2 || (mod == 0 && rm == 5)) // disp32, or RIP-relative disp32
        length += 4;
    return length;
}

// Whether `address` follows a call instruction, as a return address does: the 2 to 8 bytes
// before it decode as a call of just that length. A call through a PLT stub counts (the
// stub's own jump faulted). Data that happens to follow such bytes counts too: a
// heuristic, used only to tell a call from a ret or a jump.
bool follows_a_call(uint64_t address)
{
    // A function's first byte is no return address, whatever comes before it (the call to
    // a function that never returns, which may end the function before).
    if (auto symbol = debug::lookup_symbol(address); symbol && symbol->name && symbol->offset == 0)
        return false;
    constexpr size_t kLongestCall = 8;
    for (size_t length = 2; length <= kLongestCall; ++length) {
        if (address < length || !debug::is_readable(address - length, length))
            return false; // the shorter ones were readable, the longer cannot be
        auto* code = reinterpret_cast<const uint8_t*>(address - length);
        if (call_length(code, length) == length)
            return true;
    }
    return false;
}

uint64_t read_cr3()
{
    uint64_t value;
    asm volatile("mov %%cr3, %0" : "=r"(value));
    return value;
}

// Page-fault error code, SDM vol. 3A §4.7, figure 4-12.
void report_page_fault(uint64_t error, uint64_t address)
{
    const char* access = error & (1 << 4) ? "instruction fetch from" : error & (1 << 1) ? "write to" : "read from";
    const char* cause = error & 1 ? "protection violation (the page is present)" : "page not present";
    debug::report("{} {:#018x}: {}{}{}", access, address, cause, error & (1 << 3) ? ", reserved bit set" : "",
        error & (1 << 5) ? ", protection key" : "");
    if (address < 4096)
        debug::report("(address in page 0: probably a NULL pointer dereference)");
    if (uint8_t slot = ist_slot_containing(address); slot && address < ist_stack(IstSlot(slot)).bottom)
        debug::report("(the guard page below IST stack {}: that stack overflowed)", slot);
    char text[160];
    if (debug::lookup_symbol(address)) {
        size_t length = debug::describe_address(address, debug::AddressKind::Instruction, text, sizeof(text));
        debug::report("(the address is in {})", std::string_view(text, length));
    }
}

// Selector error code, SDM vol. 3A §6.13: which descriptor the fault was about, if any.
void report_selector_error(uint64_t error)
{
    if (error == 0) {
        debug::report("(error code 0: often a non-canonical address, i.e. a corrupt pointer)");
        return;
    }
    const char* table = error & 2 ? "IDT" : error & 4 ? "LDT" : "GDT";
    debug::report("about {} entry {:#x}{}", table, (error >> 3) & 0x1fff, error & 1 ? " (external event)" : "");
}

void report_location(const InterruptFrame& frame)
{
    char text[160];
    size_t length = debug::describe_address(frame.rip, debug::AddressKind::Instruction, text, sizeof(text));
    auto symbol = debug::lookup_symbol(frame.rip);
    const char* where = !symbol ? "unknown code" : symbol->module ? "application" : "kernel";
    debug::report("at {:#018x} {} ({})", frame.rip, std::string_view(text, length), where);
    uint64_t top;
    if (!faulted_at_jump_target(frame) || !debug::read_word(frame.rsp, top))
        return;
    if (follows_a_call(top)) {
        length = debug::describe_address(top, debug::AddressKind::ReturnAddress, text, sizeof(text));
        debug::report("called from {:#018x} {}", top, std::string_view(text, length));
    } else if (uint64_t popped; debug::read_word(frame.rsp - 8, popped) && popped == frame.rip) {
        debug::report("returned to by a ret (an overwritten return address?)");
    } else {
        debug::report("jumped to (a corrupt function pointer?)");
    }
}

void report_flags(uint64_t rflags, char* text, size_t size)
{
    constexpr struct {
        uint8_t bit;
        const char* name;
    } kFlags[] = { { 0, "CF" }, { 2, "PF" }, { 4, "AF" }, { 6, "ZF" }, { 7, "SF" }, { 8, "TF" }, { 9, "IF" },
        { 10, "DF" }, { 11, "OF" }, { 16, "RF" }, { 18, "AC" } };
    size_t used = 0;
    for (auto flag : kFlags) {
        if ((rflags >> flag.bit) & 1) {
            auto r = fmt::format_to_n(text + used, size - used, "{}{}", used ? " " : "", flag.name);
            used += r.size < size - used ? r.size : size - used;
        }
    }
    text[used < size ? used : size - 1] = '\0';
}

void report_registers(const InterruptFrame& f)
{
    char flags[48];
    report_flags(f.rflags, flags, sizeof(flags));
    debug::report("  rip {:#018x}  rsp {:#018x}  rflags {:#018x} [{}]", f.rip, f.rsp, f.rflags, flags);
    debug::report("  cs  {:#06x}  ss {:#06x}  error {:#x}  cr2 {:#018x}  cr3 {:#018x}  mxcsr {:#06x}", f.cs, f.ss,
        f.error_code, read_cr2(), read_cr3(), f.mxcsr());
    debug::report("  rax {:#018x}  rbx {:#018x}  rcx {:#018x}", f.rax, f.rbx, f.rcx);
    debug::report("  rdx {:#018x}  rsi {:#018x}  rdi {:#018x}", f.rdx, f.rsi, f.rdi);
    debug::report("  rbp {:#018x}  r8  {:#018x}  r9  {:#018x}", f.rbp, f.r8, f.r9);
    debug::report("  r10 {:#018x}  r11 {:#018x}  r12 {:#018x}", f.r10, f.r11, f.r12);
    debug::report("  r13 {:#018x}  r14 {:#018x}  r15 {:#018x}", f.r13, f.r14, f.r15);
}

void report_details(const InterruptFrame& frame)
{
    switch (frame.vector) {
    case kPageFaultVector: report_page_fault(frame.error_code, read_cr2()); break;
    case 10:
    case 11:
    case 12:
    case kGeneralProtectionVector: report_selector_error(frame.error_code); break;
    case kDoubleFaultVector: debug::report("(the saved rip of a double fault is unreliable; see the backtrace)"); break;
    default: break;
    }
}

// Each CPU exception that nobody handled comes here once; a fault while reporting comes
// here again (depth 2, reported more briefly); a third stops the VM with one fixed line.
constinit int g_report_depth;

[[noreturn]] void stop_after_report(const InterruptFrame& frame, const char* mnemonic, const char* description)
{
    char text[128];
    size_t length = debug::describe_address(frame.rip, debug::AddressKind::Instruction, text, sizeof(text));
    char message[256];
    auto r = fmt::format_to_n(message, sizeof(message), "unhandled CPU exception {} ({}) at {}", mnemonic, description,
        std::string_view(text, length));
    core::panic_message(
        message, r.size < sizeof(message) ? r.size : sizeof(message), core::PanicBacktrace::AlreadyReported);
}

} // namespace

void report_fatal_exception(const InterruptFrame& frame)
{
    int depth = __atomic_add_fetch(&g_report_depth, 1, __ATOMIC_RELAXED);
    if (depth > 2) {
        static constexpr char kLine[] = "fault while reporting a fault";
        core::panic_message(kLine, sizeof(kLine) - 1, core::PanicBacktrace::AlreadyReported);
    }
    auto vector = uint8_t(frame.vector);
    auto name = vector < 32 ? kExceptionNames[vector] : ExceptionName { "IRQ", "interrupt" };
    debug::report("");
    debug::report("==== CPU exception: {} {} (vector {}) ====", name.mnemonic, name.description, vector);
    if (depth > 1)
        debug::report("(raised while reporting an earlier exception)");
    if (uint8_t slot = ist_slot_containing(frame.rsp); slot == uint8_t(ist_slot_for(vector)))
        debug::report("(raised inside a handler on the same IST stack: that handler's frame is lost)");
    else if (slot != 0)
        debug::report("(raised inside an interrupt or exception handler)");
    for (uint8_t slot = 1; slot <= kIstSlotCount; ++slot) {
        if (!ist_stack_intact(IstSlot(slot)))
            debug::report("(IST stack {} overflowed: its canary is gone)", slot);
    }
    report_details(frame);
    report_location(frame);
    report_registers(frame);
    debug::print_backtrace(frame.rip, frame.rbp);
    stop_after_report(frame, name.mnemonic, name.description);
}

void report_program_fault(const InterruptFrame& frame, std::string_view headline)
{
    debug::report("");
    debug::report("==== {} ====", headline);
    report_location(frame);
    report_registers(frame);
    debug::print_backtrace(frame.rip, frame.rbp);
}

uint64_t read_cr2()
{
    uint64_t value;
    asm volatile("mov %%cr2, %0" : "=r"(value));
    return value;
}

namespace {

// Set once at boot (set_program_signal_hook, set_running_thread_query), read-only afterwards.
constinit ProgramSignalHook g_program_signal_hook = nullptr;
constinit RunningThreadQuery g_running_thread_query = nullptr;
// Set once, when the program's _start is entered (note_program_started).
constinit bool g_program_started = false;

// `int $0x80`, the i386 system-call gate. Osprey runs x86-64 programs only, as a Linux
// booted with ia32_emulation=false does, where the gate is absent and the instruction
// faults with #GP: SIGSEGV, not a silent return with %rax unchanged.
constexpr uint8_t kIa32SystemCallVector = 0x80;

struct ProgramSignal {
    int signal;
    int code; // si_code (asm-generic/siginfo.h)
};

// What Linux sends for each exception in user code (arch/x86/kernel/traps.c).
ProgramSignal signal_for(uint64_t vector)
{
    switch (vector) {
    case 0: return { 8, 1 };                         // #DE: SIGFPE, FPE_INTDIV
    case 3: return { 5, 1 };                         // #BP: SIGTRAP, TRAP_BRKPT
    case 4: return { 11, 0x80 };                     // #OF: SIGSEGV, SI_KERNEL
    case 6: return { 4, 2 };                         // #UD: SIGILL, ILL_ILLOPN
    case 13: return { 11, 0x80 };                    // #GP: SIGSEGV, SI_KERNEL (non-canonical address, ...)
    case 16: return { 8, 0 };                        // #MF: SIGFPE, si_code from the x87 state
    case 17: return { 7, 1 };                        // #AC: SIGBUS, BUS_ADRALN
    case 19: return { 8, 0 };                        // #XM: SIGFPE, si_code from MXCSR
    case kIa32SystemCallVector: return { 11, 0x80 }; // as #GP: SIGSEGV, SI_KERNEL
    }
    return { 0, 0 };
}

constexpr uint8_t kX87FloatingPointVector = 16, kSimdFloatingPointVector = 19;

InterruptResult on_program_exception(InterruptFrame& frame)
{
    auto [signal, code] = signal_for(frame.vector);
    if (frame.vector == kX87FloatingPointVector)
        code = floating_point_code(frame.x87_control_word(), frame.x87_status_word());
    else if (frame.vector == kSimdFloatingPointVector)
        code = floating_point_code(frame.mxcsr());
    if (!signal)
        return InterruptResult::Unhandled;
    bool program_code = raised_by_program(frame);
    // Kernel code once the program runs, outside a handler: a libc function or system
    // call working on what the program gave it (a non-canonical pointer: #GP; a zero
    // divisor: #DE), or the program's jump into kernel text (garbage: #UD). In a Linux
    // process the same happens in user-mode libc, or the jump faults at once: the program
    // dies of it. No handler runs: the kernel's state in the middle of it is lost.
    if (!program_code && !in_program_context(frame))
        return InterruptResult::Unhandled; // the kernel's own fault: the fatal report
    bool no_address = frame.vector == kGeneralProtectionVector || frame.vector == kIa32SystemCallVector;
    if (program_code && deliver_program_signal(frame, signal, code, no_address ? 0 : frame.rip))
        return InterruptResult::Handled;
    auto name = frame.vector == kIa32SystemCallVector
        ? ExceptionName { "int $0x80", "32-bit system call (only x86-64 programs run here)" }
        : kExceptionNames[frame.vector];
    char headline[224];
    auto r = fmt::format_to_n(headline, sizeof(headline), "program killed by signal {}: {} {}{}", signal, name.mnemonic,
        name.description,
        program_code ? ""
                     : " in the kernel, on the program's behalf "
                       "(a bad argument given to libc, or a jump into the kernel?)");
    report_program_fault(frame, std::string_view(headline, r.size < sizeof(headline) ? r.size : sizeof(headline)));
    core::vm_exit(128 + signal);
}

} // namespace

void set_program_signal_hook(ProgramSignalHook hook) { g_program_signal_hook = hook; }

void note_program_started() { __atomic_store_n(&g_program_started, true, __ATOMIC_RELEASE); }

bool program_started() { return __atomic_load_n(&g_program_started, __ATOMIC_ACQUIRE); }

void set_running_thread_query(RunningThreadQuery query) { g_running_thread_query = query; }

namespace {

RunningThread running_thread() { return g_running_thread_query ? g_running_thread_query() : RunningThread::Program; }

} // namespace

bool in_program_context(const InterruptFrame& frame)
{
    return program_started() && !ist_slot_containing(frame.rsp) && running_thread() != RunningThread::KernelService;
}

bool raised_by_program(const InterruptFrame& frame)
{
    if (frame.rip < kLowerHalfEnd)
        return true;
    if (!faulted_at_jump_target(frame) || ist_slot_containing(frame.rsp))
        return false;
    uint64_t top;
    if (debug::read_word(frame.rsp, top) && follows_a_call(top))
        return top < kLowerHalfEnd; // the caller's half
    // A ret (the word below the stack is the target it popped) or a jump: nothing says where
    // it was, and the word on top is the caller's data. A smashed return address in a
    // function of the program's, with a libc address above it, is the program's fault.
    return in_program_context(frame) && running_thread() == RunningThread::Program;
}

bool deliver_program_signal(InterruptFrame& frame, int signal, int code, uint64_t address)
{
    // The program's code run by the kernel while it holds the big kernel lock (an IFUNC
    // resolver during relocation): a handler that ran now would keep the lock for good if it
    // never returned (siglongjmp), and every other thread would wait for it. It ends the
    // program instead, with the report. NOT LINUX: there such code runs in user mode, and
    // its handler runs (test guest.dl_ifunc_fault).
    if (running_thread() == RunningThread::ProgramInKernel)
        return false;
    return g_program_signal_hook && g_program_signal_hook(frame, signal, code, address);
}

void program_exceptions_init()
{
    for (uint8_t vector : { 0, 3, 4, 6, 13, 16, 17, 19 })
        set_interrupt_handler(vector, on_program_exception);
    set_interrupt_handler(kIa32SystemCallVector, on_program_exception);
}

void report_unexpected_interrupt(const InterruptFrame& frame)
{
    // Logged on the 1st, 2nd, 4th, 8th... occurrence per vector, so a storm cannot drown
    // the console.
    static constinit uint32_t counts[256];
    uint32_t count = ++counts[uint8_t(frame.vector)];
    if ((count & (count - 1)) != 0)
        return;
    char text[128];
    size_t length = debug::describe_address(frame.rip, debug::AddressKind::Instruction, text, sizeof(text));
    klog::warn(klog::Subsystem::Cpu, "unexpected interrupt, vector {} (seen {} times), at {:#x} {}; ignored",
        frame.vector, count, frame.rip, std::string_view(text, length));
}

} // namespace arch
