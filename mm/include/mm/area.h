// One mapping of the address space (a VMA in Linux terms): a page-aligned range with one
// protection and one backing. Portable: the kernel's address space and the host tests
// share it (mm/area_map.h).
#pragma once

#include <mm/gap_tree.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace mm {

enum Protection : int { ProtNone = 0, ProtRead = 1, ProtWrite = 2, ProtExec = 4 };

/// A file whose pages can be mapped: a contiguous, page-aligned run of physical memory
/// (a ROFS file inside the image, which lives as long as the VM). Pages past `size` up to
/// the end of its last page read as zero; a page wholly past the end is a SIGBUS.
struct MappedFile {
    uint64_t phys_base = 0;   // physical address of the file's first byte, page aligned
    uint64_t size = 0;        // bytes
    std::string_view path;    // for /proc/self/maps
    uint64_t inode = 0;       // for /proc/self/maps
};

enum class Sharing : uint8_t { Private, Shared };
/// What /proc/self/maps calls an anonymous area; only areas with equal roles merge.
enum class AreaRole : uint8_t { Plain, Heap, Stack };

struct Area {
    GapTreeNode link;         // link.start, link.end: [start, end), page aligned
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
