#include <ninep/client.h>

#include <cstdlib>
#include <cstring>
#include <new>

namespace ninep {

namespace {

// Linux open flags (Tlopen and Tlcreate carry them as they are).
constexpr uint32_t kOpenCreate = 0100, kOpenExclusive = 0200;
/// Where each message starts: a request that carries no data fits in this (two names of
/// 255 bytes and the fixed fields).
constexpr size_t kSmallMessage = 1024;
/// The message size we ask for; the channel's may be smaller.
constexpr size_t kWantedMessageSize = 1 << 20;

vfs::Timestamp timestamp(uint64_t seconds, uint64_t nanoseconds) { return { int64_t(seconds), int64_t(nanoseconds) }; }

/// An Rlopen's or Rlcreate's fields, qid[13] iounit[4], read (the iounit is not used: reads
/// and writes keep to msize).
lib::Result<void> finish_opened(lib::Result<Reader>& reply)
{
    if (reply.is_error())
        return reply.error();
    reply.value().qid();
    reply.value().u32();
    return reply.value().finish();
}

} // namespace

/// One request and its reply, each in memory of its own (freed with the call).
class Client::Call {
public:
    Call(Client& client, Type type, size_t request_room = kSmallMessage, size_t reply_room = kSmallMessage)
        : m_client(client), m_request(static_cast<std::byte*>(malloc(request_room))),
          m_reply(static_cast<std::byte*>(malloc(reply_room))), m_reply_room(reply_room), m_type(type),
          m_tag(type == Type::Tversion ? kNoTag : client.m_next_tag++ % kNoTag) // 9P: Tversion uses NOTAG
          ,
          m_out(std::span(m_request, m_request ? request_room : 0), type, m_tag)
    {
    }
    ~Call()
    {
        free(m_request);
        free(m_reply);
    }
    Call(const Call&) = delete;
    Call& operator=(const Call&) = delete;

    Writer& out() { return m_out; }

    /// Sends the request: the reply, positioned after its header. An Rlerror becomes its
    /// errno; a reply of the wrong type or tag is EIO.
    lib::Result<Reader> send()
    {
        if (!m_request || !m_reply)
            return lib::Error(lib::Errno::NOMEM, "no memory for a 9P message");
        auto request = TRY(m_out.finish());
        size_t length = TRY(m_client.m_channel.exchange(request, std::span(m_reply, m_reply_room)));
        auto reply = TRY(Reader::open(std::span<const std::byte>(m_reply, length)));
        if (reply.tag() != m_tag)
            return lib::Error(lib::Errno::IO, "a 9P reply for another request");
        if (reply.type() == Type::Rlerror) {
            uint32_t code = reply.u32();
            TRY(reply.finish());
            if (code == 0 || code > 4095)
                return lib::Error(lib::Errno::IO, "a 9P error reply without an errno");
            return lib::Error(lib::Errno(code), "the volume's host refused the request");
        }
        if (uint8_t(reply.type()) != uint8_t(m_type) + 1)
            return lib::Error(lib::Errno::IO, "a 9P reply of the wrong type");
        return reply;
    }

