#include <vfs/tree.h>
#include <vfs/remote_fs.h>

#include <cstdlib>
#include <cstring>

namespace vfs {

Node::Node(Tree& tree, NodeType type, uint64_t inode, uint32_t permissions)
    : m_tree(tree), m_type(type), m_permissions(permissions & kPermissionMask), m_inode(inode)
{
    m_access_time = m_modify_time = m_change_time = tree.now();
}

Node::~Node()
{
    if (m_remote) {
        if (m_remote->reader == m_remote->writer) // a created file's one read-write handle
            m_remote->reader = RemoteNode::kNone;
        for (RemoteHandle handle : { m_remote->reader, m_remote->writer, m_remote->handle })
            if (handle != RemoteNode::kNone)
                m_remote->fs->release(handle);
        // The directories this one was reached from, each held by the next: dropping them
        // one inside the other's destructor would recurse once per level (a walk of 2,000
        // components would overflow the kernel stack). Each is freed here with its own
        // link taken out first, so no destructor drops another.
        lib::RefPtr<Node> up = static_cast<lib::RefPtr<Node>&&>(m_remote->parent);
        if (m_remote->reached_link.linked())
            m_tree.m_reached_directories.remove(m_remote);
        delete m_remote;
        while (up && up->ref_count() == 1 && up->m_remote) {
            lib::RefPtr<Node> next = static_cast<lib::RefPtr<Node>&&>(up->m_remote->parent);
            up = static_cast<lib::RefPtr<Node>&&>(next); // frees the last `up`, whose link is out
        }
    }
    for (size_t i = 0; i < m_page_slots; ++i)
        if (m_pages[i])
            m_tree.release_page(m_pages[i]);
    m_tree.m_bytes_used -= m_pages_held * kPageSize;
    free(m_pages);
    free(m_target);
    while (DirectoryEntry* entry = m_in_order.front()) {
        m_in_order.remove(entry);
        delete entry;
    }
    free(m_by_name);
}

Node* Node::parent() const { return m_remote && m_remote->parent ? m_remote->parent.get() : m_parent; }

uint32_t Node::mode() const
{
    switch (m_type) {
    case NodeType::Regular: return kModeRegular | m_permissions;
    case NodeType::Directory: return kModeDirectory | m_permissions;
    case NodeType::Symlink: return kModeSymlink | m_permissions;
    case NodeType::CharDevice: return kModeCharDevice | m_permissions;
    case NodeType::Fifo: return kModeFifo | m_permissions;
    case NodeType::Socket: return kModeSocket | m_permissions;
    }
    return m_permissions;
}

uint32_t Node::link_count() const
{
    if (m_type == NodeType::Directory)
        return m_removed ? 0 : 2 + m_subdirectories;
    return m_links;
}

uint64_t Node::size() const
{
    if (m_remote) // what the server said
        return m_size;
    switch (m_type) {
    case NodeType::Regular: return m_size;
    case NodeType::Symlink: return m_target_length;
    case NodeType::Directory: return kPageSize;
    default: return 0;
    }
}

uint64_t Node::blocks() const
{
    if (m_remote)
        return m_remote->blocks;
    if (m_image_node && m_type == NodeType::Regular) // the image keeps each file in whole pages
        return (m_size + kPageSize - 1) / kPageSize * (kPageSize / 512);
    return m_pages_held * (kPageSize / 512);
}

lib::Result<size_t> Node::read(void* buffer, size_t length, uint64_t offset) const
{
    if (m_type == NodeType::Directory)
        return lib::Error(lib::Errno::ISDIR, "read: a directory");
    if (m_type != NodeType::Regular)
        return lib::Error(lib::Errno::INVAL, "read: not a regular file");
    if (m_remote) // the server knows the size; it may have changed
        return Tree::remote_read(*this, buffer, length, offset);
    if (offset >= m_size)
        return size_t(0);
    size_t n = m_size - offset < length ? size_t(m_size - offset) : length;
    if (m_image_node) { // the image's bytes, each page checked against its checksum once
        auto data = TRY(m_tree.image()->file_range(*m_image_node, offset, n));
        memcpy(buffer, data.data(), data.size());
        return data.size();
    }
    auto* out = static_cast<std::byte*>(buffer);
    for (size_t done = 0; done < n;) {
        uint64_t at = offset + done;
        size_t in_page = at % kPageSize, chunk = kPageSize - in_page < n - done ? kPageSize - in_page : n - done;
        const std::byte* page = m_pages[at / kPageSize];
        if (page)
            memcpy(out + done, page + in_page, chunk);
        else
            memset(out + done, 0, chunk); // a hole reads as zeros
        done += chunk;
    }
    return n;
}

std::optional<images::RofsNode> Node::image_file() const
{
    return m_type == NodeType::Regular ? m_image_node : std::nullopt;
}

std::string_view Node::link_target() const { return { m_target, m_target_length }; }

} // namespace vfs
