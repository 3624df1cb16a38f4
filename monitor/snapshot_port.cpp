#include "snapshot_port.h"

#include <cstring>
#include <ctime>
#include <sys/random.h>

namespace monitor {

void SnapshotPort::bus_read(uint64_t, std::span<uint8_t> data) { memset(data.data(), 0xff, data.size()); }

lib::Result<void> SnapshotPort::bus_write(uint64_t offset, std::span<const uint8_t> data)
{
    if (offset != 0 || data.size() != 4)
        return {};
    uint32_t gpa;
    memcpy(&gpa, data.data(), 4);
    snapshot_abi::SnapshotRequest request;
    // In writable RAM, where the answer goes (a read-only image page would not take it).
    auto record = TRY(m_memory.span(gpa, sizeof request));
    memcpy(&request, record.data(), sizeof request);
    if (m_taken || !m_wanted || request.point != uint32_t(*m_wanted))
        return answer(m_memory, gpa, snapshot_abi::SnapshotResult::Skipped);
    m_taken = true;
    m_pending = gpa;
    return {};
}

lib::Result<void> SnapshotPort::answer(const GuestMemory& memory, uint64_t gpa, snapshot_abi::SnapshotResult result)
{
    snapshot_abi::SnapshotRequest request;
    auto bytes = std::span(reinterpret_cast<uint8_t*>(&request), sizeof request);
    TRY(memory.read(gpa, bytes));
    request.result = uint32_t(result);
    if (result == snapshot_abi::SnapshotResult::Restored) {
        timespec now {};
        clock_gettime(CLOCK_REALTIME, &now);
        request.wall_clock_ns = int64_t(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
        // getrandom of 32 bytes does not fail short once the pool is ready; if it did,
        // the time above still makes each restored VM's seed its own.
        if (getrandom(request.random_seed, sizeof request.random_seed, 0) != ssize_t(sizeof request.random_seed))
            memcpy(request.random_seed, &request.wall_clock_ns, sizeof request.wall_clock_ns);
    }
    return memory.write(gpa, bytes);
}

} // namespace monitor
