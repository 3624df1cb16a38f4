// /proc and /sys (proc_fs.h): a table of fixed entries, the dynamic ones (fd/N, task/TID),
// and the files opening them gives: a snapshot of the text, or a directory listing.
#include <kernel/fs/fd_table.h>
#include <kernel/fs/node_file.h>
#include <kernel/fs/proc_fs.h>
#include <lib/decimal.h>
#include <kernel/fs/proc_generators.h>
#include <kernel/fs/root_fs.h>
#include <sched/scheduler.h>

#include <new>

namespace fs {

namespace {

enum class Kind : uint8_t { Directory, File, Symlink };
using Generator = bool (*)(ProcText&);

struct Entry {
    const char* path; // normalised: absolute, "self" spelled "1", no trailing slash
    Kind kind;
    Generator make; // a file's contents or a symlink's target
};

constexpr Entry kEntries[] = {
    { "/proc", Kind::Directory, nullptr },
    { "/proc/self", Kind::Symlink, proc::link_self },
    { "/proc/1", Kind::Directory, nullptr },
    { "/proc/meminfo", Kind::File, proc::meminfo },
    { "/proc/cpuinfo", Kind::File, proc::cpuinfo },
    { "/proc/stat", Kind::File, proc::system_stat },
    { "/proc/uptime", Kind::File, proc::uptime },
    { "/proc/loadavg", Kind::File, proc::loadavg },
    { "/proc/version", Kind::File, proc::version },
    { "/proc/filesystems", Kind::File, proc::filesystems },
    { "/proc/mounts", Kind::File, proc::mounts },
    { "/proc/1/maps", Kind::File, proc::maps },
    { "/proc/1/status", Kind::File, proc::status },
    { "/proc/1/stat", Kind::File, proc::process_stat },
    { "/proc/1/statm", Kind::File, proc::statm },
    { "/proc/1/cmdline", Kind::File, proc::cmdline },
    { "/proc/1/environ", Kind::File, proc::environ },
    { "/proc/1/comm", Kind::File, proc::comm },
    { "/proc/1/mounts", Kind::File, proc::mounts },
    { "/proc/1/mountinfo", Kind::File, proc::mountinfo },
    { "/proc/1/exe", Kind::Symlink, proc::link_exe },
    { "/proc/1/cwd", Kind::Symlink, proc::link_cwd },
    { "/proc/1/root", Kind::Symlink, proc::link_root },
    { "/proc/1/fd", Kind::Directory, nullptr },
    { "/proc/1/task", Kind::Directory, nullptr },
    { "/proc/sys", Kind::Directory, nullptr },
    { "/proc/sys/kernel", Kind::Directory, nullptr },
    { "/proc/sys/kernel/hostname", Kind::File, proc::hostname },
    { "/proc/sys/kernel/ostype", Kind::File, proc::ostype },
    { "/proc/sys/kernel/osrelease", Kind::File, proc::osrelease },
    { "/proc/sys/kernel/pid_max", Kind::File, proc::pid_max },
    { "/proc/sys/kernel/random", Kind::Directory, nullptr },
    { "/proc/sys/kernel/random/uuid", Kind::File, proc::uuid },
    { "/proc/sys/vm", Kind::Directory, nullptr },
    { "/proc/sys/vm/overcommit_memory", Kind::File, proc::overcommit_memory },
    { "/proc/sys/net", Kind::Directory, nullptr },
    { "/proc/sys/net/core", Kind::Directory, nullptr },
    { "/proc/sys/net/core/somaxconn", Kind::File, proc::somaxconn },
    { "/sys", Kind::Directory, nullptr },
    { "/sys/devices", Kind::Directory, nullptr },
    { "/sys/devices/system", Kind::Directory, nullptr },
    { "/sys/devices/system/cpu", Kind::Directory, nullptr },
    { "/sys/devices/system/cpu/online", Kind::File, proc::cpu_list },
    { "/sys/devices/system/cpu/possible", Kind::File, proc::cpu_list },
    { "/sys/devices/system/cpu/present", Kind::File, proc::cpu_list },
};

constexpr std::string_view kFdDir = "/proc/1/fd/", kTaskDir = "/proc/1/task/";

/// A path in normalised form (Entry::path).
struct Normal {
    char text[512];
    size_t length = 0;
    std::string_view view() const { return { text, length }; }
};

/// Lexical clean-up: "." and ".." components, repeated slashes, /proc/self/... ->
/// /proc/1/... (a final "self" is the symlink).
/// ".." never leaves the file system's root. ENAMETOOLONG past 511 bytes.
lib::Result<Normal> normalise(std::string_view path)
{
    Normal out;
    size_t at = 0;
    while (at < path.size()) {
        while (at < path.size() && path[at] == '/')
            ++at;
        size_t end = at;
        while (end < path.size() && path[end] != '/')
            ++end;
        std::string_view name = path.substr(at, end - at);
        at = end;
        if (name.empty() || name == ".")
            continue;
        if (name == "..") {
            size_t slash = out.view().rfind('/');
            if (slash != 0 && slash != std::string_view::npos) // stays at /proc or /sys
                out.length = slash;
            continue;
        }
        bool more = path.find_first_not_of('/', at) != std::string_view::npos;
        if (name == "self" && out.view() == "/proc" && more) // the link itself stays "self"
            name = "1";
        if (out.length + 1 + name.size() >= sizeof(out.text))
            return lib::Error(lib::Errno::NAMETOOLONG, "/proc path too long");
        out.text[out.length++] = '/';
        memcpy(out.text + out.length, name.data(), name.size());
        out.length += name.size();
    }
    return out;
}

/// A number that is the whole of `text`, or -1.
long number_of(std::string_view text)
{
    auto value = lib::parse_decimal(text, 999'999'999); // nine digits at most
    return value ? long(*value) : -1;
}

/// The files of /proc/1/task/TID (fs/proc/base.c tid_base_stuff, the ones made here).
struct TaskFile {
    std::string_view name;
    bool (*make)(ProcText& text, int tid);
};
constexpr TaskFile kTaskFiles[] = {
    { "comm", proc::task_comm },
    { "stat", proc::task_stat },
    { "status", proc::task_status },
};

struct Found {
    Kind kind;
    Generator make = nullptr;
    int fd = -1;  // /proc/1/fd/N
    int tid = -1; // /proc/1/task/TID and its files; 1 for /proc/1/comm
    const TaskFile* task_file = nullptr;
    /// Whether a write names the thread (comm, as Linux's comm_write).
    bool names_thread() const { return task_file ? task_file->make == proc::task_comm : make == proc::comm; }
};

/// /proc/1/task/TID[/FILE]: the thread's directory or one of kTaskFiles.
lib::Result<Found> find_task(std::string_view rest)
{
    size_t slash = rest.find('/');
    long tid = number_of(rest.substr(0, slash));
    if (tid <= 0 || sched::thread_report(int(tid)).is_error()) // the kernel's threads are not listed
        return lib::Error(lib::Errno::NOENT, "no such thread in /proc");
    if (slash == std::string_view::npos)
        return Found { .kind = Kind::Directory, .tid = int(tid) };
    for (const TaskFile& file : kTaskFiles)
        if (rest.substr(slash + 1) == file.name)
            return Found { .kind = Kind::File, .tid = int(tid), .task_file = &file };
    return lib::Error(lib::Errno::NOENT, "no such /proc task file");
}

lib::Result<Found> find(std::string_view path)
{
    for (const Entry& entry : kEntries)
        if (path == entry.path)
            return Found { entry.kind, entry.make };
    if (path.starts_with(kFdDir)) {
        long fd = number_of(path.substr(kFdDir.size()));
        if (fd >= 0 && !descriptors().get(int(fd)).is_error())
            return Found { Kind::Symlink, nullptr, int(fd) };
    }
    if (path.starts_with(kTaskDir))
        return find_task(path.substr(kTaskDir.size()));
    return lib::Error(lib::Errno::NOENT, "no such /proc or /sys file");
}

uint64_t inode_of(std::string_view path)
{
    uint64_t hash = 1469598103934665603ull; // FNV-1a
    for (char c : path)
        hash = (hash ^ uint8_t(c)) * 1099511628211ull;
    return (hash >> 1) | 1;
}

void fill_kernel_stat(std::string_view path, Kind kind, LinuxStat& st)
{
    st = {};
    st.st_dev = path.starts_with("/sys") ? 0x15 : 0x16;
    st.st_ino = inode_of(path);
    st.st_nlink = kind == Kind::Directory ? 2 : 1;
    st.st_mode = kind == Kind::Directory ? 040555
        : kind == Kind::Symlink          ? 0120777
        : path.ends_with("/comm")        ? 0100644
                                         : 0100444;
    st.st_blksize = 1024; // Linux reports size 0 for generated files
}

/// A symlink's target (fd/N: what the descriptor refers to).
lib::Result<size_t> link_target(const Found& found, ProcText& text)
{
    if (found.fd >= 0) {
        auto file = TRY(descriptors().get(found.fd));
        char name[4096];
        size_t length = file->describe(name, sizeof(name));
        return text.append_bytes(name, length) ? text.size() : size_t(0);
    }
    if (!found.make(text))
        return lib::Errno::NOMEM;
    return text.size();
}

/// Calls `emit(name, kind)` for each entry of directory `dir` (normalised).
template<typename Emit> void list_children(std::string_view dir, Emit&& emit)
{
    for (const Entry& entry : kEntries) {
        std::string_view path = entry.path;
        if (path.size() > dir.size() + 1 && path.starts_with(dir) && path[dir.size()] == '/'
            && path.find('/', dir.size() + 1) == std::string_view::npos)
            emit(path.substr(dir.size() + 1), entry.kind);
    }
    char number[16];
    if (dir == "/proc/1/fd")
        for (int fd = descriptors().next(0); fd >= 0; fd = descriptors().next(fd + 1))
            emit(std::string_view(number, fmt::format_to_n(number, sizeof(number), "{}", fd).size), Kind::Symlink);
    if (dir == "/proc/1/task") {
        int tids[256];
        size_t count = sched::thread_ids(tids, 256);
        for (size_t i = 0; i < count && i < 256; ++i)
            emit(std::string_view(number, fmt::format_to_n(number, sizeof(number), "{}", tids[i]).size),
                Kind::Directory);
    }
    if (dir.starts_with(kTaskDir) && dir.find('/', kTaskDir.size()) == std::string_view::npos)
        for (const TaskFile& file : kTaskFiles)
            emit(file.name, Kind::File);
}

/// An open /proc or /sys file: the snapshot of its text taken at open. A comm file also
/// takes writes: they name its thread (`names_tid`), as Linux's comm_write does (the first
/// 15 bytes, a newline included; the whole count is returned).
class SnapshotFile final : public File {
public:
    SnapshotFile(char* text, size_t size, const Normal& path, int names_tid)
        : m_text(text), m_size(size), m_path(path), m_names_tid(names_tid)
    {
    }
    ~SnapshotFile() override { free(m_text); }

