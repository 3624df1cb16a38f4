// A node of the file tree (an inode): a directory, regular file, symlink, character device,
// FIFO or socket. Portable: the kernel and the host tests share it. Nodes are reference counted:
// a directory entry holds one reference, an open file another, so an unlinked file lives
// until its last descriptor closes. A Node belongs to one Tree (tree.h), which makes and
// changes it; everything here is what a reader may ask.
//
// A node may stand for a node of the read-only image below the tree (the overlay): an
// image directory lists the image's entries until they are looked up, and an image file
// reads the image's bytes in place until its first write copies them into the tree's
// memory ("copy-up").
//
// A node may also stand for a node of a volume (remote_fs.h): then its attributes are
// what the server last said and its contents stay on the server.
#pragma once

#include <images/rofs_reader.h>
#include <lib/intrusive_list.h>
#include <lib/ref_counted.h>
#include <lib/result.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace vfs {

class Tree;
class Node;
struct RemoteNode;

enum class NodeType : uint8_t { Regular, Directory, Symlink, CharDevice, Fifo, Socket };

// File type bits of st_mode (POSIX, Linux values).
constexpr uint32_t kModeTypeMask = 0170000, kModeRegular = 0100000, kModeDirectory = 0040000, kModeSymlink = 0120000,
                   kModeCharDevice = 0020000, kModeFifo = 0010000, kModeSocket = 0140000;
constexpr uint32_t kPermissionMask = 07777;
/// Permission bits with rules of their own: set-user-ID, set-group-ID (a directory's new
/// entries take its group; chown and chmod may drop it), group execute (whether a file's
/// set-group-ID bit means "run as the group" or mandatory locking).
constexpr uint32_t kModeSetUserId = 04000, kModeSetGroupId = 02000, kModeGroupExecute = 0010;
/// Longest name of one directory entry (Linux NAME_MAX).
constexpr size_t kNameMax = 255;
/// tmpfs file data comes in pages of this size.
constexpr size_t kPageSize = 4096;

constexpr NodeType node_type_of(images::RofsFileType type)
{
    switch (type) {
    case images::RofsFileType::Directory: return NodeType::Directory;
    case images::RofsFileType::Symlink: return NodeType::Symlink;
    case images::RofsFileType::Regular: break;
    }
    return NodeType::Regular;
}

/// readdir's d_type for a node type (Linux's DT_* values).
constexpr uint8_t dirent_type(NodeType type)
{
    switch (type) {
    case NodeType::Directory: return 4;  // DT_DIR
    case NodeType::Symlink: return 10;   // DT_LNK
    case NodeType::CharDevice: return 2; // DT_CHR
    case NodeType::Fifo: return 1;       // DT_FIFO
    case NodeType::Socket: return 12;    // DT_SOCK
    case NodeType::Regular: break;
    }
    return 8; // DT_REG
}

struct Timestamp {
    int64_t seconds = 0;
    int64_t nanoseconds = 0;
    bool operator==(const Timestamp&) const = default;
};

/// One name in a directory. `node` null is a whiteout: the name was removed and hides the
/// image entry of the same name.
struct DirectoryEntry {
    lib::ListNode order_link; // the directory's entries in creation order (readdir)
    lib::RefPtr<Node> node;
    uint64_t sequence = 0;   // readdir position among the directory's own entries
    bool from_image = false; // the image's entry, looked up: listed at its image position
    uint8_t name_length = 0;
    char name[kNameMax + 1];

    std::string_view name_view() const { return { name, name_length }; }
};

/// What readdir reports for one entry.
struct ListedEntry {
    std::string_view name;
    uint64_t inode;
    uint8_t d_type;         // as getdents64 reports it (dirent_type); a volume's as its server said, DT_UNKNOWN too
    uint64_t next_position; // the position to resume after this entry
};

class Node : public lib::RefCounted<Node> {
public:
    ~Node();

