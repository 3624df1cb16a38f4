// Page faults in the lower half: demand paging, copy on write, and the death of a program
// that touches what it may not (SIGSEGV, SIGBUS), reported like the CPU exception report.
//
// Everything runs in ring 0, so a fault may come from the program or from the kernel
// working on the program's behalf (a system call reading its buffer); once the program
// runs, both are handled the same way (the report says which). System calls check the
// program's buffers first (sys::check_user_range: EFAULT, as on Linux); a bad pointer that
// reaches kernel code some other way kills the program here. Before the program starts, a
// denied access is a kernel bug: the CPU exception report and a panic. The handler touches
// only the direct map and kernel data, never the lower half, so it cannot fault itself.
#include <mm/address_space.h>
#include <mm/memory.h>
#include <mm/page_frames_internal.h>

#include <kernel/arch/x86_64/gdt.h>
#include <kernel/arch/x86_64/idt.h>
#include <kernel/core/vm_exit.h>

#include <cstring>

namespace mm {

namespace {

// Page-fault error code, Intel SDM vol. 3A §4.7, figure 4-12.
constexpr uint64_t kFaultWrite = 1 << 1, kFaultReserved = 1 << 3, kFaultFetch = 1 << 4;
constexpr uint8_t kPageFaultVector = 14;
// Exit statuses of a program killed by a signal: 128 + the signal number (signal(7)).
constexpr int kSigsegv = 11, kSigbus = 7;
constexpr int kSigsegvStatus = 128 + kSigsegv, kSigbusStatus = 128 + kSigbus, kSigkillStatus = 128 + 9;

/// A copy of `bytes` bytes at physical `source` in a new frame (the rest of it zero).
lib::Result<uint64_t> copy_page(uint64_t source, size_t bytes)
{
    uint64_t frame = TRY(alloc_frame());
    memcpy(phys_to_virt(frame), phys_to_virt(source), bytes);
    return frame;
}

/// A file page for `virt`: the image's own page, shared read-only, unless the page must be
/// private now (a write to a private mapping) or is the file's partial last page (whose
/// tail must read as zero), which get a copy.
lib::Result<uint64_t> file_page_entry(const Area& area, uint64_t virt, Access access)
{
    const MappedFile& file = *area.file;
    uint64_t offset = area.offset_of(virt);
    if (file.pages) { // a file that changes: its own page, shared, or copied on a private write
        uint64_t page = TRY(file.pages->page_at(offset));
        if (access == Access::Write && area.sharing == Sharing::Private)
            return TRY(copy_page(page, kPageSize)) | pte_bits(area.prot, false);
        return page | pte_bits(area.prot, true, area.sharing);
    }
    if (offset >= page_round_up(file.size))
        return lib::Error(lib::Errno::FAULT, "page past the end of the mapped file");
    if (file.check_page)
        TRY(file.check_page(file, offset));
    uint64_t source = file.phys_base + offset;
    bool partial = file.size - offset < kPageSize;
    if (partial || (access == Access::Write && area.sharing == Sharing::Private)) {
        uint64_t frame = TRY(copy_page(source, partial ? file.size - offset : kPageSize));
        return frame | pte_bits(area.prot, false);
    }
    return source | pte_bits(area.prot, true);
}

const char* access_name(Access access)
{
    return access == Access::Write ? "write to" : access == Access::Execute ? "instruction fetch from" : "read from";
}

/// Why `access` to `area` is not allowed, or nullptr if it is.
const char* denial(const Area* area, Access access)
{
    if (!area)
        return "no mapping there";
    if (area->prot == ProtNone)
        return "the page is PROT_NONE (a guard page?)";
    if (access == Access::Write && !(area->prot & ProtWrite))
        return "the mapping is not writable";
    if (access == Access::Execute && !(area->prot & ProtExec))
        return "the mapping is not executable";
    return nullptr;
}

[[noreturn]] void kill_program(
    const arch::InterruptFrame& frame, const char* signal, uint64_t address, Access access, const char* why, int status)
{
    char headline[200];
    auto r = fmt::format_to_n(
        headline, sizeof(headline), "program killed by {}: {} {:#x}: {}", signal, access_name(access), address, why);
    arch::report_program_fault(
        frame, std::string_view(headline, r.size < sizeof(headline) ? r.size : sizeof(headline)));
    core::vm_exit(status);
}

/// A fault at a kernel-half address (an absent page, a write to text or rodata, a fetch from
/// data). Before the program runs, or in an interrupt or exception handler (on an IST
/// stack, or touching an IST guard page), it is the kernel's own: the CPU exception report
/// and a panic. Once the program runs:
/// - its own code touching the kernel ends like Linux's user access to a kernel address:
///   SIGSEGV, SEGV_MAPERR, to its handler if it has one (arch::raised_by_program: a jump
///   or call faults with RIP at its target, and counts by the return address at RSP);
/// - kernel code (a libc function or system call given a bad pointer) kills the program
///   as a bad lower-half pointer does (system calls refuse such buffers first: EFAULT).
arch::InterruptResult on_kernel_half_fault(arch::InterruptFrame& frame, uint64_t address, Access access)
{
    if (!arch::in_program_context(frame) || arch::ist_slot_containing(address))
        return arch::InterruptResult::Unhandled;
    bool program_code = arch::raised_by_program(frame);
    if (program_code && arch::deliver_program_signal(frame, kSigsegv, 1, address))
        return arch::InterruptResult::Handled;
    kill_program(frame, "SIGSEGV", address, access,
        program_code ? "the kernel's memory" : "in the kernel, on the program's behalf (a bad pointer passed to libc?)",
        kSigsegvStatus);
}

arch::InterruptResult on_page_fault(arch::InterruptFrame& frame)
{
    uint64_t address = arch::read_cr2();
    if (frame.error_code & kFaultReserved)
        return arch::InterruptResult::Unhandled; // corrupt page tables: CPU exception report
    Access access = frame.error_code & kFaultFetch ? Access::Execute
        : frame.error_code & kFaultWrite           ? Access::Write
                                                   : Access::Read;
    if (address >= kUserTop)
        return on_kernel_half_fault(frame, address, access);
    // The tree is read under the big kernel lock: with one CPU nothing else runs while a
    // fault is handled; with more, sched installs a wrapper that takes the lock first
    // (sched/kernel_lock.cpp), so AreaMap's split and merge (which take a range out of the
    // tree for a moment) never run while a fault looks.
    const Area* area = areas().find(address);
    const char* why = denial(area, access);
    // Before the program runs, or in an interrupt handler: the kernel's own bug.
    if (why && !arch::in_program_context(frame))
        return arch::InterruptResult::Unhandled;
    if (why && frame.rip >= kUserTop)
        why = "in the kernel, on the program's behalf (a bad system call argument?)";
    else if (why && address < kPageSize)
        why = "NULL pointer dereference";
    // A fault of the program's own code goes to its handler, if it has one (asm-generic
    // siginfo.h: SEGV_MAPERR 1, SEGV_ACCERR 2, BUS_ADRERR 2).
    bool program_code = arch::raised_by_program(frame);
    if (why && program_code && arch::deliver_program_signal(frame, kSigsegv, area ? 2 : 1, address))
        return arch::InterruptResult::Handled;
    if (why)
        kill_program(frame, "SIGSEGV", address, access, why, kSigsegvStatus);
    auto result = fault_in(*area, address, access);
    // Past the end of the file, or a corrupt image page: SIGBUS, as Linux for an I/O error.
    bool bus_error
        = result.is_error() && (result.error().code == lib::Errno::FAULT || result.error().code == lib::Errno::IO);
    if (bus_error && program_code && arch::deliver_program_signal(frame, kSigbus, 2, address))
        return arch::InterruptResult::Handled;
    if (bus_error)
        kill_program(frame, "SIGBUS", address, access, result.error().message, kSigbusStatus);
    if (result.is_error())
        kill_program(frame, "the kernel (out of memory)", address, access, result.error().message, kSigkillStatus);
    return arch::InterruptResult::Handled;
}

} // namespace

namespace {

lib::Result<void> fill_entry(const Area& area, uint64_t virt, Access access)
{
    uint64_t* pte = pte_for(virt, true);
    if (!pte)
        return lib::Error(lib::Errno::NOMEM, "no memory for a page table");
    uint64_t entry = *pte;
    if (entry & PteBacked) {
        bool shared_file_page = entry & PteFilePage;
        if (access == Access::Write && shared_file_page && area.sharing == Sharing::Private) {
            uint64_t frame = TRY(copy_page(entry & kPteAddressMask, kPageSize)); // copy on write
            *pte = frame | pte_bits(area.prot, false);
        } else {
            *pte = (entry & kPteAddressMask) | pte_bits(area.prot, shared_file_page, area.sharing);
        }
    } else if (area.anonymous()) {
        *pte = TRY(alloc_frame()) | pte_bits(area.prot, false);
    } else {
        *pte = TRY(file_page_entry(area, virt, access));
    }
    if (entry & PtePresent)
        flush_page(virt); // an entry other CPUs may cache changed (copy on write, a write enabled)
    else
        flush_page_local(virt);
    return {};
}

} // namespace

lib::Result<void> fault_in(const Area& area, uint64_t virt, Access access)
{
    virt = page_round_down(virt);
    auto filled = fill_entry(area, virt, access);
    if (filled.is_error()) // no frame, or a file page past the end of the file (MAP_POPULATE skips those)
        release_page_tables(virt, virt + kPageSize); // the tables made for the entry that was not written
    return filled;
}

void page_fault_init() { arch::set_interrupt_handler(kPageFaultVector, on_page_fault); }

} // namespace mm
