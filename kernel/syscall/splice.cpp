// splice(2), tee(2) and vmsplice(2): moving bytes to and from pipes without the program
// copying them. Here the kernel copies them (through a buffer; Linux moves page
// references), with Linux's rules: one end of a splice is a pipe; a pipe takes no offset;
// SPLICE_F_NONBLOCK makes only the pipe's waits non-blocking; a call moves what one pipe
// holds at most (64 KiB) and waits only before anything moved. Nothing read is lost: a pipe
// is read by peeking and only what the other side took is taken from it, and a pipe to
// be written is waited on for room before its input is read, no more than the room.
#include <kernel/fs/fd_table.h>
#include <kernel/fs/pipe.h>
#include <kernel/syscall/syscall.h>
#include <kernel/syscall/syscall_util.h>

#include <cstdlib>

namespace sys {

namespace {

// splice(2) flags (include/linux/splice.h).
constexpr unsigned kSpliceMove = 1, kSpliceNonBlock = 2, kSpliceMore = 4, kSpliceGift = 8;
constexpr unsigned kSpliceFlags = kSpliceMove | kSpliceNonBlock | kSpliceMore | kSpliceGift;

/// The kernel's staging buffer for one call: a pipe's capacity.
class StagingBuffer {
public:
    StagingBuffer() : m_bytes(static_cast<char*>(malloc(fs::kPipeCapacity))) { }
    ~StagingBuffer() { free(m_bytes); }
    StagingBuffer(const StagingBuffer&) = delete;
    StagingBuffer& operator=(const StagingBuffer&) = delete;
    char* bytes() const { return m_bytes; }

private:
    char* m_bytes;
};

bool readable(const fs::File& file) { return (file.open_flags() & fs::kOpenAccessMask) != fs::kOpenWriteOnly; }
bool writable(const fs::File& file) { return (file.open_flags() & fs::kOpenAccessMask) != fs::kOpenReadOnly; }

/// The program's offset for a file that is not a pipe: null, or the value it points at
/// (EFAULT, EINVAL for a negative one).
lib::Result<int64_t*> checked_offset(int64_t* offset)
{
    if (!offset)
        return offset;
    TRY(check_user_range(offset, sizeof(*offset), UserAccess::Write));
    if (*offset < 0)
        return lib::Error(lib::Errno::INVAL, "negative offset");
    return offset;
}

/// From a pipe to a file or socket: peek, write, take what was written.
SysResult splice_from_pipe(fs::File& pipe, fs::File& out, int64_t* offset, size_t length, bool non_blocking)
{
    StagingBuffer buffer;
    if (!buffer.bytes())
        return lib::Error(lib::Errno::NOMEM, "no memory for a splice buffer");
    size_t seen = TRY(fs::read_pipe(pipe, buffer.bytes(), length, fs::PipeRead::Peek, non_blocking));
    if (seen == 0)
        return 0; // no writer left: end of file
    size_t written
        = offset ? TRY(out.pwrite(buffer.bytes(), seen, uint64_t(*offset))) : TRY(out.write(buffer.bytes(), seen));
    fs::drop_from_pipe(pipe, written);
    if (offset)
        *offset += int64_t(written);
    return long(written);
}

/// From a file or socket to a pipe: wait for room, read no more than it, write it all.
SysResult splice_to_pipe(fs::File& in, fs::File& pipe, int64_t* offset, size_t length, bool non_blocking)
{
    StagingBuffer buffer;
    if (!buffer.bytes())
        return lib::Error(lib::Errno::NOMEM, "no memory for a splice buffer");
    size_t room = TRY(fs::wait_for_pipe_room(pipe, non_blocking)); // EPIPE without a reader
    size_t want = length < room ? length : room;
    size_t got = offset ? TRY(in.pread(buffer.bytes(), want, uint64_t(*offset))) : TRY(in.read(buffer.bytes(), want));
    if (got == 0)
        return 0;
    // The room was there and only this thread ran since: a blocking write puts it all in.
    size_t written = TRY(fs::write_pipe(pipe, buffer.bytes(), got, false));
    if (offset)
        *offset += int64_t(written);
    return long(written);
}

} // namespace

SysResult splice(int in_fd, int64_t* in_offset, int out_fd, int64_t* out_offset, size_t length, unsigned flags)
{
    if (flags & ~kSpliceFlags)
        return lib::Error(lib::Errno::INVAL, "unknown splice flag");
    auto in = TRY(fs::descriptors().get(in_fd));
    auto out = TRY(fs::descriptors().get(out_fd));
    if (!readable(*in) || !writable(*out))
        return lib::Error(lib::Errno::BADF, "splice: a descriptor's access mode does not allow it");
    if (!in->is_pipe() && !out->is_pipe())
        return lib::Error(lib::Errno::INVAL, "splice: neither descriptor is a pipe");
    if ((in->is_pipe() && in_offset) || (out->is_pipe() && out_offset))
        return lib::Error(lib::Errno::SPIPE, "splice: an offset for a pipe");
    if (fs::same_pipe(*in, *out))
        return lib::Error(lib::Errno::INVAL, "splice: both ends are the same pipe");
    if (!out->is_pipe() && (out->open_flags() & fs::kOpenAppend))
        return lib::Error(lib::Errno::INVAL, "splice: the output is O_APPEND");
    int64_t* in_position = TRY(checked_offset(in_offset));
    int64_t* out_position = TRY(checked_offset(out_offset));
    size_t want = length < fs::kPipeCapacity ? length : fs::kPipeCapacity;
    if (want == 0)
        return 0;
    bool non_blocking = flags & kSpliceNonBlock;
    if (in->is_pipe())
        return splice_from_pipe(*in, *out, out_position, want, non_blocking);
    return splice_to_pipe(*in, *out, in_position, want, non_blocking);
}

SysResult tee(int in_fd, int out_fd, size_t length, unsigned flags)
{
    if (flags & ~kSpliceFlags)
        return lib::Error(lib::Errno::INVAL, "unknown tee flag");
    auto in = TRY(fs::descriptors().get(in_fd));
    auto out = TRY(fs::descriptors().get(out_fd));
    if (!in->is_pipe() || !out->is_pipe() || fs::same_pipe(*in, *out))
        return lib::Error(lib::Errno::INVAL, "tee: two different pipes");
    if (!readable(*in) || !writable(*out))
        return lib::Error(lib::Errno::BADF, "tee: a descriptor's access mode does not allow it");
    size_t want = length < fs::kPipeCapacity ? length : fs::kPipeCapacity;
    if (want == 0)
        return 0;
    bool non_blocking = flags & kSpliceNonBlock;
    StagingBuffer buffer;
    if (!buffer.bytes())
        return lib::Error(lib::Errno::NOMEM, "no memory for a tee buffer");
    size_t room = TRY(fs::wait_for_pipe_room(*out, non_blocking));
    size_t seen = TRY(fs::read_pipe(*in, buffer.bytes(), want < room ? want : room, fs::PipeRead::Peek, non_blocking));
    if (seen == 0)
        return 0;
    return long(TRY(fs::write_pipe(*out, buffer.bytes(), seen, false)));
}

SysResult vmsplice(int fd, const linux_abi::Iovec* iov, size_t count, unsigned flags)
{
    if (flags & ~kSpliceFlags)
        return lib::Error(lib::Errno::INVAL, "unknown vmsplice flag");
    if (count > 1024) // IOV_MAX
        return lib::Error(lib::Errno::INVAL, "too many iovecs");
    auto pipe = TRY(fs::descriptors().get(fd));
    if (!pipe->is_pipe())
        return lib::Error(lib::Errno::BADF, "vmsplice: not a pipe");
    bool into_pipe = writable(*pipe);
    TRY(check_user_range(iov, count * sizeof(*iov)));
    bool non_blocking = flags & kSpliceNonBlock;
    long total = 0;
    for (size_t i = 0; i < count; ++i) {
        TRY(check_user_range(iov[i].iov_base, iov[i].iov_len, into_pipe ? UserAccess::Read : UserAccess::Write));
        auto moved = into_pipe
            ? fs::write_pipe(*pipe, iov[i].iov_base, iov[i].iov_len, non_blocking || total != 0)
            : fs::read_pipe(*pipe, iov[i].iov_base, iov[i].iov_len, fs::PipeRead::Take, non_blocking || total != 0);
        if (moved.is_error())
            return total ? SysResult(total) : SysResult(moved.error());
        total += long(moved.value());
        if (moved.value() < iov[i].iov_len)
            break;
    }
    return total;
}

} // namespace sys
