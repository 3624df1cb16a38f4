// Builds ROFS images (layout in rofs_format.h). Host only (full C++20, exceptions): the
// `osprey` CLI and the tests use it; the kernel only reads images.
//
//   images::RofsWriter writer;
//   writer.add_host_file("/app/hello", "build/hello", 0755);
//   writer.add_symlink("/lib/libfoo.so", "libfoo.so.1");
//   writer.write("hello.img");
//
// Parent directories are created implicitly (mode 0755). The output depends only on what
// was added (not on the order of the calls), so the same inputs give the same bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace images {

/// A bad path, a conflicting entry, or a host file that cannot be read.
class RofsWriteError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class RofsWriter {
public:
    RofsWriter();
    ~RofsWriter();

    /// Adds a regular file with the given contents at absolute `path` (components may not
    /// be "." or ".."). Throws RofsWriteError if the path is invalid or already taken.
    void add_file(std::string_view path, std::vector<std::byte> contents, uint32_t mode = 0644);
    /// Adds a regular file whose contents are read from `host_path` when the image is
    /// built; `mode` defaults to the host file's permission bits.
    void add_host_file(
        std::string_view path, std::filesystem::path host_path, std::optional<uint32_t> mode = std::nullopt);
    /// Adds a symbolic link to `target` (non-empty, at most kRofsMaxPath bytes).
    void add_symlink(std::string_view path, std::string_view target);
    /// Adds a directory, or sets the mode of one already created implicitly.
    void add_directory(std::string_view path, uint32_t mode = 0755);
    /// The modification time every inode reports (default 0, for reproducible images).
    void set_mtime(uint64_t seconds) { m_mtime = seconds; }

    /// Lays out the image. Throws RofsWriteError if a host file cannot be read or the
    /// image exceeds the format's limits.
    std::vector<std::byte> build() const;
    /// build(), written to `output` (replaced if present); returns the image size.
    /// Throws RofsWriteError.
    uint64_t write(const std::filesystem::path& output) const;

    struct Node;

private:
    Node& make_parents(std::string_view path, std::string& leaf);
    Node& add_entry(std::string_view path, uint32_t mode);

    std::unique_ptr<Node> m_root;
    uint64_t m_mtime = 0;
};

} // namespace images
