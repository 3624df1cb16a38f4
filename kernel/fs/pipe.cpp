#include <kernel/fs/pipe.h>

#include <kernel/fs/node_file.h>
#include <kernel/fs/readiness.h>
#include <lib/byte_ring.h>
#include <sched/scheduler.h>

#include <fmt/format.h>

#include <cstring>
#include <memory>

namespace fs {

namespace {

constexpr int kSigpipe = 13;

// What both ends share. The big kernel lock guards it (every read, write and close runs
// in a system call).
struct PipeBuffer {
    lib::ByteRing ring;
    int readers = 1;
    int writers = 1;
    ChangeCounter changes;     // what both sides wait on
    vfs::Node* fifo = nullptr; // a FIFO's node, whose endpoint_record this is (cleared at the end)

    size_t space() const { return ring.space(); }
    size_t take(uint8_t* out, size_t length) { return ring.take(out, length); }
    size_t put(const uint8_t* in, size_t length) { return ring.put(in, length); }
};

/// Which end: a pipe's read or write end, or a FIFO opened O_RDWR (both).
enum class Side : uint8_t { Read, Write, Both };

class PipeEnd final : public File {
public:
    PipeEnd(PipeBuffer* pipe, Side side, lib::RefPtr<vfs::Node> fifo = {})
        : m_pipe(pipe), m_side(side), m_fifo(static_cast<lib::RefPtr<vfs::Node>&&>(fifo))
    {
    }

    ~PipeEnd() override
    {
        if (m_side != Side::Write)
            m_pipe->readers -= 1;
        if (m_side != Side::Read)
            m_pipe->writers -= 1;
        m_pipe->changes.changed(); // the other side sees end of file, or EPIPE
        if (m_pipe->readers == 0 && m_pipe->writers == 0) {
            if (m_pipe->fifo)
                m_pipe->fifo->set_endpoint_record(nullptr); // the next open makes a new pipe
            delete m_pipe;
        }
    }

    lib::Result<size_t> read(void* buffer, size_t length) override
    {
        return read_as(buffer, length, PipeRead::Take, non_blocking());
    }

    /// read(2), or with PipeRead::Peek the bytes copied but left in the pipe (splice, tee).
    lib::Result<size_t> read_as(void* buffer, size_t length, PipeRead mode, bool no_wait)
    {
        if (m_side == Side::Write)
            return lib::Error(lib::Errno::BADF, "read from a pipe's write end");
        if (length == 0)
            return size_t(0);
        for (;;) {
            uint32_t seen = m_pipe->changes.now();
            if (m_pipe->ring.size()) {
                if (mode == PipeRead::Peek)
                    return m_pipe->ring.peek(static_cast<uint8_t*>(buffer), length);
                size_t n = m_pipe->take(static_cast<uint8_t*>(buffer), length);
                m_pipe->changes.changed();
                return n;
            }
            if (m_pipe->writers == 0)
                return size_t(0); // end of file
            if (no_wait)
                return lib::Error(lib::Errno::AGAIN, "pipe empty");
            TRY(m_pipe->changes.wait(seen));
        }
    }

    /// Takes `length` bytes a Peek saw (never more than the pipe holds).
    void drop(size_t length)
    {
        if (m_pipe->ring.drop(length))
            m_pipe->changes.changed();
    }

    /// Waits until a write could put something in, unless `no_wait`: the room there is
    /// then. splice into a pipe reads no more than that from its input. EPIPE (and
    /// SIGPIPE) with no reader left, as a write.
    lib::Result<size_t> wait_for_room(bool no_wait)
    {
        if (m_side == Side::Read)
            return lib::Error(lib::Errno::BADF, "write to a pipe's read end");
        for (;;) {
            uint32_t seen = m_pipe->changes.now();
            if (m_pipe->readers == 0)
                return no_reader();
            if (m_pipe->space())
                return m_pipe->space();
            if (no_wait)
                return lib::Error(lib::Errno::AGAIN, "pipe full");
            TRY(m_pipe->changes.wait(seen));
        }
    }

    lib::Result<size_t> write(const void* buffer, size_t length) override
    {
        return write_as(buffer, length, non_blocking());
    }

