// An existing ROFS image loaded from the host for `osprey run IMAGE` and `osprey inspect`.
#pragma once

#include "command_line.h"
#include "mapped_input.h"

#include <images/rofs_reader.h>

#include <cstddef>
#include <filesystem>
#include <optional>

namespace tools {

/// Whether `path` starts with the ROFS magic (false if unreadable).
bool looks_like_rofs_image(const std::filesystem::path& path);

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
