// Port I/O and MMIO dispatch: the vCPU loop hands every exit to a Bus, which finds the
// device whose range holds the address and calls it with the offset inside that range.
// Accesses nobody claims read as all ones and are otherwise ignored, as on a PC.
#pragma once

#include <lib/result.h>

#include <cstdint>
#include <span>
#include <vector>

namespace monitor {

/// A device on a bus. `data` is 1..8 bytes, little-endian. A write that the device finds
/// malformed in a way that must end the VM (a hostile virtqueue) returns an error.
class BusDevice {
public:
    virtual ~BusDevice() = default;
    virtual void bus_read(uint64_t offset, std::span<uint8_t> data) = 0;
    virtual lib::Result<void> bus_write(uint64_t offset, std::span<const uint8_t> data) = 0;
};

class Bus {
public:
    /// Claims [base, base + length) for `device` (not owned; must outlive the bus).
    /// Errors: INVAL for an empty, wrapping or overlapping range.
    lib::Result<void> add(uint64_t base, uint64_t length, BusDevice& device);

    /// Reads `data.size()` bytes at `address` (all ones when nobody claims it or the access
    /// crosses the end of the device's range).
    void read(uint64_t address, std::span<uint8_t> data) const;
    /// Writes at `address`; ignored when unclaimed. Errors: the device's error.
    lib::Result<void> write(uint64_t address, std::span<const uint8_t> data) const;

private:
    struct Range {
        uint64_t base, length;
        BusDevice* device;
    };
    const Range* find(uint64_t address, uint64_t size) const;

    std::vector<Range> m_ranges;
};

} // namespace monitor
