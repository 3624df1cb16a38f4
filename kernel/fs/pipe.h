// Pipes (pipe(7)): a 64 KiB ring shared by a read end and a write end, each an open file.
// A read takes what is there (at most what was asked), or blocks while the pipe is empty
// and a writer remains; with no writer left it returns end of file. A write of at most
// PIPE_BUF (4096) bytes goes in whole or not at all (writes of several threads never
// interleave inside one); a longer one may be split and blocks until all of it is in. A
// write with no reader left fails with EPIPE and sends SIGPIPE to the writing thread.
// O_NONBLOCK makes a would-be wait EAGAIN. Both ends block through a futex word in the
// shared ring, so a waiting system call releases the big kernel lock. A FIFO (mkfifo) is
// a node of the tree whose opens share one such pipe.
#pragma once

#include <kernel/fs/file.h>

namespace fs {

constexpr size_t kPipeCapacity = 65536;   // Linux's default (16 pages), F_GETPIPE_SZ
constexpr size_t kPipeAtomicBytes = 4096; // PIPE_BUF

/// A new pipe: its read end and its write end, one reference each. `non_blocking`:
/// O_NONBLOCK on both (pipe2). NOMEM.
lib::Result<void> make_pipe(File*& read_end, File*& write_end, bool non_blocking);

/// Opens FIFO `node` (fifo(7)): its pipe is made by the first open and goes with the last
/// close. O_RDONLY waits for a writer and O_WRONLY for a reader unless O_NONBLOCK (then
/// O_WRONLY without a reader is ENXIO); O_RDWR never waits. INTR, NOMEM.
lib::Result<File*> open_fifo(lib::RefPtr<vfs::Node> node, int flags);

// splice(2), tee(2) and vmsplice(2) (kernel/syscall/splice.cpp) on pipe ends. Each waits
// as read(2) or write(2) on the end would, and not at all when `non_blocking`
// (SPLICE_F_NONBLOCK) or the end is O_NONBLOCK. INVAL when the file is not a pipe.
enum class PipeRead { Take, Peek };
/// A read of a read end; with Peek the bytes stay in the pipe. 0: end of file.
lib::Result<size_t> read_pipe(File& pipe, void* out, size_t length, PipeRead mode, bool non_blocking);
/// Takes `length` bytes a Peek saw.
void drop_from_pipe(File& pipe, size_t length);
/// A write to a write end (EPIPE and SIGPIPE without a reader, as write(2)).
lib::Result<size_t> write_pipe(File& pipe, const void* in, size_t length, bool non_blocking);
/// Waits until a write end has room (or no reader); the room there is then.
lib::Result<size_t> wait_for_pipe_room(File& pipe, bool non_blocking);
/// Whether `a` and `b` are ends of one pipe.
bool same_pipe(const File& a, const File& b);

} // namespace fs
