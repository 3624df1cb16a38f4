// Network sockets over the loopback interface (127.0.0.1 and ::1), checked against Linux's
// answers: TCP between a client thread and an accepting thread, the addresses each side
// sees, a 1 MiB transfer through flow control, half-close, MSG_PEEK, MSG_DONTWAIT and
// MSG_WAITALL; the errors of refused, unconnected and broken connections and of port
// conflicts (with SIGPIPE); non-blocking connect and accept with poll readiness; an
// edge-triggered epoll echo server; UDP datagrams, connected UDP, truncation and FIONREAD;
// IPv6; socket options; numeric and /etc/hosts name lookups; socketpair(AF_UNIX) stream
// and datagram ends. `sockets GROUP` runs one group
// (tcp, errors, nonblocking, epoll, udp, ipv6, sockopts, names, unix); no argument runs them all.
#define _GNU_SOURCE
#define TEST_NAME "sockets"
#include "check.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static void pause_ms(int ms)
{
    struct timespec ts = { 0, ms * 1000L * 1000L };
    nanosleep(&ts, NULL);
}

static atomic_int sigpipes;

static void count_sigpipe(int signal_number)
{
    (void)signal_number;
    ++sigpipes;
}

static struct sockaddr_in loopback4(int port)
{
    struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return address;
}

static struct sockaddr_in6 loopback6(int port)
{
    struct sockaddr_in6 address = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port) };
    address.sin6_addr = in6addr_loopback;
    return address;
}

static int same4(const struct sockaddr_in* a, const struct sockaddr_in* b)
{
    return a->sin_family == AF_INET && b->sin_family == AF_INET && a->sin_port == b->sin_port
        && a->sin_addr.s_addr == b->sin_addr.s_addr;
}

static int same6(const struct sockaddr_in6* a, const struct sockaddr_in6* b)
{
    return a->sin6_family == AF_INET6 && b->sin6_family == AF_INET6 && a->sin6_port == b->sin6_port
        && memcmp(&a->sin6_addr, &b->sin6_addr, sizeof(a->sin6_addr)) == 0;
}

// The local port of a socket (IPv4 or IPv6), or -1.
static int port_of(int fd)
{
    struct sockaddr_storage address;
    socklen_t length = sizeof(address);
    if (getsockname(fd, (struct sockaddr*)&address, &length) != 0)
        return -1;
    if (address.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in*)&address)->sin_port);
    if (address.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6*)&address)->sin6_port);
    return -1;
}

static int int_option(int fd, int level, int name)
{
    int value = -12345;
    socklen_t length = sizeof(value);
    if (getsockopt(fd, level, name, &value, &length) != 0 || length != sizeof(value))
        return -12345;
    return value;
}

// A TCP listener on 127.0.0.1 and a port of the system's choosing, SO_REUSEADDR set.
static int tcp_listener(int flags, int* port)
{
    int fd = socket(AF_INET, SOCK_STREAM | flags, 0);
    CHECK(fd >= 0);
    int one = 1;
    CHECK(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0);
    struct sockaddr_in address = loopback4(0);
    CHECK(bind(fd, (struct sockaddr*)&address, sizeof(address)) == 0);
    CHECK(listen(fd, 16) == 0);
    *port = port_of(fd);
    CHECK(*port > 0);
    return fd;
}

static int tcp_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = loopback4(port);
    CHECK(fd >= 0 && connect(fd, (struct sockaddr*)&address, sizeof(address)) == 0);
    return fd;
}

// A connected TCP pair: the client connects (the listener's backlog completes the
// handshake), then the server end is accepted.
static void tcp_pair(int* client, int* server)
{
    int port;
    int listener = tcp_listener(0, &port);
    *client = tcp_connect(port);
    *server = accept(listener, NULL, NULL);
    CHECK(*server >= 0);
    close(listener);
}

// recv until size bytes, end of stream or an error.
static ssize_t recv_all(int fd, void* buffer, size_t size)
{
    size_t have = 0;
    while (have < size) {
        ssize_t n = recv(fd, (char*)buffer + have, size - have, 0);
        if (n <= 0)
            return have ? (ssize_t)have : n;
        have += (size_t)n;
    }
    return (ssize_t)have;
}

static int wait_for(int fd, short events, int timeout_ms)
{
    struct pollfd p = { fd, events, 0 };
    return poll(&p, 1, timeout_ms) == 1 ? p.revents : 0;
}

// tcp: the handshake between a client thread and the accepting main thread, the addresses
// both ends see, and a message each way.
struct client {
    int port;
    int fd;
    struct sockaddr_in name, peer;
    socklen_t name_length, peer_length;
};

static void* connect_and_talk(void* argument)
{
    struct client* client = argument;
    struct sockaddr_in server = loopback4(client->port);
    client->fd = socket(AF_INET, SOCK_STREAM, 0);
    if (client->fd < 0 || connect(client->fd, (struct sockaddr*)&server, sizeof(server)) != 0)
        return (void*)1;
    client->name_length = sizeof(client->name);
    client->peer_length = sizeof(client->peer);
    if (getsockname(client->fd, (struct sockaddr*)&client->name, &client->name_length) != 0
        || getpeername(client->fd, (struct sockaddr*)&client->peer, &client->peer_length) != 0)
        return (void*)2;
    if (send(client->fd, "ping", 4, 0) != 4)
        return (void*)3;
    char reply[8];
    if (recv_all(client->fd, reply, 4) != 4 || memcmp(reply, "pong", 4) != 0)
        return (void*)4;
    return NULL;
}

static void handshake_and_addresses(void)
{
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(listener >= 0);
    int one = 1;
    CHECK(setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0);
    struct sockaddr_in address = loopback4(0);
    CHECK(bind(listener, (struct sockaddr*)&address, sizeof(address)) == 0);
    socklen_t length = sizeof(address);
    CHECK(getsockname(listener, (struct sockaddr*)&address, &length) == 0);
    CHECK(length == sizeof(address) && address.sin_family == AF_INET && address.sin_port != 0);
    CHECK(address.sin_addr.s_addr == htonl(INADDR_LOOPBACK));
    CHECK(listen(listener, 8) == 0);

    struct client client = { .port = ntohs(address.sin_port), .fd = -1 };
    pthread_t thread;
    pthread_create(&thread, NULL, connect_and_talk, &client);
    struct sockaddr_in from;
    socklen_t from_length = sizeof(from);
    int server = accept(listener, (struct sockaddr*)&from, &from_length);
    CHECK(server >= 0 && from_length == sizeof(from));
    char buffer[8];
    CHECK(recv_all(server, buffer, 4) == 4 && memcmp(buffer, "ping", 4) == 0);
    CHECK(send(server, "pong", 4, 0) == 4);
    void* result;
    pthread_join(thread, &result);
    CHECK(result == NULL);

    struct sockaddr_in peer, local;
    socklen_t peer_length = sizeof(peer), local_length = sizeof(local);
    CHECK(getpeername(server, (struct sockaddr*)&peer, &peer_length) == 0 && peer_length == sizeof(peer));
    CHECK(getsockname(server, (struct sockaddr*)&local, &local_length) == 0);
    CHECK(client.name_length == sizeof(client.name) && ntohs(client.name.sin_port) != client.port);
    CHECK(same4(&peer, &client.name));    // accepted end's peer = the client's own name
    CHECK(same4(&from, &client.name));    // accept's address too
    CHECK(same4(&client.peer, &address)); // the client's peer = the listener's name
    CHECK(same4(&local, &address));
    close(client.fd);
    close(server);
    close(listener);
}

