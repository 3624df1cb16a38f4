// Private to the ROFS writer: the in-memory tree that RofsWriter fills and
// rofs_layout.cpp serialises.
#pragma once

#include <images/rofs_format.h>
#include <images/rofs_writer.h>

#include <variant>

namespace images {

struct RofsWriter::Node {
    uint32_t mode = kRofsTypeDirectory | 0755;
    bool explicit_entry = false;
    // Directories: children by name (std::string orders bytes as unsigned char, as the
    // reader's binary search does).
    std::map<std::string, std::unique_ptr<Node>> children;
    // Regular files: the bytes, or a host file read at build time.
    std::variant<std::vector<std::byte>, std::filesystem::path> contents;
    // Symlinks: the target.
    std::string target;

    bool is_directory() const { return (mode & kRofsTypeMask) == kRofsTypeDirectory; }
};

/// Serialises the tree under `root` (rofs_layout.cpp).
std::vector<std::byte> layout_rofs_image(const RofsWriter::Node& root, uint64_t mtime);

} // namespace images
