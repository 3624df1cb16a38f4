// Stage 2 of the linker: from the program headers, what the loader must do to place an
// ET_DYN object (PIE executable or shared library) in memory at a chosen base: the
// PT_LOAD segments with their protections, the page-rounded span to reserve, and where
// the dynamic section, TLS initialisation image, RELRO range, program headers and entry
// point end up (gABI §5 "Program Loading"; x86-64 psABI §5.1).
//
// Addresses here are link-time virtual addresses; at run time each one is `bias + vaddr`
// with `bias = base - span_start`, where `base` is the page-aligned start of the reserved
// span. Memory beyond a segment's p_filesz up to its p_memsz is zero (.bss).
#pragma once

#include <linker/elf_format.h>

#include <array>
#include <optional>

namespace linker {

constexpr uint64_t kPageSize = 4096;
constexpr uint64_t page_round_down(uint64_t v) { return v & ~(kPageSize - 1); }
constexpr uint64_t page_round_up(uint64_t v) { return (v + kPageSize - 1) & ~(kPageSize - 1); }

struct Protection {
    bool read, write, execute;
};

struct LoadSegment {
    uint64_t vaddr, memsz, offset, filesz;
    uint32_t flags; // elf::PF_*
    Protection protection() const
    {
        return { (flags & elf::PF_R) != 0, (flags & elf::PF_W) != 0, (flags & elf::PF_X) != 0 };
    }
    /// Page-granular extent. Two neighbouring segments may share a page; the loader gives
    /// such a page the union of both protections.
    uint64_t page_start() const { return page_round_down(vaddr); }
    uint64_t page_end() const { return page_round_up(vaddr + memsz); }
};

struct AddressRange {
    uint64_t vaddr, size;
};

struct TlsSegment {
    uint64_t vaddr;  // initialisation image (.tdata) start
    uint64_t filesz; // bytes of .tdata; the rest up to memsz (.tbss) is zero
    uint64_t memsz;
    uint64_t align; // power of two, >= 1
};

/// PT_TLS's own limits (alignment a power of two up to 1 MiB, at most 1 GiB, p_filesz <=
/// p_memsz), checked when the plan is made and again when blocks are laid out (tls.h).
lib::Result<void> check_tls_segment(const TlsSegment& tls);

struct LoadPlan {
    static constexpr size_t kMaxSegments = 16;

    std::span<const LoadSegment> segments() const { return { m_segments.data(), m_segment_count }; }
    /// Page-rounded link-time extent of all PT_LOAD segments; reserve span_size() bytes.
    uint64_t span_start = 0, span_end = 0;
    uint64_t span_size() const { return span_end - span_start; }
    /// Largest PT_LOAD p_align (at least the page size): the base must be aligned to it.
    uint64_t max_align = kPageSize;
    uint64_t entry = 0;
    /// Where the program headers are once loaded (for AT_PHDR), if they are loaded.
    std::optional<uint64_t> phdr_vaddr;
    uint16_t phnum = 0;
    std::optional<AddressRange> dynamic;
    std::optional<AddressRange> relro;
    std::optional<TlsSegment> tls;
    std::optional<AddressRange> interp; // PT_INTERP: file range of the interpreter path
    bool executable_stack = false;      // PT_GNU_STACK with PF_X

    std::array<LoadSegment, kMaxSegments> m_segments {};
    size_t m_segment_count = 0;
};

/// Whether a plan may describe an ET_EXEC file (fixed addresses). The loader never loads
/// one; host tools inspect them.
enum class AddressPolicy { PositionIndependent, AllowFixed };

/// Plans the loading of a validated ET_DYN file of `file_size` bytes. Errors (ENOEXEC):
/// ET_EXEC (not position-independent) unless `policy` allows it, no PT_LOAD, more than 16 PT_LOAD segments,
/// unsorted or overlapping PT_LOAD, a span above 4 GiB, p_filesz > p_memsz, file data past the end of the
/// file, misaligned or non-power-of-two alignments, addresses beyond the user half,
/// PT_DYNAMIC/PT_TLS/PT_GNU_RELRO/PT_PHDR/entry outside the loaded segments.
lib::Result<LoadPlan> make_load_plan(
    const ElfFile& elf, uint64_t file_size, AddressPolicy policy = AddressPolicy::PositionIndependent);

/// parse_elf() then make_load_plan().
lib::Result<LoadPlan> make_load_plan(std::span<const std::byte> file);

} // namespace linker