// 1 MiB from a writer thread to a slower reader, through flow control; the writer's
// shutdown(SHUT_WR) ends the stream and the reader can still answer.
enum { kBulk = 1 << 20 };

static uint8_t pattern(size_t i) { return (uint8_t)((i * 2654435761u) >> 13); }

static void* write_bulk(void* argument)
{
    int fd = (int)(intptr_t)argument;
    static uint8_t data[kBulk];
    for (size_t i = 0; i < kBulk; ++i)
        data[i] = pattern(i);
    size_t sent = 0, chunk = 1;
    while (sent < kBulk) {
        size_t n = chunk < kBulk - sent ? chunk : kBulk - sent;
        ssize_t written = write(fd, data + sent, n);
        if (written <= 0)
            return (void*)1;
        sent += (size_t)written;
        chunk = chunk * 3 % 65521 + 1; // 1, 4, 13, 40, ... 1-byte to 64 KiB writes
    }
    return shutdown(fd, SHUT_WR) == 0 ? NULL : (void*)2;
}

static void bulk_transfer(void)
{
    int client, server;
    tcp_pair(&client, &server);
    pthread_t thread;
    pthread_create(&thread, NULL, write_bulk, (void*)(intptr_t)client);
    pause_ms(20); // the writer fills the buffers and blocks
    static uint8_t buffer[5000];
    size_t total = 0, wrong = 0;
    ssize_t n;
    while ((n = read(server, buffer, sizeof(buffer))) > 0) {
        for (ssize_t i = 0; i < n; ++i)
            wrong += buffer[i] != pattern(total + (size_t)i);
        total += (size_t)n;
    }
    CHECK(n == 0);
    CHECK(total == kBulk && wrong == 0);
    void* result;
    pthread_join(thread, &result);
    CHECK(result == NULL);
    CHECK(recv(server, buffer, 1, 0) == 0); // end of stream stays
    CHECK(send(server, "done", 4, 0) == 4); // the other direction is still open
    close(server);
    char reply[8];
    CHECK(recv_all(client, reply, sizeof(reply)) == 4 && memcmp(reply, "done", 4) == 0);
    close(client);
}

static void half_close(void)
{
    int client, server;
    tcp_pair(&client, &server);
    CHECK(send(client, "last", 4, 0) == 4);
    CHECK(shutdown(client, SHUT_WR) == 0);
    char buffer[8];
    CHECK(recv_all(server, buffer, sizeof(buffer)) == 4 && memcmp(buffer, "last", 4) == 0);
    CHECK(recv(server, buffer, sizeof(buffer), 0) == 0);
    CHECK(send(client, "x", 1, MSG_NOSIGNAL) == -1 && errno == EPIPE);
    CHECK(write(server, "late", 4) == 4);
    CHECK(recv_all(client, buffer, 4) == 4 && memcmp(buffer, "late", 4) == 0);
    CHECK(close(server) == 0);
    CHECK(recv(client, buffer, sizeof(buffer), 0) == 0);
    CHECK(close(client) == 0);
}

// MSG_PEEK, MSG_DONTWAIT, MSG_WAITALL, read/write, sendmsg's gather and fstat on sockets.
static int g_fd;

static void* send_in_two_parts(void* unused)
{
    (void)unused;
    if (send(g_fd, "wait", 4, 0) != 4)
        return (void*)1;
    pause_ms(20);
    return send(g_fd, "all!", 4, 0) == 4 ? NULL : (void*)2;
}

static void flags_and_calls(void)
{
    int client, server;
    tcp_pair(&client, &server);
    char buffer[16] = { 0 };
    CHECK(recv(server, buffer, sizeof(buffer), MSG_DONTWAIT) == -1 && errno == EAGAIN);
    CHECK(!(fcntl(server, F_GETFL) & O_NONBLOCK)); // MSG_DONTWAIT is for one call only
    CHECK(send(client, "abcdef", 6, 0) == 6);
    CHECK(wait_for(server, POLLIN, 2000) & POLLIN);
    CHECK(recv(server, buffer, 3, MSG_PEEK) == 3 && memcmp(buffer, "abc", 3) == 0);
    CHECK(recv(server, buffer, 3, MSG_PEEK) == 3 && memcmp(buffer, "abc", 3) == 0);
    CHECK(recv_all(server, buffer, 6) == 6 && memcmp(buffer, "abcdef", 6) == 0);
    CHECK(recv(server, buffer, sizeof(buffer), MSG_DONTWAIT) == -1 && errno == EAGAIN);

    CHECK(write(client, "xyz", 3) == 3);
    CHECK(read(server, buffer, 3) == 3 && memcmp(buffer, "xyz", 3) == 0);
    char part1[] = "gather", part2[] = "-write";
    struct iovec parts[2] = { { part1, 6 }, { part2, 6 } };
    struct msghdr message = { .msg_iov = parts, .msg_iovlen = 2 };
    CHECK(sendmsg(server, &message, 0) == 12);
    CHECK(recv_all(client, buffer, 12) == 12 && memcmp(buffer, "gather-write", 12) == 0);

    g_fd = client;
    pthread_t thread;
    pthread_create(&thread, NULL, send_in_two_parts, NULL);
    CHECK(recv(server, buffer, 8, MSG_WAITALL) == 8 && memcmp(buffer, "waitall!", 8) == 0);
    void* result;
    pthread_join(thread, &result);
    CHECK(result == NULL);

    struct stat st;
    CHECK(fstat(server, &st) == 0 && S_ISSOCK(st.st_mode));
    CHECK(fstat(client, &st) == 0 && S_ISSOCK(st.st_mode));
    close(client);
    close(server);
}

static void tcp(void)
{
    handshake_and_addresses();
    bulk_transfer();
    half_close();
    flags_and_calls();
}

// errors: refused connections, port conflicts, calls that need a connection, broken
// connections, creation flags and unknown families.
static void refused(void)
{
    int holder = socket(AF_INET, SOCK_STREAM, 0); // holds a port where nobody listens
    struct sockaddr_in address = loopback4(0);
    CHECK(holder >= 0 && bind(holder, (struct sockaddr*)&address, sizeof(address)) == 0);
    address = loopback4(port_of(holder));
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(connect(fd, (struct sockaddr*)&address, sizeof(address)) == -1 && errno == ECONNREFUSED);
    close(fd);
    close(holder);
}

