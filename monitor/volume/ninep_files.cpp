// Opening, reading and writing files and directories of a volume.
#include "ninep_server.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/statfs.h>
#include <unistd.h>

namespace monitor::volume {

namespace {

// The open(2) flags a guest's Tlopen/Tlcreate may ask for (9P2000.L sends Linux's values);
// the rest (O_PATH, O_TMPFILE, O_DIRECT, O_NOATIME, ...) are dropped, O_NOFOLLOW is added.
constexpr int kOpenFlags = O_ACCMODE | O_APPEND | O_TRUNC | O_DSYNC | O_SYNC | O_DIRECTORY | O_NONBLOCK;

bool changes_file(int flags) { return (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC); }

/// An Rreaddir entry: qid[13] offset[8] type[1] name[s].
size_t entry_size(size_t name_length) { return 13 + 8 + 1 + 2 + name_length; }

uint8_t qid_type_of(uint8_t d_type)
{
    return d_type == DT_DIR ? ninep::kQidDirectory : d_type == DT_LNK ? ninep::kQidSymlink : 0;
}

} // namespace

// Tlopen fid[4] flags[4] -> Rlopen qid[13] iounit[4].
lib::Result<void> NinepServer::lopen(ninep::Reader& in, Reply& reply)
{
    uint32_t number = in.u32();
    int flags = int(in.u32()) & kOpenFlags;
    TRY(in.finish());
    Fid* fid = TRY(find(number));
    if (fid->open)
        return lib::Error(lib::Errno::INVAL, "Tlopen of a fid already open");
    if (changes_file(flags))
        TRY(check_writable());
    fid->open = TRY(reopen(fid->node, flags));
    reply.out.qid(qid_of(fid->node.stat)).u32(m_msize - uint32_t(ninep::kWriteOverhead));
    return {};
}

// Tlcreate fid[4] name[s] flags[4] mode[4] gid[4] -> Rlcreate qid[13] iounit[4]: creates
// and opens `name` in directory `fid`, which then stands for the new file.
lib::Result<void> NinepServer::lcreate(ninep::Reader& in, Reply& reply)
{
    uint32_t number = in.u32();
    std::string_view name = in.string();
    int flags = int(in.u32()) & (kOpenFlags | O_EXCL);
    uint32_t mode = in.u32();
    in.u32(); // gid: files belong to the monitor's user
    TRY(in.finish());
    TRY(check_entry_name(name));
    Fid* fid = TRY(find_directory_to_change(number));
    if (fid->open)
        return lib::Error(lib::Errno::INVAL, "Tlcreate in a fid already open");
    // Without O_EXCL the name may be an existing FIFO (whose open would wait for a writer
    // and stall the device) or device node: open without waiting, then keep only a file.
    Fd opened = TRY(open_beneath(
        fid->node.fd.get(), name, (flags & ~O_DIRECTORY) | O_CREAT | O_NONBLOCK, permitted_mode(mode, S_IFREG)));
    struct stat st { };
    if (fstat(opened.get(), &st) != 0)
        return host_error("fstat of a new file failed");
    if (!S_ISREG(st.st_mode))
        return lib::Error(lib::Errno::ACCES, "Tlcreate of a name that is not a regular file");
    if (!(flags & O_NONBLOCK) && fcntl(opened.get(), F_SETFL, fcntl(opened.get(), F_GETFL) & ~O_NONBLOCK) != 0)
        return host_error("cannot clear O_NONBLOCK on a new file");
    int copy = fcntl(opened.get(), F_DUPFD_CLOEXEC, 0);
    if (copy < 0)
        return host_error("cannot duplicate a new file's descriptor");
    fid->node = TRY(node_of(Fd(copy)));
    fid->open = std::move(opened);
    reply.out.qid(qid_of(fid->node.stat)).u32(m_msize - uint32_t(ninep::kWriteOverhead));
    return {};
}

// Tread fid[4] offset[8] count[4] -> Rread count[4] data[count]: the data is read straight
// into the reply, then the header written in front of it.
lib::Result<void> NinepServer::read(ninep::Reader& in, Reply& reply)
{
    uint32_t number = in.u32();
    uint64_t offset = in.u64();
    uint32_t count = in.u32();
    TRY(in.finish());
    Fid* fid = TRY(find_open(number));
    if (offset > uint64_t(INT64_MAX))
        return lib::Error(lib::Errno::INVAL, "Tread beyond the largest file offset");
    size_t room = reply.buffer.size() - ninep::kReadOverhead; // handle() gave at least 11 bytes
    ssize_t n = pread(
        fid->open.get(), reply.buffer.data() + ninep::kReadOverhead, std::min<size_t>(count, room), off_t(offset));
    if (n < 0)
        return host_error("a volume read failed");
    reply.out.u32(uint32_t(n));
    reply.out.reserve(size_t(n)); // already filled
    return {};
}

// Twrite fid[4] offset[8] count[4] data[count] -> Rwrite count[4].
lib::Result<void> NinepServer::write(ninep::Reader& in, Reply& reply)
{
    uint32_t number = in.u32();
    uint64_t offset = in.u64();
    std::span<const std::byte> data = in.bytes(in.u32());
    TRY(in.finish());
    Fid* fid = TRY(find_open(number));
    TRY(check_writable());
    if (offset > uint64_t(INT64_MAX))
        return lib::Error(lib::Errno::INVAL, "Twrite beyond the largest file offset");
    ssize_t n = pwrite(fid->open.get(), data.data(), data.size(), off_t(offset));
    if (n < 0)
        return host_error("a volume write failed");
    reply.out.u32(uint32_t(n));
    return {};
}

// Treaddir fid[4] offset[8] count[4] -> Rreaddir count[4] entries. An entry's offset is the
// host directory's own cookie for the entry after it (getdents64's d_off), which the next
// Treaddir seeks to; offset 0 is the start. "." and ".." are listed as the host lists them,
// with ".." of the share's root shown as the root itself.
lib::Result<void> NinepServer::readdir(ninep::Reader& in, Reply& reply)
{
    uint32_t number = in.u32();
    uint64_t offset = in.u64();
    uint32_t count = in.u32();
    TRY(in.finish());
    Fid* fid = TRY(find_open(number));
    if (!S_ISDIR(fid->node.stat.st_mode))
        return lib::Error(lib::Errno::NOTDIR, "Treaddir of a fid that is not a directory");
    if (offset > uint64_t(INT64_MAX))
        return lib::Error(lib::Errno::INVAL, "Treaddir offset out of range");
    if (lseek(fid->open.get(), off_t(offset), SEEK_SET) < 0)
        return host_error("cannot seek a volume directory");
    std::span<std::byte> count_field = reply.out.reserve(4);
    size_t limit = std::min<size_t>(count, reply.out.room()), used = 0;
    bool is_root = NodeId::of(fid->node.stat) == m_root_id, full = false;
    alignas(8) std::byte listing[8192];
    while (!full) {
        ssize_t n = getdents64(fid->open.get(), listing, sizeof(listing));
        if (n < 0)
            return host_error("cannot list a volume directory");
        if (n == 0)
            break;
        for (ssize_t at = 0; at < n;) {
            auto* entry = reinterpret_cast<const dirent64*>(listing + at);
            std::string_view name(entry->d_name);
            if (used + entry_size(name.size()) > limit) {
                full = true;
                break;
            }
            ninep::Qid qid { qid_type_of(entry->d_type), 0, is_root && name == ".." ? m_root_id.ino : entry->d_ino };
            reply.out.qid(qid).u64(uint64_t(entry->d_off)).u8(entry->d_type).string(name);
            used += entry_size(name.size());
            at += entry->d_reclen;
        }
    }
    if (used == 0 && full)
        return lib::Error(lib::Errno::INVAL, "Treaddir count too small for one entry");
    for (size_t i = 0; i < 4 && count_field.size() == 4; ++i)
        count_field[i] = std::byte(used >> (8 * i));
    return {};
}

// Tfsync fid[4] datasync[4] -> Rfsync.
lib::Result<void> NinepServer::fsync(ninep::Reader& in, Reply&)
{
    uint32_t number = in.u32();
    uint32_t data_only = in.u32();
    TRY(in.finish());
    Fid* fid = TRY(find_open(number));
    if ((data_only ? fdatasync(fid->open.get()) : ::fsync(fid->open.get())) < 0)
        return host_error("a volume fsync failed");
    return {};
}

// Tstatfs fid[4] -> Rstatfs type[4] bsize[4] blocks[8] bfree[8] bavail[8] files[8]
// ffree[8] fsid[8] namelen[4].
lib::Result<void> NinepServer::statfs(ninep::Reader& in, Reply& reply)
{
    uint32_t number = in.u32();
    TRY(in.finish());
    Fid* fid = TRY(find(number));
    struct statfs st;
    if (fstatfs(fid->node.fd.get(), &st) < 0)
        return host_error("fstatfs of a volume failed");
    uint64_t fsid;
    memcpy(&fsid, &st.f_fsid, sizeof(fsid));
    reply.out.u32(uint32_t(st.f_type)).u32(uint32_t(st.f_bsize)).u64(st.f_blocks).u64(st.f_bfree).u64(st.f_bavail);
    reply.out.u64(st.f_files).u64(st.f_ffree).u64(fsid).u32(uint32_t(st.f_namelen));
    return {};
}

} // namespace monitor::volume
