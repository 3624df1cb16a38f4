#include <kernel/fs/node_file.h>
#include <kernel/fs/rofs_file.h>
#include <kernel/fs/root_fs.h>
#include <kernel/fs/volume_mapping.h>
#include <mm/memory.h>

#include <cstdlib>
#include <cstring>
#include <new>

namespace fs {

namespace {

constexpr uint64_t kRootDevice = 0x801; // one device number for the whole root tree

} // namespace

void fill_stat(const vfs::Node& node, LinuxStat& st)
{
    st = {};
    st.st_dev = node.remote() ? node.remote()->fs->device_number() : kRootDevice;
    st.st_ino = node.inode();
    st.st_nlink = node.link_count();
    st.st_mode = node.mode();
    st.st_uid = node.uid();
    st.st_gid = node.gid();
    st.st_rdev = node.device();
    st.st_size = int64_t(node.size());
    st.st_blksize = int64_t(vfs::kPageSize);
    st.st_blocks = int64_t(node.blocks());
    st.st_atime_sec = node.access_time().seconds, st.st_atime_nsec = node.access_time().nanoseconds;
    st.st_mtime_sec = node.modify_time().seconds, st.st_mtime_nsec = node.modify_time().nanoseconds;
    st.st_ctime_sec = node.change_time().seconds, st.st_ctime_nsec = node.change_time().nanoseconds;
}

NodeFile::NodeFile(lib::RefPtr<vfs::Node> node, std::string_view path)
    : m_node(static_cast<lib::RefPtr<vfs::Node>&&>(node))
{
    if (path.empty())
        return;
    m_path = static_cast<char*>(malloc(path.size()));
    if (!m_path)
        return; // the name is only for /proc/self/maps
    memcpy(m_path, path.data(), path.size());
    m_path_length = path.size();
}

NodeFile::~NodeFile() { free(m_path); }

// O_PATH descriptors do no I/O; the access mode decides the rest (EBADF as on Linux).
lib::Result<void> NodeFile::check_access(int wanted) const
{
    int mode = open_flags() & kOpenAccessMask;
    bool allowed = wanted == kOpenReadOnly ? mode != kOpenWriteOnly : mode != kOpenReadOnly;
    if ((open_flags() & kOpenPath) || !allowed)
        return lib::Error(lib::Errno::BADF, "descriptor not open for this access");
    return {};
}

lib::Result<size_t> NodeFile::pread(void* buffer, size_t length, uint64_t offset)
{
    TRY(check_access(kOpenReadOnly));
    size_t n = TRY(m_node->read(buffer, length, offset));
    m_node->tree().touch_access(*m_node);
    return n;
}

lib::Result<size_t> NodeFile::read(void* buffer, size_t length)
{
    size_t n = TRY(pread(buffer, length, m_position));
    m_position += n;
    return n;
}

lib::Result<size_t> NodeFile::pwrite(const void* buffer, size_t length, uint64_t offset)
{
    TRY(check_access(kOpenWriteOnly));
    return m_node->tree().write(*m_node, buffer, length, offset);
}

lib::Result<size_t> NodeFile::write(const void* buffer, size_t length)
{
    if (open_flags() & kOpenAppend) {
        TRY(m_node->tree().refresh(*m_node)); // a volume's file may have grown on the host
        m_position = m_node->size();
    }
    size_t n = TRY(pwrite(buffer, length, m_position));
    m_position += n;
    return n;
}

lib::Result<uint64_t> NodeFile::seek(int64_t offset, Whence whence)
{
    if (open_flags() & kOpenPath)
        return lib::Error(lib::Errno::BADF, "lseek on an O_PATH descriptor");
    if (whence == Whence::End)
        TRY(m_node->tree().refresh(*m_node));
    m_position = TRY(seek_position(m_position, m_node->size(), offset, whence));
    return m_position;
}

lib::Result<void> NodeFile::stat(LinuxStat& st)
{
    TRY(m_node->tree().refresh(*m_node));
    fill_stat(*m_node, st);
    return {};
}

lib::Result<void> NodeFile::truncate(uint64_t size)
{
    if (m_node->type() != vfs::NodeType::Regular)
        return lib::Error(lib::Errno::INVAL, "ftruncate: not a regular file");
    TRY(check_access(kOpenWriteOnly));
    return m_node->tree().truncate(*m_node, size);
}

namespace {

/// The pages of a tree file for the address space (mm::FilePages): the tree's own page
/// frames, mapped as they are. Made on the file's first mmap and kept for the life of the
/// VM with a reference to the node, so the pages behind any mapping stay valid.
class TreeFilePages final : public mm::FilePages {
public:
    TreeFilePages(lib::RefPtr<vfs::Node> node, std::string_view path)
        : m_node(static_cast<lib::RefPtr<vfs::Node>&&>(node))
    {
        size_t length = path.size() < sizeof(m_path) ? path.size() : sizeof(m_path);
        memcpy(m_path, path.data(), length);
        file = { .path = std::string_view(m_path, length), .inode = m_node->inode(), .pages = this };
    }

