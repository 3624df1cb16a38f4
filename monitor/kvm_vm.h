// The thin ioctl layer over /dev/kvm (Linux Documentation/virt/kvm/api.rst). Not host
// tested (no /dev/kvm on build machines): it runs under the nested-KVM harness. Errors
// carry the ioctl's errno as lib::Errno and a message naming the ioctl.
#pragma once

#include "guest_memory.h"
#include "kvm_stats.h"

#include <linux/kvm.h>

#include <cerrno>
#include <cstddef>
#include <span>
#include <vector>

namespace monitor {

// struct kvm_cpuid2 as KVM lays it out (linux/kvm.h): nent, padding, then the entries at
// byte 8. The header's __DECLARE_FLEX_ARRAY puts an empty struct before `entries`, which
// C++ (unlike C) sizes 1 byte, moving them to byte 12 and changing the ioctl numbers that
// encode sizeof(struct kvm_cpuid2): KVM then answers EINVAL. So the monitor uses its own.
inline constexpr uint32_t kMaxCpuidEntries = 256;
struct KvmCpuid {
    uint32_t nent;
    uint32_t padding;
    kvm_cpuid_entry2 entries[kMaxCpuidEntries];
};
static_assert(offsetof(KvmCpuid, entries) == 8 && sizeof(kvm_cpuid_entry2) == 40);
inline constexpr unsigned long kKvmGetSupportedCpuid = _IOC(_IOC_READ | _IOC_WRITE, KVMIO, 0x05, 8);
inline constexpr unsigned long kKvmSetCpuid2 = _IOC(_IOC_WRITE, KVMIO, 0x90, 8);
// The same for the other structures with flexible arrays the snapshot code passes: the
// sizes are C's (kvm_msr_list 4, kvm_msrs 8, kvm_xsave 4096).
inline constexpr unsigned long kKvmGetMsrIndexList = _IOC(_IOC_READ | _IOC_WRITE, KVMIO, 0x02, 4);
inline constexpr unsigned long kKvmGetMsrs = _IOC(_IOC_READ | _IOC_WRITE, KVMIO, 0x88, 8);
inline constexpr unsigned long kKvmSetMsrs = _IOC(_IOC_WRITE, KVMIO, 0x89, 8);
inline constexpr unsigned long kKvmGetXsave = _IOC(_IOC_READ, KVMIO, 0xa4, 4096);
inline constexpr unsigned long kKvmSetXsave = _IOC(_IOC_WRITE, KVMIO, 0xa5, 4096);
inline constexpr unsigned long kKvmGetXsave2 = _IOC(_IOC_READ, KVMIO, 0xcf, 4096);

class KvmVcpu;

/// The error of the ioctl that just failed: its errno and a message naming it.
inline lib::Error ioctl_error(const char* message) { return lib::Error(lib::Errno(errno), message); }

class KvmVm {
public:
    KvmVm(KvmVm&& other) noexcept;
    KvmVm& operator=(KvmVm&&) = delete;
    ~KvmVm();

    /// Opens `device`, checks the API version and the capabilities the monitor needs, and
    /// creates a VM with the in-kernel irqchip (PIC + IOAPIC + LAPICs). Errors: NOENT /
    /// ACCES (no usable device: the caller says to fall back to QEMU), NOSYS (a capability
    /// is missing), or the failing ioctl's errno.
    static lib::Result<KvmVm> create(const char* device = "/dev/kvm");

    /// Gives every region of `memory` to the guest, read-only regions with KVM_MEM_READONLY.
    lib::Result<void> map_memory(const GuestMemory& memory);
    /// Drives in-kernel irqchip input `irq` (GSI) to `level`.
    lib::Result<void> irq_line(uint32_t irq, bool level) const;
    /// The host TSC frequency the guest sees, in kHz (KVM_GET_TSC_KHZ); 0 if unknown.
    uint32_t tsc_khz() const;
    /// What KVM_GET_SUPPORTED_CPUID returned when the VM was created.
    const std::vector<kvm_cpuid_entry2>& supported_cpuid() const { return m_supported_cpuid; }
    int vm_fd() const { return m_vm; }
    size_t run_size() const { return m_run_size; }

