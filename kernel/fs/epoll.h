// epoll(7): an interest list of (descriptor, events, data) as a file. A look
// (epoll_collect) asks each registered file which of its events hold, the way poll does:
// level-triggered items report while their events hold; EPOLLET items only when the file
// changed since they last reported (a file's fs::ChangeCounter; a file that never changes,
// like the console, reports once); EPOLLONESHOT items stop after one report until
// EPOLL_CTL_MOD. An item goes when its descriptor no longer names its file (closed).
// EPOLLEXCLUSIVE is accepted: every waiter is woken (no thundering-herd control yet).
#pragma once

#include <kernel/fs/file.h>

namespace fs {

/// struct epoll_event, packed on x86-64.
struct [[gnu::packed]] EpollEvent {
    uint32_t events;
    uint64_t data;
};
static_assert(sizeof(EpollEvent) == 12);

constexpr int kEpollAdd = 1, kEpollDel = 2, kEpollMod = 3;
constexpr uint32_t kEpollExclusive = 1u << 28, kEpollOneShot = 1u << 30, kEpollEdge = 1u << 31;

/// A new, empty epoll instance. NOMEM.
lib::Result<File*> make_epoll_file();

/// Whether `file` is an epoll instance.
bool is_epoll(const File& file);

/// epoll_ctl(2) on `epoll` for descriptor `fd` (which names `target`). EEXIST (added
/// twice), ENOENT (not there), EINVAL (itself, a bad op, EPOLLEXCLUSIVE with MOD),
/// EPERM (a file that cannot be polled: ROFS files), NOMEM.
lib::Result<void> epoll_control(File& epoll, int op, int fd, File& target, uint32_t events, uint64_t data);

/// One look: fills up to `max` ready events into `out`; returns how many.
size_t epoll_collect(File& epoll, EpollEvent* out, size_t max);

} // namespace fs
