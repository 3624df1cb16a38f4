// osprey-monitor: boots the Osprey kernel ELF with an image on /dev/kvm (see options.h).
// Exit status: the guest's own (0..255, 112 kernel panic), else run_state.h's statuses.
#include "acpi_tables.h"
#include "boot_trace.h"
#include "console_port.h"
#include "exit_port.h"
#include "kernel_loader.h"
#include "kvm_vm.h"
#include "options.h"
#include "pvh_boot.h"
#include "console_feeder.h"
#include "serial.h"
#include "virtio_devices.h"
#include "kernel_cmdline.h"
#include "vm_runner.h"
#include "watchdog.h"
#include "net_poller.h"

#include <abi/boot_trace.h>
#include <abi/console_port.h>
#include <abi/exit_port.h>

#include <cstring>
#include <fcntl.h>
#include <iostream>
#include <optional>
#include <variant>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace {

using namespace monitor;

constexpr uint16_t kConsolePort = 0x3f8, kConsoleIrq = 4;

struct Failure {
    int status;
    std::string message;
};

/// Console bytes go to stdout, flushed at each newline so output is timely.
class ConsoleOut {
public:
    void put(uint8_t byte)
    {
        m_buffer.push_back(char(byte));
        if (byte == '\n' || m_buffer.size() >= 4096)
            flush();
    }
    /// A whole buffer (the console port): out at once, with what put() had gathered before.
    void write(std::span<const uint8_t> bytes)
    {
        m_buffer.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
        flush();
    }
    void flush()
    {
        for (size_t done = 0; done < m_buffer.size();) {
            ssize_t n = ::write(STDOUT_FILENO, m_buffer.data() + done, m_buffer.size() - done);
            if (n <= 0)
                break;
            done += size_t(n);
        }
        m_buffer.clear();
    }

private:
    std::string m_buffer;
};

std::string describe(const lib::Error& error) { return std::string(error.message) + " (" + strerror(int(error.code)) + ")"; }

/// A file mapped read-only and kept open (the loader maps its pages into guest RAM): only
/// the pages the loader touches are read (the kernel ELF carries ~20 MB of debug
/// information the guest never needs).
class MappedFile {
public:
    explicit MappedFile(const std::string& path)
    {
        m_fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
        struct stat st {};
        if (m_fd >= 0 && fstat(m_fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
            void* data = mmap(nullptr, size_t(st.st_size), PROT_READ, MAP_PRIVATE, m_fd, 0);
            if (data != MAP_FAILED)
                m_bytes = std::span(static_cast<const std::byte*>(data), size_t(st.st_size));
        }
    }
    MappedFile(const MappedFile&) = delete;
    ~MappedFile()
    {
        if (!m_bytes.empty())
            munmap(const_cast<std::byte*>(m_bytes.data()), m_bytes.size());
        if (m_fd >= 0)
            close(m_fd);
    }
    bool ok() const { return !m_bytes.empty(); }
    std::span<const std::byte> bytes() const { return m_bytes; }
    int fd() const { return m_fd; }

private:
    int m_fd = -1;
    std::span<const std::byte> m_bytes;
};

std::optional<Failure> load_guest(const Options& options, const std::string& cmdline, GuestMemory& memory,
    LoadedKernel& kernel, uint64_t& start_info)
{
    MappedFile file(options.kernel);
    if (!file.ok())
        return Failure { kExitBadInput, "kernel '" + options.kernel + "' not found, unreadable or empty" };
    auto loaded = load_kernel(file.bytes(), file.fd(), memory);
    if (loaded.is_error() && loaded.error().code != lib::Errno::NOEXEC)
        return Failure { kExitHostFailure, "cannot load kernel '" + options.kernel + "': " + describe(loaded.error()) };
    if (loaded.is_error())
        return Failure { kExitBadInput, "bad kernel '" + options.kernel + "': " + loaded.error().message };
    kernel = loaded.value();
    int fd = open(options.image.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat st {};
    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
        if (fd >= 0)
            close(fd);
        return Failure { kExitBadInput, "image '" + options.image + "' not found, not a file, or empty" };
    }
    BootModule image { image_address(memory.ram_size()), uint64_t(st.st_size) };
    if (auto mapped = memory.map_file_readonly(fd, image.address, image.size); mapped.is_error())
        return Failure { kExitHostFailure, "cannot map the image: " + describe(mapped.error()) };
    auto acpi = write_acpi_tables(memory, options.cpus);
    if (acpi.is_error())
        return Failure { kExitBadInput, std::string("cannot describe the CPUs: ") + acpi.error().message };
    auto info = write_boot_info(memory, { cmdline, std::span(&image, 1), acpi.value() });
    if (info.is_error())
        return Failure { kExitBadInput, std::string("cannot pass the command line: ") + info.error().message };
    start_info = info.value();
    return std::nullopt;
}

Failure kvm_failure(const lib::Error& error)
{
    if (error.code == lib::Errno::NOENT || error.code == lib::Errno::ACCES || error.code == lib::Errno::PERM
        || error.code == lib::Errno::NXIO || error.code == lib::Errno::NODEV)
        return { kExitBadInput, "/dev/kvm is not usable here (" + std::string(strerror(int(error.code)))
                     + "): use `osprey run --hypervisor qemu-tcg` (software emulation), or give this user access to /dev/kvm" };
    return { kExitHostFailure, "KVM: " + describe(error) };
}

struct Devices {
    ConsoleOut console;
    StatusText status;
    Serial16550 console_uart;
    Serial16550 status_uart;
    DebugExitPort exit_port;
    BootTracePort trace_port;
    ConsolePort console_port;
    IoBuses buses;
    VirtioDevices virtio;

