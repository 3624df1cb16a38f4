// `--add HOST[:GUEST]`: the user's own files and directories in the image, beside the
// program. A directory is added with everything under it; modes and symlinks are kept.
#pragma once

#include <images/rofs_writer.h>

#include <filesystem>
#include <string>

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

} // namespace tools
