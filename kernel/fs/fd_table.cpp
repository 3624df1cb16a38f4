#include <kernel/fs/console_file.h>
#include <kernel/fs/fd_table.h>
#include <kernel/fs/root_fs.h>

namespace fs {

namespace {

struct Slot {
    File* file;
    bool close_on_exec;
};
Slot g_slots[kMaxFileDescriptors];

bool valid(int fd) { return fd >= 0 && fd < kMaxFileDescriptors && g_slots[fd].file; }

} // namespace

void fd_table_init()
{
    File* console = new ConsoleFile();
    console->set_open_flags(kOpenReadWrite);
    for (int fd = 0; fd < 3; ++fd) {
        if (fd)
            console->ref();
        g_slots[fd] = { console, false };
    }
}

lib::Result<int> fd_install(File* file, bool close_on_exec)
{
    for (int fd = 0; fd < kMaxFileDescriptors; ++fd) {
        if (!g_slots[fd].file) {
            g_slots[fd] = { file, close_on_exec };
            return fd;
        }
    }
    file->unref();
    return lib::Error(lib::Errno::MFILE, "no free file descriptor");
}

lib::Result<void> fd_install_pair(File* first, File* second, bool close_on_exec, int* out)
{
    auto first_fd = fd_install(first, close_on_exec);
    if (first_fd.is_error()) {
        second->unref();
        return first_fd.error();
    }
    auto second_fd = fd_install(second, close_on_exec);
    if (second_fd.is_error()) {
        (void)fd_close(first_fd.value());
        return second_fd.error();
    }
    out[0] = first_fd.value();
    out[1] = second_fd.value();
    return {};
}

lib::Result<File*> fd_get(int fd)
{
    if (!valid(fd))
        return lib::Errno::BADF;
    return g_slots[fd].file;
}

lib::Result<FileRef> fd_reference(int fd)
{
    if (!valid(fd))
        return lib::Errno::BADF;
    return FileRef(g_slots[fd].file);
}

lib::Result<void> fd_close(int fd)
{
    if (!valid(fd))
        return lib::Errno::BADF;
    g_slots[fd].file->unref();
    g_slots[fd] = {};
    return {};
}

void fd_close_all()
{
    for (int fd = 0; fd < kMaxFileDescriptors; ++fd) {
        if (g_slots[fd].file)
            (void)fd_close(fd);
    }
}

lib::Result<int> fd_duplicate(int fd, int new_fd, bool exact, bool close_on_exec)
{
    if (!valid(fd) || new_fd < 0 || new_fd >= kMaxFileDescriptors)
        return lib::Errno::BADF;
    File* file = g_slots[fd].file;
    if (exact) {
        if (new_fd == fd)
            return new_fd;
        if (g_slots[new_fd].file)
            g_slots[new_fd].file->unref();
        file->ref();
        g_slots[new_fd] = { file, close_on_exec };
        return new_fd;
    }
    for (int candidate = new_fd; candidate < kMaxFileDescriptors; ++candidate) {
        if (!g_slots[candidate].file) {
            file->ref();
            g_slots[candidate] = { file, close_on_exec };
            return candidate;
        }
    }
    return lib::Errno::MFILE;
}

lib::Result<bool> fd_close_on_exec(int fd)
{
    if (!valid(fd))
        return lib::Errno::BADF;
    return g_slots[fd].close_on_exec;
}

lib::Result<void> fd_set_close_on_exec(int fd, bool value)
{
    if (!valid(fd))
        return lib::Errno::BADF;
    g_slots[fd].close_on_exec = value;
    return {};
}

int fd_next(int from)
{
    for (int fd = from < 0 ? 0 : from; fd < kMaxFileDescriptors; ++fd)
        if (g_slots[fd].file)
            return fd;
    return -1;
}

} // namespace fs
