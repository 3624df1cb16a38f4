// AF_UNIX sockets with names, checked against Linux's answers (unix(7)): stream and
// seqpacket listeners on a path and on an abstract name, between threads; autobind; the
// backlog; a listener closed with connections waiting; datagram sockets addressed by name,
// connected, and refusing others; files passed with SCM_RIGHTS (stream, datagram,
// truncated control buffers, MSG_CMSG_CLOEXEC); SCM_CREDENTIALS, SO_PASSCRED and
// SO_PEERCRED. `unix_sockets GROUP` runs one group; no argument runs them all.
#define _GNU_SOURCE
#define TEST_NAME "unix_sockets"
#include "check.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static socklen_t path_address(struct sockaddr_un* address, const char* path)
{
    memset(address, 0, sizeof(*address));
    address->sun_family = AF_UNIX;
    strcpy(address->sun_path, path);
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1);
}

static socklen_t abstract_address(struct sockaddr_un* address, const char* name)
{
    memset(address, 0, sizeof(*address));
    address->sun_family = AF_UNIX;
    memcpy(address->sun_path + 1, name, strlen(name));
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(name));
}

static int bound_socket(int type, const struct sockaddr_un* address, socklen_t length)
{
    int fd = socket(AF_UNIX, type, 0);
    CHECK(fd >= 0);
    CHECK(bind(fd, (const struct sockaddr*)address, length) == 0);
    return fd;
}

static void* echo_connections(void* argument)
{
    int listener = (int)(intptr_t)argument;
    for (int served = 0; served < 2; ++served) {
        struct sockaddr_un peer;
        socklen_t length = sizeof(peer);
        int fd = accept(listener, (struct sockaddr*)&peer, &length);
        if (fd < 0)
            return (void*)1;
        if (length != sizeof(sa_family_t)) // the clients are unnamed
            return (void*)2;
        char buffer[256];
        ssize_t n;
        while ((n = read(fd, buffer, sizeof(buffer))) > 0)
            if (write(fd, buffer, (size_t)n) != n)
                return (void*)3;
        close(fd);
    }
    return NULL;
}

// Connects to `address` and echoes 50 messages; getpeername must give `bound`, the name
// the listener was bound to (not the relative path connected to).
static void talk(
    const struct sockaddr_un* address, socklen_t length, const struct sockaddr_un* bound, socklen_t bound_length)
{
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(connect(fd, (const struct sockaddr*)address, length) == 0);
    struct sockaddr_un peer;
    socklen_t peer_length = sizeof(peer);
    CHECK(getpeername(fd, (struct sockaddr*)&peer, &peer_length) == 0 && peer_length == bound_length
        && memcmp(&peer, bound, bound_length) == 0);
    for (int i = 0; i < 50; ++i) {
        char message[32], reply[32];
        int size = snprintf(message, sizeof(message), "message %d", i);
        CHECK(write(fd, message, (size_t)size) == size);
        CHECK(recv(fd, reply, (size_t)size, MSG_WAITALL) == size && memcmp(reply, message, (size_t)size) == 0);
    }
    close(fd);
}

