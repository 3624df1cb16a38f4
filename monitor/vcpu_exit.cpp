#include "vcpu_exit.h"

#include "guest_memory.h"

#include <filesystem>
#include <string>

namespace monitor {

namespace {

void guest_fault(RunState& state, const std::string& what)
{
    state.stop(kExitGuestFault, "osprey-monitor: guest fault: " + what);
}

/// Why KVM may have failed where no guest fault explains it: on kvm-pvm (a software KVM,
/// /sys/module/kvm_pvm) the Osprey kernel, mapped where the host's kernel lives, is
/// emulated instruction by instruction and PVM's emulator has no SSE.
std::string internal_error_hint()
{
    std::error_code error;
    if (!std::filesystem::is_directory("/sys/module/kvm_pvm", error))
        return "";
    return " (this host's KVM is kvm-pvm, software virtualization, which cannot run Osprey's kernel: "
           "run it under QEMU instead, `osprey run --hypervisor qemu-tcg`)";
}

void port_io(kvm_run& run, size_t run_size, const Bus& bus, RunState& state)
{
    auto& io = run.io;
    uint64_t bytes = uint64_t(io.size) * io.count;
    if ((io.size != 1 && io.size != 2 && io.size != 4) || !range_inside(io.data_offset, bytes, run_size))
        return guest_fault(state, "port I/O exit with data outside the kvm_run area");
    auto* data = reinterpret_cast<uint8_t*>(&run) + io.data_offset;
    for (uint32_t i = 0; i < io.count; ++i) {
        std::span<uint8_t> item(data + uint64_t(i) * io.size, io.size);
        if (io.direction == KVM_EXIT_IO_IN) {
            bus.read(io.port, item);
            continue;
        }
        if (auto written = bus.write(io.port, item); written.is_error())
            return guest_fault(state, "port " + std::to_string(io.port) + ": " + written.error().message);
    }
}

void mmio(kvm_run& run, const Bus& bus, RunState& state)
{
    auto& access = run.mmio;
    if (access.len == 0 || access.len > sizeof(access.data))
        return guest_fault(state, "MMIO exit with a bad length");
    std::span<uint8_t> data(access.data, access.len);
    if (!access.is_write)
        return bus.read(access.phys_addr, data);
    if (auto written = bus.write(access.phys_addr, data); written.is_error())
        guest_fault(state, "MMIO at " + std::to_string(access.phys_addr) + ": " + written.error().message);
}

} // namespace

void handle_exit(kvm_run& run, size_t run_size, const IoBuses& buses, RunState& state)
{
    switch (run.exit_reason) {
    case KVM_EXIT_IO: return port_io(run, run_size, buses.pio, state);
    case KVM_EXIT_MMIO: return mmio(run, buses.mmio, state);
    case KVM_EXIT_INTR: return;
    case KVM_EXIT_HLT:
        return state.stop(kExitNoStatus, "osprey-monitor: the guest halted without reporting an exit status");
    case KVM_EXIT_SHUTDOWN: return guest_fault(state, "triple fault (KVM_EXIT_SHUTDOWN)");
    case KVM_EXIT_FAIL_ENTRY:
        return guest_fault(
            state, "VM entry failed, hardware reason " + std::to_string(run.fail_entry.hardware_entry_failure_reason));
    case KVM_EXIT_INTERNAL_ERROR:
        return guest_fault(
            state, "KVM internal error, suberror " + std::to_string(run.internal.suberror) + internal_error_hint());
    case KVM_EXIT_SYSTEM_EVENT:
        return state.stop(
            kExitNoStatus, "osprey-monitor: the guest asked for a reset or power-off without an exit status");
    default: return guest_fault(state, "unexpected KVM exit reason " + std::to_string(run.exit_reason));
    }
}

} // namespace monitor
