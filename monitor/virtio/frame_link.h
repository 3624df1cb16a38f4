// The host end of the VM's virtio-net device: something that carries whole Ethernet frames.
//   TapLink    a host tap device (--net TAP): one read or write is one frame.
//   StreamLink a connected stream socket to passt (--net-user, monitor/passt.h): each
//              frame follows its length as a 32-bit big-endian word (QEMU's stream netdev
//              protocol, which passt speaks), so frames are cut out of a receive buffer.
// Neither owns its descriptor.
#pragma once

#include <lib/result.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace monitor::virtio {

/// The largest frame either end passes: a 65,520-byte MTU (passt's default) plus the
/// Ethernet header, rounded up.
inline constexpr size_t kMaxFrameSize = 65536;

class FrameLink {
public:
    virtual ~FrameLink() = default;
    /// The descriptor to poll(2) for POLLIN.
    virtual int fd() const = 0;
    /// The next whole frame into `frame` (at least kMaxFrameSize bytes): its size, or 0
    /// when none has come yet. Errors: the link is broken (the far end closed it, or sent
    /// what cannot be a frame); nothing more will come.
    virtual lib::Result<size_t> receive(std::span<uint8_t> frame) = 0;
    /// Sends one frame. A tap that is full drops it, as a NIC would.
    virtual void send(std::span<const uint8_t> frame) = 0;
};

class TapLink final : public FrameLink {
public:
    explicit TapLink(int fd) : m_fd(fd) { }
    int fd() const override { return m_fd; }
    lib::Result<size_t> receive(std::span<uint8_t> frame) override;
    void send(std::span<const uint8_t> frame) override;

private:
    int m_fd;
};

class StreamLink final : public FrameLink {
public:
    /// `fd`: a connected stream socket in blocking mode (receive never waits: it asks
    /// with MSG_DONTWAIT; send waits until the whole frame is written, which keeps the
    /// stream in step).
    explicit StreamLink(int fd);
    int fd() const override { return m_fd; }
    lib::Result<size_t> receive(std::span<uint8_t> frame) override;
    void send(std::span<const uint8_t> frame) override;

private:
    int m_fd;
    std::unique_ptr<uint8_t[]> m_buffer; // received bytes not yet taken: [m_start, m_end)
    size_t m_start = 0, m_end = 0;
    bool m_broken = false;
};

} // namespace monitor::virtio
