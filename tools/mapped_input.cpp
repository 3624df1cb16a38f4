#include "mapped_input.h"

#include "cli_error.h"

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace tools {

namespace {

// A mapped file that shrinks while it is read (a package being upgraded under the build)
// faults with SIGBUS past its new end. The mappings alive are recorded here, for the
// handler to name the file and end the CLI with a message instead of a crash. Written by
// the mapping's owner, read by the handler (async-signal-safe: plain loads and write(2)).
struct Watched {
    const std::byte* begin;
    size_t size;
    char path[512];
};
constexpr size_t kWatchedMost = 64; // more mappings alive at once are simply not named
Watched g_watched[kWatchedMost];

void write_text(const char* text) { (void)!write(STDERR_FILENO, text, strlen(text)); }

void on_bus_error(int signal, siginfo_t* info, void*)
{
    const auto* at = static_cast<const std::byte*>(info->si_addr);
    for (const Watched& watched : g_watched)
        if (watched.begin && at >= watched.begin && at < watched.begin + watched.size) {
            write_text("osprey: '");
            write_text(watched.path);
            write_text("' shrank while osprey was reading it (was it being replaced?); nothing was written: "
                       "run again\n");
            _exit(kExitBadInput);
        }
    struct sigaction fallback = {};
    fallback.sa_handler = SIG_DFL;
    sigaction(signal, &fallback, nullptr); // not an input's page: a real fault
}

void watch(const std::byte* begin, size_t size, const std::filesystem::path& path)
{
    static bool installed = [] {
        struct sigaction action = {};
        action.sa_sigaction = on_bus_error;
        action.sa_flags = SA_SIGINFO;
        sigemptyset(&action.sa_mask);
        return sigaction(SIGBUS, &action, nullptr) == 0;
    }();
    if (!installed || !begin)
        return;
    for (Watched& watched : g_watched)
        if (!watched.begin) {
            snprintf(watched.path, sizeof watched.path, "%s", path.c_str());
            watched.size = size;
            watched.begin = begin;
            return;
        }
}

void unwatch(const std::byte* begin)
{
    for (Watched& watched : g_watched)
        if (watched.begin == begin)
            watched.begin = nullptr;
}

} // namespace

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
    watch(m_bytes, m_size, path);
}

MappedInput::~MappedInput()
{
    if (!m_bytes)
        return;
    unwatch(m_bytes);
    munmap(const_cast<std::byte*>(m_bytes), m_size);
}

MappedInput::MappedInput(MappedInput&& other) noexcept
    : m_bytes(std::exchange(other.m_bytes, nullptr)), m_size(std::exchange(other.m_size, 0))
{
}

} // namespace tools
