// RofsWriter: collects files, symlinks and directories into a tree (rofs_writer_tree.h);
// rofs_layout.cpp turns the tree into image bytes, in memory or streamed to a file.
#include "rofs_writer_tree.h"

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <random>
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

// The output file is sized first, so what is never put stays a hole.
//
// Replacing: when OUT (or the file a symlink OUT leads to) is a regular file with one link
// on the same filesystem as its directory, or does not exist yet, the image is written as
// a new, unnamed file (O_TMPFILE; a hidden .NAME.partial-XXXXXX where the filesystem has
// none) beside it, synced, and renamed over it once whole: a failed or interrupted build
// leaves the old file as it was, and the old file is never truncated while the image is
// still being read from the inputs (it may lie in an --add'ed directory). The new file
// takes the old one's mode and, where allowed, its owner. Anything else is written in
// place, as open(O_CREAT | O_TRUNC) would: a dangling symlink, a hard-linked file (the
// other names must see the new image), a bind-mounted file, the CLI's /proc/self/fd/N, a
// device, a directory that cannot take a new file.
class FileSink final : public ImageSink {
public:
    explicit FileSink(const std::filesystem::path& path) : m_path(path)
    {
        struct stat old;
        std::string target = replaceable_target(path, old);
        if (!target.empty())
            open_beside(target, old);
        if (m_fd < 0) {
            m_target.clear();
            m_fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        }
        if (m_fd < 0)
            fail();
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
        if (!m_target.empty()) {
            if (fsync(m_fd) != 0) // the new image is on disk before its name is
                fail();
            if (m_partial.empty()) { // O_TMPFILE: give it a name beside the target first
                m_partial = partial_name(m_target);
                std::string self = "/proc/self/fd/" + std::to_string(m_fd);
                if (linkat(AT_FDCWD, self.c_str(), AT_FDCWD, m_partial.c_str(), AT_SYMLINK_FOLLOW) != 0) {
                    m_partial.clear();
                    fail();
                }
            }
            if (rename(m_partial.c_str(), m_target.c_str()) != 0)
                fail();
            m_partial.clear();
        }
        if (close(std::exchange(m_fd, -1)) != 0)
            fail();
    }

private:
    /// The regular file `path` names (through a symlink, if one), to be replaced by a
    /// rename; its stat in `old` (st_nlink 0: none yet). Empty: write `path` in place.
    static std::string replaceable_target(const std::filesystem::path& path, struct stat& old)
    {
        old = {};
        std::string text = path.string();
        if (text.rfind("/proc/", 0) == 0 || text.rfind("/dev/", 0) == 0)
            return {};
        struct stat link;
        if (lstat(text.c_str(), &link) != 0)
            return errno == ENOENT ? text : std::string();
        char resolved[PATH_MAX];
        if (S_ISLNK(link.st_mode) && !realpath(text.c_str(), resolved))
            return {}; // dangling: made through the link, as before
        std::string target = S_ISLNK(link.st_mode) ? std::string(resolved) : text;
        std::string directory = std::filesystem::path(target).parent_path().string();
        struct stat parent;
        if (stat(target.c_str(), &old) != 0 || !S_ISREG(old.st_mode) || old.st_nlink != 1
            || stat(directory.empty() ? "." : directory.c_str(), &parent) != 0 || parent.st_dev != old.st_dev)
            return {};
        return target;
    }

    static std::string partial_name(const std::string& target)
    {
        std::filesystem::path at(target);
        std::random_device random;
        char suffix[16];
        snprintf(suffix, sizeof suffix, "%08x", unsigned(random()));
        return (at.parent_path() / ("." + at.filename().string() + ".partial-" + suffix)).string();
    }

    /// A new file beside `target`, with `old`'s mode and owner when there is an old one;
    /// m_fd stays -1 when the directory takes none (then the caller writes in place).
    void open_beside(const std::string& target, const struct stat& old)
    {
        std::string directory = std::filesystem::path(target).parent_path().string();
        if (directory.empty())
            directory = ".";
        m_fd = open(directory.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
        for (int attempt = 0; m_fd < 0 && attempt < 8; ++attempt) { // no O_TMPFILE here
            m_partial = partial_name(target);
            m_fd = open(m_partial.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
            if (m_fd < 0 && errno != EEXIST)
                break;
        }
        if (m_fd < 0) {
            m_partial.clear();
            return;
        }
        m_target = target;
        if (old.st_nlink) {
            (void)!fchown(m_fd, old.st_uid, old.st_gid); // best effort: only root may give a file away
            (void)!fchmod(m_fd, old.st_mode & 07777);
        }
    }

    [[noreturn]] void fail() const
    {
        throw RofsWriteError("ROFS writer: cannot write '" + m_path.string() + "': " + std::strerror(errno));
    }
    std::filesystem::path m_path;
    std::string m_target;  // the file a rename replaces; empty when written in place
    std::string m_partial; // the new file's temporary name, while it has one
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