// A listener on a path and on an abstract name, each serving two clients from a thread.
static void stream_names(void)
{
    unlink("/tmp/echo.sock");
    struct sockaddr_un address, name;
    socklen_t length = path_address(&address, "/tmp/echo.sock");
    int listener = bound_socket(SOCK_STREAM | SOCK_CLOEXEC, &address, length);
    struct stat st;
    CHECK(stat("/tmp/echo.sock", &st) == 0 && S_ISSOCK(st.st_mode));
    CHECK(open("/tmp/echo.sock", O_RDONLY) == -1 && errno == ENXIO);
    socklen_t name_length = sizeof(name);
    CHECK(getsockname(listener, (struct sockaddr*)&name, &name_length) == 0 && name_length == length
        && strcmp(name.sun_path, "/tmp/echo.sock") == 0);
    int early = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(connect(early, (struct sockaddr*)&address, length) == -1 && errno == ECONNREFUSED); // not listening yet
    close(early);
    CHECK(listen(listener, 8) == 0);
    pthread_t thread;
    pthread_create(&thread, NULL, echo_connections, (void*)(intptr_t)listener);
    talk(&address, length, &address, length);
    CHECK(chdir("/tmp") == 0); // a relative name, from the working directory
    struct sockaddr_un relative;
    socklen_t relative_length = path_address(&relative, "echo.sock");
    talk(&relative, relative_length, &address, length);
    CHECK(chdir("/") == 0);
    void* result;
    pthread_join(thread, &result);
    CHECK(result == NULL);

    int second = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(bind(second, (struct sockaddr*)&address, length) == -1 && errno == EADDRINUSE);
    close(listener); // the name stays, refusing, until unlinked
    int late = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(connect(late, (struct sockaddr*)&address, length) == -1 && errno == ECONNREFUSED);
    CHECK(unlink("/tmp/echo.sock") == 0);
    CHECK(connect(late, (struct sockaddr*)&address, length) == -1 && errno == ENOENT);
    CHECK(bind(second, (struct sockaddr*)&address, length) == 0 && listen(second, 1) == 0);
    CHECK(connect(late, (struct sockaddr*)&address, length) == 0);
    CHECK(connect(late, (struct sockaddr*)&address, length) == -1 && errno == EISCONN);
    close(late);
    close(second);
    unlink("/tmp/echo.sock");

    struct sockaddr_un abstract;
    socklen_t abstract_length = abstract_address(&abstract, "osprey-echo");
    listener = bound_socket(SOCK_STREAM, &abstract, abstract_length);
    int taken = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(bind(taken, (struct sockaddr*)&abstract, abstract_length) == -1 && errno == EADDRINUSE);
    CHECK(listen(listener, 8) == 0);
    name_length = sizeof(name);
    CHECK(getsockname(listener, (struct sockaddr*)&name, &name_length) == 0 && name_length == abstract_length
        && name.sun_path[0] == 0 && memcmp(name.sun_path + 1, "osprey-echo", 11) == 0);
    pthread_create(&thread, NULL, echo_connections, (void*)(intptr_t)listener);
    talk(&abstract, abstract_length, &abstract, abstract_length);
    talk(&abstract, abstract_length, &abstract, abstract_length);
    pthread_join(thread, &result);
    CHECK(result == NULL);
    close(listener); // the abstract name goes with its socket
    CHECK(bind(taken, (struct sockaddr*)&abstract, abstract_length) == 0);
    close(taken);
}

