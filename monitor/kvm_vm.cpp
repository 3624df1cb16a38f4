#include "kvm_vm.h"

#include "cpuid.h"

#include <cerrno>
#include <cstring>
#include <memory>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

namespace monitor {

namespace {

// Where KVM keeps its private pages on Intel hosts (KVM_SET_TSS_ADDR: three pages, and
// the identity map page after them), below 4 GiB and away from RAM, the image and MMIO.
constexpr uint64_t kTssAddress = 0xfffbd000, kIdentityMapAddress = 0xfffbc000;

lib::Result<void> check_capabilities(int kvm)
{
    for (int cap : { KVM_CAP_IRQCHIP, KVM_CAP_USER_MEMORY, KVM_CAP_IMMEDIATE_EXIT, KVM_CAP_READONLY_MEM }) {
        if (ioctl(kvm, KVM_CHECK_EXTENSION, cap) <= 0)
            return lib::Error(lib::Errno::NOSYS,
                "this KVM lacks a capability the monitor needs (irqchip, user memory, immediate exit or read-only "
                "memory)");
    }
    return {};
}

lib::Result<void> setup_vm(int vm)
{
    if (ioctl(vm, KVM_SET_IDENTITY_MAP_ADDR, &kIdentityMapAddress) < 0)
        return ioctl_error("KVM_SET_IDENTITY_MAP_ADDR failed");
    if (ioctl(vm, KVM_SET_TSS_ADDR, kTssAddress) < 0)
        return ioctl_error("KVM_SET_TSS_ADDR failed");
    if (ioctl(vm, KVM_CREATE_IRQCHIP, 0) < 0)
        return ioctl_error("KVM_CREATE_IRQCHIP failed");
    return {};
}

} // namespace

KvmVm::KvmVm(KvmVm&& other) noexcept
    : m_kvm(other.m_kvm), m_vm(other.m_vm), m_run_size(other.m_run_size), m_slots(other.m_slots),
      m_supported_cpuid(std::move(other.m_supported_cpuid))
{
    other.m_kvm = other.m_vm = -1;
}

KvmVm::~KvmVm()
{
    if (m_vm >= 0)
        close(m_vm);
    if (m_kvm >= 0)
        close(m_kvm);
}

lib::Result<KvmVm> KvmVm::create(const char* device)
{
    int kvm = open(device, O_RDWR | O_CLOEXEC);
    if (kvm < 0)
        return ioctl_error("cannot open /dev/kvm");
    KvmVm vm(kvm, -1, 0);
    if (ioctl(kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
        return lib::Error(lib::Errno::NOSYS, "unexpected KVM API version");
    TRY(check_capabilities(kvm));
    int size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
    if (size < int(sizeof(kvm_run)))
        return ioctl_error("KVM_GET_VCPU_MMAP_SIZE failed");
    vm.m_run_size = size_t(size);
    vm.m_supported_cpuid = TRY(vm.query_supported_cpuid());
    vm.m_vm = ioctl(kvm, KVM_CREATE_VM, 0);
    if (vm.m_vm < 0)
        return ioctl_error("KVM_CREATE_VM failed");
    TRY(setup_vm(vm.m_vm));
    return vm;
}

lib::Result<void> KvmVm::map_memory(const GuestMemory& memory)
{
    for (const MemoryRegion& region : memory.regions()) {
        kvm_userspace_memory_region slot {};
        slot.slot = m_slots++;
        slot.flags = region.access == Access::ReadOnly ? KVM_MEM_READONLY : 0;
        slot.guest_phys_addr = region.guest_base;
        slot.memory_size = (region.size + 4095) & ~uint64_t(4095);
        slot.userspace_addr = reinterpret_cast<uint64_t>(region.host);
        if (ioctl(m_vm, KVM_SET_USER_MEMORY_REGION, &slot) < 0)
            return ioctl_error("KVM_SET_USER_MEMORY_REGION failed");
    }
    return {};
}

lib::Result<void> KvmVm::irq_line(uint32_t irq, bool level) const
{
    kvm_irq_level line {};
    line.irq = irq;
    line.level = level ? 1 : 0;
    if (ioctl(m_vm, KVM_IRQ_LINE, &line) < 0)
        return ioctl_error("KVM_IRQ_LINE failed");
    return {};
}

uint32_t KvmVm::tsc_khz() const
{
    int khz = ioctl(m_vm, KVM_GET_TSC_KHZ, 0);
    return khz > 0 ? uint32_t(khz) : 0;
}

lib::Result<std::vector<kvm_cpuid_entry2>> KvmVm::query_supported_cpuid() const
{
    auto cpuid = std::make_unique<KvmCpuid>();
    cpuid->nent = kMaxCpuidEntries;
    if (ioctl(m_kvm, kKvmGetSupportedCpuid, cpuid.get()) < 0)
        return ioctl_error("KVM_GET_SUPPORTED_CPUID failed");
    return std::vector<kvm_cpuid_entry2>(cpuid->entries, cpuid->entries + std::min(cpuid->nent, kMaxCpuidEntries));
}

} // namespace monitor