    NodeType type() const { return m_type; }
    bool is_directory() const { return m_type == NodeType::Directory; }
    /// st_mode: type bits and permissions.
    uint32_t mode() const;
    uint32_t permissions() const { return m_permissions; }
    uint64_t inode() const { return m_inode; }
    uint32_t link_count() const;
    /// A character device's number (Linux dev_t: major << 8 | minor for small numbers).
    uint32_t device() const { return m_device; }
    uint32_t uid() const { return m_uid; }
    uint32_t gid() const { return m_gid; }
    Timestamp access_time() const { return m_access_time; }
    Timestamp modify_time() const { return m_modify_time; }
    Timestamp change_time() const { return m_change_time; }
    Tree& tree() const { return m_tree; }

    /// Regular file: bytes; symlink: target length; directory: a page (as Linux tmpfs
    /// reports entries * 20 we keep the image's convention).
    uint64_t size() const;
    /// 512-byte blocks the file's data takes in memory (0 while it is the image's).
    uint64_t blocks() const;

    /// Regular files: up to `length` bytes at `offset`; 0 at or past the end. EISDIR for a
    /// directory, EINVAL for others.
    lib::Result<size_t> read(void* buffer, size_t length, uint64_t offset) const;
    /// The image file this node still reads in place (not written since boot), for mmap
    /// without copying; nullopt once the tree holds its own copy.
    std::optional<images::RofsNode> image_file() const;
    /// A symlink's target; empty for others.
    std::string_view link_target() const;

    /// The absolute path a foreign directory stands for (Tree::mark_foreign); empty for others.
    std::string_view foreign_path() const { return m_foreign ? std::string_view(m_foreign) : std::string_view(); }
    /// The record the kernel made when it first mapped this file (opaque here; it holds a
    /// reference to the node and lives as long as the VM). Null until then.
    void* mapping_record() const { return m_mapping_record; }
    void set_mapping_record(void* record) { m_mapping_record = record; }
    /// FIFOs: the pipe the kernel made for the open ends; sockets: the socket bound to this
    /// name (opaque here). Null while there is none.
    void* endpoint_record() const { return m_endpoint_record; }
    void set_endpoint_record(void* record) { m_endpoint_record = record; }
    /// Directories: the parent (null for the root and for a removed directory).
    Node* parent() const;
    /// Directories: whether it still has a name (a removed directory may stay open).
    bool removed() const { return m_removed; }
    /// A node of a volume (and a volume's mount point): its server's handles; null for the
    /// tree's own nodes.
    RemoteNode* remote() const { return m_remote; }

private:
    friend class Tree;
    friend class FileData;
    Node(Tree& tree, NodeType type, uint64_t inode, uint32_t permissions);

    Tree& m_tree;
    NodeType m_type;
    bool m_removed = false;
    const char* m_foreign = nullptr; // static storage
    uint32_t m_permissions;
    uint32_t m_links = 0; // names that refer to it (directories: see link_count)
    uint32_t m_device = 0;
    uint32_t m_uid = 0, m_gid = 0;
    uint64_t m_inode;
    Timestamp m_access_time, m_modify_time, m_change_time;

    // Regular files: the image's bytes until the first change, then pages of our own.
    std::optional<images::RofsNode> m_image_node; // also: a directory's image directory
    uint64_t m_size = 0;
    std::byte** m_pages = nullptr; // m_page_slots pointers, null for a hole
    size_t m_page_slots = 0;
    size_t m_pages_held = 0;
    bool m_mapped = false; // some page was handed to mmap: pages are never freed
    void* m_mapping_record = nullptr;
    void* m_endpoint_record = nullptr;
    RemoteNode* m_remote = nullptr;

    // Symlinks.
    char* m_target = nullptr;
    size_t m_target_length = 0;

    // Directories: own entries sorted by name (lookup) and in creation order (readdir).
    Node* m_parent = nullptr;
    DirectoryEntry** m_by_name = nullptr;
    size_t m_entry_count = 0, m_entry_capacity = 0;
    lib::IntrusiveList<DirectoryEntry, &DirectoryEntry::order_link> m_in_order;
    uint64_t m_next_sequence = 0;
    uint32_t m_subdirectories = 0; // for the link count
};

} // namespace vfs
