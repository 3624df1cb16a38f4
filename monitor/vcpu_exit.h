// Decoding a KVM exit (struct kvm_run, Linux Documentation/virt/kvm/api.rst §5) into device
// accesses or a stop. Portable: host tests feed it synthetic kvm_run structures; only
// kvm_vcpu.cpp gets real ones from KVM_RUN.
#pragma once

#include "io_bus.h"
#include "run_state.h"

#include <linux/kvm.h>

namespace monitor {

struct IoBuses {
    Bus pio;
    Bus mmio;
};

/// Handles the exit described by `run`, the vCPU's shared kvm_run area of `run_size`
/// bytes: port I/O (string I/O included) and MMIO go to `buses`; HLT, shutdown (triple
/// fault), failed entry, internal errors, system events and unknown reasons stop the VM
/// through `state` with a message; KVM_EXIT_INTR does nothing. An I/O exit whose data lies
/// outside the kvm_run area, or a device error, stops the VM with kExitGuestFault.
void handle_exit(kvm_run& run, size_t run_size, const IoBuses& buses, RunState& state);

} // namespace monitor
