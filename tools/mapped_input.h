// An input file of the CLI (a program, a library, an image) mapped read-only for as long as
// the object lives, instead of read into memory: its pages come from the page cache, so the
// closure search, the load check and the image writer each reaching the same file cost no
// copy, and a large or sparse file costs only the pages that are read. A file that shrinks
// while it is mapped (replaced under the build) ends the CLI with exit 2 and a message
// naming it, not a SIGBUS crash.
#pragma once

#include <cstddef>
#include <filesystem>
#include <span>

namespace tools {

class MappedInput {
public:
    /// Maps `path`. Throws CliError(kExitBadInput) naming it if it cannot be opened or
    /// read (kExitHostFailure if the mapping itself fails).
    explicit MappedInput(const std::filesystem::path& path);
    ~MappedInput();
    MappedInput(MappedInput&& other) noexcept;
    MappedInput(const MappedInput&) = delete;
    MappedInput& operator=(const MappedInput&) = delete;
    MappedInput& operator=(MappedInput&&) = delete;

    std::span<const std::byte> bytes() const { return { m_bytes, m_size }; }

private:
    const std::byte* m_bytes = nullptr;
    size_t m_size = 0;
};

} // namespace tools