// The errors around names and listening.
static void stream_errors(void)
{
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(listen(fd, 1) == -1 && errno == EINVAL); // no name
    int on = 1, value = 0; // SOL_SOCKET options are accepted and reported back (nginx sets this)
    socklen_t value_length = sizeof(value);
    CHECK(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == 0);
    CHECK(getsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &value, &value_length) == 0 && value == 1);
    CHECK(setsockopt(fd, IPPROTO_TCP, 1, &on, sizeof(on)) == -1 && errno == EOPNOTSUPP);
    struct sockaddr_un address;
    socklen_t length = path_address(&address, "/tmp/missing/x.sock");
    CHECK(bind(fd, (struct sockaddr*)&address, length) == -1 && errno == ENOENT);
    length = path_address(&address, "/etc/hosts");
    CHECK(bind(fd, (struct sockaddr*)&address, length) == -1 && errno == EADDRINUSE);
    CHECK(connect(fd, (struct sockaddr*)&address, length) == -1 && errno == ECONNREFUSED);
    struct sockaddr_in inet = { .sin_family = AF_INET };
    CHECK(bind(fd, (struct sockaddr*)&inet, sizeof(inet)) == -1 && errno == EINVAL);
    struct sockaddr_storage long_address = { .ss_family = AF_UNIX };
    CHECK(bind(fd, (struct sockaddr*)&long_address, sizeof(struct sockaddr_un) + 1) == -1 && errno == EINVAL);
    close(fd);

    // A control message whose length runs past the control buffer, or an unknown one.
    int pair[2];
    CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, pair) == 0);
    char control[CMSG_SPACE(sizeof(int))] = { 0 };
    struct iovec part = { "x", 1 };
    struct msghdr message
        = { .msg_iov = &part, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof(control) };
    struct cmsghdr* header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = sizeof(control) + 8;
    CHECK(sendmsg(pair[0], &message, 0) == -1 && errno == EINVAL);
    header->cmsg_len = CMSG_LEN(sizeof(int));
    header->cmsg_type = 77;
    CHECK(sendmsg(pair[0], &message, 0) == -1 && errno == EINVAL);
    close(pair[0]);
    close(pair[1]);

    // Autobind: sun_family alone takes an abstract name of five hex digits.
    fd = socket(AF_UNIX, SOCK_DGRAM, 0);
    sa_family_t family = AF_UNIX;
    CHECK(bind(fd, (struct sockaddr*)&family, sizeof(family)) == 0);
    struct sockaddr_un name;
    socklen_t name_length = sizeof(name);
    CHECK(getsockname(fd, (struct sockaddr*)&name, &name_length) == 0
        && name_length == offsetof(struct sockaddr_un, sun_path) + 6 && name.sun_path[0] == 0);
    CHECK(bind(fd, (struct sockaddr*)&family, sizeof(family)) == 0); // named already: kept
    struct sockaddr_un again;
    socklen_t again_length = sizeof(again);
    CHECK(getsockname(fd, (struct sockaddr*)&again, &again_length) == 0 && again_length == name_length
        && memcmp(&again, &name, name_length) == 0);
    struct sockaddr_un second_name;
    socklen_t second_length = path_address(&second_name, "/tmp/second-name.sock");
    CHECK(bind(fd, (struct sockaddr*)&second_name, second_length) == -1 && errno == EINVAL);
    CHECK(access("/tmp/second-name.sock", F_OK) == -1 && errno == ENOENT);
    close(fd);

    // Another type at the name: EPROTOTYPE.
    unlink("/tmp/dgram.sock");
    length = path_address(&address, "/tmp/dgram.sock");
    int datagram = bound_socket(SOCK_DGRAM, &address, length);
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(connect(fd, (struct sockaddr*)&address, length) == -1 && errno == EPROTOTYPE);
    close(fd);
    close(datagram);
    unlink("/tmp/dgram.sock");
}

// The backlog: backlog + 1 connections wait, then a non-blocking connect is EAGAIN; accept
// makes room. A listener closed with connections waiting resets them.
static void backlog(void)
{
    struct sockaddr_un address;
    socklen_t length = abstract_address(&address, "osprey-backlog");
    int listener = bound_socket(SOCK_STREAM | SOCK_NONBLOCK, &address, length);
    CHECK(listen(listener, 1) == 0);
    CHECK(accept(listener, NULL, NULL) == -1 && errno == EAGAIN);
    struct pollfd readable = { listener, POLLIN, 0 };
    CHECK(poll(&readable, 1, 0) == 0);
    int clients[3];
    for (int i = 0; i < 3; ++i)
        clients[i] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
    CHECK(connect(clients[0], (struct sockaddr*)&address, length) == 0);
    CHECK(connect(clients[1], (struct sockaddr*)&address, length) == 0);
    CHECK(connect(clients[2], (struct sockaddr*)&address, length) == -1 && errno == EAGAIN);
    CHECK(poll(&readable, 1, 0) == 1 && readable.revents == POLLIN);
    CHECK(write(clients[0], "before accept", 13) == 13); // queued on the waiting connection
    int server = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
    CHECK(server >= 0 && (fcntl(server, F_GETFD) & FD_CLOEXEC));
    char buffer[32];
    CHECK(read(server, buffer, sizeof(buffer)) == 13 && memcmp(buffer, "before accept", 13) == 0);
    CHECK(connect(clients[2], (struct sockaddr*)&address, length) == 0); // room again
    close(listener); // clients[1] and clients[2] were never accepted
    CHECK(read(clients[1], buffer, sizeof(buffer)) == -1 && errno == ECONNRESET);
    CHECK(read(clients[1], buffer, sizeof(buffer)) == 0);
    struct pollfd reset = { clients[2], POLLIN, 0 };
    CHECK(poll(&reset, 1, 0) == 1 && (reset.revents & POLLHUP));
    CHECK(write(server, "still", 5) == 5 && read(clients[0], buffer, sizeof(buffer)) == 5);
    for (int i = 0; i < 3; ++i)
        close(clients[i]);
    close(server);
}

