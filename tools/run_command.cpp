#include "run_command.h"

#include "cli_error.h"
#include "image_builder.h"
#include "image_file.h"
#include "published_ports.h"
#include "temp_file.h"

#include <algorithm>
#include <csignal>
#include <cstring>
#include <iostream>
#include <unistd.h>

namespace tools {
namespace {

namespace fs = std::filesystem;

fs::path checked_kernel(const RunRequest& request)
{
    fs::path kernel = request.kernel.value_or(default_kernel_path());
    std::error_code error;
    if (!fs::is_regular_file(kernel, error))
        throw CliError(kExitBadInput,
            "kernel '" + kernel.string() + "' not found: build it (cmake --build build) or pass --kernel PATH");
    return kernel;
}

CommandLine command_line_for(const ImageFile& image, const RunRequest& request)
{
    CommandLine line = image.default_command_line();
    for (std::string& option : environment_options(request.env))
        line.options.push_back(std::move(option));
    if (!request.workdir.empty())
        line.options.push_back(working_directory_option(request.workdir));
    if (!request.user.empty())
        line.options.push_back(user_option(request.user));
    line.options.push_back(descriptor_limit_option());
    for (const std::string& spec : request.log)
        line.options.push_back(log_option(spec));
    line.argv.insert(line.argv.end(), request.args.begin(), request.args.end());
    return line;
}

void print_closure(const ImageReport& report)
{
    std::cerr << "osprey: packed " << report.program_image_path << " (" << report.image_size << " bytes image)\n";
    for (const ClosureLibrary& library : report.closure.libraries)
        std::cerr << "osprey:   " << library.image_path << " <- " << library.real.string() << '\n';
}

/// The VM's memory: the request's, except that QEMU loads the image into the guest's RAM
/// (as its -initrd), where it must fit with room for the kernel and the program. Under
/// the monitor the image is mapped beside RAM and takes none of it. With no --memory
/// given, the default is raised when the image leaves it less than 64 MiB (and said); a
/// --memory given is kept unless the image leaves the kernel less than 4 MiB (a small
/// program boots in 8 MiB), and then CliError says what to give.
uint64_t memory_for_image(const RunRequest& request, bool monitor, uint64_t image_bytes)
{
    constexpr uint64_t kMiB = 1024 * 1024;
    uint64_t least_room = request.memory_given ? 4 * kMiB : 64 * kMiB;
    if (monitor || image_bytes + least_room <= request.memory_bytes)
        return request.memory_bytes;
    // Enough: the image, and the default VM's 128 MiB for the rest, in 64 MiB steps.
    uint64_t enough = (image_bytes + 128 * kMiB + 64 * kMiB - 1) / (64 * kMiB) * (64 * kMiB);
    std::string image = std::to_string((image_bytes + kMiB - 1) / kMiB) + " MiB";
    if (request.memory_given)
        throw CliError(kExitBadInput,
            "the image is " + image + ", and QEMU loads it into the VM's memory: give --memory "
                + std::to_string(enough / kMiB) + "M or more (the image and room for the kernel and the program)");
    std::cerr << "osprey: the image is " << image << ", and QEMU loads it into the VM's memory: giving the VM "
              << enough / kMiB << "M (--memory to choose)\n";
    return enough;
}

} // namespace

fs::path default_kernel_path() { return beside_this_program("osprey-kernel.elf"); }

RunVerdict run_verdict(
    const ProcessOutcome& vmm, const GuestExit& guest, std::chrono::seconds timeout, std::string_view vmm_name)
{
    using End = ProcessOutcome::End;
    std::string name(vmm_name);
    if (vmm.end == End::Interrupted)
        return { kExitSignalBase + vmm.interrupt_signal,
            std::string("osprey: interrupted (") + strsignal(vmm.interrupt_signal) + "); " + name + " was stopped" };
    if (guest.kind == GuestExit::Kind::Status)
        return { guest.status, "" };
    if (guest.kind == GuestExit::Kind::Panic)
        return { guest.status, "osprey: the kernel panicked (see the console output above)" };
    if (vmm.end == End::Halted)
        return { kExitNoStatus,
            "osprey: every vCPU halted with interrupts off, so the guest can never run again (a program ran "
            "`hlt` or `cli; hlt`?); "
                + name + " was stopped" };
    if (vmm.end == End::TimedOut)
        return { kExitTimeout,
            "osprey: the VM did not finish within " + std::to_string(timeout.count()) + " seconds (--timeout); " + name
                + " was stopped" };
    // QEMU says 1 for its own errors (an option it refuses, memory it cannot allocate); a
    // guest that ran reports its status on the status UART first. The monitor exits 2 for
    // bad input itself.
    if (vmm.end == End::Exited && vmm.status == 1 && name == "QEMU")
        return { kExitBadInput,
            "osprey: QEMU refused to start the VM (its message is above): check the options of "
            "this run (--memory, --cpus, --machine, -p)" };
    std::string how = vmm.end == End::Signaled ? "was killed by signal " + std::to_string(vmm.status)
                                               : "exited with status " + std::to_string(vmm.status);
    return { kExitNoStatus,
        "osprey: the VM stopped without reporting an exit status (" + name + " " + how + "; see its messages above)" };
}

/// Snapshots are osprey-monitor's: a run that saves or restores one must use it.
void require_monitor(const RunRequest& request, const char* option)
{
    if (request.hypervisor && *request.hypervisor != Hypervisor::Monitor)
        throw CliError(kExitBadInput,
            std::string(option)
                + " needs Osprey's monitor (--hypervisor monitor, on /dev/kvm): "
                  "snapshots are its own");
    check_hypervisor_usable(Hypervisor::Monitor);
}

/// `osprey run --restore FILE`: the monitor takes everything else from the file, but
/// where the saved VM's network goes on this host: -p (other published ports, so that
/// VMs restored from one file at once do not ask for the same ones) or --net=tap:NAME.
PreparedVm prepare_restore(const RunRequest& request)
{
    for (const VirtioDevice& device : request.virtio)
        if (device.kind != VirtioDevice::Kind::Net)
            throw CliError(kExitBadInput,
                "--restore: the saved VM's disks, volumes and devices come from the snapshot; give only -p or "
                "--net=tap:NAME for where its network goes");
    require_monitor(request, "--restore");
    if (!fs::is_regular_file(request.snapshot.restore))
        throw CliError(
            kExitBadInput, "--restore: '" + request.snapshot.restore + "' is not a file (make one with --snapshot-at)");
    PreparedVm vm;
    vm.config.hypervisor = Hypervisor::Monitor;
    vm.monitor = find_monitor();
    vm.arguments = { vm.monitor->string(), "--restore", request.snapshot.restore };
    for (const VirtioDevice& device : request.virtio) {
        if (device.network.backend == GuestNetwork::Backend::Tap)
            vm.arguments.insert(vm.arguments.end(), { "--net", device.network.tap });
        for (const PublishedPort& port : device.ports)
            vm.arguments.insert(vm.arguments.end(), { "--publish", published_port_text(port) });
    }
    return vm;
}

PreparedVm prepare_vm(const RunRequest& request, ConsoleUse console)
{
    if (!request.snapshot.restore.empty())
        return prepare_restore(request);
    bool snapshot = !request.snapshot.point.empty();
    if (snapshot)
        require_monitor(request, "--snapshot-at");
    PreparedVm vm;
    QemuConfig& config = vm.config;
    config.kernel = checked_kernel(request);
    bool user_networked = std::any_of(request.virtio.begin(), request.virtio.end(), [](const VirtioDevice& device) {
        return device.kind == VirtioDevice::Kind::Net && device.network.backend == GuestNetwork::Backend::User;
    });
    // The monitor's user-mode network is passt: without it, a run on the user network
    // defaults to QEMU (with KVM where the monitor would have had it). A tap needs no passt.
    Hypervisor fallback = default_hypervisor();
    if (user_networked && fallback == Hypervisor::Monitor && !passt_installed())
        fallback = Hypervisor::QemuKvm;
    config.hypervisor = request.hypervisor.value_or(fallback);
    check_hypervisor_usable(config.hypervisor);
    if (config.hypervisor == Hypervisor::Monitor)
        vm.monitor = find_monitor();
    else
        config.qemu = find_qemu();
    fs::path input = find_program(request.input);
    fs::path image_path = input;
    bool packed = !looks_like_rofs_image(input);
    if (packed) {
        // A snapshot names its image: one packed for it must outlive this run. It is packed
        // beside and renamed over FILE.image, whose old inode VMs restored from an older
        // snapshot may still map.
        if (snapshot)
            vm.kept_image = request.snapshot.file + ".image";
        else
            vm.packed_image = std::make_unique<TempFile>("osprey-", ".img");
        fs::path packing = snapshot ? fs::path(vm.kept_image.string() + ".partial") : vm.packed_image->path();
        std::string library_path = environment_variable(environment_options(request.env), "LD_LIBRARY_PATH");
        ImageReport report
            = build_image({ input, {}, {}, request.dlopen_libraries, request.added, library_path }, packing);
        if (request.verbose)
            print_closure(report);
        if (snapshot)
            fs::rename(packing, vm.kept_image);
        image_path = snapshot ? vm.kept_image : packing;
    }
    if (!packed && !request.dlopen_libraries.empty())
        throw CliError(kExitBadInput,
            "--dlopen packs libraries with a program; '" + input.string()
                + "' is an image already: give --dlopen to `osprey build`");
    if (!packed && !request.added.empty())
        throw CliError(kExitBadInput,
            "--add packs files with a program; '" + input.string()
                + "' is an image already: give --add to `osprey build`");
    ImageFile image = ImageFile::load(image_path);
    config.machine = request.machine;
    config.virtio = request.virtio;
    CommandLine line = command_line_for(image, request);
    if (!vm.monitor) { // the monitor names its own devices among the kernel options
        for (std::string& option : virtio_kernel_options(config))
            line.options.push_back(std::move(option));
    } else { // but not the guest's network settings and volume paths, which are the user's
        for (const VirtioDevice& device : config.virtio)
            for (std::string& option : guest_kernel_options(device))
                line.options.push_back(std::move(option));
    }
    if (request.read_only)
        line.options.push_back("root=ro");
    // At a terminal under QEMU (which puts it in raw mode) the console is the program's
    // terminal: isatty() says so and the kernel echoes and turns Enter into a newline. The
    // monitor leaves the host's terminal cooked: it echoes and edits lines itself.
    bool interactive = console == ConsoleUse::Interactive;
    if (interactive && !vm.monitor && ::isatty(STDIN_FILENO) && ::isatty(STDOUT_FILENO))
        line.options.push_back("console=tty");
    // Piped or redirected input reaches QEMU through the CLI, escaped so that its end can be
    // told (kernel/fs/console_input.h); a terminal is QEMU's own. The monitor reads its stdin.
    vm.relay_input = interactive && !vm.monitor && !::isatty(STDIN_FILENO);
    if (vm.relay_input)
        line.options.push_back("console_input=escaped");
    config.cmdline = encode_command_line(line);
    config.image = image_path;
    config.memory_bytes = memory_for_image(request, vm.monitor.has_value(), fs::file_size(image_path));
    config.cpus = request.cpus;
    if (!vm.monitor) { // QEMU's status UART; the monitor exits with the status itself
        vm.status_file = std::make_unique<TempFile>("osprey-status-", ".txt");
        config.status_file = vm.status_file->path();
    }
    if (!vm.monitor && console == ConsoleUse::Interactive) { // the monitor has its own halt watch
        vm.halt_watch = std::make_unique<QemuHaltWatch>();
        config.halt_watch_fd = vm.halt_watch->qemu_fd();
    }
    vm.arguments = vm.monitor ? monitor_arguments(config, *vm.monitor) : qemu_arguments(config);
    if (snapshot)
        vm.arguments.insert(vm.arguments.end(), { "--snapshot-at", request.snapshot.point, request.snapshot.file });
    return vm;
}

int run_vm(const RunRequest& request)
{
    PreparedVm vm = prepare_vm(request, ConsoleUse::Interactive);
    const std::vector<std::string>& arguments = vm.arguments;
    if (request.verbose)
        std::cerr << "osprey: " << shell_command(arguments) << std::endl;
    std::cout.flush();
    ChildInput console_input = vm.relay_input ? ChildInput::RelayEscaped : ChildInput::Inherit;
    auto started = fs::file_time_type::clock::now();
    HaltedForGood halted;
    if (vm.halt_watch)
        halted = [&watch = *vm.halt_watch] { return watch.every_cpu_halted_with_interrupts_off(); };
    ProcessOutcome outcome = run_process(arguments, request.timeout, console_input, std::move(halted));
    if (!vm.kept_image.empty()) { // packed for a snapshot that was not written: not needed
        std::error_code error;
        auto written = fs::last_write_time(request.snapshot.file, error);
        if (error || written < started)
            fs::remove(vm.kept_image, error);
    }
    if (vm.monitor && outcome.end == ProcessOutcome::End::Exited)
        return outcome.status; // the guest's status exactly; the monitor printed any reason
    GuestExit guest = vm.status_file ? decode_guest_exit(read_text_file(vm.status_file->path())) : GuestExit {};
    RunVerdict verdict = run_verdict(outcome, guest, request.timeout, vm.monitor ? "osprey-monitor" : "QEMU");
    if (!verdict.message.empty())
        std::cerr << verdict.message << std::endl;
    return verdict.exit_status;
}

} // namespace tools
