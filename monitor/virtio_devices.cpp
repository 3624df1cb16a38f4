#include "virtio_devices.h"

#include "kernel_cmdline.h"
#include "virtio/blk.h"
#include "virtio/ninep.h"
#include "virtio/rng.h"

#include <algorithm>
#include <cstring>

#include <sys/resource.h>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

namespace monitor {

VirtioDevices::~VirtioDevices()
{
    m_transports.clear();
    m_devices.clear();
    for (int fd : m_fds)
        close(fd);
}

std::string VirtioDevices::add(
    std::unique_ptr<virtio::Device> device, const GuestMemory& memory, Bus& bus, RaiseIrq irq)
{
    size_t index = m_devices.size();
    if (index >= std::size(kVirtioIrqs))
        return "too many virtio devices (at most 5)";
    uint64_t base = kVirtioMmioBase + index * 0x1000;
    uint32_t line = kVirtioIrqs[index];
    auto transport = std::make_unique<virtio::MmioTransport>(*device, memory, [irq, line] { irq(line); });
    if (bus.add(base, virtio::kMmioSize, *transport).is_error())
        return "virtio-mmio register block overlaps another device";
    m_options.push_back(virtio_mmio_option(virtio::kMmioSize, base, line));
    m_devices.push_back(std::move(device));
    m_transports.push_back(std::move(transport));
    return "";
}

std::string VirtioDevices::create_net(const Options& options, const GuestMemory& memory, Bus& bus, RaiseIrq irq)
{
    std::vector<std::string> network_options;
    if (options.net_user) {
        auto passt = Passt::start(options.published);
        if (passt.is_error())
            return std::string("--net-user: ") + passt.error().message
                + (passt.error().code == lib::Errno::NOENT
                        ? ""
                        : std::string(" (") + strerror(int(passt.error().code)) + ")");
        m_passt = passt.release_value();
        m_link = std::make_unique<virtio::StreamLink>(m_passt->link_fd());
        namespace net = user_network; // the addresses passt was given, unless the command line has its own
        if (!names_guest_address(options.cmdline))
            network_options = { "net.ip=" + std::string(net::kGuestAddress) + "/"
                    + std::to_string(net::kGuestPrefixLength),
                "net.gateway=" + std::string(net::kGatewayAddress), "net.dns=" + std::string(net::kNameServerAddress) };
    } else {
        auto fd = virtio::NetDevice::open_tap(options.tap);
        if (fd.is_error())
            return "--net '" + options.tap + "': " + fd.error().message + " (" + strerror(int(fd.error().code)) + ")";
        m_fds.push_back(fd.value());
        m_link = std::make_unique<virtio::TapLink>(fd.value());
    }
    int wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake < 0)
        return "--net: cannot create an eventfd";
    m_fds.push_back(wake);
    constexpr std::array<uint8_t, 6> kMac { 0x02, 0x4f, 0x53, 0x50, 0x52, 0x01 }; // locally administered
    auto device = std::make_unique<virtio::NetDevice>(memory, *m_link, wake, options.mac.value_or(kMac));
    m_net = { device.get(), nullptr, m_link.get(), wake, m_passt.get() };
    if (auto error = add(std::move(device), memory, bus, irq); !error.empty())
        return error;
    m_net.transport = m_transports.back().get();
    m_options.insert(m_options.end(), network_options.begin(), network_options.end());
    return "";
}

namespace {

/// Fids each of `volumes` volumes may hold. Each fid holds up to two host descriptors, so
/// all of them together must fit the monitor's RLIMIT_NOFILE (raised to the hard limit
/// here: the soft one is ours to raise) with room for the monitor's own files; a guest
/// that opens more gets EMFILE from its volume, never the monitor's other devices.
size_t volume_fid_limit(size_t volumes)
{
    constexpr size_t kMonitorOwnFiles = 256, kDescriptorsPerFid = 2, kLeastFids = 64;
    struct rlimit files { };
    if (getrlimit(RLIMIT_NOFILE, &files) != 0)
        return kLeastFids;
    if (files.rlim_cur < files.rlim_max) {
        files.rlim_cur = files.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &files) != 0)
            (void)getrlimit(RLIMIT_NOFILE, &files);
    }
    size_t available = files.rlim_cur > kMonitorOwnFiles ? size_t(files.rlim_cur) - kMonitorOwnFiles : 0;
    size_t each = available / kDescriptorsPerFid / (volumes ? volumes : 1);
    // Fewer than kLeastFids would make the volume useless: then the limit is the user's
    // to raise (ulimit -n), and the monitor's own files may run short first.
    return std::clamp(each, kLeastFids, volume::kDefaultMaxFids);
}

} // namespace

std::string VirtioDevices::create_volume(
    const Options::Volume& volume, size_t max_fids, const GuestMemory& memory, Bus& bus, RaiseIrq irq)
{
    auto access = volume.read_only ? volume::VolumeAccess::ReadOnly : volume::VolumeAccess::ReadWrite;
    auto server = volume::NinepServer::open(volume.host_dir, access, max_fids);
    if (server.is_error())
        return "--volume " + volume.tag + ":" + volume.host_dir + ": " + server.error().message + " ("
            + strerror(int(server.error().code)) + "): give an existing directory you can read";
    return add(std::make_unique<virtio::NinePDevice>(memory, volume.tag, server.release_value()), memory, bus, irq);
}

std::string VirtioDevices::create(const Options& options, const GuestMemory& memory, Bus& bus, RaiseIrq irq)
{
    for (const Options::Disk& disk : options.disks) {
        int fd = open(disk.path.c_str(), (disk.read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC);
        struct stat st { };
        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
            if (fd >= 0)
                close(fd);
            return "disk '" + disk.path + "' not found, not a regular file, or not "
                + (disk.read_only ? "readable" : "writable");
        }
        m_fds.push_back(fd);
        auto mode = disk.read_only ? virtio::DiskMode::ReadOnly : virtio::DiskMode::ReadWrite;
        if (auto error
            = add(std::make_unique<virtio::BlockDevice>(memory, fd, uint64_t(st.st_size), mode), memory, bus, irq);
            !error.empty())
            return error;
    }
    if (!options.tap.empty() || options.net_user) {
        if (auto error = create_net(options, memory, bus, irq); !error.empty())
            return error;
    }
    size_t max_fids = options.volumes.empty() ? 0 : volume_fid_limit(options.volumes.size());
    for (const Options::Volume& volume : options.volumes) {
        if (auto error = create_volume(volume, max_fids, memory, bus, irq); !error.empty())
            return error;
    }
    if (options.rng)
        return add(std::make_unique<virtio::RngDevice>(memory), memory, bus, irq);
    return "";
}

void VirtioDevices::save(StateWriter& out) const
{
    out.u32(uint32_t(m_transports.size()));
    for (const auto& transport : m_transports)
        transport->save(out);
}

lib::Result<void> VirtioDevices::restore(StateReader& in)
{
    if (TRY(in.u32()) != m_transports.size())
        return lib::Error(lib::Errno::INVAL, "the snapshot has another set of virtio devices");
    for (auto& transport : m_transports)
        TRY(transport->restore(in));
    return {};
}

} // namespace monitor
