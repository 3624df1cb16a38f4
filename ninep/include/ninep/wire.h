// The 9P2000.L wire format (the Linux dialect of Plan 9's file protocol, as QEMU's
// virtio-9p device and Linux's v9fs speak it): every message is size[4] type[1] tag[2]
// followed by the fields of its type, little-endian; a string is length[2] and bytes, a
// qid is type[1] version[4] path[8]. Portable: the kernel's client and the monitor's
// server both build and read messages with these two classes.
//
//   ninep::Writer out(buffer, ninep::Type::Twalk, tag);
//   out.u32(fid).u32(new_fid).u16(1).string(name);
//   auto request = TRY(out.finish());            // E2BIG if it did not fit
//   auto reply = TRY(ninep::Reader::open(bytes)); // EIO unless size[4] matches
//   uint16_t count = reply.u16();                 // reads past the end make finish() fail
//
// Field order per message: the 9P2000.L specification (diod's protocol.md) and Linux's
// include/net/9p/9p.h.
#pragma once

#include <lib/result.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace ninep {

/// The message types Osprey uses (T = request, R = its reply; R = T + 1).
enum class Type : uint8_t {
    Rlerror = 7,
    Tstatfs = 8,
    Rstatfs = 9,
    Tlopen = 12,
    Rlopen = 13,
    Tlcreate = 14,
    Rlcreate = 15,
    Tsymlink = 16,
    Rsymlink = 17,
    Tmknod = 18,
    Rmknod = 19,
    Treadlink = 22,
    Rreadlink = 23,
    Tgetattr = 24,
    Rgetattr = 25,
    Tsetattr = 26,
    Rsetattr = 27,
    Treaddir = 40,
    Rreaddir = 41,
    Tfsync = 50,
    Rfsync = 51,
    Tlink = 70,
    Rlink = 71,
    Tmkdir = 72,
    Rmkdir = 73,
    Trenameat = 74,
    Rrenameat = 75,
    Tunlinkat = 76,
    Runlinkat = 77,
    Tversion = 100,
    Rversion = 101,
    Tattach = 104,
    Rattach = 105,
    Tflush = 108, // oldtag[2]: Linux's client sends it when a waiting request is interrupted
    Rflush = 109,
    Twalk = 110,
    Rwalk = 111,
    Tread = 116,
    Rread = 117,
    Twrite = 118,
    Rwrite = 119,
    Tclunk = 120,
    Rclunk = 121,
};

constexpr std::string_view kVersion = "9P2000.L";
/// The tag of Tversion, and the fid that means "none" (Tattach's afid).
constexpr uint16_t kNoTag = 0xffff;
constexpr uint32_t kNoFid = 0xffffffff;
/// size[4] type[1] tag[2].
constexpr size_t kHeaderSize = 7;
/// Bytes of Rread/Twrite around the data: header, count[4] (Twrite: fid[4] offset[8] too).
constexpr size_t kReadOverhead = kHeaderSize + 4;
constexpr size_t kWriteOverhead = kHeaderSize + 4 + 8 + 4;
/// Most names in one Twalk (the protocol's MAXWELEM).
constexpr size_t kMaxWalkNames = 16;

/// qid.type bits.
constexpr uint8_t kQidDirectory = 0x80, kQidSymlink = 0x02;

/// Tgetattr's request mask: the basic stat fields (mode through blocks).
constexpr uint64_t kGetattrBasic = 0x7ff;

/// Tsetattr's valid bits (Linux's P9_ATTR_*).
enum SetattrBits : uint32_t {
    SetMode = 0x1,
    SetUid = 0x2,
    SetGid = 0x4,
    SetSize = 0x8,
    SetAtime = 0x10,
    SetMtime = 0x20,
    SetCtime = 0x40,
    SetAtimeGiven = 0x80, // the time in the message, not the server's now
    SetMtimeGiven = 0x100,
};

