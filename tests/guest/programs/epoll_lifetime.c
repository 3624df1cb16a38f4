// An epoll item lives as long as its open file description, not its descriptor (Linux's
// epoll(7), "Q6"): closing one descriptor of a file that another still holds keeps the
// item (and it still reports, with its data); closing the last one removes it, even when
// a new file then gets the same descriptor number (the new file's events must not come
// with the old item's data). Prints "epoll_lifetime: ok".
#define TEST_NAME "epoll_lifetime"
#include "check.h"

#include <sys/epoll.h>
#include <unistd.h>

static int wait_events(int epoll, struct epoll_event* events) { return epoll_wait(epoll, events, 4, 0); }

int main(void)
{
    int epoll = epoll_create1(0);
    CHECK(epoll >= 0);
    struct epoll_event events[4];

    // 1. A file still open under another descriptor keeps its item.
    int first[2];
    CHECK(pipe(first) == 0);
    struct epoll_event watch = { .events = EPOLLIN, .data.u64 = 111 };
    CHECK(epoll_ctl(epoll, EPOLL_CTL_ADD, first[0], &watch) == 0);
    int copy = dup(first[0]);
    CHECK(copy >= 0);
    CHECK(close(first[0]) == 0);
    CHECK(write(first[1], "x", 1) == 1);
    CHECK(wait_events(epoll, events) == 1 && events[0].data.u64 == 111);
    // Its descriptor is gone, so it cannot be named to EPOLL_CTL_DEL any more (Linux: ENOENT
    // by the new descriptor, EBADF by the old one).
    struct epoll_event ignored = { 0 };
    CHECK(epoll_ctl(epoll, EPOLL_CTL_DEL, copy, &ignored) == -1 && errno == ENOENT);

    // 2. Closing the last descriptor removes it.
    CHECK(close(copy) == 0);
    CHECK(wait_events(epoll, events) == 0);

    // 3. A new file on the same descriptor number is not the old item's.
    int second[2];
    CHECK(pipe(second) == 0);
    CHECK(write(second[1], "y", 1) == 1);
    CHECK(wait_events(epoll, events) == 0);
    watch.data.u64 = 222;
    CHECK(epoll_ctl(epoll, EPOLL_CTL_ADD, second[0], &watch) == 0); // not EEXIST
    CHECK(wait_events(epoll, events) == 1 && events[0].data.u64 == 222);

    // 4. Many rounds of close and reopen on the same number: never the stale data.
    for (int round = 0; round < 200; ++round) {
        int fds[2];
        CHECK(pipe(fds) == 0);
        watch.data.u64 = 1000 + (uint64_t)round;
        CHECK(epoll_ctl(epoll, EPOLL_CTL_ADD, fds[0], &watch) == 0);
        CHECK(write(fds[1], "z", 1) == 1);
        int got = wait_events(epoll, events);
        int mine = 0;
        for (int i = 0; i < got; ++i)
            mine += events[i].data.u64 == 1000 + (uint64_t)round;
        CHECK(mine == 1 && got == 2);                    // this round's pipe and the second one
        CHECK(close(fds[0]) == 0 && close(fds[1]) == 0); // no EPOLL_CTL_DEL: close removes it
    }
    if (failures)
        return 1;
    printf("epoll_lifetime: ok\n");
    return 0;
}
