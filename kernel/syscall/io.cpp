// Data transfer: read/write and their vector and positioned forms, lseek. Every descriptor
// is an fs::File (kernel/fs/file.h); fds 0-2 start on the console, whose reads return end
// of file and whose positioned transfers fail with ESPIPE.
#include <kernel/fs/fd_table.h>
#include <kernel/syscall/syscall.h>
#include <kernel/syscall/syscall_util.h>

#include <cstdlib>

namespace sys {

namespace {

constexpr int kMaxIovecs = 1024;             // IOV_MAX
constexpr size_t kMaxTransfer = 0x7fff'f000; // MAX_RW_COUNT: Linux caps one transfer here

lib::Result<void> check_iovecs(const abi::Iovec* iov, int count, UserAccess access)
{
    if (count < 0 || count > kMaxIovecs)
        return lib::Error(lib::Errno::INVAL, "bad iovec count");
    TRY(check_user_range(iov, size_t(count) * sizeof(abi::Iovec)));
    for (int i = 0; i < count; ++i)
        TRY(check_user_range(iov[i].iov_base, iov[i].iov_len, access));
    return {};
}

size_t capped(size_t length) { return length < kMaxTransfer ? length : kMaxTransfer; }

/// readv/writev: `transfer` each buffer in turn; stops after a short transfer, as Linux
/// does. An error after some bytes moved returns the count instead.
template<typename Transfer> SysResult transfer_vector(const abi::Iovec* iov, int count, Transfer&& transfer)
{
    long total = 0;
    for (int i = 0; i < count; ++i) {
        auto done = transfer(iov[i]);
        if (done.is_error())
            return total ? SysResult(total) : SysResult(done.error());
        total += long(done.value());
        if (done.value() < iov[i].iov_len)
            break;
    }
    return total;
}

} // namespace

// Each transfer holds a counted reference to the file: a pipe read may block, and another
// thread may close the descriptor meanwhile.
SysResult read(int fd, void* buffer, size_t length)
{
    auto file = TRY(fs::descriptors().get(fd));
    TRY(check_user_range(buffer, length, UserAccess::Write));
    return long(TRY(file->read(buffer, capped(length))));
}

SysResult write(int fd, const void* buffer, size_t length)
{
    auto file = TRY(fs::descriptors().get(fd));
    TRY(check_user_range(buffer, length));
    return long(TRY(file->write(buffer, capped(length))));
}

SysResult readv(int fd, const abi::Iovec* iov, int count)
{
    auto file = TRY(fs::descriptors().get(fd));
    TRY(check_iovecs(iov, count, UserAccess::Write));
    // Only the first buffer may wait for data: once some came, a later buffer takes what
    // is there and no more (musl's stdio reads a pipe into the caller's buffer and its own).
    bool got_some = false;
    return transfer_vector(iov, count, [&](const abi::Iovec& v) -> lib::Result<size_t> {
        if (got_some && v.iov_len && !(file->poll_events(fs::PollIn) & fs::PollIn))
            return size_t(0);
        size_t done = TRY(file->read(v.iov_base, capped(v.iov_len)));
        got_some = got_some || done;
        return done;
    });
}

SysResult writev(int fd, const abi::Iovec* iov, int count)
{
    auto file = TRY(fs::descriptors().get(fd));
    TRY(check_iovecs(iov, count, UserAccess::Read));
    // KNOWN LIMITATION: each buffer is its own write, so PIPE_BUF atomicity holds per
    // buffer, not for the whole writev as on Linux.
    return transfer_vector(
        iov, count, [&file](const abi::Iovec& v) { return file->write(v.iov_base, capped(v.iov_len)); });
}

SysResult pread64(int fd, void* buffer, size_t length, int64_t offset)
{
    auto file = TRY(fs::descriptors().get(fd));
    if (offset < 0)
        return lib::Error(lib::Errno::INVAL, "negative offset");
    TRY(check_user_range(buffer, length, UserAccess::Write));
    return long(TRY(file->pread(buffer, capped(length), uint64_t(offset))));
}

SysResult pwrite64(int fd, const void* buffer, size_t length, int64_t offset)
{
    auto file = TRY(fs::descriptors().get(fd));
    if (offset < 0)
        return lib::Error(lib::Errno::INVAL, "negative offset");
    TRY(check_user_range(buffer, length));
    return long(TRY(file->pwrite(buffer, capped(length), uint64_t(offset))));
}

namespace {

constexpr int kRwfHipri = 1, kRwfDsync = 2, kRwfSync = 4, kRwfNowait = 8, kRwfAppend = 16;

lib::Result<void> check_rwf_flags(int flags, bool writing)
{
    if (flags & ~(kRwfHipri | kRwfDsync | kRwfSync | kRwfNowait | kRwfAppend))
        return lib::Error(lib::Errno::NOTSUP, "unknown RWF_* flag");
    if (flags & kRwfNowait)
        return lib::Error(lib::Errno::NOTSUP, "RWF_NOWAIT: no file here offers per-call non-blocking I/O");
    if ((flags & kRwfAppend) && !writing)
        return lib::Error(lib::Errno::NOTSUP, "RWF_APPEND on a read");
    return {};
}

/// The positioned vector transfer: `transfer(file, buffer, position)` for each buffer,
/// the position advancing by what moved.
template<typename Transfer>
SysResult positioned_vector(fs::File& file, const abi::Iovec* iov, int count, uint64_t position, Transfer&& transfer)
{
    return transfer_vector(iov, count, [&](const abi::Iovec& v) -> lib::Result<size_t> {
        size_t done = TRY(transfer(file, v, position));
        position += done;
        return done;
    });
}

} // namespace

SysResult preadv2(int fd, const abi::Iovec* iov, int count, int64_t offset, int flags, bool v2)
{
    TRY(check_rwf_flags(flags, false));
    if (v2 && offset == -1)
        return readv(fd, iov, count);
    auto file = TRY(fs::descriptors().get(fd));
    if (offset < 0)
        return lib::Error(lib::Errno::INVAL, "negative offset");
    TRY(check_iovecs(iov, count, UserAccess::Write));
    return positioned_vector(*file, iov, count, uint64_t(offset),
        [](fs::File& f, const abi::Iovec& v, uint64_t at) { return f.pread(v.iov_base, capped(v.iov_len), at); });
}

SysResult pwritev2(int fd, const abi::Iovec* iov, int count, int64_t offset, int flags, bool v2)
{
    TRY(check_rwf_flags(flags, true));
    auto file = TRY(fs::descriptors().get(fd));
    if (flags & kRwfAppend) { // at the end, whatever the offset; -1 still moves the position
        fs::LinuxStat st {};
        TRY(file->stat(st));
        if (offset == -1)
            TRY(file->seek(0, fs::Whence::End));
        else
            offset = st.st_size;
    }
    if (v2 && offset == -1)
        return writev(fd, iov, count);
    if (offset < 0)
        return lib::Error(lib::Errno::INVAL, "negative offset");
    TRY(check_iovecs(iov, count, UserAccess::Read));
    return positioned_vector(*file, iov, count, uint64_t(offset),
        [](fs::File& f, const abi::Iovec& v, uint64_t at) { return f.pwrite(v.iov_base, capped(v.iov_len), at); });
}

SysResult lseek(int fd, int64_t offset, int whence)
{
    auto file = TRY(fs::descriptors().get(fd));
    if (whence < 0 || whence > 2)
        return lib::Error(lib::Errno::INVAL, "bad whence");
    return long(TRY(file->seek(offset, fs::Whence(whence))));
}

} // namespace sys

