#include <kernel/core/snapshot_hook.h>
#include <kernel/entropy/random_source.h>
#include <kernel/fs/console_file.h>
#include <kernel/fs/device_files.h>
#include <kernel/fs/node_file.h>

#include <fmt/format.h>

#include <cstring>
#include <new>

namespace fs {

namespace {

constexpr uint32_t device_number(uint32_t major, uint32_t minor) { return major << 8 | minor; }

enum class Device : uint32_t {
    Null = device_number(1, 3),
    Zero = device_number(1, 5),
    Full = device_number(1, 7),
    Random = device_number(1, 8),
    Urandom = device_number(1, 9),
    Tty = device_number(5, 0),
    Console = device_number(5, 1),
    // Osprey's own, in the misc major's local-use range (Linux devices.txt: 10, 240-254).
    SnapshotReady = device_number(10, 240),
};

struct DeviceNode {
    const char* name;
    Device device;
    uint32_t permissions;
};
constexpr DeviceNode kDevices[] = {
    { "null", Device::Null, 0666 },
    { "zero", Device::Zero, 0666 },
    { "full", Device::Full, 0666 },
    { "random", Device::Random, 0666 },
    { "urandom", Device::Urandom, 0666 },
    { "tty", Device::Tty, 0666 },
    { "console", Device::Console, 0600 },
    { "osprey-ready", Device::SnapshotReady, 0666 },
};
struct DeviceLink {
    const char* name;
    const char* target;
};
constexpr DeviceLink kLinks[] = {
    { "fd", "/proc/self/fd" },
    { "stdin", "/proc/self/fd/0" },
    { "stdout", "/proc/self/fd/1" },
    { "stderr", "/proc/self/fd/2" },
};

/// A character device on a /dev node: stat is the node's, seeking stays at 0 (as Linux's
/// memory devices), positioned reads and writes are the plain ones.
class NodeDevice : public File {
public:
    explicit NodeDevice(lib::RefPtr<vfs::Node> node) : m_node(static_cast<lib::RefPtr<vfs::Node>&&>(node)) { }

    lib::Result<size_t> pread(void* buffer, size_t length, uint64_t) override { return read(buffer, length); }
    lib::Result<size_t> pwrite(const void* buffer, size_t length, uint64_t) override { return write(buffer, length); }
    lib::Result<uint64_t> seek(int64_t, Whence) override { return uint64_t(0); } // Linux: always 0
    lib::Result<void> stat(LinuxStat& st) override
    {
        fill_stat(*m_node, st);
        return {};
    }
    vfs::Node* node() const override { return m_node.get(); }

private:
    lib::RefPtr<vfs::Node> m_node;
};

/// The memory devices: reads and writes without a backing store.
class MemoryDevice final : public NodeDevice {
public:
    MemoryDevice(lib::RefPtr<vfs::Node> node, Device device)
        : NodeDevice(static_cast<lib::RefPtr<vfs::Node>&&>(node)), m_device(device)
    {
    }

    size_t describe(char* out, size_t size) const override
    {
        for (const DeviceNode& device : kDevices)
            if (device.device == m_device) {
                auto written = fmt::format_to_n(out, size, "/dev/{}", device.name);
                return written.size < size ? written.size : size;
            }
        return copy_name("/dev/?", out, size);
    }

    lib::Result<size_t> read(void* buffer, size_t length) override
    {
        switch (m_device) {
        case Device::Null: return size_t(0);
        case Device::Random:
        case Device::Urandom: entropy::random_bytes(buffer, length); return length;
        default: // zero, full
            memset(buffer, 0, length);
            return length;
        }
    }
    lib::Result<size_t> write(const void*, size_t length) override
    {
        if (m_device == Device::Full)
            return lib::Error(lib::Errno::NOSPC, "/dev/full is always full");
        return length; // null and zero discard; random and urandom take it as entropy
    }

private:
    Device m_device;
};

/// /dev/osprey-ready: a write says the program has finished its own start-up, the point
/// of `osprey run --snapshot-at ready` (kernel/core/snapshot_hook.h). Reads see nothing.
class ReadyDevice final : public NodeDevice {
public:
    using NodeDevice::NodeDevice;

    size_t describe(char* out, size_t size) const override { return copy_name("/dev/osprey-ready", out, size); }
    lib::Result<size_t> read(void*, size_t) override { return size_t(0); }
    lib::Result<size_t> write(const void*, size_t length) override
    {
        core::snapshot_point_reached(snapshot_abi::SnapshotPoint::Ready);
        return length;
    }
};

} // namespace

lib::Result<void> populate_devices(vfs::Tree& tree, vfs::Node& dev)
{
    for (const DeviceNode& device : kDevices) {
        auto made
            = tree.create(dev, device.name, vfs::NodeType::CharDevice, device.permissions, {}, uint32_t(device.device));
        if (made.is_error() && made.error().code != lib::Errno::EXIST)
            return made.error();
    }
    for (const DeviceLink& link : kLinks) {
        auto made = tree.create(dev, link.name, vfs::NodeType::Symlink, 0777, link.target);
        if (made.is_error() && made.error().code != lib::Errno::EXIST)
            return made.error();
    }
    return {};
}

lib::Result<File*> open_device(lib::RefPtr<vfs::Node> node, int flags)
{
    File* file = nullptr;
    switch (Device(node->device())) {
    case Device::Null:
    case Device::Zero:
    case Device::Full:
    case Device::Random:
    case Device::Urandom: file = new (std::nothrow) MemoryDevice(node, Device(node->device())); break;
    case Device::Tty:
    case Device::Console: file = new (std::nothrow) ConsoleFile; break;
    case Device::SnapshotReady: file = new (std::nothrow) ReadyDevice(node); break;
    default: return lib::Error(lib::Errno::NXIO, "no driver for this device number");
    }
    if (!file)
        return lib::Errno::NOMEM;
    file->set_open_flags(flags);
    return file;
}

} // namespace fs
