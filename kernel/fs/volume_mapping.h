// mmap of a volume's files (vfs/remote_fs.h: their bytes are on the host). FIRST CUT: a
// mapping is a snapshot, the file's bytes read whole from the host into memory when it is
// mapped (into page frames of its own) and shared by every mapping of the same version of
// the file (same volume, inode,
// size, modification and change times). So a private mapping and a read-only shared one work
// (git's packs and index, programs that read files by mapping them); what the file
// becomes later is not seen through a mapping made before, and a writable shared mapping
// is refused (EACCES, as for a file of the image), since its stores would never reach the
// host. Snapshots live as long as the VM (mappings may point at them after munmap of
// another); at most kMaxSnapshots versions, then ENOMEM.
#pragma once

#include <kernel/fs/file.h>
#include <mm/area.h>
#include <vfs/node.h>

#include <string_view>

namespace fs {

class VolumeMappings {
public:
    static constexpr size_t kMaxSnapshots = 256;

    /// The mapped-file record for `node` (a regular file of a volume), opened as `path`:
    /// an existing snapshot of the same version, or a new one read from the host now.
    /// Errors: the host's (EIO...), ENOMEM (no contiguous memory that large, or
    /// kMaxSnapshots versions mapped already).
    lib::Result<const mm::MappedFile*> map(vfs::Node& node, std::string_view path);

private:
    /// What tells one version of a file from another as far as the host says (FIRST CUT:
    /// an edit within one tick of the host's clock that keeps the size looks the same).
    struct Version {
        uint64_t device = 0, inode = 0, size = 0;
        vfs::Timestamp modified, changed;
        bool operator==(const Version&) const = default;
    };
    /// One version's bytes in page frames of their own (not contiguous: a large file
    /// needs no long run of free memory), each read whole at mmap.
    struct Snapshot final : mm::FilePages {
        Version version;
        mm::MappedFile file;
        uint64_t* frames = nullptr; // one per page of `version.size`
        size_t frame_count = 0;
        char path[256];

        lib::Result<uint64_t> page_at(uint64_t offset) const override;
        void release();
    };
    const Snapshot* find(const Version& version) const;

    Snapshot* m_snapshots[kMaxSnapshots] = {};
    size_t m_count = 0;
};

} // namespace fs
