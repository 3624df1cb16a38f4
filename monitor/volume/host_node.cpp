#include "host_node.h"

#include <cerrno>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace monitor::volume {

namespace {

constexpr size_t kMaxNameLength = 255; // NAME_MAX

} // namespace

Fd& Fd::operator=(Fd&& other) noexcept
{
    if (this != &other) {
        reset();
        m_fd = std::exchange(other.m_fd, -1);
    }
    return *this;
}

void Fd::reset()
{
    if (m_fd >= 0)
        close(m_fd);
    m_fd = -1;
}

lib::Error host_error(const char* message) { return lib::Error(lib::Errno(errno ? errno : EIO), message); }

lib::Result<void> check_name(std::string_view name)
{
    if (name.empty() || name.find('/') != std::string_view::npos || name.find('\0') != std::string_view::npos)
        return lib::Error(lib::Errno::INVAL, "a 9P name is not one path component");
    if (name.size() > kMaxNameLength)
        return lib::Error(lib::Errno::NAMETOOLONG, "a 9P name is longer than 255 bytes");
    return {};
}

lib::Result<void> check_entry_name(std::string_view name)
{
    if (name == "." || name == "..")
        return lib::Error(lib::Errno::INVAL, "a 9P request names . or .. as an entry to change");
    return check_name(name);
}

lib::Result<Node> node_of(Fd fd)
{
    Node node { std::move(fd), {} };
    if (fstat(node.fd.get(), &node.stat) < 0)
        return host_error("fstat of a shared node failed");
    return node;
}

lib::Result<Node> duplicate(const Node& node)
{
    int fd = fcntl(node.fd.get(), F_DUPFD_CLOEXEC, 0);
    if (fd < 0)
        return host_error("cannot duplicate a shared node's descriptor");
    return Node { Fd(fd), node.stat };
}

lib::Result<Node> lookup(const Node& dir, std::string_view name, const Node& root, NodeId root_id)
{
    TRY(check_name(name));
    if (!S_ISDIR(dir.stat.st_mode))
        return lib::Error(lib::Errno::NOTDIR, "a 9P walk from a node that is not a directory");
    if (name == ".")
        return duplicate(dir);
    if (name == "..") {
        // At the root it stays there. Below it, the host's ".." is not followed at all: a
        // directory held by a fid may have been moved out of the share since (by the host
        // user, or through another volume sharing an enclosing directory), and its real
        // parent chain would then lead anywhere. Osprey's kernel resolves ".." itself and
        // never sends it.
        if (NodeId::of(dir.stat) == root_id)
            return duplicate(root);
        return lib::Error(lib::Errno::INVAL, "a 9P walk of '..' below the share's root (the guest resolves '..')");
    }
    return node_of(TRY(open_beneath(dir.fd.get(), name, O_PATH)));
}

lib::Result<Fd> open_beneath(int dir, std::string_view name, int flags, mode_t mode)
{
    TRY(check_name(name));
    open_how how {};
    how.flags = uint64_t(flags | O_NOFOLLOW | O_CLOEXEC);
    how.mode = (flags & O_CREAT) ? mode : 0;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
    std::string path(name);
    long fd = syscall(SYS_openat2, dir, path.c_str(), &how, sizeof(how));
    if (fd < 0)
        return host_error("openat2 beneath a shared directory failed");
    return Fd(int(fd));
}

lib::Result<Fd> reopen(const Node& node, int flags)
{
    mode_t type = node.stat.st_mode & S_IFMT;
    if (type == S_IFLNK)
        return lib::Error(lib::Errno::LOOP, "a 9P open of a symlink (the guest resolves symlinks itself)");
    if (type == S_IFCHR || type == S_IFBLK)
        return lib::Error(lib::Errno::ACCES, "a 9P open of a device node, which would reach outside the share");
    if (type == S_IFIFO)
        flags |= O_NONBLOCK;
    int fd = open(proc_path(node.fd.get()).c_str(), flags | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return host_error("cannot open a shared node");
    return Fd(fd);
}

mode_t permitted_mode(uint32_t mode, mode_t type)
{
    mode_t allowed = type == S_IFDIR ? 07777 & ~S_ISUID : 07777 & ~(S_ISUID | S_ISGID);
    return mode_t(mode) & allowed;
}

std::string proc_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

ninep::Qid qid_of(const struct stat& st)
{
    ninep::Qid qid;
    qid.type = S_ISDIR(st.st_mode) ? ninep::kQidDirectory : S_ISLNK(st.st_mode) ? ninep::kQidSymlink : 0;
    // The version changes when the file does (its mtime), which is what a client's cache
    // compares; 9P only asks that it differ between versions.
    qid.version = uint32_t(st.st_mtim.tv_sec) ^ uint32_t(st.st_mtim.tv_nsec) ^ uint32_t(st.st_size);
    qid.path = st.st_ino;
    return qid;
}

} // namespace monitor::volume
