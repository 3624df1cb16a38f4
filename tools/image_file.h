// An existing ROFS image loaded from the host for `osprey run IMAGE` and `osprey inspect`.
#pragma once

#include "cli_error.h"
#include "command_line.h"
#include "mapped_input.h"

#include <images/rofs_reader.h>

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace tools {

/// Whether `path` starts with the ROFS magic (false if unreadable).
bool looks_like_rofs_image(const std::filesystem::path& path);

/// What the reader gave, or CliError(kExitBadInput) naming the image as corrupt.
template<typename T> T checked_image_part(lib::Result<T> result)
{
    if (result.is_error())
        throw CliError(kExitBadInput, "the image is corrupt: " + std::string(result.error().message));
    return result.release_value();
}

/// Calls `visit(node, path)` for every node of `image`, each directory before what it holds,
/// in directory order (an explicit stack: a valid image may nest directories deeper than
/// the host stack allows). Throws CliError(kExitBadInput) for a node the reader refuses.
void walk_image(
    const images::RofsImage& image, const std::function<void(const images::RofsNode&, const std::string&)>& visit);

/// Move-only: the reader points into the image's bytes, which the object maps read-only
/// (a large or sparse image costs only the pages read).
class ImageFile {
public:
    ImageFile(ImageFile&&) = default;
    ImageFile(const ImageFile&) = delete;
    ImageFile& operator=(const ImageFile&) = delete;

    /// Maps and validates the image. Throws CliError(kExitBadInput) with the reader's
    /// message ("ROFS: metadata checksum mismatch (corrupt image)", ...).
    static ImageFile load(const std::filesystem::path& path);

    const images::RofsImage& reader() const { return *m_reader; }
    /// The image's /.osprey/cmdline; throws CliError(kExitBadInput) if it has none or it
    /// does not parse.
    CommandLine default_command_line() const;

private:
    ImageFile() = default;
    std::filesystem::path m_path;
    std::optional<MappedInput> m_input;
    std::optional<images::RofsImage> m_reader;
};

} // namespace tools
