// glibc's resolver queries through a state (<resolv.h>, glibc 2.36 resolv/res_send.c,
// res_query.c): res_nmkquery builds a question, res_nsend sends it to the state's servers
// (UDP, TCP when the answer is truncated or RES_USEVC asks), res_nquery maps the answer's
// code to h_errno, res_nsearch walks the search list. The plain res_query/res_search/
// res_querydomain/res_send use the program's _res (glibc_resolver.cpp). musl's versions
// ignore any state (its res_search does not search), so these replace them.
//
// Not done, as musl does not either: EDNS0 (RES_USE_EDNS0 sends no OPT record), escapes
// (\.) in names, and the qhook/rhook callbacks.
#include <arpa/nameser.h>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <resolv.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libc_shim/resolver.h>

namespace {

constexpr unsigned long kOptionTrustAd = 0x04000000;             // glibc's RES_TRUSTAD
constexpr size_t kHeaderSize = 12;                               // RFC 1035 §4.1.1
constexpr size_t kLongestQuery = kHeaderSize + NS_MAXCDNAME + 4; // one question

struct Server {
    struct sockaddr_storage address;
    socklen_t length;
};

/// The state's server `index`: nsaddr_list (which programs may rewrite after res_ninit),
/// or the IPv6 address res_ninit put in _u._ext.nsaddrs. False when the slot is empty.
bool server_at(res_state state, int index, Server& server)
{
    server = {};
    if (state->nsaddr_list[index].sin_family == AF_INET) {
        memcpy(&server.address, &state->nsaddr_list[index], sizeof(struct sockaddr_in));
        server.length = sizeof(struct sockaddr_in);
        return true;
    }
    if (const struct sockaddr_in6* v6 = state->_u._ext.nsaddrs[index]; v6 && v6->sin6_family == AF_INET6) {
        memcpy(&server.address, v6, sizeof *v6);
        server.length = sizeof *v6;
        return true;
    }
    return false;
}

long long now_ms()
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec * 1000LL + now.tv_nsec / 1000000;
}

/// Waits until `fd` has `events` or `deadline` (now_ms) passes: true when it has them.
bool wait_for(int fd, short events, long long deadline)
{
    for (;;) {
        long long left = deadline - now_ms();
        if (left <= 0)
            return false;
        struct pollfd entry = { fd, events, 0 };
        int ready = poll(&entry, 1, int(left > INT_MAX ? INT_MAX : left));
        if (ready > 0)
            return true;
        if (ready < 0 && errno != EINTR)
            return false;
    }
}

/// Whether `answer` is the reply to `query`: the same id, the response bit, and the same
/// question section (names compared without case, RFC 1035 §2.3.3).
bool answers(const unsigned char* query, int query_length, const unsigned char* answer, int answer_length)
{
    if (answer_length < int(kHeaderSize) || answer[0] != query[0] || answer[1] != query[1] || !(answer[2] & 0x80))
        return false;
    if (answer_length < query_length || answer[4] != query[4] || answer[5] != query[5])
        return false;
    return strncasecmp(reinterpret_cast<const char*>(query) + kHeaderSize,
               reinterpret_cast<const char*>(answer) + kHeaderSize, size_t(query_length) - kHeaderSize)
        == 0;
}

int close_with(int fd, int result)
{
    int saved = errno;
    close(fd);
    errno = saved;
    return result;
}

/// A non-blocking socket of `type` connecting to `server` (for TCP the connection may
/// still be on its way: EINPROGRESS is not an error); -1 with errno.
int connected_socket(const Server& server, int type)
{
    int fd = socket(server.address.ss_family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0)
        return -1;
    const auto* address = reinterpret_cast<const struct sockaddr*>(&server.address);
    if (connect(fd, address, server.length) != 0 && errno != EINPROGRESS)
        return close_with(fd, -1);
    return fd;
}

/// One question over UDP, on a socket connected to the server (only its datagrams come
/// back, and a refusal comes back as ECONNREFUSED): the answer's length, 0 when none
/// came by `timeout_ms`, -1 with errno when the server cannot be reached.
int exchange_udp(const Server& server, const unsigned char* query, int query_length, unsigned char* answer,
    int answer_size, int timeout_ms)
{
    int fd = connected_socket(server, SOCK_DGRAM);
    if (fd < 0)
        return -1;
    if (send(fd, query, size_t(query_length), 0) != query_length)
        return close_with(fd, -1);
    long long deadline = now_ms() + timeout_ms;
    while (wait_for(fd, POLLIN, deadline)) {
        ssize_t got = recv(fd, answer, size_t(answer_size), 0);
        if (got < 0 && errno != EAGAIN && errno != EINTR)
            return close_with(fd, -1); // ECONNREFUSED: nothing listens there
        if (got > 0 && answers(query, query_length, answer, int(got)))
            return close_with(fd, int(got));
    }
    return close_with(fd, 0);
}