// Datagram sockets addressed by name: the sender's name arrives with each message;
// connect picks a default receiver; a socket connected to another refuses strangers.
static void datagrams(void)
{
    unlink("/tmp/server.sock");
    unlink("/tmp/client.sock");
    struct sockaddr_un server_address, client_address, from;
    socklen_t server_length = path_address(&server_address, "/tmp/server.sock");
    socklen_t client_length = path_address(&client_address, "/tmp/client.sock");
    int server = bound_socket(SOCK_DGRAM, &server_address, server_length);
    int client = bound_socket(SOCK_DGRAM, &client_address, client_length);
    CHECK(sendto(client, "hello", 5, 0, (struct sockaddr*)&server_address, server_length) == 5);
    char buffer[64];
    socklen_t from_length = sizeof(from);
    CHECK(recvfrom(server, buffer, sizeof(buffer), 0, (struct sockaddr*)&from, &from_length) == 5);
    CHECK(from_length == client_length && strcmp(from.sun_path, "/tmp/client.sock") == 0);
    CHECK(sendto(server, "reply", 5, 0, (struct sockaddr*)&from, from_length) == 5);
    CHECK(recv(client, buffer, sizeof(buffer), 0) == 5 && memcmp(buffer, "reply", 5) == 0);

    int anonymous = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK(sendto(anonymous, "anon", 4, 0, (struct sockaddr*)&server_address, server_length) == 4);
    from_length = sizeof(from);
    CHECK(recvfrom(server, buffer, sizeof(buffer), 0, (struct sockaddr*)&from, &from_length) == 4 && from_length == 0);

    CHECK(connect(client, (struct sockaddr*)&server_address, server_length) == 0);
    CHECK(send(client, "connected", 9, 0) == 9);
    CHECK(recv(server, buffer, sizeof(buffer), 0) == 9);
    struct sockaddr_un peer;
    socklen_t peer_length = sizeof(peer);
    CHECK(getpeername(client, (struct sockaddr*)&peer, &peer_length) == 0
        && strcmp(peer.sun_path, "/tmp/server.sock") == 0);
    // The server connects to the client: then only the client may send to it.
    CHECK(connect(server, (struct sockaddr*)&client_address, client_length) == 0);
    CHECK(sendto(anonymous, "x", 1, 0, (struct sockaddr*)&server_address, server_length) == -1 && errno == EPERM);
    CHECK(send(client, "ok", 2, 0) == 2 && recv(server, buffer, sizeof(buffer), 0) == 2);

    // A full queue: EAGAIN without blocking, room after a read.
    int filler = bound_socket(SOCK_DGRAM | SOCK_NONBLOCK, &(struct sockaddr_un) { AF_UNIX, "" }, sizeof(sa_family_t));
    struct sockaddr_un filler_name;
    socklen_t filler_length = sizeof(filler_name);
    CHECK(getsockname(filler, (struct sockaddr*)&filler_name, &filler_length) == 0);
    static char block[8192];
    int sent = 0;
    ssize_t n;
    while (
        (n = sendto(anonymous, block, sizeof(block), MSG_DONTWAIT, (struct sockaddr*)&filler_name, filler_length)) > 0)
        ++sent;
    CHECK(n == -1 && errno == EAGAIN && sent >= 8);
    CHECK(recv(filler, block, sizeof(block), 0) == (ssize_t)sizeof(block));
    CHECK(sendto(anonymous, block, sizeof(block), MSG_DONTWAIT, (struct sockaddr*)&filler_name, filler_length)
        == (ssize_t)sizeof(block));
    close(filler);
    CHECK(sendto(anonymous, "x", 1, 0, (struct sockaddr*)&filler_name, filler_length) == -1 && errno == ECONNREFUSED);

    // A socketpair's datagram end whose peer closed reads nothing (no end of file), and its
    // sends are refused.
    int pair[2];
    CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, pair) == 0);
    close(pair[0]);
    CHECK(recv(pair[1], buffer, sizeof(buffer), MSG_DONTWAIT) == -1 && errno == EAGAIN);
    CHECK(send(pair[1], "x", 1, 0) == -1 && errno == ECONNREFUSED);
    close(pair[1]);

    close(server); // the client's association now leads nowhere
    CHECK(send(client, "x", 1, 0) == -1 && errno == ECONNREFUSED);
    close(client);
    close(anonymous);
    unlink("/tmp/server.sock");
    unlink("/tmp/client.sock");
}

