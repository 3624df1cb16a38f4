// RofsWriter: collects files, symlinks and directories into a tree (rofs_writer_tree.h);
// rofs_layout.cpp turns the tree into image bytes, in memory or streamed to a file.
#include "rofs_writer_tree.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace images {
namespace {

std::vector<std::string> split_path(std::string_view path)
{
    if (path.empty() || path.front() != '/')
        throw RofsWriteError("ROFS writer: image path '" + std::string(path) + "' is not absolute");
    if (path.find('\0') != std::string_view::npos)
        throw RofsWriteError("ROFS writer: image path contains a NUL byte");
    std::vector<std::string> components;
    size_t start = 0;
    while (start < path.size()) {
        size_t end = path.find('/', start);
        if (end == std::string_view::npos)
            end = path.size();
        std::string_view name = path.substr(start, end - start);
        if (name == "." || name == "..")
            throw RofsWriteError("ROFS writer: image path '" + std::string(path) + "' contains '.' or '..'");
        if (name.size() > kRofsMaxName)
            throw RofsWriteError("ROFS writer: a name in '" + std::string(path) + "' is longer than 255 bytes");
        if (!name.empty())
            components.emplace_back(name);
        start = end + 1;
    }
    return components;
}

uint32_t checked_permissions(std::string_view path, uint32_t mode)
{
    if ((mode & ~kRofsPermMask) != 0)
        throw RofsWriteError("ROFS writer: mode of '" + std::string(path) + "' has bits beyond 07777");
    return mode;
}

} // namespace

RofsWriter::RofsWriter() : m_root(std::make_unique<Node>()) { m_root->explicit_entry = true; }
RofsWriter::~RofsWriter() = default;

// Creates the missing directories above `path` and returns its parent directory; sets
// `leaf` to the last component. Throws if `path` is the root or crosses a non-directory.
RofsWriter::Node& RofsWriter::make_parents(std::string_view path, std::string& leaf)
{
    std::vector<std::string> components = split_path(path);
    if (components.empty())
        throw RofsWriteError("ROFS writer: cannot add the root directory itself");
    Node* dir = m_root.get();
    for (size_t i = 0; i + 1 < components.size(); ++i) {
        std::unique_ptr<Node>& child = dir->children[components[i]];
        if (!child)
            child = std::make_unique<Node>();
        if (!child->is_directory())
            throw RofsWriteError("ROFS writer: '" + std::string(path) + "' lies under a non-directory");
        dir = child.get();
    }
    leaf = components.back();
    return *dir;
}

RofsWriter::Node& RofsWriter::add_entry(std::string_view path, uint32_t mode)
{
    std::string leaf;
    Node& dir = make_parents(path, leaf);
    std::unique_ptr<Node>& slot = dir.children[leaf];
    if (slot)
        throw RofsWriteError("ROFS writer: '" + std::string(path) + "' is added twice");
    slot = std::make_unique<Node>();
    slot->mode = mode;
    slot->explicit_entry = true;
    return *slot;
}

void RofsWriter::add_file(std::string_view path, std::vector<std::byte> contents, uint32_t mode)
{
    add_entry(path, kRofsTypeRegular | checked_permissions(path, mode)).contents = std::move(contents);
}

void RofsWriter::add_host_file(std::string_view path, std::filesystem::path host_path, std::optional<uint32_t> mode)
{
    std::error_code error;
    auto status = std::filesystem::status(host_path, error);
    if (error || !std::filesystem::is_regular_file(status))
        throw RofsWriteError("ROFS writer: '" + host_path.string() + "' is not a readable regular file");
    uint32_t permissions = mode.value_or(static_cast<uint32_t>(status.permissions()) & kRofsPermMask);
    add_entry(path, kRofsTypeRegular | checked_permissions(path, permissions)).contents = std::move(host_path);
}

void RofsWriter::add_symlink(std::string_view path, std::string_view target)
{
    if (target.empty() || target.size() > kRofsMaxPath || target.find('\0') != std::string_view::npos)
        throw RofsWriteError("ROFS writer: bad symlink target for '" + std::string(path) + "'");
    add_entry(path, kRofsTypeSymlink | 0777).target = target;
}

