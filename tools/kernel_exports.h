// The glibc export table of a kernel ELF file (libc-shim/include/libc_shim/exports.h), read
// on the host: what `osprey inspect --abi` binds a program's imports against, so that its
// answer is the answer of the kernel that will run the program, not of a list kept beside
// it. The table is found through the kernel's symbols __osprey_exports_start and
// __osprey_exports_end; its string pointers are the kernel's addresses, turned into
// pointers into the mapped file here.
#pragma once

#include "mapped_input.h"

#include <libc_shim/exports.h>

#include <filesystem>
#include <vector>

namespace tools {

class KernelExports {
public:
    /// Reads `kernel`. Throws CliError(kExitBadInput) naming it when it is not an x86-64
    /// ELF file with the table (stripped, or a pass-1 kernel whose table is empty), or when
    /// an entry points outside the file.
    explicit KernelExports(const std::filesystem::path& kernel);

    /// As libc_shim::find_export: an empty version is the default one.
    const libc_shim::ExportEntry* find(std::string_view name, std::string_view version) const
    {
        return libc_shim::find_export_in(m_entries, name, version);
    }
    /// Every version of `name` the kernel has, for "provided at another version" messages.
    std::vector<std::string_view> versions_of(std::string_view name) const;
    size_t size() const { return m_entries.size(); }

private:
    MappedInput m_file;
    std::vector<libc_shim::ExportEntry> m_entries; // strings point into m_file
};

} // namespace tools
