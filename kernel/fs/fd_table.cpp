#include <kernel/fs/console_file.h>
#include <kernel/fs/fd_table.h>
#include <kernel/fs/root_fs.h>

#include <cstdlib>
#include <cstring>

namespace fs {

namespace {

struct Slot {
    File* file;
    bool close_on_exec;
};

// The process's descriptors: slots[0, capacity). The first kDefaultDescriptorLimit are
// static (most programs never need more, and need no allocation at boot); past them the
// table doubles on the heap when a descriptor beyond it is wanted, never past `limit`.
struct Table {
    Slot first[kDefaultDescriptorLimit] = {};
    Slot* slots = first;
    int capacity = kDefaultDescriptorLimit;
    int limit = kDefaultDescriptorLimit;
};

Table& table()
{
    static Table descriptors;
    return descriptors;
}

bool valid(int fd) { return fd >= 0 && fd < table().capacity && table().slots[fd].file; }

// Makes slots[fd] exist (fd below kMaxFileDescriptors). ENOMEM when the table cannot grow.
lib::Result<void> reach(int fd)
{
    Table& t = table();
    if (fd < t.capacity)
        return {};
    int capacity = t.capacity;
    while (capacity <= fd)
        capacity = capacity * 2 < kMaxFileDescriptors ? capacity * 2 : kMaxFileDescriptors;
    auto* slots = static_cast<Slot*>(calloc(size_t(capacity), sizeof(Slot)));
    if (!slots)
        return lib::Error(lib::Errno::NOMEM, "no memory for a larger descriptor table");
    memcpy(slots, t.slots, sizeof(Slot) * size_t(t.capacity));
    if (t.slots != t.first)
        free(t.slots);
    t.slots = slots;
    t.capacity = capacity;
    return {};
}

// The lowest free descriptor at or above `from` and below the limit, made to exist.
lib::Result<int> lowest_free(int from)
{
    Table& t = table();
    for (int fd = from; fd < t.limit; ++fd) {
        if (fd >= t.capacity) {
            TRY(reach(fd));
            return fd;
        }
        if (!t.slots[fd].file)
            return fd;
    }
    return lib::Error(lib::Errno::MFILE, "no free file descriptor below RLIMIT_NOFILE");
}

} // namespace

void fd_table_init()
{
    File* console = new ConsoleFile();
    console->set_open_flags(kOpenReadWrite);
    for (int fd = 0; fd < 3; ++fd) {
        if (fd)
            console->ref();
        table().slots[fd] = { console, false };
    }
}

void fd_set_limit(uint64_t limit)
{
    table().limit = limit < uint64_t(kMaxFileDescriptors) ? int(limit) : kMaxFileDescriptors;
}

int fd_limit() { return table().limit; }

lib::Result<int> fd_install(File* file, bool close_on_exec)
{
    auto fd = lowest_free(0);
    if (fd.is_error()) {
        file->unref();
        return fd.error();
    }
    table().slots[fd.value()] = { file, close_on_exec };
    return fd.value();
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
    return table().slots[fd].file;
}

lib::Result<FileRef> fd_reference(int fd)
{
    if (!valid(fd))
        return lib::Errno::BADF;
    return FileRef(table().slots[fd].file);
}

lib::Result<void> fd_close(int fd)
{
    if (!valid(fd))
        return lib::Errno::BADF;
    Slot& slot = table().slots[fd];
    File* file = slot.file;
    slot = {};
    file->unref();
    return {};
}

void fd_close_all()
{
    for (int fd = 0; fd < table().capacity; ++fd) {
        if (table().slots[fd].file)
            (void)fd_close(fd);
    }
}

lib::Result<int> fd_duplicate(int fd, int new_fd, bool exact, bool close_on_exec)
{
    if (!valid(fd))
        return lib::Errno::BADF;
    if (new_fd < 0 || new_fd >= table().limit)
        return exact ? lib::Errno::BADF : lib::Errno::INVAL;
    File* file = table().slots[fd].file;
    if (exact && new_fd == fd)
        return new_fd;
    if (exact) {
        TRY(reach(new_fd));
        Slot& slot = table().slots[new_fd];
        File* replaced = slot.file;
        file->ref();
        slot = { file, close_on_exec };
        if (replaced)
            replaced->unref();
        return new_fd;
    }
    int free_fd = TRY(lowest_free(new_fd));
    file->ref();
    table().slots[free_fd] = { file, close_on_exec };
    return free_fd;
}

lib::Result<bool> fd_close_on_exec(int fd)
{
    if (!valid(fd))
        return lib::Errno::BADF;
    return table().slots[fd].close_on_exec;
}

lib::Result<void> fd_set_close_on_exec(int fd, bool value)
{
    if (!valid(fd))
        return lib::Errno::BADF;
    table().slots[fd].close_on_exec = value;
    return {};
}

int fd_next(int from)
{
    for (int fd = from < 0 ? 0 : from; fd < table().capacity; ++fd)
        if (table().slots[fd].file)
            return fd;
    return -1;
}

} // namespace fs
