// virtio-blk (VIRTIO 1.2 §5.2) on a host file, read-only or read-write: IN, OUT, FLUSH and
// GET_ID requests. A request is a driver-readable 16-byte header (type, reserved, sector),
// data buffers, and a final device-writable status byte (§5.2.6). Requests past the end
// of the disk or against a read-only disk complete with IOERR; a chain without header or
// status byte is malformed and ends the VM.
#pragma once

#include "device.h"

namespace monitor::virtio {

enum class DiskMode { ReadOnly, ReadWrite };

class BlockDevice final : public Device {
public:
    /// Serves the open file `fd` (not owned) of `size` bytes; capacity is size / 512.
    BlockDevice(const GuestMemory& memory, int fd, uint64_t size, DiskMode mode)
        : m_memory(memory), m_fd(fd), m_capacity(size / 512), m_mode(mode)
    {
    }

    uint32_t device_id() const override { return kDeviceBlock; }
    uint64_t features() const override;
    size_t queue_count() const override { return 1; }
    void read_config(uint64_t offset, std::span<uint8_t> data) const override;
    lib::Result<bool> process(size_t index, Virtqueue& queue) override;

private:
    lib::Result<uint32_t> serve(const Chain& chain);
    uint8_t transfer(uint32_t type, uint64_t sector, std::span<const Buffer> data, uint32_t& written);

    const GuestMemory& m_memory;
    int m_fd;
    uint64_t m_capacity; // 512-byte sectors
    DiskMode m_mode;
};

} // namespace monitor::virtio
