#include "cpuid.h"
#include "kvm_vm.h"

#include <cerrno>
#include <cstring>
#include <memory>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

namespace monitor {

namespace {

lib::Result<void> set_cpuid(int fd, const std::vector<kvm_cpuid_entry2>& entries)
{
    auto cpuid = std::make_unique<KvmCpuid>();
    cpuid->nent = uint32_t(std::min<size_t>(entries.size(), kMaxCpuidEntries));
    memcpy(cpuid->entries, entries.data(), cpuid->nent * sizeof(kvm_cpuid_entry2));
    if (ioctl(fd, kKvmSetCpuid2, cpuid.get()) < 0)
        return ioctl_error("KVM_SET_CPUID2 failed");
    return {};
}

// Local APIC LVT LINT0 = ExtINT, LINT1 = NMI (Intel SDM vol. 3A §11.5.1), as a PC BIOS
// leaves them, so the in-kernel 8259 PIC's output reaches the BSP.
lib::Result<void> set_lint(int fd)
{
    constexpr size_t kLint0 = 0x350, kLint1 = 0x360;
    constexpr uint32_t kExtInt = 7u << 8, kNmi = 4u << 8, kModeMask = 7u << 8, kMasked = 1u << 16;
    kvm_lapic_state lapic {};
    if (ioctl(fd, KVM_GET_LAPIC, &lapic) < 0)
        return ioctl_error("KVM_GET_LAPIC failed");
    for (auto [offset, mode] : { std::pair { kLint0, kExtInt }, { kLint1, kNmi } }) {
        uint32_t value;
        memcpy(&value, lapic.regs + offset, 4);
        value = (value & ~(kModeMask | kMasked)) | mode;
        memcpy(lapic.regs + offset, &value, 4);
    }
    if (ioctl(fd, KVM_SET_LAPIC, &lapic) < 0)
        return ioctl_error("KVM_SET_LAPIC failed");
    return {};
}

kvm_segment flat_segment(uint16_t selector, uint8_t type)
{
    kvm_segment s {};
    s.base = 0;
    s.limit = 0xffffffff;
    s.selector = selector;
    s.type = type;
    s.present = 1;
    s.s = 1;  // code or data
    s.db = 1; // 32-bit
    s.g = 1;  // 4 KiB granularity
    return s;
}

} // namespace

KvmVcpu::KvmVcpu(KvmVcpu&& other) noexcept : m_fd(other.m_fd), m_run(other.m_run), m_run_size(other.m_run_size)
{
    other.m_fd = -1;
    other.m_run = nullptr;
}

KvmVcpu::~KvmVcpu()
{
    if (m_run)
        munmap(m_run, m_run_size);
    if (m_fd >= 0)
        close(m_fd);
}

lib::Result<KvmVcpu> KvmVcpu::create(const KvmVm& vm, uint32_t id)
{
    int fd = ioctl(vm.vm_fd(), KVM_CREATE_VCPU, id);
    if (fd < 0)
        return ioctl_error("KVM_CREATE_VCPU failed");
    void* run = mmap(nullptr, vm.run_size(), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (run == MAP_FAILED) {
        close(fd);
        return ioctl_error("cannot map the vCPU's kvm_run area");
    }
    KvmVcpu vcpu(fd, static_cast<kvm_run*>(run), vm.run_size());
    TRY(set_cpuid(fd, vcpu_cpuid(vm.supported_cpuid(), id, vm.tsc_khz())));
    TRY(set_lint(fd));
    return vcpu;
}

lib::Result<void> KvmVcpu::set_pvh_entry(uint32_t entry, uint32_t start_info)
{
    kvm_sregs sregs {};
    if (ioctl(m_fd, KVM_GET_SREGS, &sregs) < 0)
        return ioctl_error("KVM_GET_SREGS failed");
    sregs.cs = flat_segment(0x08, 0xb);                                             // execute/read, accessed
    sregs.ds = sregs.es = sregs.fs = sregs.gs = sregs.ss = flat_segment(0x10, 0x3); // read/write, accessed
    sregs.tr.type = 0xb; // 32-bit busy TSS, as the PVH ABI requires
    sregs.tr.present = 1;
    sregs.tr.limit = 0x67;
    sregs.cr0 = 0x11; // PE, ET; paging off
    sregs.cr4 = 0;
    sregs.efer = 0;
    if (ioctl(m_fd, KVM_SET_SREGS, &sregs) < 0)
        return ioctl_error("KVM_SET_SREGS failed");
    kvm_regs regs {};
    regs.rip = entry;
    regs.rbx = start_info;
    regs.rflags = 0x2;
    if (ioctl(m_fd, KVM_SET_REGS, &regs) < 0)
        return ioctl_error("KVM_SET_REGS failed");
    return {};
}

lib::Result<std::vector<KvmStat>> KvmVcpu::statistics() const
{
    int stats = ioctl(m_fd, KVM_GET_STATS_FD, 0);
    if (stats < 0)
        return ioctl_error("KVM_GET_STATS_FD failed");
    std::vector<uint8_t> file;
    uint8_t chunk[4096];
    for (;;) { // the file is small (a few KiB): read it whole
        ssize_t got = pread(stats, chunk, sizeof chunk, off_t(file.size()));
        if (got < 0) {
            close(stats);
            return ioctl_error("reading the KVM stats file failed");
        }
        if (got == 0 || file.size() > (1u << 20))
            break;
        file.insert(file.end(), chunk, chunk + got);
    }
    close(stats);
    return parse_kvm_stats(file);
}

lib::Result<void> KvmVcpu::run()
{
    if (ioctl(m_fd, KVM_RUN, 0) < 0)
        return ioctl_error("KVM_RUN failed");
    return {};
}

} // namespace monitor