/// Tunlinkat's flag for a directory (Linux's AT_REMOVEDIR).
constexpr uint32_t kUnlinkDirectory = 0x200;

struct Qid {
    uint8_t type = 0;
    uint32_t version = 0;
    uint64_t path = 0; // unique per file on the server: the inode number
};

/// Rgetattr's fields (all of them travel; the mask says which are valid).
struct Attributes {
    uint64_t valid = 0;
    Qid qid;
    uint32_t mode = 0, uid = 0, gid = 0;
    uint64_t links = 0, rdev = 0, size = 0, block_size = 0, blocks = 0;
    uint64_t atime_sec = 0, atime_nsec = 0, mtime_sec = 0, mtime_nsec = 0, ctime_sec = 0, ctime_nsec = 0;
    uint64_t btime_sec = 0, btime_nsec = 0, generation = 0, data_version = 0;
};

/// Tsetattr's fields.
struct AttributeChange {
    uint32_t valid = 0; // SetattrBits
    uint32_t mode = 0, uid = 0, gid = 0;
    uint64_t size = 0;
    uint64_t atime_sec = 0, atime_nsec = 0, mtime_sec = 0, mtime_nsec = 0;
};

/// Rstatfs's fields.
struct FsStats {
    uint32_t type = 0, block_size = 0;
    uint64_t blocks = 0, blocks_free = 0, blocks_available = 0, files = 0, files_free = 0, fsid = 0;
    uint32_t name_length = 0;
};

/// Builds one message in a caller's buffer. Fields that do not fit make finish() fail;
/// nothing is written past the buffer.
class Writer {
public:
    Writer(std::span<std::byte> buffer, Type type, uint16_t tag);

    Writer& u8(uint8_t value);
    Writer& u16(uint16_t value);
    Writer& u32(uint32_t value);
    Writer& u64(uint64_t value);
    /// A string (at most 65535 bytes, else the message fails).
    Writer& string(std::string_view text);
    Writer& qid(const Qid& qid);
    Writer& bytes(std::span<const std::byte> data);
    Writer& attributes(const Attributes& attributes);

    /// Reserves `count` bytes for the caller to fill (Rread's data, Rreaddir's entries):
    /// their place in the buffer, or an empty span when they do not fit.
    std::span<std::byte> reserve(size_t count);
    size_t length() const { return m_length; }
    size_t room() const { return m_failed ? 0 : m_buffer.size() - m_length; }

    /// The message with its size filled in: E2BIG when something did not fit.
    lib::Result<std::span<const std::byte>> finish();

private:
    bool fits(size_t count);
    std::span<std::byte> m_buffer;
    size_t m_length = 0;
    bool m_failed = false;
};

/// Reads one message. A read past the end marks the reader failed (its value is then
/// meaningless: zero, a partial number or an empty string), so a caller reads all fields
/// and asks finish() once.
class Reader {
public:
    /// The message at the front of `bytes`: EIO when it is shorter than a header or its
    /// size field is below 7 or beyond `bytes` (bytes after it are ignored).
    static lib::Result<Reader> open(std::span<const std::byte> bytes);

    Type type() const { return m_type; }
    uint16_t tag() const { return m_tag; }

    uint8_t u8();
    uint16_t u16();
    uint32_t u32();
    uint64_t u64();
    std::string_view string();
    Qid qid();
    std::span<const std::byte> bytes(size_t count);
    Attributes attributes();
    size_t remaining() const { return m_failed ? 0 : m_message.size() - m_at; }

    /// EIO when a read ran past the end of the message.
    lib::Result<void> finish() const;

private:
    Reader(std::span<const std::byte> message) : m_message(message) { }
    const std::byte* take(size_t count);
    std::span<const std::byte> m_message;
    size_t m_at = kHeaderSize;
    bool m_failed = false;
    Type m_type = Type::Rlerror;
    uint16_t m_tag = 0;
};

} // namespace ninep
