// virtio 9P transport (VIRTIO 1.2 §5.11): the channel a volume's 9P client talks over
// (ninep/client.h). Each exchange copies the T-message into the driver's request pages,
// hands the device a chain of those (device-readable) and the reply pages
// (device-writable), and copies the R-message out; the queue is held across the copies,
// so exchanges from several threads follow one another. The device's mount tag (QEMU's
// `mount_tag=`, the monitor's `--volume TAG:DIR`) says which host directory it carries.
#pragma once

#include <drivers/virtio/kernel/device_queue.h>

#include <ninep/client.h>
#include <virtio/transport.h>

#include <lib/result.h>

#include <string_view>

namespace virtio {

class NinepDevice final : public ninep::Channel {
public:
    /// Pages each way: 64 KiB messages, enough for 9P reads and writes of 64 KiB less
    /// their headers.
    static constexpr size_t kMessagePages = 16;

    /// Initialises the device (MOUNT_TAG is required: a device without a tag cannot be
    /// told apart), reads the tag and sets up the request queue. Errors: NOTSUP without
    /// the tag feature, INVAL for a tag that is empty or longer than 63 bytes, those of
    /// negotiation and queue set-up, NOMEM.
    lib::Result<void> init(Transport& transport, DeviceInterrupt* interrupt = nullptr);

    std::string_view tag() const { return { m_tag, m_tag_length }; }

    lib::Result<size_t> exchange(std::span<const std::byte> request, std::span<std::byte> reply) override;
    size_t max_message() const override { return kMessagePages * 4096; }

private:
    DeviceQueue m_queue;
    DmaPage m_request[kMessagePages] = {};
    DmaPage m_reply[kMessagePages] = {};
    char m_tag[64] = {};
    size_t m_tag_length = 0;
};

} // namespace virtio
