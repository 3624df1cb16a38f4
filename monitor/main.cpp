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
#include "snapshot_file.h"
#include "snapshot_port.h"

#include <abi/boot_trace.h>
#include <abi/console_port.h>
#include <abi/exit_port.h>
#include <abi/snapshot_port.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <chrono>
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
            if (n < 0 && errno == EINTR) // a kick (SIGUSR1, no SA_RESTART) came meanwhile
                continue;
            if (n <= 0)
                break;
            done += size_t(n);
        }
        m_buffer.clear();
    }

private:
    std::string m_buffer;
};

std::string describe(const lib::Error& error)
{
    return std::string(error.message) + " (" + strerror(int(error.code)) + ")";
}

/// A file mapped read-only and kept open (the loader maps its pages into guest RAM): only
/// the pages the loader touches are read (the kernel ELF carries ~20 MB of debug
/// information the guest never needs).
class MappedFile {
public:
    explicit MappedFile(const std::string& path)
    {
        m_fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
        struct stat st { };
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

std::optional<Failure> load_guest(
    const Options& options, const std::string& cmdline, GuestMemory& memory, LoadedKernel& kernel, uint64_t& start_info)
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
    struct stat st { };
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
        return {
            kExitBadInput,
            "/dev/kvm is not usable here (" + std::string(strerror(int(error.code)))
                + "): use `osprey run --hypervisor qemu-tcg` (software emulation), or give this user access to /dev/kvm"
        };
    return { kExitHostFailure, "KVM: " + describe(error) };
}

/// How device models raise an interrupt: an edge on the irqchip line, as KVM's irqfd gives.
VirtioDevices::RaiseIrq irq_edge(const KvmVm& kvm)
{
    return [&kvm](uint32_t irq) {
        (void)kvm.irq_line(irq, true);
        (void)kvm.irq_line(irq, false);
    };
}

struct Devices {
    ConsoleOut console;
    StatusText status;
    Serial16550 console_uart;
    Serial16550 status_uart;
    DebugExitPort exit_port;
    BootTracePort trace_port;
    ConsolePort console_port;
    SnapshotPort snapshot_port;
    IoBuses buses;
    VirtioDevices virtio;

    Devices(RunState& run, BootTrace& trace, const KvmVm& vm, const GuestMemory& memory, bool trace_boot,
        std::optional<snapshot_abi::SnapshotPoint> snapshot_at)
        : console_uart(
            [this](uint8_t b) { console.put(b); }, [&vm](bool level) { (void)vm.irq_line(kConsoleIrq, level); }),
          status_uart([this](uint8_t b) { status.append(b); }), exit_port(run, status), trace_port(trace),
          console_port(memory, [this](std::span<const uint8_t> bytes) { console.write(bytes); }),
          snapshot_port(memory, snapshot_at)
    {
        (void)buses.pio.add(kConsolePort, Serial16550::kRegisterCount, console_uart);
        (void)buses.pio.add(abi::kStatusUartPort, Serial16550::kRegisterCount, status_uart);
        (void)buses.pio.add(abi::kDebugExitPort, DebugExitPort::kSize, exit_port);
        if (trace_boot) // unattached, the port's writes are ignored like any free port's
            (void)buses.pio.add(abi::kBootTracePort, 1, trace_port);
        (void)buses.pio.add(abi::kConsolePort, ConsolePort::kSize, console_port);
        (void)buses.pio.add(snapshot_abi::kSnapshotPort, SnapshotPort::kSize, snapshot_port);
    }

