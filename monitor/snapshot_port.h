// The snapshot port (include/abi/snapshot_port.h): the guest writes the guest-physical
// address of a SnapshotRequest with one `outl`. A request for the point the monitor was
// asked to save at (--snapshot-at) is kept for the vCPU loop (vm_runner.h), which pauses
// the VM, saves it and answers; any other request is answered Skipped at once. A record
// outside guest RAM is the guest breaking the rules: the write fails and the VM stops.
// Not thread-safe: the caller serialises (the device lock). Portable: host tested.
#pragma once

#include "guest_memory.h"
#include "io_bus.h"

#include <abi/snapshot_port.h>

#include <optional>
#include <utility>

namespace monitor {

class SnapshotPort final : public BusDevice {
public:
    static constexpr uint64_t kSize = 4;

    /// `wanted`: the point to save at; nullopt for a VM that takes no snapshot (every
    /// request is Skipped).
    SnapshotPort(const GuestMemory& memory, std::optional<snapshot_abi::SnapshotPoint> wanted)
        : m_memory(memory), m_wanted(wanted)
    {
    }

    void bus_read(uint64_t offset, std::span<uint8_t> data) override;
    lib::Result<void> bus_write(uint64_t offset, std::span<const uint8_t> data) override;

    /// The request to serve now, once: its record's guest-physical address.
    std::optional<uint64_t> take_request() { return std::exchange(m_pending, std::nullopt); }
    /// Whether the guest reached the wanted point (the snapshot was attempted).
    bool reached() const { return m_taken; }

    /// Answers the request at `gpa`: `result` and, for Restored, the host's time and fresh
    /// random bytes (restoring writes these into the restored VM's record). Errors: FAULT.
    static lib::Result<void> answer(const GuestMemory& memory, uint64_t gpa, snapshot_abi::SnapshotResult result);

private:
    const GuestMemory& m_memory;
    std::optional<snapshot_abi::SnapshotPoint> m_wanted;
    std::optional<uint64_t> m_pending;
    bool m_taken = false;
};

} // namespace monitor
