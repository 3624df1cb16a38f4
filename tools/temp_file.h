// A temporary file that no exit path can leave behind: it is unlinked as soon as it is
// made and lives on as an open descriptor (not close-on-exec), reached through the path
// "/proc/self/fd/N". That path names the same file in the CLI and in the hypervisor it
// starts (which inherits descriptor N), so QEMU's -initrd and status chardev and the
// monitor use it as a file name; the file goes when the last of them closes it, even if
// the CLI is killed with SIGKILL while packing or running.
#pragma once

#include <filesystem>
#include <string>

namespace tools {

class TempFile {
public:
    /// Creates an empty file "$TMPDIR/<prefix>XXXXXX<suffix>" (/tmp without TMPDIR) and
    /// unlinks it at once. Throws CliError(kExitHostFailure) if it cannot.
    TempFile(const std::string& prefix, const std::string& suffix);
    ~TempFile();
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;

    /// "/proc/self/fd/N": valid here and in child processes, until the object goes away.
    const std::filesystem::path& path() const { return m_path; }

private:
    int m_fd = -1;
    std::filesystem::path m_path;
};

/// The whole contents of a file; throws CliError(kExitHostFailure) if unreadable.
std::string read_text_file(const std::filesystem::path& path);

} // namespace tools
