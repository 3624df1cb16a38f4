#include <linker/load_plan.h>

namespace linker {

namespace {

constexpr uint64_t kUserLimit = 1ull << 47; // the lower canonical half (x86-64, 4-level paging)
constexpr uint64_t kMaxSpan = 4ull << 30;   // the loader reserves the whole span up front

bool power_of_two(uint64_t v) { return (v & (v - 1)) == 0; }

lib::Result<void> check_common(const elf::ProgramHeader& p, uint64_t file_size)
{
    if (p.filesz > p.memsz)
        return elf_error("ELF: segment file size larger than memory size");
    if (!range_fits(p.offset, p.filesz, file_size))
        return elf_error("ELF: segment data extends past end of file");
    if (!range_fits(p.vaddr, p.memsz, kUserLimit))
        return elf_error("ELF: segment address or size beyond the user address space");
    if (!power_of_two(p.align))
        return elf_error("ELF: segment alignment not a power of two");
    return {};
}

lib::Result<void> add_load(LoadPlan& plan, const elf::ProgramHeader& p)
{
    if (plan.m_segment_count == LoadPlan::kMaxSegments)
        return elf_error("ELF: more than 16 PT_LOAD segments");
    if ((p.vaddr - p.offset) % kPageSize)
        return elf_error("ELF: PT_LOAD segment not congruent to its file offset modulo the page size");
    if (p.align > 1 && (p.vaddr - p.offset) % p.align)
        return elf_error("ELF: PT_LOAD segment misaligned (p_vaddr != p_offset modulo p_align)");
    if (plan.m_segment_count) {
        const LoadSegment& previous = plan.m_segments[plan.m_segment_count - 1];
        if (p.vaddr < previous.vaddr + previous.memsz)
            return elf_error("ELF: PT_LOAD segments unsorted or overlapping");
    }
    plan.m_segments[plan.m_segment_count++] = { p.vaddr, p.memsz, p.offset, p.filesz, p.flags };
    if (p.align > plan.max_align)
        plan.max_align = p.align;
    return {};
}

/// Whether [vaddr, vaddr + size) lies in one PT_LOAD; `file_backed`: in its p_filesz part.
bool in_load(const LoadPlan& plan, uint64_t vaddr, uint64_t size, bool file_backed)
{
    for (const LoadSegment& s : plan.segments())
        if (vaddr >= s.vaddr && range_fits(vaddr - s.vaddr, size, file_backed ? s.filesz : s.memsz))
            return true;
    return false;
}

lib::Result<void> note_special(LoadPlan& plan, const elf::ProgramHeader& p)
{
    switch (p.type) {
    case elf::PT_DYNAMIC:
        if (plan.dynamic)
            return elf_error("ELF: more than one PT_DYNAMIC");
        plan.dynamic = AddressRange { p.vaddr, p.memsz };
        break;
    case elf::PT_TLS:
        if (plan.tls)
            return elf_error("ELF: more than one PT_TLS");
        plan.tls = TlsSegment { p.vaddr, p.filesz, p.memsz, p.align ? p.align : 1 };
        TRY(check_tls_segment(*plan.tls));
        break;
    case elf::PT_GNU_RELRO: plan.relro = AddressRange { p.vaddr, p.memsz }; break;
    case elf::PT_PHDR: plan.phdr_vaddr = p.vaddr; break;
    case elf::PT_INTERP: plan.interp = AddressRange { p.offset, p.filesz }; break;
    default: break;
    }
    return {};
}

lib::Result<void> check_placement(const LoadPlan& plan, uint64_t phoff, uint64_t file_size)
{
    if (plan.dynamic && (plan.dynamic->vaddr % 8 || !in_load(plan, plan.dynamic->vaddr, plan.dynamic->size, true)))
        return elf_error("ELF: PT_DYNAMIC outside the loaded segments or misaligned");
    // A PT_TLS without initialised bytes has no image to read, wherever it says it is: Go's
    // linker puts its .tbss-only segment at address 0.
    if (plan.tls && plan.tls->filesz && !in_load(plan, plan.tls->vaddr, plan.tls->filesz, true))
        return elf_error("ELF: PT_TLS initialisation image outside the loaded segments");
    if (plan.relro && !in_load(plan, plan.relro->vaddr, plan.relro->size, false))
        return elf_error("ELF: PT_GNU_RELRO outside the loaded segments");
    uint64_t phdr_size = uint64_t(plan.phnum) * sizeof(elf::ProgramHeader);
    if (plan.phdr_vaddr && !in_load(plan, *plan.phdr_vaddr, phdr_size, true))
        return elf_error("ELF: PT_PHDR outside the loaded segments");
    if (plan.entry && !in_load(plan, plan.entry, 1, false))
        return elf_error("ELF: entry point outside the loaded segments");
    if (plan.interp && !range_fits(plan.interp->vaddr, plan.interp->size, file_size))
        return elf_error("ELF: PT_INTERP extends past end of file");
    if (plan.interp && !plan.dynamic) // asks for a dynamic linker, yet there is nothing to link
        return elf_error("ELF: PT_INTERP without PT_DYNAMIC");
    return {};
}

/// Without PT_PHDR, the program headers are loaded if a PT_LOAD maps their file bytes.
void find_loaded_phdrs(LoadPlan& plan, uint64_t phoff)
{
    uint64_t size = uint64_t(plan.phnum) * sizeof(elf::ProgramHeader);
    for (const LoadSegment& s : plan.segments())
        if (phoff >= s.offset && range_fits(phoff - s.offset, size, s.filesz))
            plan.phdr_vaddr = s.vaddr + (phoff - s.offset);
}

} // namespace

lib::Result<void> check_tls_segment(const TlsSegment& tls)
{
    constexpr uint64_t kMaxAlign = 1 << 20, kMaxSize = 1 << 30;
    if ((tls.align & (tls.align - 1)) || tls.align > kMaxAlign)
        return elf_error("ELF: PT_TLS alignment not a power of two or above 1 MiB");
    if (tls.memsz > kMaxSize || tls.filesz > tls.memsz)
        return elf_error("ELF: PT_TLS larger than 1 GiB or with p_filesz > p_memsz");
    return {};
}

lib::Result<LoadPlan> make_load_plan(const ElfFile& elf, uint64_t file_size, AddressPolicy policy)
{
    if (elf.type != ElfType::SharedObject && policy == AddressPolicy::PositionIndependent)
        return elf_error("ELF: not position-independent (ET_EXEC); Osprey loads PIE executables and shared objects");
    LoadPlan plan;
    plan.entry = elf.header.entry;
    plan.phnum = elf.header.phnum;
    for (const elf::ProgramHeader& p : elf.program_headers) {
        if (p.type == elf::PT_GNU_STACK) {
            plan.executable_stack = (p.flags & elf::PF_X) != 0;
            continue;
        }
        if (p.type != elf::PT_LOAD && p.type != elf::PT_DYNAMIC && p.type != elf::PT_TLS && p.type != elf::PT_GNU_RELRO
            && p.type != elf::PT_PHDR && p.type != elf::PT_INTERP)
            continue;
        TRY(check_common(p, file_size));
        if (p.type == elf::PT_LOAD)
            TRY(add_load(plan, p));
        else
            TRY(note_special(plan, p));
    }
    if (plan.m_segment_count == 0)
        return elf_error("ELF: no PT_LOAD segment");
    const LoadSegment& last = plan.m_segments[plan.m_segment_count - 1];
    plan.span_start = plan.m_segments[0].page_start();
    plan.span_end = last.page_end();
    if (plan.span_size() > kMaxSpan)
        return elf_error("ELF: segments span more than 4 GiB");
    if (!plan.phdr_vaddr)
        find_loaded_phdrs(plan, elf.header.phoff);
    TRY(check_placement(plan, elf.header.phoff, file_size));
    return plan;
}

lib::Result<LoadPlan> make_load_plan(std::span<const std::byte> file)
{
    ElfFile elf = TRY(parse_elf(file));
    return make_load_plan(elf, file.size());
}

} // namespace linker
