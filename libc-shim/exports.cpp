// Lookups in the generated glibc export table (layout and semantics in exports.h).
#include <libc_shim/exports.h>

#include <abi/kernel_sonames.h>

#include <cstring>

extern "C" const libc_shim::ExportEntry __osprey_exports_start[];
extern "C" const libc_shim::ExportEntry __osprey_exports_end[];

namespace libc_shim {

namespace {

/// First entry whose name is not less than `name`.
const ExportEntry* lower_bound(std::string_view name)
{
    const ExportEntry *low = __osprey_exports_start, *high = __osprey_exports_end;
    while (low < high) {
        const ExportEntry* mid = low + (high - low) / 2;
        if (std::string_view(mid->name) < name)
            low = mid + 1;
        else
            high = mid;
    }
    return low;
}

} // namespace

const ExportEntry* find_export(std::string_view name, std::string_view version)
{
    for (const ExportEntry* e = lower_bound(name); e < __osprey_exports_end && e->name == name; ++e) {
        if (version.empty() ? e->is_default != 0 : e->version == version)
            return e;
    }
    return nullptr;
}

const ExportEntry* lookup(const char* name, const char* version_or_null)
{
    return find_export(name, version_or_null ? std::string_view(version_or_null) : std::string_view());
}

bool has_export(std::string_view name)
{
    const ExportEntry* e = lower_bound(name);
    return e < __osprey_exports_end && e->name == name;
}

bool is_kernel_soname(std::string_view soname) { return osprey_abi::is_kernel_soname(soname); }

uint64_t export_count() { return uint64_t(__osprey_exports_end - __osprey_exports_start); }

} // namespace libc_shim