    lib::Result<uint64_t> page_at(uint64_t offset) const override
    {
        std::byte* page = TRY(m_node->tree().mapped_page(*m_node, offset));
        return mm::virt_to_phys(page);
    }

    mm::MappedFile file;

private:
    lib::RefPtr<vfs::Node> m_node;
    char m_path[256];
};

} // namespace

// An image file read only through this descriptor maps the image's pages (what the ELF
// loader does for programs); anything else maps the tree's pages, coherent with read and
// write (an image file is copied up first).
lib::Result<const mm::MappedFile*> NodeFile::mapping()
{
    if (open_flags() & kOpenPath)
        return lib::Error(lib::Errno::BADF, "mmap of an O_PATH descriptor");
    if (m_node->type() != vfs::NodeType::Regular)
        return lib::Error(lib::Errno::NODEV, "mmap: not a regular file");
    if (m_node->remote()) // a volume's file: a snapshot of its bytes (FIRST CUT)
        return volume_mappings().map(*m_node, { m_path, m_path_length });
    auto image_node = m_node->image_file();
    bool read_only = (open_flags() & kOpenAccessMask) == kOpenReadOnly || m_node->tree().read_only();
    if (image_node && read_only && !m_node->mapping_record())
        return RofsFile(root_image(), *image_node, { m_path, m_path_length }).mapping();
    if (!m_node->mapping_record()) {
        auto* pages = new (std::nothrow) TreeFilePages(m_node, { m_path, m_path_length });
        if (!pages)
            return lib::Error(lib::Errno::NOMEM, "mmap: no memory for the file's mapping record");
        m_node->set_mapping_record(pages);
    }
    return &static_cast<TreeFilePages*>(m_node->mapping_record())->file;
}

lib::Result<size_t> NodeFile::bytes_readable()
{
    if (m_node->type() != vfs::NodeType::Regular)
        return File::bytes_readable();
    return size_t(m_position < m_node->size() ? m_node->size() - m_position : 0);
}

lib::Result<size_t> NodeFile::read_directory(void* buffer, size_t length)
{
    if (open_flags() & kOpenPath)
        return lib::Error(lib::Errno::BADF, "getdents64 on an O_PATH descriptor");
    auto* out = static_cast<unsigned char*>(buffer);
    size_t used = 0;
    bool too_small = false;
    TRY(m_node->tree().list(
        *m_node, m_position,
        [&](const vfs::ListedEntry& entry) {
            // struct linux_dirent64: u64 ino, s64 off, u16 reclen, u8 type, char name[]
            size_t record = (19 + entry.name.size() + 1 + 7) & ~size_t(7);
            if (used + record > length) {
                too_small = used == 0;
                return false;
            }
            uint64_t next = entry.next_position;
            uint16_t reclen = uint16_t(record);
            memset(out + used, 0, record);
            memcpy(out + used, &entry.inode, 8);
            memcpy(out + used + 8, &next, 8);
            memcpy(out + used + 16, &reclen, 2);
            out[used + 18] = entry.d_type;
            memcpy(out + used + 19, entry.name.data(), entry.name.size());
            used += record;
            m_position = next;
            return true;
        },
        length));
    if (too_small)
        return lib::Error(lib::Errno::INVAL, "getdents64: buffer too small for one entry");
    return used;
}

} // namespace fs