    lib::Result<size_t> write(const void* buffer, size_t length) override
    {
        if (m_names_tid < 0 || (open_flags() & kOpenAccessMask) == kOpenReadOnly)
            return lib::Error(lib::Errno::BADF, "write to a /proc file not open for writing");
        TRY(sched::set_thread_name(m_names_tid, { static_cast<const char*>(buffer), length }));
        return length;
    }

    lib::Result<size_t> pread(void* buffer, size_t length, uint64_t offset) override
    {
        if (offset >= m_size)
            return size_t(0);
        size_t n = m_size - offset < length ? m_size - offset : length;
        memcpy(buffer, m_text + offset, n);
        return n;
    }
    lib::Result<size_t> read(void* buffer, size_t length) override
    {
        size_t n = TRY(pread(buffer, length, m_position));
        m_position += n;
        return n;
    }
    lib::Result<uint64_t> seek(int64_t offset, Whence whence) override
    {
        int64_t base = whence == Whence::Set ? 0 : whence == Whence::Current ? int64_t(m_position) : int64_t(m_size);
        if (offset < -base)
            return lib::Errno::INVAL;
        m_position = uint64_t(base + offset);
        return m_position;
    }
    lib::Result<void> stat(LinuxStat& st) override
    {
        fill_kernel_stat(m_path.view(), Kind::File, st);
        return {};
    }
    bool pollable() const override { return false; }
    size_t describe(char* out, size_t size) const override { return copy_name(m_path.view(), out, size); }

private:
    char* m_text;
    size_t m_size;
    uint64_t m_position = 0;
    Normal m_path;
    int m_names_tid;
};

/// An open /proc or /sys directory: getdents64 over list_children (taken afresh on each
/// call; a position is an index, "." and ".." first).
class KernelDirectory final : public File {
public:
    explicit KernelDirectory(const Normal& path) : m_path(path) { }

