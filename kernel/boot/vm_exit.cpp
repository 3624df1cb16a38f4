#include <kernel/boot/vm_exit.h>

#include <kernel/arch/x86_64/io.h>
#include <kernel/console/serial.h>
#include <kernel/debug/backtrace.h>

#include <abi/exit_port.h>

namespace boot {

namespace {

enum class ExitKind { Status, Panic };

[[noreturn]] void report_and_stop(ExitKind kind, int status)
{
    static constinit console::Uart16550 status_uart(abi::kStatusUartPort);
    status_uart.init();
    char line[64];
    auto r = fmt::format_to_n(line, sizeof(line), "{}{} {}\n", abi::kStatusLinePrefix,
        kind == ExitKind::Status ? "status" : "panic", status);
    status_uart.write(line, r.size);
    arch::outl(abi::kDebugExitPort, uint32_t(status));
    // Not under QEMU with isa-debug-exit (another VMM): nothing else can stop us.
    arch::halt_forever();
}

} // namespace

void vm_exit(int status) { report_and_stop(ExitKind::Status, status & 0xff); }

void panic_message(const char* text, size_t length, PanicBacktrace backtrace)
{
    static constinit int panicking;
    bool first = __atomic_fetch_add(&panicking, 1, __ATOMIC_RELAXED) == 0;
    auto& uart = console::console_uart();
    uart.write("\nkernel panic: ", 15);
    uart.write(text, length);
    uart.write("\n", 1);
    if (first && backtrace == PanicBacktrace::Caller)
        debug::print_current_backtrace();
    report_and_stop(ExitKind::Panic, abi::kPanicStatus);
}

} // namespace boot
