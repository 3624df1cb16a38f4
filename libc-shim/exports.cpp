// Lookups in the generated glibc export table (layout and semantics in exports.h).
#include <libc_shim/exports.h>

#include <cstring>

extern "C" const libc_shim::ExportEntry __osprey_exports_start[];
extern "C" const libc_shim::ExportEntry __osprey_exports_end[];

namespace libc_shim {

namespace {

constexpr std::string_view kKernelSonames[] = { "libc.so.6", "libm.so.6", "libpthread.so.0",
    "libdl.so.2", "librt.so.1", "libutil.so.1", "libresolv.so.2", "ld-linux-x86-64.so.2" };

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

bool is_kernel_soname(std::string_view soname)
{
    for (auto s : kKernelSonames)
        if (s == soname)
            return true;
    return false;
}

uint64_t export_count() { return uint64_t(__osprey_exports_end - __osprey_exports_start); }

} // namespace libc_shim
