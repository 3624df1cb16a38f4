// The root filesystem: the ROFS image the VMM passed as the first PVH module, mounted
// read-only at "/". FIRST CUT: one filesystem, no mount table; tmpfs, devfs and procfs come
// later.
#pragma once

#include <kernel/fs/file.h>
#include <images/rofs_reader.h>

#include <span>
#include <string_view>

namespace fs {

/// Validates the image and mounts it as "/". Errors come from images::RofsImage::open
/// (a corrupt image is EINVAL with a message saying what is wrong).
lib::Result<void> mount_root(std::span<const std::byte> image);
/// The mounted root image; precondition: mount_root succeeded.
const images::RofsImage& root_image();

/// Opens `path` (absolute, or relative to "/": there is no working directory yet) and
/// returns a new reference to an open file. Errors: ENOENT, ENOTDIR, ELOOP, EROFS for any
/// write access or O_CREAT on the read-only root, ENOTDIR for O_DIRECTORY on a file.
lib::Result<File*> open_path(std::string_view path, int flags);
/// stat(2)/lstat(2) of a path.
lib::Result<void> stat_path(std::string_view path, LinuxStat& st, images::SymlinkMode mode);

} // namespace fs