static void address_in_use(void)
{
    int first = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = loopback4(0);
    CHECK(bind(first, (struct sockaddr*)&address, sizeof(address)) == 0 && listen(first, 4) == 0);
    int port = port_of(first);
    address = loopback4(port);
    int second = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(bind(second, (struct sockaddr*)&address, sizeof(address)) == -1 && errno == EADDRINUSE);
    CHECK(bind(first, (struct sockaddr*)&address, sizeof(address)) == -1 && errno == EINVAL); // bound already
    close(second);
    close(first);

    // Linux: SO_REUSEADDR on both sockets still never shares a port with a listener.
    int listener = tcp_listener(0, &port);
    address = loopback4(port);
    int one = 1, other = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(setsockopt(other, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0);
    CHECK(bind(other, (struct sockaddr*)&address, sizeof(address)) == -1 && errno == EADDRINUSE);
    close(other);

    // A restarted server: its old connection (closed by the server first) still holds the
    // port, which only SO_REUSEADDR takes over.
    int client = tcp_connect(port);
    int server = accept(listener, NULL, NULL);
    CHECK(server >= 0);
    close(server);
    char byte;
    CHECK(recv(client, &byte, 1, 0) == 0);
    close(client);
    close(listener);
    int plain = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(bind(plain, (struct sockaddr*)&address, sizeof(address)) == -1 && errno == EADDRINUSE);
    close(plain);
    int reusing = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(setsockopt(reusing, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0);
    CHECK(bind(reusing, (struct sockaddr*)&address, sizeof(address)) == 0 && listen(reusing, 4) == 0);
    close(reusing);
}

static void unconnected(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(fd >= 0);
    struct sockaddr_in name;
    socklen_t length = sizeof(name);
    CHECK(getpeername(fd, (struct sockaddr*)&name, &length) == -1 && errno == ENOTCONN);
    CHECK(send(fd, "x", 1, MSG_NOSIGNAL) == -1 && errno == EPIPE); // Linux: EPIPE, not ENOTCONN
    char byte;
    CHECK(recv(fd, &byte, 1, MSG_DONTWAIT) == -1 && errno == ENOTCONN); // not EAGAIN
    CHECK(shutdown(fd, SHUT_RDWR) == -1 && errno == ENOTCONN);
    CHECK(accept(fd, NULL, NULL) == -1 && errno == EINVAL);
    struct sockaddr_in address = loopback4(0);
    CHECK(bind(fd, (struct sockaddr*)&address, sizeof(address)) == 0);
    CHECK(accept(fd, NULL, NULL) == -1 && errno == EINVAL); // bound, not listening
    close(fd);

    int client, server;
    tcp_pair(&client, &server);
    CHECK(getpeername(client, (struct sockaddr*)&name, &length) == 0);
    CHECK(connect(client, (struct sockaddr*)&name, sizeof(name)) == -1 && errno == EISCONN);
    close(client);
    close(server);
}

// Sends after the peer closed: the first may still go out (the peer answers it with a
// reset), then EPIPE; SIGPIPE only without MSG_NOSIGNAL.
static void broken_connection(void)
{
    int client, server;
    tcp_pair(&client, &server);
    close(server);
    char byte;
    CHECK(recv(client, &byte, 1, 0) == 0);
    int before = sigpipes;
    ssize_t sent = 0;
    for (int i = 0; i < 50 && sent >= 0; ++i)
        if ((sent = send(client, "x", 1, MSG_NOSIGNAL)) >= 0)
            pause_ms(5);
    CHECK(sent == -1 && errno == EPIPE); // Linux: EPIPE, not ECONNRESET (the reset came in CLOSE_WAIT)
    CHECK(sigpipes == before);
    CHECK(send(client, "x", 1, 0) == -1 && errno == EPIPE);
    CHECK(sigpipes == before + 1);
    CHECK(write(client, "x", 1) == -1 && errno == EPIPE);
    CHECK(sigpipes == before + 2);
    close(client);
}

static void creation(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    CHECK(fd >= 0);
    CHECK(fcntl(fd, F_GETFL) & O_NONBLOCK);
    CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
    close(fd);
    fd = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(fd >= 0 && !(fcntl(fd, F_GETFL) & O_NONBLOCK) && !(fcntl(fd, F_GETFD) & FD_CLOEXEC));
    close(fd);
    CHECK(socket(12345, SOCK_STREAM, 0) == -1 && errno == EAFNOSUPPORT);
    CHECK(socket(AF_INET, SOCK_STREAM, IPPROTO_UDP) == -1 && errno == EPROTONOSUPPORT);
}

static void errors(void)
{
    refused();
    address_in_use();
    unconnected();
    broken_connection();
    creation();
}

// nonblocking: connect, accept and poll readiness.
static void connect_and_accept(void)
{
    int port;
    int listener = tcp_listener(SOCK_NONBLOCK, &port);
    CHECK(accept(listener, NULL, NULL) == -1 && errno == EAGAIN);
    struct pollfd pending = { listener, POLLIN, 0 };
    CHECK(poll(&pending, 1, 0) == 0);
    int client = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    struct sockaddr_in address = loopback4(port);
    int connected = connect(client, (struct sockaddr*)&address, sizeof(address));
    CHECK(connected == 0 || (connected == -1 && errno == EINPROGRESS));
    CHECK(wait_for(client, POLLOUT, 2000) == POLLOUT);
    CHECK(int_option(client, SOL_SOCKET, SO_ERROR) == 0);
    CHECK(poll(&pending, 1, 2000) == 1 && pending.revents == POLLIN);
    int server = accept(listener, NULL, NULL);
    CHECK(server >= 0);
    CHECK(!(fcntl(server, F_GETFL) & O_NONBLOCK)); // Linux: not inherited from the listener
    CHECK(accept(listener, NULL, NULL) == -1 && errno == EAGAIN);
    // Linux: connect again reports the finished connect once (0), then EISCONN.
    CHECK(connect(client, (struct sockaddr*)&address, sizeof(address)) == 0);
    CHECK(connect(client, (struct sockaddr*)&address, sizeof(address)) == -1 && errno == EISCONN);
    close(server);
    close(client);

    client = tcp_connect(port);
    CHECK(wait_for(listener, POLLIN, 2000) == POLLIN);
    server = accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    CHECK(server >= 0 && (fcntl(server, F_GETFL) & O_NONBLOCK) && (fcntl(server, F_GETFD) & FD_CLOEXEC));
    close(server);
    close(client);
    close(listener);
}

static void connect_refused(void)
{
    int holder = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = loopback4(0);
    CHECK(bind(holder, (struct sockaddr*)&address, sizeof(address)) == 0);
    address = loopback4(port_of(holder));
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int connected = connect(fd, (struct sockaddr*)&address, sizeof(address));
    if (connected == -1 && errno == EINPROGRESS) {
        CHECK(wait_for(fd, POLLOUT, 2000) & (POLLERR | POLLHUP));
        CHECK(int_option(fd, SOL_SOCKET, SO_ERROR) == ECONNREFUSED);
        CHECK(int_option(fd, SOL_SOCKET, SO_ERROR) == 0); // reading it clears it
    } else
        CHECK(connected == -1 && errno == ECONNREFUSED);
    close(fd);
    close(holder);
}

static void* send_later(void* unused)
{
    (void)unused;
    pause_ms(20);
    return send(g_fd, "ready", 5, 0) == 5 ? NULL : (void*)1;
}

static void data_readiness(void)
{
    int client, server;
    tcp_pair(&client, &server);
    struct pollfd in = { server, POLLIN, 0 };
    CHECK(poll(&in, 1, 0) == 0);
    CHECK(wait_for(server, POLLOUT, 0) == POLLOUT);
    g_fd = client;
    pthread_t thread;
    pthread_create(&thread, NULL, send_later, NULL);
    CHECK(poll(&in, 1, 2000) == 1 && in.revents == POLLIN); // sleeps until the send
    pthread_join(thread, NULL);
    char buffer[8];
    CHECK(recv_all(server, buffer, 5) == 5 && memcmp(buffer, "ready", 5) == 0);
    CHECK(fcntl(server, F_SETFL, fcntl(server, F_GETFL) | O_NONBLOCK) == 0);
    CHECK(recv(server, buffer, sizeof(buffer), 0) == -1 && errno == EAGAIN);

    // A non-blocking writer fills both buffers, then is writable again once the reader drains.
    CHECK(fcntl(client, F_SETFL, O_NONBLOCK) == 0);
    static char chunk[65536];
    size_t queued = 0;
    ssize_t n;
    while ((n = send(client, chunk, sizeof(chunk), 0)) > 0 && queued < (256u << 20))
        queued += (size_t)n;
    CHECK(n == -1 && errno == EAGAIN);
    CHECK(fcntl(server, F_SETFL, 0) == 0);
    size_t drained = 0;
    while (drained < queued && (n = recv(server, chunk, sizeof(chunk), 0)) > 0)
        drained += (size_t)n;
    CHECK(drained == queued);
    CHECK(wait_for(client, POLLOUT, 2000) == POLLOUT);
    CHECK(send(client, "more", 4, 0) == 4);
    close(client);
    close(server);
}

static void peer_closes(void)
{
    int client, server;
    tcp_pair(&client, &server);
    close(client);
    int events = wait_for(server, POLLIN | POLLRDHUP, 2000);
    CHECK((events & POLLIN) && (events & POLLRDHUP));
    CHECK(!(events & POLLHUP)); // Linux: POLLHUP only once both directions are shut
    char byte;
    CHECK(recv(server, &byte, 1, 0) == 0);
    CHECK(shutdown(server, SHUT_WR) == 0);
    CHECK(wait_for(server, POLLIN, 2000) & POLLHUP);
    close(server);
}

static void nonblocking(void)
{
    connect_and_accept();
    connect_refused();
    data_readiness();
    peer_closes();
}

// epoll: an edge-triggered echo server. Each client sends its message in two parts with a
// pause between (a second edge), larger than the server's reads (which must drain to
// EAGAIN), shuts down its side and reads the echo to the end.
enum { kEchoClients = 4, kEchoRead = 512 };

struct echo_client {
    int port;
    int index;
    int ok;
};

static void* echo_client(void* argument)
{
    struct echo_client* me = argument;
    size_t size = 1000 + (size_t)me->index * 3000;
    char* out = malloc(size);
    char* in = malloc(size + 1);
    for (size_t i = 0; i < size; ++i)
        out[i] = (char)('a' + (i + (size_t)me->index) % 26);
    struct sockaddr_in address = loopback4(me->port);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr*)&address, sizeof(address)) == 0
        && send(fd, out, size / 2, 0) == (ssize_t)(size / 2)) {
        pause_ms(10);
        size_t rest = size - size / 2;
        if (send(fd, out + size / 2, rest, 0) == (ssize_t)rest && shutdown(fd, SHUT_WR) == 0)
            me->ok = recv_all(fd, in, size + 1) == (ssize_t)size && memcmp(in, out, size) == 0;
    }
    if (fd >= 0)
        close(fd);
    free(out);
    free(in);
    return NULL;
}