namespace sys {

namespace {

/// Copies up to `count` bytes from `in` at `offset` (which advances by what was written)
/// to `out` through a kernel buffer, a chunk at a time; stops early when a read comes back
/// short or a write is partial. Returns the bytes copied, or the first error when nothing
/// was.
lib::Result<size_t> copy_between(fs::File& in, fs::File& out, uint64_t& offset, size_t count)
{
    constexpr size_t kChunk = 64 * 1024;
    auto* buffer = static_cast<char*>(malloc(kChunk));
    if (!buffer)
        return lib::Error(lib::Errno::NOMEM, "no memory for a copy buffer");
    size_t done = 0;
    lib::Error failure(lib::Errno(0));
    while (done < count) {
        size_t want = count - done < kChunk ? count - done : kChunk;
        auto got = in.pread(buffer, want, offset);
        if (got.is_error() || got.value() == 0) {
            if (got.is_error())
                failure = got.error();
            break;
        }
        auto put = out.write(buffer, got.value());
        if (put.is_error()) {
            failure = put.error();
            break;
        }
        done += put.value();
        offset += put.value();
        if (put.value() < got.value() || got.value() < want)
            break; // a short write or the end of the input
    }
    free(buffer);
    if (done == 0 && failure.code != lib::Errno(0))
        return failure;
    return done;
}

/// The checks both copies share (EBADF for a descriptor of the wrong access mode, EFAULT,
/// EINVAL for a negative offset), then copy_between from the program's `*offset` (written
/// back as it advanced) or from `in`'s own position when `offset` is null.
SysResult copy_for_program(fs::File& in, fs::File& out, int64_t* offset, size_t count)
{
    if ((in.open_flags() & fs::kOpenAccessMask) == fs::kOpenWriteOnly
        || (out.open_flags() & fs::kOpenAccessMask) == fs::kOpenReadOnly)
        return lib::Error(lib::Errno::BADF, "a descriptor's access mode does not allow the copy");
    uint64_t position = 0;
    if (offset) {
        TRY(check_user_range(offset, sizeof(*offset), UserAccess::Write));
        if (*offset < 0)
            return lib::Error(lib::Errno::INVAL, "negative offset");
        position = uint64_t(*offset);
    }
    if (!offset) {
        // From the file's position: copy at it, then move it by what was written, so that
        // bytes read but not written (a full socket, a signal) are read again by the next
        // call, not lost. A stream (a pipe, a socket) could not give them back: Linux
        // refuses one as the input, EINVAL (as 6.18 does for a pipe and for a unix or TCP
        // socket), and the program falls back to read and write. NOT LINUX: a socket into
        // a pipe, which Linux splices, is refused too.
        auto at = in.seek(0, fs::Whence::Current);
        if (at.is_error())
            return lib::Error(lib::Errno::INVAL, "the input is a stream, not a file");
        position = at.value();
        size_t copied = TRY(copy_between(in, out, position, capped(count)));
        TRY(in.seek(int64_t(position), fs::Whence::Set));
        return long(copied);
    }
    size_t copied = TRY(copy_between(in, out, position, capped(count))); // a stream: ESPIPE from pread
    *offset = int64_t(position);
    return long(copied);
}

} // namespace

SysResult sendfile(int out_fd, int in_fd, int64_t* offset, size_t count)
{
    auto in = TRY(fs::descriptors().get(in_fd));
    auto out = TRY(fs::descriptors().get(out_fd));
    if (out->open_flags() & fs::kOpenAppend)
        return lib::Error(lib::Errno::INVAL, "sendfile: the output is O_APPEND");
    return copy_for_program(*in, *out, offset, count);
}

SysResult copy_file_range(int in_fd, int64_t* in_offset, int out_fd, int64_t* out_offset, size_t count, unsigned flags)
{
    if (flags)
        return lib::Error(lib::Errno::INVAL, "copy_file_range: flags must be 0");
    if (out_offset) // FIRST CUT: the output is written at its own position
        return lib::Error(lib::Errno::NOTSUP, "copy_file_range: an output offset is not supported yet");
    auto in = TRY(fs::descriptors().get(in_fd));
    auto out = TRY(fs::descriptors().get(out_fd));
    if (!in->node() || !out->node() || in->node()->is_directory() || out->node()->is_directory())
        return lib::Error(lib::Errno::INVAL, "copy_file_range: regular files only");
    return copy_for_program(*in, *out, in_offset, count);
}

} // namespace sys
