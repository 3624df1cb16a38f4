// `osprey run PROGRAM|IMAGE [-- ARGS...]`: boots one VM and returns the guest's status.
#pragma once

#include "added_files.h"

#include "hypervisor.h"
#include "qemu_command.h"
#include "qemu_halt_watch.h"
#include "qemu_runner.h"
#include "temp_file.h"

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string_view>
#include <string>
#include <vector>

namespace tools {

/// `osprey run --snapshot-at POINT FILE` / `--restore FILE` (osprey-monitor's options of
/// the same names, include/abi/snapshot_port.h).
struct SnapshotRequest {
    std::string point;   // "main" or "ready"; empty: no snapshot
    std::string file;    // where --snapshot-at writes
    std::string restore; // --restore FILE; then the request has no input
};

struct RunRequest {
    std::string input;                                   // an ELF program (packed on the fly) or a ROFS image
    std::vector<std::string> args;                       // appended to the image's default argv
    std::vector<std::string> env;                        // NAME=VALUE, passed as env= kernel options
    std::vector<std::filesystem::path> dlopen_libraries; // --dlopen (only when packing a program)
    std::vector<AddedPath> added;                        // --add (only when packing a program)
    uint64_t memory_bytes = 128 * 1024 * 1024;
    bool memory_given = false; // --memory given: never raised for a large image under QEMU
    unsigned cpus = 1;
    std::optional<Hypervisor> hypervisor; // default: default_hypervisor()
    Machine machine = Machine::Microvm;
    std::optional<std::filesystem::path> kernel; // default: default_kernel_path()
    std::chrono::seconds timeout { 0 };          // 0: none
    bool verbose = false;
    bool read_only = false;           // --read-only: the program may change no file of the root
    std::vector<VirtioDevice> virtio; // --rng, --disk (microvm only)
    std::string workdir;              // --workdir: the program's working directory (empty: the image's or /)
    std::string user;                 // --user USER[:GROUP] (empty: the image's or root)
    std::vector<std::string> log;     // --log: kernel log levels, LEVEL or SUBSYSTEM=LEVEL
    SnapshotRequest snapshot;
};

/// <directory of the running osprey binary>/osprey-kernel.elf.
std::filesystem::path default_kernel_path();

/// How the VM's console is used: Interactive for `osprey run` (a terminal or piped input
/// reaches the program), Detached for benchmarks (no input; the VMM's stdin is /dev/null).
enum class ConsoleUse { Interactive, Detached };

/// One VM ready to start: the VMM's argument vector and what it needs to exist meanwhile.
struct PreparedVm {
    QemuConfig config;                            // config.kernel, memory etc. as resolved
    std::optional<std::filesystem::path> monitor; // set when osprey-monitor runs the VM
    std::vector<std::string> arguments;           // argv of QEMU or osprey-monitor
    std::unique_ptr<TempFile> packed_image;       // the image packed from a program input
    std::filesystem::path kept_image;             // or, for --snapshot-at, packed to FILE.image
    std::unique_ptr<TempFile> status_file;        // QEMU's status UART
    bool relay_input = false;                     // stdin goes to QEMU as ChildInput::RelayEscaped
    std::unique_ptr<QemuHaltWatch> halt_watch;    // QEMU run from a console: ends a VM halted for good
};

/// Checks the request, packs a program input into a temporary image, and forms the VMM's
/// command. Throws CliError for bad input or a hypervisor that cannot run here.
PreparedVm prepare_vm(const RunRequest& request, ConsoleUse console);

/// Runs the VM; returns the CLI's exit status (see run_verdict). Throws CliError for
/// bad input or setup problems found before QEMU starts.
int run_vm(const RunRequest& request);

struct RunVerdict {
    int exit_status;
    std::string message; // for stderr; empty when the guest simply exited
};

/// How a finished VMM process (`vmm_name`: "QEMU" or "osprey-monitor", for the messages)
/// maps to the CLI's exit status: interrupted -> 128 + signal; guest status N -> N (QEMU's
/// status UART; the monitor's own exit status is used directly when it exits); kernel
/// panic -> N with a message; timeout -> 124; no status -> abi::kNoStatusExit with a
/// message saying how the VMM ended.
RunVerdict run_verdict(
    const ProcessOutcome& vmm, const GuestExit& guest, std::chrono::seconds timeout, std::string_view vmm_name);

} // namespace tools
