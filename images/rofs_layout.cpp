// Serialises a RofsWriter tree into a ROFS version 1 image: breadth-first inode numbers,
// contiguous directory entry ranges, a deduplicated string table, page-aligned data.
#include "rofs_writer_tree.h"

#include <images/crc32c.h>

#include <cstring>
#include <fstream>

namespace images {
namespace {

uint64_t align_up(uint64_t value) { return (value + kRofsPageSize - 1) / kRofsPageSize * kRofsPageSize; }

struct Entry {
    const RofsWriter::Node* node;
    std::string_view name;
};

// Inodes in breadth-first order: the children of each directory, in name order, get the
// next numbers, and directories are expanded in inode order.
std::vector<Entry> number_inodes(const RofsWriter::Node& root)
{
    std::vector<Entry> order { { &root, "" } };
    for (size_t i = 0; i < order.size(); ++i) {
        for (const auto& [name, child] : order[i].node->children)
            order.push_back({ child.get(), name });
    }
    return order;
}

class StringTable {
public:
    uint32_t add(std::string_view text)
    {
        auto [it, inserted] = m_offsets.try_emplace(std::string(text), m_bytes.size());
        if (inserted)
            m_bytes.insert(m_bytes.end(), text.begin(), text.end());
        if (it->second > UINT32_MAX)
            throw RofsWriteError("ROFS writer: string table larger than 4 GiB");
        return static_cast<uint32_t>(it->second);
    }
    const std::string& bytes() const { return m_bytes; }

private:
    std::map<std::string, uint64_t> m_offsets;
    std::string m_bytes;
};

uint64_t contents_size(const RofsWriter::Node& file)
{
    if (auto* bytes = std::get_if<std::vector<std::byte>>(&file.contents))
        return bytes->size();
    const auto& path = std::get<std::filesystem::path>(file.contents);
    std::error_code error;
    uint64_t size = std::filesystem::file_size(path, error);
    if (error)
        throw RofsWriteError("ROFS writer: cannot read '" + path.string() + "': " + error.message());
    return size;
}

// Copies a file's contents into `out` (exactly contents_size() bytes).
void read_contents(const RofsWriter::Node& file, std::span<std::byte> out)
{
    if (out.empty())
        return;
    if (auto* bytes = std::get_if<std::vector<std::byte>>(&file.contents)) {
        std::memcpy(out.data(), bytes->data(), out.size());
        return;
    }
    const auto& path = std::get<std::filesystem::path>(file.contents);
    std::ifstream in(path, std::ios::binary);
    in.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(out.size()));
    if (!in || static_cast<uint64_t>(in.gcount()) != out.size() || in.peek() != std::char_traits<char>::eof())
        throw RofsWriteError("ROFS writer: cannot read '" + path.string() + "' (missing, or changed while building)");
}

template<typename T>
void store(std::vector<std::byte>& image, uint64_t offset, const T& value)
{
    std::memcpy(image.data() + offset, &value, sizeof(T));
}

template<typename T>
void store_all(std::vector<std::byte>& image, uint64_t offset, const std::vector<T>& values)
{
    if (!values.empty())
        std::memcpy(image.data() + offset, values.data(), values.size() * sizeof(T));
}

class Layout {
public:
    Layout(const RofsWriter::Node& root, uint64_t mtime) : m_order(number_inodes(root))
    {
        if (m_order.size() > UINT32_MAX)
            throw RofsWriteError("ROFS writer: too many files");
        m_sb = {};
        std::memcpy(m_sb.magic, kRofsMagic, sizeof(kRofsMagic));
        m_sb.version = kRofsVersion;
        m_sb.superblock_size = sizeof(RofsSuperblock);
        m_sb.page_size = kRofsPageSize;
        m_sb.inode_count = static_cast<uint32_t>(m_order.size());
        m_sb.dirent_count = m_sb.inode_count - 1;
        m_sb.mtime = mtime;
        m_sb.inode_table_offset = sizeof(RofsSuperblock);
        m_sb.dirent_table_offset = m_sb.inode_table_offset + m_order.size() * sizeof(RofsInode);
        m_sb.string_table_offset = m_sb.dirent_table_offset + m_sb.dirent_count * sizeof(RofsDirent);
    }

