// A file tree in memory (tmpfs), optionally laid over the read-only ROFS image as its lower
// layer: the root the kernel mounts is the image with writes, new files and deletions
// landing here, while the image stays read-only and shared. Portable (host-tested against
// a model, tests/host/vfs_*_test.cpp).
//
//   auto tree = TRY(vfs::Tree::create(&image, { .byte_limit = 64 << 20, .clock = now }));
//   auto dir = TRY(vfs::walk(*tree, tree->root(), "/var/log", vfs::Follow::Yes));
//   auto log = TRY(tree->create(*dir, "x.log", vfs::NodeType::Regular, 0644));
//
// Operations take the directory and one name (a path is resolved first: path_walk.h) and
// give Linux's answers and errno. Single-threaded: the caller serialises (the kernel's big
// kernel lock today).
#pragma once

#include <vfs/node.h>
#include <vfs/remote_fs.h>

#include <type_traits>

namespace vfs {

enum RenameFlags : unsigned { RenameNoReplace = 1, RenameExchange = 2, RenameWhiteout = 4 };

class Tree {
public:
    /// Where file pages come from: the kernel gives page frames (so a page can be mapped
    /// into the address space as it is); null takes them from malloc (host tests).
    struct PageMemory {
        void* (*allocate)(); // one page-aligned kPageSize block, or null
        void (*release)(void* page);
    };

    /// Who a new node belongs to.
    struct Owner {
        uint32_t uid = 0, gid = 0;
    };

    struct Options {
        /// Bytes of file data the tree may hold; writes past it fail with ENOSPC.
        uint64_t byte_limit = 0;
        const PageMemory* page_memory = nullptr;
        /// The time stamps of changes; null keeps every time at 0.
        Timestamp (*clock)() = nullptr;
        /// Who is making a node: the calling process's file-system user and group IDs (the
        /// kernel's credentials). Null: root makes every node.
        Owner (*creator)() = nullptr;
    };

    /// A tree with an empty root directory, or the image's root when `image` is given (the
    /// image must outlive the tree). ENOMEM.
    static lib::Result<Tree*> create(const images::RofsImage* image, Options options);
    ~Tree();
    Tree(const Tree&) = delete;
    Tree& operator=(const Tree&) = delete;

    Node& root() const { return *m_root; }
    /// From now on every change to a named node is EROFS (`osprey run --read-only`); files
    /// without a name (memfd_create) stay writable, as on Linux.
    void make_read_only() { m_read_only = true; }
    bool read_only() const { return m_read_only; }
    /// EROFS when a change to `node` is refused because the tree is read-only: what Linux
    /// asks first (mnt_want_write), before whether the caller may make the change.
    lib::Result<void> check_writable(const Node& node) const;
    const images::RofsImage* image() const { return m_image; }
    uint64_t bytes_used() const { return m_bytes_used; }
    uint64_t byte_limit() const { return m_options.byte_limit; }
    Timestamp now() const { return m_options.clock ? m_options.clock() : Timestamp {}; }

    /// The node named `name` in directory `dir` (one component; "." and ".." work).
    /// ENOTDIR, ENOENT, ENOMEM (bringing an image entry into the tree).
    lib::Result<lib::RefPtr<Node>> lookup(Node& dir, std::string_view name);

    /// Makes a new node `name` in `dir`: `target` is a symlink's, `device` a character
    /// device's number. It belongs to the creator (Options::creator), in the group of `dir`
    /// instead when `dir` is set-group-ID (a new directory then is too), as on Linux; on a
    /// volume the server decides. EEXIST if the name is taken, ENOENT if `dir` was removed,
    /// ENAMETOOLONG, ENOSPC, ENOMEM.
    lib::Result<lib::RefPtr<Node>> create(Node& dir, std::string_view name, NodeType type, uint32_t permissions,
        std::string_view target = {}, uint32_t device = 0);
    /// A regular file with no name (memfd_create), the creator's: it lives while something
    /// refers to it. ENOMEM.
    lib::Result<lib::RefPtr<Node>> create_unnamed(uint32_t permissions);
    /// A new name for an existing node (link(2)): EPERM for a directory, EEXIST, EMLINK.
    lib::Result<void> link(Node& dir, std::string_view name, Node& node);
    /// Removes a non-directory name (unlink(2)): EISDIR for a directory, ENOENT.
    lib::Result<void> unlink(Node& dir, std::string_view name);
    /// Removes an empty directory (rmdir(2)): ENOTDIR, ENOTEMPTY, EBUSY for the root.
    lib::Result<void> remove_directory(Node& dir, std::string_view name);
    /// rename(2)/renameat2(2) with RenameNoReplace and RenameExchange (RenameWhiteout:
    /// EINVAL). Linux's rules: EINVAL to move a directory under itself, ENOTDIR/EISDIR for
    /// a kind mismatch, ENOTEMPTY over a non-empty directory, EEXIST with NoReplace.
    lib::Result<void> rename(
        Node& from_dir, std::string_view from_name, Node& to_dir, std::string_view to_name, unsigned flags);

