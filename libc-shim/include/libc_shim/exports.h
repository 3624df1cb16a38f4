// The glibc ABI the kernel offers: one entry per NAME@VERSION, generated at build time by
// libc-shim/gen-exports (two-pass kernel link) from glibc's measured export list.
#pragma once

#include <cstdint>
#include <string_view>

namespace libc_shim {

enum class ExportType : uint32_t { Function = 0, Object = 1, Tls = 2 };

struct ExportEntry {
    const char* name;
    const char* version;
    const char* soname;
    uint64_t address;
    uint64_t size;
    ExportType type;
    uint32_t is_default; // the version an unversioned reference binds to
};
static_assert(sizeof(ExportEntry) == 48);

/// The entry for `name` at `version`; with an empty version, the default version.
/// nullptr when the kernel does not provide it.
const ExportEntry* find_export(std::string_view name, std::string_view version);
/// Whether any version of `name` is provided (to tell "wrong version" from "missing").
bool has_export(std::string_view name);
/// Whether `soname` is one of the libraries the kernel itself provides (libc.so.6, ...).
bool is_kernel_soname(std::string_view soname);
/// Number of entries (for logs and tests).
uint64_t export_count();

} // namespace libc_shim
