// Serialises a RofsWriter tree into a ROFS image: breadth-first inode numbers, contiguous
// directory entry ranges, a deduplicated string table, page-aligned data with a CRC-32C
// per page. File data streams from the host files to the sink (never the whole image in
// memory), and pages of zeros are left out, so a sparse file packs sparse.
#include "rofs_writer_tree.h"

#include <images/crc32c.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

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

const std::array<std::byte, kRofsPageSize> kZeroPage {};

bool all_zero(std::span<const std::byte> bytes)
{
    return std::memcmp(bytes.data(), kZeroPage.data(), bytes.size()) == 0;
}

// Puts file data into the image a page at a time, each page's CRC-32C into the checksum
// table. A page of zeros is not put at all: it stays a hole of a sparse output file, and
// the table already holds the zero page's checksum.
class DataPages {
public:
    DataPages(ImageSink& sink, uint64_t data_offset, uint64_t page_count)
        : m_sink(sink), m_data_offset(data_offset), m_checksums(page_count, crc32c(kZeroPage))
    {
    }

    /// `bytes` (at most a page; a short last page is padded with zeros) at image offset
    /// `at`, a page boundary of the data area.
    void put_page(uint64_t at, std::span<const std::byte> bytes)
    {
        uint64_t page = (at - m_data_offset) / kRofsPageSize;
        if (at < m_data_offset || page >= m_checksums.size())
            throw RofsWriteError("ROFS writer: file data past the laid-out data area (a file grew while building)");
        if (all_zero(bytes))
            return;
        std::array<std::byte, kRofsPageSize> buffer {};
        std::memcpy(buffer.data(), bytes.data(), bytes.size());
        m_checksums[page] = crc32c(std::span(buffer));
        m_sink.put(at, bytes);
    }

    /// `bytes` at `at` (a page boundary), page by page.
    void put(uint64_t at, std::span<const std::byte> bytes)
    {
        for (uint64_t done = 0; done < bytes.size(); done += kRofsPageSize)
            put_page(at + done, bytes.subspan(done, std::min<uint64_t>(kRofsPageSize, bytes.size() - done)));
    }

    const std::vector<uint32_t>& checksums() const { return m_checksums; }

private:
    ImageSink& m_sink;
    uint64_t m_data_offset;
    std::vector<uint32_t> m_checksums;
};

class HostFile {
public:
    explicit HostFile(const std::filesystem::path& path) : m_path(path), m_fd(open(path.c_str(), O_RDONLY | O_CLOEXEC))
    {
    }
    ~HostFile()
    {
        if (m_fd >= 0)
            close(m_fd);
    }
    HostFile(const HostFile&) = delete;
    HostFile& operator=(const HostFile&) = delete;

    [[noreturn]] void fail(const char* why) const
    {
        throw RofsWriteError("ROFS writer: cannot read '" + m_path.string() + "' (" + why + ")");
    }
    int fd() const { return m_fd; }
    uint64_t size() const
    {
        struct stat st;
        if (fstat(m_fd, &st) != 0)
            fail(std::strerror(errno));
        return uint64_t(st.st_size);
    }
    /// Where the next data at or after `offset` starts (SEEK_DATA; `end` if only a hole is
    /// left; `offset` itself where the file system does not tell holes apart).
    uint64_t next_data(uint64_t offset, uint64_t end) const
    {
        off_t found = lseek(m_fd, off_t(offset), SEEK_DATA);
        if (found >= 0)
            return std::min(uint64_t(found), end);
        return errno == ENXIO ? end : offset;
    }
    /// Where the hole after the data at `offset` starts (`end` if none is known).
    uint64_t next_hole(uint64_t offset, uint64_t end) const
    {
        off_t found = lseek(m_fd, off_t(offset), SEEK_HOLE);
        return found >= 0 ? std::min(uint64_t(found), end) : end;
    }

private:
    std::filesystem::path m_path;
    int m_fd;
};