static int write_all(int fd, const char* data, size_t size)
{
    while (size > 0) {
        ssize_t n = write(fd, data, size);
        if (n > 0)
            data += n, size -= (size_t)n;
        else if (n == -1 && errno == EAGAIN)
            wait_for(fd, POLLOUT, 2000);
        else
            return -1;
    }
    return 0;
}

static void edge_triggered_echo(void)
{
    int port;
    int listener = tcp_listener(SOCK_NONBLOCK, &port);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    CHECK(ep >= 0);
    struct epoll_event event = { EPOLLIN | EPOLLET, { .fd = listener } };
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, listener, &event) == 0);
    struct echo_client clients[kEchoClients];
    pthread_t threads[kEchoClients];
    for (int i = 0; i < kEchoClients; ++i) {
        clients[i] = (struct echo_client) { port, i, 0 };
        pthread_create(&threads[i], NULL, echo_client, &clients[i]);
    }
    int open_connections[kEchoClients], accepted = 0, finished = 0, echo_failures = 0;
    while (finished < kEchoClients) {
        struct epoll_event ready[8];
        int n = epoll_wait(ep, ready, 8, 2000);
        if (n <= 0) {
            CHECK(n > 0); // an edge was lost (or an error)
            break;
        }
        for (int i = 0; i < n; ++i) {
            int fd = ready[i].data.fd;
            if (fd == listener) {
                for (;;) {
                    int connection = accept4(listener, NULL, NULL, SOCK_NONBLOCK);
                    if (connection < 0) {
                        CHECK(errno == EAGAIN);
                        break;
                    }
                    CHECK(accepted < kEchoClients);
                    if (accepted == kEchoClients) {
                        close(connection);
                        continue;
                    }
                    open_connections[accepted++] = connection;
                    struct epoll_event readable = { EPOLLIN | EPOLLET, { .fd = connection } };
                    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, connection, &readable) == 0);
                }
                continue;
            }
            for (;;) {
                char buffer[kEchoRead];
                ssize_t got = read(fd, buffer, sizeof(buffer));
                if (got > 0) {
                    echo_failures += write_all(fd, buffer, (size_t)got) != 0;
                    continue;
                }
                if (got == 0) {
                    for (int c = 0; c < accepted; ++c)
                        if (open_connections[c] == fd)
                            open_connections[c] = -1;
                    close(fd); // leaves the interest list
                    ++finished;
                } else
                    CHECK(errno == EAGAIN);
                break;
            }
        }
    }
    CHECK(echo_failures == 0 && accepted == kEchoClients && finished == kEchoClients);
    for (int c = 0; c < accepted; ++c) // after a failure: lets the clients finish
        if (open_connections[c] >= 0)
            close(open_connections[c]);
    close(listener);
    for (int i = 0; i < kEchoClients; ++i) {
        pthread_join(threads[i], NULL);
        CHECK(clients[i].ok);
    }
    close(ep);
}

static void epoll(void) { edge_triggered_echo(); }

// udp: datagrams keep their boundaries and their source; connected sockets; truncation;
// FIONREAD.
static int udp_socket(int* port)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in address = loopback4(0);
    CHECK(fd >= 0 && bind(fd, (struct sockaddr*)&address, sizeof(address)) == 0);
    *port = port_of(fd);
    CHECK(*port > 0);
    return fd;
}