void RofsWriter::add_directory(std::string_view path, uint32_t mode)
{
    uint32_t permissions = checked_permissions(path, mode);
    if (split_path(path).empty()) {
        m_root->mode = kRofsTypeDirectory | permissions;
        return;
    }
    std::string leaf;
    Node& dir = make_parents(path, leaf);
    std::unique_ptr<Node>& child = dir.children[leaf];
    if (!child)
        child = std::make_unique<Node>();
    if (!child->is_directory() || child->explicit_entry)
        throw RofsWriteError("ROFS writer: '" + std::string(path) + "' is added twice");
    child->mode = kRofsTypeDirectory | permissions;
    child->explicit_entry = true;
}

namespace {

class MemorySink final : public ImageSink {
public:
    void reserve(uint64_t image_size) override { image.resize(image_size); }
    void put(uint64_t offset, std::span<const std::byte> bytes) override
    {
        std::memcpy(image.data() + offset, bytes.data(), bytes.size());
    }
    std::vector<std::byte> image;
};

// The output file is sized first, so what is never put stays a hole. A path that names a
// regular file, or nothing yet, is written as a new file beside it and renamed over it
// once complete: a failed or interrupted write leaves the old file as it was, and the old
// file is never truncated while the image is still being read from the inputs (it may be
// one of them, or lie in an --add'ed directory). Anything else (a symlink such as the
// CLI's /proc/self/fd/N, a device) is written in place.
class FileSink final : public ImageSink {
public:
    explicit FileSink(const std::filesystem::path& path) : m_path(path)
    {
        struct stat st;
        bool in_place = lstat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode);
        if (in_place) {
            m_fd = open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
        } else {
            std::filesystem::path directory = path.has_parent_path() ? path.parent_path() : ".";
            m_partial = (directory / ("." + path.filename().string() + ".partial-XXXXXX")).string();
            m_fd = mkstemp(m_partial.data());
            mode_t mask = umask(0);
            umask(mask);
            if (m_fd >= 0 && fchmod(m_fd, 0666 & ~mask) != 0) { // as open(O_CREAT, 0666) would make it
                int error = errno;
                close(std::exchange(m_fd, -1));
                unlink(m_partial.c_str());
                errno = error;
            }
        }
        if (m_fd < 0) {
            m_partial.clear();
            fail();
        }
    }
    ~FileSink()
    {
        if (m_fd >= 0)
            close(m_fd);
        if (!m_partial.empty())
            unlink(m_partial.c_str()); // not finished: the old file stays
    }
    FileSink(const FileSink&) = delete;
    FileSink& operator=(const FileSink&) = delete;

    void reserve(uint64_t image_size) override
    {
        if (ftruncate(m_fd, off_t(image_size)) != 0)
            fail();
    }
    void put(uint64_t offset, std::span<const std::byte> bytes) override
    {
        while (!bytes.empty()) {
            ssize_t wrote = pwrite(m_fd, bytes.data(), bytes.size(), off_t(offset));
            if (wrote < 0 && errno == EINTR)
                continue;
            if (wrote <= 0)
                fail();
            bytes = bytes.subspan(size_t(wrote));
            offset += uint64_t(wrote);
        }
    }
    void finish()
    {
        if (close(std::exchange(m_fd, -1)) != 0)
            fail();
        if (!m_partial.empty() && rename(m_partial.c_str(), m_path.c_str()) != 0)
            fail();
        m_partial.clear();
    }

private:
    [[noreturn]] void fail() const
    {
        throw RofsWriteError("ROFS writer: cannot write '" + m_path.string() + "': " + std::strerror(errno));
    }
    std::filesystem::path m_path;
    std::string m_partial; // the new file until it is renamed over m_path
    int m_fd = -1;
};

} // namespace

std::vector<std::byte> RofsWriter::build() const
{
    MemorySink sink;
    write_rofs_image(*m_root, m_mtime, sink);
    return std::move(sink.image);
}

uint64_t RofsWriter::write(const std::filesystem::path& output) const
{
    FileSink sink(output);
    uint64_t size = write_rofs_image(*m_root, m_mtime, sink);
    sink.finish();
    return size;
}

} // namespace images
