#include <kernel/fs/volume_mapping.h>

#include <mm/memory.h>
#include <vfs/tree.h>

#include <cstdlib>
#include <cstring>
#include <new>

namespace fs {

const VolumeMappings::Snapshot* VolumeMappings::find(const Version& version) const
{
    for (size_t i = 0; i < m_count; ++i)
        if (m_snapshots[i]->version == version)
            return m_snapshots[i];
    return nullptr;
}

lib::Result<uint64_t> VolumeMappings::Snapshot::page_at(uint64_t offset) const
{
    if (offset / mm::kPageSize >= frame_count)
        return lib::Error(lib::Errno::FAULT, "page past the end of the mapped file");
    return frames[offset / mm::kPageSize];
}

void VolumeMappings::Snapshot::release()
{
    for (size_t i = 0; i < frame_count; ++i)
        if (frames[i])
            mm::free_frame(frames[i]);
    free(frames);
}

namespace {

/// Reads `node`'s first `size` bytes into `frames` (zeroing what the host no longer has),
/// through a bounce buffer of kChunk so the host is asked for large reads.
lib::Result<void> read_into(vfs::Node& node, uint64_t size, const uint64_t* frames)
{
    constexpr size_t kChunk = 16 * mm::kPageSize;
    auto* chunk = static_cast<std::byte*>(malloc(kChunk));
    if (!chunk)
        return lib::Error(lib::Errno::NOMEM, "mmap: no memory to read a volume file");
    auto done = [&]() -> lib::Result<void> {
        for (uint64_t at = 0; at < size; at += kChunk) {
            size_t want = size - at < kChunk ? size_t(size - at) : kChunk;
            size_t got = 0;
            while (got < want) { // a short read: shrunk on the host meanwhile, the rest is zero
                size_t n = TRY(node.read(chunk + got, want - got, at + got));
                if (n == 0)
                    break;
                got += n;
            }
            memset(chunk + got, 0, kChunk - got); // and the last page's tail
            for (size_t page = 0; page * mm::kPageSize < want; ++page)
                memcpy(
                    mm::phys_to_virt(frames[at / mm::kPageSize + page]), chunk + page * mm::kPageSize, mm::kPageSize);
        }
        return {};
    }();
    free(chunk);
    return done;
}

} // namespace

lib::Result<const mm::MappedFile*> VolumeMappings::map(vfs::Node& node, std::string_view path)
{
    TRY(node.tree().refresh(node)); // the version on the host now
    Version version { node.remote()->fs->device_number(), node.inode(), node.size(), node.modify_time(),
        node.change_time() };
    if (const Snapshot* known = find(version))
        return &known->file;
    if (m_count == kMaxSnapshots)
        return lib::Error(lib::Errno::NOMEM, "mmap: too many versions of volume files mapped (FIRST CUT: snapshots)");
    auto* snapshot = new (std::nothrow) Snapshot;
    if (!snapshot)
        return lib::Error(lib::Errno::NOMEM, "mmap: no memory for a volume file's mapping record");
    snapshot->version = version;
    auto discard = [&] {
        snapshot->release();
        delete snapshot;
    };
    auto filled = [&]() -> lib::Result<void> {
        size_t pages = mm::page_round_up(version.size) / mm::kPageSize;
        if (pages == 0)
            return {}; // an empty file: every page is past its end (SIGBUS), as on Linux
        snapshot->frames = static_cast<uint64_t*>(calloc(pages, sizeof(uint64_t)));
        if (!snapshot->frames)
            return lib::Error(lib::Errno::NOMEM, "mmap: no memory for a volume file's page list");
        snapshot->frame_count = pages;
        for (size_t i = 0; i < pages; ++i)
            snapshot->frames[i] = TRY(mm::alloc_frame());
        return read_into(node, version.size, snapshot->frames);
    }();
    if (filled.is_error()) {
        discard();
        return filled.error();
    }
    size_t length = path.size() < sizeof(snapshot->path) ? path.size() : sizeof(snapshot->path);
    memcpy(snapshot->path, path.data(), length);
    snapshot->file = { .size = version.size,
        .path = { snapshot->path, length },
        .inode = version.inode,
        .pages = snapshot,
        .pages_read_only = true };
    // The read gave up the big kernel lock: another thread may have made the same one.
    if (const Snapshot* known = find(version)) {
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
