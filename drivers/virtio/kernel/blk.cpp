// virtio-blk requests (VIRTIO 1.2 §5.2.6): a device-readable header {le32 type, le32
// reserved, le64 sector}, the data (device-readable for writes, writable for reads), then
// one device-writable status byte. Nothing the device says is trusted: the status must be
// one of the three defined values and the used length must cover what a read returns.
#include <drivers/virtio/kernel/blk.h>

#include <cstring>

namespace virtio {

namespace {

struct RequestHeader {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};
static_assert(sizeof(RequestHeader) == 16);

constexpr uint16_t kRequestQueue = 0;
constexpr size_t kStatusOffset = 64;
constexpr uint8_t kStatusOk = 0, kStatusIoErr = 1, kStatusUnsupported = 2, kStatusUnset = 0xff;
constexpr uint32_t kConfigCapacity = 0, kConfigSegMax = 12, kConfigBlockSize = 20; // §5.2.4

lib::Result<void> check_status(uint8_t status)
{
    switch (status) {
    case kStatusOk: return {};
    case kStatusIoErr: return lib::Error(lib::Errno::IO, "virtio-blk: device reported an I/O error");
    case kStatusUnsupported: return lib::Error(lib::Errno::NOTSUP, "virtio-blk: device does not support the request");
    }
    return lib::Error(lib::Errno::IO, "virtio-blk: device wrote an undefined status");
}

} // namespace

lib::Result<void> BlkDevice::init(Transport& transport)
{
    m_features = TRY(transport.negotiate(BlkSegMax | BlkReadOnly | BlkBlockSize | BlkFlush));
    if (auto ready = setup_buffers(transport); ready.is_error()) {
        transport.fail();
        return ready.error();
    }
    transport.driver_ok();
    return {};
}

lib::Result<void> BlkDevice::setup_buffers(Transport& transport)
{
    m_capacity = TRY(transport.read_config(kConfigCapacity, 8));
    if (m_features & BlkBlockSize)
        m_block_size = uint32_t(TRY(transport.read_config(kConfigBlockSize, 4)));
    uint64_t seg_max = m_features & BlkSegMax ? TRY(transport.read_config(kConfigSegMax, 4)) : kBouncePages;
    if (seg_max == 0)
        return lib::Error(lib::Errno::NOTSUP, "virtio-blk: device allows no data segments");
    TRY(m_queue.setup(transport, kRequestQueue, kMaxQueueSize));
    uint64_t by_queue = m_queue.size() > 2 ? m_queue.size() - 2u : 0; // header and status too
    if (by_queue == 0)
        return lib::Error(lib::Errno::NOTSUP, "virtio-blk: request queue too small for one request");
    m_pages_per_request = kBouncePages < seg_max ? kBouncePages : seg_max;
    m_pages_per_request = m_pages_per_request < by_queue ? m_pages_per_request : by_queue;
    m_header = TRY(alloc_dma_page());
    for (size_t i = 0; i < m_pages_per_request; ++i)
        m_bounce[i] = TRY(alloc_dma_page());
    return {};
}

lib::Result<void> BlkDevice::check_range(uint64_t sector, size_t bytes) const
{
    if (bytes == 0 || bytes % kSectorSize)
        return lib::Error(lib::Errno::INVAL, "virtio-blk: transfer size not a nonzero multiple of 512");
    if (sector > m_capacity || bytes / kSectorSize > m_capacity - sector)
        return lib::Error(lib::Errno::INVAL, "virtio-blk: sectors beyond the end of the disk");
    return {};
}

lib::Result<void> BlkDevice::request(Type type, uint64_t sector, size_t bytes)
{
    *static_cast<RequestHeader*>(m_header.virt) = { uint32_t(type), 0, sector };
    auto* status = static_cast<volatile uint8_t*>(m_header.virt) + kStatusOffset;
    *status = kStatusUnset;
    Segment chain[kBouncePages + 2];
    size_t count = 0;
    chain[count++] = { m_header.phys, sizeof(RequestHeader), Access::DeviceReads };
    Access data_access = type == Type::In ? Access::DeviceWrites : Access::DeviceReads;
    for (size_t done = 0, page = 0; done < bytes; done += 4096, ++page) {
        uint32_t length = uint32_t(bytes - done < 4096 ? bytes - done : 4096);
        chain[count++] = { m_bounce[page].phys, length, data_access };
    }
    chain[count++] = { m_header.phys + kStatusOffset, 1, Access::DeviceWrites };
    uint32_t written = TRY(m_queue.run(std::span(chain, count)));
    // §2.7.8.2: nothing beyond `written` bytes may be trusted; the status byte is last.
    uint32_t expected = uint32_t(type == Type::In ? bytes + 1 : 1);
    if (written < expected)
        return lib::Error(lib::Errno::IO, "virtio-blk: device returned fewer bytes than the request needs");
    return check_status(*status);
}

lib::Result<void> BlkDevice::read(uint64_t sector, std::span<std::byte> buffer)
{
    TRY(check_range(sector, buffer.size()));
    size_t chunk = m_pages_per_request * 4096;
    for (size_t done = 0; done < buffer.size(); done += chunk) {
        size_t bytes = buffer.size() - done < chunk ? buffer.size() - done : chunk;
        TRY(request(Type::In, sector + done / kSectorSize, bytes));
        for (size_t off = 0; off < bytes; off += 4096)
            memcpy(buffer.data() + done + off, m_bounce[off / 4096].virt, bytes - off < 4096 ? bytes - off : 4096);
    }
    return {};
}

lib::Result<void> BlkDevice::write(uint64_t sector, std::span<const std::byte> buffer)
{
    if (read_only())
        return lib::Error(lib::Errno::ROFS, "virtio-blk: device is read-only");
    TRY(check_range(sector, buffer.size()));
    size_t chunk = m_pages_per_request * 4096;
    for (size_t done = 0; done < buffer.size(); done += chunk) {
        size_t bytes = buffer.size() - done < chunk ? buffer.size() - done : chunk;
        for (size_t off = 0; off < bytes; off += 4096)
            memcpy(m_bounce[off / 4096].virt, buffer.data() + done + off, bytes - off < 4096 ? bytes - off : 4096);
        TRY(request(Type::Out, sector + done / kSectorSize, bytes));
    }
    return {};
}

lib::Result<void> BlkDevice::flush()
{
    if (!flush_offered())
        return {};
    return request(Type::Flush, 0, 0);
}

} // namespace virtio
