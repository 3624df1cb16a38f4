// virtio-blk requests (VIRTIO 1.2 §5.2.6): a device-readable header {le32 type, le32
// reserved, le64 sector}, the data (device-readable for writes, writable for reads), then
// one device-writable status byte. Nothing the device says is trusted: the status must be
// one of the three defined values and the used length must cover what a read returns.
#include <drivers/virtio/kernel/blk.h>

#include <cstring>

namespace virtio {

namespace {

using namespace virtio_wire; // §5.2 request format, feature bits, configuration offsets

constexpr uint16_t kRequestQueue = 0;
constexpr size_t kStatusOffset = 64;   // in the header page
constexpr uint8_t kStatusUnset = 0xff; // no defined status: the device never wrote it

lib::Result<void> check_status(uint8_t status)
{
    switch (status) {
    case BlkStatusOk: return {};
    case BlkStatusIoError: return lib::Error(lib::Errno::IO, "virtio-blk: device reported an I/O error");
    case BlkStatusUnsupported: return lib::Error(lib::Errno::NOTSUP, "virtio-blk: device does not support the request");
    }
    return lib::Error(lib::Errno::IO, "virtio-blk: device wrote an undefined status");
}

} // namespace

lib::Result<void> BlkDevice::init(Transport& transport, DeviceInterrupt* interrupt)
{
    m_features = TRY(transport.negotiate(BlkFeatureSegMax | BlkFeatureReadOnly | BlkFeatureFlush));
    m_interrupt = interrupt;
    if (auto ready = setup_buffers(transport, interrupt); ready.is_error()) {
        transport.fail();
        return ready.error();
    }
    transport.driver_ok();
    return {};
}

lib::Result<void> BlkDevice::setup_buffers(Transport& transport, DeviceInterrupt* interrupt)
{
    m_capacity = TRY(transport.read_config(kBlkConfigCapacity, 8));
    uint64_t seg_max = m_features & BlkFeatureSegMax ? TRY(transport.read_config(kBlkConfigSegMax, 4)) : kBouncePages;
    if (seg_max == 0)
        return lib::Error(lib::Errno::NOTSUP, "virtio-blk: device allows no data segments");
    TRY(m_queue.setup(transport, kRequestQueue, kMaxQueueSize, interrupt));
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

lib::Result<void> BlkDevice::request(BlkRequestType type, uint64_t sector, size_t bytes)
{
    *static_cast<BlkRequestHeader*>(m_header.virt) = { type, 0, sector };
    auto* status = static_cast<volatile uint8_t*>(m_header.virt) + kStatusOffset;
    *status = kStatusUnset;
    Segment chain[kBouncePages + 2];
    size_t count = 0;
    chain[count++] = { m_header.phys, sizeof(BlkRequestHeader), Access::DeviceReads };
    Access data_access = type == BlkRequestIn ? Access::DeviceWrites : Access::DeviceReads;
    for (size_t done = 0, page = 0; done < bytes; done += 4096, ++page) {
        uint32_t length = uint32_t(bytes - done < 4096 ? bytes - done : 4096);
        chain[count++] = { m_bounce[page].phys, length, data_access };
    }
    chain[count++] = { m_header.phys + kStatusOffset, 1, Access::DeviceWrites };
    uint32_t written = TRY(m_queue.run_held(std::span(chain, count))); // the caller holds the queue
    // §2.7.8.2: nothing beyond `written` bytes may be trusted; the status byte is last.
    uint32_t expected = uint32_t(type == BlkRequestIn ? bytes + 1 : 1);
    if (written < expected)
        return lib::Error(lib::Errno::IO, "virtio-blk: device returned fewer bytes than the request needs");
    return check_status(*status);
}

lib::Result<void> BlkDevice::transfer(
    BlkRequestType type, uint64_t sector, size_t size, const std::byte* from, std::byte* into)
{
    TRY(check_range(sector, size));
    size_t chunk = m_pages_per_request * 4096;
    for (size_t done = 0; done < size; done += chunk) {
        size_t bytes = size - done < chunk ? size - done : chunk;
        // The header and bounce pages are the device's one set: held from the copy in to
        // the copy out, as a waiter gives up the big kernel lock to other threads.
        m_queue.acquire();
        for (size_t off = 0; from && off < bytes; off += 4096)
            memcpy(m_bounce[off / 4096].virt, from + done + off, bytes - off < 4096 ? bytes - off : 4096);
        auto requested = request(type, sector + done / kSectorSize, bytes);
        for (size_t off = 0; into && !requested.is_error() && off < bytes; off += 4096)
            memcpy(into + done + off, m_bounce[off / 4096].virt, bytes - off < 4096 ? bytes - off : 4096);
        m_queue.release();
        TRY(requested);
    }
    return {};
}

lib::Result<void> BlkDevice::read(uint64_t sector, std::span<std::byte> buffer)
{
    return transfer(BlkRequestIn, sector, buffer.size(), nullptr, buffer.data());
}

lib::Result<void> BlkDevice::write(uint64_t sector, std::span<const std::byte> buffer)
{
    if (read_only())
        return lib::Error(lib::Errno::ROFS, "virtio-blk: device is read-only");
    return transfer(BlkRequestOut, sector, buffer.size(), buffer.data(), nullptr);
}

lib::Result<void> BlkDevice::flush()
{
    if (!flush_offered())
        return {};
    m_queue.acquire();
    auto flushed = request(BlkRequestFlush, 0, 0);
    m_queue.release();
    return flushed;
}

} // namespace virtio
