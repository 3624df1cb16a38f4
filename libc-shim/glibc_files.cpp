// glibc's file calls that musl 1.2.3 lacks: renameat2, preadv2/pwritev2 (and their *64v2
// names, the same on x86-64), scandirat. Each is the system call or a loop over musl's
// directory reading; exported under the glibc names (gen-exports), as musl has none.
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

extern "C" {

int renameat2(int old_dir, const char* old_path, int new_dir, const char* new_path, unsigned flags)
{
    return int(syscall(SYS_renameat2, old_dir, old_path, new_dir, new_path, flags));
}

// The offset goes as two words, low and high; x86-64's kernel takes the low one whole.
ssize_t preadv2(int fd, const struct iovec* iov, int count, off_t offset, int flags)
{
    return syscall(SYS_preadv2, fd, iov, count, offset, 0, flags);
}

ssize_t pwritev2(int fd, const struct iovec* iov, int count, off_t offset, int flags)
{
    return syscall(SYS_pwritev2, fd, iov, count, offset, 0, flags);
}

ssize_t preadv64v2(int fd, const struct iovec* iov, int count, off_t offset, int flags)
{
    return preadv2(fd, iov, count, offset, flags);
}

ssize_t pwritev64v2(int fd, const struct iovec* iov, int count, off_t offset, int flags)
{
    return pwritev2(fd, iov, count, offset, flags);
}

/// scandir(3) of the directory `path` names relative to `dir_fd`: the entries `filter`
/// keeps, each a malloc'd copy, in a malloc'd array sorted by `compare`; the count, or -1
/// with errno (the array and copies freed).
int scandirat(int dir_fd, const char* path, struct dirent*** out, int (*filter)(const struct dirent*),
    int (*compare)(const struct dirent**, const struct dirent**))
{
    int fd = openat(dir_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    DIR* stream = fdopendir(fd);
    if (!stream) {
        close(fd);
        return -1;
    }
    struct dirent** list = nullptr;
    size_t count = 0, capacity = 0;
    int error = 0;
    for (;;) {
        errno = 0;
        struct dirent* d = readdir(stream);
        if (!d) {
            error = errno; // 0 at the end
            break;
        }
        if (filter && !filter(d))
            continue;
        if (count == capacity) {
            capacity = capacity ? capacity * 2 : 16;
            auto* grown = static_cast<struct dirent**>(realloc(list, capacity * sizeof *list));
            if (!grown) {
                error = ENOMEM;
                break;
            }
            list = grown;
        }
        auto* copy = static_cast<struct dirent*>(malloc(d->d_reclen));
        if (!copy) {
            error = ENOMEM;
            break;
        }
        memcpy(copy, d, d->d_reclen);
        list[count++] = copy;
    }
    closedir(stream);
    if (error) {
        while (count)
            free(list[--count]);
        free(list);
        errno = error;
        return -1;
    }
    if (compare && count > 1)
        qsort(list, count, sizeof *list, reinterpret_cast<int (*)(const void*, const void*)>(compare));
    *out = list;
    return int(count);
}

} // extern "C"
