#include <drivers/virtio/kernel/ninep.h>

#include <cstring>

namespace virtio {

namespace {

constexpr uint16_t kRequestQueue = 0; // §5.11.2
constexpr size_t kPage = 4096;

} // namespace

lib::Result<void> NinepDevice::init(Transport& transport, DeviceInterrupt* interrupt)
{
    uint64_t features = TRY(transport.negotiate(virtio_wire::kNinePFeatureMountTag));
    auto ready = [&]() -> lib::Result<void> {
        if (!(features & virtio_wire::kNinePFeatureMountTag))
            return lib::Error(lib::Errno::NOTSUP, "virtio-9p: the device has no mount tag");
        m_tag_length = size_t(TRY(transport.read_config(virtio_wire::kNinePConfigTagLength, 2)));
        if (m_tag_length == 0 || m_tag_length >= sizeof(m_tag))
            return lib::Error(lib::Errno::INVAL, "virtio-9p: a mount tag that is empty or longer than 63 bytes");
        for (size_t i = 0; i < m_tag_length; ++i)
            m_tag[i] = char(TRY(transport.read_config(virtio_wire::kNinePConfigTag + uint32_t(i), 1)));
        for (size_t i = 0; i < kMessagePages; ++i) {
            m_request[i] = TRY(alloc_dma_page());
            m_reply[i] = TRY(alloc_dma_page());
        }
        TRY(m_queue.setup(transport, kRequestQueue, 64, interrupt));
        return {};
    }();
    if (ready.is_error()) {
        transport.fail();
        return ready.error();
    }
    transport.driver_ok();
    return {};
}

lib::Result<size_t> NinepDevice::exchange(std::span<const std::byte> request, std::span<std::byte> reply)
{
    if (request.size() > max_message())
        return lib::Error(lib::Errno::IO, "virtio-9p: a request larger than the device's pages");
    size_t reply_room = reply.size() < max_message() ? reply.size() : max_message();
    // The chain: the request's pages (as many as it fills), then the reply's.
    Segment chain[2 * kMessagePages];
    size_t segments = 0;
    for (size_t at = 0; at < request.size(); at += kPage) {
        size_t length = request.size() - at < kPage ? request.size() - at : kPage;
        chain[segments++] = { m_request[at / kPage].phys, uint32_t(length), Access::DeviceReads };
    }
    for (size_t at = 0; at < reply_room; at += kPage) {
        size_t length = reply_room - at < kPage ? reply_room - at : kPage;
        chain[segments++] = { m_reply[at / kPage].phys, uint32_t(length), Access::DeviceWrites };
    }
    m_queue.acquire();
    for (size_t at = 0; at < request.size(); at += kPage) {
        size_t length = request.size() - at < kPage ? request.size() - at : kPage;
        memcpy(m_request[at / kPage].virt, request.data() + at, length);
    }
    auto written = m_queue.run_held({ chain, segments });
    if (!written.is_error()) {
        for (size_t at = 0; at < written.value(); at += kPage) {
            size_t length = written.value() - at < kPage ? written.value() - at : kPage;
            memcpy(reply.data() + at, m_reply[at / kPage].virt, length);
        }
    }
    m_queue.release();
    return written.is_error() ? lib::Result<size_t>(written.error()) : lib::Result<size_t>(size_t(written.value()));
}

} // namespace virtio