    Devices(RunState& run, BootTrace& trace, const KvmVm& vm, const GuestMemory& memory, bool trace_boot)
        : console_uart([this](uint8_t b) { console.put(b); }, [&vm](bool level) { (void)vm.irq_line(kConsoleIrq, level); })
        , status_uart([this](uint8_t b) { status.append(b); })
        , exit_port(run, status)
        , trace_port(trace)
        , console_port(memory, [this](std::span<const uint8_t> bytes) { console.write(bytes); })
    {
        (void)buses.pio.add(kConsolePort, Serial16550::kRegisterCount, console_uart);
        (void)buses.pio.add(abi::kStatusUartPort, Serial16550::kRegisterCount, status_uart);
        (void)buses.pio.add(abi::kDebugExitPort, DebugExitPort::kSize, exit_port);
        if (trace_boot) // unattached, the port's writes are ignored like any free port's
            (void)buses.pio.add(abi::kBootTracePort, 1, trace_port);
        (void)buses.pio.add(abi::kConsolePort, ConsolePort::kSize, console_port);
    }
};

/// vCPUs 0..count-1; the BSP (0) at the PVH entry, the others waiting for INIT/SIPI.
lib::Result<std::vector<KvmVcpu>> create_vcpus(const KvmVm& vm, unsigned count, uint32_t entry, uint32_t start_info)
{
    std::vector<KvmVcpu> vcpus;
    for (unsigned id = 0; id < count; ++id)
        vcpus.push_back(TRY(KvmVcpu::create(vm, id)));
    TRY(vcpus[0].set_pvh_entry(entry, start_info));
    return vcpus;
}

/// Runs the VM to its end; returns the exit status (the guest's, or run_state.h's).
int run_vm(std::vector<KvmVcpu> vcpus, Devices& devices, RunState& run, BootTrace& trace, unsigned timeout_seconds)
{
    VmRunner runner(std::move(vcpus), devices.buses, run, trace);
    Watchdog watchdog(run, timeout_seconds);
    std::optional<NetPoller> net;
    if (devices.virtio.net().device)
        net.emplace(devices.virtio.net(), runner.device_lock(), run);
    std::optional<ConsoleFeeder> input;
    input.emplace(devices.console_uart, runner.device_lock(), run);
    runner.run();
    input.reset();
    net.reset();
    devices.console.flush();
    if (!run.message().empty())
        std::cerr << run.message() << std::endl;
    return run.status();
}

std::variant<int, Failure> boot(const Options& options, BootTrace& trace)
{
    auto vm = KvmVm::create();
    if (vm.is_error())
        return kvm_failure(vm.error());
    trace.record("KVM VM created");
    auto memory = GuestMemory::create(options.memory_bytes);
    if (memory.is_error())
        return Failure { kExitBadInput, std::string("--memory: ") + memory.error().message };
    RunState run;
    Devices devices(run, trace, vm.value(), memory.value(), options.trace_boot);
    const KvmVm& kvm = vm.value();
    auto pulse = [&kvm](uint32_t irq) { // an edge, as KVM's irqfd gives
        (void)kvm.irq_line(irq, true);
        (void)kvm.irq_line(irq, false);
    };
    if (auto error = devices.virtio.create(options, memory.value(), devices.buses.mmio, pulse); !error.empty())
        return Failure { kExitBadInput, error };
    std::vector<std::string> kernel_options = devices.virtio.kernel_options();
    kernel_options.push_back(kEscapedConsoleOption); // ConsoleFeeder passes stdin on, escaped
    // Output a buffer per VM exit, the exit status by the debug-exit port alone.
    kernel_options.push_back(abi::kConsoleOutputOption);
    kernel_options.push_back(abi::kExitReportOption);
    std::string cmdline = insert_kernel_options(options.cmdline, kernel_options);
    if (options.verbose)
        std::cerr << "osprey-monitor: kernel command line: " << cmdline << '\n';
    LoadedKernel kernel {};
    uint64_t start_info = 0;
    if (auto failed = load_guest(options, cmdline, memory.value(), kernel, start_info))
        return *failed;
    trace.record("kernel and image loaded");
    if (auto mapped = vm->map_memory(memory.value()); mapped.is_error())
        return kvm_failure(mapped.error());
    auto vcpus = create_vcpus(vm.value(), options.cpus, kernel.entry32, uint32_t(start_info));
    if (vcpus.is_error())
        return kvm_failure(vcpus.error());
    trace.record("KVM ready");
    return run_vm(vcpus.release_value(), devices, run, trace, options.timeout_seconds);
}

} // namespace

int main(int argc, char** argv)
{
    BootTrace trace;
    auto options = parse_options(std::vector<std::string>(argv + 1, argv + argc));
    if (options.is_error()) {
        std::cerr << "osprey-monitor: " << options.error().message << '\n' << kUsage;
        return kExitBadInput;
    }
    if (options->trace_boot)
        trace.want_counters();
    if (options->help) {
        std::cout << kUsage;
        return 0;
    }
    auto outcome = boot(options.value(), trace);
    if (options->trace_boot)
        trace.print(std::cerr);
    if (auto* failure = std::get_if<Failure>(&outcome)) {
        std::cerr << "osprey-monitor: " << failure->message << std::endl;
        return failure->status;
    }
    return std::get<int>(outcome);
}