    lib::Result<size_t> write_as(const void* buffer, size_t length, bool no_wait)
    {
        if (m_side == Side::Read)
            return lib::Error(lib::Errno::BADF, "write to a pipe's read end");
        auto* in = static_cast<const uint8_t*>(buffer);
        bool whole = length <= kPipeAtomicBytes; // PIPE_BUF: all or nothing
        size_t written = 0;
        for (;;) {
            uint32_t seen = m_pipe->changes.now();
            if (m_pipe->readers == 0)
                return written ? lib::Result<size_t>(written) : no_reader();
            if (length == written)
                return written;
            size_t left = length - written;
            if (whole ? m_pipe->space() >= left : m_pipe->space() > 0) {
                written += m_pipe->put(in + written, left);
                m_pipe->changes.changed();
                continue;
            }
            if (no_wait)
                return written ? lib::Result<size_t>(written) : lib::Error(lib::Errno::AGAIN, "pipe full");
            if (auto waited = m_pipe->changes.wait(seen); waited.is_error())
                return written ? lib::Result<size_t>(written) : waited.error();
        }
    }

    size_t describe(char* out, size_t size) const override
    {
        auto written = fmt::format_to_n(out, size, "pipe:[{}]", reinterpret_cast<uintptr_t>(m_pipe) >> 4);
        return written.size < size ? written.size : size;
    }
    lib::Result<void> stat(LinuxStat& st) override
    {
        if (m_fifo) {
            fill_stat(*m_fifo, st);
            return {};
        }
        st = {};
        st.st_dev = 12; // pipefs
        st.st_ino = reinterpret_cast<uintptr_t>(m_pipe) >> 4;
        st.st_nlink = 1;
        st.st_mode = kModeFifo | 0600;
        st.st_blksize = int64_t(kPipeAtomicBytes);
        return {};
    }

    uint16_t poll_events(uint16_t requested) override
    {
        uint16_t events = 0;
        if (m_side != Side::Write) {
            if (m_pipe->ring.size())
                events |= PollIn | PollRdNorm;
            if (m_pipe->writers == 0)
                events |= PollHup;
        }
        if (m_side != Side::Read) {
            if (m_pipe->space() >= kPipeAtomicBytes)
                events |= PollOut | PollWrNorm;
            if (m_pipe->readers == 0)
                events |= PollErr;
        }
        return events & (requested | PollErr | PollHup);
    }

    uint32_t change_count() const override { return m_pipe->changes.now(); }

    lib::Result<size_t> bytes_readable() override
    {
        if (m_side == Side::Write)
            return size_t(0);
        return m_pipe->ring.size();
    }
    vfs::Node* node() const override { return m_fifo.get(); }
    bool is_pipe() const override { return true; }
    /// Whether `other` is an end of the same pipe.
    bool same_pipe(const PipeEnd& other) const { return m_pipe == other.m_pipe; }

private:
    /// A write with no reader: SIGPIPE to the writing thread, and EPIPE.
    static lib::Error no_reader()
    {
        sched::Thread& self = sched::current();
        (void)sched::post_signal(self.tid, kSigpipe, { 0, 1, 0, 0 }); // SI_USER, as Linux's send_sig
        return lib::Error(lib::Errno::PIPE, "pipe has no reader");
    }