    /// Writes into a regular file at `offset`, growing it (copy-up of an image file first).
    /// ENOSPC when the tree is full, EFBIG past 2^63, ENOMEM.
    lib::Result<size_t> write(Node& file, const void* buffer, size_t length, uint64_t offset);
    /// truncate(2): drops or zero-extends; ENOSPC, EINVAL for a non-file.
    lib::Result<void> truncate(Node& file, uint64_t size);
    /// The page of regular file `file` at `offset` for mmap (copy-up of an image file
    /// first, a hole filled): from then on the file's pages stay put (a truncation zeroes
    /// pages it would free, as mappings may still point at them). EFAULT at or past the
    /// end of the file (SIGBUS), ENOSPC, ENOMEM.
    lib::Result<std::byte*> mapped_page(Node& file, uint64_t offset);
    /// chmod, chown, utimensat: EROFS on a read-only tree.
    lib::Result<void> set_permissions(Node& node, uint32_t permissions);
    lib::Result<void> set_owner(Node& node, uint32_t uid, uint32_t gid);
    lib::Result<void> set_times(Node& node, const Timestamp* access, const Timestamp* modify);
    /// Marks directory `dir` as the mount point of a file system the tree does not hold
    /// (the kernel's /proc): walks that reach it stop there (path_walk.h ForeignPath).
    /// `path` must be static.
    void mark_foreign(Node& dir, const char* path) { dir.m_foreign = path; }
    /// Marks a read (atime); cheap. A volume's server keeps its own times.
    void touch_access(Node& node)
    {
        if (!node.m_remote)
            node.m_access_time = now();
    }

    /// Makes directory `dir` show the root of volume `fs` (remote_fs.h) instead of its own
    /// entries, which stay hidden while it is mounted. ENOTDIR, EBUSY for a directory that
    /// is already a mount point, the server's errors.
    lib::Result<void> mount(Node& dir, RemoteFs& fs);
    /// Before an open of `node` for reading and/or writing (`append`: O_APPEND): a volume's
    /// file is opened on the server now, so its refusal (EACCES, EROFS) is open(2)'s, and
    /// appends land at the host file's end. Nothing for the tree's own.
    lib::Result<void> prepare_open(Node& node, bool reads, bool writes, bool append = false);
    /// Asks the server for a volume node's attributes again (stat); nothing for the tree's.
    lib::Result<void> refresh(Node& node);
    /// fsync(2): a volume's file is synced on the server; the tree's own need nothing.
    lib::Result<void> sync(Node& node);
    /// statfs(2) of a volume node's file system; EINVAL for the tree's own nodes.
    lib::Result<RemoteStats> remote_stats(Node& node);

    /// The name under which directory `dir` holds `node` (an O(entries) search, for
    /// getcwd); empty if none.
    std::string_view name_in(const Node& dir, const Node& node) const;

    /// readdir: calls `emit(entry)` for each entry from `position` on ("." and ".." first)
    /// until it returns false or the directory ends; the entry's next_position resumes
    /// after it. Positions stay valid while entries are added and removed. ENOTDIR, ENOMEM.
    /// `wanted`: about how many bytes of entries the caller can take (getdents64's buffer;
    /// 0: no idea), so a volume's server is asked for that much and not for the rest of a
    /// large directory at each call.
    template<typename Emit> lib::Result<void> list(Node& dir, uint64_t position, Emit&& emit, size_t wanted = 0);

private:
    Tree(const images::RofsImage* image, Options options) : m_image(image), m_options(options) { }
    friend class Node;

