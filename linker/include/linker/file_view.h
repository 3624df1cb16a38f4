// Reading an ELF *file* (not loaded) for what its shared-library closure needs: type,
// interpreter, DT_NEEDED, DT_SONAME, DT_RPATH, DT_RUNPATH. Dynamic-section addresses are
// translated to file offsets through the PT_LOAD segments. Used by the `osprey` CLI on
// host files; portable like the rest of the linker core.
#pragma once

#include <linker/dynamic.h>

namespace linker {

struct FileDynamic {
    ElfType type = ElfType::SharedObject;
    std::optional<std::string_view> interpreter;            // PT_INTERP path: a dynamically linked program
    bool has_dynamic = false;                               // false: a static executable
    bool pie = false;                                       // DF_1_PIE
    std::optional<std::string_view> soname, rpath, runpath; // rpath/runpath colon-separated
    std::array<std::string_view, DynamicInfo::kMaxNeeded> needed_storage {};
    size_t needed_count = 0;

    /// DT_NEEDED sonames in file order, pointing into the file buffer.
    std::span<const std::string_view> needed() const { return { needed_storage.data(), needed_count }; }
};

/// Parses `file` (an x86-64 ET_EXEC or ET_DYN ELF; the span must outlive the result: the
/// strings point into it). Errors (ENOEXEC): not ELF or wrong class/machine, truncated
/// or inconsistent headers, a dynamic section or string outside the file's PT_LOAD data,
/// more than 64 DT_NEEDED.
lib::Result<FileDynamic> read_dynamic_from_file(std::span<const std::byte> file);

} // namespace linker
