// Finding the virtio devices at boot: one virtio_mmio.device=<size>@<base>:<irq> kernel
// option per device (mmio_device_option.h), each window mapped uncached, checked and,
// for the device types Osprey drives (blk, rng, net, 9p), initialised. A device that fails is
// logged and left out; it never stops the boot.
#pragma once

#include <drivers/virtio/kernel/blk.h>
#include <drivers/virtio/kernel/net.h>
#include <drivers/virtio/kernel/ninep.h>
#include <drivers/virtio/kernel/rng.h>
#include <virtio/mmio_transport.h>

#include <span>
#include <string_view>

namespace virtio {

constexpr size_t kMaxMmioDevices = 32;
constexpr size_t kMaxBlockDevices = 4;
constexpr size_t kMaxNinepDevices = 8;

struct ProbedDevices {
    BlkDevice* blk[kMaxBlockDevices];
    size_t blk_count;
    RngDevice* rng;                       // the first entropy device
    NetDevice* net;                       // the first network device
    NinepDevice* ninep[kMaxNinepDevices]; // volumes' transports, told apart by tag
    size_t ninep_count;
};

/// Probes the devices named by `option_values` (the values of the virtio_mmio.device
/// options, in boot-line order). Call once, after mm::init.
void probe_mmio_devices(std::span<const std::string_view> option_values);

/// What probe_mmio_devices() brought up.
ProbedDevices& probed_devices();

/// The register window of the first device of type `id` that probe_mmio_devices() found,
/// or nullptr. For the ktests that drive a device against the rules, as a hostile guest
/// would; drivers go through their Transport.
RegisterIo* mmio_registers(DeviceId id);

} // namespace virtio
