// The VIRTIO 1.2 wire format both sides of Osprey speak: the kernel's drivers
// (drivers/virtio) and the monitor's device models (monitor/virtio). One definition, so
// the two cannot drift apart. Namespace `virtio_wire`, not `abi`: the monitor's host tests
// include gtest, whose <cxxabi.h> owns a namespace `abi`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace virtio_wire {

/// §5: device ids.
enum class DeviceId : uint32_t { None = 0, Net = 1, Block = 2, Console = 3, Entropy = 4, NineP = 9 };

/// §6: reserved (device-independent) feature bits.
constexpr uint64_t kFeatureVersion1 = 1ull << 32;
constexpr uint64_t kFeatureAccessPlatform = 1ull << 33;

/// §4.2.2 table "MMIO Device Register Layout": byte offsets.
enum MmioRegister : uint32_t {
    MmioMagic = 0x000,
    MmioVersion = 0x004,
    MmioDeviceId = 0x008,
    MmioVendorId = 0x00c,
    MmioDeviceFeatures = 0x010,
    MmioDeviceFeaturesSel = 0x014,
    MmioDriverFeatures = 0x020,
    MmioDriverFeaturesSel = 0x024,
    MmioQueueSel = 0x030,
    MmioQueueNumMax = 0x034,
    MmioQueueNum = 0x038,
    MmioQueueReady = 0x044,
    MmioQueueNotify = 0x050,
    MmioInterruptStatus = 0x060,
    MmioInterruptAck = 0x064,
    MmioStatus = 0x070,
    MmioQueueDescLow = 0x080,
    MmioQueueDescHigh = 0x084,
    MmioQueueDriverLow = 0x090,
    MmioQueueDriverHigh = 0x094,
    MmioQueueDeviceLow = 0x0a0,
    MmioQueueDeviceHigh = 0x0a4,
    MmioConfigGeneration = 0x0fc,
    MmioConfig = 0x100,
};
constexpr uint32_t kMmioMagic = 0x74726976; // "virt"
constexpr uint32_t kMmioVersion = 2;
/// Not in the spec: the Linux kernel option through which a VMM tells the guest where each
/// virtio-mmio device is, virtio_mmio.device=<size>@<base>:<irq> (drivers/virtio's
/// mmio_device_option.h parses it; the monitor and the CLI write it).
inline constexpr std::string_view kMmioDeviceOptionKey = "virtio_mmio.device";

/// §2.1: device status bits.
enum Status : uint8_t {
    StatusAcknowledge = 1,
    StatusDriver = 2,
    StatusDriverOk = 4,
    StatusFeaturesOk = 8,
    StatusNeedsReset = 64,
    StatusFailed = 128,
};

/// §2.7.5: one entry of the descriptor table (little-endian; x86 only).
struct Descriptor {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};
static_assert(sizeof(Descriptor) == 16 && offsetof(Descriptor, len) == 8 && offsetof(Descriptor, next) == 14);

/// §2.7.8: one entry of the used ring.
struct UsedElement {
    uint32_t id;
    uint32_t len;
};
static_assert(sizeof(UsedElement) == 8);

/// §2.7.5 descriptor flags; §2.7.6 and §2.7.10 ring flags.
enum DescriptorFlag : uint16_t { DescNext = 1, DescWrite = 2, DescIndirect = 4 };
constexpr uint16_t kAvailNoInterrupt = 1; // VIRTQ_AVAIL_F_NO_INTERRUPT
constexpr uint16_t kUsedNoNotify = 1;     // VIRTQ_USED_F_NO_NOTIFY

/// §2.7.6 and §2.7.8: byte offsets in the available and used rings, both laid out as
/// le16 flags, le16 idx, ring[size] (le16 heads / UsedElement), le16 event word.
constexpr size_t kRingFlags = 0, kRingIndex = 2, kRingEntries = 4;

/// §2.7 table "Virtqueue Part Alignment": bytes and alignment of the three parts of a
/// queue of `size` entries (flags, index, ring, and the event word of §2.7.10).
constexpr size_t descriptor_table_bytes(uint16_t size) { return sizeof(Descriptor) * size; }
constexpr size_t avail_ring_bytes(uint16_t size) { return 6u + 2u * size; }
constexpr size_t used_ring_bytes(uint16_t size) { return 6u + sizeof(UsedElement) * size; }
constexpr size_t kDescriptorAlign = 16, kAvailAlign = 2, kUsedAlign = 4;

/// §5.2: virtio-blk. Feature bits (§5.2.3) Osprey uses.
enum BlkFeature : uint64_t {
    BlkFeatureSegMax = 1ull << 2,
    BlkFeatureReadOnly = 1ull << 5,
    BlkFeatureFlush = 1ull << 9,
};
/// §5.2.4: byte offsets in the configuration space.
constexpr uint32_t kBlkConfigCapacity = 0, kBlkConfigSegMax = 12;
/// §5.2.6: a request is this device-readable header, the data, then one device-writable
/// status byte. Sectors are always 512 bytes, whatever the disk's block size.
struct BlkRequestHeader {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};
static_assert(sizeof(BlkRequestHeader) == 16);
enum BlkRequestType : uint32_t { BlkRequestIn = 0, BlkRequestOut = 1, BlkRequestFlush = 4, BlkRequestGetId = 8 };
enum BlkStatus : uint8_t { BlkStatusOk = 0, BlkStatusIoError = 1, BlkStatusUnsupported = 2 };
constexpr size_t kBlkSectorSize = 512;

/// §5.11: virtio-9p (the 9P transport). One request queue; each chain holds a T-message
/// in its device-readable buffers and room for the R-message in its device-writable ones.
/// With VIRTIO_9P_F_MOUNT_TAG (§5.11.3) the configuration space (§5.11.4) is
/// tag_len (le16) then tag_len bytes of tag, not NUL-terminated.
constexpr uint64_t kNinePFeatureMountTag = 1ull << 0;
constexpr uint32_t kNinePConfigTagLength = 0, kNinePConfigTag = 2;

} // namespace virtio_wire
