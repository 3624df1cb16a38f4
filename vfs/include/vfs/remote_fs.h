// A file system the tree does not hold but reaches through a server: a host directory
// shared with the VM (`osprey run --volume`, carried by 9P: ninep/client.h). Tree::mount
// makes a directory of the tree show the remote's root; from there every lookup, read,
// write, create and rename goes to the server and nothing is cached but the attributes a
// node was last seen with (so the host may change the directory under a running VM).
//
// Handles name remote nodes (9P fids): walk() makes a new one, release() drops it; open()
// makes a handle for I/O on a node. Errors are the server's Linux errno.
#pragma once

#include <vfs/node.h>

#include <lib/intrusive_list.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace vfs {

using RemoteHandle = uint32_t;

/// What stat reports for a remote node.
struct RemoteAttributes {
    uint64_t id = 0;   // unique per node on the server (its inode number)
    uint32_t mode = 0; // type bits and permissions
    uint32_t uid = 0, gid = 0;
    uint64_t links = 0, size = 0, blocks = 0, device = 0;
    Timestamp access, modify, change;
};

/// What setattr changes: only the fields whose flag is set. A time flag with a null-marked
/// time (`*_now`) sets the server's current time.
struct RemoteChange {
    bool set_mode = false, set_owner = false, set_size = false, set_access = false, set_modify = false;
    bool access_now = false, modify_now = false;
    uint32_t mode = 0, uid = 0, gid = 0;
    uint64_t size = 0;
    Timestamp access, modify;
};

/// statfs(2)'s fields.
struct RemoteStats {
    uint32_t type = 0, block_size = 0, name_length = 0;
    uint64_t blocks = 0, blocks_free = 0, blocks_available = 0, files = 0, files_free = 0, fsid = 0;
};

class RemoteFs {
public:
    virtual ~RemoteFs() = default;

    /// The shared directory's root.
    virtual lib::Result<RemoteHandle> root() = 0;
    /// The node `name` (one component, never "." or "..") in directory `dir`: a new handle.
    virtual lib::Result<RemoteHandle> walk(RemoteHandle dir, std::string_view name) = 0;
    /// Drops a handle (walked or opened); errors are not reported.
    virtual void release(RemoteHandle handle) = 0;

    virtual lib::Result<RemoteAttributes> attributes(RemoteHandle handle) = 0;
    virtual lib::Result<void> change(RemoteHandle handle, const RemoteChange& change) = 0;
    /// A symlink's target into `out`: its length (ENAMETOOLONG if it does not fit).
    virtual lib::Result<size_t> read_link(RemoteHandle handle, char* out, size_t size) = 0;

    /// A new handle open for I/O with Linux open flags (O_RDONLY, O_WRONLY, O_DIRECTORY...).
    virtual lib::Result<RemoteHandle> open(RemoteHandle node, uint32_t flags) = 0;
    virtual lib::Result<size_t> read(RemoteHandle open, void* buffer, size_t length, uint64_t offset) = 0;
    virtual lib::Result<size_t> write(RemoteHandle open, const void* buffer, size_t length, uint64_t offset) = 0;
    /// The entries of an open directory from `position` (0: the start; else an entry's
    /// next_position), "." and ".." among them: `emit(context, entry)` for each until it
    /// returns false or the directory ends. `wanted` (0: no idea): about how many bytes of
    /// entries the caller takes, so that no more is fetched than it will use.
    virtual lib::Result<void> list(RemoteHandle open, uint64_t position, size_t wanted,
        bool (*emit)(void* context, const ListedEntry& entry), void* context)
        = 0;
    virtual lib::Result<void> sync(RemoteHandle open) = 0;

    /// Makes regular file `name` in `dir` with `permissions`: a handle open on it for
    /// reading and writing (whatever the permissions say). EEXIST if the name is taken.
    virtual lib::Result<RemoteHandle> create_file(RemoteHandle dir, std::string_view name, uint32_t permissions) = 0;
    /// Makes `name` in `dir`: a directory or symlink (to `target`) with `permissions`.
    /// EEXIST if the name is taken; EPERM for other kinds (not yet).
    virtual lib::Result<void> make(
        RemoteHandle dir, std::string_view name, NodeType type, uint32_t permissions, std::string_view target)
        = 0;
    virtual lib::Result<void> link(RemoteHandle dir, std::string_view name, RemoteHandle node) = 0;
    virtual lib::Result<void> remove(RemoteHandle dir, std::string_view name, bool directory) = 0;
    virtual lib::Result<void> rename(
        RemoteHandle from_dir, std::string_view from_name, RemoteHandle to_dir, std::string_view to_name)
        = 0;
    virtual lib::Result<RemoteStats> stats(RemoteHandle handle) = 0;

    /// The st_dev its nodes report (distinct from the root tree's, as a mount's is).
    uint64_t device_number() const { return m_device_number; }
    void set_device_number(uint64_t number) { m_device_number = number; }

private:
    uint64_t m_device_number = 0;
};

/// What a node of a volume holds (Node::remote()): its handle on the server and, opened
/// on first use, one for reading (also a directory's listing) and one for writing.
struct RemoteNode {
    static constexpr RemoteHandle kNone = 0xffffffff;
    RemoteFs* fs = nullptr;
    RemoteHandle handle = kNone;
    RemoteHandle reader = kNone, writer = kNone; // may be one handle (a created file's)
    bool writer_appends = false;                 // the writer was opened O_APPEND
    uint64_t blocks = 0;
    /// The volume's root: the tree's directory it is mounted on (its name is the tree's).
    bool mount_root = false;
    /// Directories below the root: the directory this one was reached from (a reference,
    /// so ".." and getcwd work while it is in use) and the name it was reached by.
    lib::RefPtr<Node> parent;
    uint8_t name_length = 0;
    char name[kNameMax + 1];
    /// On the tree's list of such directories (parent set), so that a rename through the
    /// tree moves every live node of the renamed directory (a cwd's getcwd follows it),
    /// and a removal marks them removed. `node`: the node this is part of.
    lib::ListNode reached_link;
    Node* node = nullptr;

    std::string_view name_view() const { return { name, name_length }; }
};

} // namespace vfs
