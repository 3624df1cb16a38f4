#include "mapped_input.h"

#include "cli_error.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace tools {

MappedInput::MappedInput(const std::filesystem::path& path)
{
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        throw CliError(kExitBadInput, "cannot read '" + path.string() + "': " + std::strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        throw CliError(kExitBadInput, "cannot read '" + path.string() + "': not a regular file");
    }
    m_size = size_t(st.st_size);
    void* mapped = m_size ? mmap(nullptr, m_size, PROT_READ, MAP_PRIVATE, fd, 0) : nullptr;
    int error_number = errno;
    close(fd);
    if (mapped == MAP_FAILED)
        throw CliError(kExitHostFailure, "cannot map '" + path.string() + "': " + std::strerror(error_number));
    m_bytes = static_cast<const std::byte*>(mapped);
}

MappedInput::~MappedInput()
{
    if (m_bytes)
        munmap(const_cast<std::byte*>(m_bytes), m_size);
}

MappedInput::MappedInput(MappedInput&& other) noexcept
    : m_bytes(std::exchange(other.m_bytes, nullptr)), m_size(std::exchange(other.m_size, 0))
{
}

} // namespace tools
