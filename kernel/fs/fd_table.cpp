#include <kernel/fs/console_file.h>
#include <kernel/fs/fd_table.h>
#include <kernel/process/process.h>

#include <cstdlib>
#include <cstring>
#include <utility>

namespace fs {

FdTable& descriptors() { return process::current().files(); }

FdTable::~FdTable()
{
    close_all();
    Slot* grown = m_slots.with([](Slots& s) { return s.slots == s.first ? nullptr : std::exchange(s.slots, s.first); });
    free(grown);
}

void FdTable::open_console()
{
    File* console = new ConsoleFile();
    console->set_open_flags(kOpenReadWrite);
    console->ref();
    console->ref();
    m_slots.with([&](Slots& s) {
        for (int fd = 0; fd < 3; ++fd)
            s.slots[fd] = { console, false };
    });
}

void FdTable::set_limit(uint64_t limit)
{
    m_slots.with([&](Slots& s) { s.limit = limit < uint64_t(kMaxFileDescriptors) ? int(limit) : kMaxFileDescriptors; });
}

int FdTable::limit()
{
    return m_slots.with([](Slots& s) { return s.limit; });
}

// Makes slots[fd] exist (fd below kMaxFileDescriptors): the larger array is allocated
// with the lock dropped and swapped in if no other thread grew the table meanwhile.
lib::Result<void> FdTable::reach(int fd)
{
    for (;;) {
        int capacity = m_slots.with([](Slots& s) { return s.capacity; });
        if (fd < capacity)
            return {};
        int wanted = capacity;
        while (wanted <= fd)
            wanted = wanted * 2 < kMaxFileDescriptors ? wanted * 2 : kMaxFileDescriptors;
        auto* fresh = static_cast<Slot*>(calloc(size_t(wanted), sizeof(Slot)));
        if (!fresh)
            return lib::Error(lib::Errno::NOMEM, "no memory for a larger descriptor table");
        Slot* unused = m_slots.with([&](Slots& s) {
            if (s.capacity != capacity)
                return fresh; // grown meanwhile: look again
            memcpy(fresh, s.slots, sizeof(Slot) * size_t(s.capacity));
            Slot* old = s.slots == s.first ? nullptr : s.slots;
            s.slots = fresh;
            s.capacity = wanted;
            return old;
        });
        free(unused);
    }
}

FdTable::Claim FdTable::claim_lowest_locked(Slots& s, int from, File* file, bool close_on_exec)
{
    for (int fd = from; fd < s.limit; ++fd) {
        if (fd >= s.capacity)
            return { fd, true };
        if (!s.slots[fd].file) {
            s.slots[fd] = { file, close_on_exec };
            return { fd, false };
        }
    }
    return { -1, false };
}

// Puts `file` on the lowest free descriptor at or above `from` and below the limit,
// growing the table when the free one lies past its end. The reference is the caller's
// to drop on error.
lib::Result<int> FdTable::claim_lowest(int from, File* file, bool close_on_exec)
{
    for (;;) {
        Claim claim = m_slots.with([&](Slots& s) { return claim_lowest_locked(s, from, file, close_on_exec); });
        if (claim.fd < 0)
            return lib::Error(lib::Errno::MFILE, "no free file descriptor below RLIMIT_NOFILE");
        if (!claim.grow)
            return claim.fd;
        TRY(reach(claim.fd));
    }
}

lib::Result<int> FdTable::install(File* file, bool close_on_exec)
{
    auto fd = claim_lowest(0, file, close_on_exec);
    if (fd.is_error())
        file->unref();
    return fd;
}

// Both or neither: the two lowest free numbers are claimed in one hold of the lock, so no
// other thread sees (or dup2's over) the first while the second is still to be found.
lib::Result<void> FdTable::install_pair(File* first, File* second, bool close_on_exec, int* out)
{
    for (;;) {
        int grow_to = -1;
        bool full = m_slots.with([&](Slots& s) {
            int found[2], count = 0;
            for (int fd = 0; fd < s.limit && count < 2; ++fd) {
                if (fd >= s.capacity) { // the rest lies past the table's end
                    int last = fd + (2 - count) - 1;
                    grow_to = last < s.limit ? last : -1;
                    return last >= s.limit;
                }
                if (!s.slots[fd].file)
                    found[count++] = fd;
            }
            if (count < 2)
                return true;
            s.slots[found[0]] = { first, close_on_exec };
            s.slots[found[1]] = { second, close_on_exec };
            out[0] = found[0];
            out[1] = found[1];
            return false;
        });
        auto grown = full || grow_to < 0 ? lib::Result<void>() : reach(grow_to);
        if (full || grown.is_error()) {
            first->unref();
            second->unref();
            return full ? lib::Error(lib::Errno::MFILE, "no two free file descriptors below RLIMIT_NOFILE")
                        : grown.error();
        }
        if (grow_to < 0)
            return {};
    }
}

lib::Result<FileRef> FdTable::get(int fd)
{
    File* file = m_slots.with([&](Slots& s) {
        if (!s.valid(fd))
            return static_cast<File*>(nullptr);
        s.slots[fd].file->ref(); // taken under the lock: a close cannot free it first
        return s.slots[fd].file;
    });
    if (!file)
        return lib::Errno::BADF;
    return FileRef::adopt(file);
}

lib::Result<void> FdTable::close(int fd)
{
    File* file = m_slots.with([&](Slots& s) {
        if (!s.valid(fd))
            return static_cast<File*>(nullptr);
        return std::exchange(s.slots[fd], {}).file;
    });
    if (!file)
        return lib::Errno::BADF;
    file->unref();
    return {};
}

void FdTable::close_all()
{
    for (int fd = next(0); fd >= 0; fd = next(fd + 1))
        (void)close(fd);
}

lib::Result<int> FdTable::duplicate(int fd, int new_fd, bool exact, bool close_on_exec)
{
    auto file = TRY(get(fd));
    if (new_fd < 0 || new_fd >= limit())
        return exact ? lib::Errno::BADF : lib::Errno::INVAL;
    if (exact && new_fd == fd)
        return new_fd;
    if (!exact) {
        int free_fd = TRY(claim_lowest(new_fd, &*file, close_on_exec));
        file.release(); // the slot holds the reference now
        return free_fd;
    }
    TRY(reach(new_fd));
    File* replaced = m_slots.with([&](Slots& s) {
        return std::exchange(s.slots[new_fd], { &*file, close_on_exec }).file;
    });
    file.release();
    if (replaced)
        replaced->unref();
    return new_fd;
}

lib::Result<bool> FdTable::close_on_exec(int fd)
{
    int found = m_slots.with([&](Slots& s) { return s.valid(fd) ? int(s.slots[fd].close_on_exec) : -1; });
    if (found < 0)
        return lib::Errno::BADF;
    return found == 1;
}

lib::Result<void> FdTable::set_close_on_exec(int fd, bool value)
{
    bool found = m_slots.with([&](Slots& s) {
        if (!s.valid(fd))
            return false;
        s.slots[fd].close_on_exec = value;
        return true;
    });
    if (!found)
        return lib::Errno::BADF;
    return {};
}

int FdTable::next(int from)
{
    return m_slots.with([&](Slots& s) {
        for (int fd = from < 0 ? 0 : from; fd < s.capacity; ++fd)
            if (s.slots[fd].file)
                return fd;
        return -1;
    });
}

} // namespace fs
