// Reads what the shared-library closure needs from an ELF file on the host: its type and
// the DT_NEEDED, DT_SONAME, DT_RPATH and DT_RUNPATH strings of its dynamic section.
// Parsed by the linker's portable reader (linker/file_view.h), so the CLI and the kernel's
// loader share one ELF parser.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace tools {

struct ElfDynamicInfo {
    enum class Type { Executable, SharedObject }; // ET_EXEC, ET_DYN (PIE or library)
    Type type;
    bool has_interpreter = false; // PT_INTERP: dynamically linked program
    std::vector<std::string> needed;
    std::optional<std::string> soname;
    std::optional<std::string> rpath;   // DT_RPATH (colon-separated)
    std::optional<std::string> runpath; // DT_RUNPATH (colon-separated)
};

/// Whether `path` starts with the ELF magic (false if unreadable).
bool looks_like_elf(const std::filesystem::path& path);
/// Whether `path`'s ELF header says a 64-bit x86-64 object (false if unreadable).
bool looks_like_x86_64_elf(const std::filesystem::path& path);

/// Parses `path` as an x86-64 ELF64 little-endian executable or shared object. Throws
/// CliError(kExitBadInput) naming the file and what is wrong (not ELF, wrong class or
/// machine, truncated or inconsistent headers, strings out of bounds).
ElfDynamicInfo read_elf_dynamic(const std::filesystem::path& path);

} // namespace tools