static void datagrams(void)
{
    int port;
    int receiver = udp_socket(&port);
    struct sockaddr_in address = loopback4(port);
    int sender = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(sendto(sender, "one", 3, 0, (struct sockaddr*)&address, sizeof(address)) == 3);
    CHECK(sendto(sender, "second!", 7, 0, (struct sockaddr*)&address, sizeof(address)) == 7);
    char buffer[64];
    struct sockaddr_in from;
    socklen_t length = sizeof(from);
    CHECK(recvfrom(receiver, buffer, sizeof(buffer), 0, (struct sockaddr*)&from, &length) == 3);
    CHECK(memcmp(buffer, "one", 3) == 0 && length == sizeof(from));
    struct sockaddr_in source = loopback4(port_of(sender)); // autobound on sendto
    CHECK(same4(&from, &source));
    CHECK(recv(receiver, buffer, sizeof(buffer), 0) == 7 && memcmp(buffer, "second!", 7) == 0);
    CHECK(sendto(sender, "", 0, 0, (struct sockaddr*)&address, sizeof(address)) == 0);
    CHECK(sendto(sender, "after", 5, 0, (struct sockaddr*)&address, sizeof(address)) == 5);
    CHECK(recv(receiver, buffer, sizeof(buffer), 0) == 0); // an empty datagram is one
    CHECK(recv(receiver, buffer, sizeof(buffer), 0) == 5);
    CHECK(recv(receiver, buffer, sizeof(buffer), MSG_DONTWAIT) == -1 && errno == EAGAIN);
    struct stat st;
    CHECK(fstat(receiver, &st) == 0 && S_ISSOCK(st.st_mode));
    close(sender);
    close(receiver);
}

static void connected_udp(void)
{
    int port;
    int server = udp_socket(&port);
    struct sockaddr_in address = loopback4(port);
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(send(fd, "x", 1, 0) == -1 && errno == EDESTADDRREQ);
    CHECK(connect(fd, (struct sockaddr*)&address, sizeof(address)) == 0);
    struct sockaddr_in peer, name;
    socklen_t length = sizeof(peer);
    CHECK(getpeername(fd, (struct sockaddr*)&peer, &length) == 0 && same4(&peer, &address));
    length = sizeof(name);
    CHECK(getsockname(fd, (struct sockaddr*)&name, &length) == 0 && name.sin_port != 0);
    CHECK(name.sin_addr.s_addr == htonl(INADDR_LOOPBACK));
    CHECK(send(fd, "hi", 2, 0) == 2);
    char buffer[64];
    struct sockaddr_in from;
    length = sizeof(from);
    CHECK(recvfrom(server, buffer, sizeof(buffer), 0, (struct sockaddr*)&from, &length) == 2);
    CHECK(same4(&from, &name));
    // A connected socket hears only its peer: the stranger's datagram is dropped.
    int stranger = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(sendto(stranger, "stranger", 8, 0, (struct sockaddr*)&name, sizeof(name)) == 8);
    CHECK(sendto(server, "friend", 6, 0, (struct sockaddr*)&name, sizeof(name)) == 6);
    CHECK(recv(fd, buffer, sizeof(buffer), 0) == 6 && memcmp(buffer, "friend", 6) == 0);
    CHECK(write(fd, "w", 1) == 1 && read(server, buffer, sizeof(buffer)) == 1 && buffer[0] == 'w');
    close(stranger);
    close(fd);
    close(server);
}

static void truncation(void)
{
    int port;
    int receiver = udp_socket(&port);
    int sender = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in address = loopback4(port);
    CHECK(connect(sender, (struct sockaddr*)&address, sizeof(address)) == 0);
    char buffer[64];
    CHECK(send(sender, "0123456789", 10, 0) == 10 && send(sender, "next", 4, 0) == 4);
    CHECK(recv(receiver, buffer, 4, 0) == 4 && memcmp(buffer, "0123", 4) == 0);
    CHECK(recv(receiver, buffer, sizeof(buffer), 0) == 4 && memcmp(buffer, "next", 4) == 0); // rest discarded

    CHECK(send(sender, "0123456789", 10, 0) == 10);
    struct iovec part = { buffer, 4 };
    struct msghdr message = { .msg_iov = &part, .msg_iovlen = 1 };
    CHECK(recvmsg(receiver, &message, 0) == 4 && (message.msg_flags & MSG_TRUNC));

    CHECK(send(sender, "0123456789", 10, 0) == 10);
    CHECK(recv(receiver, NULL, 0, MSG_PEEK | MSG_TRUNC) == 10); // Linux: MSG_TRUNC gives the real size
    CHECK(recv(receiver, buffer, 4, MSG_TRUNC) == 10 && memcmp(buffer, "0123", 4) == 0);
    CHECK(recv(receiver, buffer, sizeof(buffer), MSG_DONTWAIT) == -1 && errno == EAGAIN);
    close(sender);
    close(receiver);
}

static void udp_fionread(void)
{
    int port;
    int receiver = udp_socket(&port);
    int sender = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in address = loopback4(port);
    int available = -1;
    CHECK(ioctl(receiver, FIONREAD, &available) == 0 && available == 0);
    CHECK(sendto(sender, "12345", 5, 0, (struct sockaddr*)&address, sizeof(address)) == 5);
    CHECK(sendto(sender, "123456789", 9, 0, (struct sockaddr*)&address, sizeof(address)) == 9);
    CHECK(wait_for(receiver, POLLIN, 2000) == POLLIN);
    CHECK(ioctl(receiver, FIONREAD, &available) == 0 && available == 5); // Linux: the next datagram only
    char buffer[16];
    CHECK(recv(receiver, buffer, sizeof(buffer), 0) == 5);
    CHECK(wait_for(receiver, POLLIN, 2000) == POLLIN);
    CHECK(ioctl(receiver, FIONREAD, &available) == 0 && available == 9);
    CHECK(recv(receiver, buffer, sizeof(buffer), 0) == 9);
    close(sender);
    close(receiver);
}

// IP_PKTINFO: where each datagram arrived (dnsmasq answers from that address and drops
// queries without it).
static void packet_info(void)
{
    int port;
    int receiver = udp_socket(&port);
    int on = 1;
    CHECK(setsockopt(receiver, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on)) == 0);
    int sender = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in address = loopback4(port);
    CHECK(sendto(sender, "query", 5, 0, (struct sockaddr*)&address, sizeof(address)) == 5);
    CHECK(sendto(sender, "again", 5, 0, (struct sockaddr*)&address, sizeof(address)) == 5);
    CHECK(wait_for(receiver, POLLIN, 2000) == POLLIN);
    char data[16];
    union {
        char bytes[CMSG_SPACE(sizeof(struct in_pktinfo))];
        struct cmsghdr align;
    } control;
    struct iovec iov = { data, sizeof(data) };
    struct msghdr message
        = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = &control, .msg_controllen = sizeof(control) };
    CHECK(recvmsg(receiver, &message, 0) == 5 && !(message.msg_flags & MSG_CTRUNC));
    struct cmsghdr* header = CMSG_FIRSTHDR(&message);
    CHECK(header && header->cmsg_level == IPPROTO_IP && header->cmsg_type == IP_PKTINFO
        && header->cmsg_len == CMSG_LEN(sizeof(struct in_pktinfo)));
    if (header) {
        struct in_pktinfo info;
        memcpy(&info, CMSG_DATA(header), sizeof(info));
        CHECK(info.ipi_ifindex == 1 && info.ipi_addr.s_addr == htonl(INADDR_LOOPBACK)
            && info.ipi_spec_dst.s_addr == htonl(INADDR_LOOPBACK));
        CHECK(CMSG_NXTHDR(&message, header) == NULL);
    }
    char small[8]; // too small for the message: cut, and said so
    message.msg_control = small, message.msg_controllen = sizeof(small);
    CHECK(wait_for(receiver, POLLIN, 2000) == POLLIN);
    CHECK(recvmsg(receiver, &message, 0) == 5 && (message.msg_flags & MSG_CTRUNC) && message.msg_controllen == 0);
    close(sender);
    close(receiver);
}

