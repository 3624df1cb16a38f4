// `--add HOST[:GUEST]`: the user's own files and directories in the image, beside the
// program. A directory is added with everything under it; modes and symlinks are kept.
#pragma once

#include "closure.h"

#include <images/rofs_writer.h>

#include <filesystem>
#include <string>
#include <vector>

namespace tools {

struct AddedPath {
    std::filesystem::path host; // a file, directory or symlink on the host
    std::string guest;          // absolute path in the image
};

/// Parses "HOST" or "HOST:GUEST" (GUEST defaults to HOST made absolute). Throws
/// CliError(kExitBadInput) if HOST does not exist, GUEST is not absolute or has "." or
/// ".." components, or GUEST is under /.osprey (the image's own files).
AddedPath parse_added_path(const std::string& argument);

/// Puts `added` into the image: a regular file with its mode, a symlink as a symlink (its
/// target unchanged), a directory with its mode and its whole tree. Throws
/// CliError(kExitBadInput) for what an image cannot hold (sockets, devices, FIFOs) or a
/// path already in the image (the program, a library, another --add).
void add_to_image(images::RofsWriter& writer, const AddedPath& added);

/// Where `file` lies in the image when an added directory holds it (its guest path), or
/// an empty string. Compared by real paths, so symlinks on the way do not matter.
std::string guest_path_in_added(const std::filesystem::path& file, const std::vector<AddedPath>& added);

/// The shared objects (regular files named *.so or *.so.N...) the added paths put into the
/// image, with their image paths: their own needs go into the closure (closure.h).
std::vector<AddedObject> shared_objects_in(const std::vector<AddedPath>& added);

} // namespace tools
