// Stage 1 of the linker: the ELF header and program header table of a file, validated over
// a byte span before anything else looks at it (gABI §4 "ELF Header", §5 "Program Header").
// Every failure is ENOEXEC with a static message naming the problem; nothing here reads
// outside the span.
#pragma once

#include <linker/elf.h>
#include <lib/result.h>

#include <cstddef>
#include <span>

namespace linker {

enum class ElfType { Executable, SharedObject }; // ET_EXEC, ET_DYN (PIE or library)

/// The validated headers of an ELF file. `program_headers` points into the file span given
/// to parse_elf(), which must outlive it.
struct ElfFile {
    elf::Header header;
    ElfType type;
    std::span<const elf::ProgramHeader> program_headers;
};

/// Checks `file` is a 64-bit little-endian x86-64 ET_EXEC or ET_DYN ELF whose program
/// header table lies inside the file, is 8-byte aligned in memory and holds 1..256
/// entries of the ELF64 size. Errors: ENOEXEC ("ELF: ...") saying what is wrong.
lib::Result<ElfFile> parse_elf(std::span<const std::byte> file);

/// Whether [offset, offset + size) lies inside [0, limit), without overflow.
constexpr bool range_fits(uint64_t offset, uint64_t size, uint64_t limit)
{
    return offset <= limit && size <= limit - offset;
}

/// The ENOEXEC error every linker stage reports for malformed input.
constexpr lib::Error elf_error(const char* message) { return lib::Error(lib::Errno::NOEXEC, message); }

/// A shared library has a dynamic section: without one there is nothing to link or export.
/// The kernel's loader and osprey build's load check refuse one with this error.
constexpr lib::Error library_without_dynamic_error() { return elf_error("ELF: a shared library without PT_DYNAMIC"); }

/// An IFUNC resolver (IRELATIVE's addend, an STT_GNU_IFUNC symbol's value) is its object's
/// own code: one outside the object, from a corrupt addend or symbol, would run whatever
/// lies there, kernel memory included. Every linker stage refuses it with this error.
constexpr lib::Error ifunc_outside_object_error() { return elf_error("ELF: IFUNC resolver outside the object"); }

} // namespace linker