static void udp(void)
{
    datagrams();
    connected_udp();
    truncation();
    udp_fionread();
    packet_info();
}

// ipv6: TCP and UDP over ::1.
static void tcp6(void)
{
    int listener = socket(AF_INET6, SOCK_STREAM, 0);
    CHECK(listener >= 0);
    struct sockaddr_in6 address = loopback6(0);
    CHECK(bind(listener, (struct sockaddr*)&address, sizeof(address)) == 0);
    socklen_t length = sizeof(address);
    CHECK(getsockname(listener, (struct sockaddr*)&address, &length) == 0 && length == sizeof(address));
    CHECK(address.sin6_family == AF_INET6 && address.sin6_port != 0);
    CHECK(IN6_IS_ADDR_LOOPBACK(&address.sin6_addr));
    CHECK(listen(listener, 4) == 0);
    int client = socket(AF_INET6, SOCK_STREAM, 0);
    CHECK(connect(client, (struct sockaddr*)&address, sizeof(address)) == 0);
    struct sockaddr_in6 from, name;
    socklen_t from_length = sizeof(from);
    int server = accept(listener, (struct sockaddr*)&from, &from_length);
    CHECK(server >= 0 && from_length == sizeof(from));
    length = sizeof(name);
    CHECK(getsockname(client, (struct sockaddr*)&name, &length) == 0 && same6(&from, &name));
    CHECK(send(client, "six", 3, 0) == 3);
    char buffer[8];
    CHECK(recv_all(server, buffer, 3) == 3 && memcmp(buffer, "six", 3) == 0);
    CHECK(send(server, "ok", 2, 0) == 2);
    CHECK(recv_all(client, buffer, 2) == 2 && memcmp(buffer, "ok", 2) == 0);
    close(server);
    CHECK(recv(client, buffer, sizeof(buffer), 0) == 0);
    close(client);
    close(listener);
}