    PipeBuffer* m_pipe;
    Side m_side;
    lib::RefPtr<vfs::Node> m_fifo;
};

PipeBuffer* new_pipe_buffer()
{
    auto* pipe = new PipeBuffer;
    if (!pipe)
        return nullptr;
    if (!pipe->ring.allocate(kPipeCapacity)) {
        delete pipe;
        return nullptr;
    }
    return pipe;
}

/// Waits until `count` (the pipe's readers or writers) is non-zero: a FIFO opened for one
/// side waits for the other (fifo(7)). INTR when a signal ends the wait.
lib::Result<void> wait_for_other_side(PipeBuffer& pipe, const int& count)
{
    for (;;) {
        uint32_t seen = pipe.changes.now();
        if (count > 0)
            return {};
        TRY(pipe.changes.wait(seen));
    }
}

} // namespace

lib::Result<size_t> read_pipe(File& pipe, void* out, size_t length, PipeRead mode, bool non_blocking)
{
    if (!pipe.is_pipe())
        return lib::Error(lib::Errno::INVAL, "not a pipe");
    return static_cast<PipeEnd&>(pipe).read_as(out, length, mode, non_blocking || pipe.non_blocking());
}

void drop_from_pipe(File& pipe, size_t length)
{
    if (pipe.is_pipe())
        static_cast<PipeEnd&>(pipe).drop(length);
}

lib::Result<size_t> write_pipe(File& pipe, const void* in, size_t length, bool non_blocking)
{
    if (!pipe.is_pipe())
        return lib::Error(lib::Errno::INVAL, "not a pipe");
    return static_cast<PipeEnd&>(pipe).write_as(in, length, non_blocking || pipe.non_blocking());
}

lib::Result<size_t> wait_for_pipe_room(File& pipe, bool non_blocking)
{
    if (!pipe.is_pipe())
        return lib::Error(lib::Errno::INVAL, "not a pipe");
    return static_cast<PipeEnd&>(pipe).wait_for_room(non_blocking || pipe.non_blocking());
}

bool same_pipe(const File& a, const File& b)
{
    return a.is_pipe() && b.is_pipe() && static_cast<const PipeEnd&>(a).same_pipe(static_cast<const PipeEnd&>(b));
}

lib::Result<void> make_pipe(File*& read_end, File*& write_end, bool non_blocking)
{
    lib::Error no_memory(lib::Errno::NOMEM, "no memory for a pipe");
    auto* pipe = new_pipe_buffer();
    if (!pipe)
        return no_memory;
    auto* reader = new PipeEnd(pipe, Side::Read);
    if (!reader) {
        delete pipe;
        return no_memory;
    }
    auto* writer = new PipeEnd(pipe, Side::Write);
    if (!writer) {
        pipe->writers = 0;
        delete reader; // the last end: it deletes the pipe
        return no_memory;
    }
    int flag = non_blocking ? kOpenNonBlocking : 0;
    reader->set_open_flags(kOpenReadOnly | flag);
    writer->set_open_flags(kOpenWriteOnly | flag);
    read_end = reader;
    write_end = writer;
    return {};
}

lib::Result<File*> open_fifo(lib::RefPtr<vfs::Node> node, int flags)
{
    int access = flags & kOpenAccessMask;
    Side side = access == kOpenReadOnly ? Side::Read : access == kOpenWriteOnly ? Side::Write : Side::Both;
    auto* pipe = static_cast<PipeBuffer*>(node->endpoint_record());
    bool made = false;
    if (!pipe) {
        if (side == Side::Write && (flags & kOpenNonBlocking))
            return lib::Error(lib::Errno::NXIO, "FIFO opened O_WRONLY|O_NONBLOCK with no reader");
        pipe = new_pipe_buffer();
        if (!pipe)
            return lib::Error(lib::Errno::NOMEM, "no memory for a FIFO's pipe");
        pipe->readers = pipe->writers = 0;
        pipe->fifo = node.get();
        node->set_endpoint_record(pipe);
        made = true;
    }
    if (side == Side::Write && (flags & kOpenNonBlocking) && pipe->readers == 0)
        return lib::Error(lib::Errno::NXIO, "FIFO opened O_WRONLY|O_NONBLOCK with no reader");
    auto* end = new PipeEnd(pipe, side, node);
    if (!end) {
        if (made) {
            node->set_endpoint_record(nullptr);
            delete pipe;
        }
        return lib::Error(lib::Errno::NOMEM, "no memory for a FIFO's end");
    }
    if (side != Side::Write)
        pipe->readers += 1;
    if (side != Side::Read)
        pipe->writers += 1;
    end->set_open_flags(flags);
    pipe->changes.changed(); // the other side may be waiting for us
    if (side != Side::Both && !(flags & kOpenNonBlocking)) {
        auto waited = wait_for_other_side(*pipe, side == Side::Read ? pipe->writers : pipe->readers);
        if (waited.is_error()) {
            end->unref();
            return waited.error();
        }
    }
    return end;
}

} // namespace fs
