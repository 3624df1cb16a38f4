// A minimal virtio-mmio driver for the monitor's device-model tests: lays out a split
// virtqueue in synthetic guest memory and drives an MmioTransport through its registers
// (VIRTIO 1.2 §4.2.3 initialisation sequence).
#pragma once

#include <monitor/virtio/mmio_transport.h>

#include <gtest/gtest.h>

#include <cstring>

namespace monitor_test {

using namespace monitor;
using namespace monitor::virtio;

struct VirtioDriver {
    static constexpr uint64_t kDesc = 0x10000, kAvail = 0x11000, kUsed = 0x12000, kData = 0x20000;
    static constexpr uint16_t kSize = 16;

    GuestMemory memory = GuestMemory::create(4 << 20).release_value();
    int interrupts = 0;
    uint16_t avail_idx = 0;

    void write32(MmioTransport& t, uint64_t offset, uint32_t value)
    {
        auto result = t.bus_write(offset, std::span(reinterpret_cast<const uint8_t*>(&value), 4));
        ASSERT_FALSE(result.is_error()) << result.error().message;
    }
    uint32_t read32(MmioTransport& t, uint64_t offset)
    {
        uint32_t value;
        t.bus_read(offset, std::span(reinterpret_cast<uint8_t*>(&value), 4));
        return value;
    }
    /// ACKNOWLEDGE, DRIVER, features (VERSION_1 | extra), FEATURES_OK, queue 0, DRIVER_OK.
    void initialise(MmioTransport& t, uint64_t extra_features = 0)
    {
        write32(t, 0x70, 1 | 2);
        uint64_t features = (1ull << 32) | extra_features;
        write32(t, 0x24, 0), write32(t, 0x20, uint32_t(features));
        write32(t, 0x24, 1), write32(t, 0x20, uint32_t(features >> 32));
        write32(t, 0x70, 1 | 2 | 8);
        ASSERT_EQ(read32(t, 0x70) & 8, 8u);
        write32(t, 0x30, 0);
        write32(t, 0x38, kSize);
        write32(t, 0x80, kDesc), write32(t, 0x90, kAvail), write32(t, 0xa0, kUsed);
        write32(t, 0x44, 1);
        write32(t, 0x70, 1 | 2 | 8 | 4);
    }
    void descriptor(uint16_t index, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
    {
        uint8_t d[16];
        memcpy(d, &addr, 8), memcpy(d + 8, &len, 4), memcpy(d + 12, &flags, 2), memcpy(d + 14, &next, 2);
        ASSERT_FALSE(memory.write(kDesc + 16ull * index, d).is_error());
    }
    void make_available(uint16_t head)
    {
        ASSERT_FALSE(memory.write(kAvail + 4 + 2 * (avail_idx % kSize), std::span(reinterpret_cast<uint8_t*>(&head), 2))
                         .is_error());
        ++avail_idx;
        ASSERT_FALSE(memory.write(kAvail + 2, std::span(reinterpret_cast<uint8_t*>(&avail_idx), 2)).is_error());
    }
    lib::Result<void> notify(MmioTransport& t)
    {
        uint32_t queue = 0;
        return t.bus_write(0x50, std::span(reinterpret_cast<const uint8_t*>(&queue), 4));
    }
    uint16_t used_idx()
    {
        uint16_t idx;
        EXPECT_FALSE(memory.read(kUsed + 2, std::span(reinterpret_cast<uint8_t*>(&idx), 2)).is_error());
        return idx;
    }
    std::pair<uint32_t, uint32_t> used(uint16_t slot)
    {
        uint32_t e[2];
        EXPECT_FALSE(memory.read(kUsed + 4 + 8 * slot, std::span(reinterpret_cast<uint8_t*>(e), 8)).is_error());
        return { e[0], e[1] };
    }
};

} // namespace monitor_test
