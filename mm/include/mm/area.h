// One mapping of the address space (a VMA in Linux terms): a page-aligned range with one
// protection and one backing. Portable: the kernel's address space and the host tests
// share it (mm/area_map.h).
#pragma once

#include <mm/gap_tree.h>
#include <lib/result.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace mm {

enum Protection : int { ProtNone = 0, ProtRead = 1, ProtWrite = 2, ProtExec = 4 };

/// The pages of a file that changes (a file of the in-memory tree): each page is a frame
/// the file owns, mapped as it is, so a shared mapping sees write() and write() sees the
/// mapping's stores.
class FilePages {
public:
    /// The physical address of the file's page at `offset` (page aligned), made now if the
    /// file has a hole there. EFAULT past the end of the file (SIGBUS), ENOSPC or ENOMEM
    /// when no page can be made.
    virtual lib::Result<uint64_t> page_at(uint64_t offset) const = 0;

protected:
    ~FilePages() = default;
};

/// A file whose pages can be mapped. Two kinds: a contiguous, page-aligned run of physical
/// memory (a ROFS file inside the image, `pages` null; pages past `size` up to the end of
/// its last page read as zero, a page wholly past the end is a SIGBUS), or a file that
/// changes (`pages` set: its size and pages are asked at each fault). Either lives as long
/// as the VM, and so do the pages behind it (munmap never frees them).
struct MappedFile {
    uint64_t phys_base = 0;           // image files: physical address of the first byte, page aligned
    uint64_t size = 0;                // image files: bytes
    std::string_view path;            // for /proc/self/maps
    uint64_t inode = 0;               // for /proc/self/maps
    const FilePages* pages = nullptr; // files that change; then MAP_SHARED may be writable
    /// With `pages`: they are a copy no store reaches the file from (a volume file's
    /// snapshot), so a writable MAP_SHARED is refused as for an image file.
    bool pages_read_only = false;
    /// Image files: checks the page at file offset `offset` before it is first mapped or
    /// copied (ROFS page checksums); EIO for a corrupt page, which ends the fault with
    /// SIGBUS. Null: nothing to check.
    lib::Result<void> (*check_page)(const MappedFile& file, uint64_t offset) = nullptr;

    bool writable() const { return pages != nullptr && !pages_read_only; }
};

enum class Sharing : uint8_t { Private, Shared };
/// What /proc/self/maps calls an anonymous area; only areas with equal roles merge.
enum class AreaRole : uint8_t { Plain, Heap, Stack };

struct Area {
    GapTreeNode link; // link.start, link.end: [start, end), page aligned
    int prot = ProtNone;
    Sharing sharing = Sharing::Private;
    AreaRole role = AreaRole::Plain;
    const MappedFile* file = nullptr; // nullptr: anonymous memory
    uint64_t file_offset = 0;         // file offset of link.start

    uintptr_t start() const { return link.start; }
    uintptr_t end() const { return link.end; }
    size_t length() const { return link.end - link.start; }
    bool anonymous() const { return file == nullptr; }
    /// File offset of `address` inside this area (file areas only).
    uint64_t offset_of(uintptr_t address) const { return file_offset + (address - link.start); }
};

/// Whether `right` can extend `left` into one area: both anonymous with the same
/// attributes and touching. File mappings never merge (so a program with thousands of
/// file mappings never pays for merge attempts beyond this check).
inline bool can_merge(const Area& left, const Area& right)
{
    return left.end() == right.start() && left.anonymous() && right.anonymous() && left.prot == right.prot
        && left.sharing == right.sharing && left.role == right.role;
}

} // namespace mm
