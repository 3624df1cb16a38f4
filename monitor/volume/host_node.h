// The host side of a shared directory (`--volume`): descriptors and lookups that cannot
// leave it. A node is held by an O_PATH descriptor; a child is found by openat2 from its
// directory's descriptor with RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS and O_NOFOLLOW, one
// component at a time, so neither a name, a symlink (absolute or relative) nor a rename
// racing with the lookup reaches outside. ".." is taken by hand: at the share's root it
// stays there; below it, the directory's own parent, which is inside because every
// change the guest can make (renames, links) is itself confined to the share.
#pragma once

#include <lib/result.h>
#include <ninep/wire.h>

#include <string>
#include <string_view>
#include <sys/stat.h>
#include <utility>

namespace monitor::volume {

/// One owned host file descriptor, closed when dropped.
class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) : m_fd(fd) { }
    Fd(Fd&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) { }
    Fd& operator=(Fd&& other) noexcept;
    Fd(const Fd&) = delete;
    ~Fd() { reset(); }

    int get() const { return m_fd; }
    explicit operator bool() const { return m_fd >= 0; }
    void reset();

private:
    int m_fd = -1;
};

/// A walked node: its descriptor (O_PATH, or open) and what fstat said when it was taken.
struct Node {
    Fd fd;
    struct stat stat { };
};

/// Which host inode a stat describes (the share's root is recognised by it).
struct NodeId {
    dev_t dev = 0;
    ino_t ino = 0;
    static NodeId of(const struct stat& st) { return { st.st_dev, st.st_ino }; }
    bool operator==(const NodeId&) const = default;
};

/// The host's errno as an Error (EIO when errno is 0).
lib::Error host_error(const char* message);

/// Checks that `name` is one path component: EINVAL when it is empty or holds '/' or NUL,
/// ENAMETOOLONG beyond 255 bytes. "." and ".." pass (walks treat them specially).
lib::Result<void> check_name(std::string_view name);
/// The same for a name that is created, removed or renamed: "." and ".." are EINVAL too.
lib::Result<void> check_entry_name(std::string_view name);

/// Takes `fd` (which must be valid) into a Node with its fstat. Errors: the host's errno.
lib::Result<Node> node_of(Fd fd);
/// A second descriptor for the same node. Errors: the host's errno (EMFILE...).
lib::Result<Node> duplicate(const Node& node);

/// Walks one name from directory `dir`: "." is `dir` again, ".." its parent (or `root`
/// itself when `dir` is the root, `root_id`), any other name the child, never following a
/// symlink (a symlink is returned as itself). Errors: ENOTDIR (`dir` is not a directory),
/// check_name's, the host's errno (ENOENT, EACCES...).
lib::Result<Node> lookup(const Node& dir, std::string_view name, const Node& root, NodeId root_id);

/// openat2 of one component beneath `dir` with O_NOFOLLOW and O_CLOEXEC added to `flags`
/// and RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS: ELOOP for a symlink unless O_PATH is given.
lib::Result<Fd> open_beneath(int dir, std::string_view name, int flags, mode_t mode = 0);

/// Opens `node` for I/O with open(2) `flags` through /proc/self/fd (the same inode, so no
/// name can be swapped in). Symlinks are ELOOP and device nodes EACCES (they reach outside
/// the share); a FIFO opens non-blocking so a guest cannot stall the monitor.
lib::Result<Fd> reopen(const Node& node, int flags);

/// The permission bits a guest may give a file of `type` (S_IFREG, S_IFDIR...): `mode`'s
/// 07777 without set-user-ID (the monitor may run as root, and host users could run the
/// file) and, but on a directory, without set-group-ID.
mode_t permitted_mode(uint32_t mode, mode_t type);

/// "/proc/self/fd/N": the magic link to `fd`'s inode, for calls that have no fd form.
std::string proc_path(int fd);

/// The 9P identity of a host file: its inode number as the path, its kind as the type.
ninep::Qid qid_of(const struct stat& st);

} // namespace monitor::volume
