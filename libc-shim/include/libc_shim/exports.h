// The glibc ABI the kernel offers to programs: one entry per NAME@VERSION@SONAME, generated
// at the kernel's second link by libc-shim/gen-exports from the pass-1 kernel and
//   exports/glibc-2.36.abi     glibc's exported names and versions (measured, committed)
//   exports/incompatible.txt   musl names whose ABI differs from glibc's: never exported
//   exports/overrides.txt      NAME@VERSION -> kernel symbol (libc-shim implementations)
// The table lives in section .osprey_tables.exports, bracketed by __osprey_exports_start/
// __osprey_exports_end (kernel/arch/x86_64/kernel.ld), sorted by name (bytewise), then
// version, then soname; its strings are in .osprey_tables.strings. In the pass-1 kernel it
// is empty.
//
// Version semantics (what glibc's ld.so does for a kernel-provided library): a versioned
// reference binds to exactly that version; an unversioned one to the default version.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace libc_shim {

enum class ExportType : uint32_t { Function = 0, Object = 1, Tls = 2 };

struct ExportEntry {
    const char* name;    // glibc's name, e.g. "memcpy"
    const char* version; // e.g. "GLIBC_2.14"
    const char* soname;  // the glibc library that defines it, e.g. "libc.so.6"
    uint64_t address;    // the kernel symbol implementing it (.quad symbol in the table)
    uint64_t size;       // the kernel object's size (COPY relocations copy this many bytes)
    ExportType type;
    uint32_t is_default; // 1: the version an unversioned reference binds to (NAME@@VERSION)
};
static_assert(sizeof(ExportEntry) == 48);
static_assert(offsetof(ExportEntry, address) == 24);
static_assert(offsetof(ExportEntry, type) == 40);
static_assert(offsetof(ExportEntry, is_default) == 44);

/// The searches behind find_export and has_export, over any sorted table: the kernel's
/// own, or one the CLI read from a kernel ELF file (`osprey inspect --abi`,
/// tools/kernel_exports.h). Portable. The index of the first entry whose name is not less
/// than `name`.
inline size_t export_lower_bound(std::span<const ExportEntry> table, std::string_view name)
{
    size_t low = 0, high = table.size();
    while (low < high) {
        size_t mid = low + (high - low) / 2;
        if (std::string_view(table[mid].name) < name)
            low = mid + 1;
        else
            high = mid;
    }
    return low;
}

inline const ExportEntry* find_export_in(
    std::span<const ExportEntry> table, std::string_view name, std::string_view version)
{
    for (size_t i = export_lower_bound(table, name); i < table.size() && table[i].name == name; ++i)
        if (version.empty() ? table[i].is_default != 0 : table[i].version == version)
            return &table[i];
    return nullptr;
}

/// The entry for `name` at `version`; with an empty version, the default version. When
/// several sonames define it (ldexp is in libc.so.6 and libm.so.6), the first in soname
/// order; all of them have the same address. nullptr when the kernel does not provide it.
/// O(log n).
const ExportEntry* find_export(std::string_view name, std::string_view version);
/// The same with C strings: `version_or_null` NULL (or "") means an unversioned reference.
const ExportEntry* lookup(const char* name, const char* version_or_null);
/// Whether any version of `name` is provided (to tell "wrong version" from "missing").
bool has_export(std::string_view name);
/// Whether `soname` is one of the libraries the kernel itself provides (libc.so.6,
/// libm.so.6, libpthread.so.0, libdl.so.2, librt.so.1, libutil.so.1, libresolv.so.2,
/// ld-linux-x86-64.so.2): the linker never loads those from the image.
bool is_kernel_soname(std::string_view soname);
/// Number of entries (for logs and tests).
uint64_t export_count();

} // namespace libc_shim
