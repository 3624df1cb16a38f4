// Regular file contents: pages of the tree's own memory (holes read as zeros), or the
// image's bytes until the first change copies them up. Every page counts against the
// tree's byte limit, so a full tree is ENOSPC and never a failed kernel allocation.
#include <vfs/tree.h>

#include <cstdlib>
#include <cstring>
#include <new>

namespace vfs {

namespace {

/// A file may be sparse, but its page table costs 8 bytes per page of its size: files stay
/// below 16 times the tree's limit (and 2^63), past that EFBIG.
uint64_t max_file_size(const Tree& tree)
{
    uint64_t limit = tree.byte_limit() < (uint64_t(1) << 58) ? tree.byte_limit() * 16 : uint64_t(1) << 62;
    return limit < (uint64_t(1) << 30) ? uint64_t(1) << 30 : limit;
}

} // namespace

std::byte* Tree::allocate_page()
{
    void* page = m_options.page_memory ? m_options.page_memory->allocate() : malloc(kPageSize);
    return static_cast<std::byte*>(page);
}

void Tree::release_page(std::byte* page)
{
    if (m_options.page_memory)
        m_options.page_memory->release(page);
    else
        free(page);
}

// Makes room for `size` bytes of page pointers (not the pages themselves).
lib::Result<void> Tree::reserve_pages(Node& file, uint64_t size)
{
    if (size > max_file_size(*this))
        return lib::Error(lib::Errno::FBIG, "file too large for this tmpfs");
    size_t slots = size_t((size + kPageSize - 1) / kPageSize);
    if (slots <= file.m_page_slots)
        return {};
    size_t capacity = file.m_page_slots ? file.m_page_slots : 4;
    while (capacity < slots)
        capacity *= 2;
    auto* grown = static_cast<std::byte**>(realloc(file.m_pages, capacity * sizeof(std::byte*)));
    if (!grown)
        return lib::Error(lib::Errno::NOMEM, "no memory for a file's page table");
    memset(grown + file.m_page_slots, 0, (capacity - file.m_page_slots) * sizeof(std::byte*));
    file.m_pages = grown;
    file.m_page_slots = capacity;
    return {};
}

void Tree::release_pages_from(Node& file, uint64_t first_page)
{
    for (size_t i = size_t(first_page); i < file.m_page_slots; ++i) {
        if (!file.m_pages[i])
            continue;
        if (file.m_mapped) { // a mapping may still point at it: it stays, reading zero
            memset(file.m_pages[i], 0, kPageSize);
            continue;
        }
        release_page(file.m_pages[i]);
        file.m_pages[i] = nullptr;
        --file.m_pages_held;
        m_bytes_used -= kPageSize;
    }
}

// The image file's bytes into pages of our own, before its first change.
lib::Result<void> Tree::copy_up(Node& file)
{
    if (!file.m_image_node)
        return {};
    auto data = TRY(m_image->file_range(*file.m_image_node, 0, file.m_image_node->size())); // checked
    TRY(reserve_pages(file, data.size()));
    for (size_t offset = 0; offset < data.size(); offset += kPageSize) {
        if (m_bytes_used + kPageSize > m_options.byte_limit) {
            release_pages_from(file, 0);
            return lib::Error(lib::Errno::NOSPC, "tmpfs is full (copying an image file up)");
        }
        auto* page = allocate_page();
        if (!page) {
            release_pages_from(file, 0);
            return lib::Error(lib::Errno::NOMEM, "no memory for a file page");
        }
        size_t chunk = data.size() - offset < kPageSize ? data.size() - offset : kPageSize;
        memcpy(page, data.data() + offset, chunk);
        memset(page + chunk, 0, kPageSize - chunk);
        file.m_pages[offset / kPageSize] = page;
        ++file.m_pages_held;
        m_bytes_used += kPageSize;
    }
    file.m_image_node.reset();
    return {};
}

lib::Result<size_t> Tree::write(Node& file, const void* buffer, size_t length, uint64_t offset)
{
    if (file.is_directory())
        return lib::Error(lib::Errno::ISDIR, "write: a directory");
    if (file.m_type != NodeType::Regular)
        return lib::Error(lib::Errno::INVAL, "write: not a regular file");
    if (length == 0)
        return size_t(0);
    if (offset > INT64_MAX - length)
        return lib::Error(lib::Errno::FBIG, "write past the largest file offset");
    if (file.m_remote)
        return remote_write(file, buffer, length, offset);
    TRY(check_writable(file));
    TRY(copy_up(file));
    TRY(reserve_pages(file, offset + length));
    auto* in = static_cast<const std::byte*>(buffer);
    size_t done = 0;
    while (done < length) {
        uint64_t at = offset + done;
        size_t in_page = at % kPageSize,
               chunk = kPageSize - in_page < length - done ? kPageSize - in_page : length - done;
        std::byte*& page = file.m_pages[at / kPageSize];
        if (!page) {
            if (m_bytes_used + kPageSize > m_options.byte_limit)
                break;
            page = allocate_page();
            if (!page)
                break;
            memset(page, 0, kPageSize);
            ++file.m_pages_held;
            m_bytes_used += kPageSize;
        }
        memcpy(page + in_page, in + done, chunk);
        done += chunk;
    }
    if (done == 0)
        return lib::Error(lib::Errno::NOSPC, "tmpfs is full");
    if (offset + done > file.m_size)
        file.m_size = offset + done;
    changed(file);
    return done;
}

lib::Result<void> Tree::truncate(Node& file, uint64_t size)
{
    if (file.is_directory())
        return lib::Error(lib::Errno::ISDIR, "truncate: a directory");
    if (file.m_type != NodeType::Regular)
        return lib::Error(lib::Errno::INVAL, "truncate: not a regular file");
    if (size > uint64_t(INT64_MAX))
        return lib::Error(lib::Errno::INVAL, "truncate: negative length");
    if (file.m_remote)
        return remote_change(file, RemoteChange { .set_size = true, .size = size });
    TRY(check_writable(file));
    if (size == file.m_size) {
        changed(file);
        return {};
    }
    if (size == 0)
        file.m_image_node.reset(); // nothing of the image's is kept
    TRY(copy_up(file));
    TRY(reserve_pages(file, size));
    if (size < file.m_size) {
        release_pages_from(file, (size + kPageSize - 1) / kPageSize);
        if (size % kPageSize && file.m_pages[size / kPageSize]) // the tail reads zeros if it grows again
            memset(file.m_pages[size / kPageSize] + size % kPageSize, 0, kPageSize - size % kPageSize);
    }
    file.m_size = size;
    changed(file);
    return {};
}

lib::Result<std::byte*> Tree::mapped_page(Node& file, uint64_t offset)
{
    if (file.m_type != NodeType::Regular)
        return lib::Error(lib::Errno::NODEV, "mmap: not a regular file");
    if (file.m_remote) // FIRST CUT: no page cache for a volume's files yet
        return lib::Error(lib::Errno::NODEV, "mmap of a file on a volume is not supported yet");
    if (offset >= file.m_size)
        return lib::Error(lib::Errno::FAULT, "page past the end of the mapped file");
    if (file.m_image_node && m_read_only) // nothing may change it: no copy, the image's bytes serve
        return lib::Error(lib::Errno::ROFS, "a mapping of a read-only tree's file copies nothing");
    TRY(copy_up(file));
    TRY(reserve_pages(file, offset + 1));
    std::byte*& page = file.m_pages[offset / kPageSize];
    if (!page) {
        if (m_bytes_used + kPageSize > m_options.byte_limit)
            return lib::Error(lib::Errno::NOSPC, "tmpfs is full (a page of a mapped file)");
        page = allocate_page();
        if (!page)
            return lib::Error(lib::Errno::NOMEM, "no memory for a file page");
        memset(page, 0, kPageSize);
        ++file.m_pages_held;
        m_bytes_used += kPageSize;
    }
    file.m_mapped = true;
    return page;
}

lib::Result<void> Tree::set_permissions(Node& node, uint32_t permissions)
{
    if (node.m_remote)
        return remote_change(node, RemoteChange { .set_mode = true, .mode = permissions & kPermissionMask });
    TRY(check_writable(node));
    node.m_permissions = permissions & kPermissionMask;
    node.m_change_time = now();
    return {};
}

lib::Result<void> Tree::set_owner(Node& node, uint32_t uid, uint32_t gid)
{
    if (node.m_remote)
        return remote_change(node, RemoteChange { .set_owner = true, .uid = uid, .gid = gid });
    TRY(check_writable(node));
    node.m_uid = uid;
    node.m_gid = gid;
    node.m_change_time = now();
    return {};
}

lib::Result<void> Tree::set_times(Node& node, const Timestamp* access, const Timestamp* modify)
{
    if (node.m_remote) {
        RemoteChange change { .set_access = access != nullptr, .set_modify = modify != nullptr };
        change.access = access ? *access : Timestamp {};
        change.modify = modify ? *modify : Timestamp {};
        return remote_change(node, change);
    }
    TRY(check_writable(node));
    if (access)
        node.m_access_time = *access;
    if (modify)
        node.m_modify_time = *modify;
    node.m_change_time = now();
    return {};
}

size_t Tree::image_entry_count(const Node& dir) const
{
    if (!dir.m_image_node)
        return 0;
    auto entries = m_image->directory(*dir.m_image_node);
    return entries.is_error() ? 0 : entries.value().size();
}

// The image's entry `index` of `dir` as readdir lists it, or nullopt when the tree hides it.
lib::Result<std::optional<ListedEntry>> Tree::image_entry(Node& dir, size_t index)
{
    auto entries = TRY(m_image->directory(*dir.m_image_node));
    images::RofsDirEntry image_entry = entries[index];
    uint64_t next = 2 + index + 1;
    DirectoryEntry* own = find_entry(dir, image_entry.name);
    if (!own) {
        ListedEntry listed { image_entry.name, uint64_t(image_entry.inode) + 1,
            dirent_type(node_type_of(image_entry.type)), next };
        return std::optional<ListedEntry>(listed);
    }
    if (!own->node || !own->from_image)
        return std::optional<ListedEntry>();
    return std::optional<ListedEntry>(
        ListedEntry { own->name_view(), own->node->inode(), dirent_type(own->node->type()), next });
}

} // namespace vfs