    lib::Result<size_t> read(void*, size_t) override { return lib::Error(lib::Errno::ISDIR, "read of a directory"); }
    lib::Result<void> stat(LinuxStat& st) override
    {
        fill_kernel_stat(m_path.view(), Kind::Directory, st);
        return {};
    }
    lib::Result<uint64_t> seek(int64_t offset, Whence whence) override
    {
        if (whence != Whence::Set || offset < 0)
            return lib::Error(lib::Errno::INVAL, "directories seek to a position only");
        m_position = uint64_t(offset);
        return m_position;
    }
    bool pollable() const override { return false; }
    size_t describe(char* out, size_t size) const override { return copy_name(m_path.view(), out, size); }
    lib::Result<size_t> read_directory(void* buffer, size_t length) override;

private:
    Normal m_path;
    uint64_t m_position = 0;
};

lib::Result<size_t> KernelDirectory::read_directory(void* buffer, size_t length)
{
    auto* out = static_cast<unsigned char*>(buffer);
    size_t used = 0, index = 0;
    bool full = false;
    auto emit = [&](std::string_view name, Kind kind) {
        if (full || index++ < m_position)
            return;
        size_t record = (19 + name.size() + 1 + 7) & ~size_t(7);
        if (used + record > length) {
            full = true;
            return;
        }
        uint64_t ino = inode_of(name), next = index;
        uint16_t reclen = uint16_t(record);
        memset(out + used, 0, record);
        memcpy(out + used, &ino, 8);
        memcpy(out + used + 8, &next, 8);
        memcpy(out + used + 16, &reclen, 2);
        out[used + 18] = kind == Kind::Directory ? 4 : kind == Kind::Symlink ? 10 : 8;
        memcpy(out + used + 19, name.data(), name.size());
        used += record;
        m_position = next;
    };
    emit(".", Kind::Directory);
    emit("..", Kind::Directory);
    list_children(m_path.view(), emit);
    if (full && used == 0)
        return lib::Error(lib::Errno::INVAL, "getdents64: buffer too small for one entry");
    return used;
}

/// Opens what a symlink of /proc points at.
lib::Result<File*> open_link_target(const Found& found, int flags)
{
    if (found.fd >= 0) { // the descriptor's file: a regular file is opened afresh, others shared
        auto file = TRY(descriptors().get(found.fd));
        if (vfs::Node* node = file->node(); node && node->type() == vfs::NodeType::Regular) {
            char name[4096];
            size_t length = file->describe(name, sizeof(name));
            return open_at(nullptr, { name, length }, flags & ~(kOpenCreate | kOpenExclusive), 0);
        }
        return file.release(); // the caller's reference now
    }
    ProcText target;
    TRY(link_target(found, target));
    std::string_view text(target.data(), target.size());
    if (!text.empty() && text[0] != '/') // relative to its directory: self -> 1
        return open_kernel_file(text == "1" ? "/proc/1" : text, flags);
    return open_at(nullptr, text, flags, 0);
}

} // namespace

size_t File::copy_name(std::string_view name, char* out, size_t size)
{
    size_t n = name.size() < size ? name.size() : size;
    memcpy(out, name.data(), n);
    return n;
}

lib::Result<File*> open_kernel_file(std::string_view path, int flags, unsigned resolve)
{
    Normal normal = TRY(normalise(path));
    Found found = TRY(find(normal.view()));
    if (found.kind == Kind::Symlink) {
        if (flags & kOpenNoFollow)
            return lib::Error(lib::Errno::LOOP, "O_NOFOLLOW on a symlink");
        if (resolve & (vfs::ResolveNoMagicLinks | vfs::ResolveNoSymlinks))
            return lib::Error(lib::Errno::LOOP, "RESOLVE_NO_MAGICLINKS: a magic link of /proc");
        if (resolve & (vfs::ResolveBeneath | vfs::ResolveInRoot))
            return lib::Error(lib::Errno::XDEV, "RESOLVE_BENEATH/IN_ROOT: a magic link of /proc jumps out");
        return open_link_target(found, flags);
    }
    bool writes = (flags & kOpenAccessMask) != kOpenReadOnly || (flags & (kOpenCreate | kOpenTruncate));
    if (writes && !found.names_thread())
        return lib::Error(lib::Errno::ACCES, "/proc and /sys are read-only (but for comm files)");
    File* file = nullptr;
    if (found.kind == Kind::Directory) {
        file = new (std::nothrow) KernelDirectory(normal);
    } else {
        if (flags & kOpenDirectory)
            return lib::Error(lib::Errno::NOTDIR, "O_DIRECTORY on a file");
        ProcText text;
        if (!(found.task_file ? found.task_file->make(text, found.tid) : found.make(text)))
            return lib::Errno::NOMEM;
        size_t size;
        char* data = text.release(size);
        int names_tid = found.names_thread() ? (found.task_file ? found.tid : 1) : -1;
        file = new (std::nothrow) SnapshotFile(data, size, normal, names_tid);
        if (!file)
            free(data);
    }
    if (!file)
        return lib::Errno::NOMEM;
    file->set_open_flags(flags);
    return file;
}

lib::Result<void> stat_kernel_file(std::string_view path, LinuxStat& st, bool follow)
{
    Normal normal = TRY(normalise(path));
    Found found = TRY(find(normal.view()));
    if (found.kind == Kind::Symlink && follow) {
        File* file = TRY(open_link_target(found, kOpenPath));
        auto result = file->stat(st);
        file->unref();
        return result;
    }
    fill_kernel_stat(normal.view(), found.kind, st);
    return {};
}

lib::Result<lib::RefPtr<vfs::Node>> kernel_link_node(std::string_view path)
{
    constexpr lib::Error kNotALink(lib::Errno::ACCES, "/proc and /sys are read-only and cannot be entered");
    Normal normal = TRY(normalise(path));
    Found found = TRY(find(normal.view()));
    if (found.kind != Kind::Symlink)
        return kNotALink;
    if (found.fd >= 0) { // the descriptor's own node, even when its name is gone
        auto file = TRY(descriptors().get(found.fd));
        if (!file->node())
            return kNotALink; // a pipe or socket: no node of the tree
        return lib::RefPtr<vfs::Node>(file->node());
    }
    File* file = TRY(open_link_target(found, kOpenPath));
    vfs::Node* node = file->node();
    lib::RefPtr<vfs::Node> held = node ? lib::RefPtr<vfs::Node>(node) : lib::RefPtr<vfs::Node>();
    file->unref();
    if (!held)
        return kNotALink;
    return held;
}

lib::Result<size_t> read_kernel_link(std::string_view path, char* out, size_t size)
{
    Normal normal = TRY(normalise(path));
    Found found = TRY(find(normal.view()));
    if (found.kind != Kind::Symlink)
        return lib::Error(lib::Errno::INVAL, "readlink: not a symlink");
    ProcText target;
    TRY(link_target(found, target));
    size_t n = target.size() < size ? target.size() : size;
    memcpy(out, target.data(), n);
    return n;
}

} // namespace fs
