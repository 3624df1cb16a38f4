// The 9P2000.L client behind a volume: vfs::RemoteFs over a Channel (the kernel's
// virtio-9p device; in host tests, a server called directly). One message at a time per
// call: each request is built in memory of its own and the channel serialises the
// exchanges, so calls from several threads may overlap (a caller that waits for the device
// gives up the big kernel lock).
#pragma once

#include <ninep/wire.h>
#include <vfs/remote_fs.h>

namespace ninep {

/// Carries one request to the server and its reply back.
class Channel {
public:
    virtual ~Channel() = default;
    /// Sends `request` and writes the reply into `reply`: the reply's length. EIO when the
    /// transport fails or the reply does not fit.
    virtual lib::Result<size_t> exchange(std::span<const std::byte> request, std::span<std::byte> reply) = 0;
    /// The largest message the channel carries either way.
    virtual size_t max_message() const = 0;
};

class Client final : public vfs::RemoteFs {
public:
    /// Negotiates the version and message size (Tversion) and attaches to the server's
    /// export `attach_name` (Tattach). EIO for a server that does not speak 9P2000.L,
    /// the server's errno for a refused attach, ENOMEM.
    static lib::Result<Client*> connect(Channel& channel, std::string_view attach_name);
    ~Client() override;

    /// Data bytes one Tread or Twrite carries (msize less the message around it).
    size_t io_unit() const { return m_message_size - kWriteOverhead; }

    lib::Result<vfs::RemoteHandle> root() override { return m_root; }
    lib::Result<vfs::RemoteHandle> walk(vfs::RemoteHandle dir, std::string_view name) override;
    void release(vfs::RemoteHandle handle) override;
    lib::Result<vfs::RemoteAttributes> attributes(vfs::RemoteHandle handle) override;
    lib::Result<void> change(vfs::RemoteHandle handle, const vfs::RemoteChange& change) override;
    lib::Result<size_t> read_link(vfs::RemoteHandle handle, char* out, size_t size) override;
    lib::Result<vfs::RemoteHandle> open(vfs::RemoteHandle node, uint32_t flags) override;
    lib::Result<size_t> read(vfs::RemoteHandle open, void* buffer, size_t length, uint64_t offset) override;
    lib::Result<size_t> write(vfs::RemoteHandle open, const void* buffer, size_t length, uint64_t offset) override;
    lib::Result<void> list(vfs::RemoteHandle open, uint64_t position, size_t wanted,
        bool (*emit)(void*, const vfs::ListedEntry&), void* context) override;
    lib::Result<void> sync(vfs::RemoteHandle open) override;
    lib::Result<vfs::RemoteHandle> create_file(
        vfs::RemoteHandle dir, std::string_view name, uint32_t permissions) override;
    lib::Result<void> make(vfs::RemoteHandle dir, std::string_view name, vfs::NodeType type, uint32_t permissions,
        std::string_view target) override;
    lib::Result<void> link(vfs::RemoteHandle dir, std::string_view name, vfs::RemoteHandle node) override;
    lib::Result<void> remove(vfs::RemoteHandle dir, std::string_view name, bool directory) override;
    lib::Result<void> rename(vfs::RemoteHandle from_dir, std::string_view from_name, vfs::RemoteHandle to_dir,
        std::string_view to_name) override;
    lib::Result<vfs::RemoteStats> stats(vfs::RemoteHandle handle) override;

private:
    explicit Client(Channel& channel) : m_channel(channel) { }
    class Call;

    lib::Result<uint32_t> new_fid();
    void free_fid(uint32_t fid);
    /// Gives back a fid whose request failed with `why`.
    void forget_fid(uint32_t fid, const lib::Error& why);
    /// A walk of `names` (0 names: a copy of the handle) into a new fid.
    lib::Result<uint32_t> walk_names(uint32_t from, std::string_view name);

    Channel& m_channel;
    size_t m_message_size = 0;
    uint32_t m_root = kNoFid;
    uint16_t m_next_tag = 0;
    // Fids: numbers below m_next_fid are in use unless on the free stack.
    uint32_t m_next_fid = 0;
    uint32_t* m_free_fids = nullptr;
    size_t m_free_count = 0, m_free_capacity = 0;
};

} // namespace ninep
