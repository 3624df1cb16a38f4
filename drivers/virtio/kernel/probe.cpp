#include <drivers/virtio/kernel/probe.h>

#include <drivers/virtio/kernel/mmio_window.h>
#include <kernel/console/log.h>

#include <virtio/mmio_device_option.h>

#include <optional>

namespace virtio {

namespace {

// Static storage: the kernel heap is not needed for a handful of devices. All of these
// types are trivially destructible, so no global constructor or destructor runs.
MmioWindow g_windows[kMaxMmioDevices];
MmioTransport g_transports[kMaxMmioDevices];
DeviceInterrupt g_interrupts[kMaxMmioDevices];
std::optional<BlkDevice> g_blk[kMaxBlockDevices];
std::optional<RngDevice> g_rng;
std::optional<NetDevice> g_net;
std::optional<NinepDevice> g_ninep[kMaxNinepDevices];
ProbedDevices g_probed;
size_t g_used;

void warn(const MmioDeviceOption& where, const char* what, const lib::Error& error)
{
    klog::warn(klog::Subsystem::Virtio, "mmio {:#x}: {}: {} ({})", where.base, what, error.message,
        lib::errno_name(error.code));
}

void start_block(const MmioDeviceOption& where, Transport& transport, DeviceInterrupt& interrupt)
{
    if (g_probed.blk_count == kMaxBlockDevices)
        return klog::warn(
            klog::Subsystem::Virtio, "mmio {:#x}: more than {} block devices; ignored", where.base, kMaxBlockDevices);
    auto& device = g_blk[g_probed.blk_count].emplace();
    if (auto ready = device.init(transport, &interrupt); ready.is_error())
        return warn(where, "virtio-blk", ready.error());
    g_probed.blk[g_probed.blk_count++] = &device;
    klog::info(klog::Subsystem::Virtio, "mmio {:#x} irq {}: virtio-blk{}, {} sectors ({} KiB){}{}", where.base,
        where.irq, g_probed.blk_count - 1, device.capacity_sectors(), device.capacity_sectors() / 2,
        device.read_only() ? ", read-only" : "", device.flush_offered() ? ", flush" : "");
}

void start_rng(const MmioDeviceOption& where, Transport& transport, DeviceInterrupt& interrupt)
{
    if (g_probed.rng)
        return klog::warn(klog::Subsystem::Virtio, "mmio {:#x}: second entropy device ignored", where.base);
    auto& device = g_rng.emplace();
    if (auto ready = device.init(transport, &interrupt); ready.is_error())
        return warn(where, "virtio-rng", ready.error());
    g_probed.rng = &device;
    klog::info(klog::Subsystem::Virtio, "mmio {:#x} irq {}: virtio-rng, feeding getrandom", where.base, where.irq);
}

void start_net(const MmioDeviceOption& where, Transport& transport, DeviceInterrupt& interrupt)
{
    if (g_probed.net)
        return klog::warn(klog::Subsystem::Virtio, "mmio {:#x}: second network device ignored", where.base);
    auto& device = g_net.emplace();
    if (auto ready = device.init(transport, &interrupt); ready.is_error())
        return warn(where, "virtio-net", ready.error());
    g_probed.net = &device;
    const uint8_t* mac = device.mac();
    klog::info(klog::Subsystem::Virtio, "mmio {:#x} irq {}: virtio-net, MAC {:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
        where.base, where.irq, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
}

void start_ninep(const MmioDeviceOption& where, Transport& transport, DeviceInterrupt& interrupt)
{
    if (g_probed.ninep_count == kMaxNinepDevices)
        return klog::warn(
            klog::Subsystem::Virtio, "mmio {:#x}: more than {} 9p devices; ignored", where.base, kMaxNinepDevices);
    auto& device = g_ninep[g_probed.ninep_count].emplace();
    if (auto ready = device.init(transport, &interrupt); ready.is_error())
        return warn(where, "virtio-9p", ready.error());
    g_probed.ninep[g_probed.ninep_count++] = &device;
    klog::info(klog::Subsystem::Virtio, "mmio {:#x} irq {}: virtio-9p, tag {}", where.base, where.irq, device.tag());
}

void probe_one(const MmioDeviceOption& where)
{
    if (g_used == kMaxMmioDevices)
        return klog::warn(
            klog::Subsystem::Virtio, "mmio {:#x}: more than {} devices; ignored", where.base, kMaxMmioDevices);
    MmioWindow& window = g_windows[g_used];
    MmioTransport& transport = g_transports[g_used];
    if (auto mapped = window.map(where.base, uint32_t(where.size)); mapped.is_error())
        return warn(where, "cannot map the registers", mapped.error());
    if (auto attached = transport.attach(window, uint32_t(where.size)); attached.is_error())
        return warn(where, "no usable device", attached.error());
    DeviceInterrupt& interrupt = g_interrupts[g_used];
    interrupt.attach(transport, where.irq);
    ++g_used;
    switch (transport.device_id()) {
    case DeviceId::Block: return start_block(where, transport, interrupt);
    case DeviceId::Entropy: return start_rng(where, transport, interrupt);
    case DeviceId::Net: return start_net(where, transport, interrupt);
    case DeviceId::NineP: return start_ninep(where, transport, interrupt);
    default:
        klog::info(klog::Subsystem::Virtio, "mmio {:#x}: virtio device id {} has no driver; left alone", where.base,
            uint32_t(transport.device_id()));
    }
}

} // namespace

void probe_mmio_devices(std::span<const std::string_view> option_values)
{
    for (std::string_view value : option_values) {
        auto where = parse_mmio_device_option(value);
        if (where.is_error()) {
            klog::warn(klog::Subsystem::Virtio, "ignoring virtio_mmio.device={}: {}", value, where.error().message);
            continue;
        }
        probe_one(where.value());
    }
}

ProbedDevices& probed_devices() { return g_probed; }

RegisterIo* mmio_registers(DeviceId id)
{
    for (size_t i = 0; i < g_used; ++i)
        if (g_transports[i].device_id() == id)
            return &g_windows[i];
    return nullptr;
}

} // namespace virtio
