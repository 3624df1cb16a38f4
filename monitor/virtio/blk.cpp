#include "blk.h"

#include <abi/virtio_wire.h>

#include <cstring>
#include <unistd.h>

namespace monitor::virtio {

using namespace virtio_wire; // §5.2.6 request header, types and status values

uint64_t BlockDevice::features() const
{
    return BlkFeatureFlush | (m_mode == DiskMode::ReadOnly ? uint64_t(BlkFeatureReadOnly) : 0);
}

void BlockDevice::read_config(uint64_t offset, std::span<uint8_t> data) const
{
    uint8_t config[8] = {}; // §5.2.4: capacity at 0; the optional fields follow features not offered
    memcpy(config + kBlkConfigCapacity, &m_capacity, 8);
    read_config_bytes(config, offset, data);
}

uint8_t BlockDevice::transfer(uint32_t type, uint64_t sector, std::span<const Buffer> data, uint32_t& written)
{
    uint64_t position = sector;
    if (sector > m_capacity)
        return BlkStatusIoError;
    position *= kBlkSectorSize;
    for (const Buffer& buffer : data) {
        if (buffer.device_writable != (type == BlkRequestIn) || buffer.len > m_capacity * kBlkSectorSize - position)
            return BlkStatusIoError;
        if (type == BlkRequestIn) {
            auto target = m_memory.span(buffer.addr, buffer.len).value();
            if (pread(m_fd, target.data(), target.size(), off_t(position)) != ssize_t(target.size()))
                return BlkStatusIoError;
            written += buffer.len;
        } else {
            auto source = m_memory.read_span(buffer.addr, buffer.len).value();
            if (m_mode == DiskMode::ReadOnly
                || pwrite(m_fd, source.data(), source.size(), off_t(position)) != ssize_t(source.size()))
                return BlkStatusIoError;
        }
        position += buffer.len;
    }
    return BlkStatusOk;
}

lib::Result<uint32_t> BlockDevice::serve(const Chain& chain)
{
    const auto& b = chain.buffers;
    if (b.size() < 2 || b.front().device_writable || b.front().len < sizeof(BlkRequestHeader)
        || !b.back().device_writable || b.back().len < 1)
        return lib::Error(lib::Errno::INVAL, "virtio-blk request without a header or a status byte");
    BlkRequestHeader header;
    TRY(m_memory.read(b.front().addr, std::span(reinterpret_cast<uint8_t*>(&header), sizeof(header))));
    auto data = std::span(b).subspan(1, b.size() - 2);
    uint32_t written = 0;
    uint8_t status = BlkStatusUnsupported;
    if (header.type == BlkRequestIn || header.type == BlkRequestOut)
        status = transfer(header.type, header.sector, data, written);
    else if (header.type == BlkRequestFlush)
        status = m_mode == DiskMode::ReadOnly || fsync(m_fd) == 0 ? BlkStatusOk : BlkStatusIoError;
    else if (header.type == BlkRequestGetId && !data.empty() && data[0].device_writable) {
        const char id[20] = "osprey-virtio-blk";
        uint32_t length = std::min<uint32_t>(data[0].len, sizeof(id));
        TRY(m_memory.write(data[0].addr, std::span(reinterpret_cast<const uint8_t*>(id), length)));
        written = length;
        status = BlkStatusOk;
    }
    TRY(m_memory.write(b.back().addr + b.back().len - 1, std::span(&status, 1)));
    return written + 1;
}

lib::Result<bool> BlockDevice::process(size_t, Virtqueue& queue)
{
    return queue.serve_each([&](const Chain& chain) { return serve(chain); });
}

} // namespace monitor::virtio
