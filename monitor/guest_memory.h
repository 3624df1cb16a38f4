// Guest-physical memory as the monitor sees it: RAM (read-write) and read-only regions
// such as the mapped image. Every guest-physical address and length goes through span() /
// read_span(), which check the whole range against one region, without overflow, before
// giving out a host pointer. Portable: host tests build it on anonymous memory.
#pragma once

#include <lib/result.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace monitor {

enum class Access { ReadOnly, ReadWrite };

struct MemoryRegion {
    uint64_t guest_base;
    uint64_t size;
    uint8_t* host;
    Access access;
    int fd = -1; // backing file (read-only image), -1 for anonymous RAM
};

class GuestMemory {
public:
    GuestMemory() = default;
    GuestMemory(GuestMemory&& other) noexcept : m_regions(std::move(other.m_regions)) { other.m_regions.clear(); }
    GuestMemory& operator=(GuestMemory&&) = delete;
    ~GuestMemory();

    /// RAM at guest-physical [0, bytes): mmap MAP_PRIVATE|MAP_ANONYMOUS|MAP_NORESERVE, so
    /// only pages the guest touches cost host memory. `bytes` is rounded up to 2 MiB.
    /// Errors: INVAL (zero or more than 64 GiB), NOMEM (mmap failed).
    static lib::Result<GuestMemory> create(uint64_t ram_bytes);

    /// Maps the file `fd` (size `size`, > 0) read-only and shared (PROT_READ, MAP_SHARED:
    /// zero copy, pages shared through the page cache) at guest-physical `guest_base`,
    /// which must be page-aligned and overlap no region. Takes ownership of `fd`.
    /// Errors: INVAL (bad base, size or overlap), NOMEM (mmap failed).
    lib::Result<MemoryRegion> map_file_readonly(int fd, uint64_t guest_base, uint64_t size);

    /// Puts bytes [offset, offset + length) of the file `fd` at guest-physical `gpa` in RAM
    /// as a private copy-on-write mapping of the file (MAP_PRIVATE | MAP_FIXED over those
    /// RAM pages): nothing is read or copied until the guest touches a page, and pages it
    /// only reads stay shared with the page cache. `fd` stays the caller's (the mapping
    /// outlives it). gpa, offset and length must be multiples of 4 KiB. Errors: INVAL
    /// (misaligned or empty), FAULT (not inside RAM), NOMEM (mmap failed; the pages of
    /// [gpa, gpa + length) are then undefined, as after a failed MAP_FIXED).
    lib::Result<void> map_file_pages(uint64_t gpa, int fd, uint64_t offset, uint64_t length) const;
    /// Zeroes RAM [gpa, gpa + length) without touching its whole pages: they become fresh
    /// anonymous pages (MAP_FIXED), which read as zero and cost nothing until touched; only
    /// the partial pages at the two ends are cleared byte by byte. Errors: FAULT (not
    /// inside RAM), NOMEM (mmap failed).
    lib::Result<void> zero(uint64_t gpa, uint64_t length) const;

    /// Host bytes for guest-physical [gpa, gpa + length) in writable RAM. Errors: FAULT
    /// (the range is not entirely inside one read-write region, or wraps around).
    lib::Result<std::span<uint8_t>> span(uint64_t gpa, uint64_t length) const;
    /// Same for reading: read-only regions qualify too.
    lib::Result<std::span<const uint8_t>> read_span(uint64_t gpa, uint64_t length) const;

    /// Copies guest bytes out / in, with the same checks. Errors: FAULT.
    lib::Result<void> read(uint64_t gpa, std::span<uint8_t> out) const;
    lib::Result<void> write(uint64_t gpa, std::span<const uint8_t> data) const;

    uint64_t ram_size() const { return m_regions.empty() ? 0 : m_regions.front().size; }
    std::span<const MemoryRegion> regions() const { return m_regions; }

private:
    const MemoryRegion* find(uint64_t gpa, uint64_t length) const;

    std::vector<MemoryRegion> m_regions; // [0] is RAM
};

/// Whether [offset, offset + length) lies inside [0, limit), without overflow.
constexpr bool range_inside(uint64_t offset, uint64_t length, uint64_t limit)
{
    return offset <= limit && length <= limit - offset;
}

} // namespace monitor