static int send_files(int socket, const char* data, size_t length, const int* fds, int count)
{
    char control[CMSG_SPACE(sizeof(int) * 8)] = { 0 };
    struct iovec part = { (void*)data, length };
    struct msghdr message = { .msg_iov = &part,
        .msg_iovlen = 1,
        .msg_control = control,
        .msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)count) };
    struct cmsghdr* header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_RIGHTS;
    header->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)count);
    memcpy(CMSG_DATA(header), fds, sizeof(int) * (size_t)count);
    return (int)sendmsg(socket, &message, 0);
}

// Receives into `buffer` and up to `room` descriptors; returns the bytes, the descriptors
// in fds/count and msg_flags in *flags.
static ssize_t receive_files(
    int socket, char* buffer, size_t size, int* fds, int* count, int room, int* flags, int receive_flags)
{
    char control[CMSG_SPACE(sizeof(int) * 8)];
    struct iovec part = { buffer, size };
    struct msghdr message = { .msg_iov = &part,
        .msg_iovlen = 1,
        .msg_control = control,
        .msg_controllen = room ? CMSG_LEN(sizeof(int) * (size_t)room) : 0 };
    if (!room)
        message.msg_control = NULL;
    ssize_t n = recvmsg(socket, &message, receive_flags);
    *count = 0;
    for (struct cmsghdr* h = CMSG_FIRSTHDR(&message); n >= 0 && h; h = CMSG_NXTHDR(&message, h))
        if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS) {
            int got = (int)((h->cmsg_len - CMSG_LEN(0)) / sizeof(int));
            memcpy(fds + *count, CMSG_DATA(h), sizeof(int) * (size_t)got);
            *count += got;
        }
    *flags = message.msg_flags;
    return n;
}

