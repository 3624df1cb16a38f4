#include "cpuid.h"

#include <cstring>

namespace monitor {

namespace {

constexpr uint32_t kHypervisorBase = 0x40000000, kTimingLeaf = 0x40000010;
constexpr uint32_t kHypervisorPresent = 1u << 31; // CPUID.1:ECX bit 31
constexpr uint32_t kKvmApicBusKhz = 1000000;      // KVM's local APIC timer runs at 1 GHz

kvm_cpuid_entry2 leaf(uint32_t function, uint32_t eax, uint32_t ebx, uint32_t ecx, uint32_t edx)
{
    kvm_cpuid_entry2 entry {};
    entry.function = function;
    entry.eax = eax;
    entry.ebx = ebx;
    entry.ecx = ecx;
    entry.edx = edx;
    return entry;
}

kvm_cpuid_entry2 kvm_signature()
{
    uint32_t sig[3];
    memcpy(sig, "KVMKVMKVM\0\0\0", 12);
    return leaf(kHypervisorBase, kTimingLeaf, sig[0], sig[1], sig[2]);
}

} // namespace

std::vector<kvm_cpuid_entry2> vcpu_cpuid(
    const std::vector<kvm_cpuid_entry2>& supported, uint32_t apic_id, uint32_t tsc_khz)
{
    std::vector<kvm_cpuid_entry2> table;
    bool has_signature = false;
    for (kvm_cpuid_entry2 entry : supported) {
        if (entry.function == 1) {
            entry.ebx = (entry.ebx & 0x00ffffff) | (apic_id << 24);
            entry.ecx |= kHypervisorPresent;
        } else if (entry.function == 0xb || entry.function == 0x1f) {
            entry.edx = apic_id; // x2APIC ID
        } else if (entry.function == kHypervisorBase) {
            has_signature = true;
            if (tsc_khz && entry.eax < kTimingLeaf)
                entry.eax = kTimingLeaf;
        } else if (entry.function == kTimingLeaf) {
            continue; // replaced below
        }
        table.push_back(entry);
    }
    if (!has_signature && tsc_khz)
        table.push_back(kvm_signature());
    if (tsc_khz)
        table.push_back(leaf(kTimingLeaf, tsc_khz, kKvmApicBusKhz, 0, 0));
    return table;
}

} // namespace monitor
