// virtio-9p (VIRTIO 1.2 §5.11): one request queue carrying 9P2000.L to a volume's server
// (volume/ninep_server.h), and the mount tag in configuration space (VIRTIO_9P_F_MOUNT_TAG).
// Each chain's device-readable buffers hold one T-message, gathered in order; the reply is
// scattered over its device-writable buffers. Messages are bounded by the server's
// kMaxMessageSize (bytes past it are not read); a chain with less writable room than an
// Rlerror is malformed and ends the VM, as virtio-blk's chains without a status byte do.
#pragma once

#include "../volume/ninep_server.h"
#include "device.h"

#include <memory>
#include <string>
#include <vector>

namespace monitor::virtio {

/// The longest mount tag the monitor gives a device (Linux's 9p mounts take up to 31 bytes).
inline constexpr size_t kMaxMountTag = 31;

class NinePDevice final : public Device {
public:
    /// Serves `server` under mount tag `tag` (1 to kMaxMountTag bytes, checked by the
    /// options).
    NinePDevice(const GuestMemory& memory, std::string_view tag, volume::NinepServer server);

    uint32_t device_id() const override { return kDeviceNineP; }
    uint64_t features() const override { return virtio_wire::kNinePFeatureMountTag; }
    size_t queue_count() const override { return 1; }
    void read_config(uint64_t offset, std::span<uint8_t> data) const override;
    lib::Result<bool> process(size_t index, Virtqueue& queue) override;
    void reset() override { m_server.reset(); }

    const volume::NinepServer& server() const { return m_server; }

private:
    lib::Result<uint32_t> serve(const Chain& chain);
    lib::Result<size_t> gather(const Chain& chain);
    lib::Result<uint32_t> scatter(const Chain& chain, std::span<const std::byte> reply);

    const GuestMemory& m_memory;
    std::vector<uint8_t> m_config; // tag_len (le16), tag
    volume::NinepServer m_server;
    // One message each way, allocated at the first request (untouched pages cost nothing).
    std::unique_ptr<std::byte[]> m_request, m_reply;
};

} // namespace monitor::virtio
