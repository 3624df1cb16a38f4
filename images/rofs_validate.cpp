// RofsImage::open(): validation of an untrusted image. After it succeeds, every offset,
// length and inode number the reader follows is known to be in bounds (rofs_format.h
// lists the invariants checked here).
#include "rofs_bytes.h"

#include <images/crc32c.h>
#include <images/rofs_reader.h>

namespace images {
namespace {

using lib::Errno;
using lib::Error;

constexpr bool is_page_aligned(uint64_t value) { return value % kRofsPageSize == 0; }

// Bytes [offset, offset + length) lie within [0, limit) (no overflow).
constexpr bool in_bounds(uint64_t offset, uint64_t length, uint64_t limit)
{
    return offset <= limit && length <= limit - offset;
}

constexpr uint64_t checksum_field = offsetof(RofsSuperblock, metadata_checksum);

uint32_t metadata_checksum(std::span<const std::byte> image, uint64_t metadata_size)
{
    constexpr std::byte zeros[4] = {};
    uint32_t crc = crc32c(image.first(checksum_field));
    crc = crc32c(zeros, crc);
    return crc32c(image.subspan(checksum_field + 4, metadata_size - checksum_field - 4), crc);
}

lib::Result<void> check_layout(const RofsSuperblock& sb)
{
    if (sb.inode_count == 0)
        return Error(Errno::INVAL, "ROFS: no root inode (corrupt image)");
    if (sb.dirent_count != sb.inode_count - 1)
        return Error(Errno::INVAL, "ROFS: directory entry count does not match inode count (corrupt image)");
    uint64_t inodes_end = sb.inode_table_offset + uint64_t(sb.inode_count) * sizeof(RofsInode);
    uint64_t dirents_end = sb.dirent_table_offset + uint64_t(sb.dirent_count) * sizeof(RofsDirent);
    if (sb.inode_table_offset != sizeof(RofsSuperblock) || sb.dirent_table_offset != inodes_end
        || sb.string_table_offset != dirents_end)
        return Error(Errno::INVAL, "ROFS: metadata tables are not where version 2 puts them (corrupt image)");
    if (sb.string_table_size > sb.image_size)
        return Error(Errno::INVAL, "ROFS: bad metadata size (corrupt image)");
    uint64_t checksums = (dirents_end + sb.string_table_size + 3) / 4 * 4;
    if (sb.data_checksum_offset != checksums
        || sb.metadata_size != checksums + uint64_t(sb.data_page_count) * sizeof(uint32_t))
        return Error(Errno::INVAL, "ROFS: bad metadata size (corrupt image)");
    uint64_t data_start = (sb.metadata_size + kRofsPageSize - 1) / kRofsPageSize * kRofsPageSize;
    if (sb.data_offset != data_start || sb.data_offset > sb.image_size)
        return Error(Errno::INVAL, "ROFS: bad data offset (corrupt image)");
    if (sb.data_page_count != (sb.image_size - sb.data_offset) / kRofsPageSize)
        return Error(Errno::INVAL, "ROFS: page checksums do not cover the data (corrupt image)");
    return {};
}

} // namespace

lib::Result<void> RofsImage::check_superblock(std::span<const std::byte> image)
{
    if (image.size() < sizeof(RofsSuperblock))
        return Error(Errno::INVAL, "ROFS: image smaller than its superblock (truncated or not an image)");
    auto sb = load<RofsSuperblock>(image, 0);
    if (__builtin_memcmp(sb.magic, kRofsMagic, sizeof(kRofsMagic)) != 0)
        return Error(Errno::INVAL, "ROFS: bad magic (not an Osprey image)");
    if (sb.version != kRofsVersion)
        return Error(Errno::INVAL,
            "ROFS: unsupported version (this reader knows version 2; rebuild the image with this osprey)");
    if (sb.superblock_size != sizeof(RofsSuperblock) || sb.page_size != kRofsPageSize || sb.flags != 0)
        return Error(Errno::INVAL, "ROFS: bad superblock fields (corrupt image)");
    if (sb.image_size > image.size())
        return Error(Errno::INVAL, "ROFS: image is truncated (shorter than its superblock says)");
    if (!is_page_aligned(sb.image_size) || sb.image_size < kRofsPageSize)
        return Error(Errno::INVAL, "ROFS: image size is not a whole number of pages (corrupt image)");
    // Bounds first (tables end inside the image, counts cannot overflow), then the sum.
    if (sb.metadata_size > sb.image_size || sb.metadata_size < sizeof(RofsSuperblock))
        return Error(Errno::INVAL, "ROFS: bad metadata size (corrupt image)");
    if (metadata_checksum(image, sb.metadata_size) != sb.metadata_checksum)
        return Error(Errno::INVAL, "ROFS: metadata checksum mismatch (corrupt image)");
    for (uint32_t word : sb.reserved) {
        if (word != 0)
            return Error(Errno::INVAL, "ROFS: reserved superblock fields are not zero (corrupt image)");
    }
    TRY(check_layout(sb));
    m_image = image.first(sb.image_size);
    m_inode_count = sb.inode_count;
    m_dirent_count = sb.dirent_count;
    m_inode_table = sb.inode_table_offset;
    m_dirent_table = sb.dirent_table_offset;
    m_strings = sb.string_table_offset;
    m_strings_size = sb.string_table_size;
    m_data_offset = sb.data_offset;
    m_data_checksums = sb.data_checksum_offset;
    m_data_page_count = sb.data_page_count;
    m_mtime = sb.mtime;
    return {};
}

lib::Result<void> RofsImage::check_inode(uint32_t number) const
{
    RofsInode inode = raw_inode(number);
    if ((inode.mode & ~(kRofsTypeMask | kRofsPermMask)) != 0 || inode.reserved != 0)
        return Error(Errno::INVAL, "ROFS: inode has unknown mode bits or reserved fields set (corrupt image)");
    switch (inode.mode & kRofsTypeMask) {
    case kRofsTypeRegular:
        if (inode.parent != 0 || !is_page_aligned(inode.offset) || inode.offset < m_data_offset
            || !in_bounds(inode.offset, inode.size, m_image.size()))
            return Error(Errno::INVAL, "ROFS: file data out of bounds or not page-aligned (corrupt image)");
        return {};
    case kRofsTypeSymlink:
        if (inode.parent != 0 || inode.size == 0 || inode.size > kRofsMaxPath
            || !in_bounds(inode.offset, inode.size, m_strings_size))
            return Error(Errno::INVAL, "ROFS: symlink target out of bounds (corrupt image)");
        if (string_at(inode.offset, inode.size).find('\0') != std::string_view::npos)
            return Error(Errno::INVAL, "ROFS: symlink target contains NUL (corrupt image)");
        return {};
    case kRofsTypeDirectory:
        if (inode.parent >= m_inode_count || (number == 0 && inode.parent != 0)
            || !in_bounds(inode.offset, inode.size, m_dirent_count))
            return Error(Errno::INVAL, "ROFS: directory entries out of bounds (corrupt image)");
        return {};
    default: return Error(Errno::INVAL, "ROFS: inode of unknown type (corrupt image)");
    }
}

lib::Result<void> RofsImage::check_dirent(uint32_t dir, uint64_t index) const
{
    auto dirent = load<RofsDirent>(m_image, m_dirent_table + index * sizeof(RofsDirent));
    if (dirent.inode != index + 1 || dirent.reserved0 != 0 || dirent.reserved1 != 0)
        return Error(Errno::INVAL, "ROFS: directory entries are not in breadth-first order (corrupt image)");
    if (dirent.name_length == 0 || dirent.name_length > kRofsMaxName
        || !in_bounds(dirent.name_offset, dirent.name_length, m_strings_size))
        return Error(Errno::INVAL, "ROFS: directory entry name out of bounds (corrupt image)");
    std::string_view name = string_at(dirent.name_offset, dirent.name_length);
    if (name == "." || name == ".." || name.find('/') != std::string_view::npos
        || name.find('\0') != std::string_view::npos)
        return Error(Errno::INVAL, "ROFS: invalid name in a directory (corrupt image)");
    RofsInode child = raw_inode(dirent.inode);
    RofsNode child_node(dirent.inode, child);
    if (dirent.type != dirent_type(child_node.type()))
        return Error(Errno::INVAL, "ROFS: directory entry type differs from its inode (corrupt image)");
    if (child_node.is_directory() && (child.parent != dir || dirent.inode <= dir))
        return Error(Errno::INVAL, "ROFS: directory tree is not a tree (corrupt image)");
    return {};
}

lib::Result<void> RofsImage::check_directory(uint32_t number, uint64_t& next_dirent) const
{
    RofsInode dir = raw_inode(number);
    if (dir.offset != next_dirent)
        return Error(Errno::INVAL, "ROFS: directory entries are not in breadth-first order (corrupt image)");
    next_dirent += dir.size;
    RofsDirentView entries { m_image, m_strings, m_dirent_table + dir.offset * sizeof(RofsDirent) };
    for (uint64_t i = 0; i < dir.size; ++i) {
        TRY(check_dirent(number, dir.offset + i));
        if (i > 0 && entries.at(i - 1).name.compare(entries.at(i).name) >= 0)
            return Error(Errno::INVAL, "ROFS: directory entries not sorted or duplicated (corrupt image)");
    }
    return {};
}

lib::Result<RofsImage> RofsImage::open(std::span<const std::byte> image)
{
    RofsImage reader;
    TRY(reader.check_superblock(image));
    for (uint32_t number = 0; number < reader.m_inode_count; ++number)
        TRY(reader.check_inode(number));
    if (!reader.root().is_directory())
        return Error(Errno::INVAL, "ROFS: root inode is not a directory (corrupt image)");
    uint64_t next_dirent = 0;
    for (uint32_t number = 0; number < reader.m_inode_count; ++number) {
        if ((reader.raw_inode(number).mode & kRofsTypeMask) == kRofsTypeDirectory)
            TRY(reader.check_directory(number, next_dirent));
    }
    if (next_dirent != reader.m_dirent_count)
        return Error(Errno::INVAL, "ROFS: directory entries not owned by any directory (corrupt image)");
    return reader;
}

} // namespace images
