#include "temp_file.h"

#include "cli_error.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <unistd.h>
#include <vector>

namespace tools {

TempFile::TempFile(const std::string& prefix, const std::string& suffix)
{
    const char* dir = std::getenv("TMPDIR");
    std::string pattern = std::string(dir && *dir ? dir : "/tmp") + "/" + prefix + "XXXXXX" + suffix;
    std::vector<char> name(pattern.begin(), pattern.end());
    name.push_back('\0');
    int made = ::mkstemps(name.data(), static_cast<int>(suffix.size()));
    if (made < 0)
        throw CliError(kExitHostFailure, "cannot create a temporary file " + pattern + ": " + std::strerror(errno));
    ::unlink(name.data());
    // Never 0, 1 or 2 (the lowest free number when a standard stream was closed): the
    // hypervisor's stdin and outputs are set up on those.
    m_fd = made > STDERR_FILENO ? made : ::fcntl(made, F_DUPFD, STDERR_FILENO + 1);
    int error = errno;
    if (m_fd != made)
        ::close(made);
    if (m_fd < 0)
        throw CliError(kExitHostFailure, "cannot keep a temporary file open: " + std::string(std::strerror(error)));
    m_path = "/proc/self/fd/" + std::to_string(m_fd);
}

TempFile::~TempFile() { ::close(m_fd); }

std::string read_text_file(const std::filesystem::path& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw CliError(kExitHostFailure, "cannot read '" + path.string() + "'");
    std::ostringstream contents;
    contents << in.rdbuf();
    return contents.str();
}

} // namespace tools
