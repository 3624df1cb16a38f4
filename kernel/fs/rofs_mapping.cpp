// RofsFile: construction with its path, and the MappedFile behind mmap of a ROFS file.
// ROFS file data is page aligned in the image, which stays in memory for the life of the
// VM, so a mapping points straight at the image's pages (mm/page_fault.cpp shares them
// read-only and copies on write).
#include <kernel/fs/rofs_file.h>
#include <mm/memory.h>

#include <cstdlib>
#include <cstring>
#include <new>
#include <type_traits>

namespace fs {

namespace {

/// One MappedFile per inode ever mapped, kept for the life of the VM; a program maps a
/// handful of distinct files (itself and its libraries), so a list is enough.
struct MappedInode {
    mm::MappedFile file; // first: check_page finds the record from it
    const images::RofsImage* image;
    images::RofsNode node;
    MappedInode* next;
};
MappedInode* g_mapped;
static_assert(std::is_standard_layout_v<MappedInode>, "check_page casts a MappedFile back to its record");

lib::Result<void> check_page(const mm::MappedFile& file, uint64_t offset)
{
    const auto& mapped = reinterpret_cast<const MappedInode&>(file);
    TRY(mapped.image->file_range(mapped.node, offset, mm::kPageSize));
    return {};
}

} // namespace

RofsFile::RofsFile(const images::RofsImage& image, const images::RofsNode& node, std::string_view path)
    : m_image(image), m_node(node)
{
    if (path.empty())
        return;
    bool relative = path.front() != '/';
    m_path = static_cast<char*>(malloc(path.size() + relative));
    if (!m_path)
        return; // the name is only for /proc/self/maps
    m_path[0] = '/';
    memcpy(m_path + relative, path.data(), path.size());
    m_path_length = path.size() + relative;
}

RofsFile::~RofsFile() { free(m_path); }

lib::Result<const mm::MappedFile*> RofsFile::mapping()
{
    if (!m_node.is_regular())
        return lib::Error(lib::Errno::NODEV, "mmap: not a regular file");
    for (MappedInode* m = g_mapped; m; m = m->next)
        if (m->node.number() == m_node.number())
            return &m->file;
    auto data = TRY(m_image.file_data(m_node));
    auto info = TRY(m_image.stat(m_node));
    auto* mapped = new (std::nothrow) MappedInode { {}, &m_image, m_node, nullptr };
    char* path = m_path_length ? static_cast<char*>(malloc(m_path_length)) : nullptr;
    if (!mapped || (m_path_length && !path)) {
        delete mapped;
        return lib::Error(lib::Errno::NOMEM, "mmap: no memory for the file's mapping record");
    }
    if (path)
        memcpy(path, m_path, m_path_length);
    mapped->file = { .phys_base = mm::virt_to_phys(data.data()),
        .size = data.size(),
        .path = std::string_view(path, m_path_length),
        .inode = info.ino,
        .check_page = check_page };
    mapped->next = g_mapped;
    g_mapped = mapped;
    return &mapped->file;
}

} // namespace fs