static void udp6(void)
{
    int receiver = socket(AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 address = loopback6(0);
    CHECK(receiver >= 0 && bind(receiver, (struct sockaddr*)&address, sizeof(address)) == 0);
    address = loopback6(port_of(receiver));
    int sender = socket(AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 name = loopback6(0);
    CHECK(bind(sender, (struct sockaddr*)&name, sizeof(name)) == 0);
    name = loopback6(port_of(sender));
    CHECK(sendto(sender, "datagram6", 9, 0, (struct sockaddr*)&address, sizeof(address)) == 9);
    char buffer[16];
    struct sockaddr_in6 from;
    socklen_t length = sizeof(from);
    CHECK(recvfrom(receiver, buffer, sizeof(buffer), 0, (struct sockaddr*)&from, &length) == 9);
    CHECK(memcmp(buffer, "datagram6", 9) == 0 && length == sizeof(from) && same6(&from, &name));
    close(sender);
    close(receiver);
}

static void ipv6(void)
{
    tcp6();
    udp6();
}

// sockopts: options set and read back, the socket's type and pending error, a receive
// timeout.
static void options(void)
{
    int tcp_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    int udp_fd = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(tcp_fd >= 0 && udp_fd >= 0);
    int one = 1;
    CHECK(int_option(tcp_fd, IPPROTO_TCP, TCP_NODELAY) == 0);
    CHECK(setsockopt(tcp_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == 0);
    CHECK(int_option(tcp_fd, IPPROTO_TCP, TCP_NODELAY) != 0);
    CHECK(int_option(tcp_fd, SOL_SOCKET, SO_KEEPALIVE) == 0);
    CHECK(setsockopt(tcp_fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one)) == 0);
    CHECK(int_option(tcp_fd, SOL_SOCKET, SO_KEEPALIVE) != 0);
    CHECK(setsockopt(tcp_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0);
    CHECK(int_option(tcp_fd, SOL_SOCKET, SO_REUSEADDR) != 0);
    CHECK(int_option(tcp_fd, SOL_SOCKET, SO_RCVBUF) > 0 && int_option(tcp_fd, SOL_SOCKET, SO_SNDBUF) > 0);
    CHECK(int_option(udp_fd, SOL_SOCKET, SO_RCVBUF) > 0 && int_option(udp_fd, SOL_SOCKET, SO_SNDBUF) > 0);
    CHECK(int_option(tcp_fd, SOL_SOCKET, SO_TYPE) == SOCK_STREAM); // without SOCK_NONBLOCK
    CHECK(int_option(udp_fd, SOL_SOCKET, SO_TYPE) == SOCK_DGRAM);
    CHECK(int_option(tcp_fd, SOL_SOCKET, SO_ERROR) == 0 && int_option(udp_fd, SOL_SOCKET, SO_ERROR) == 0);
    CHECK(int_option(tcp_fd, SOL_SOCKET, SO_ACCEPTCONN) == 0);
    struct sockaddr_in address = loopback4(0);
    CHECK(bind(tcp_fd, (struct sockaddr*)&address, sizeof(address)) == 0 && listen(tcp_fd, 1) == 0);
    CHECK(int_option(tcp_fd, SOL_SOCKET, SO_ACCEPTCONN) == 1);
    int value = 0;
    socklen_t length = sizeof(value);
    CHECK(getsockopt(tcp_fd, SOL_SOCKET, 12345, &value, &length) == -1 && errno == ENOPROTOOPT);

    struct timeval timeout = { 0, 20 * 1000 };
    CHECK(bind(udp_fd, (struct sockaddr*)&address, sizeof(address)) == 0);
    CHECK(setsockopt(udp_fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout)) == 0);
    char byte;
    CHECK(recv(udp_fd, &byte, 1, 0) == -1 && errno == EAGAIN); // gives up after the timeout
    close(udp_fd);
    close(tcp_fd);
}

static void sockopts(void) { options(); }

// names: numeric lookups (no files or DNS), then localhost through /etc/hosts.
static void numeric_names(void)
{
    struct addrinfo hints = { .ai_flags = AI_NUMERICHOST, .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
    struct addrinfo* result = NULL;
    CHECK(getaddrinfo("127.0.0.1", "80", &hints, &result) == 0 && result != NULL);
    if (result) {
        const struct sockaddr_in* address = (const struct sockaddr_in*)result->ai_addr;
        CHECK(result->ai_family == AF_INET && result->ai_socktype == SOCK_STREAM);
        CHECK(result->ai_protocol == IPPROTO_TCP);
        struct sockaddr_in expected = loopback4(80);
        CHECK(result->ai_addrlen == sizeof(*address) && same4(address, &expected));
        CHECK(result->ai_next == NULL);
        freeaddrinfo(result);
    }
    result = NULL;
    CHECK(getaddrinfo("::1", "443", &hints, &result) == 0 && result != NULL);
    if (result) {
        const struct sockaddr_in6* address = (const struct sockaddr_in6*)result->ai_addr;
        CHECK(result->ai_family == AF_INET6 && result->ai_addrlen == sizeof(*address));
        struct sockaddr_in6 expected = loopback6(443);
        CHECK(same6(address, &expected));
        freeaddrinfo(result);
    }
    result = NULL;
    CHECK(getaddrinfo("not-a-number", "80", &hints, &result) == EAI_NONAME);

    // Connect to a listener through getaddrinfo's answer.
    int port;
    int listener = tcp_listener(0, &port);
    char service[16];
    snprintf(service, sizeof(service), "%d", port);
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    result = NULL;
    CHECK(getaddrinfo("127.0.0.1", service, &hints, &result) == 0 && result != NULL);
    if (result) {
        int fd = socket(result->ai_family, result->ai_socktype, result->ai_protocol);
        CHECK(fd >= 0 && connect(fd, result->ai_addr, result->ai_addrlen) == 0);
        int server = accept(listener, NULL, NULL);
        CHECK(server >= 0);
        close(server);
        close(fd);
        freeaddrinfo(result);
    }
    close(listener);

    struct sockaddr_in address = loopback4(80);
    char host[NI_MAXHOST], serv[NI_MAXSERV];
    CHECK(getnameinfo((struct sockaddr*)&address, sizeof(address), host, sizeof(host), serv, sizeof(serv),
              NI_NUMERICHOST | NI_NUMERICSERV)
        == 0);
    CHECK(strcmp(host, "127.0.0.1") == 0 && strcmp(serv, "80") == 0);
    struct in6_addr parsed;
    char text[INET6_ADDRSTRLEN];
    CHECK(inet_pton(AF_INET6, "::1", &parsed) == 1 && IN6_IS_ADDR_LOOPBACK(&parsed));
    CHECK(inet_ntop(AF_INET6, &parsed, text, sizeof(text)) != NULL && strcmp(text, "::1") == 0);
}

static void localhost(void)
{
    if (access("/etc/hosts", R_OK) != 0) {
        puts("sockets: note: no /etc/hosts, localhost not looked up");
        return;
    }
    struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *result = NULL;
    CHECK(getaddrinfo("localhost", "80", &hints, &result) == 0 && result != NULL);
    if (result) {
        const struct sockaddr_in* address = (const struct sockaddr_in*)result->ai_addr;
        CHECK(result->ai_family == AF_INET && ntohs(address->sin_port) == 80);
        CHECK(ntohl(address->sin_addr.s_addr) >> 24 == 127);
        freeaddrinfo(result);
    }
}

static void names(void)
{
    numeric_names();
    localhost();
}

// unix: socketpair(AF_UNIX) ends, stream and datagram.
static void unix_stream_pair(void)
{
    int fds[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
    CHECK(fcntl(fds[0], F_GETFD) & FD_CLOEXEC);
    struct stat st;
    CHECK(fstat(fds[0], &st) == 0 && S_ISSOCK(st.st_mode));
    CHECK(
        int_option(fds[0], SOL_SOCKET, SO_TYPE) == SOCK_STREAM && int_option(fds[0], SOL_SOCKET, SO_DOMAIN) == AF_UNIX);
    struct sockaddr_storage name;
    socklen_t length = sizeof(name);
    CHECK(getsockname(fds[0], (struct sockaddr*)&name, &length) == 0 && length == sizeof(sa_family_t)
        && name.ss_family == AF_UNIX); // unnamed
    CHECK(write(fds[0], "ping", 4) == 4 && write(fds[0], "!", 1) == 1);
    char buffer[16] = { 0 };
    int available = -1;
    CHECK(ioctl(fds[1], FIONREAD, &available) == 0 && available == 5);
    CHECK(recv(fds[1], buffer, sizeof(buffer), MSG_PEEK) == 5);
    CHECK(read(fds[1], buffer, sizeof(buffer)) == 5 && memcmp(buffer, "ping!", 5) == 0); // a stream: no boundaries
    CHECK(send(fds[1], "pong", 4, 0) == 4);
    CHECK(recv(fds[0], buffer, sizeof(buffer), 0) == 4 && memcmp(buffer, "pong", 4) == 0);
    CHECK(recv(fds[0], buffer, sizeof(buffer), MSG_DONTWAIT) == -1 && errno == EAGAIN);
    struct pollfd both[2] = { { fds[0], POLLIN | POLLOUT, 0 }, { fds[1], POLLIN | POLLOUT, 0 } };
    CHECK(poll(both, 2, 0) == 2 && both[0].revents == POLLOUT && both[1].revents == POLLOUT);
    CHECK(shutdown(fds[0], SHUT_WR) == 0);
    CHECK(read(fds[1], buffer, sizeof(buffer)) == 0); // the writer's end of file
    CHECK(write(fds[1], "back", 4) == 4);             // the other direction still works
    CHECK(read(fds[0], buffer, sizeof(buffer)) == 4);
    close(fds[1]);
    CHECK(read(fds[0], buffer, sizeof(buffer)) == 0);
    CHECK(send(fds[0], "x", 1, MSG_NOSIGNAL) == -1 && errno == EPIPE);
    close(fds[0]);

    // Flow control: a full direction makes a non-blocking writer wait, a read frees room.
    CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds) == 0);
    static char block[4096];
    size_t queued = 0;
    ssize_t n;
    while ((n = write(fds[0], block, sizeof(block))) > 0)
        queued += (size_t)n;
    CHECK(n == -1 && errno == EAGAIN && queued >= 65536);
    struct pollfd writer = { fds[0], POLLOUT, 0 };
    CHECK(poll(&writer, 1, 0) == 0);
    size_t drained = 0;
    while ((n = read(fds[1], block, sizeof(block))) > 0)
        drained += (size_t)n;
    CHECK(drained == queued);
    CHECK(poll(&writer, 1, 0) == 1 && writer.revents == POLLOUT);
    close(fds[0]);
    close(fds[1]);
}

static void* echo_pair_end(void* argument)
{
    int fd = (int)(intptr_t)argument;
    char buffer[256];
    ssize_t n;
    while ((n = read(fd, buffer, sizeof(buffer))) > 0)
        if (write(fd, buffer, (size_t)n) != n)
            return (void*)1;
    close(fd);
    return NULL;
}

static void unix_between_threads(void)
{
    int fds[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
    pthread_t thread;
    pthread_create(&thread, NULL, echo_pair_end, (void*)(intptr_t)fds[1]);
    char reply[64];
    for (int i = 0; i < 100; ++i) { // the reader blocks until the other thread answers
        char message[32];
        int size = snprintf(message, sizeof(message), "message %d", i);
        CHECK(write(fds[0], message, (size_t)size) == size);
        CHECK(recv(fds[0], reply, (size_t)size, MSG_WAITALL) == size && memcmp(reply, message, (size_t)size) == 0);
    }
    close(fds[0]); // the echo thread reads end of file and ends
    void* result;
    pthread_join(thread, &result);
    CHECK(result == NULL);
}

static void unix_datagram_pair(void)
{
    int fds[2];
    CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, fds) == 0);
    CHECK(int_option(fds[0], SOL_SOCKET, SO_TYPE) == SOCK_DGRAM);
    CHECK(send(fds[0], "one", 3, 0) == 3 && send(fds[0], "second", 6, 0) == 6 && send(fds[0], "", 0, 0) == 0);
    char buffer[16];
    int available = -1;
    CHECK(ioctl(fds[1], FIONREAD, &available) == 0 && available == 3);
    CHECK(recv(fds[1], buffer, sizeof(buffer), 0) == 3);
    struct iovec part = { buffer, 2 };
    struct msghdr message = { .msg_iov = &part, .msg_iovlen = 1 };
    CHECK(recvmsg(fds[1], &message, 0) == 2 && (message.msg_flags & MSG_TRUNC)); // the rest is dropped
    CHECK(recv(fds[1], buffer, sizeof(buffer), 0) == 0);                         // the empty datagram
    CHECK(recv(fds[1], buffer, sizeof(buffer), MSG_DONTWAIT) == -1 && errno == EAGAIN);
    close(fds[0]);
    CHECK(send(fds[1], "x", 1, MSG_NOSIGNAL) == -1 && errno == ECONNREFUSED); // Linux: a datagram's peer is gone
    close(fds[1]);
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, IPPROTO_TCP, fds) == -1 && errno == EPROTONOSUPPORT);
    CHECK(socketpair(AF_INET, SOCK_STREAM, 0, fds) == -1 && errno == EOPNOTSUPP);
}