    /// send() for replies with no fields.
    lib::Result<void> send_expecting_nothing()
    {
        auto reply = TRY(send());
        return reply.finish();
    }

private:
    Client& m_client;
    std::byte* m_request;
    std::byte* m_reply;
    size_t m_reply_room;
    Type m_type;
    uint16_t m_tag;
    Writer m_out;
};

lib::Result<Client*> Client::connect(Channel& channel, std::string_view attach_name)
{
    auto* client = new (std::nothrow) Client(channel);
    if (!client)
        return lib::Error(lib::Errno::NOMEM, "no memory for a 9P client");
    auto ready = [&]() -> lib::Result<void> {
        size_t wanted = channel.max_message() < kWantedMessageSize ? channel.max_message() : kWantedMessageSize;
        Call version(*client, Type::Tversion);
        version.out().u32(uint32_t(wanted)).string(kVersion);
        auto reply = TRY(version.send());
        uint32_t size = reply.u32();
        std::string_view spoken = reply.string();
        TRY(reply.finish());
        if (spoken != kVersion)
            return lib::Error(lib::Errno::IO, "the volume's server does not speak 9P2000.L");
        if (size < 4096 || size > wanted)
            return lib::Error(lib::Errno::IO, "the volume's server chose an unusable message size");
        client->m_message_size = size;
        uint32_t fid = TRY(client->new_fid());
        Call attach(*client, Type::Tattach);
        attach.out().u32(fid).u32(kNoFid).string("root").string(attach_name).u32(0);
        auto attached = TRY(attach.send());
        attached.qid();
        TRY(attached.finish());
        client->m_root = fid;
        return {};
    }();
    if (ready.is_error()) {
        delete client;
        return ready.error();
    }
    return client;
}

Client::~Client() { free(m_free_fids); }

lib::Result<uint32_t> Client::new_fid()
{
    if (m_free_count > 0)
        return m_free_fids[--m_free_count];
    if (m_next_fid == kNoFid)
        return lib::Error(lib::Errno::NFILE, "out of 9P fids");
    return m_next_fid++;
}

void Client::forget_fid(uint32_t fid, const lib::Error& why)
{
    // An Rlerror says the server made no fid; after a reply we could not read (EIO) it
    // may have: clunk it, so that the number is free on both sides before it is reused.
    if (why.code == lib::Errno::IO)
        release(fid);
    else
        free_fid(fid);
}

void Client::free_fid(uint32_t fid)
{
    if (m_free_count == m_free_capacity) {
        size_t capacity = m_free_capacity ? 2 * m_free_capacity : 64;
        auto* grown = static_cast<uint32_t*>(realloc(m_free_fids, capacity * sizeof(uint32_t)));
        if (!grown)
            return; // the number is lost, not reused: harmless
        m_free_fids = grown;
        m_free_capacity = capacity;
    }
    m_free_fids[m_free_count++] = fid;
}

lib::Result<uint32_t> Client::walk_names(uint32_t from, std::string_view name)
{
    uint32_t fid = TRY(new_fid());
    Call walk(*this, Type::Twalk);
    walk.out().u32(from).u32(fid).u16(name.empty() ? 0 : 1);
    if (!name.empty())
        walk.out().string(name);
    auto reply = walk.send();
    if (reply.is_error()) {
        forget_fid(fid, reply.error());
        return reply.error();
    }
    uint16_t count = reply.value().u16();
    for (uint16_t i = 0; i < count && i < 1; ++i)
        reply.value().qid();
    auto done = reply.value().finish();
    if (done.is_error()) {
        forget_fid(fid, done.error());
        return done.error();
    }
    if (count != (name.empty() ? 0 : 1)) {
        free_fid(fid); // a short walk makes no fid
        return lib::Error(lib::Errno::NOENT, "no such file or directory");
    }
    return fid;
}

lib::Result<vfs::RemoteHandle> Client::walk(vfs::RemoteHandle dir, std::string_view name)
{
    if (name.empty() || name == "." || name == ".." || name.find('/') != std::string_view::npos)
        return lib::Error(lib::Errno::INVAL, "a 9P walk takes one plain name");
    return walk_names(dir, name);
}

void Client::release(vfs::RemoteHandle handle)
{
    Call clunk(*this, Type::Tclunk);
    clunk.out().u32(handle);
    (void)clunk.send_expecting_nothing(); // the fid is gone either way (9P: clunk always frees it)
    free_fid(handle);
}

lib::Result<vfs::RemoteAttributes> Client::attributes(vfs::RemoteHandle handle)
{
    Call getattr(*this, Type::Tgetattr);
    getattr.out().u32(handle).u64(kGetattrBasic);
    auto reply = TRY(getattr.send());
    Attributes a = reply.attributes();
    TRY(reply.finish());
    vfs::RemoteAttributes attributes;
    attributes.id = a.qid.path;
    attributes.mode = a.mode;
    attributes.uid = a.uid;
    attributes.gid = a.gid;
    attributes.links = a.links;
    attributes.size = a.size;
    attributes.blocks = a.blocks;
    attributes.device = a.rdev;
    attributes.access = timestamp(a.atime_sec, a.atime_nsec);
    attributes.modify = timestamp(a.mtime_sec, a.mtime_nsec);
    attributes.change = timestamp(a.ctime_sec, a.ctime_nsec);
    return attributes;
}

lib::Result<void> Client::change(vfs::RemoteHandle handle, const vfs::RemoteChange& change)
{
    uint32_t valid = 0;
    if (change.set_mode)
        valid |= SetMode;
    if (change.set_owner)
        valid |= SetUid | SetGid;
    if (change.set_size)
        valid |= SetSize;
    if (change.set_access)
        valid |= SetAtime | (change.access_now ? 0u : uint32_t(SetAtimeGiven));
    if (change.set_modify)
        valid |= SetMtime | (change.modify_now ? 0u : uint32_t(SetMtimeGiven));
    Call setattr(*this, Type::Tsetattr);
    setattr.out().u32(handle).u32(valid).u32(change.mode).u32(change.uid).u32(change.gid).u64(change.size);
    setattr.out().u64(uint64_t(change.access.seconds)).u64(uint64_t(change.access.nanoseconds));
    setattr.out().u64(uint64_t(change.modify.seconds)).u64(uint64_t(change.modify.nanoseconds));
    return setattr.send_expecting_nothing();
}

lib::Result<size_t> Client::read_link(vfs::RemoteHandle handle, char* out, size_t size)
{
    Call readlink(*this, Type::Treadlink, kSmallMessage, kHeaderSize + 2 + 4096);
    readlink.out().u32(handle);
    auto reply = TRY(readlink.send());
    std::string_view target = reply.string();
    TRY(reply.finish());
    if (target.size() > size)
        return lib::Error(lib::Errno::NAMETOOLONG, "a symlink target longer than its buffer");
    memcpy(out, target.data(), target.size());
    return target.size();
}

lib::Result<vfs::RemoteHandle> Client::open(vfs::RemoteHandle node, uint32_t flags)
{
    uint32_t fid = TRY(walk_names(node, {}));
    Call lopen(*this, Type::Tlopen);
    lopen.out().u32(fid).u32(flags);
    auto reply = lopen.send();
    if (auto done = finish_opened(reply); done.is_error()) {
        release(fid);
        return done.error();
    }
    return fid;
}

lib::Result<size_t> Client::read(vfs::RemoteHandle open, void* buffer, size_t length, uint64_t offset)
{
    size_t done = 0;
    while (done < length) {
        size_t want = length - done < io_unit() ? length - done : io_unit();
        Call read(*this, Type::Tread, kSmallMessage, kReadOverhead + want);
        read.out().u32(open).u64(offset + done).u32(uint32_t(want));
        auto reply = TRY(read.send());
        uint32_t count = reply.u32();
        auto data = reply.bytes(count);
        TRY(reply.finish());
        if (count > want)
            return lib::Error(lib::Errno::IO, "a 9P read answered with more than was asked");
        memcpy(static_cast<std::byte*>(buffer) + done, data.data(), count);
        done += count;
        if (count < want)
            break; // the end of the file
    }
    return done;
}

lib::Result<size_t> Client::write(vfs::RemoteHandle open, const void* buffer, size_t length, uint64_t offset)
{
    size_t done = 0;
    while (done < length) {
        size_t want = length - done < io_unit() ? length - done : io_unit();
        Call write(*this, Type::Twrite, kWriteOverhead + want);
        write.out().u32(open).u64(offset + done).u32(uint32_t(want));
        write.out().bytes(std::span(static_cast<const std::byte*>(buffer) + done, want));
        auto reply = write.send();
        if (reply.is_error() && done > 0)
            break; // a later chunk failed: report what was written, as write(2) does
        if (reply.is_error())
            return reply.error();
        uint32_t count = reply.value().u32();
        if (reply.value().finish().is_error() || count > want)
            return lib::Error(lib::Errno::IO, "a malformed 9P write reply");
        done += count;
        if (count < want)
            break;
    }
    return done;
}

lib::Result<void> Client::list(vfs::RemoteHandle open, uint64_t position, size_t wanted,
    bool (*emit)(void*, const vfs::ListedEntry&), void* context)
{
    // A 9P entry is 24 bytes and the name; the linux_dirent64 it becomes 19, the name and a
    // NUL rounded up to 8: at most 7/6 of the dirent's bytes (short names), so that much
    // fills the caller's buffer. musl's readdir takes 2 KiB at a time, and fetching the
    // rest of a large directory at each call would move it whole again and again.
    constexpr size_t kLeastWanted = 1024;
    size_t asked = wanted / 6 * 7;
    for (;;) {
        size_t want = wanted == 0 || asked > io_unit() ? io_unit() : asked < kLeastWanted ? kLeastWanted : asked;
        Call readdir(*this, Type::Treaddir, kSmallMessage, kReadOverhead + want);
        readdir.out().u32(open).u64(position).u32(uint32_t(want));
        auto reply = TRY(readdir.send());
        uint32_t count = reply.u32();
        if (count != reply.remaining())
            return lib::Error(lib::Errno::IO, "a 9P directory listing whose count does not match its bytes");
        if (count == 0)
            return {};
        while (reply.remaining() > 0) { // entries: qid[13] offset[8] type[1] name[s]
            uint64_t id = reply.qid().path, next = reply.u64();
            uint8_t type = reply.u8(); // passed on as Linux's v9fs does: DT_UNKNOWN makes programs stat
            std::string_view name = reply.string();
            TRY(reply.finish());
            if (name.empty())
                return lib::Error(lib::Errno::IO, "a 9P directory entry without a name");
            if (!emit(context, vfs::ListedEntry { name, id, type, next }))
                return {};
            position = next;
        }
    }
}

lib::Result<void> Client::sync(vfs::RemoteHandle open)
{
    Call fsync(*this, Type::Tfsync);
    fsync.out().u32(open).u32(0); // datasync 0: data and metadata
    return fsync.send_expecting_nothing();
}

lib::Result<vfs::RemoteHandle> Client::create_file(vfs::RemoteHandle dir, std::string_view name, uint32_t permissions)
{
    constexpr uint32_t kOpenReadWrite = 2, kGid = 0;
    uint32_t fid = TRY(walk_names(dir, {}));
    Call create(*this, Type::Tlcreate);
    create.out().u32(fid).string(name).u32(kOpenCreate | kOpenExclusive | kOpenReadWrite).u32(permissions).u32(kGid);
    auto reply = create.send();
    if (auto done = finish_opened(reply); done.is_error()) {
        release(fid); // the directory's copy (Tlcreate turns it into the file's only on success)
        return done.error();
    }
    return fid;
}

lib::Result<void> Client::make(
    vfs::RemoteHandle dir, std::string_view name, vfs::NodeType type, uint32_t permissions, std::string_view target)
{
    constexpr uint32_t kGid = 0;
    switch (type) {
    case vfs::NodeType::Directory: {
        Call mkdir(*this, Type::Tmkdir);
        mkdir.out().u32(dir).string(name).u32(permissions).u32(kGid);
        TRY(mkdir.send());
        return {};
    }
    case vfs::NodeType::Symlink: {
        Call symlink(*this, Type::Tsymlink, kSmallMessage + target.size());
        symlink.out().u32(dir).string(name).string(target).u32(kGid);
        TRY(symlink.send());
        return {};
    }
    case vfs::NodeType::Regular: break; // create_file
    case vfs::NodeType::Fifo:
    case vfs::NodeType::Socket:
    case vfs::NodeType::CharDevice: break; // FIRST CUT: no Tmknod (vfs::Tree refuses FIFOs and sockets)
    }
    return lib::Error(lib::Errno::PERM, "only directories and symlinks are made this way (files: create_file)");
}

lib::Result<void> Client::link(vfs::RemoteHandle dir, std::string_view name, vfs::RemoteHandle node)
{
    Call link(*this, Type::Tlink);
    link.out().u32(dir).u32(node).string(name);
    return link.send_expecting_nothing();
}

lib::Result<void> Client::remove(vfs::RemoteHandle dir, std::string_view name, bool directory)
{
    Call unlink(*this, Type::Tunlinkat);
    unlink.out().u32(dir).string(name).u32(directory ? kUnlinkDirectory : 0);
    return unlink.send_expecting_nothing();
}

lib::Result<void> Client::rename(
    vfs::RemoteHandle from_dir, std::string_view from_name, vfs::RemoteHandle to_dir, std::string_view to_name)
{
    Call rename(*this, Type::Trenameat);
    rename.out().u32(from_dir).string(from_name).u32(to_dir).string(to_name);
    return rename.send_expecting_nothing();
}

lib::Result<vfs::RemoteStats> Client::stats(vfs::RemoteHandle handle)
{
    Call statfs(*this, Type::Tstatfs);
    statfs.out().u32(handle);
    auto reply = TRY(statfs.send());
    vfs::RemoteStats stats;
    stats.type = reply.u32();
    stats.block_size = reply.u32();
    stats.blocks = reply.u64();
    stats.blocks_free = reply.u64();
    stats.blocks_available = reply.u64();
    stats.files = reply.u64();
    stats.files_free = reply.u64();
    stats.fsid = reply.u64();
    stats.name_length = reply.u32();
    TRY(reply.finish());
    return stats;
}

} // namespace ninep
