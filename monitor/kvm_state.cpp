// Saving and restoring what KVM keeps of a VM (its kvmclock and in-kernel irqchip) and of
// each vCPU, for snapshots (snapshot_file.h). The order of the calls is what KVM needs:
//   save:    complete the pending exit first (KVM_RUN with immediate_exit, api.rst), then
//            MP_STATE (it may accept pending INIT/SIPI and change the rest), REGS, SREGS,
//            XSAVE, XCRS, DEBUGREGS, LAPIC, MSRS, and VCPU_EVENTS last;
//   restore: on a vCPU with its CPUID set (SREGS checks apic_base against it): MP_STATE,
//            REGS (it clears pending exceptions, so before VCPU_EVENTS), SREGS (apic_base
//            before LAPIC), XSAVE, XCRS, DEBUGREGS, LAPIC (before the TSC deadline MSR),
//            MSRS with the TSC first and the TSC deadline alone at the end (KVM reads the
//            TSC to arm the timer), VCPU_EVENTS; then the VM's irqchip and clock.
// Not host tested (no /dev/kvm on build machines): the nested-KVM harness runs it.
#include "kvm_vm.h"
#include "snapshot_state.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <sys/ioctl.h>

namespace monitor {

namespace {

constexpr uint32_t kMsrTsc = 0x10, kMsrTscDeadline = 0x6e0;

/// MSRs that hold guest state: KVM lists more (performance counters, VMX capabilities,
/// Hyper-V), some of which KVM_GET_MSRS refuses when the guest's CPUID lacks the feature.
bool holds_guest_state(uint32_t index)
{
    struct Range {
        uint32_t first, last;
    };
    static constexpr Range kRanges[] = {
        { 0x10, 0x10 },             // TSC
        { 0x11, 0x12 },             // kvmclock, the old MSR numbers
        { 0x1b, 0x1b },             // APIC base
        { 0x3b, 0x3b },             // TSC adjust
        { 0x48, 0x48 },             // SPEC_CTRL
        { 0x174, 0x176 },           // SYSENTER CS, ESP, EIP
        { 0x1a0, 0x1a0 },           // MISC_ENABLE
        { 0x200, 0x2ff },           // MTRRs, PAT
        { 0x6e0, 0x6e0 },           // TSC deadline
        { 0xda0, 0xda0 },           // XSS
        { 0xc0000080, 0xc0000084 }, // EFER, STAR, LSTAR, CSTAR, SFMASK
        { 0xc0000100, 0xc0000103 }, // FS and GS base, kernel GS base, TSC_AUX
        { 0x4b564d00, 0x4b564dff }, // KVM's paravirtual MSRs (kvmclock, async PF, PV EOI...)
    };
    return std::any_of(std::begin(kRanges), std::end(kRanges),
        [index](const Range& r) { return index >= r.first && index <= r.last; });
}

struct MsrBuffer {
    uint32_t nmsrs;
    uint32_t pad;
    kvm_msr_entry entries[1];
};

std::unique_ptr<uint8_t[]> msr_buffer(size_t count)
{
    auto buffer = std::make_unique<uint8_t[]>(8 + count * sizeof(kvm_msr_entry));
    memset(buffer.get(), 0, 8 + count * sizeof(kvm_msr_entry));
    return buffer;
}

/// Writes `entries` in one KVM_SET_MSRS. Errors: INVAL naming a refused MSR.
lib::Result<void> set_msrs(int fd, const std::vector<kvm_msr_entry>& entries)
{
    if (entries.empty())
        return {};
    auto buffer = msr_buffer(entries.size());
    auto* msrs = reinterpret_cast<MsrBuffer*>(buffer.get());
    msrs->nmsrs = uint32_t(entries.size());
    memcpy(msrs->entries, entries.data(), entries.size() * sizeof(kvm_msr_entry));
    int set = ioctl(fd, kKvmSetMsrs, msrs);
    if (set < 0)
        return ioctl_error("KVM_SET_MSRS failed");
    if (size_t(set) != entries.size())
        return lib::Error(lib::Errno::INVAL, "KVM refused an MSR of the snapshot (another CPU model or KVM version?)");
    return {};
}

/// Reads `indices`; an MSR KVM refuses is left out (KVM_GET_MSRS stops at the first).
lib::Result<std::vector<kvm_msr_entry>> get_msrs(int fd, std::vector<uint32_t> indices)
{
    for (;;) {
        auto buffer = msr_buffer(indices.size());
        auto* msrs = reinterpret_cast<MsrBuffer*>(buffer.get());
        msrs->nmsrs = uint32_t(indices.size());
        for (size_t i = 0; i < indices.size(); ++i)
            msrs->entries[i].index = indices[i];
        int got = ioctl(fd, kKvmGetMsrs, msrs);
        if (got < 0)
            return ioctl_error("KVM_GET_MSRS failed");
        if (size_t(got) == indices.size())
            return std::vector<kvm_msr_entry>(msrs->entries, msrs->entries + got);
        indices.erase(indices.begin() + got);
    }
}

template<typename T> lib::Result<T> get(int fd, unsigned long request, const char* message)
{
    T value {};
    if (ioctl(fd, request, &value) < 0)
        return ioctl_error(message);
    return value;
}

template<typename T> lib::Result<void> set(int fd, unsigned long request, const T& value, const char* message)
{
    if (ioctl(fd, request, &value) < 0)
        return ioctl_error(message);
    return {};
}

constexpr uint32_t kIrqChips[] = { KVM_IRQCHIP_PIC_MASTER, KVM_IRQCHIP_PIC_SLAVE, KVM_IRQCHIP_IOAPIC };

} // namespace

size_t KvmVm::xsave_size() const
{
    int size = ioctl(m_vm, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE2);
    return size > 4096 ? size_t(size) : 4096;
}

lib::Result<std::vector<uint32_t>> KvmVm::snapshot_msrs() const
{
    constexpr uint32_t kMaxListed = 1024;
    auto buffer = std::make_unique<uint32_t[]>(1 + kMaxListed);
    buffer[0] = kMaxListed;
    if (ioctl(m_kvm, kKvmGetMsrIndexList, buffer.get()) < 0)
        return ioctl_error("KVM_GET_MSR_INDEX_LIST failed");
    std::vector<uint32_t> indices;
    for (uint32_t i = 0; i < std::min(buffer[0], kMaxListed); ++i)
        if (holds_guest_state(buffer[1 + i]))
            indices.push_back(buffer[1 + i]);
    return indices;
}

lib::Result<std::vector<uint8_t>> KvmVm::save_state() const
{
    StateWriter out;
    out.record(TRY(get<kvm_clock_data>(m_vm, KVM_GET_CLOCK, "KVM_GET_CLOCK failed")));
    for (uint32_t chip_id : kIrqChips) {
        kvm_irqchip chip {};
        chip.chip_id = chip_id;
        if (ioctl(m_vm, KVM_GET_IRQCHIP, &chip) < 0)
            return ioctl_error("KVM_GET_IRQCHIP failed");
        out.record(chip);
    }
    return out.take();
}

lib::Result<void> KvmVm::restore_state(std::span<const uint8_t> state) const
{
    StateReader in(state);
    auto clock = TRY(in.record<kvm_clock_data>());
    for (uint32_t chip_id : kIrqChips) {
        auto chip = TRY(in.record<kvm_irqchip>());
        if (chip.chip_id != chip_id)
            return lib::Error(lib::Errno::INVAL, "the snapshot's interrupt controllers are out of order");
        TRY(set(m_vm, KVM_SET_IRQCHIP, chip, "KVM_SET_IRQCHIP failed"));
    }
    // Flags from KVM_GET_CLOCK (TSC_STABLE...) are refused by kernels before 5.16; none is
    // needed: the clock continues from the saved value, as if the VM had been paused.
    clock.flags = 0;
    memset(clock.pad, 0, sizeof clock.pad);
    TRY(set(m_vm, KVM_SET_CLOCK, clock, "KVM_SET_CLOCK failed"));
    if (!in.at_end())
        return lib::Error(lib::Errno::INVAL, "the snapshot's VM state has bytes after its end");
    return {};
}

lib::Result<void> KvmVcpu::complete_pending_exit()
{
    __atomic_store_n(&m_run->immediate_exit, 1, __ATOMIC_SEQ_CST);
    int ran = ioctl(m_fd, KVM_RUN, 0);
    int error = errno;
    __atomic_store_n(&m_run->immediate_exit, 0, __ATOMIC_SEQ_CST);
    if (ran < 0 && error != EINTR) {
        errno = error;
        return ioctl_error("KVM_RUN (completing the last exit) failed");
    }
    return {};
}

lib::Result<std::vector<uint8_t>> KvmVcpu::save_state(const KvmVm& vm) const
{
    StateWriter out;
    out.record(TRY(get<kvm_mp_state>(m_fd, KVM_GET_MP_STATE, "KVM_GET_MP_STATE failed")));
    out.record(TRY(get<kvm_regs>(m_fd, KVM_GET_REGS, "KVM_GET_REGS failed")));
    out.record(TRY(get<kvm_sregs>(m_fd, KVM_GET_SREGS, "KVM_GET_SREGS failed")));
    size_t xsave_size = vm.xsave_size();
    std::vector<uint8_t> xsave(xsave_size);
    if (ioctl(m_fd, xsave_size > 4096 ? kKvmGetXsave2 : kKvmGetXsave, xsave.data()) < 0)
        return ioctl_error("KVM_GET_XSAVE failed");
    out.bytes(xsave);
    out.record(TRY(get<kvm_xcrs>(m_fd, KVM_GET_XCRS, "KVM_GET_XCRS failed")));
    out.record(TRY(get<kvm_debugregs>(m_fd, KVM_GET_DEBUGREGS, "KVM_GET_DEBUGREGS failed")));
    out.record(TRY(get<kvm_lapic_state>(m_fd, KVM_GET_LAPIC, "KVM_GET_LAPIC failed")));
    auto msrs = TRY(get_msrs(m_fd, TRY(vm.snapshot_msrs())));
    out.u32(uint32_t(msrs.size()));
    for (const kvm_msr_entry& msr : msrs) {
        out.u32(msr.index);
        out.u64(msr.data);
    }
    out.record(TRY(get<kvm_vcpu_events>(m_fd, KVM_GET_VCPU_EVENTS, "KVM_GET_VCPU_EVENTS failed")));
    return out.take();
}

lib::Result<void> KvmVcpu::restore_state(const KvmVm& vm, std::span<const uint8_t> state)
{
    StateReader in(state);
    TRY(set(m_fd, KVM_SET_MP_STATE, TRY(in.record<kvm_mp_state>()), "KVM_SET_MP_STATE failed"));
    TRY(set(m_fd, KVM_SET_REGS, TRY(in.record<kvm_regs>()), "KVM_SET_REGS failed"));
    TRY(set(m_fd, KVM_SET_SREGS, TRY(in.record<kvm_sregs>()), "KVM_SET_SREGS failed"));
    auto saved_xsave = TRY(in.bytes());
    size_t xsave_size = vm.xsave_size();
    if (saved_xsave.size() < 4096 || saved_xsave.size() > xsave_size)
        return lib::Error(lib::Errno::INVAL, "the snapshot's FPU state does not fit this host (XSAVE size)");
    std::vector<uint8_t> xsave(xsave_size); // KVM_SET_XSAVE reads the full size here
    memcpy(xsave.data(), saved_xsave.data(), saved_xsave.size());
    if (ioctl(m_fd, kKvmSetXsave, xsave.data()) < 0)
        return ioctl_error("KVM_SET_XSAVE failed");
    TRY(set(m_fd, KVM_SET_XCRS, TRY(in.record<kvm_xcrs>()), "KVM_SET_XCRS failed"));
    TRY(set(m_fd, KVM_SET_DEBUGREGS, TRY(in.record<kvm_debugregs>()), "KVM_SET_DEBUGREGS failed"));
    TRY(set(m_fd, KVM_SET_LAPIC, TRY(in.record<kvm_lapic_state>()), "KVM_SET_LAPIC failed"));
    uint32_t count = TRY(in.u32());
    if (count > 1024)
        return lib::Error(lib::Errno::INVAL, "the snapshot lists too many MSRs");
    std::vector<kvm_msr_entry> msrs, deadline;
    for (uint32_t i = 0; i < count; ++i) {
        kvm_msr_entry entry {};
        entry.index = TRY(in.u32());
        entry.data = TRY(in.u64());
        if (entry.index == kMsrTscDeadline)
            deadline.push_back(entry);
        else if (entry.index == kMsrTsc)
            msrs.insert(msrs.begin(), entry);
        else
            msrs.push_back(entry);
    }
    TRY(set_msrs(m_fd, msrs));
    TRY(set_msrs(m_fd, deadline));
    TRY(set(m_fd, KVM_SET_VCPU_EVENTS, TRY(in.record<kvm_vcpu_events>()), "KVM_SET_VCPU_EVENTS failed"));
    if (!in.at_end())
        return lib::Error(lib::Errno::INVAL, "the snapshot's vCPU state has bytes after its end");
    return {};
}

lib::Result<bool> KvmVcpu::halted_with_interrupts_off() const
{
    constexpr uint64_t kInterruptFlag = 1u << 9;
    auto mp_state = TRY(get<kvm_mp_state>(m_fd, KVM_GET_MP_STATE, "KVM_GET_MP_STATE failed"));
    if (mp_state.mp_state != KVM_MP_STATE_HALTED)
        return false;
    auto regs = TRY(get<kvm_regs>(m_fd, KVM_GET_REGS, "KVM_GET_REGS failed"));
    auto events = TRY(get<kvm_vcpu_events>(m_fd, KVM_GET_VCPU_EVENTS, "KVM_GET_VCPU_EVENTS failed"));
    return !(regs.rflags & kInterruptFlag) && !events.nmi.pending && !events.nmi.injected;
}

lib::Result<void> KvmVcpu::set_tsc_khz(uint32_t khz)
{
    if (ioctl(m_fd, KVM_SET_TSC_KHZ, khz) < 0)
        return ioctl_error("KVM_SET_TSC_KHZ failed (the snapshot's TSC frequency cannot be given here)");
    return {};
}

} // namespace monitor
