// The CPUID table each vCPU gets: what KVM_GET_SUPPORTED_CPUID offers, with the vCPU's
// APIC ID filled in, the hypervisor bit set, and the hypervisor leaf 0x40000010 (TSC
// frequency in kHz, APIC bus frequency in kHz; the VMware/KVM timing leaf) added so the
// kernel needs no PIT calibration (kernel/arch/x86_64/tsc.cpp). KVM's own leaves
// 0x40000000/0x40000001 (signature "KVMKVMKVM", kvmclock feature bits) pass through.
#pragma once

#include <linux/kvm.h>

#include <cstdint>
#include <vector>

namespace monitor {

/// Returns `supported` adjusted for vCPU `apic_id` as described above; `tsc_khz` 0 leaves
/// leaf 0x40000010 out.
std::vector<kvm_cpuid_entry2> vcpu_cpuid(
    const std::vector<kvm_cpuid_entry2>& supported, uint32_t apic_id, uint32_t tsc_khz);

} // namespace monitor
