// Private to the ROFS writer: the in-memory tree that RofsWriter fills and
// rofs_layout.cpp serialises.
#pragma once

#include <images/rofs_format.h>
#include <images/rofs_writer.h>

#include <span>
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

/// Where the layout puts the image: bytes at offsets, in any order; bytes never put read
/// as zeros.
class ImageSink {
public:
    virtual ~ImageSink() = default;
    /// Called once, before any put(), with the image's size.
    virtual void reserve(uint64_t image_size) = 0;
    virtual void put(uint64_t offset, std::span<const std::byte> bytes) = 0;
};

/// Serialises the tree under `root` into `sink` (rofs_layout.cpp); returns the image size.
uint64_t write_rofs_image(const RofsWriter::Node& root, uint64_t mtime, ImageSink& sink);

} // namespace images