bool send_all(int fd, const unsigned char* data, size_t length, long long deadline)
{
    while (length) {
        if (!wait_for(fd, POLLOUT, deadline))
            return false;
        ssize_t sent = send(fd, data, length, MSG_NOSIGNAL);
        if (sent < 0 && errno != EAGAIN && errno != EINTR)
            return false;
        if (sent > 0) {
            data += sent;
            length -= size_t(sent);
        }
    }
    return true;
}

/// Reads `length` bytes into `data` (or discards them when `data` is null).
bool receive_all(int fd, unsigned char* data, size_t length, long long deadline)
{
    unsigned char scratch[512];
    while (length) {
        if (!wait_for(fd, POLLIN, deadline))
            return false;
        size_t want = data ? length : (length < sizeof scratch ? length : sizeof scratch);
        ssize_t got = recv(fd, data ? data : scratch, want, 0);
        if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR))
            return false;
        if (got > 0) {
            length -= size_t(got);
            if (data)
                data += got;
        }
    }
    return true;
}

/// One question over TCP (RFC 1035 §4.2.2: each message after its 16-bit length): the
/// answer's length (the part that fits in `answer_size`, with TC set when cut), 0 when
/// none came by `timeout_ms`, -1 with errno when the server cannot be reached.
int exchange_tcp(const Server& server, const unsigned char* query, int query_length, unsigned char* answer,
    int answer_size, int timeout_ms)
{
    long long deadline = now_ms() + timeout_ms;
    int fd = connected_socket(server, SOCK_STREAM);
    if (fd < 0)
        return -1;
    int error = 0;
    socklen_t error_length = sizeof error;
    if (!wait_for(fd, POLLOUT, deadline))
        return close_with(fd, 0);
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &error_length) == 0 && error) {
        errno = error;
        return close_with(fd, -1);
    }
    unsigned char prefix[2] = { (unsigned char)(query_length >> 8), (unsigned char)query_length };
    if (!send_all(fd, prefix, 2, deadline) || !send_all(fd, query, size_t(query_length), deadline)
        || !receive_all(fd, prefix, 2, deadline))
        return close_with(fd, 0);
    int length = prefix[0] << 8 | prefix[1];
    int kept = length < answer_size ? length : answer_size;
    if (!receive_all(fd, answer, size_t(kept), deadline) || !receive_all(fd, nullptr, size_t(length - kept), deadline))
        return close_with(fd, 0);
    if (kept < length && kept > 2)
        answer[2] |= 0x02; // TC: the caller's buffer held only part of it
    return close_with(fd, kept >= int(kHeaderSize) && answers(query, query_length, answer, kept) ? kept : 0);
}

/// Whether the answer's code says to ask the next server (glibc: SERVFAIL, NOTIMP, REFUSED).
bool ask_next_server(const unsigned char* answer)
{
    int code = answer[3] & 0x0f;
    return code == ns_r_servfail || code == ns_r_notimpl || code == ns_r_refused;
}

void set_h_errno(res_state state, int value)
{
    state->res_h_errno = value;
    h_errno = value;
}

/// `name` (a trailing dot dropped) and `domain` (null: none) joined into `out`, which
/// holds MAXDNAME bytes; false when too long.
bool join_name(const char* name, const char* domain, char* out)
{
    size_t length = strlen(name);
    if (!domain) {
        if (length >= MAXDNAME)
            return false;
        if (length && name[length - 1] == '.')
            --length;
        memcpy(out, name, length);
        out[length] = 0;
        return true;
    }
    return size_t(snprintf(out, MAXDNAME, "%s.%s", name, domain)) < MAXDNAME;
}

} // namespace

