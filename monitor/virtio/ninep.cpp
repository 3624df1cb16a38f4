#include "ninep.h"

#include <algorithm>

namespace monitor::virtio {

namespace {

std::span<uint8_t> as_guest_bytes(std::byte* data, size_t length)
{
    return { reinterpret_cast<uint8_t*>(data), length };
}

} // namespace

NinePDevice::NinePDevice(const GuestMemory& memory, std::string_view tag, volume::NinepServer server)
    : m_memory(memory), m_server(std::move(server))
{
    size_t length = std::min(tag.size(), kMaxMountTag);
    m_config.resize(virtio_wire::kNinePConfigTag + length); // §5.11.4: le16 tag_len, then the tag
    m_config[virtio_wire::kNinePConfigTagLength] = uint8_t(length);
    std::copy_n(tag.data(), length, m_config.begin() + virtio_wire::kNinePConfigTag);
}

void NinePDevice::read_config(uint64_t offset, std::span<uint8_t> data) const
{
    read_config_bytes(m_config, offset, data);
}

lib::Result<size_t> NinePDevice::gather(const Chain& chain)
{
    size_t length = 0;
    for (const Buffer& buffer : chain.buffers) {
        if (buffer.device_writable)
            continue;
        size_t part = std::min<size_t>(buffer.len, volume::kMaxMessageSize - length);
        TRY(m_memory.read(buffer.addr, as_guest_bytes(m_request.get() + length, part)));
        length += part;
    }
    return length;
}

lib::Result<uint32_t> NinePDevice::scatter(const Chain& chain, std::span<const std::byte> reply)
{
    size_t done = 0;
    for (const Buffer& buffer : chain.buffers) {
        if (!buffer.device_writable || done == reply.size())
            continue;
        size_t part = std::min<size_t>(buffer.len, reply.size() - done);
        TRY(m_memory.write(buffer.addr, std::span(reinterpret_cast<const uint8_t*>(reply.data() + done), part)));
        done += part;
    }
    return uint32_t(done);
}

lib::Result<uint32_t> NinePDevice::serve(const Chain& chain)
{
    uint64_t room = 0;
    for (const Buffer& buffer : chain.buffers)
        room += buffer.device_writable ? buffer.len : 0;
    if (room < volume::kErrorReplySize)
        return lib::Error(lib::Errno::INVAL, "virtio-9p request without room for a reply");
    if (!m_request) {
        m_request = std::make_unique_for_overwrite<std::byte[]>(volume::kMaxMessageSize);
        m_reply = std::make_unique_for_overwrite<std::byte[]>(volume::kMaxMessageSize);
    }
    size_t length = TRY(gather(chain));
    auto reply = m_server.handle(std::span(m_request.get(), length),
        std::span(m_reply.get(), std::min<uint64_t>(room, volume::kMaxMessageSize)));
    return scatter(chain, reply);
}

lib::Result<bool> NinePDevice::process(size_t, Virtqueue& queue)
{
    return queue.serve_each([&](const Chain& chain) { return serve(chain); });
}

} // namespace monitor::virtio
