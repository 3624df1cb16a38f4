// FIRST-CUT API kept for linker/kernel/ (module_loader, program, symbol_binder) until it
// moves to the staged core: elf_format.h, load_plan.h, dynamic.h, symbols.h, reloc.h,
// tls.h. ElfImage is now a thin wrapper over parse_elf() + make_load_plan().
#pragma once

#include <linker/load_plan.h>

namespace linker {

class ElfImage {
public:
    static constexpr size_t kMaxSegments = LoadPlan::kMaxSegments;

    /// Validates `file` as an x86-64 ELF: a position-independent one (PIE executable or
    /// shared object), or also ET_EXEC when `policy` allows fixed addresses; see
    /// make_load_plan(). The span must outlive the result.
    static lib::Result<ElfImage> parse(
        std::span<const std::byte> file, AddressPolicy policy = AddressPolicy::PositionIndependent);

    const LoadPlan& plan() const { return m_plan; }
    std::span<const LoadSegment> segments() const { return m_plan.segments(); }
    uint64_t span_start() const { return m_plan.span_start; }
    uint64_t span_end() const { return m_plan.span_end; }
    uint64_t entry() const { return m_plan.entry; }
    uint16_t phnum() const { return m_plan.phnum; }
    /// Virtual address of the program headers once loaded (0 if not in a loaded segment).
    uint64_t phdr_vaddr() const { return m_plan.phdr_vaddr.value_or(0); }
    const elf::ProgramHeader* dynamic() const { return find(elf::PT_DYNAMIC); }
    const elf::ProgramHeader* tls() const { return find(elf::PT_TLS); }
    const elf::ProgramHeader* relro() const { return find(elf::PT_GNU_RELRO); }
    const elf::ProgramHeader* eh_frame_hdr() const { return find(elf::PT_GNU_EH_FRAME); }
    std::span<const std::byte> file() const { return m_file; }
    /// ET_EXEC: the segments must go exactly at their link-time addresses (bias 0).
    bool fixed_address() const { return m_elf.type == ElfType::Executable; }

private:
    const elf::ProgramHeader* find(uint32_t type) const;

    std::span<const std::byte> m_file;
    ElfFile m_elf {};
    LoadPlan m_plan;
};

} // namespace linker