extern "C" {

/// glibc's res_nmkquery: a standard query (or a NOTIFY) for `name`, `type` and `klass`
/// into `buffer`; its length, or -1 when the name is not a valid domain name or does
/// not fit. `data` and `newrr` are unused for these opcodes, as in glibc.
int res_nmkquery(res_state state, int op, const char* name, int klass, int type, const unsigned char*, int,
    const unsigned char*, unsigned char* buffer, int length)
{
    if ((op != ns_o_query && op != ns_o_notify) || unsigned(klass) > 0xffff || unsigned(type) > 0xffff)
        return -1;
    size_t name_length = strlen(name);
    if (name_length && name[name_length - 1] == '.')
        --name_length;
    size_t total = kHeaderSize + name_length + (name_length ? 2 : 1) + 4;
    if (name_length > NS_MAXCDNAME - 2 || total > size_t(length) || !buffer)
        return -1; // more than 255 bytes on the wire (RFC 1035 §2.3.4)
    memset(buffer, 0, kHeaderSize);
    unsigned id = libc_shim::resolver_random();
    buffer[0] = (unsigned char)(id >> 8);
    buffer[1] = (unsigned char)id;
    buffer[2] = (unsigned char)(op << 3 | (state->options & RES_RECURSE ? 0x01 : 0));
    buffer[3] = state->options & kOptionTrustAd ? 0x20 : 0;
    buffer[5] = 1; // one question
    unsigned char* out = buffer + kHeaderSize;
    for (size_t start = 0; start < name_length;) {
        size_t end = start;
        while (end < name_length && name[end] != '.')
            ++end;
        if (end == start || end - start > NS_MAXLABEL)
            return -1; // an empty or an over-long label
        *out++ = (unsigned char)(end - start);
        memcpy(out, name + start, end - start);
        out += end - start;
        start = end + 1;
    }
    *out++ = 0;
    *out++ = (unsigned char)(type >> 8);
    *out++ = (unsigned char)type;
    *out++ = (unsigned char)(klass >> 8);
    *out++ = (unsigned char)klass;
    return int(out - buffer);
}

/// glibc's res_nsend: `query` to each of the state's servers in turn, `retry` rounds,
/// over UDP with TCP after a truncated answer (or TCP only with RES_USEVC or a query
/// over 512 bytes). The answer's length; -1 with errno ECONNREFUSED when no server could
/// be reached, ETIMEDOUT when none answered usefully (each said SERVFAIL, NOTIMP or
/// REFUSED, or said nothing).
int res_nsend(res_state state, const unsigned char* query, int query_length, unsigned char* answer, int answer_size)
{
    if (answer_size < int(kHeaderSize) || query_length < int(kHeaderSize)) {
        errno = EINVAL;
        return -1;
    }
    int count = state->nscount < MAXNS ? state->nscount : MAXNS;
    if (count <= 0) {
        errno = ESRCH;
        return -1;
    }
    bool tcp_only = (state->options & RES_USEVC) || query_length > PACKETSZ;
    bool reached = false;
    int first = state->options & RES_ROTATE ? int(libc_shim::resolver_random() % unsigned(count)) : 0;
    for (int round = 0; round < (state->retry > 0 ? state->retry : 1); ++round)
        for (int i = 0; i < count; ++i) {
            Server server;
            if (!server_at(state, (first + i) % count, server))
                continue;
            int seconds = ((state->retrans > 0 ? state->retrans : RES_TIMEOUT) << round) / count;
            int timeout_ms = (seconds > 0 ? seconds : 1) * 1000;
            int got = tcp_only ? exchange_tcp(server, query, query_length, answer, answer_size, timeout_ms)
                               : exchange_udp(server, query, query_length, answer, answer_size, timeout_ms);
            if (!tcp_only && got > 0 && (answer[2] & 0x02) && !(state->options & RES_IGNTC))
                got = exchange_tcp(server, query, query_length, answer, answer_size, timeout_ms);
            reached |= got >= 0;
            if (got > 0 && !ask_next_server(answer))
                return got;
        }
    errno = reached ? ETIMEDOUT : ECONNREFUSED;
    return -1;
}

/// glibc's res_nquery: one question for `name` as it is. The answer's length, or -1 with
/// h_errno (and state->res_h_errno) HOST_NOT_FOUND for NXDOMAIN, NO_DATA for an empty
/// answer, TRY_AGAIN when no server answered or one failed, NO_RECOVERY otherwise.
int res_nquery(res_state state, const char* name, int klass, int type, unsigned char* answer, int answer_size)
{
    unsigned char query[kLongestQuery];
    int query_length = res_nmkquery(state, ns_o_query, name, klass, type, nullptr, 0, nullptr, query, sizeof query);
    if (query_length <= 0) {
        set_h_errno(state, NO_RECOVERY);
        return -1;
    }
    int got = res_nsend(state, query, query_length, answer, answer_size);
    if (got < 0) {
        set_h_errno(state, TRY_AGAIN);
        return -1;
    }
    int code = answer[3] & 0x0f;
    bool has_answers = answer[6] || answer[7];
    if (code == ns_r_noerror && has_answers)
        return got;
    set_h_errno(state,
        code == ns_r_nxdomain       ? HOST_NOT_FOUND
            : code == ns_r_servfail ? TRY_AGAIN
            : code == ns_r_noerror  ? NO_DATA
                                    : NO_RECOVERY);
    return -1;
}

/// glibc's res_nquerydomain: res_nquery for "name.domain" (`name` alone, without a
/// trailing dot, when `domain` is null); -1 with h_errno NO_RECOVERY when too long.
int res_nquerydomain(
    res_state state, const char* name, const char* domain, int klass, int type, unsigned char* answer, int answer_size)
{
    char full[MAXDNAME];
    if (!join_name(name, domain, full)) {
        set_h_errno(state, NO_RECOVERY);
        return -1;
    }
    return res_nquery(state, full, klass, type, answer, answer_size);
}

} // extern "C"