    lib::Result<lib::RefPtr<Node>> new_node(NodeType type, uint32_t permissions, uint64_t inode);
    /// A node the program makes (create, create_unnamed): new_node, owned by the creator.
    lib::Result<lib::RefPtr<Node>> new_owned_node(Node* dir, NodeType type, uint32_t permissions);
    lib::Result<lib::RefPtr<Node>> node_from_image(const images::RofsNode& image_node, Node* parent);
    lib::Result<DirectoryEntry*> add_entry(Node& dir, std::string_view name, lib::RefPtr<Node> node, bool from_image);
    void drop_entry(Node& dir, DirectoryEntry* entry);
    DirectoryEntry* find_entry(const Node& dir, std::string_view name, size_t* insert_at = nullptr) const;
    lib::Result<lib::RefPtr<Node>> child(Node& dir, std::string_view name, DirectoryEntry** entry);
    lib::Result<bool> is_empty(Node& dir);
    lib::Result<void> check_new_name(Node& dir, std::string_view name);
    lib::Result<void> remove_name(Node& dir, std::string_view name, DirectoryEntry* entry);
    void forget_name(Node& dir, std::string_view name, DirectoryEntry* entry);
    void move_directory(Node& node, Node& from_dir, Node& to_dir);
    lib::Result<void> copy_up(Node& file);
    lib::Result<void> reserve_pages(Node& file, uint64_t size);
    void release_pages_from(Node& file, uint64_t first_page);
    std::byte* allocate_page();
    void release_page(std::byte* page);
    void changed(Node& node);
    bool is_ancestor(const Node& ancestor, const Node* node) const;

    // Volumes (remote_tree.cpp): the operations above for a node whose contents are on a
    // server. Nothing of a volume is cached but each node's attributes.
    lib::Result<lib::RefPtr<Node>> remote_node(Node& dir, std::string_view name, RemoteHandle handle);
    lib::Result<lib::RefPtr<Node>> remote_lookup(Node& dir, std::string_view name);
    lib::Result<lib::RefPtr<Node>> remote_create(
        Node& dir, std::string_view name, NodeType type, uint32_t permissions, std::string_view target);
    lib::Result<void> remote_link(Node& dir, std::string_view name, Node& node);
    lib::Result<void> remote_remove(Node& dir, std::string_view name, bool directory);
    /// After a rename or removal on a volume: live nodes of directory `name` in `dir` move
    /// to `to_dir`/`to_name`, or (`to_dir` null) are marked removed.
    void follow_directory_name(Node& dir, std::string_view name, Node* to_dir, std::string_view to_name);
    lib::Result<void> remote_rename(
        Node& from_dir, std::string_view from_name, Node& to_dir, std::string_view to_name, unsigned flags);
    lib::Result<size_t> remote_write(Node& file, const void* buffer, size_t length, uint64_t offset);
    lib::Result<void> remote_change(Node& node, const RemoteChange& change);
    lib::Result<void> remote_list(
        Node& dir, uint64_t position, size_t wanted, bool (*emit)(void*, const ListedEntry&), void* context);
    void apply(Node& node, const RemoteAttributes& attributes);
    static lib::Result<size_t> remote_read(const Node& file, void* buffer, size_t length, uint64_t offset);

    // readdir's sources, for list() (directory_list.h has the template body).
    size_t image_entry_count(const Node& dir) const;
    lib::Result<std::optional<ListedEntry>> image_entry(Node& dir, size_t index);

    const images::RofsImage* m_image;
    Options m_options;
    Node* m_root = nullptr;
    uint64_t m_bytes_used = 0;
    uint64_t m_next_inode = 0;
    bool m_read_only = false;
    /// Live volume directories reached by name (RemoteNode::parent set): remote_rename
    /// gives those it renames their new parent and name. Nothing else caches volume names.
    lib::IntrusiveList<RemoteNode, &RemoteNode::reached_link> m_reached_directories;
};

} // namespace vfs

#include <vfs/directory_list.h>