    /// The device models' state, for a snapshot (the ports keep none worth saving).
    std::vector<uint8_t> save() const
    {
        StateWriter out;
        console_uart.save(out);
        status_uart.save(out);
        virtio.save(out);
        return out.take();
    }
    lib::Result<void> restore(std::span<const uint8_t> state)
    {
        StateReader in(state);
        TRY(console_uart.restore(in));
        TRY(status_uart.restore(in));
        TRY(virtio.restore(in));
        if (!in.at_end())
            return lib::Error(lib::Errno::INVAL, "the snapshot's device state has bytes after its end");
        return {};
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

/// What a snapshot records of the host file `path`: its absolute path, size and mtime.
std::optional<SnapshotFileRef> file_ref(const std::string& path, bool read_only)
{
    char resolved[PATH_MAX];
    struct stat st { };
    if (!realpath(path.c_str(), resolved) || stat(resolved, &st) < 0)
        return std::nullopt;
    return SnapshotFileRef { resolved, uint64_t(st.st_size),
        int64_t(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec, read_only };
}

/// Writes the paused VM to options.snapshot_file (through a temporary file renamed over
/// it, so the file is whole or absent). The VM goes on either way.
snapshot_abi::SnapshotResult save_vm(const Options& options, const KvmVm& vm, const GuestMemory& memory,
    const Devices& devices, std::vector<std::vector<uint8_t>> vcpu_states, uint64_t request_gpa)
{
    auto failed = [&](const std::string& why) {
        std::cerr << "osprey-monitor: no snapshot written to '" << options.snapshot_file << "': " << why << std::endl;
        return snapshot_abi::SnapshotResult::Failed;
    };
    auto started = std::chrono::steady_clock::now();
    Snapshot snapshot;
    snapshot.ram_bytes = memory.ram_size();
    snapshot.cpus = options.cpus;
    snapshot.tsc_khz = vm.tsc_khz();
    snapshot.request_gpa = request_gpa;
    snapshot.rng = options.rng;
    auto image = file_ref(options.image, true);
    if (!image)
        return failed("the image '" + options.image + "' cannot be found any more");
    snapshot.image = *image;
    for (const Options::Disk& disk : options.disks) {
        auto ref = file_ref(disk.path, disk.read_only);
        if (!ref)
            return failed("the disk '" + disk.path + "' cannot be found any more");
        snapshot.disks.push_back(*ref);
    }
    if (const virtio::NetDevice* net = devices.virtio.net().device) {
        using Kind = SnapshotNetwork::Kind;
        snapshot.network = { options.net_user ? Kind::User : Kind::Tap, options.tap, net->mac(), options.published };
    }
    auto vm_state = vm.save_state();
    if (vm_state.is_error())
        return failed(describe(vm_state.error()));
    snapshot.vm = vm_state.release_value();
    snapshot.vcpus = std::move(vcpu_states);
    snapshot.devices = devices.save();
    std::string partial = options.snapshot_file + ".partial";
    int fd = open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return failed(std::string("cannot create '") + partial + "': " + strerror(errno));
    auto written = write_snapshot(fd, snapshot, memory);
    // On disk before the rename: a crash must not leave a whole-looking file with stale RAM.
    if (!written.is_error() && fdatasync(fd) < 0)
        written = lib::Error(lib::Errno(errno), "cannot write the snapshot file");
    if (close(fd) < 0 && !written.is_error())
        written = lib::Error(lib::Errno(errno), "cannot write the snapshot file");
    if (written.is_error() || rename(partial.c_str(), options.snapshot_file.c_str()) < 0) {
        unlink(partial.c_str());
        return failed(
            written.is_error() ? describe(written.error()) : std::string("cannot rename it: ") + strerror(errno));
    }
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    std::cerr << "osprey-monitor: saved the VM to '" << options.snapshot_file << "' (" << ms << " ms)" << std::endl;
    return snapshot_abi::SnapshotResult::Taken;
}

/// Runs the VM to its end; returns the exit status (the guest's, or run_state.h's).
/// `snapshots` is for a VM run with --snapshot-at (else empty).
int run_vm(std::vector<KvmVcpu> vcpus, Devices& devices, RunState& run, BootTrace& trace, unsigned timeout_seconds,
    VmSnapshots snapshots)
{
    VmRunner runner(std::move(vcpus), devices.buses, run, trace, std::move(snapshots));
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
    Devices devices(run, trace, vm.value(), memory.value(), options.trace_boot, options.snapshot_at);
    const KvmVm& kvm = vm.value();
    if (auto error = devices.virtio.create(options, memory.value(), devices.buses.mmio, irq_edge(kvm)); !error.empty())
        return Failure { kExitBadInput, error };
    std::vector<std::string> kernel_options = devices.virtio.kernel_options();
    kernel_options.push_back(kEscapedConsoleOption); // ConsoleFeeder passes stdin on, escaped
    // Output a buffer per VM exit, the exit status by the debug-exit port alone.
    kernel_options.push_back(abi::kConsoleOutputOption);
    kernel_options.push_back(abi::kExitReportOption);
    if (options.snapshot_at)
        kernel_options.push_back(*options.snapshot_at == snapshot_abi::SnapshotPoint::Main
                ? snapshot_abi::kSnapshotOptionMain
                : snapshot_abi::kSnapshotOptionReady);
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
    VmSnapshots snapshots;
    if (options.snapshot_at) {
        snapshots = { &devices.snapshot_port, &kvm, &memory.value(),
            [&](std::vector<std::vector<uint8_t>> states, uint64_t gpa) {
                return save_vm(options, kvm, memory.value(), devices, std::move(states), gpa);
            } };
    }
    int status = run_vm(vcpus.release_value(), devices, run, trace, options.timeout_seconds, std::move(snapshots));
    if (options.snapshot_at && !devices.snapshot_port.reached())
        std::cerr << "osprey-monitor: no snapshot was taken: the program never reached "
                  << (*options.snapshot_at == snapshot_abi::SnapshotPoint::Main
                             ? "main()"
                             : "its ready point (a write to /dev/osprey-ready)")
                  << std::endl;
    return status;
}

/// Closes a file descriptor at the end of a scope.
struct FdCloser {
    int fd;
    ~FdCloser()
    {
        if (fd >= 0)
            close(fd);
    }
};

/// Whether a host file the snapshot names is still as it was (size and mtime): the guest's
/// memory holds what it read from its image and disks (page cache, file system state), and
/// a file changed since (by the VM that took the snapshot going on, or by a VM restored
/// from it) would not match. Copy a writable disk with the snapshot to restore it again.
std::optional<Failure> check_file(const SnapshotFileRef& saved, bool is_image)
{
    auto now = file_ref(saved.path, saved.read_only);
    const char* what = is_image ? "image" : "disk";
    if (!now)
        return Failure { kExitBadInput, std::string("the snapshot's ") + what + " '" + saved.path + "' is gone" };
    if (now->size != saved.size || now->mtime_ns != saved.mtime_ns)
        return Failure { kExitBadInput,
            std::string("the snapshot's ") + what + " '" + saved.path
                + "' changed since the snapshot was taken (size or mtime): the guest would find it unlike "
                  "what it read; restore a copy of it as it was, or take a new snapshot" };
    return std::nullopt;
}

/// The snapshot's vCPUs, each created as at boot and given its saved state; at the saved
/// TSC frequency when this host's differs by more than 250 ppm (the guest's clocks assume it).
std::variant<std::vector<KvmVcpu>, Failure> restore_vcpus(const KvmVm& kvm, const Snapshot& snapshot)
{
    uint32_t khz = kvm.tsc_khz(), saved = snapshot.tsc_khz;
    bool rescale = saved && khz && (khz > saved ? khz - saved : saved - khz) * 4000ull > saved;
    std::vector<KvmVcpu> vcpus;
    for (uint32_t id = 0; id < snapshot.cpus; ++id) {
        auto vcpu = KvmVcpu::create(kvm, id);
        if (vcpu.is_error())
            return kvm_failure(vcpu.error());
        if (rescale) {
            if (auto set = vcpu->set_tsc_khz(saved); set.is_error())
                return Failure { kExitBadInput, "cannot restore here: " + describe(set.error()) };
        }
        if (auto restored = vcpu->restore_state(kvm, snapshot.vcpus[id]); restored.is_error())
            return Failure { kExitBadInput,
                "cannot restore vCPU " + std::to_string(id) + ": " + describe(restored.error()) };
        vcpus.push_back(vcpu.release_value());
    }
    return vcpus;
}

/// The network of a VM restored from `saved`: the same kind and MAC, on the tap or with
/// the published ports the restore's command line gives instead of the saved ones.
std::optional<Failure> restored_network(const Options& options, const SnapshotNetwork& saved, Options& machine)
{
    using Kind = SnapshotNetwork::Kind;
    if (!options.tap.empty() && saved.kind != Kind::Tap)
        return Failure { kExitBadInput, "--restore --net TAP: the snapshot's VM had no tap network" };
    if (!options.published.empty() && saved.kind != Kind::User)
        return Failure { kExitBadInput,
            "--restore --publish: the snapshot's VM had no user-mode network (--net-user)" };
    if (saved.kind == Kind::None)
        return std::nullopt;
    machine.mac = saved.mac;
    machine.net_user = saved.kind == Kind::User;
    machine.tap = saved.kind == Kind::Tap ? (options.tap.empty() ? saved.tap : options.tap) : "";
    // --no-publish comes without --publish (options.cpp): then none is published.
    machine.published = options.published.empty() && !options.no_publish ? saved.published : options.published;
    return std::nullopt;
}

/// `osprey-monitor --restore FILE`: a VM made from the snapshot, run to its end.
std::variant<int, Failure> restore(const Options& options, BootTrace& trace)
{
    FdCloser file { open(options.restore_file.c_str(), O_RDONLY | O_CLOEXEC) };
    if (file.fd < 0)
        return Failure { kExitBadInput,
            "snapshot '" + options.restore_file + "' cannot be opened: " + strerror(errno) };
    auto opened = read_snapshot(file.fd);
    if (opened.is_error())
        return Failure { kExitBadInput,
            "snapshot '" + options.restore_file + "' is unusable: " + describe(opened.error()) };
    const Snapshot& snapshot = opened->snapshot;
    if (auto changed = check_file(snapshot.image, true))
        return *changed;
    for (const SnapshotFileRef& disk : snapshot.disks)
        if (auto changed = check_file(disk, false))
            return *changed;
    auto vm = KvmVm::create();
    if (vm.is_error())
        return kvm_failure(vm.error());
    auto memory = GuestMemory::create(snapshot.ram_bytes);
    if (memory.is_error())
        return Failure { kExitBadInput, std::string("snapshot RAM: ") + memory.error().message };
    // RAM is the file's pages, copy-on-write: read only as the guest touches them.
    if (auto mapped = memory->map_file_pages(0, file.fd, opened->memory_offset, snapshot.ram_bytes); mapped.is_error())
        return Failure { kExitHostFailure, "cannot map the snapshot's memory: " + describe(mapped.error()) };
    int image_fd = open(snapshot.image.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (image_fd < 0)
        return Failure { kExitBadInput,
            "the snapshot's image '" + snapshot.image.path + "' cannot be opened: " + strerror(errno) };
    if (auto mapped = memory->map_file_readonly(image_fd, image_address(snapshot.ram_bytes), snapshot.image.size);
        mapped.is_error())
        return Failure { kExitHostFailure, "cannot map the image: " + describe(mapped.error()) };
    Options machine = options;
    machine.cpus = snapshot.cpus;
    machine.memory_bytes = snapshot.ram_bytes;
    machine.rng = snapshot.rng;
    for (const SnapshotFileRef& disk : snapshot.disks)
        machine.disks.push_back({ disk.path, disk.read_only });
    if (auto failed = restored_network(options, snapshot.network, machine))
        return *failed;
    RunState run;
    Devices devices(run, trace, vm.value(), memory.value(), options.trace_boot, std::nullopt);
    const KvmVm& kvm = vm.value();
    if (auto error = devices.virtio.create(machine, memory.value(), devices.buses.mmio, irq_edge(kvm)); !error.empty())
        return Failure { kExitBadInput, error };
    if (auto restored = devices.restore(snapshot.devices); restored.is_error())
        return Failure { kExitBadInput,
            "snapshot '" + options.restore_file + "' has unusable device state: " + describe(restored.error()) };
    if (auto mapped = vm->map_memory(memory.value()); mapped.is_error())
        return kvm_failure(mapped.error());
    auto vcpus = restore_vcpus(kvm, snapshot);
    if (auto* failed = std::get_if<Failure>(&vcpus))
        return *failed;
    if (auto restored = kvm.restore_state(snapshot.vm); restored.is_error())
        return Failure { kExitBadInput,
            "cannot restore the VM's clock and interrupt controllers: " + describe(restored.error()) };
    // KVM keeps each interrupt source's line level outside the irqchip state: drive it again.
    devices.console_uart.redrive_irq();
    if (auto answered
        = SnapshotPort::answer(memory.value(), snapshot.request_gpa, snapshot_abi::SnapshotResult::Restored);
        answered.is_error())
        return Failure { kExitBadInput,
            "snapshot '" + options.restore_file + "' names a request record outside its RAM" };
    trace.record("snapshot restored");
    return run_vm(
        std::get<std::vector<KvmVcpu>>(std::move(vcpus)), devices, run, trace, options.timeout_seconds, VmSnapshots {});
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
    auto outcome = options->restore_file.empty() ? boot(options.value(), trace) : restore(options.value(), trace);
    if (options->trace_boot)
        trace.print(std::cerr);
    if (auto* failure = std::get_if<Failure>(&outcome)) {
        std::cerr << "osprey-monitor: " << failure->message << std::endl;
        return failure->status;
    }
    return std::get<int>(outcome);
}