// SCM_RIGHTS: a pipe's write end and a file travel over a stream and a datagram socket.
static void passing_files(void)
{
    int pair[2], pipe_ends[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0);
    CHECK(pipe(pipe_ends) == 0);
    int file = open("/etc/hosts", O_RDONLY);
    CHECK(file >= 0);
    CHECK(write(pair[0], "plain", 5) == 5);
    int sent_fds[2] = { pipe_ends[1], file };
    CHECK(send_files(pair[0], "F", 1, sent_fds, 2) == 1);
    CHECK(write(pair[0], "after", 5) == 5);
    close(pipe_ends[1]); // the passed reference keeps the write end open
    char buffer[64];
    int fds[8], count, flags;
    // The read runs on into the bytes that carried files, and stops after them.
    CHECK(receive_files(pair[1], buffer, sizeof(buffer), fds, &count, 8, &flags, MSG_CMSG_CLOEXEC) == 6 && count == 2
        && memcmp(buffer, "plainF", 6) == 0 && flags == MSG_CMSG_CLOEXEC); // Linux echoes that flag
    CHECK(fcntl(fds[0], F_GETFD) & FD_CLOEXEC);
    CHECK(write(fds[0], "through", 7) == 7 && read(pipe_ends[0], buffer, sizeof(buffer)) == 7);
    struct stat a, b;
    CHECK(fstat(fds[1], &a) == 0 && fstat(file, &b) == 0 && a.st_ino == b.st_ino);
    CHECK(lseek(fds[1], 0, SEEK_CUR) == lseek(file, 0, SEEK_CUR)); // one open file description
    CHECK(read(pair[1], buffer, sizeof(buffer)) == 5 && memcmp(buffer, "after", 5) == 0);
    close(fds[0]);
    close(fds[1]);
    CHECK(read(pipe_ends[0], buffer, sizeof(buffer)) == 0); // every write end is closed now

    // Room for one descriptor of two: MSG_CTRUNC, the other is closed. None: both dropped.
    CHECK(pipe(pipe_ends) == 0);
    sent_fds[0] = pipe_ends[1];
    CHECK(send_files(pair[0], "1", 1, sent_fds, 2) == 1);
    CHECK(receive_files(pair[1], buffer, sizeof(buffer), fds, &count, 1, &flags, 0) == 1 && count == 1
        && (flags & MSG_CTRUNC));
    close(fds[0]);
    CHECK(send_files(pair[0], "2", 1, sent_fds, 1) == 1);
    close(pipe_ends[1]);
    CHECK(read(pair[1], buffer, sizeof(buffer)) == 1); // no control buffer: dropped
    CHECK(read(pipe_ends[0], buffer, sizeof(buffer)) == 0);
    close(pipe_ends[0]);

    // Files sent with a message of two buffers come back with all its bytes at once.
    CHECK(pipe(pipe_ends) == 0);
    char head[] = "head-", body[] = "body";
    struct iovec parts[2] = { { head, 5 }, { body, 4 } };
    char two_control[CMSG_SPACE(sizeof(int))] = { 0 };
    struct msghdr two
        = { .msg_iov = parts, .msg_iovlen = 2, .msg_control = two_control, .msg_controllen = sizeof(two_control) };
    struct cmsghdr* two_header = CMSG_FIRSTHDR(&two);
    two_header->cmsg_level = SOL_SOCKET;
    two_header->cmsg_type = SCM_RIGHTS;
    two_header->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(two_header), &pipe_ends[0], sizeof(int));
    CHECK(sendmsg(pair[0], &two, 0) == 9);
    CHECK(receive_files(pair[1], buffer, sizeof(buffer), fds, &count, 8, &flags, 0) == 9 && count == 1
        && memcmp(buffer, "head-body", 9) == 0);
    close(fds[0]);
    close(pipe_ends[0]);
    close(pipe_ends[1]);

    int bad = 999;
    CHECK(send_files(pair[0], "x", 1, &bad, 1) == -1 && errno == EBADF);
    int inet = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in loopback
        = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK), .sin_port = htons(9) };
    CHECK(connect(inet, (struct sockaddr*)&loopback, sizeof(loopback)) == 0);
    CHECK(send_files(inet, "x", 1, &file, 1) == 1); // Linux's UDP ignores SCM_RIGHTS
    close(inet);
    close(pair[0]);
    close(pair[1]);

    // A datagram carries its files; MSG_PEEK duplicates them.
    CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, pair) == 0);
    CHECK(send_files(pair[0], "d", 1, &file, 1) == 1);
    CHECK(receive_files(pair[1], buffer, sizeof(buffer), fds, &count, 8, &flags, MSG_PEEK) == 1 && count == 1);
    int peeked = fds[0];
    CHECK(receive_files(pair[1], buffer, sizeof(buffer), fds, &count, 8, &flags, 0) == 1 && count == 1
        && fds[0] != peeked);
    CHECK(fstat(fds[0], &a) == 0 && a.st_ino == b.st_ino);
    close(fds[0]);
    close(peeked);
    close(pair[0]);
    close(pair[1]);
    close(file);
}

