#include "io_bus.h"

#include <cstring>

namespace monitor {

lib::Result<void> Bus::add(uint64_t base, uint64_t length, BusDevice& device)
{
    if (length == 0 || base + length < base)
        return lib::Error(lib::Errno::INVAL, "bus range is empty or wraps");
    for (const Range& r : m_ranges) {
        if (base < r.base + r.length && r.base < base + length)
            return lib::Error(lib::Errno::INVAL, "bus range overlaps another device");
    }
    m_ranges.push_back({ base, length, &device });
    return {};
}

const Bus::Range* Bus::find(uint64_t address, uint64_t size) const
{
    for (const Range& r : m_ranges) {
        if (address >= r.base && address - r.base < r.length && size <= r.length - (address - r.base))
            return &r;
    }
    return nullptr;
}

void Bus::read(uint64_t address, std::span<uint8_t> data) const
{
    if (const Range* r = find(address, data.size()))
        return r->device->bus_read(address - r->base, data);
    memset(data.data(), 0xff, data.size());
}

lib::Result<void> Bus::write(uint64_t address, std::span<const uint8_t> data) const
{
    if (const Range* r = find(address, data.size()))
        return r->device->bus_write(address - r->base, data);
    return {};
}

} // namespace monitor
