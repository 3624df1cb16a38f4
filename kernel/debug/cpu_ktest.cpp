#include <kernel/debug/cpu_ktest.h>

#include <kernel/arch/x86_64/idt.h>
#include <kernel/arch/x86_64/pvh.h>
#include <kernel/core/vm_exit.h>
#include <kernel/debug/report.h>
#include <kernel/debug/symbols.h>

// cpu_ktest_asm.S: loads known values into the red zone, general registers, SSE
// registers, MXCSR and DF, raises the interrupt `which` selects (0: int $0x40, 1: int3,
// 2: int $0xfe) and returns how many of those values changed.
extern "C" uint64_t ktest_interrupt_round_trip(uint64_t which);
extern "C" [[noreturn]] void ktest_fault_with_bad_frame_pointer();

namespace debug {

namespace {

constexpr uint64_t kUnmappedAddress = 0x00007fffdead0000; // lower half, beyond the boot map
constexpr uint64_t kNonCanonicalAddress = 0x8000000000000000;
constexpr uint8_t kBreakpointVector = 3;

int g_breakpoints;

[[gnu::noinline]] void ktest_page_fault() { *reinterpret_cast<volatile uint64_t*>(kUnmappedAddress) = 0x0bad; }
[[gnu::noinline]] void ktest_invalid_opcode() { asm volatile("ud2"); }
[[gnu::noinline]] void ktest_general_protection() { (void)*reinterpret_cast<volatile uint64_t*>(kNonCanonicalAddress); }
[[gnu::noinline]] void ktest_panic() { core::panic("ktest panic: deliberate, value {}", 42); }

arch::InterruptResult count_breakpoint(arch::InterruptFrame&)
{
    ++g_breakpoints;
    return arch::InterruptResult::Handled;
}

arch::InterruptResult faulting_breakpoint(arch::InterruptFrame&)
{
    ktest_page_fault();
    return arch::InterruptResult::Handled;
}

// An interrupt handler that recurses until its IST stack runs into the unmapped guard page
// below it: a page fault there, on the exception stack, and the report names the guard.
constexpr uint8_t kOverflowVector = 0xfe;

[[gnu::noinline]] uint64_t recurse_with_a_big_frame(uint64_t depth)
{
    volatile uint8_t frame[1024];
    frame[0] = uint8_t(depth);
    return depth > 1024 ? frame[0] : recurse_with_a_big_frame(depth + 1) + frame[0];
}

arch::InterruptResult overflowing_handler(arch::InterruptFrame&)
{
    (void)recurse_with_a_big_frame(0);
    return arch::InterruptResult::Handled;
}

[[noreturn]] void ktest_ist_overflow()
{
    arch::set_interrupt_handler(kOverflowVector, overflowing_handler);
    asm volatile("int %0" : : "i"(kOverflowVector));
    core::panic("ktest ist_overflow: the handler returned from 1 MiB of stack");
}

[[gnu::noinline]] void ktest_nested_fault()
{
    arch::set_interrupt_handler(kBreakpointVector, faulting_breakpoint);
    asm volatile("int3");
}

[[noreturn]] void ktest_interrupt()
{
    arch::set_interrupt_handler(kBreakpointVector, count_breakpoint);
    constexpr const char* kWhich[] = { "int $0x40 (unexpected)", "int3 (handled)", "int $0xfe (unexpected)" };
    for (uint64_t which = 0; which < 3; ++which) {
        if (uint64_t changed = ktest_interrupt_round_trip(which))
            core::panic("ktest interrupt: {} values changed across {}", changed, kWhich[which]);
    }
    arch::set_interrupt_handler(kBreakpointVector, nullptr);
    if (g_breakpoints != 1)
        core::panic("ktest interrupt: the int3 handler ran {} times, expected 1", g_breakpoints);
    report("ktest interrupt: ok");
    core::vm_exit(0);
}

// A stand-in for a loaded ELF object, as the linker will register one.
class FakeObject final : public SymbolSource {
public:
    static constexpr uintptr_t kBase = 0x0000555555554000, kFunction = kBase + 0x1000;
    constexpr FakeObject() : SymbolSource("libfake.so.1", kBase, kBase, kBase + 0x2000) { }
    bool find_function(uintptr_t address, const char*& name, uintptr_t& start) const override
    {
        if (address < kFunction || address >= kFunction + 0x100)
            return false;
        name = "fake_function";
        start = kFunction;
        return true;
    }
};

void expect_description(uintptr_t address, const char* expected)
{
    char text[160];
    size_t length = describe_address(address, AddressKind::Instruction, text, sizeof(text));
    if (std::string_view(text, length) != expected)
        core::panic(
            "ktest symbols: {:#x} is \"{}\", expected \"{}\"", address, std::string_view(text, length), expected);
}

[[noreturn]] void ktest_symbols()
{
    auto self = reinterpret_cast<uintptr_t>(&ktest_symbols);
    expect_description(self + 3, "debug::ktest_symbols+0x3");
    expect_description(0x00007fffdead0000, "?");
    static FakeObject object;
    register_symbol_source(object);
    expect_description(FakeObject::kFunction + 0x10, "fake_function+0x10 (libfake.so.1+0x1010)");
    expect_description(FakeObject::kBase + 0x1800, "libfake.so.1+0x1800");
    unregister_symbol_source(object);
    expect_description(FakeObject::kFunction + 0x10, "?");
    report("ktest symbols: ok");
    core::vm_exit(0);
}

// The raw command line, read through the boot identity map (first GiB only).
std::string_view early_cmdline(uint64_t start_info_paddr)
{
    constexpr uint64_t kBootMapped = 1ull << 30, kMaxLength = 4096;
    if (!start_info_paddr || start_info_paddr + sizeof(arch::PvhStartInfo) > kBootMapped)
        return {};
    auto* info = reinterpret_cast<const arch::PvhStartInfo*>(start_info_paddr);
    if (info->magic != arch::PvhStartInfo::kMagic || !info->cmdline_paddr
        || info->cmdline_paddr + kMaxLength > kBootMapped)
        return {};
    auto* text = reinterpret_cast<const char*>(info->cmdline_paddr);
    size_t length = 0;
    while (length < kMaxLength && text[length])
        ++length;
    return std::string_view(text, length);
}

} // namespace

bool run_cpu_ktest(std::string_view name)
{
    if (name == "fault")
        ktest_page_fault();
    else if (name == "ud2")
        ktest_invalid_opcode();
    else if (name == "gp")
        ktest_general_protection();
    else if (name == "nested")
        ktest_nested_fault();
    else if (name == "ist_overflow")
        ktest_ist_overflow();
    else if (name == "panic")
        ktest_panic();
    else if (name == "interrupt")
        ktest_interrupt();
    else if (name == "bad_rbp")
        ktest_fault_with_bad_frame_pointer();
    else if (name == "symbols")
        ktest_symbols();
    else
        return false;
    core::panic("ktest {}: the CPU did not raise the expected exception", name);
}

void run_early_cpu_ktest(uint64_t start_info_paddr)
{
    std::string_view line = early_cmdline(start_info_paddr);
    constexpr std::string_view kKey = "ktest=";
    while (!line.empty()) {
        size_t end = line.find(' ');
        std::string_view word = line.substr(0, end);
        if (word == "--")
            return; // the program's argv follows
        if (word.starts_with(kKey))
            run_cpu_ktest(word.substr(kKey.size())); // other tests: left to the boot options
        line = end == std::string_view::npos ? std::string_view() : line.substr(end + 1);
    }
}

} // namespace debug