// Streams a host file of `size` bytes into the image at `at`: a buffer at a time, and the
// file's holes (SEEK_DATA/SEEK_HOLE) skipped without reading them, so a sparse 1 GiB file
// costs its data, not its length.
void copy_host_file(const std::filesystem::path& path, uint64_t at, uint64_t size, DataPages& pages)
{
    HostFile file(path);
    if (file.fd() < 0 || file.size() != size)
        file.fail("missing, or changed while building");
    constexpr uint64_t kChunk = 256 * kRofsPageSize;
    std::vector<std::byte> buffer(std::min(kChunk, size));
    uint64_t offset = 0;
    while (offset < size) {
        uint64_t data = file.next_data(offset, size) / kRofsPageSize * kRofsPageSize;
        offset = std::max(offset, data);
        if (offset >= size)
            break;
        uint64_t hole = file.next_hole(offset, size);
        // Whole pages up to the hole (or the end): every read starts on a page boundary.
        uint64_t length = std::min({ kChunk, size - offset, align_up(std::max(hole, offset + 1) - offset) });
        ssize_t got = pread(file.fd(), buffer.data(), length, off_t(offset));
        if (got < 0)
            file.fail(std::strerror(errno));
        if (uint64_t(got) != length)
            file.fail("missing, or changed while building"); // shorter than when laid out
        pages.put(at + offset, std::span(buffer).first(length));
        offset += length;
    }
    if (file.size() != size)
        file.fail("missing, or changed while building");
}

void copy_contents(const RofsWriter::Node& file, uint64_t at, uint64_t size, DataPages& pages)
{
    if (auto* bytes = std::get_if<std::vector<std::byte>>(&file.contents))
        pages.put(at, *bytes);
    else
        copy_host_file(std::get<std::filesystem::path>(file.contents), at, size, pages);
}

template<typename T> void store(std::vector<std::byte>& image, uint64_t offset, const T& value)
{
    std::memcpy(image.data() + offset, &value, sizeof(T));
}

template<typename T> void store_all(std::vector<std::byte>& image, uint64_t offset, const std::vector<T>& values)
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

    uint64_t write(ImageSink& sink)
    {
        std::vector<RofsInode> inodes = make_inodes();
        std::vector<RofsDirent> dirents = make_dirents();
        m_sb.string_table_size = m_strings.bytes().size();
        // The data's page count does not depend on where the data starts (a page boundary
        // whatever the metadata's size), so a layout from 0 gives the checksum table's size.
        place_data(inodes, 0, SizesFrom::HostFiles);
        uint64_t data_pages = align_up(m_data_end) / kRofsPageSize;
        if (data_pages > UINT32_MAX)
            throw RofsWriteError("ROFS writer: the files hold more than 2^32 pages (16 TiB)");
        m_sb.data_page_count = static_cast<uint32_t>(data_pages);
        m_sb.data_checksum_offset = (m_sb.string_table_offset + m_sb.string_table_size + 3) / 4 * 4;
        m_sb.metadata_size = m_sb.data_checksum_offset + data_pages * sizeof(uint32_t);
        m_sb.data_offset = align_up(m_sb.metadata_size);
        place_data(inodes, m_sb.data_offset, SizesFrom::FirstLayout);
        m_sb.image_size = align_up(m_data_end);
        sink.reserve(m_sb.image_size);

        // The data first: the checksum table, part of the metadata, comes from it.
        DataPages pages(sink, m_sb.data_offset, data_pages);
        for (size_t i = 0; i < m_order.size(); ++i) {
            if ((inodes[i].mode & kRofsTypeMask) == kRofsTypeRegular)
                copy_contents(*m_order[i].node, inodes[i].offset, inodes[i].size, pages);
        }
        std::vector<std::byte> metadata(m_sb.metadata_size);
        store_all(metadata, m_sb.inode_table_offset, inodes);
        store_all(metadata, m_sb.dirent_table_offset, dirents);
        std::memcpy(metadata.data() + m_sb.string_table_offset, m_strings.bytes().data(), m_sb.string_table_size);
        store_all(metadata, m_sb.data_checksum_offset, pages.checksums());
        store(metadata, 0, m_sb);
        m_sb.metadata_checksum = crc32c(metadata);
        store(metadata, 0, m_sb);
        sink.put(0, metadata);
        return m_sb.image_size;
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
    // Each host file's size is read once (the first layout): the checksum table is sized
    // from it, and a file that changes later fails its copy instead of moving the layout.
    enum class SizesFrom { HostFiles, FirstLayout };
    void place_data(std::vector<RofsInode>& inodes, uint64_t data_offset, SizesFrom sizes)
    {
        m_data_end = data_offset;
        for (size_t i = 0; i < m_order.size(); ++i) {
            if ((inodes[i].mode & kRofsTypeMask) != kRofsTypeRegular)
                continue;
            inodes[i].offset = align_up(m_data_end);
            if (sizes == SizesFrom::HostFiles)
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

uint64_t write_rofs_image(const RofsWriter::Node& root, uint64_t mtime, ImageSink& sink)
{
    return Layout(root, mtime).write(sink);
}

} // namespace images
