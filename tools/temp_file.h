// A uniquely named temporary file that is removed when the object goes away.
#pragma once

#include <filesystem>
#include <string>

namespace tools {

class TempFile {
public:
    /// Creates an empty file "$TMPDIR/<prefix>XXXXXX<suffix>" (/tmp without TMPDIR).
    /// Throws CliError(kExitHostFailure) if it cannot.
    TempFile(const std::string& prefix, const std::string& suffix);
    ~TempFile();
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;

    const std::filesystem::path& path() const { return m_path; }

private:
    std::filesystem::path m_path;
};

/// The whole contents of a file; throws CliError(kExitHostFailure) if unreadable.
std::string read_text_file(const std::filesystem::path& path);

} // namespace tools
