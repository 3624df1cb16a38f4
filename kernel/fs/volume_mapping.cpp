#include <kernel/fs/volume_mapping.h>

#include <mm/memory.h>
#include <vfs/tree.h>

#include <cstring>
#include <new>

namespace fs {

const VolumeMappings::Snapshot* VolumeMappings::find(uint64_t device, const vfs::Node& node) const
{
    for (size_t i = 0; i < m_count; ++i) {
        const Snapshot& s = *m_snapshots[i];
        if (s.device == device && s.inode == node.inode() && s.size == node.size()
            && s.modified.seconds == node.modify_time().seconds && s.modified.nanoseconds == node.modify_time().nanoseconds)
            return &s;
    }
    return nullptr;
}

lib::Result<const mm::MappedFile*> VolumeMappings::map(vfs::Node& node, std::string_view path)
{
    TRY(node.tree().refresh(node)); // the version on the host now
    uint64_t device = node.remote()->fs->device_number();
    if (const Snapshot* known = find(device, node))
        return &known->file;
    if (m_count == kMaxSnapshots)
        return lib::Error(lib::Errno::NOMEM, "mmap: too many versions of volume files mapped (FIRST CUT: snapshots)");
    auto* snapshot = new (std::nothrow) Snapshot;
    if (!snapshot)
        return lib::Error(lib::Errno::NOMEM, "mmap: no memory for a volume file's mapping record");
    snapshot->device = device;
    snapshot->inode = node.inode();
    snapshot->size = node.size();
    snapshot->modified = node.modify_time();
    size_t pages = mm::page_round_up(snapshot->size) / mm::kPageSize;
    auto discard = [&] {
        for (size_t i = 0; snapshot->file.phys_base && i < pages; ++i)
            mm::free_frame(snapshot->file.phys_base + i * mm::kPageSize);
        delete snapshot;
    };
    auto filled = [&]() -> lib::Result<void> {
        if (pages == 0)
            return {}; // an empty file: every page is past its end (SIGBUS), as on Linux
        snapshot->file.phys_base = TRY(mm::alloc_contiguous_frames(pages));
        auto* bytes = static_cast<std::byte*>(mm::phys_to_virt(snapshot->file.phys_base));
        for (uint64_t done = 0; done < snapshot->size;) {
            size_t n = TRY(node.read(bytes + done, size_t(snapshot->size - done), done));
            if (n == 0)
                break; // shrunk on the host meanwhile: the rest reads as zero
            done += n;
        }
        return {};
    }();
    if (filled.is_error()) {
        discard();
        return filled.error();
    }
    size_t length = path.size() < sizeof(snapshot->path) ? path.size() : sizeof(snapshot->path);
    memcpy(snapshot->path, path.data(), length);
    snapshot->file.size = snapshot->size;
    snapshot->file.path = { snapshot->path, length };
    snapshot->file.inode = snapshot->inode;
    // The read gave up the big kernel lock: another thread may have made the same one.
    if (const Snapshot* known = find(device, node)) {
        discard();
        return &known->file;
    }
    if (m_count == kMaxSnapshots) { // filled while this one was read
        discard();
        return lib::Error(lib::Errno::NOMEM, "mmap: too many versions of volume files mapped (FIRST CUT: snapshots)");
    }
    m_snapshots[m_count++] = snapshot;
    return &snapshot->file;
}

} // namespace fs
