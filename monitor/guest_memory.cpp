#include "guest_memory.h"

#include <cstring>
#include <sys/mman.h>
#include <unistd.h>

namespace monitor {

namespace {

constexpr uint64_t kTwoMiB = 2ull << 20, kPage = 4096, kMaxRam = 64ull << 30;

bool overlaps(const MemoryRegion& r, uint64_t base, uint64_t size)
{
    return base < r.guest_base + r.size && r.guest_base < base + size;
}

} // namespace

GuestMemory::~GuestMemory()
{
    for (const MemoryRegion& region : m_regions) {
        munmap(region.host, region.size);
        if (region.fd >= 0)
            close(region.fd);
    }
}

lib::Result<GuestMemory> GuestMemory::create(uint64_t ram_bytes)
{
    if (ram_bytes == 0 || ram_bytes > kMaxRam)
        return lib::Error(lib::Errno::INVAL, "guest memory must be between 2 MiB and 64 GiB");
    uint64_t size = (ram_bytes + kTwoMiB - 1) & ~(kTwoMiB - 1);
    void* host = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (host == MAP_FAILED)
        return lib::Error(lib::Errno::NOMEM, "cannot reserve guest RAM (mmap failed)");
    GuestMemory memory;
    memory.m_regions.push_back({ 0, size, static_cast<uint8_t*>(host), Access::ReadWrite });
    return memory;
}

lib::Result<MemoryRegion> GuestMemory::map_file_readonly(int fd, uint64_t guest_base, uint64_t size)
{
    if (size == 0 || guest_base % kPage || guest_base + size < guest_base) {
        close(fd);
        return lib::Error(lib::Errno::INVAL, "read-only region: empty, misaligned or wrapping");
    }
    for (const MemoryRegion& region : m_regions) {
        if (overlaps(region, guest_base, size)) {
            close(fd);
            return lib::Error(lib::Errno::INVAL, "read-only region overlaps guest memory");
        }
    }
    void* host = mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
    if (host == MAP_FAILED) {
        close(fd);
        return lib::Error(lib::Errno::NOMEM, "cannot map the file into guest memory (mmap failed)");
    }
    m_regions.push_back({ guest_base, size, static_cast<uint8_t*>(host), Access::ReadOnly, fd });
    return m_regions.back();
}

const MemoryRegion* GuestMemory::find(uint64_t gpa, uint64_t length) const
{
    for (const MemoryRegion& region : m_regions) {
        if (gpa >= region.guest_base && range_inside(gpa - region.guest_base, length, region.size))
            return &region;
    }
    return nullptr;
}

lib::Result<std::span<uint8_t>> GuestMemory::span(uint64_t gpa, uint64_t length) const
{
    const MemoryRegion* region = find(gpa, length);
    if (!region || region->access != Access::ReadWrite)
        return lib::Error(lib::Errno::FAULT, "guest address range outside guest RAM");
    return std::span(region->host + (gpa - region->guest_base), length);
}

lib::Result<std::span<const uint8_t>> GuestMemory::read_span(uint64_t gpa, uint64_t length) const
{
    const MemoryRegion* region = find(gpa, length);
    if (!region)
        return lib::Error(lib::Errno::FAULT, "guest address range outside guest memory");
    return std::span<const uint8_t>(region->host + (gpa - region->guest_base), length);
}

lib::Result<void> GuestMemory::read(uint64_t gpa, std::span<uint8_t> out) const
{
    auto bytes = TRY(read_span(gpa, out.size()));
    memcpy(out.data(), bytes.data(), out.size());
    return {};
}

lib::Result<void> GuestMemory::write(uint64_t gpa, std::span<const uint8_t> data) const
{
    auto bytes = TRY(span(gpa, data.size()));
    memcpy(bytes.data(), data.data(), data.size());
    return {};
}

lib::Result<void> GuestMemory::map_file_pages(uint64_t gpa, int fd, uint64_t offset, uint64_t length) const
{
    if (length == 0 || gpa % kPage || offset % kPage || length % kPage)
        return lib::Error(lib::Errno::INVAL, "file pages: empty or not page-aligned");
    auto target = TRY(span(gpa, length));
    // MAP_NORESERVE as for RAM itself: a page costs host memory only once the guest writes it.
    void* mapped = mmap(
        target.data(), length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED | MAP_NORESERVE, fd, off_t(offset));
    if (mapped == MAP_FAILED)
        return lib::Error(lib::Errno::NOMEM, "cannot map file pages into guest RAM (mmap failed)");
    return {};
}

lib::Result<void> GuestMemory::zero(uint64_t gpa, uint64_t length) const
{
    auto target = TRY(span(gpa, length));
    uint64_t end = gpa + length;
    uint64_t first_whole = (gpa + kPage - 1) & ~(kPage - 1), end_whole = end & ~(kPage - 1);
    if (first_whole >= end_whole) { // inside one page, or across one page boundary
        memset(target.data(), 0, length);
        return {};
    }
    memset(target.data(), 0, first_whole - gpa);
    memset(target.data() + (end_whole - gpa), 0, end - end_whole);
    void* fresh = mmap(target.data() + (first_whole - gpa), end_whole - first_whole, PROT_READ | PROT_WRITE,
        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
    if (fresh == MAP_FAILED)
        return lib::Error(lib::Errno::NOMEM, "cannot replace guest RAM pages by zero pages (mmap failed)");
    return {};
}

} // namespace monitor
