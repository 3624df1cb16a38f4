// RofsImage accessors and directory access over an image validated by open()
// (rofs_validate.cpp). Path walking is in rofs_lookup.cpp.
#include "rofs_bytes.h"

#include <images/crc32c.h>
#include <images/rofs_reader.h>

namespace images {

using lib::Errno;
using lib::Error;

RofsFileType RofsNode::type() const
{
    switch (m_raw.mode & kRofsTypeMask) {
    case kRofsTypeDirectory: return RofsFileType::Directory;
    case kRofsTypeSymlink: return RofsFileType::Symlink;
    default: return RofsFileType::Regular;
    }
}

RofsDirEntry RofsDirentView::at(size_t index) const
{
    auto dirent = load<RofsDirent>(image, first + index * sizeof(RofsDirent));
    auto* name = reinterpret_cast<const char*>(image.data() + strings + dirent.name_offset);
    return { std::string_view(name, dirent.name_length), dirent.inode, file_type_of_dirent(dirent.type) };
}

std::optional<RofsDirEntry> RofsDirectory::find(std::string_view name) const
{
    size_t low = 0;
    size_t high = m_count;
    while (low < high) {
        size_t middle = low + (high - low) / 2;
        RofsDirEntry entry = (*this)[middle];
        int order = entry.name.compare(name);
        if (order == 0)
            return entry;
        if (order < 0)
            low = middle + 1;
        else
            high = middle;
    }
    return std::nullopt;
}

RofsInode RofsImage::raw_inode(uint32_t number) const
{
    return load<RofsInode>(m_image, m_inode_table + uint64_t(number) * sizeof(RofsInode));
}

std::string_view RofsImage::string_at(uint64_t offset, uint64_t length) const
{
    return { reinterpret_cast<const char*>(m_image.data() + m_strings + offset), length };
}

RofsNode RofsImage::root() const { return RofsNode(0, raw_inode(0)); }

lib::Result<RofsNode> RofsImage::node(uint32_t number) const
{
    if (number >= m_inode_count)
        return Error(Errno::INVAL, "ROFS: no such inode");
    return RofsNode(number, raw_inode(number));
}

// Re-reads `node` from this image, so a node from another image cannot lead out of bounds.
lib::Result<RofsNode> RofsImage::checked(const RofsNode& node) const { return this->node(node.number()); }

lib::Result<RofsNode> RofsImage::parent(const RofsNode& dir) const
{
    RofsNode self = TRY(checked(dir));
    if (!self.is_directory())
        return Error(Errno::NOTDIR, "ROFS: not a directory");
    return node(self.m_raw.parent);
}

lib::Result<RofsDirectory> RofsImage::directory(const RofsNode& dir) const
{
    RofsNode self = TRY(checked(dir));
    if (!self.is_directory())
        return Error(Errno::NOTDIR, "ROFS: not a directory");
    return RofsDirectory(
        { m_image, m_strings, m_dirent_table + self.m_raw.offset * sizeof(RofsDirent) }, self.m_raw.size);
}

lib::Result<RofsNode> RofsImage::lookup_child(const RofsNode& dir, std::string_view name) const
{
    RofsDirectory entries = TRY(directory(dir));
    if (name.size() > kRofsMaxName)
        return Error(Errno::NAMETOOLONG, "ROFS: file name too long");
    std::optional<RofsDirEntry> entry = entries.find(name);
    if (!entry)
        return Error(Errno::NOENT, "ROFS: no such file or directory");
    return node(entry->inode);
}

lib::Result<std::span<const std::byte>> RofsImage::file_data(const RofsNode& file) const
{
    RofsNode self = TRY(checked(file));
    if (self.is_directory())
        return Error(Errno::ISDIR, "ROFS: is a directory");
    if (!self.is_regular())
        return Error(Errno::INVAL, "ROFS: not a regular file");
    return m_image.subspan(self.m_raw.offset, self.m_raw.size);
}

lib::Result<void> RofsImage::check_data_page(uint64_t page) const
{
    uint64_t* word = m_checked_pages ? &m_checked_pages[page / 64] : nullptr;
    uint64_t bit = uint64_t(1) << (page % 64);
    if (word && (__atomic_load_n(word, __ATOMIC_RELAXED) & bit))
        return {};
    auto bytes = m_image.subspan(m_data_offset + page * kRofsPageSize, kRofsPageSize);
    if (crc32c(bytes) != load<uint32_t>(m_image, m_data_checksums + page * sizeof(uint32_t)))
        return Error(Errno::IO, "ROFS: a file's data page does not match its checksum (corrupt image)");
    if (word)
        __atomic_fetch_or(word, bit, __ATOMIC_RELAXED);
    return {};
}

lib::Result<std::span<const std::byte>> RofsImage::file_range(
    const RofsNode& file, uint64_t offset, uint64_t length) const
{
    auto data = TRY(file_data(file));
    if (offset >= data.size() || length == 0)
        return data.subspan(data.size(), 0);
    uint64_t n = data.size() - offset < length ? data.size() - offset : length;
    uint64_t start = uint64_t(data.data() - m_image.data()) + offset; // image offset, >= m_data_offset
    uint64_t first = (start - m_data_offset) / kRofsPageSize, last = (start + n - 1 - m_data_offset) / kRofsPageSize;
    for (uint64_t page = first; page <= last; ++page)
        TRY(check_data_page(page));
    return data.subspan(offset, n);
}

lib::Result<std::string_view> RofsImage::read_link(const RofsNode& link) const
{
    RofsNode self = TRY(checked(link));
    if (!self.is_symlink())
        return Error(Errno::INVAL, "ROFS: not a symbolic link");
    return string_at(self.m_raw.offset, self.m_raw.size);
}

lib::Result<RofsStat> RofsImage::stat(const RofsNode& node) const
{
    RofsNode self = TRY(checked(node));
    RofsStat info {};
    info.ino = uint64_t(self.number()) + 1;
    info.mode = self.mode();
    info.nlink = 1;
    info.size = self.size();
    info.blksize = kRofsPageSize;
    info.mtime = m_mtime;
    if (self.is_directory()) {
        info.size = kRofsPageSize;
        info.nlink = 2;
        for (RofsDirEntry entry : TRY(directory(self))) {
            if (entry.type == RofsFileType::Directory)
                ++info.nlink;
        }
    }
    if (self.is_regular())
        info.blocks = (self.size() + kRofsPageSize - 1) / kRofsPageSize * (kRofsPageSize / 512);
    return info;
}

} // namespace images
