#include "ninep_server.h"

#include <algorithm>
#include <cerrno>
#include <fcntl.h>
#include <vector>

namespace monitor::volume {

using ninep::Type;

lib::Result<NinepServer> NinepServer::open(const std::string& path, VolumeAccess access, size_t max_fids)
{
    int fd = ::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return host_error("cannot open the volume's host directory");
    return NinepServer(TRY(node_of(Fd(fd))), access, max_fids);
}

std::span<const std::byte> NinepServer::handle(std::span<const std::byte> request, std::span<std::byte> reply_buffer)
{
    if (reply_buffer.size() < kErrorReplySize)
        return {};
    std::span<std::byte> room = reply_buffer.first(std::min<size_t>(reply_buffer.size(), m_msize));
    // The tag, when there is one, even for a message too malformed to open.
    uint16_t tag = request.size() >= ninep::kHeaderSize ? uint16_t(uint16_t(request[5]) | uint16_t(request[6]) << 8)
                                                        : ninep::kNoTag;
    lib::Result<void> served = lib::Error(lib::Errno::IO, "a malformed 9P message");
    if (auto in = ninep::Reader::open(request); !in.is_error()) {
        Reply reply { room, ninep::Writer(room, Type(uint8_t(in->type()) + 1), tag) };
        served = dispatch(*in, reply);
        if (!served.is_error()) {
            auto finished = reply.out.finish();
            if (!finished.is_error())
                return finished.value();
            served = finished.error();
        }
    }
    ninep::Writer error(room, Type::Rlerror, tag);
    return error.u32(uint32_t(served.error().code)).finish().value(); // 11 bytes always fit
}

void NinepServer::reset()
{
    m_fids.clear();
    m_msize = kMaxMessageSize;
}

lib::Result<void> NinepServer::dispatch(ninep::Reader& in, Reply& reply)
{
    switch (in.type()) {
    case Type::Tversion: return version(in, reply);
    case Type::Tattach: return attach(in, reply);
    case Type::Tflush: return in.u16(), in.finish(); // every request was answered before this one
    case Type::Twalk: return walk(in, reply);
    case Type::Tclunk: return clunk(in, reply);
    case Type::Tlopen: return lopen(in, reply);
    case Type::Tlcreate: return lcreate(in, reply);
    case Type::Tread: return read(in, reply);
    case Type::Twrite: return write(in, reply);
    case Type::Treaddir: return readdir(in, reply);
    case Type::Tfsync: return fsync(in, reply);
    case Type::Tstatfs: return statfs(in, reply);
    case Type::Tgetattr: return getattr(in, reply);
    case Type::Tsetattr: return setattr(in, reply);
    case Type::Treadlink: return readlink(in, reply);
    case Type::Tsymlink: return symlink(in, reply);
    case Type::Tmknod: return mknod(in, reply);
    case Type::Tmkdir: return mkdir(in, reply);
    case Type::Tlink: return link(in, reply);
    case Type::Trenameat: return renameat(in, reply);
    case Type::Tunlinkat: return unlinkat(in, reply);
    default: return lib::Error(lib::Errno::NOTSUP, "a 9P message type this server does not serve");
    }
}

// Tversion msize[4] version[s] -> Rversion msize[4] version[s]. It also ends the session.
lib::Result<void> NinepServer::version(ninep::Reader& in, Reply& reply)
{
    uint32_t msize = in.u32();
    std::string_view version = in.string();
    TRY(in.finish());
    if (msize < kMinMessageSize)
        return lib::Error(lib::Errno::INVAL, "Tversion asks for an msize below 4096");
    reset();
    m_msize = std::min(msize, kMaxMessageSize);
    reply.out.u32(m_msize).string(version == ninep::kVersion ? ninep::kVersion : "unknown");
    return {};
}

// Tattach fid[4] afid[4] uname[s] aname[s] n_uname[4] -> Rattach qid. There is one tree and
// no authentication: the names are not used.
lib::Result<void> NinepServer::attach(ninep::Reader& in, Reply& reply)
{
    uint32_t fid = in.u32();
    in.u32(), in.string(), in.string(), in.u32();
    TRY(in.finish());
    Fid* attached = TRY(add(fid, TRY(duplicate(m_root))));
    reply.out.qid(qid_of(attached->node.stat));
    return {};
}

// Twalk fid[4] newfid[4] nwname[2] wname[s]... -> Rwalk nwqid[2] qid... A walk that fails
// at its first name is an error; one that fails later returns the qids it found and
// leaves newfid unused (9P's walk(5)).
lib::Result<void> NinepServer::walk(ninep::Reader& in, Reply& reply)
{
    uint32_t fid = in.u32(), new_fid = in.u32();
    uint16_t count = in.u16();
    if (count > ninep::kMaxWalkNames)
        return lib::Error(lib::Errno::INVAL, "Twalk with more than 16 names");
    std::string_view names[ninep::kMaxWalkNames];
    for (size_t i = 0; i < count; ++i)
        names[i] = in.string();
    TRY(in.finish());
    Fid* from = TRY(find(fid));
    if (new_fid != fid && m_fids.contains(new_fid))
        return lib::Error(lib::Errno::BADF, "Twalk's newfid is in use");
    Node at = TRY(duplicate(from->node));
    std::vector<ninep::Qid> qids;
    for (size_t i = 0; i < count; ++i) {
        auto next = lookup(at, names[i], m_root, m_root_id);
        if (next.is_error() && i == 0)
            return next.error();
        if (next.is_error())
            break;
        at = next.release_value();
        qids.push_back(qid_of(at.stat));
    }
    if (qids.size() == count) {
        if (new_fid == fid)
            *from = Fid { std::move(at), {} };
        else
            TRY(add(new_fid, std::move(at)));
    }
    reply.out.u16(uint16_t(qids.size()));
    for (const ninep::Qid& qid : qids)
        reply.out.qid(qid);
    return {};
}

// Tclunk fid[4] -> Rclunk.
lib::Result<void> NinepServer::clunk(ninep::Reader& in, Reply&)
{
    uint32_t fid = in.u32();
    TRY(in.finish());
    if (!m_fids.erase(fid))
        return lib::Error(lib::Errno::BADF, "Tclunk of an unknown fid");
    return {};
}

lib::Result<NinepServer::Fid*> NinepServer::find(uint32_t number)
{
    auto found = m_fids.find(number);
    if (found == m_fids.end())
        return lib::Error(lib::Errno::BADF, "a 9P request names an unknown fid");
    return &found->second;
}

lib::Result<NinepServer::Fid*> NinepServer::find_open(uint32_t number)
{
    Fid* fid = TRY(find(number));
    if (!fid->open)
        return lib::Error(lib::Errno::BADF, "a 9P read or write on a fid that is not open");
    return fid;
}

lib::Result<NinepServer::Fid*> NinepServer::find_directory_to_change(uint32_t number)
{
    Fid* fid = TRY(find(number));
    if (!S_ISDIR(fid->node.stat.st_mode))
        return lib::Error(lib::Errno::NOTDIR, "a 9P request changes entries of a non-directory");
    TRY(check_writable());
    return fid;
}

lib::Result<NinepServer::Fid*> NinepServer::add(uint32_t number, Node node)
{
    if (m_fids.contains(number) || number == ninep::kNoFid)
        return lib::Error(lib::Errno::BADF, "a 9P request's new fid is in use");
    if (m_fids.size() >= m_max_fids)
        return lib::Error(lib::Errno::MFILE, "the guest holds as many 9P fids as a volume allows");
    return &m_fids.emplace(number, Fid { std::move(node), {} }).first->second;
}

lib::Result<void> NinepServer::check_writable() const
{
    if (m_access == VolumeAccess::ReadOnly)
        return lib::Error(lib::Errno::ROFS, "the volume is read-only");
    return {};
}

lib::Result<ninep::Qid> NinepServer::created_qid(const Fid& dir, std::string_view name) const
{
    struct stat st;
    if (fstatat(dir.node.fd.get(), std::string(name).c_str(), &st, AT_SYMLINK_NOFOLLOW) < 0)
        return host_error("cannot stat a node just created in a volume");
    return qid_of(st);
}

} // namespace monitor::volume
