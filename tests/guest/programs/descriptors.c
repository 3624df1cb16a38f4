// RLIMIT_NOFILE and a descriptor table that grows (kernel/fs/fd_table.h): thousands of
// descriptors once the program raises its soft limit, the limit enforced with Linux's
// errors once it lowers it. argv[1], argv[2]: the soft and hard limits the program must
// start with (what `osprey run` passed from its own process), if given. Prints
// "descriptors: ok".
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#define CHECK(condition)                                                                                               \
    do {                                                                                                               \
        if (!(condition)) {                                                                                            \
            printf("descriptors: FAILED line %d: %s (errno %d %s)\n", __LINE__, #condition, errno, strerror(errno));   \
            exit(1);                                                                                                   \
        }                                                                                                              \
    } while (0)

enum { kMany = 5000 };
static int g_fds[kMany];

int main(int argc, char** argv)
{
    struct rlimit limit;
    CHECK(getrlimit(RLIMIT_NOFILE, &limit) == 0);
    if (argc > 2) {
        CHECK(limit.rlim_cur == strtoull(argv[1], NULL, 10));
        CHECK(limit.rlim_max == strtoull(argv[2], NULL, 10));
    }

    // Raise the limits (root may raise the hard one) and take thousands of descriptors.
    limit.rlim_cur = kMany + 100;
    if (limit.rlim_max < limit.rlim_cur)
        limit.rlim_max = limit.rlim_cur;
    CHECK(setrlimit(RLIMIT_NOFILE, &limit) == 0);
    int pipe_ends[2];
    CHECK(pipe(pipe_ends) == 0);
    for (int i = 0; i < kMany; ++i) {
        g_fds[i] = dup(pipe_ends[1]);
        CHECK(g_fds[i] >= 0);
        CHECK(i == 0 || g_fds[i] == g_fds[i - 1] + 1); // the lowest free one, every time
    }
    CHECK(g_fds[kMany - 1] > 4096);
    CHECK(write(g_fds[kMany - 1], "x", 1) == 1); // the last one reaches the pipe
    char byte = 0;
    CHECK(read(pipe_ends[0], &byte, 1) == 1 && byte == 'x');
    CHECK(dup2(pipe_ends[1], kMany + 50) == kMany + 50);
    CHECK(fcntl(kMany + 50, F_GETFD) == 0);
    CHECK(close(kMany + 50) == 0);

    // At the limit: EMFILE; dup2 past it EBADF, F_DUPFD past it EINVAL (dup2(2), fcntl(2)).
    CHECK(dup2(pipe_ends[1], kMany + 100) == -1 && errno == EBADF);
    CHECK(fcntl(pipe_ends[1], F_DUPFD, kMany + 100) == -1 && errno == EINVAL);
    while (dup(pipe_ends[1]) >= 0) { }
    CHECK(errno == EMFILE);
    CHECK(open("/dev/null", O_RDONLY) == -1 && errno == EMFILE);

    // Lowering the limit keeps open descriptors and refuses new ones above it.
    for (int fd = 3; fd < kMany + 100; ++fd)
        if (fd != pipe_ends[0] && fd != pipe_ends[1])
            close(fd);
    limit.rlim_cur = 64;
    CHECK(setrlimit(RLIMIT_NOFILE, &limit) == 0);
    CHECK(fcntl(pipe_ends[1], F_DUPFD, 64) == -1 && errno == EINVAL);
    int fd = open("/dev/null", O_RDONLY);
    CHECK(fd >= 0 && fd < 64);

    // Above fs.nr_open: EPERM; soft above hard: EINVAL.
    limit.rlim_max = (1 << 20) + 1;
    CHECK(setrlimit(RLIMIT_NOFILE, &limit) == -1 && errno == EPERM);
    limit.rlim_max = 100;
    limit.rlim_cur = 200;
    CHECK(setrlimit(RLIMIT_NOFILE, &limit) == -1 && errno == EINVAL);
    puts("descriptors: ok");
    return 0;
}