    // Snapshots (kvm_state.cpp; the order follows what api.rst requires and Firecracker
    // and QEMU do).
    /// kvmclock (KVM_GET_CLOCK) and the in-kernel PIC and IOAPIC (KVM_GET_IRQCHIP).
    lib::Result<std::vector<uint8_t>> save_state() const;
    /// Puts them back: after every vCPU's state, before the vCPUs run. Errors: INVAL for
    /// state that does not parse, else the ioctl's errno.
    lib::Result<void> restore_state(std::span<const uint8_t> state) const;
    /// The bytes of a vCPU's XSAVE area here (KVM_CAP_XSAVE2, at least 4096).
    size_t xsave_size() const;
    /// The MSRs a vCPU's snapshot holds: KVM's list, kept to the architectural and KVM
    /// paravirtual ones a guest's state lives in (kvm_state.cpp).
    lib::Result<std::vector<uint32_t>> snapshot_msrs() const;

private:
    KvmVm(int kvm, int vm, size_t run_size) : m_kvm(kvm), m_vm(vm), m_run_size(run_size) { }
    int m_kvm = -1, m_vm = -1;
    size_t m_run_size = 0;
    uint32_t m_slots = 0;
    std::vector<kvm_cpuid_entry2> m_supported_cpuid;

    lib::Result<std::vector<kvm_cpuid_entry2>> query_supported_cpuid() const;
};

class KvmVcpu {
public:
    KvmVcpu(KvmVcpu&& other) noexcept;
    ~KvmVcpu();

    /// Creates vCPU `id` with CPUID from vcpu_cpuid() and LINT0 as ExtINT, LINT1 as NMI
    /// (so the in-kernel PIC reaches the BSP). Errors: the failing ioctl's errno.
    static lib::Result<KvmVcpu> create(const KvmVm& vm, uint32_t id);
    /// The PVH entry state (Xen docs/misc/pvh.pandoc): 32-bit protected mode, flat 4 GiB
    /// code and data segments, paging off, %eip = entry, %ebx = start_info, EFLAGS = 2.
    lib::Result<void> set_pvh_entry(uint32_t entry, uint32_t start_info);
    /// One KVM_RUN; Errors: INTR when a signal (a kick) interrupted it, else the errno.
    lib::Result<void> run();
    /// Finishes the exit last handled (an I/O port or MMIO access completes only on the next
    /// KVM_RUN, api.rst) without running guest code: one KVM_RUN with immediate_exit set.
    /// Afterwards the vCPU's state is consistent and may be saved.
    lib::Result<void> complete_pending_exit();
    /// Everything KVM keeps of this vCPU (kvm_state.cpp), after complete_pending_exit.
    lib::Result<std::vector<uint8_t>> save_state(const KvmVm& vm) const;
    /// Puts a saved state back on a vCPU just created. Errors: INVAL (state that does not
    /// parse or does not fit this host), else the ioctl's errno.
    lib::Result<void> restore_state(const KvmVm& vm, std::span<const uint8_t> state);
    /// Whether this vCPU (out of KVM_RUN) is halted with interrupts off and no NMI pending:
    /// nothing but INIT can wake it. Errors: the ioctl's errno.
    lib::Result<bool> halted_with_interrupts_off() const;
    /// KVM_SET_TSC_KHZ: the guest's TSC runs at `khz` (a snapshot from another frequency).
    lib::Result<void> set_tsc_khz(uint32_t khz);
    kvm_run& run_area() { return *m_run; }
    size_t run_size() const { return m_run_size; }
    /// This vCPU's KVM statistics (kvm_stats.h). Errors: the ioctl's or read's errno
    /// (kernels before 5.14 have no KVM_GET_STATS_FD), INVAL for a file that does not parse.
    lib::Result<std::vector<KvmStat>> statistics() const;

private:
    KvmVcpu(int fd, kvm_run* run, size_t size) : m_fd(fd), m_run(run), m_run_size(size) { }
    int m_fd = -1;
    kvm_run* m_run = nullptr;
    size_t m_run_size = 0;
};

} // namespace monitor
