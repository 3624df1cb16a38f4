#include "blk.h"

#include <cstring>
#include <unistd.h>

namespace monitor::virtio {

namespace {

// §5.2.6 request types and status values.
constexpr uint32_t kIn = 0, kOut = 1, kFlush = 4, kGetId = 8;
constexpr uint8_t kOk = 0, kIoError = 1, kUnsupported = 2;
constexpr uint64_t kSector = 512;

struct RequestHeader {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};
static_assert(sizeof(RequestHeader) == 16);

} // namespace

uint64_t BlockDevice::features() const
{
    return kFeatureFlush | kFeatureBlockSize | (m_mode == DiskMode::ReadOnly ? kFeatureReadOnly : 0);
}

void BlockDevice::read_config(uint64_t offset, std::span<uint8_t> data) const
{
    uint8_t config[24] = {}; // §5.2.4: capacity at 0, blk_size at 20
    uint32_t block_size = kSector;
    memcpy(config, &m_capacity, 8);
    memcpy(config + 20, &block_size, 4);
    read_config_bytes(config, offset, data);
}

uint8_t BlockDevice::transfer(uint32_t type, uint64_t sector, std::span<const Buffer> data, uint32_t& written)
{
    uint64_t position = sector;
    if (sector > m_capacity)
        return kIoError;
    position *= kSector;
    for (const Buffer& buffer : data) {
        if (buffer.device_writable != (type == kIn) || buffer.len > m_capacity * kSector - position)
            return kIoError;
        if (type == kIn) {
            auto target = m_memory.span(buffer.addr, buffer.len).value();
            if (pread(m_fd, target.data(), target.size(), off_t(position)) != ssize_t(target.size()))
                return kIoError;
            written += buffer.len;
        } else {
            auto source = m_memory.read_span(buffer.addr, buffer.len).value();
            if (m_mode == DiskMode::ReadOnly || pwrite(m_fd, source.data(), source.size(), off_t(position)) != ssize_t(source.size()))
                return kIoError;
        }
        position += buffer.len;
    }
    return kOk;
}

lib::Result<uint32_t> BlockDevice::serve(const Chain& chain)
{
    const auto& b = chain.buffers;
    if (b.size() < 2 || b.front().device_writable || b.front().len < sizeof(RequestHeader) || !b.back().device_writable
        || b.back().len < 1)
        return lib::Error(lib::Errno::INVAL, "virtio-blk request without a header or a status byte");
    RequestHeader header;
    TRY(m_memory.read(b.front().addr, std::span(reinterpret_cast<uint8_t*>(&header), sizeof(header))));
    auto data = std::span(b).subspan(1, b.size() - 2);
    uint32_t written = 0;
    uint8_t status = kUnsupported;
    if (header.type == kIn || header.type == kOut)
        status = transfer(header.type, header.sector, data, written);
    else if (header.type == kFlush)
        status = m_mode == DiskMode::ReadOnly || fsync(m_fd) == 0 ? kOk : kIoError;
    else if (header.type == kGetId && !data.empty() && data[0].device_writable) {
        const char id[20] = "osprey-virtio-blk";
        uint32_t length = std::min<uint32_t>(data[0].len, sizeof(id));
        TRY(m_memory.write(data[0].addr, std::span(reinterpret_cast<const uint8_t*>(id), length)));
        written = length;
        status = kOk;
    }
    TRY(m_memory.write(b.back().addr + b.back().len - 1, std::span(&status, 1)));
    return written + 1;
}

lib::Result<bool> BlockDevice::process(size_t, Virtqueue& queue)
{
    bool used = false;
    while (auto chain = TRY(queue.pop())) {
        TRY(queue.push(chain->head, TRY(serve(*chain))));
        used = true;
    }
    return used;
}

} // namespace monitor::virtio
