// The root filesystem: the ROFS image the VMM passed as the first PVH module, with a
// writable in-memory tree laid over it (vfs::Tree: writes, new files and deletions land in
// RAM, the image stays read-only). /dev holds device nodes (device_files.h), /tmp and
// /dev/shm exist and are writable, /proc and /sys are directories marked foreign whose
// contents proc_fs.h makes: a path that reaches them is handed over there.
//
// The working directory and the umask are the process's (process::Process::paths()); the
// functions below reach the calling thread's.
#pragma once

#include <kernel/fs/file.h>
#include <images/rofs_reader.h>
#include <ninep/client.h>
#include <vfs/path_walk.h>

#include <span>
#include <string_view>

namespace fs {

/// Most volumes (host directories shared over virtio-9p) one VM mounts.
constexpr size_t kMaxVolumes = 8;

/// A volume to mount: the host directory `channel` carries (a virtio-9p device, whose
/// mount tag is `tag`), shown at absolute `path`.
struct VolumeMount {
    ninep::Channel* channel;
    std::string_view tag;
    std::string_view path;
};

/// Validates the image, lays the tree over it (holding at most `tmpfs_bytes` of file data),
/// fills /dev and mounts the volumes at their paths (made if missing; what the tree had
/// there stays hidden while mounted). Errors come from images::RofsImage::open (a corrupt
/// image is EINVAL with a message saying what is wrong), a volume that cannot be mounted
/// (logged with its tag and why), or ENOMEM.
lib::Result<void> mount_root(
    std::span<const std::byte> image, uint64_t tmpfs_bytes, std::span<const VolumeMount> volumes = {});
/// Boot option root=ro (`osprey run --read-only`): from now on nothing named in the tree
/// may change (EROFS); a volume decides for itself. Boot calls it once the system's own
/// files (/etc/hosts, /etc/passwd...) are made, as Docker's --read-only keeps those.
void make_root_read_only();
/// Whether mount_root has made the tree (paths are all ENOENT before).
bool root_mounted();
/// The mounted root image; precondition: mount_root succeeded.
const images::RofsImage& root_image();
/// The root tree; precondition: mount_root succeeded.
vfs::Tree& root_tree();
class VolumeMappings;
/// The mmap snapshots of the volumes' files (volume_mapping.h); precondition: as above.
VolumeMappings& volume_mappings();

/// Directory `name` just below the root (such as "etc"), made 0755 if the tree lacks it.
/// EROFS, ENOSPC, ENOMEM.
lib::Result<lib::RefPtr<vfs::Node>> system_directory(std::string_view name);
/// A file the system provides when the image brings none (/etc/hosts, /etc/passwd):
/// `text` becomes /`directory`/`name` unless that name exists, which is left alone.
/// EROFS, ENOSPC, ENOMEM.
lib::Result<void> provide_system_file(std::string_view directory, std::string_view name, std::string_view text);
/// `text` as the whole of the empty file `file` of the root tree (one the system writes:
/// provide_system_file's, a leased /etc/resolv.conf). ENOSPC when it did not all fit.
lib::Result<void> write_whole_file(vfs::Node& file, std::string_view text);
/// The process's working directory (a reference).
lib::RefPtr<vfs::Node> working_directory();
/// chdir: ENOTDIR for a non-directory.
lib::Result<void> set_working_directory(lib::RefPtr<vfs::Node> dir);
/// The process's file mode creation mask; set_umask returns the old one.
unsigned umask();
unsigned set_umask(unsigned mask);

/// Where a path given with `start` begins: the root for an absolute path, else `start`
/// (a directory descriptor's node) or the working directory when `start` is null. A walk
/// that reaches /proc or /sys stops with EXDEV and fills `foreign` in.
vfs::WalkRoots walk_roots(vfs::Node* start, lib::RefPtr<vfs::Node>& holder, vfs::ForeignPath& foreign);
/// For calls that change or enter files: EXDEV (the path leads into /proc or /sys, which
/// are read-only and cannot be entered) becomes EACCES; other errors pass.
lib::Error refuse_kernel_files(lib::Error error);

/// Opens `path` from `start` as open(2) does with `flags` and, for O_CREAT, `mode` (less
/// the umask): O_CREAT, O_EXCL, O_TRUNC, O_APPEND, O_DIRECTORY, O_NOFOLLOW, O_PATH; and
/// openat2(2)'s `resolve` restrictions (vfs::Resolve bits). Returns a new reference.
/// Errors as Linux: ENOENT, EEXIST, EISDIR, ENOTDIR, ELOOP, ENOSPC, EOPNOTSUPP for
/// O_TMPFILE, EXDEV for a path RESOLVE_* forbids; a FIFO opens as pipe.h open_fifo says.
lib::Result<File*> open_at(vfs::Node* start, std::string_view path, int flags, unsigned mode, unsigned resolve = 0);
/// stat(2)/lstat(2) of a path from `start`.
lib::Result<void> stat_at(vfs::Node* start, std::string_view path, LinuxStat& st, vfs::Follow follow);
/// The node a path names (for chdir, truncate, chmod, utimensat...): a magic link of /proc
/// followed (proc_fs.h kernel_link_node); EACCES for another path into /proc or /sys.
lib::Result<lib::RefPtr<vfs::Node>> lookup_at(vfs::Node* start, std::string_view path, vfs::Follow follow);

/// bind(2) of an AF_UNIX socket to `path` (from the working directory): a new socket
/// node with 0777 less the umask. EADDRINUSE when the name exists; the walk's errors.
lib::Result<lib::RefPtr<vfs::Node>> create_socket_node(std::string_view path);

} // namespace fs
