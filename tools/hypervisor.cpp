#include "hypervisor.h"

#include "cli_error.h"

#include <cstdlib>
#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <unistd.h>

namespace tools {

std::optional<Hypervisor> parse_hypervisor(std::string_view name)
{
    if (name == "monitor")
        return Hypervisor::Monitor;
    if (name == "qemu-kvm")
        return Hypervisor::QemuKvm;
    if (name == "qemu-tcg")
        return Hypervisor::QemuTcg;
    return std::nullopt;
}

std::optional<Machine> parse_machine(std::string_view name)
{
    if (name == "microvm")
        return Machine::Microvm;
    if (name == "q35")
        return Machine::Q35;
    return std::nullopt;
}

bool kvm_usable(const std::filesystem::path& device)
{
    // Opening is not enough: the node may be something else (a container's /dev/null bind
    // mount over it); KVM answers its API version, 12 since Linux 2.6.22.
    constexpr int kKvmApiVersion = 12;
    int fd = ::open(device.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return false;
    bool answers = ::ioctl(fd, KVM_GET_API_VERSION, 0) == kKvmApiVersion;
    ::close(fd);
    return answers;
}

bool pvm_host(const std::filesystem::path& modules)
{
    std::error_code error;
    return std::filesystem::is_directory(modules / "kvm_pvm", error);
}

Hypervisor default_hypervisor() { return kvm_usable() && !pvm_host() ? Hypervisor::Monitor : Hypervisor::QemuTcg; }

bool passt_installed()
{
    const char* path = std::getenv("PATH");
    return find_executable("passt", path ? path : "").has_value();
}

void check_hypervisor_usable(Hypervisor hypervisor)
{
    if (hypervisor != Hypervisor::QemuTcg && !kvm_usable())
        throw CliError(kExitBadInput,
            std::string("--hypervisor ") + (hypervisor == Hypervisor::Monitor ? "monitor" : "qemu-kvm")
                + " needs /dev/kvm, which cannot be opened read-write here: "
                  "use --hypervisor qemu-tcg (software emulation) or give this user access to /dev/kvm");
    if (hypervisor != Hypervisor::QemuTcg && pvm_host())
        throw CliError(kExitBadInput,
            std::string("--hypervisor ") + (hypervisor == Hypervisor::Monitor ? "monitor" : "qemu-kvm")
                + ": this host's KVM is kvm-pvm (software "
                  "virtualization), which cannot run Osprey's kernel: use --hypervisor qemu-tcg");
}

std::optional<std::filesystem::path> find_executable(std::string_view name, std::string_view path_list)
{
    for (size_t start = 0; start <= path_list.size();) {
        size_t end = std::min(path_list.find(':', start), path_list.size());
        std::string_view dir = path_list.substr(start, end - start);
        start = end + 1;
        if (dir.empty())
            continue;
        std::filesystem::path candidate = std::filesystem::path(dir) / name;
        std::error_code error;
        if (::access(candidate.c_str(), X_OK) == 0 && std::filesystem::is_regular_file(candidate, error))
            return candidate;
    }
    return std::nullopt;
}

std::filesystem::path find_qemu()
{
    const char* path = std::getenv("PATH");
    if (auto qemu = find_executable("qemu-system-x86_64", path ? path : ""))
        return *qemu;
    throw CliError(kExitBadInput,
        "qemu-system-x86_64 is not on $PATH: run scripts/setup (installs qemu-system-x86) and try again");
}

std::filesystem::path beside_this_program(std::string_view name)
{
    std::error_code error;
    std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
    return (error ? std::filesystem::path(".") : self.parent_path()) / name;
}

std::filesystem::path find_monitor()
{
    std::filesystem::path beside = beside_this_program("osprey-monitor");
    if (::access(beside.c_str(), X_OK) == 0)
        return beside;
    const char* path = std::getenv("PATH");
    if (auto monitor = find_executable("osprey-monitor", path ? path : ""))
        return *monitor;
    throw CliError(kExitBadInput,
        "osprey-monitor was not found beside osprey or on $PATH: build it (cmake --build build --target "
        "osprey-monitor) or use --hypervisor qemu-tcg");
}

} // namespace tools
