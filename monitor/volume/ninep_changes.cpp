// Changes to a volume's directories: every one an *at() call relative to a directory fid's
// descriptor with a name of one component that is neither "." nor "..", and none of them
// follows a symlink in that name, so each stays inside the share.
#include "ninep_server.h"

#include <cerrno>
#include <climits>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace monitor::volume {

// Tsymlink fid[4] name[s] symtgt[s] gid[4] -> Rsymlink qid. The target is only text to the
// server (it never follows symlinks), so any target is allowed.
lib::Result<void> NinepServer::symlink(ninep::Reader& in, Reply& reply)
{
    uint32_t number = in.u32();
    std::string_view name = in.string(), target = in.string();
    in.u32();
    TRY(in.finish());
    TRY(check_entry_name(name));
    if (target.empty() || target.size() >= PATH_MAX || target.find('\0') != std::string_view::npos)
        return lib::Error(lib::Errno::INVAL, "Tsymlink target empty, too long or holding NUL");
    Fid* dir = TRY(find_directory_to_change(number));
    if (symlinkat(std::string(target).c_str(), dir->node.fd.get(), std::string(name).c_str()) < 0)
        return host_error("symlink in a volume failed");
    reply.out.qid(TRY(created_qid(*dir, name)));
    return {};
}

// Tmknod dfid[4] name[s] mode[4] major[4] minor[4] gid[4] -> Rmknod qid. FIFOs and sockets
// only: a device node would reach outside the share (EPERM, as for an unprivileged user).
lib::Result<void> NinepServer::mknod(ninep::Reader& in, Reply& reply)
{
    uint32_t number = in.u32();
    std::string_view name = in.string();
    uint32_t mode = in.u32();
    in.u32(), in.u32(), in.u32();
    TRY(in.finish());
    TRY(check_entry_name(name));
    mode_t type = mode_t(mode) & S_IFMT;
    if (type != S_IFIFO && type != S_IFSOCK)
        return lib::Error(lib::Errno::PERM, "Tmknod of anything but a FIFO or a socket");
    Fid* dir = TRY(find_directory_to_change(number));
    if (mknodat(dir->node.fd.get(), std::string(name).c_str(), type | permitted_mode(mode, type), 0) < 0)
        return host_error("mknod in a volume failed");
    reply.out.qid(TRY(created_qid(*dir, name)));
    return {};
}

// Tmkdir dfid[4] name[s] mode[4] gid[4] -> Rmkdir qid.
lib::Result<void> NinepServer::mkdir(ninep::Reader& in, Reply& reply)
{
    uint32_t number = in.u32();
    std::string_view name = in.string();
    uint32_t mode = in.u32();
    in.u32();
    TRY(in.finish());
    TRY(check_entry_name(name));
    Fid* dir = TRY(find_directory_to_change(number));
    if (mkdirat(dir->node.fd.get(), std::string(name).c_str(), permitted_mode(mode, S_IFDIR)) < 0)
        return host_error("mkdir in a volume failed");
    reply.out.qid(TRY(created_qid(*dir, name)));
    return {};
}

// Tlink dfid[4] fid[4] name[s] -> Rlink: a hard link to fid's node (found by its
// descriptor, not by a name) as `name` in dfid.
lib::Result<void> NinepServer::link(ninep::Reader& in, Reply&)
{
    uint32_t dir_number = in.u32(), number = in.u32();
    std::string_view name = in.string();
    TRY(in.finish());
    TRY(check_entry_name(name));
    Fid* dir = TRY(find_directory_to_change(dir_number));
    Fid* fid = TRY(find(number));
    // The magic link names the inode itself; AT_SYMLINK_FOLLOW follows only that link.
    if (linkat(AT_FDCWD, proc_path(fid->node.fd.get()).c_str(), dir->node.fd.get(), std::string(name).c_str(),
            AT_SYMLINK_FOLLOW)
        < 0)
        return host_error("link in a volume failed");
    return {};
}

// Trenameat olddirfid[4] oldname[s] newdirfid[4] newname[s] -> Rrenameat.
lib::Result<void> NinepServer::renameat(ninep::Reader& in, Reply&)
{
    uint32_t from_number = in.u32();
    std::string_view from_name = in.string();
    uint32_t to_number = in.u32();
    std::string_view to_name = in.string();
    TRY(in.finish());
    TRY(check_entry_name(from_name));
    TRY(check_entry_name(to_name));
    Fid* from = TRY(find_directory_to_change(from_number));
    Fid* to = TRY(find_directory_to_change(to_number));
    if (::renameat(from->node.fd.get(), std::string(from_name).c_str(), to->node.fd.get(), std::string(to_name).c_str())
        < 0)
        return host_error("rename in a volume failed");
    return {};
}

// Tunlinkat dirfid[4] name[s] flags[4] -> Runlinkat; flags 0 or kUnlinkDirectory.
lib::Result<void> NinepServer::unlinkat(ninep::Reader& in, Reply&)
{
    uint32_t number = in.u32();
    std::string_view name = in.string();
    uint32_t flags = in.u32();
    TRY(in.finish());
    TRY(check_entry_name(name));
    if (flags & ~ninep::kUnlinkDirectory)
        return lib::Error(lib::Errno::INVAL, "Tunlinkat with unknown flags");
    Fid* dir = TRY(find_directory_to_change(number));
    if (::unlinkat(dir->node.fd.get(), std::string(name).c_str(), flags ? AT_REMOVEDIR : 0) < 0)
        return host_error("unlink in a volume failed");
    return {};
}

} // namespace monitor::volume
