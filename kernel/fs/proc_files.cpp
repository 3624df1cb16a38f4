// /proc files generated at open (proc_files.h). Formats follow Linux's fs/proc/task_mmu.c
// (show_map_vma) and fs/proc/meminfo.c.
#include <kernel/fs/proc_files.h>
#include <kernel/fs/root_fs.h>
#include <mm/address_space.h>
#include <mm/memory.h>

#include <fmt/format.h>

#include <cstdlib>
#include <cstring>
#include <new>

namespace fs {

namespace {

/// A growing text buffer (malloc'd; the snapshot of one /proc file).
class Text {
public:
    ~Text() { free(m_data); }

    template<typename... Args>
    bool append(fmt::format_string<Args...> format, Args&&... args)
    {
        size_t needed = fmt::formatted_size(format, static_cast<Args&&>(args)...);
        if (!reserve(needed))
            return false;
        fmt::format_to(m_data + m_size, format, static_cast<Args&&>(args)...);
        m_size += needed;
        return true;
    }
    char* release(size_t& size)
    {
        size = m_size;
        char* data = m_data;
        m_data = nullptr;
        return data;
    }

private:
    bool reserve(size_t more)
    {
        if (m_size + more <= m_capacity)
            return true;
        size_t capacity = (m_size + more) * 2;
        auto* grown = static_cast<char*>(realloc(m_data, capacity));
        if (!grown)
            return false;
        m_data = grown;
        m_capacity = capacity;
        return true;
    }
    char* m_data = nullptr;
    size_t m_size = 0, m_capacity = 0;
};

class ProcFile final : public File {
public:
    ProcFile(char* text, size_t size) : m_text(text), m_size(size) { }
    ~ProcFile() override { free(m_text); }

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
        st = {};
        st.st_dev = 0x16; // Linux's procfs reports size 0 and its own device
        st.st_mode = 0100444;
        st.st_nlink = 1;
        st.st_blksize = 1024;
        return {};
    }

private:
    char* m_text;
    size_t m_size;
    uint64_t m_position = 0;
};

const char* area_name(const mm::Area& area, const mm::Area* first_stack)
{
    if (area.role == mm::AreaRole::Heap)
        return "[heap]";
    if (&area == first_stack)
        return "[stack]";
    return nullptr;
}

bool write_maps(Text& text)
{
    const mm::AreaMap& areas = mm::areas();
    const mm::Area* stack = nullptr;
    for (const mm::Area* a = areas.first(); a && !stack; a = areas.next(*a))
        if (a->role == mm::AreaRole::Stack)
            stack = a;
    for (const mm::Area* a = areas.first(); a; a = areas.next(*a)) {
        const mm::MappedFile* file = a->file;
        char perms[5] = { a->prot & mm::ProtRead ? 'r' : '-', a->prot & mm::ProtWrite ? 'w' : '-',
            a->prot & mm::ProtExec ? 'x' : '-', a->sharing == mm::Sharing::Shared ? 's' : 'p', '\0' };
        // Linux pads the fields before the name to 72 columns, then one space.
        char prefix[128];
        auto r = fmt::format_to_n(prefix, sizeof(prefix), "{:08x}-{:08x} {} {:08x} {} {} ", a->start(), a->end(), perms,
            file ? a->file_offset : 0, file ? "08:01" : "00:00", file ? file->inode : 0);
        std::string_view head(prefix, r.size);
        std::string_view name = file ? file->path : std::string_view(area_name(*a, stack) ? area_name(*a, stack) : "");
        bool ok = name.empty() ? text.append("{}\n", head)
                               : text.append("{:<72} {}\n", head.substr(0, head.size() - 1), name);
        if (!ok)
            return false;
    }
    return true;
}

bool write_meminfo(Text& text)
{
    auto stats = mm::frame_stats();
    uint64_t total = stats.total_frames * 4, free_kb = stats.free_frames * 4;
    return text.append("{:<16}{:>8} kB\n{:<16}{:>8} kB\n{:<16}{:>8} kB\n", "MemTotal:", total, "MemFree:", free_kb,
        "MemAvailable:", free_kb);
}

} // namespace

bool is_proc_path(std::string_view path) { return path.starts_with("/proc/"); }

lib::Result<File*> open_proc_file(std::string_view path, int flags)
{
    if ((flags & kOpenAccessMask) != 0)
        return lib::Error(lib::Errno::ACCES, "/proc files are read-only");
    if (path.starts_with('/'))
        path.remove_prefix(1);
    Text text;
    bool ok;
    if (path == "proc/self/maps")
        ok = write_maps(text);
    else if (path == "proc/meminfo")
        ok = write_meminfo(text);
    else
        return lib::Error(lib::Errno::NOENT, "only /proc/self/maps and /proc/meminfo exist");
    if (!ok)
        return lib::Errno::NOMEM;
    size_t size;
    char* data = text.release(size);
    File* file = new (std::nothrow) ProcFile(data, size);
    if (!file) {
        free(data);
        return lib::Errno::NOMEM;
    }
    file->set_open_flags(flags);
    return file;
}

} // namespace fs
