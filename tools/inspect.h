// `osprey inspect IMAGE`: what an image holds.
#pragma once

#include <filesystem>
#include <ostream>

namespace tools {

/// Writes one line per inode, depth-first in name order:
///   "<mode as ls -l> <size> <path>[ -> <target>]"  (size "-" for directories)
/// then "# <inodes> inodes, <bytes> bytes; default command line: <cmdline>".
/// Throws CliError(kExitBadInput) if the image is invalid.
void inspect_image(const std::filesystem::path& image, std::ostream& out);

} // namespace tools
