// Lookups in the generated glibc export table (layout and semantics in exports.h).
#include <libc_shim/exports.h>

#include <abi/kernel_sonames.h>

#include <cstring>

extern "C" const libc_shim::ExportEntry __osprey_exports_start[];
extern "C" const libc_shim::ExportEntry __osprey_exports_end[];

namespace libc_shim {

namespace {

std::span<const ExportEntry> export_table() { return { __osprey_exports_start, __osprey_exports_end }; }

} // namespace

const ExportEntry* find_export(std::string_view name, std::string_view version)
{
    return find_export_in(export_table(), name, version);
}

const ExportEntry* lookup(const char* name, const char* version_or_null)
{
    return find_export(name, version_or_null ? std::string_view(version_or_null) : std::string_view());
}

bool has_export(std::string_view name)
{
    size_t at = export_lower_bound(export_table(), name);
    return at < export_table().size() && export_table()[at].name == name;
}

bool is_kernel_soname(std::string_view soname) { return osprey_abi::is_kernel_soname(soname); }

uint64_t export_count() { return uint64_t(__osprey_exports_end - __osprey_exports_start); }

} // namespace libc_shim
