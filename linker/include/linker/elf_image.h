// An ELF file as it sits in the image, checked before anything is mapped: header, program
// headers and the load layout. Every check failure is an ENOEXEC error naming the problem,
// so a malformed file never reaches the loader.
#pragma once

#include <linker/elf.h>
#include <lib/result.h>

#include <cstddef>
#include <span>

namespace linker {

struct LoadSegment {
    uint64_t vaddr, memsz, offset, filesz;
    uint32_t flags; // elf::PF_*
};

class ElfImage {
public:
    static constexpr size_t kMaxSegments = 16;

    /// Validates `file` as a position-independent x86-64 ELF (PIE executable or shared
    /// object) that can be loaded at any page-aligned base. The span must outlive the result.
    static lib::Result<ElfImage> parse(std::span<const std::byte> file);

    std::span<const LoadSegment> segments() const { return { m_segments, m_segment_count }; }
    /// Lowest and highest virtual address (page-rounded) of all PT_LOAD segments.
    uint64_t span_start() const { return m_span_start; }
    uint64_t span_end() const { return m_span_end; }
    uint64_t entry() const { return m_header.entry; }
    uint16_t phnum() const { return m_header.phnum; }
    /// Virtual address of the program headers once loaded (0 if not in a loaded segment).
    uint64_t phdr_vaddr() const { return m_phdr_vaddr; }
    const elf::ProgramHeader* dynamic() const { return m_dynamic; }
    const elf::ProgramHeader* tls() const { return m_tls; }
    const elf::ProgramHeader* relro() const { return m_relro; }
    std::span<const std::byte> file() const { return m_file; }

private:
    lib::Result<void> check_program_headers();

    std::span<const std::byte> m_file;
    elf::Header m_header {};
    LoadSegment m_segments[kMaxSegments] {};
    size_t m_segment_count = 0;
    uint64_t m_span_start = 0, m_span_end = 0, m_phdr_vaddr = 0;
    const elf::ProgramHeader* m_dynamic = nullptr;
    const elf::ProgramHeader* m_tls = nullptr;
    const elf::ProgramHeader* m_relro = nullptr;
};

} // namespace linker
