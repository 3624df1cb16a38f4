#include "bench_command.h"

#include "cli_error.h"
#include "hypervisor.h"

#include <algorithm>
#include <iostream>

namespace tools {
namespace {

namespace fs = std::filesystem;

// The lines the floors print (bench/boot/minimal_pvh.S, bench/boot/kvm_floor.c).
constexpr const char* kPvhFloorLine = "minimal: hello from a bare PVH kernel";
constexpr const char* kKvmFloorLine = "kvm-floor: hello from a bare KVM guest";

fs::path bench_tool(const char* name)
{
    fs::path path = beside_this_program(name);
    std::error_code error;
    if (!fs::is_regular_file(path, error))
        throw CliError(kExitBadInput,
            std::string(name) + " was not found beside osprey: build it (cmake --build build --target " + name + ")");
    return path;
}

struct TimedCase {
    std::string label;
    std::string marker;
    std::vector<std::string> arguments;
};

// The floor for `vm`'s hypervisor, run with the same memory.
TimedCase floor_case(const PreparedVm& vm)
{
    if (vm.monitor) {
        std::string mib = std::to_string(vm.config.memory_bytes >> 20);
        return { "floor: bare KVM guest", kKvmFloorLine, { bench_tool("osprey-kvm-floor"), "--memory-mib", mib } };
    }
    QemuConfig floor = vm.config;
    floor.kernel = bench_tool("osprey-floor-pvh.elf");
    return { "floor: minimal PVH kernel", kPvhFloorLine, qemu_arguments(floor) };
}

std::string hypervisor_title(const PreparedVm& vm)
{
    std::string name = vm.monitor                     ? "osprey-monitor (KVM)"
        : vm.config.hypervisor == Hypervisor::QemuKvm ? "QEMU with KVM"
                                                      : "QEMU with TCG";
    return "Boot time from fork(), " + name + ", " + std::to_string(vm.config.memory_bytes >> 20) + " MiB";
}

std::vector<std::string> timer_arguments(
    const BenchBootRequest& request, const std::string& title, const std::vector<TimedCase>& cases)
{
    std::vector<std::string> arguments
        = { bench_tool("osprey-boot-timer"), "--runs", std::to_string(request.runs), "--title", title };
    if (request.vm.timeout.count() > 0)
        arguments.insert(arguments.end(), { "--timeout", std::to_string(request.vm.timeout.count()) });
    if (!request.plot.empty())
        arguments.insert(arguments.end(), { "--plot", request.plot });
    if (!request.samples.empty())
        arguments.insert(arguments.end(), { "--samples", request.samples });
    for (const TimedCase& timed : cases) {
        arguments.insert(arguments.end(), { "--case", timed.label, timed.marker });
        arguments.insert(arguments.end(), timed.arguments.begin(), timed.arguments.end());
    }
    return arguments;
}

/// Runs a bench tool (its tables go to stdout as they come); returns its exit status, or
/// the CLI's for a signal.
int run_bench_tool(const std::vector<std::string>& arguments, bool verbose)
{
    if (verbose)
        std::cerr << "osprey: " << shell_command(arguments) << std::endl;
    ProcessOutcome outcome = run_process(arguments, std::chrono::seconds(0));
    if (outcome.end == ProcessOutcome::End::Interrupted)
        return kExitSignalBase + outcome.interrupt_signal;
    return outcome.end == ProcessOutcome::End::Exited ? outcome.status : kExitHostFailure;
}

} // namespace

int bench_boot(const BenchBootRequest& request)
{
    if (request.runs == 0)
        throw CliError(kExitBadInput, "--runs must be at least 1");
    fs::path plot(request.plot);
    if (!request.plot.empty() && plot.extension() != ".svg" && plot.extension() != ".png")
        throw CliError(kExitBadInput, "--plot " + request.plot + ": name the file .svg or .png");
    PreparedVm vm = prepare_vm(request.vm, ConsoleUse::Detached);
    std::vector<TimedCase> cases = { floor_case(vm),
        { "osprey: " + fs::path(request.vm.input).filename().string(), request.marker, vm.arguments } };
    std::optional<PreparedVm> other;
    if (request.compare) {
        RunRequest compared = request.vm;
        compared.input = *request.compare;
        other = prepare_vm(compared, ConsoleUse::Detached);
        cases.push_back(
            { "osprey: " + fs::path(*request.compare).filename().string(), request.marker, other->arguments });
    }
    std::string title = hypervisor_title(vm);
    std::cerr << "osprey: timing " << cases.size() << " cases, " << request.runs << " rounds: " << title << std::endl;
    return run_bench_tool(timer_arguments(request, title, cases), request.vm.verbose);
}

int bench_density(const BenchDensityRequest& request)
{
    if (request.vms == 0 || request.vms > 64)
        throw CliError(kExitBadInput, "--vms is 1 to 64");
    PreparedVm vm = prepare_vm(request.vm, ConsoleUse::Detached);
    std::vector<std::string> arguments
        = { bench_tool("osprey-density"), "--vms", std::to_string(request.vms), "--marker", request.marker, "--" };
    arguments.insert(arguments.end(), vm.arguments.begin(), vm.arguments.end());
    // VMs restored side by side cannot all publish a networked snapshot's ports: none does
    // (each still gets its own passt; the memory measured is the same).
    if (!request.vm.snapshot.restore.empty()
        && std::find(arguments.begin(), arguments.end(), "--publish") == arguments.end())
        arguments.push_back("--no-publish");
    std::string what = request.vm.snapshot.restore.empty() ? fs::path(request.vm.input).filename().string()
                                                           : "restores of " + request.vm.snapshot.restore;
    std::cerr << "osprey: starting " << request.vms << " VMs (" << what << ") and measuring each one's host memory"
              << std::endl;
    return run_bench_tool(arguments, request.vm.verbose);
}

} // namespace tools
