#include <kernel/core/vm_exit.h>

#include <kernel/arch/x86_64/io.h>
#include <kernel/console/serial.h>
#include <kernel/debug/backtrace.h>

#include <abi/console_port.h>
#include <abi/exit_port.h>

namespace core {

namespace {

enum class ExitKind { Status, Panic };

// How the exit is reported (include/abi/exit_port.h): the status line and the debug-exit
// port (QEMU), or the port alone (exit_report=port, the Osprey monitor). Set once by the
// boot options, before any other CPU runs.
struct ExitReport {
    bool status_line = true;
};

ExitReport& exit_report()
{
    static constinit ExitReport report;
    return report;
}

[[noreturn]] void report_and_stop(ExitKind kind, int status)
{
    if (exit_report().status_line) {
        static constinit console::Uart16550 status_uart(abi::kStatusUartPort);
        status_uart.init();
        char line[64];
        auto r = fmt::format_to_n(line, sizeof(line), "{}{} {}\n", abi::kStatusLinePrefix,
            kind == ExitKind::Status ? "status" : "panic", status);
        status_uart.write(line, r.size);
    }
    arch::outl(abi::kDebugExitPort, uint32_t(status) | (kind == ExitKind::Panic ? abi::kPanicFlag : 0));
    // Not under QEMU with isa-debug-exit (another VMM): nothing else can stop us.
    arch::halt_forever();
}

} // namespace

bool set_exit_report(std::string_view value)
{
    if (value != "uart" && value != "port")
        return false;
    exit_report().status_line = value == "uart";
    return true;
}

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

} // namespace core