    std::vector<std::byte> build()
    {
        std::vector<RofsInode> inodes = make_inodes();
        std::vector<RofsDirent> dirents = make_dirents();
        m_sb.string_table_size = m_strings.bytes().size();
        // The data's page count does not depend on where the data starts (a page boundary
        // whatever the metadata's size), so a layout from 0 gives the checksum table's size.
        place_data(inodes, 0);
        uint64_t data_pages = align_up(m_data_end) / kRofsPageSize;
        if (data_pages > UINT32_MAX)
            throw RofsWriteError("ROFS writer: the files hold more than 2^32 pages (16 TiB)");
        m_sb.data_page_count = static_cast<uint32_t>(data_pages);
        m_sb.data_checksum_offset = (m_sb.string_table_offset + m_sb.string_table_size + 3) / 4 * 4;
        m_sb.metadata_size = m_sb.data_checksum_offset + data_pages * sizeof(uint32_t);
        m_sb.data_offset = align_up(m_sb.metadata_size);
        place_data(inodes, m_sb.data_offset);
        m_sb.image_size = align_up(m_data_end);

        std::vector<std::byte> image(m_sb.image_size);
        store_all(image, m_sb.inode_table_offset, inodes);
        store_all(image, m_sb.dirent_table_offset, dirents);
        std::memcpy(image.data() + m_sb.string_table_offset, m_strings.bytes().data(), m_sb.string_table_size);
        for (size_t i = 0; i < m_order.size(); ++i) {
            if ((inodes[i].mode & kRofsTypeMask) == kRofsTypeRegular)
                read_contents(*m_order[i].node, std::span(image).subspan(inodes[i].offset, inodes[i].size));
        }
        for (uint64_t page = 0; page < m_sb.data_page_count; ++page) {
            auto bytes = std::span(image).subspan(m_sb.data_offset + page * kRofsPageSize, kRofsPageSize);
            store(image, m_sb.data_checksum_offset + page * sizeof(uint32_t), crc32c(bytes));
        }
        store(image, 0, m_sb);
        m_sb.metadata_checksum = crc32c(std::span(image).first(m_sb.metadata_size));
        store(image, 0, m_sb);
        return image;
    }

private:
    std::vector<RofsInode> make_inodes()
    {
        std::vector<RofsInode> inodes(m_order.size());
        uint64_t next_dirent = 0;
        for (size_t i = 0; i < m_order.size(); ++i) {
            const RofsWriter::Node& node = *m_order[i].node;
            inodes[i].mode = node.mode;
            if (node.is_directory()) {
                inodes[i].offset = next_dirent;
                inodes[i].size = node.children.size();
                next_dirent += node.children.size();
            } else if ((node.mode & kRofsTypeMask) == kRofsTypeSymlink) {
                inodes[i].offset = m_strings.add(node.target);
                inodes[i].size = node.target.size();
            }
        }
        // Parents: the children of directory i are the inodes its dirents name.
        for (size_t i = 0; i < m_order.size(); ++i) {
            if (!m_order[i].node->is_directory())
                continue;
            for (uint64_t d = 0; d < inodes[i].size; ++d) {
                RofsInode& child = inodes[inodes[i].offset + d + 1];
                if ((child.mode & kRofsTypeMask) == kRofsTypeDirectory)
                    child.parent = static_cast<uint32_t>(i);
            }
        }
        return inodes;
    }

    std::vector<RofsDirent> make_dirents()
    {
        std::vector<RofsDirent> dirents(m_sb.dirent_count);
        for (size_t j = 0; j < dirents.size(); ++j) {
            const Entry& entry = m_order[j + 1];
            uint32_t type = entry.node->mode & kRofsTypeMask;
            dirents[j].inode = static_cast<uint32_t>(j + 1);
            dirents[j].name_offset = m_strings.add(entry.name);
            dirents[j].name_length = static_cast<uint16_t>(entry.name.size());
            dirents[j].type = type == kRofsTypeDirectory ? kRofsDtDirectory
                : type == kRofsTypeSymlink               ? kRofsDtSymlink
                                                         : kRofsDtRegular;
        }
        return dirents;
    }

    // Gives every file a page-aligned offset from `data_offset` on.
    void place_data(std::vector<RofsInode>& inodes, uint64_t data_offset)
    {
        m_data_end = data_offset;
        for (size_t i = 0; i < m_order.size(); ++i) {
            if ((inodes[i].mode & kRofsTypeMask) != kRofsTypeRegular)
                continue;
            inodes[i].offset = align_up(m_data_end);
            inodes[i].size = contents_size(*m_order[i].node);
            m_data_end = inodes[i].offset + inodes[i].size;
        }
    }

    std::vector<Entry> m_order;
    RofsSuperblock m_sb;
    StringTable m_strings;
    uint64_t m_data_end = 0;
};

} // namespace

std::vector<std::byte> layout_rofs_image(const RofsWriter::Node& root, uint64_t mtime)
{
    return Layout(root, mtime).build();
}

} // namespace images
