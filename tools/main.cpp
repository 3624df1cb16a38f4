// The `osprey` CLI: command-line wiring only; the work is in osprey_cli_core.
//
//   osprey build PROGRAM -o IMAGE [-- ARGS...]
//   osprey run PROGRAM|IMAGE [options] [-- ARGS...]
//   osprey bench boot PROGRAM|IMAGE [options] [-- ARGS...]
//   osprey inspect IMAGE
//   osprey inspect --abi PROGRAM|IMAGE [--kernel KERNEL]
//
// Exit status: the guest program's status for `run`; 2 for bad usage or input; 1 when
// the host fails us; 112 kernel panic, 113 no status reported (include/abi/exit_port.h);
// 124 timeout; 128+N when interrupted by signal N. `inspect --abi` exits with its verdict:
// 0 runs, 3 calls a missing function if it gets there, 4 will not load (abi_report.h).
#include "abi_report.h"
#include "bench_command.h"
#include "cli_error.h"
#include "command_line.h"
#include "guest_network.h"
#include "hypervisor.h"
#include "image_builder.h"
#include "inspect.h"
#include "memory_size.h"
#include "published_ports.h"
#include "run_command.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>

namespace {

using namespace tools;

struct Options {
    std::string program;
    std::string output;
    std::vector<std::string> args;
    std::vector<std::string> env;
    std::string memory; // empty: 128M, raised under QEMU for an image that needs more
    unsigned cpus = 1;
    std::string hypervisor;
    std::string machine = "microvm";
    std::string kernel;
    bool abi = false;
    unsigned timeout = 0;
    bool verbose = false;
    bool rng = false;
    std::vector<std::string> disks;
    bool disks_read_only = false;
    bool read_only = false;
    std::vector<std::string> dlopen_libraries;
    std::vector<std::string> added;
    std::string net; // "", "user" or "tap:NAME"
    std::string ip;
    std::string gateway;
    std::string dns;
    std::vector<std::string> ports;
    std::vector<std::string> volumes;
    std::string workdir;
    std::string user;
    std::vector<std::string> log;
    std::vector<std::string> snapshot_at; // POINT FILE
    std::string restore;
    unsigned runs = 30;
    unsigned vms = 8;
    std::string marker;
    std::string compare;
    std::string plot;
    std::string samples;
};

constexpr const char* kWorkdirHelp = "Start the program in this directory of the guest (absolute; default /)";
constexpr const char* kUserHelp = "Run the program as USER (and GROUP): names from this host's user database, or "
                                  "numbers (default root); new files are theirs";

constexpr const char* kDlopenHelp = "Also pack shared library LIB and the libraries it needs, for a program that "
                                    "dlopens it (repeatable)";

constexpr const char* kAddHelp = "Also pack HOST (a file, or a directory with everything under it) at GUEST in the "
                                 "image; GUEST defaults to HOST's absolute path (repeatable)";

std::vector<AddedPath> added_paths(const std::vector<std::string>& arguments)
{
    std::vector<AddedPath> added;
    for (const std::string& argument : arguments)
        added.push_back(parse_added_path(argument));
    return added;
}

std::vector<std::filesystem::path> as_paths(const std::vector<std::string>& names)
{
    return { names.begin(), names.end() };
}

std::vector<VirtioDevice> virtio_devices(const Options& options)
{
    std::vector<VirtioDevice> devices;
    if (options.rng)
        devices.emplace_back().kind = VirtioDevice::Kind::Entropy;
    for (const std::string& disk : options.disks) {
        VirtioDevice& device = devices.emplace_back();
        device.kind = VirtioDevice::Kind::Block;
        device.file = disk;
        device.read_only = options.disks_read_only;
    }
    std::vector<Volume> volumes;
    for (const std::string& text : options.volumes)
        volumes.push_back(parse_volume(text));
    check_volumes(volumes);
    for (size_t index = 0; index < volumes.size(); ++index) {
        VirtioDevice& device = devices.emplace_back();
        device.kind = VirtioDevice::Kind::Volume;
        device.volume = volumes[index];
        device.tag = volume_tag(index);
    }
    bool addressed = !options.ip.empty() || !options.gateway.empty() || !options.dns.empty();
    if (!options.net.empty() || !options.ports.empty()) {
        VirtioDevice net;
        net.kind = VirtioDevice::Kind::Net;
        for (const std::string& port : options.ports)
            net.ports.push_back(parse_published_port(port));
        bool tap = options.net.rfind("tap:", 0) == 0;
        net.network = parse_guest_network(options.net, options.ip, options.gateway, options.dns, !options.ports.empty(),
            tap ? mac_address_for_tap(options.net.substr(4)) : "");
        devices.push_back(std::move(net));
    } else if (addressed) {
        throw CliError(
            kExitBadInput, "--ip, --gateway and --dns set up the VM's network: add --net (or --net=tap:NAME)");
    }
    return devices;
}

// -u/--user USER[:GROUP] (`build`, `run`): an empty one is refused rather than taken as root.
void add_user_option(CLI::App* command, Options& options)
{
    command->add_option("-u,--user", options.user, kUserHelp)
        ->type_name("USER[:GROUP]")
        ->check(
            [](const std::string& spec) { return spec.empty() ? std::string("want USER[:GROUP]") : std::string(); });
}

// What goes into the image besides the program (`build`, `run`, `bench boot`).
void add_packing_options(CLI::App* command, Options& options)
{
    command->add_option("--dlopen", options.dlopen_libraries, kDlopenHelp)
        ->check(CLI::ExistingFile)
        ->allow_extra_args(false);
    command->add_option("--add", options.added, kAddHelp)->type_name("HOST[:GUEST]")->allow_extra_args(false);
}

void add_build(CLI::App& app, Options& options, std::function<int()>& action)
{
    auto* build = app.add_subcommand("build", "Pack a program and its shared libraries into an image");
    build->add_option("PROGRAM", options.program, "Linux x86-64 program (PIE or shared object)")->required();
    build->add_option("-o,--output", options.output, "Image file to write")->required();
    build->add_option("ARGS", options.args, "Default arguments (after --)");
    build->add_option("-e,--env", options.env, "Default environment variable NAME=VALUE (repeatable)")
        ->allow_extra_args(false);
    add_packing_options(build, options);
    build->add_option("-w,--workdir", options.workdir, kWorkdirHelp)->type_name("DIR");
    add_user_option(build, options);
    build->callback([&] {
        action = [&] {
            std::vector<std::string> kernel_options;
            if (!options.workdir.empty())
                kernel_options.push_back(working_directory_option(options.workdir));
            if (!options.user.empty())
                kernel_options.push_back(user_option(options.user));
            for (std::string& option : environment_options(options.env))
                kernel_options.push_back(std::move(option));
            std::string library_path = environment_variable(kernel_options, "LD_LIBRARY_PATH");
            ImageReport report
                = build_image({ find_program(options.program), options.args, kernel_options,
                                  as_paths(options.dlopen_libraries), added_paths(options.added), library_path },
                    options.output);
            std::cout << "osprey: wrote " << options.output << " (" << report.image_size << " bytes, "
                      << report.closure.libraries.size() << " libraries)\n";
            return 0;
        };
    });
}

// The options that say what VM runs the program: memory, vCPUs, hypervisor, machine,
// kernel, environment and timeout (`run` and `bench boot`).
void add_vm_options(CLI::App* command, Options& options)
{
    command->add_option("-e,--env", options.env, "Environment variable NAME=VALUE (repeatable)")
        ->allow_extra_args(false);
    command->add_option("--memory", options.memory,
        "Guest memory, e.g. 64M, 1G (default 128M; under QEMU, more when the image needs it: QEMU loads it into RAM)");
    command->add_option("--cpus", options.cpus, "Virtual CPUs")->check(CLI::Range(1, 255))->capture_default_str();
    command
        ->add_option("--hypervisor", options.hypervisor,
            "monitor (Osprey's KVM monitor), qemu-kvm or qemu-tcg (default: monitor if /dev/kvm is usable)")
        ->check(CLI::IsMember({ "monitor", "qemu-kvm", "qemu-tcg" }));
    command->add_option("--machine", options.machine, "microvm or q35")
        ->check(CLI::IsMember({ "microvm", "q35" }))
        ->capture_default_str();
    command->add_option("--kernel", options.kernel, "Kernel ELF (default: osprey-kernel.elf beside this program)");
    command->add_option("--timeout", options.timeout, "Stop the VM after SECONDS (0: never; the last one given counts)")
        ->capture_default_str()
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
}

RunRequest vm_request(const Options& options)
{
    RunRequest request;
    request.input = options.program;
    request.args = options.args;
    request.env = options.env;
    request.dlopen_libraries = as_paths(options.dlopen_libraries);
    request.added = added_paths(options.added);
    request.memory_given = !options.memory.empty();
    request.memory_bytes = parse_memory_size(request.memory_given ? options.memory : "128M");
    request.cpus = options.cpus;
    if (!options.hypervisor.empty())
        request.hypervisor = parse_hypervisor(options.hypervisor);
    request.machine = *parse_machine(options.machine);
    if (!options.kernel.empty())
        request.kernel = options.kernel;
    request.timeout = std::chrono::seconds(options.timeout);
    request.verbose = options.verbose;
    return request;
}

SnapshotRequest snapshot_request(const Options& options)
{
    SnapshotRequest snapshot;
    snapshot.restore = options.restore;
    if (!options.snapshot_at.empty()) {
        const std::string& point = options.snapshot_at[0];
        if (point != "main" && point != "ready")
            throw CliError(kExitBadInput, "--snapshot-at: the point is main or ready, not '" + point + "'");
        snapshot.point = point;
        snapshot.file = options.snapshot_at[1];
    }
    return snapshot;
}

void add_run(CLI::App& app, Options& options, std::function<int()>& action)
{
    auto* run = app.add_subcommand("run", "Boot a program or an image in a VM; exit with its status");
    run->add_option("PROGRAM", options.program, "Linux x86-64 program, or an image from `osprey build`");
    run->add_option("ARGS", options.args, "Arguments (after --)");
    add_vm_options(run, options);
    run->add_flag("-v,--verbose", options.verbose, "Print the QEMU command and the packed libraries");
    run->add_flag("--rng", options.rng, "Attach a virtio-rng device (getrandom then reads the host's entropy)");
    run->add_option("--disk", options.disks, "Attach FILE as a raw virtio-blk disk (repeatable)")
        ->check(CLI::ExistingFile)
        ->allow_extra_args(false);
    run->add_flag("--disk-readonly", options.disks_read_only, "Attach the --disk files read-only");
    run->add_option("--volume", options.volumes,
           "Share host directory HOSTDIR with the VM at GUESTDIR over virtio-9p, read-write unless :ro (repeatable); "
           "what the program writes there is on the host")
        ->type_name("HOSTDIR:GUESTDIR[:ro]")
        ->allow_extra_args(false);
    run->add_flag("--read-only", options.read_only,
        "Keep the root read-only: no file of the image changes and none is made (EROFS), not even in /tmp "
        "(the kernel's /etc/hosts, /etc/passwd... are made before)");
    add_packing_options(run, options);
    run->add_flag("--net{user}", options.net,
           "Give the VM a network: --net is the user-mode NAT (10.0.2.15, DNS 10.0.2.3; no root needed); "
           "--net=tap:NAME puts it on host tap interface NAME (ip tuntap add NAME mode tap), where it asks a DHCP "
           "server for an address unless --ip gives one")
        ->type_name("[=user|=tap:NAME]");
    run->add_option("--ip", options.ip,
           "The VM's IPv4 address with --net=tap:NAME (default: DHCP); --ip dhcp on the user-mode NAT asks its DHCP "
           "server")
        ->type_name("A.B.C.D/PREFIX|dhcp")
        ->allow_extra_args(false);
    run->add_option("--gateway", options.gateway, "The VM's default gateway with --net=tap:NAME and a static --ip")
        ->type_name("A.B.C.D")
        ->allow_extra_args(false);
    run->add_option("--dns", options.dns, "The name server /etc/resolv.conf names (default: the network's)")
        ->type_name("A.B.C.D")
        ->allow_extra_args(false);
    run->add_option("-p,--publish", options.ports,
           "Forward a host port to the VM (implies --net; repeatable); HOSTIP defaults to every address")
        ->type_name("[HOSTIP:]HOSTPORT:GUESTPORT[/udp]")
        ->allow_extra_args(false);
    run->add_option("-w,--workdir", options.workdir, kWorkdirHelp)->type_name("DIR");
    add_user_option(run, options);
    run->add_option("--log", options.log,
           "Kernel log level, LEVEL or SUBSYSTEM=LEVEL (e.g. syscall=debug names unimplemented system calls)")
        ->allow_extra_args(false);
    run->add_option("--snapshot-at", options.snapshot_at,
           "Save the VM to FILE when the program reaches main, or when it writes to /dev/osprey-ready (ready); "
           "the VM goes on (Osprey's monitor only)")
        ->type_name("main|ready FILE")
        ->expected(2)
        ->allow_extra_args(false);
    run->add_option("--restore", options.restore,
           "Start the VM saved in FILE by --snapshot-at instead of booting a PROGRAM (Osprey's monitor only)")
        ->type_name("FILE");
    run->callback([&] {
        action = [&] {
            if (options.net == "user" && options.program.rfind("tap:", 0) == 0)
                throw CliError(kExitBadInput,
                    "run: '--net " + options.program + "' reads as --net and a program named '" + options.program
                        + "': write --net=" + options.program);
            if (options.restore.empty() == options.program.empty())
                throw CliError(kExitBadInput,
                    options.restore.empty() ? "run: give a PROGRAM (or an image) to boot, or --restore FILE"
                                            : "run: --restore starts a saved VM: give no PROGRAM with it");
            if (!options.restore.empty() && (!options.ip.empty() || !options.gateway.empty() || !options.dns.empty()))
                throw CliError(kExitBadInput,
                    "run: --restore: the saved VM keeps its own addresses (the guest's stack holds them); give only "
                    "-p or --net=tap:NAME for where its network goes");
            RunRequest request = vm_request(options);
            request.snapshot = snapshot_request(options);
            request.read_only = options.read_only;
            request.virtio = virtio_devices(options);
            request.workdir = options.workdir;
            request.user = options.user;
            request.log = options.log;
            return run_vm(request);
        };
    });
}

void add_bench_density(CLI::App* bench, Options& options, std::function<int()>& action)
{
    auto* density = bench->add_subcommand("density",
        "Start N VMs of a program, an image or a snapshot at once and report the host memory each costs (PSS: "
        "pages the VMs share, such as the image's or a snapshot's, count once among them)");
    density->add_option("PROGRAM", options.program, "Linux x86-64 program, or an image from `osprey build`");
    density->add_option("ARGS", options.args, "Arguments (after --)");
    add_vm_options(density, options);
    add_packing_options(density, options);
    density->add_option("--restore", options.restore, "Restore every VM from this snapshot (osprey run --snapshot-at)")
        ->type_name("FILE");
    density->add_option("--vms", options.vms, "How many VMs")->check(CLI::Range(1, 64))->capture_default_str();
    density
        ->add_option("--marker", options.marker,
            "A VM is up when it prints a line containing TEXT; give the line of a program that stays (a server) "
            "(default: its first output)")
        ->type_name("TEXT");
    density->add_flag("-v,--verbose", options.verbose, "Print osprey-density's command line");
    density->callback([&] {
        action = [&] {
            if (options.net == "user" && options.program.rfind("tap:", 0) == 0)
                throw CliError(kExitBadInput,
                    "run: '--net " + options.program + "' reads as --net and a program named '" + options.program
                        + "': write --net=" + options.program);
            if (options.restore.empty() == options.program.empty())
                throw CliError(kExitBadInput, "bench density: give a PROGRAM (or an image), or --restore FILE");
            BenchDensityRequest request;
            request.vm = vm_request(options);
            request.vm.snapshot.restore = options.restore;
            request.vms = options.vms;
            request.marker = options.marker;
            return bench_density(request);
        };
    });
}

void add_bench(CLI::App& app, Options& options, std::function<int()>& action)
{
    auto* bench = app.add_subcommand("bench", "Measure Osprey VMs");
    bench->require_subcommand(1);
    auto* boot = bench->add_subcommand("boot",
        "Time a program's VM from outside: fork of the VMM to the program's line and to the VMM's exit, "
        "interleaved with the hypervisor's floor; prints percentiles");
    boot->add_option("PROGRAM", options.program, "Linux x86-64 program, or an image from `osprey build`")->required();
    boot->add_option("ARGS", options.args, "Arguments (after --)");
    add_vm_options(boot, options);
    add_packing_options(boot, options);
    boot->add_option("--runs", options.runs, "Rounds; each runs every case once")
        ->check(CLI::Range(1, 100000))
        ->capture_default_str();
    boot->add_option("--marker", options.marker, "The line is the first containing TEXT (default: the first line)")
        ->type_name("TEXT");
    boot->add_option("--compare", options.compare, "Another program or image, timed in the same rounds")
        ->type_name("OTHER");
    boot->add_option("--plot", options.plot, "Draw the cumulative distributions into FILE (.svg or .png)")
        ->type_name("FILE");
    boot->add_option("--samples", options.samples, "Write every run's times to FILE (osprey-boot-timer --summarize)")
        ->type_name("FILE");
    boot->add_flag("-v,--verbose", options.verbose, "Print the timer's command line");
    boot->callback([&] {
        action = [&] {
            BenchBootRequest request;
            request.vm = vm_request(options);
            if (!options.compare.empty())
                request.compare = options.compare;
            request.runs = options.runs;
            request.marker = options.marker;
            request.plot = options.plot;
            request.samples = options.samples;
            return bench_boot(request);
        };
    });
    add_bench_density(bench, options, action);
}

void add_inspect(CLI::App& app, Options& options, std::function<int()>& action)
{
    auto* inspect
        = app.add_subcommand("inspect", "List the files of an image, or (--abi) tell whether a program can run");
    inspect->add_option("FILE", options.program, "Image file; with --abi, a program or an image")->required();
    inspect->add_flag("--abi", options.abi,
        "Bind the program and its libraries as the kernel would and list what nobody provides; exit 0: runs, "
        "3: stops if it calls a missing function, 4: will not load");
    inspect->add_option("--kernel", options.kernel,
        "With --abi: the kernel whose exports count (default: osprey-kernel.elf "
        "beside this program)");
    inspect->callback([&] {
        action = [&] {
            if (!options.abi) {
                if (!options.kernel.empty())
                    throw CliError(
                        kExitBadInput, "--kernel goes with --abi: osprey inspect --abi PROGRAM --kernel KERNEL");
                inspect_image(options.program, std::cout);
                return 0;
            }
            return report_abi(options.program,
                options.kernel.empty() ? default_kernel_path() : std::filesystem::path(options.kernel), std::cout);
        };
    });
}

} // namespace