// socket(AF_UNIX) alone: nothing listens on a name, so connecting to a missing path is
// ENOENT and to an existing file ECONNREFUSED, as on Linux without that server (a program
// logging to /dev/log without a syslog daemon goes on).
static void unix_unconnected(void)
{
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    CHECK(fd >= 0);
    struct sockaddr_un log = { .sun_family = AF_UNIX };
    strcpy(log.sun_path, "/dev/log");
    CHECK(connect(fd, (struct sockaddr*)&log, sizeof(log)) == -1 && errno == ENOENT);
    strcpy(log.sun_path, "/etc/hosts");
    CHECK(connect(fd, (struct sockaddr*)&log, sizeof(log)) == -1 && errno == ECONNREFUSED);
    CHECK(sendto(fd, "x", 1, 0, (struct sockaddr*)&log, sizeof(log)) == -1 && errno == ECONNREFUSED);
    CHECK(send(fd, "x", 1, MSG_NOSIGNAL) == -1 && errno == ENOTCONN);
    char byte;
    CHECK(recv(fd, &byte, 1, MSG_DONTWAIT) == -1 && errno == EAGAIN);
    close(fd);
    int stream = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(stream >= 0 && recv(stream, &byte, 1, 0) == -1 && errno == EINVAL);
    close(stream);
    CHECK(socket(AF_UNIX, SOCK_STREAM, 5) == -1 && errno == EPROTONOSUPPORT);
}

static void unix_pairs(void)
{
    unix_stream_pair();
    unix_between_threads();
    unix_datagram_pair();
    unix_unconnected();
}

// The interfaces as programs list them: getifaddrs and if_nameindex (netlink underneath),
// the SIOCGIF ioctls, and a netlink request the kernel does not serve.
static void interfaces(void)
{
    struct ifaddrs* list;
    CHECK(getifaddrs(&list) == 0);
    int loopback_ipv4 = 0, loopback_link = 0;
    for (struct ifaddrs* i = list; i; i = i->ifa_next) {
        if (strcmp(i->ifa_name, "lo") != 0 || !i->ifa_addr)
            continue;
        CHECK((i->ifa_flags & (IFF_UP | IFF_LOOPBACK)) == (IFF_UP | IFF_LOOPBACK));
        loopback_link |= i->ifa_addr->sa_family == AF_PACKET;
        if (i->ifa_addr->sa_family == AF_INET) {
            loopback_ipv4 = ((struct sockaddr_in*)i->ifa_addr)->sin_addr.s_addr == htonl(INADDR_LOOPBACK);
            CHECK(((struct sockaddr_in*)i->ifa_netmask)->sin_addr.s_addr == htonl(0xff000000));
        }
    }
    CHECK(loopback_ipv4 && loopback_link);
    freeifaddrs(list);
    CHECK(if_nametoindex("lo") == 1 && if_nametoindex("nonexistent0") == 0);
    char name[IF_NAMESIZE];
    CHECK(if_indextoname(1, name) && strcmp(name, "lo") == 0);
    CHECK(if_indextoname(99, name) == NULL && errno == ENXIO);

    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct ifreq ifr = { 0 };
    strcpy(ifr.ifr_name, "lo");
    CHECK(ioctl(fd, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_LOOPBACK));
    CHECK(ioctl(fd, SIOCGIFADDR, &ifr) == 0
        && ((struct sockaddr_in*)&ifr.ifr_addr)->sin_addr.s_addr == htonl(INADDR_LOOPBACK));
    struct ifreq listed[8];
    struct ifconf conf = { .ifc_len = sizeof(listed), .ifc_req = listed };
    CHECK(ioctl(fd, SIOCGIFCONF, &conf) == 0 && conf.ifc_len >= (int)sizeof(struct ifreq)
        && strcmp(listed[0].ifr_name, "lo") == 0);
    strcpy(ifr.ifr_name, "nonexistent0");
    CHECK(ioctl(fd, SIOCGIFINDEX, &ifr) == -1 && errno == ENODEV);
    close(fd);

    CHECK(socket(AF_NETLINK, SOCK_RAW, NETLINK_AUDIT) == -1 && errno == EPROTONOSUPPORT);
    int nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    CHECK(nl >= 0);
    struct {
        struct nlmsghdr header;
        struct ifaddrmsg body;
    } request = { { sizeof(request), RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK, 7, 0 }, { AF_INET } };
    CHECK(send(nl, &request, sizeof(request), 0) == (ssize_t)sizeof(request));
    char reply[512];
    ssize_t n = recv(nl, reply, sizeof(reply), MSG_DONTWAIT);
    struct nlmsghdr* header = (struct nlmsghdr*)reply;
    CHECK(n >= (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr)) && header->nlmsg_type == NLMSG_ERROR
        && header->nlmsg_seq == 7 && ((struct nlmsgerr*)NLMSG_DATA(header))->error == -EOPNOTSUPP);
    CHECK(recv(nl, reply, sizeof(reply), MSG_DONTWAIT) == -1 && errno == EAGAIN);
    close(nl);
}

static const struct group {
    const char* name;
    void (*run)(void);
} groups[] = {
    { "tcp", tcp },
    { "errors", errors },
    { "nonblocking", nonblocking },
    { "epoll", epoll },
    { "udp", udp },
    { "ipv6", ipv6 },
    { "sockopts", sockopts },
    { "names", names },
    { "unix", unix_pairs },
    { "interfaces", interfaces },
};

int main(int argc, char** argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0); // failures show even if a later check hangs
    struct sigaction counting = { .sa_handler = count_sigpipe };
    sigaction(SIGPIPE, &counting, NULL);
    int ran = 0;
    for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); ++i)
        if (argc < 2 || strcmp(argv[1], groups[i].name) == 0)
            groups[i].run(), ++ran;
    if (ran == 0) {
        printf(
            "sockets: no group %s (tcp errors nonblocking epoll udp ipv6 sockopts names unix interfaces)\n", argv[1]);
        return 2;
    }
    if (failures) {
        printf("sockets: %d failures\n", failures);
        return 1;
    }
    puts("sockets: ok");
    return 0;
}
