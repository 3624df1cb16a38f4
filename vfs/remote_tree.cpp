// The tree's operations on volumes (remote_fs.h): a directory mounted with Tree::mount and
// every node below it stand for nodes on a server. Lookups ask the server each time and
// make a new Node (with its own handle) for what they find; only directories keep a link
// to the directory they were reached from, for ".." and getcwd. The server decides what is
// allowed (its errno is the answer); the checks here are those Linux makes before a file
// system is asked (names, "." and "..", crossing between file systems).
#include <vfs/tree.h>

#include <cstdlib>
#include <cstring>
#include <new>

namespace vfs {

namespace {

// Linux open flags for the handles a node opens.
constexpr uint32_t kOpenReadOnly = 0, kOpenWriteOnly = 1, kOpenAppend = 02000, kOpenDirectory = 0200000;

NodeType type_of_mode(uint32_t mode)
{
    switch (mode & kModeTypeMask) {
    case kModeDirectory: return NodeType::Directory;
    case kModeSymlink: return NodeType::Symlink;
    case kModeCharDevice: return NodeType::CharDevice;
    case kModeFifo: return NodeType::Fifo;
    case kModeSocket: return NodeType::Socket;
    default: return NodeType::Regular;
    }
}

lib::Error not_same_volume() { return lib::Error(lib::Errno::XDEV, "the names are on different file systems"); }

bool same_volume(const Node& a, const Node& b) { return a.remote() && b.remote() && a.remote()->fs == b.remote()->fs; }

/// Whether two nodes stand for one directory: a volume's nodes are not shared (each lookup
/// makes its own), so below its root they are told apart by the server's inode number.
bool same_directory(const Node& a, const Node& b)
{
    if (&a == &b)
        return true;
    return same_volume(a, b) && !a.remote()->mount_root && !b.remote()->mount_root && a.inode() == b.inode();
}

/// The handle for I/O on `node` (`writer` or the reader), opened on first use (a writer
/// with `append`: O_APPEND on the host, so writes land at its end whoever else appends).
lib::Result<RemoteHandle> io_handle(const Node& node, bool writer, bool append = false)
{
    RemoteNode& remote = *node.remote();
    RemoteHandle& handle = writer ? remote.writer : remote.reader;
    if (handle != RemoteNode::kNone)
        return handle;
    uint32_t flags = writer ? kOpenWriteOnly | (append ? kOpenAppend : 0)
                            : kOpenReadOnly | (node.is_directory() ? kOpenDirectory : 0);
    RemoteHandle opened = TRY(remote.fs->open(remote.handle, flags));
    if (handle != RemoteNode::kNone) { // another thread opened one while this open waited
        remote.fs->release(opened);
        return handle;
    }
    if (writer)
        remote.writer_appends = append;
    return handle = opened;
}

} // namespace

void Tree::apply(Node& node, const RemoteAttributes& attributes)
{
    node.m_inode = attributes.id;
    node.m_permissions = attributes.mode & kPermissionMask;
    node.m_uid = attributes.uid;
    node.m_gid = attributes.gid;
    node.m_links = uint32_t(attributes.links);
    node.m_subdirectories = attributes.links >= 2 ? uint32_t(attributes.links - 2) : 0;
    node.m_size = attributes.size;
    node.m_device = uint32_t(attributes.device);
    node.m_access_time = attributes.access;
    node.m_modify_time = attributes.modify;
    node.m_change_time = attributes.change;
    node.m_remote->blocks = attributes.blocks;
}

// A node for `handle`, found as `name` in `dir`; the handle is the node's (released with
// it, or here on failure).
lib::Result<lib::RefPtr<Node>> Tree::remote_node(Node& dir, std::string_view name, RemoteHandle handle)
{
    RemoteFs& fs = *dir.m_remote->fs;
    auto made = [&]() -> lib::Result<lib::RefPtr<Node>> {
        auto attributes = TRY(fs.attributes(handle));
        auto node = TRY(new_node(type_of_mode(attributes.mode), attributes.mode, attributes.id));
        node->m_remote = new (std::nothrow) RemoteNode;
        if (!node->m_remote)
            return lib::Error(lib::Errno::NOMEM, "no memory for a volume's node");
        node->m_remote->fs = &fs; // the handle is the node's once nothing can fail (below)
        apply(*node, attributes);
        if (node->is_directory()) {
            node->m_remote->parent = lib::RefPtr<Node>(&dir);
            memcpy(node->m_remote->name, name.data(), name.size());
            node->m_remote->name_length = uint8_t(name.size());
            node->m_remote->node = node.get();
            m_reached_directories.push_back(node->m_remote);
        }
        if (node->m_type == NodeType::Symlink) { // read into the heap: kernel stacks are small
            constexpr size_t kPathMax = 4096;
            node->m_target = static_cast<char*>(malloc(kPathMax));
            if (!node->m_target)
                return lib::Error(lib::Errno::NOMEM, "no memory for a symlink target");
            node->m_target_length = TRY(fs.read_link(handle, node->m_target, kPathMax));
        }
        node->m_remote->handle = handle;
        return node;
    }();
    if (made.is_error())
        fs.release(handle);
    return made;
}

lib::Result<lib::RefPtr<Node>> Tree::remote_lookup(Node& dir, std::string_view name)
{
    RemoteFs& fs = *dir.m_remote->fs;
    RemoteHandle handle = TRY(fs.walk(dir.m_remote->handle, name));
    return remote_node(dir, name, handle);
}

lib::Result<size_t> Tree::remote_read(const Node& file, void* buffer, size_t length, uint64_t offset)
{
    RemoteHandle reader = TRY(io_handle(file, false));
    return file.m_remote->fs->read(reader, buffer, length, offset);
}

lib::Result<lib::RefPtr<Node>> Tree::remote_create(
    Node& dir, std::string_view name, NodeType type, uint32_t permissions, std::string_view target)
{
    // FIFOs and sockets meet their other end through the node (endpoint_record), and a
    // volume's nodes are made anew at each lookup: not supported there yet.
    if (type == NodeType::Fifo || type == NodeType::Socket)
        return lib::Error(lib::Errno::NOTSUP, "FIFOs and sockets cannot be made on a volume yet");
    RemoteFs& fs = *dir.m_remote->fs;
    if (type != NodeType::Regular) {
        TRY(fs.make(dir.m_remote->handle, name, type, permissions, target));
        return remote_lookup(dir, name);
    }
    // The handle the creation opened (read-write) becomes the new file's reader and writer:
    // open(O_CREAT | O_RDWR, 0200 or 0444) must use a file its own mode would not let it
    // open again.
    RemoteHandle opened = TRY(fs.create_file(dir.m_remote->handle, name, permissions));
    auto node = remote_lookup(dir, name);
    if (node.is_error()) {
        fs.release(opened);
        return node.error();
    }
    node.value()->m_remote->writer = node.value()->m_remote->reader = opened;
    return node;
}

lib::Result<void> Tree::remote_link(Node& dir, std::string_view name, Node& node)
{
    if (!same_volume(dir, node))
        return not_same_volume();
    return dir.m_remote->fs->link(dir.m_remote->handle, name, node.m_remote->handle);
}

lib::Result<void> Tree::remote_remove(Node& dir, std::string_view name, bool directory)
{
    TRY(dir.m_remote->fs->remove(dir.m_remote->handle, name, directory));
    if (directory)
        follow_directory_name(dir, name, nullptr, {});
    return {};
}

void Tree::follow_directory_name(Node& dir, std::string_view name, Node* to_dir, std::string_view to_name)
{
    for (RemoteNode* reached = m_reached_directories.front(); reached;) {
        bool named = same_directory(*reached->parent, dir) && reached->name_view() == name;
        bool own_ancestor = false; // a chain gone stale by the host's renames: never a cycle
        for (const Node* up = to_dir; up && named; up = up->parent())
            own_ancestor |= up->m_remote == reached;
        if (!named || own_ancestor) {
            reached = m_reached_directories.next(reached);
            continue;
        }
        RemoteNode* next = m_reached_directories.next(reached);
        if (!to_dir) { // removed: getcwd says ENOENT; the parent is kept until the node goes
            reached->node->m_removed = true;
            m_reached_directories.remove(reached);
            reached = next;
            continue;
        }
        lib::RefPtr<Node> old_parent = static_cast<lib::RefPtr<Node>&&>(reached->parent);
        reached->parent = lib::RefPtr<Node>(to_dir);
        memcpy(reached->name, to_name.data(), to_name.size());
        reached->name_length = uint8_t(to_name.size());
        bool frees = old_parent->ref_count() == 1;
        old_parent = {}; // may free nodes of this list (the old parent and those above it)
        reached = frees ? m_reached_directories.front() : next; // moved ones no longer match
    }
}

lib::Result<void> Tree::remote_rename(
    Node& from_dir, std::string_view from_name, Node& to_dir, std::string_view to_name, unsigned flags)
{
    if (!same_volume(from_dir, to_dir))
        return not_same_volume();
    // 9P's renameat has no flags: NOREPLACE is checked first (a name made in between is
    // replaced: the window Linux's v9fs has too); EXCHANGE cannot be done.
    if (flags & RenameExchange)
        return lib::Error(lib::Errno::INVAL, "RENAME_EXCHANGE is not supported on a volume");
    if (flags & RenameNoReplace) {
        auto existing = remote_lookup(to_dir, to_name);
        if (!existing.is_error())
            return lib::Error(lib::Errno::EXIST, "RENAME_NOREPLACE: the target exists");
        if (existing.error().code != lib::Errno::NOENT)
            return existing.error();
    }
    RemoteFs& fs = *from_dir.m_remote->fs;
    TRY(fs.rename(from_dir.m_remote->handle, from_name, to_dir.m_remote->handle, to_name));
    if (same_directory(from_dir, to_dir) && from_name == to_name)
        return {};
    follow_directory_name(to_dir, to_name, nullptr, {}); // a directory the rename replaced
    follow_directory_name(from_dir, from_name, &to_dir, to_name);
    return {};
}

lib::Result<size_t> Tree::remote_write(Node& file, const void* buffer, size_t length, uint64_t offset)
{
    RemoteHandle writer = TRY(io_handle(file, true));
    size_t written = TRY(file.m_remote->fs->write(writer, buffer, length, offset));
    if (offset + written > file.m_size)
        file.m_size = offset + written;
    return written;
}

lib::Result<void> Tree::remote_change(Node& node, const RemoteChange& change)
{
    TRY(node.m_remote->fs->change(node.m_remote->handle, change));
    return refresh(node);
}

lib::Result<void> Tree::remote_list(
    Node& dir, uint64_t position, size_t wanted, bool (*emit)(void*, const ListedEntry&), void* context)
{
    RemoteHandle reader = TRY(io_handle(dir, false));
    return dir.m_remote->fs->list(reader, position, wanted, emit, context);
}

lib::Result<void> Tree::mount(Node& dir, RemoteFs& fs)
{
    if (!dir.is_directory())
        return lib::Error(lib::Errno::NOTDIR, "a volume is mounted on a directory");
    if (dir.m_remote || !dir.foreign_path().empty())
        return lib::Error(lib::Errno::BUSY, "the directory is already a mount point");
    RemoteHandle root = TRY(fs.root()); // the attach fid: the mount point holds it from here
    auto attributes = TRY(fs.attributes(root));
    if (type_of_mode(attributes.mode) != NodeType::Directory)
        return lib::Error(lib::Errno::NOTDIR, "the volume's root is not a directory");
    dir.m_remote = new (std::nothrow) RemoteNode;
    if (!dir.m_remote)
        return lib::Error(lib::Errno::NOMEM, "no memory for a volume's root");
    dir.m_remote->fs = &fs;
    dir.m_remote->handle = root;
    dir.m_remote->mount_root = true;
    apply(dir, attributes);
    return {};
}

lib::Result<void> Tree::prepare_open(Node& node, bool reads, bool writes, bool append)
{
    if (!node.m_remote || node.m_type == NodeType::Symlink)
        return {};
    if (reads)
        TRY(io_handle(node, false));
    RemoteNode& remote = *node.m_remote;
    if (writes && append && remote.writer != RemoteNode::kNone && !remote.writer_appends) {
        // A writer without O_APPEND (the creating one): appends need the host's own.
        RemoteHandle appending = TRY(remote.fs->open(remote.handle, kOpenWriteOnly | kOpenAppend));
        if (remote.writer != remote.reader)
            remote.fs->release(remote.writer);
        remote.writer = appending;
        remote.writer_appends = true;
    }
    if (writes)
        TRY(io_handle(node, true, append));
    return {};
}

lib::Result<void> Tree::refresh(Node& node)
{
    if (!node.m_remote)
        return {};
    apply(node, TRY(node.m_remote->fs->attributes(node.m_remote->handle)));
    return {};
}

lib::Result<void> Tree::sync(Node& node)
{
    if (!node.m_remote)
        return {};
    RemoteNode& remote = *node.m_remote;
    return remote.fs->sync(remote.writer != RemoteNode::kNone ? remote.writer : TRY(io_handle(node, false)));
}

lib::Result<RemoteStats> Tree::remote_stats(Node& node)
{
    if (!node.m_remote)
        return lib::Error(lib::Errno::INVAL, "not a node of a volume");
    return node.m_remote->fs->stats(node.m_remote->handle);
}

} // namespace vfs
