// Which hypervisor and machine type run the VM, and finding QEMU.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace tools {

enum class Hypervisor { Monitor, QemuKvm, QemuTcg };
enum class Machine { Microvm, Q35 };

/// "monitor" / "qemu-kvm" / "qemu-tcg"; nullopt for anything else.
std::optional<Hypervisor> parse_hypervisor(std::string_view name);
/// "microvm" / "q35"; nullopt for anything else.
std::optional<Machine> parse_machine(std::string_view name);

/// Whether `device` (normally /dev/kvm) opens read-write and answers as KVM does.
bool kvm_usable(const std::filesystem::path& device = "/dev/kvm");

/// Whether this host's KVM is kvm-pvm (a software, "pagetable-based" KVM that runs guests
/// without VT-x or AMD-V): its module is loaded under `modules` (normally /sys/module).
/// PVM runs a kernel mapped where the host's kernel lives by emulating every instruction,
/// and its emulator stops at the Osprey kernel's first SSE instruction (KVM internal
/// error at kernel entry), so neither KVM hypervisor can run Osprey there.
bool pvm_host(const std::filesystem::path& modules = "/sys/module");

/// The default: the Osprey monitor when /dev/kvm is usable and not PVM, else qemu-tcg.
Hypervisor default_hypervisor();

/// Throws CliError(kExitBadInput) if `hypervisor` cannot run here (monitor or qemu-kvm
/// without a usable /dev/kvm, or on PVM), saying what to do instead.
void check_hypervisor_usable(Hypervisor hypervisor);

/// The first executable `name` in the directories of `path_list` (colon-separated,
/// normally $PATH); nullopt if none.
std::optional<std::filesystem::path> find_executable(std::string_view name, std::string_view path_list);

/// Whether passt, osprey-monitor's user-mode network (monitor/passt.h), is on $PATH.
bool passt_installed();

/// qemu-system-x86_64 on $PATH; throws CliError(kExitBadInput) telling the user to run
/// scripts/setup if it is missing.
std::filesystem::path find_qemu();

/// `name` in the directory of the running osprey binary (./name if that is unknown).
std::filesystem::path beside_this_program(std::string_view name);

/// osprey-monitor beside this program, else on $PATH; throws CliError(kExitBadInput)
/// telling the user to build it or use --hypervisor qemu-tcg.
std::filesystem::path find_monitor();

} // namespace tools