int main(int argc, char** argv)
{
    CLI::App app("osprey: run unmodified Linux programs as single-application VMs", "osprey");
    app.require_subcommand(1);
    Options options;
    std::function<int()> action;
    add_build(app, options, action);
    add_run(app, options, action);
    add_bench(app, options, action);
    add_inspect(app, options, action);
    // Everything after the first "--" is the program's, verbatim (CLI11 would treat a
    // second "--" specially).
    std::vector<std::string> words(argv + 1, argv + argc);
    auto separator = std::find(words.begin(), words.end(), "--");
    std::vector<std::string> program_args(separator == words.end() ? separator : separator + 1, words.end());
    words.erase(separator, words.end());
    std::reverse(words.begin(), words.end()); // CLI11 takes a vector in reverse order
    try {
        app.parse(words);
        options.args.insert(options.args.end(), program_args.begin(), program_args.end());
    } catch (const CLI::ExtrasError& error) {
        // Most often a program's option given without "--" (osprey run /bin/ls -l).
        std::cerr << "osprey: " << error.what() << "\n"
                  << "osprey: the program's own options go after --, e.g. osprey run /bin/ls -- -l /tmp" << std::endl;
        return kExitBadInput;
    } catch (const CLI::ParseError& error) {
        int status = app.exit(error);
        return status == 0 ? 0 : kExitBadInput;
    }
    try {
        return action();
    } catch (const CliError& error) {
        std::cerr << "osprey: " << error.what() << std::endl;
        return error.exit_status();
    } catch (const std::exception& error) {
        std::cerr << "osprey: " << error.what() << std::endl;
        return kExitHostFailure;
    }
}
