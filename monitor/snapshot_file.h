// The snapshot file of `osprey-monitor --snapshot-at` / `--restore` (include/abi/
// snapshot_port.h): one file holding a paused VM. Layout, little-endian:
//
//   [0, 4096)          header: magic "OSPSNAP1", version, where the state and memory are,
//                      a CRC-32C of the state and one of the header itself
//   [4096, ...)        the state: machine shape, the files the VM used (image, disks),
//                      KVM's VM and vCPU state, the device models' state (snapshot_state.h)
//   [memory_offset, +ram_bytes)  guest RAM, page-aligned; pages of zeros are holes
//
// Restoring maps the RAM part of the file copy-on-write (MAP_PRIVATE): nothing is read
// until the guest touches a page, and VMs restored from one file share its page cache.
// The header and state are checked (CRC-32C, every length and offset against the file
// size) before anything is used; RAM is not checksummed, since that would read all of it
// and undo the zero-copy restore (Firecracker does the same with its memory file).
// Portable: host tests and the fuzzer use it.
#pragma once

#include "guest_memory.h"

#include <lib/result.h>

#include <abi/user_network.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace monitor {

inline constexpr char kSnapshotMagic[8] = { 'O', 'S', 'P', 'S', 'N', 'A', 'P', '1' };
inline constexpr uint32_t kSnapshotVersion = 2; // 2: the network device
inline constexpr uint64_t kSnapshotHeaderSize = 4096;
inline constexpr uint32_t kSnapshotMaxCpus = 64;

/// A host file the VM had open: restoring checks it is still the same (size, mtime).
struct SnapshotFileRef {
    std::string path;
    uint64_t size = 0;
    int64_t mtime_ns = 0;
    bool read_only = true;
    bool operator==(const SnapshotFileRef&) const = default;
};

/// The VM's network device. A restored VM gets a new backend of the same kind (passt
/// started again, the tap opened again by name) and the same MAC: what lwIP in the guest
/// knows (its address, the gateway's, listening sockets) holds; connections the saved VM
/// had open are gone, as after a link loss.
struct SnapshotNetwork {
    enum class Kind : uint8_t { None, User, Tap };
    Kind kind = Kind::None;
    std::string tap;                                    // Tap: the interface's name
    std::array<uint8_t, 6> mac {};                      // the device's address
    std::vector<user_network::PublishedPort> published; // User: the ports the saved VM had
    bool operator==(const SnapshotNetwork&) const = default;
};

struct Snapshot {
    uint64_t ram_bytes = 0;
    uint32_t cpus = 0;
    uint32_t tsc_khz = 0;     // the guest's TSC frequency (KVM_GET_TSC_KHZ)
    uint64_t request_gpa = 0; // where the guest's snapshot_abi::SnapshotRequest is
    bool rng = false;         // a virtio-rng device
    SnapshotFileRef image;
    std::vector<SnapshotFileRef> disks;
    SnapshotNetwork network;
    std::vector<uint8_t> vm;                 // KVM's VM-wide state (kvm_vm.h)
    std::vector<std::vector<uint8_t>> vcpus; // KVM's state of each vCPU
    std::vector<uint8_t> devices;            // the device models' state
    bool operator==(const Snapshot&) const = default;
};

/// The state part of the file. decode_snapshot_state checks the machine's shape (RAM a
/// multiple of 2 MiB up to 64 GiB, 1..kSnapshotMaxCpus vCPUs, one state per vCPU).
/// Errors: INVAL with what is wrong.
std::vector<uint8_t> encode_snapshot_state(const Snapshot& snapshot);
lib::Result<Snapshot> decode_snapshot_state(std::span<const uint8_t> data);

/// Writes `snapshot` and RAM (region 0 of `memory`) to the new, empty file `fd`. Errors:
/// the failing write's errno (NOSPC, IO...).
lib::Result<void> write_snapshot(int fd, const Snapshot& snapshot, const GuestMemory& memory);

struct OpenedSnapshot {
    Snapshot snapshot;
    uint64_t memory_offset; // where RAM starts in the file (page-aligned)
};
/// Reads and checks the snapshot file `fd`. Errors: INVAL (not a snapshot, another
/// version, truncated, a checksum mismatch, a bad shape), or the read's errno.
lib::Result<OpenedSnapshot> read_snapshot(int fd);

} // namespace monitor
