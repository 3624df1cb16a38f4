// A 9P2000.L file server confined to one host directory (`--volume`), transport-free: the
// virtio-9p device (virtio/ninep.h) hands it each T-message and sends back the R-message
// it builds. Every request gets a reply: Rlerror with a Linux errno for anything refused
// (the host's errno passes through), EIO for a malformed message, EOPNOTSUPP for a type
// it does not serve. Confinement is host_node.h's; a read-only volume answers EROFS to
// every change. A hostile guest is bounded: at most `max_fids` fids (then EMFILE), msize
// at most kMaxMessageSize. Files are created as the monitor's own user; the guest's uid
// and gid are not applied (Tsetattr's chown is passed to the host, which may say EPERM).
//
//   auto server = TRY(NinepServer::open("/srv/data", VolumeAccess::ReadWrite));
//   std::span<const std::byte> reply = server.handle(request, reply_buffer);
#pragma once

#include "host_node.h"

#include <lib/result.h>
#include <ninep/wire.h>

#include <cstddef>
#include <span>
#include <string>
#include <unordered_map>

namespace monitor::volume {

enum class VolumeAccess { ReadOnly, ReadWrite };

/// The largest message either side may send (header included): Tversion's msize is
/// clamped to it.
inline constexpr uint32_t kMaxMessageSize = 512 * 1024;
/// The smallest msize a client may ask for (an Rgetattr and a directory entry must fit).
inline constexpr uint32_t kMinMessageSize = 4096;
/// Rlerror: header and ecode[4]; the least room a reply buffer must have.
inline constexpr size_t kErrorReplySize = ninep::kHeaderSize + 4;
inline constexpr size_t kDefaultMaxFids = 4096;

class NinepServer {
public:
    /// Serves the directory `path` (symlinks in `path` itself are the host user's and are
    /// followed). Errors: the host's errno (ENOENT, ENOTDIR, EACCES) with a message.
    static lib::Result<NinepServer> open(
        const std::string& path, VolumeAccess access, size_t max_fids = kDefaultMaxFids);

    /// Serves one T-message (`request`, bytes after its size field ignored) and builds its
    /// reply in `reply_buffer`, which the reply never exceeds (nor the negotiated msize).
    /// Returns the reply's bytes; empty only when `reply_buffer` is shorter than
    /// kErrorReplySize.
    std::span<const std::byte> handle(std::span<const std::byte> request, std::span<std::byte> reply_buffer);

    /// Ends the session as Tversion does: every fid clunked, msize back to the maximum
    /// (the virtio driver reset the device).
    void reset();

    size_t fid_count() const { return m_fids.size(); }
    uint32_t msize() const { return m_msize; }

private:
    struct Fid {
        Node node;
        Fd open; // after Tlopen or Tlcreate
    };
    /// The reply being built: the buffer (Tread fills its data in place) and its writer.
    struct Reply {
        std::span<std::byte> buffer;
        ninep::Writer out;
    };

    NinepServer(Node root, VolumeAccess access, size_t max_fids)
        : m_root(std::move(root)), m_root_id(NodeId::of(m_root.stat)), m_access(access), m_max_fids(max_fids)
    {
    }

    lib::Result<void> dispatch(ninep::Reader& in, Reply& reply);
    // Session and walking (ninep_server.cpp).
    lib::Result<void> version(ninep::Reader& in, Reply& reply);
    lib::Result<void> attach(ninep::Reader& in, Reply& reply);
    lib::Result<void> walk(ninep::Reader& in, Reply& reply);
    lib::Result<void> clunk(ninep::Reader& in, Reply& reply);
    // Reading and writing files (ninep_files.cpp).
    lib::Result<void> lopen(ninep::Reader& in, Reply& reply);
    lib::Result<void> lcreate(ninep::Reader& in, Reply& reply);
    lib::Result<void> read(ninep::Reader& in, Reply& reply);
    lib::Result<void> write(ninep::Reader& in, Reply& reply);
    lib::Result<void> readdir(ninep::Reader& in, Reply& reply);
    lib::Result<void> fsync(ninep::Reader& in, Reply& reply);
    lib::Result<void> statfs(ninep::Reader& in, Reply& reply);
    // Attributes (ninep_attributes.cpp).
    lib::Result<void> getattr(ninep::Reader& in, Reply& reply);
    lib::Result<void> setattr(ninep::Reader& in, Reply& reply);
    lib::Result<void> readlink(ninep::Reader& in, Reply& reply);
    // Changes to directories (ninep_changes.cpp).
    lib::Result<void> symlink(ninep::Reader& in, Reply& reply);
    lib::Result<void> mknod(ninep::Reader& in, Reply& reply);
    lib::Result<void> mkdir(ninep::Reader& in, Reply& reply);
    lib::Result<void> link(ninep::Reader& in, Reply& reply);
    lib::Result<void> renameat(ninep::Reader& in, Reply& reply);
    lib::Result<void> unlinkat(ninep::Reader& in, Reply& reply);

    /// The fid `number`: EBADF when there is none.
    lib::Result<Fid*> find(uint32_t number);
    /// The fid `number` opened for I/O: EBADF when it is not.
    lib::Result<Fid*> find_open(uint32_t number);
    /// The fid `number` as a directory to change: EBADF, ENOTDIR, EROFS (read-only).
    lib::Result<Fid*> find_directory_to_change(uint32_t number);
    /// Makes fid `number` (unused) hold `node`. Errors: EBADF (in use), EMFILE (the cap).
    lib::Result<Fid*> add(uint32_t number, Node node);
    /// EROFS on a read-only volume.
    lib::Result<void> check_writable() const;
    /// The qid of `name` in directory `dir`, just created: stat'ed without following it.
    lib::Result<ninep::Qid> created_qid(const Fid& dir, std::string_view name) const;

    Node m_root;
    NodeId m_root_id;
    VolumeAccess m_access;
    size_t m_max_fids;
    uint32_t m_msize = kMaxMessageSize;
    std::unordered_map<uint32_t, Fid> m_fids;
};

} // namespace monitor::volume
