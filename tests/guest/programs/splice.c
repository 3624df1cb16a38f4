// splice(2), tee(2) and vmsplice(2) with Linux's answers: a file into a pipe at an offset
// and a pipe into a file at one, a pipe to and from a socket, tee leaving the bytes where
// they were, vmsplice both ways, and the errors (no pipe, an offset for a pipe, the same
// pipe, bad flags, SPLICE_F_NONBLOCK on an empty pipe, EPIPE with SIGPIPE). Checked
// against Linux.
#define _GNU_SOURCE
#define TEST_NAME "splice"
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

static int make_file(const char* path, const char* text)
{
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text));
    return fd;
}

static void files_and_pipes(void)
{
    int file = make_file("/tmp/splice-in", "0123456789abcdefghij");
    int ends[2];
    CHECK(pipe(ends) == 0);
    loff_t offset = 5;
    CHECK(splice(file, &offset, ends[1], NULL, 10, 0) == 10 && offset == 15);
    CHECK(lseek(file, 0, SEEK_CUR) == 20); // an offset leaves the file's position alone
    char got[32] = "";
    CHECK(read(ends[0], got, sizeof got) == 10 && memcmp(got, "56789abcde", 10) == 0);

    CHECK(lseek(file, 0, SEEK_SET) == 0);
    CHECK(splice(file, NULL, ends[1], NULL, 4, 0) == 4 && lseek(file, 0, SEEK_CUR) == 4); // from the position
    int out = make_file("/tmp/splice-out", "..........");
    offset = 3;
    CHECK(splice(ends[0], NULL, out, &offset, 100, 0) == 4 && offset == 7); // what the pipe holds
    memset(got, 0, sizeof got);
    CHECK(pread(out, got, sizeof got, 0) == 10 && strcmp(got, "...0123...") == 0);

    CHECK(write(ends[1], "xyz", 3) == 3);
    CHECK(close(ends[1]) == 0);
    CHECK(splice(ends[0], NULL, out, NULL, 100, 0) == 3);
    CHECK(splice(ends[0], NULL, out, NULL, 100, 0) == 0); // no writer: end of file
    close(ends[0]);
    close(file);
    close(out);
}

static void sockets(void)
{
    int pair[2], ends[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0 && pipe(ends) == 0);
    CHECK(write(pair[1], "from the socket", 15) == 15);
    CHECK(splice(pair[0], NULL, ends[1], NULL, 64, 0) == 15);
    CHECK(splice(ends[0], NULL, pair[0], NULL, 64, 0) == 15); // and back out through it
    char got[32] = "";
    CHECK(read(pair[1], got, sizeof got) == 15 && memcmp(got, "from the socket", 15) == 0);
    close(pair[0]);
    close(pair[1]);
    close(ends[0]);
    close(ends[1]);
}

static void tee_and_vmsplice(void)
{
    int a[2], b[2];
    CHECK(pipe(a) == 0 && pipe(b) == 0);
    struct iovec parts[2] = { { "hello, ", 7 }, { "world", 5 } };
    CHECK(vmsplice(a[1], parts, 2, 0) == 12);
    CHECK(tee(a[0], b[1], 5, 0) == 5); // a copy of the first 5: a still has all 12
    char got[32] = "";
    CHECK(read(b[0], got, sizeof got) == 5 && memcmp(got, "hello", 5) == 0);
    char first[7], second[5];
    struct iovec into[2] = { { first, sizeof first }, { second, sizeof second } };
    CHECK(vmsplice(a[0], into, 2, 0) == 12); // from a read end: into the buffers
    CHECK(memcmp(first, "hello, ", 7) == 0 && memcmp(second, "world", 5) == 0);
    CHECK(tee(a[0], b[1], 5, SPLICE_F_NONBLOCK) == -1 && errno == EAGAIN); // a is empty
    CHECK(tee(a[0], a[1], 5, 0) == -1 && errno == EINVAL);                 // the same pipe
    close(a[0]);
    close(a[1]);
    close(b[0]);
    close(b[1]);
}

static void errors(void)
{
    int file = make_file("/tmp/splice-in", "data");
    int other = make_file("/tmp/splice-out", "");
    int ends[2];
    CHECK(pipe(ends) == 0);
    CHECK(splice(file, NULL, other, NULL, 4, 0) == -1 && errno == EINVAL); // no pipe
    loff_t offset = 0;
    CHECK(splice(file, NULL, ends[1], &offset, 4, 0) == -1 && errno == ESPIPE);  // an offset for a pipe
    CHECK(splice(ends[0], NULL, ends[1], NULL, 4, 0) == -1 && errno == EINVAL);  // the same pipe
    CHECK(splice(file, NULL, ends[1], NULL, 4, 0x100) == -1 && errno == EINVAL); // bad flags
    CHECK(splice(ends[0], NULL, other, NULL, 4, SPLICE_F_NONBLOCK) == -1 && errno == EAGAIN);
    CHECK(splice(file, NULL, ends[1], NULL, 0, 0) == 0);
    CHECK(splice(ends[1], NULL, other, NULL, 4, 0) == -1 && errno == EBADF); // a write end as input
    offset = -1;
    CHECK(splice(ends[0], NULL, other, &offset, 4, 0) == -1 && errno == EINVAL);
    signal(SIGPIPE, SIG_IGN);
    close(ends[0]);
    CHECK(lseek(file, 0, SEEK_SET) == 0);
    CHECK(splice(file, NULL, ends[1], NULL, 4, 0) == -1 && errno == EPIPE); // no reader
    CHECK(lseek(file, 0, SEEK_CUR) == 0);                                   // and nothing was read from the file
    close(ends[1]);
    close(file);
    close(other);
}

int main(void)
{
    files_and_pipes();
    sockets();
    tee_and_vmsplice();
    errors();
    if (!failures)
        printf(TEST_NAME ": ok\n");
    return failures ? 1 : 0;
}
