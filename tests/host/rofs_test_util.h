// Helpers shared by the ROFS host tests.
#pragma once

#include <images/crc32c.h>
#include <images/rofs_format.h>
#include <images/rofs_reader.h>
#include <images/rofs_writer.h>

#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace rofs_test {

inline std::vector<std::byte> bytes_of(std::string_view text)
{
    std::vector<std::byte> bytes(text.size());
    if (!text.empty())
        std::memcpy(bytes.data(), text.data(), text.size());
    return bytes;
}

inline std::string text_of(std::span<const std::byte> bytes)
{
    return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

inline images::RofsSuperblock superblock_of(const std::vector<std::byte>& image)
{
    images::RofsSuperblock sb;
    std::memcpy(&sb, image.data(), sizeof(sb));
    return sb;
}

/// Recomputes the metadata checksum after a test edited the metadata, so the edit reaches
/// the structural checks instead of stopping at the checksum. Leaves the image alone if
/// its metadata_size field is out of range.
inline void reseal(std::vector<std::byte>& image)
{
    images::RofsSuperblock sb = superblock_of(image);
    if (sb.metadata_size < sizeof(sb) || sb.metadata_size > image.size())
        return;
    sb.metadata_checksum = 0;
    std::memcpy(image.data(), &sb, sizeof(sb));
    sb.metadata_checksum = images::crc32c(std::span(image).first(sb.metadata_size));
    std::memcpy(image.data(), &sb, sizeof(sb));
}

/// A small image with files, nested directories and symlinks of every kind.
inline std::vector<std::byte> sample_image()
{
    images::RofsWriter writer;
    writer.add_file("/hello.txt", bytes_of("hello, world\n"), 0644);
    writer.add_file("/empty", {}, 0600);
    writer.add_file("/bin/tool", bytes_of(std::string(5000, 'x')), 0755);
    writer.add_file("/usr/lib/x86_64-linux-gnu/libfoo.so.1.2.3",
        bytes_of("\x7f"
                 "ELF fake"),
        0644);
    writer.add_symlink("/usr/lib/x86_64-linux-gnu/libfoo.so.1", "libfoo.so.1.2.3");
    writer.add_symlink("/lib", "usr/lib");
    writer.add_symlink("/abs", "/usr/lib/x86_64-linux-gnu");
    writer.add_symlink("/dangling", "/nowhere");
    writer.add_symlink("/loop_a", "loop_b");
    writer.add_symlink("/loop_b", "loop_a");
    writer.add_symlink("/self", "self");
    writer.add_directory("/var/empty", 0700);
    return writer.build();
}

/// Walks everything reachable in `image` (lookups, readdir, data, links, stat); used on
/// images that opened successfully, to prove later calls stay in bounds.
inline size_t touch_everything(const images::RofsImage& image)
{
    size_t touched = 0;
    for (uint32_t number = 0; number < image.inode_count(); ++number) {
        auto node = image.node(number);
        if (node.is_error())
            continue;
        touched += !image.stat(*node).is_error();
        if (auto dir = image.directory(*node); !dir.is_error()) {
            for (images::RofsDirEntry entry : *dir) {
                touched += entry.name.size();
                touched += !image.lookup_child(*node, entry.name).is_error();
                touched += !image.lookup_at(*node, entry.name).is_error();
            }
            touched += !image.parent(*node).is_error();
        }
        if (auto data = image.file_data(*node); !data.is_error() && !data->empty())
            touched += static_cast<size_t>((*data)[0]) + static_cast<size_t>(data->back());
        if (auto range = image.file_range(*node, 1, UINT64_MAX); !range.is_error() && !range->empty())
            touched += static_cast<size_t>(range->back());
        if (auto target = image.read_link(*node); !target.is_error())
            touched += target->size();
    }
    for (const char* path : { "/", "/hello.txt", "/lib/x86_64-linux-gnu/libfoo.so.1", "/abs/../..", "/loop_a" })
        touched += !image.lookup(path).is_error();
    return touched;
}

} // namespace rofs_test
