// Data transfer: read/write and their vector and positioned forms, lseek. Every descriptor
// is an fs::File (kernel/fs/file.h); fds 0-2 start on the console, whose reads return end
// of file and whose positioned transfers fail with ESPIPE.
#include <kernel/fs/fd_table.h>
#include <kernel/syscall/syscall.h>
#include <kernel/syscall/syscall_util.h>

namespace sys {

namespace {

constexpr int kMaxIovecs = 1024; // IOV_MAX
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
template<typename Transfer>
SysResult transfer_vector(const abi::Iovec* iov, int count, Transfer&& transfer)
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
    auto file = TRY(fs::fd_reference(fd));
    TRY(check_user_range(buffer, length, UserAccess::Write));
    return long(TRY(file->read(buffer, capped(length))));
}

SysResult write(int fd, const void* buffer, size_t length)
{
    auto file = TRY(fs::fd_reference(fd));
    TRY(check_user_range(buffer, length));
    return long(TRY(file->write(buffer, capped(length))));
}

SysResult readv(int fd, const abi::Iovec* iov, int count)
{
    auto file = TRY(fs::fd_reference(fd));
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
    auto file = TRY(fs::fd_reference(fd));
    TRY(check_iovecs(iov, count, UserAccess::Read));
    // KNOWN LIMITATION: each buffer is its own write, so PIPE_BUF atomicity holds per
    // buffer, not for the whole writev as on Linux.
    return transfer_vector(iov, count, [&file](const abi::Iovec& v) { return file->write(v.iov_base, capped(v.iov_len)); });
}

SysResult pread64(int fd, void* buffer, size_t length, int64_t offset)
{
    auto* file = TRY(fs::fd_get(fd));
    if (offset < 0)
        return lib::Error(lib::Errno::INVAL, "negative offset");
    TRY(check_user_range(buffer, length, UserAccess::Write));
    return long(TRY(file->pread(buffer, capped(length), uint64_t(offset))));
}

SysResult pwrite64(int fd, const void* buffer, size_t length, int64_t offset)
{
    auto* file = TRY(fs::fd_get(fd));
    if (offset < 0)
        return lib::Error(lib::Errno::INVAL, "negative offset");
    TRY(check_user_range(buffer, length));
    return long(TRY(file->pwrite(buffer, capped(length), uint64_t(offset))));
}

SysResult lseek(int fd, int64_t offset, int whence)
{
    auto* file = TRY(fs::fd_get(fd));
    if (whence < 0 || whence > 2)
        return lib::Error(lib::Errno::INVAL, "bad whence");
    return long(TRY(file->seek(offset, fs::Whence(whence))));
}

} // namespace sys
