#include <net/kernel/socket.h>

#include <kernel/arch/x86_64/tsc.h>
#include <sched/scheduler.h>

#include <fmt/format.h>

#include <cstdlib>
#include <cstring>

namespace net {

namespace {

constexpr int kSigpipe = 13;
// Linux clamps SO_SNDBUF/SO_RCVBUF to net.core.[rw]mem_max (212992) before doubling.
constexpr uint32_t kBufferMax = 212992, kBufferMin = 2304;

struct Timeval {
    int64_t seconds;
    int64_t microseconds;
};

lib::Result<int> int_value(const void* value, uint32_t length)
{
    if (length < sizeof(int))
        return lib::Error(lib::Errno::INVAL, "setsockopt: option value shorter than an int");
    int v;
    memcpy(&v, value, sizeof(v));
    return v;
}

lib::Result<uint64_t> timeout_value(const void* value, uint32_t length)
{
    if (length < sizeof(Timeval))
        return lib::Error(lib::Errno::INVAL, "setsockopt: timeout shorter than a struct timeval");
    Timeval tv;
    memcpy(&tv, value, sizeof(tv));
    if (tv.microseconds < 0 || tv.microseconds >= 1'000'000)
        return lib::Error(lib::Errno::DOM, "setsockopt: timeout microseconds out of range");
    if (tv.seconds < 0)
        return 0; // Linux: a negative timeout is no timeout
    return uint64_t(tv.seconds) * 1'000'000'000 + uint64_t(tv.microseconds) * 1000;
}

void put_value(const void* from, uint32_t size, void* value, uint32_t& length)
{
    if (length > size)
        length = size;
    memcpy(value, from, length);
}

// Accepted without an effect: the stack has nothing behind them, and programs set them as
// hints (a server tuning its listener). Their values are kept for getsockopt.
bool accepted_without_effect(int level, int name)
{
    switch (level) {
    case kLevelSocket:
        return name == SoDebug || name == SoDontRoute || name == SoOobInline || name == SoNoCheck || name == SoPriority
            || name == SoReusePort || name == SoPassCred || name == SoRcvLowat || name == SoSndLowat
            || name == SoTimestamp || name == SoIncomingCpu || name == SoZeroCopy;
    case kLevelTcp: // TCP_CORK 3, TCP_DEFER_ACCEPT 9, TCP_WINDOW_CLAMP 10, TCP_QUICKACK 12, TCP_USER_TIMEOUT 18,
                    // TCP_FASTOPEN 23, TCP_NOTSENT_LOWAT 25
        return name == 3 || name == 9 || name == 10 || name == 12 || name == 18 || name == 23 || name == 25;
    case kLevelIp: // IP_MTU_DISCOVER 10, IP_RECVERR 11, IP_PKTINFO 8 (read by UDP receives), IP_RECVTOS 13, IP_FREEBIND
                   // 15, IP_BIND_ADDRESS_NO_PORT 24
        return name == 8 || name == 10 || name == 11 || name == 13 || name == 15 || name == 24;
    case kLevelIpv6: // IPV6_RECVPKTINFO 49, IPV6_RECVERR 25, IPV6_MTU_DISCOVER 23
        return name == 49 || name == 25 || name == 23;
    default: return false;
    }
}

} // namespace

lib::Result<void> PassedFiles::add(fs::File& file)
{
    if (m_count == kMax)
        return lib::Error(lib::Errno::INVAL, "sendmsg: more than 253 descriptors in SCM_RIGHTS");
    if (!m_files) {
        m_files = static_cast<fs::File**>(malloc(kMax * sizeof(fs::File*)));
        if (!m_files)
            return lib::Error(lib::Errno::NOMEM, "sendmsg: no memory for SCM_RIGHTS");
    }
    file.ref();
    m_files[m_count++] = &file;
    return {};
}

void PassedFiles::take_from(PassedFiles& other)
{
    clear();
    free(m_files);
    m_files = other.m_files;
    m_count = other.m_count;
    other.m_files = nullptr;
    other.m_count = 0;
}

PassedFiles::~PassedFiles()
{
    clear();
    free(m_files);
}

void PassedFiles::clear()
{
    for (size_t i = 0; i < m_count; ++i)
        m_files[i]->unref();
    m_count = 0;
}

int Socket::kept_option(int level, int name) const
{
    for (size_t i = 0; i < m_stored_count; ++i)
        if (m_stored[i].level == level && m_stored[i].name == name)
            return m_stored[i].value;
    return 0;
}

lib::Result<void> Socket::set_option(int level, int name, const void* value, uint32_t length)
{
    if (level == kLevelSocket) {
        switch (name) {
        case SoRcvTimeo: m_receive_timeout_ns = TRY(timeout_value(value, length)); return {};
        case SoSndTimeo: m_send_timeout_ns = TRY(timeout_value(value, length)); return {};
        case SoRcvBuf:
        case SoRcvBufForce:
        case SoSndBuf:
        case SoSndBufForce: {
            int v = TRY(int_value(value, length));
            uint32_t asked = v < 0 ? 0 : uint32_t(v) > kBufferMax ? kBufferMax : uint32_t(v);
            uint32_t doubled = asked * 2 < kBufferMin ? kBufferMin : asked * 2;
            (name == SoRcvBuf || name == SoRcvBufForce ? m_receive_buffer : m_send_buffer) = doubled;
            return {};
        }
        case SoLinger:
            if (length < sizeof(m_linger))
                return lib::Error(lib::Errno::INVAL, "setsockopt: SO_LINGER wants a struct linger");
            memcpy(m_linger, value, sizeof(m_linger));
            return {};
        case SoType:
        case SoError:
        case SoAcceptConn:
        case SoProtocol:
        case SoDomain: return lib::Error(lib::Errno::NOPROTOOPT, "setsockopt: read-only socket option");
        default: break;
        }
    }
    int v = TRY(int_value(value, length));
    if (accepted_without_effect(level, name))
        return keep_option(level, name, v);
    return set_protocol_option(level, name, v);
}

lib::Result<void> Socket::keep_option(int level, int name, int value)
{
    for (size_t i = 0; i < m_stored_count; ++i) {
        if (m_stored[i].level == level && m_stored[i].name == name) {
            m_stored[i].value = value;
            return {};
        }
    }
    if (m_stored_count == kMaxStoredOptions)
        return lib::Error(lib::Errno::NOMEM, "setsockopt: too many options on one socket");
    m_stored[m_stored_count++] = { level, name, value };
    return {};
}

lib::Result<void> Socket::get_option(int level, int name, void* value, uint32_t& length)
{
    if (level == kLevelSocket) {
        int v;
        switch (name) {
        case SoRcvTimeo:
        case SoSndTimeo: {
            uint64_t ns = name == SoRcvTimeo ? m_receive_timeout_ns : m_send_timeout_ns;
            Timeval tv { int64_t(ns / 1'000'000'000), int64_t(ns % 1'000'000'000 / 1000) };
            put_value(&tv, sizeof(tv), value, length);
            return {};
        }
        case SoLinger: put_value(m_linger, sizeof(m_linger), value, length); return {};
        case SoType: v = m_type; break;
        case SoDomain: v = m_family; break;
        case SoProtocol: v = m_family == kFamilyUnix ? 0 : m_type == kSocketStream ? 6 : 17; break;
        case SoError: v = take_error(); break;
        case SoAcceptConn: v = listening(); break;
        case SoRcvBuf: v = int(m_receive_buffer); break;
        case SoSndBuf: v = int(m_send_buffer); break;
        default: v = -1; break;
        }
        if (v != -1) {
            put_value(&v, sizeof(v), value, length);
            return {};
        }
    }
    for (size_t i = 0; i < m_stored_count; ++i) {
        if (m_stored[i].level == level && m_stored[i].name == name) {
            put_value(&m_stored[i].value, sizeof(int), value, length);
            return {};
        }
    }
    int v = 0;
    if (!accepted_without_effect(level, name))
        v = TRY(get_protocol_option(level, name));
    put_value(&v, sizeof(v), value, length);
    return {};
}

uint64_t Socket::receive_deadline() const
{
    return m_receive_timeout_ns ? arch::monotonic_ns() + m_receive_timeout_ns : 0;
}
uint64_t Socket::send_deadline() const { return m_send_timeout_ns ? arch::monotonic_ns() + m_send_timeout_ns : 0; }

lib::Result<void> Socket::wait_for_change(uint32_t seen, uint64_t deadline)
{
    if (deadline && arch::monotonic_ns() >= deadline)
        return lib::Error(lib::Errno::AGAIN, "socket timeout (SO_RCVTIMEO/SO_SNDTIMEO) expired");
    return ended_by_signal_for_good(m_changes.wait_until(seen, deadline), deadline);
}

lib::Result<void> ended_by_signal_for_good(lib::Result<void> waited, uint64_t deadline)
{
    if (deadline && waited.is_error() && waited.error().code == lib::Errno::INTR)
        sched::current().interrupted_call.ends_with_eintr = true;
    return waited;
}

lib::Error Socket::broken_pipe(int flags) const
{
    if (!(flags & MsgNoSignal))
        (void)sched::post_signal(sched::current().tid, kSigpipe, { 0, 1, 0, 0 }); // SI_USER, as Linux's send_sig
    return lib::Error(lib::Errno::PIPE, "the connection is closed for sending");
}

lib::Result<size_t> Socket::read(void* buffer, size_t length)
{
    ReceiveInfo info;
    return receive(buffer, length, 0, info);
}

lib::Result<size_t> Socket::write(const void* buffer, size_t length) { return send(buffer, length, 0, nullptr); }

lib::Result<void> Socket::stat(fs::LinuxStat& st)
{
    fs::anonymous_inode_stat(st, this);
    st.st_dev = 8;        // sockfs
    st.st_mode = 0140777; // S_IFSOCK, as Linux shows sockets
    return {};
}

size_t Socket::describe(char* out, size_t size) const
{
    char name[40];
    auto end = fmt::format_to_n(name, sizeof(name), "socket:[{}]", reinterpret_cast<uintptr_t>(this) >> 4);
    return copy_name(std::string_view(name, end.size < sizeof(name) ? end.size : sizeof(name)), out, size);
}

} // namespace net