// SO_PEERCRED names the peer process; SO_PASSCRED brings SCM_CREDENTIALS with each message;
// a sender may claim only its own identity.
static void credentials(void)
{
    int pair[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0);
    struct ucred peer;
    socklen_t length = sizeof(peer);
    CHECK(getsockopt(pair[0], SOL_SOCKET, SO_PEERCRED, &peer, &length) == 0 && length == sizeof(peer));
    CHECK(peer.pid == getpid() && peer.uid == geteuid() && peer.gid == getegid());
    int on = 1;
    CHECK(setsockopt(pair[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) == 0);
    CHECK(write(pair[0], "c", 1) == 1);
    char buffer[8];
    char control[CMSG_SPACE(sizeof(struct ucred))];
    struct iovec part = { buffer, sizeof(buffer) };
    struct msghdr message
        = { .msg_iov = &part, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof(control) };
    CHECK(recvmsg(pair[1], &message, 0) == 1);
    struct cmsghdr* header = CMSG_FIRSTHDR(&message);
    CHECK(header && header->cmsg_level == SOL_SOCKET && header->cmsg_type == SCM_CREDENTIALS);
    struct ucred sender;
    memcpy(&sender, CMSG_DATA(header), sizeof(sender));
    CHECK(sender.pid == getpid() && sender.uid == getuid() && sender.gid == getgid());

    struct ucred claimed = { getpid(), getuid(), getgid() };
    message.msg_controllen = sizeof(control);
    header = CMSG_FIRSTHDR(&message);
    header->cmsg_level = SOL_SOCKET;
    header->cmsg_type = SCM_CREDENTIALS;
    header->cmsg_len = CMSG_LEN(sizeof(claimed));
    memcpy(CMSG_DATA(header), &claimed, sizeof(claimed));
    part.iov_len = 1;
    CHECK(sendmsg(pair[0], &message, 0) == 1);
    CHECK(setuid(1000) == 0); // unprivileged now: another identity is refused
    claimed.uid = 0;
    memcpy(CMSG_DATA(header), &claimed, sizeof(claimed));
    CHECK(sendmsg(pair[0], &message, 0) == -1 && errno == EPERM);
    close(pair[0]);
    close(pair[1]);
    int tcp = socket(AF_INET, SOCK_STREAM, 0);
    length = sizeof(peer);
    CHECK(getsockopt(tcp, SOL_SOCKET, SO_PEERCRED, &peer, &length) == 0 && peer.pid == 0);
    close(tcp);
}

static void* accept_seqpacket(void* argument)
{
    int listener = (int)(intptr_t)argument;
    int fd = accept(listener, NULL, NULL);
    char buffer[64];
    ssize_t n;
    while ((n = recv(fd, buffer, sizeof(buffer), 0)) > 0) // one message per receive
        if (send(fd, buffer, (size_t)n, 0) != n)
            return (void*)1;
    close(fd);
    return n == 0 ? NULL : (void*)2;
}

// SOCK_SEQPACKET: connected, and messages keep their boundaries.
static void seqpacket(void)
{
    int pair[2];
    CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, pair) == 0);
    CHECK(send(pair[0], "one", 3, 0) == 3 && send(pair[0], "two!", 4, 0) == 4);
    char buffer[64];
    CHECK(recv(pair[1], buffer, sizeof(buffer), 0) == 3);
    struct iovec part = { buffer, 2 };
    struct msghdr message = { .msg_iov = &part, .msg_iovlen = 1 };
    CHECK(recvmsg(pair[1], &message, 0) == 2 && (message.msg_flags & MSG_TRUNC));
    close(pair[0]);
    CHECK(recv(pair[1], buffer, sizeof(buffer), 0) == 0);
    CHECK(send(pair[1], "x", 1, MSG_NOSIGNAL) == -1 && errno == EPIPE);
    close(pair[1]);

    struct sockaddr_un address;
    socklen_t length = abstract_address(&address, "osprey-seqpacket");
    int listener = bound_socket(SOCK_SEQPACKET, &address, length);
    CHECK(listen(listener, 4) == 0);
    pthread_t thread;
    pthread_create(&thread, NULL, accept_seqpacket, (void*)(intptr_t)listener);
    int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    CHECK(send(fd, "early", 5, MSG_NOSIGNAL) == -1 && errno == ENOTCONN);
    CHECK(connect(fd, (struct sockaddr*)&address, length) == 0);
    CHECK(send(fd, "a", 1, 0) == 1 && send(fd, "bc", 2, 0) == 2);
    CHECK(recv(fd, buffer, sizeof(buffer), 0) == 1 && recv(fd, buffer, sizeof(buffer), 0) == 2);
    close(fd);
    void* result;
    pthread_join(thread, &result);
    CHECK(result == NULL);
    close(listener);
}

static const struct group {
    const char* name;
    void (*run)(void);
} groups[] = {
    { "stream", stream_names }, { "errors", stream_errors }, { "backlog", backlog }, { "datagrams", datagrams },
    { "files", passing_files }, { "seqpacket", seqpacket }, { "credentials", credentials }, // last: it drops root
};

int main(int argc, char** argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    int ran = 0;
    for (size_t i = 0; i < sizeof(groups) / sizeof(groups[0]); ++i)
        if (argc < 2 || strcmp(argv[1], groups[i].name) == 0)
            groups[i].run(), ++ran;
    if (ran == 0) {
        printf("unix_sockets: no group %s\n", argv[1]);
        return 2;
    }
    if (failures) {
        printf("unix_sockets: %d failures\n", failures);
        return 1;
    }
    puts("unix_sockets: ok");
    return 0;
}
