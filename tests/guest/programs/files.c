// Files: the writable tree over the image (tmpfs), checked against Linux's answers. Builds
// a tree in /tmp, renames, links, truncates, reads it back; lists and removes directories
// while reading them (rm -r's pattern); changes a file of the image (copy-up) and removes
// another; /dev's memory devices; the *at calls, chdir and getcwd.
#define _GNU_SOURCE
#define TEST_NAME "files"
#include "check.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <signal.h>
#include <sys/sendfile.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

static void write_file(const char* path, const char* text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
    CHECK(close(fd) == 0);
}

static int read_file(const char* path, char* out, size_t size)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, out, size - 1);
    close(fd);
    out[n < 0 ? 0 : n] = '\0';
    return (int)n;
}

static int count_entries(const char* path)
{
    DIR* dir = opendir(path);
    if (!dir)
        return -1;
    int count = 0;
    for (struct dirent* e; (e = readdir(dir));)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            ++count;
    closedir(dir);
    return count;
}

static void basic_files(void)
{
    char text[256];
    CHECK(mkdir("/tmp/t", 0755) == 0);
    CHECK(mkdir("/tmp/t", 0755) == -1 && errno == EEXIST);
    write_file("/tmp/t/a", "hello");
    CHECK(read_file("/tmp/t/a", text, sizeof(text)) == 5 && !strcmp(text, "hello"));
    int fd = open("/tmp/t/a", O_WRONLY | O_APPEND);
    CHECK(write(fd, " world", 6) == 6);
    CHECK(lseek(fd, 0, SEEK_CUR) == 11);
    close(fd);
    CHECK(read_file("/tmp/t/a", text, sizeof(text)) == 11 && !strcmp(text, "hello world"));
    CHECK(open("/tmp/t/a", O_CREAT | O_EXCL | O_WRONLY, 0600) == -1 && errno == EEXIST);
    CHECK(open("/tmp/t/missing", O_RDONLY) == -1 && errno == ENOENT);
    CHECK(open("/tmp/t/a", O_RDONLY | O_DIRECTORY) == -1 && errno == ENOTDIR);
    CHECK(open("/tmp/t", O_WRONLY) == -1 && errno == EISDIR);
    CHECK(open("/tmp/t/a/x", O_RDONLY) == -1 && errno == ENOTDIR);

    struct stat st;
    CHECK(truncate("/tmp/t/a", 3) == 0 && stat("/tmp/t/a", &st) == 0 && st.st_size == 3);
    CHECK(S_ISREG(st.st_mode) && (st.st_mode & 0777) == 0644 - 0 && st.st_nlink == 1);
    CHECK(link("/tmp/t/a", "/tmp/t/b") == 0 && stat("/tmp/t/b", &st) == 0 && st.st_nlink == 2);
    CHECK(symlink("a", "/tmp/t/s") == 0 && lstat("/tmp/t/s", &st) == 0 && S_ISLNK(st.st_mode));
    CHECK(readlink("/tmp/t/s", text, sizeof(text)) == 1 && text[0] == 'a');
    CHECK(read_file("/tmp/t/s", text, sizeof(text)) == 3);
    CHECK(rename("/tmp/t/a", "/tmp/t/c") == 0 && access("/tmp/t/a", F_OK) == -1 && errno == ENOENT);
    CHECK(stat("/tmp/t/s", &st) == -1 && errno == ENOENT); // the link now dangles
    CHECK(
        syscall(SYS_renameat2, AT_FDCWD, "/tmp/t/b", AT_FDCWD, "/tmp/t/c", 1 /* NOREPLACE */) == -1 && errno == EEXIST);
    CHECK(rmdir("/tmp/t") == -1 && errno == ENOTEMPTY);
    CHECK(unlink("/tmp/t") == -1 && errno == EISDIR);
    CHECK(rmdir("/tmp/t/c") == -1 && errno == ENOTDIR);
    CHECK(count_entries("/tmp/t") == 3);

    // An unlinked file stays usable while open.
    fd = open("/tmp/t/c", O_RDWR);
    CHECK(unlink("/tmp/t/c") == 0 && unlink("/tmp/t/b") == 0 && unlink("/tmp/t/s") == 0);
    CHECK(fstat(fd, &st) == 0 && st.st_nlink == 0 && st.st_size == 3);
    CHECK(pread(fd, text, 3, 0) == 3 && !memcmp(text, "hel", 3));
    close(fd);
    CHECK(rmdir("/tmp/t") == 0 && count_entries("/tmp/t") == -1 && errno == ENOENT);
}

static void sparse_and_seek(void)
{
    int fd = open("/tmp/sparse", O_RDWR | O_CREAT, 0600);
    CHECK(pwrite(fd, "end", 3, 1 << 20) == 3);
    struct stat st;
    CHECK(fstat(fd, &st) == 0 && st.st_size == (1 << 20) + 3 && st.st_blocks <= 16);
    char zeros[64] = { 1 };
    CHECK(pread(fd, zeros, sizeof(zeros), 4096) == sizeof(zeros) && zeros[0] == 0 && zeros[63] == 0);
    CHECK(lseek(fd, 0, SEEK_END) == (1 << 20) + 3);
    CHECK(ftruncate(fd, 10) == 0 && lseek(fd, 0, SEEK_END) == 10);
    CHECK(fallocate(fd, 0, 0, 4096) == 0 && fstat(fd, &st) == 0 && st.st_size == 4096);
    close(fd);
    CHECK(unlink("/tmp/sparse") == 0);
}

// Many files, listed and removed while the listing is read.
static void many_files(void)
{
    char path[64];
    CHECK(mkdir("/tmp/many", 0700) == 0);
    for (int i = 0; i < 300; ++i) {
        snprintf(path, sizeof(path), "/tmp/many/file-%03d", i);
        write_file(path, "x");
    }
    CHECK(count_entries("/tmp/many") == 300);
    DIR* dir = opendir("/tmp/many");
    int removed = 0;
    for (struct dirent* e; (e = readdir(dir));) {
        if (e->d_name[0] == '.')
            continue;
        CHECK(e->d_type == DT_REG);
        CHECK(unlinkat(dirfd(dir), e->d_name, 0) == 0);
        ++removed;
    }
    closedir(dir);
    CHECK(removed == 300);
    CHECK(rmdir("/tmp/many") == 0);
}

static void working_directory(void)
{
    char cwd[256];
    CHECK(mkdir("/tmp/w", 0755) == 0 && mkdir("/tmp/w/sub", 0755) == 0);
    CHECK(chdir("/tmp/w/sub") == 0 && getcwd(cwd, sizeof(cwd)) && !strcmp(cwd, "/tmp/w/sub"));
    write_file("../rel", "relative");
    CHECK(access("/tmp/w/rel", R_OK) == 0);
    int dir = open("/tmp/w", O_RDONLY | O_DIRECTORY);
    CHECK(dir >= 0 && fchdir(dir) == 0 && getcwd(cwd, sizeof(cwd)) && !strcmp(cwd, "/tmp/w"));
    CHECK(openat(dir, "rel", O_RDONLY) >= 0);
    CHECK(mkdirat(dir, "made", 0700) == 0 && faccessat(dir, "made", F_OK, 0) == 0);
    CHECK(renameat(dir, "made", dir, "sub/moved") == 0 && access("sub/moved", F_OK) == 0);
    CHECK(rename("/tmp/w", "/tmp/w/sub/inside") == -1 && errno == EINVAL);
    CHECK(getcwd(cwd, 3) == NULL && errno == ERANGE);
    CHECK(chdir("/tmp/w/rel") == -1 && errno == ENOTDIR);
    CHECK(chdir("/") == 0);
}

// A file of the image changes in memory (copy-up); another is removed; the image itself
// is untouched (the next boot sees it again).
static void image_files(const char* self)
{
    char text[64];
    CHECK(unlink(self) == 0 && access(self, F_OK) == -1 && errno == ENOENT);
    CHECK(mkdir("/etc", 0755) == 0 || errno == EEXIST);
    write_file("/etc/osprey-test.conf", "key=value\n");
    CHECK(read_file("/etc/osprey-test.conf", text, sizeof(text)) == 10);
    struct statfs fs;
    CHECK(statfs("/tmp", &fs) == 0 && fs.f_type == 0x01021994 && fs.f_bfree > 0 && fs.f_namelen == 255);
}

// One process: its record locks never conflict, so every lock is granted; the request is
// still checked. No extended attributes are stored.
static void locks_and_attributes(void)
{
    int fd = open("/tmp/locked", O_RDWR | O_CREAT, 0600);
    struct flock lock = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 10 };
    CHECK(fcntl(fd, F_SETLK, &lock) == 0);
    CHECK(fcntl(fd, F_GETLK, &lock) == 0 && lock.l_type == F_UNLCK);
    lock.l_type = 7;
    CHECK(fcntl(fd, F_SETLK, &lock) == -1 && errno == EINVAL);
    int reader = open("/tmp/locked", O_RDONLY);
    lock.l_type = F_WRLCK;
    CHECK(fcntl(reader, F_SETLKW, &lock) == -1 && errno == EBADF);
    char value[8];
    CHECK(fgetxattr(fd, "user.x", value, sizeof(value)) == -1 && errno == ENODATA);
    CHECK(listxattr("/tmp/locked", value, sizeof(value)) == 0);
    CHECK(setxattr("/tmp/locked", "user.x", "1", 1, 0) == -1 && errno == EOPNOTSUPP);
    CHECK(lgetxattr("/tmp/nothing", "user.x", value, sizeof(value)) == -1 && errno == ENOENT);
    // chown drops a file's set-user-ID bit (and set-group-ID with group execution), even
    // root's chown to -1 -1; a directory keeps its set-group-ID bit.
    struct stat st;
    CHECK(fchmod(fd, 06755) == 0 && fchown(fd, (uid_t)-1, (gid_t)-1) == 0 && fstat(fd, &st) == 0
        && (st.st_mode & 07777) == 0755);
    CHECK(mkdir("/tmp/set_group_id", 0755) == 0 && chmod("/tmp/set_group_id", 02755) == 0
        && chown("/tmp/set_group_id", 0, 0) == 0 && stat("/tmp/set_group_id", &st) == 0
        && (st.st_mode & 07777) == 02755);
    rmdir("/tmp/set_group_id");
    close(reader);
    close(fd);
}

static int read_text(const char* path, char* out, size_t size)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t total = 0, n;
    while (total < (ssize_t)size - 1 && (n = read(fd, out + total, size - 1 - total)) > 0)
        total += n;
    close(fd);
    out[total] = '\0';
    return (int)total;
}

// /proc and /sys: the process's own files, reached directly and through /dev's links.
static void proc_and_sys(const char* self)
{
    char text[8192], link[256];
    ssize_t n = readlink("/proc/self/exe", link, sizeof(link));
    CHECK(n == (ssize_t)strlen(self) && !memcmp(link, self, n));
    CHECK(read_text("/proc/self/cmdline", text, sizeof(text)) > 0 && !strcmp(text, self));
    CHECK(readlink("/proc/self", link, sizeof(link)) == 1 && link[0] == '1');
    int fd = open("/tmp/proc-probe", O_WRONLY | O_CREAT, 0600);
    char fd_path[64];
    snprintf(fd_path, sizeof(fd_path), "/proc/self/fd/%d", fd);
    n = readlink(fd_path, link, sizeof(link));
    CHECK(n == 15 && !memcmp(link, "/tmp/proc-probe", 15));
    snprintf(fd_path, sizeof(fd_path), "/dev/fd/%d", fd); // through /dev/fd -> /proc/self/fd
    CHECK(open(fd_path, O_RDONLY) >= 0);
    int listed = 0;
    DIR* dir = opendir("/proc/self/fd");
    for (struct dirent* e; dir && (e = readdir(dir));)
        listed += e->d_name[0] != '.';
    CHECK(dir && listed >= 5); // 0, 1, 2, fd and the directory itself
    if (dir)
        closedir(dir);
    // A magic link stands for the descriptor's file: changing it by that name changes the
    // file (musl's fchmodat with AT_SYMLINK_NOFOLLOW chmods /proc/self/fd/N; tar uses it).
    struct stat st;
    snprintf(fd_path, sizeof(fd_path), "/proc/self/fd/%d", fd);
    CHECK(chmod(fd_path, 0640) == 0 && fstat(fd, &st) == 0 && (st.st_mode & 0777) == 0640);
    CHECK(fchmodat(AT_FDCWD, "/tmp/proc-probe", 0604, AT_SYMLINK_NOFOLLOW) == 0);
    CHECK(stat("/tmp/proc-probe", &st) == 0 && (st.st_mode & 0777) == 0604);
    CHECK(symlink("/tmp/proc-probe", "/tmp/proc-probe-link") == 0);
    CHECK(fchmodat(AT_FDCWD, "/tmp/proc-probe-link", 0600, AT_SYMLINK_NOFOLLOW) == -1 && errno == EOPNOTSUPP);
    CHECK(unlink("/tmp/proc-probe-link") == 0);
    CHECK(chmod("/proc/self/status", 0600) == -1 && errno == EACCES);
    close(fd);
    CHECK(stat("/dev/stdin", &st) == 0 && S_ISCHR(st.st_mode) == 0); // the console: a file of its own kind
    CHECK(stat("/proc/self/fd/0", &st) == 0);
    int processors = 0;
    CHECK(read_text("/proc/cpuinfo", text, sizeof(text)) > 0);
    for (char* p = text; (p = strstr(p, "processor\t: ")); ++p)
        ++processors;
    CHECK(processors == sysconf(_SC_NPROCESSORS_ONLN));
    CHECK(read_text("/sys/devices/system/cpu/online", text, sizeof(text)) > 0 && text[0] == '0');
    CHECK(read_text("/proc/self/status", text, sizeof(text)) > 0 && strstr(text, "Pid:\t1\n"));
    CHECK(read_text("/proc/sys/kernel/osrelease", text, sizeof(text)) > 0 && !strncmp(text, "6.1", 3));
    CHECK(read_text("/proc/self/maps", text, sizeof(text)) > 0 && strstr(text, self));
    CHECK(open("/proc/meminfo", O_WRONLY) == -1 && errno == EACCES);
    CHECK(mkdir("/proc/x", 0700) == -1);
    CHECK(open("/proc/nothing", O_RDONLY) == -1 && errno == ENOENT);
    CHECK(rmdir("/proc") == -1 && errno == EBUSY);
    CHECK(unlink("/tmp/proc-probe") == 0);
}

// mmap of files of the tree: a shared mapping and read/write see each other; a private
// mapping's stores stay its own; memfd_create files map too.
static void mapped_files(const char* self)
{
    int fd = open("/tmp/mapped", O_RDWR | O_CREAT | O_TRUNC, 0600);
    CHECK(ftruncate(fd, 3 * 4096) == 0);
    char* shared = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(shared != MAP_FAILED);
    if (shared == MAP_FAILED)
        return;
    CHECK(shared[5000] == 0);
    memcpy(shared + 4096, "through the mapping", 19);
    char text[32] = { 0 };
    CHECK(pread(fd, text, 19, 4096) == 19 && !memcmp(text, "through the mapping", 19));
    CHECK(pwrite(fd, "by write", 8, 2 * 4096 + 10) == 8 && !memcmp(shared + 2 * 4096 + 10, "by write", 8));
    char* private = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 4096);
    CHECK(private != MAP_FAILED && !memcmp(private, "through the mapping", 19));
    private[0] = 'T';
    CHECK(shared[4096] == 't' && pread(fd, text, 1, 4096) == 1 && text[0] == 't');
    CHECK(munmap(private, 4096) == 0 && munmap(shared, 3 * 4096) == 0);
    CHECK(pread(fd, text, 8, 2 * 4096 + 10) == 8 && !memcmp(text, "by write", 8));
    int reader = open("/tmp/mapped", O_RDONLY);
    CHECK(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, reader, 0) == MAP_FAILED && errno == EACCES);
    close(reader);
    close(fd);
    CHECK(unlink("/tmp/mapped") == 0);

    int memfd = memfd_create("osprey-test", MFD_CLOEXEC);
    CHECK(memfd >= 0 && ftruncate(memfd, 4096) == 0);
    int* numbers = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
    CHECK(numbers != MAP_FAILED);
    if (numbers != MAP_FAILED) {
        numbers[10] = 42;
        int value = 0;
        CHECK(pread(memfd, &value, sizeof(value), 10 * sizeof(int)) == sizeof(value) && value == 42);
    }
    char link[64], fd_path[32];
    snprintf(fd_path, sizeof(fd_path), "/proc/self/fd/%d", memfd);
    ssize_t n = readlink(fd_path, link, sizeof(link));
    CHECK(n > 0 && !strncmp(link, "/memfd:osprey-test", 18));
    close(memfd);
    // The image's own program, read-only: still its image pages, and readable.
    int program = open(self, O_RDONLY);
    char* elf = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, program, 0);
    CHECK(elf != MAP_FAILED && !memcmp(elf, "\177ELF", 4));
    close(program);
}

// FIFOs (mkfifo): opens share one pipe; O_NONBLOCK opens do not wait for the other side.
static void fifos(void)
{
    CHECK(mkfifo("/tmp/fifo", 0600) == 0);
    struct stat st;
    CHECK(stat("/tmp/fifo", &st) == 0 && S_ISFIFO(st.st_mode));
    CHECK(open("/tmp/fifo", O_WRONLY | O_NONBLOCK) == -1 && errno == ENXIO);
    int reader = open("/tmp/fifo", O_RDONLY | O_NONBLOCK);
    CHECK(reader >= 0);
    char text[16] = { 0 };
    CHECK(read(reader, text, sizeof(text)) == 0); // no writer: end of file
    int writer = open("/tmp/fifo", O_WRONLY);     // a reader is there: no wait
    CHECK(writer >= 0 && write(writer, "through", 7) == 7);
    CHECK(read(reader, text, sizeof(text)) == 7 && !memcmp(text, "through", 7));
    CHECK(fstat(writer, &st) == 0 && S_ISFIFO(st.st_mode) && (st.st_mode & 0777) == 0600);
    close(writer);
    close(reader);
    int both = open("/tmp/fifo", O_RDWR);
    CHECK(both >= 0 && write(both, "x", 1) == 1 && read(both, text, 1) == 1 && text[0] == 'x');
    close(both);
    CHECK(unlink("/tmp/fifo") == 0);
}

// timerfd: expiries counted by read, readiness seen by poll and epoll while they sleep.
static void timer_files(void)
{
    int timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    CHECK(timer >= 0);
    uint64_t count = 0;
    CHECK(read(timer, &count, sizeof(count)) == -1 && errno == EAGAIN);
    struct itimerspec once = { .it_value = { 0, 20 * 1000 * 1000 } }, now;
    CHECK(timerfd_settime(timer, 0, &once, NULL) == 0);
    CHECK(timerfd_gettime(timer, &now) == 0 && now.it_value.tv_sec == 0 && now.it_value.tv_nsec > 0);
    struct pollfd p = { .fd = timer, .events = POLLIN };
    CHECK(poll(&p, 1, 10000) == 1 && (p.revents & POLLIN)); // woken by the expiry, not the timeout
    CHECK(read(timer, &count, sizeof(count)) == 8 && count == 1);
    CHECK(timerfd_gettime(timer, &now) == 0 && now.it_value.tv_sec == 0 && now.it_value.tv_nsec == 0);
    struct itimerspec periodic = { .it_interval = { 0, 10 * 1000 * 1000 }, .it_value = { 0, 10 * 1000 * 1000 } };
    CHECK(timerfd_settime(timer, 0, &periodic, NULL) == 0);
    struct timespec pause = { 0, 55 * 1000 * 1000 };
    nanosleep(&pause, NULL);
    CHECK(read(timer, &count, sizeof(count)) == 8 && count >= 5);
    int epoll = epoll_create1(0);
    struct epoll_event event = { .events = EPOLLIN, .data.u32 = 7 }, got;
    CHECK(epoll_ctl(epoll, EPOLL_CTL_ADD, timer, &event) == 0);
    CHECK(epoll_wait(epoll, &got, 1, 10000) == 1 && got.data.u32 == 7);
    close(epoll);
    struct itimerspec off = { 0 };
    CHECK(timerfd_settime(timer, 0, &off, &now) == 0 && now.it_interval.tv_nsec == 10 * 1000 * 1000);
    close(timer);
    int blocking = timerfd_create(CLOCK_REALTIME, 0);
    struct timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    struct itimerspec at = { .it_value = { wall.tv_sec, wall.tv_nsec } };
    at.it_value.tv_nsec += 30 * 1000 * 1000;
    if (at.it_value.tv_nsec >= 1000000000)
        at.it_value.tv_sec += 1, at.it_value.tv_nsec -= 1000000000;
    CHECK(timerfd_settime(blocking, TFD_TIMER_ABSTIME, &at, NULL) == 0);
    CHECK(read(blocking, &count, sizeof(count)) == 8 && count == 1); // waits for the expiry
    CHECK(read(blocking, &count, 4) == -1 && errno == EINVAL);
    close(blocking);
    CHECK(timerfd_create(CLOCK_PROCESS_CPUTIME_ID, 0) == -1 && errno == EINVAL);
}

// sendfile and copy_file_range: the kernel copies between descriptors.
static void kernel_copies(void)
{
    write_file("/tmp/source", "0123456789");
    int in = open("/tmp/source", O_RDONLY), out = open("/tmp/target", O_WRONLY | O_CREAT | O_TRUNC, 0600);
    off_t offset = 2;
    CHECK(sendfile(out, in, &offset, 5) == 5 && offset == 7);
    CHECK(lseek(in, 0, SEEK_CUR) == 0); // with an offset, the file's own position stays
    CHECK(sendfile(out, in, NULL, 3) == 3 && lseek(in, 0, SEEK_CUR) == 3);
    off_t from = 8;
    CHECK(copy_file_range(in, &from, out, NULL, 100, 0) == 2 && from == 10);
    close(out);
    char text[32];
    CHECK(read_file("/tmp/target", text, sizeof(text)) == 10 && !strcmp(text, "2345601289"));
    int pipe_fds[2];
    CHECK(pipe(pipe_fds) == 0 && sendfile(pipe_fds[1], in, NULL, 4) == 4);
    CHECK(read(pipe_fds[0], text, 4) == 4 && !memcmp(text, "3456", 4));
    CHECK(sendfile(in, pipe_fds[0], NULL, 1) == -1 && errno == EBADF); // in is read-only
    // From a stream: Linux takes files only (EINVAL; ESPIPE with an offset), so that no
    // byte read from the pipe is lost when the write fails. Nothing left the pipe.
    int copy = open("/tmp/target", O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CHECK(write(pipe_fds[1], "pq", 2) == 2);
    CHECK(sendfile(copy, pipe_fds[0], NULL, 2) == -1 && errno == EINVAL);
    off_t start = 0;
    CHECK(sendfile(copy, pipe_fds[0], &start, 2) == -1 && errno == ESPIPE);
    CHECK(read(pipe_fds[0], text, 2) == 2 && !memcmp(text, "pq", 2));
    close(copy);
    close(pipe_fds[0]), close(pipe_fds[1]), close(in);
    CHECK(unlink("/tmp/source") == 0 && unlink("/tmp/target") == 0);
}

// signalfd: blocked signals read as records, seen by poll.
static void signal_files(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGUSR2);
    CHECK(sigprocmask(SIG_BLOCK, &set, NULL) == 0);
    int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    CHECK(fd >= 0);
    struct signalfd_siginfo info[2];
    CHECK(read(fd, info, sizeof(info)) == -1 && errno == EAGAIN);
    CHECK(raise(SIGUSR1) == 0 && kill(getpid(), SIGUSR2) == 0);
    struct pollfd p = { .fd = fd, .events = POLLIN };
    CHECK(poll(&p, 1, 10000) == 1 && (p.revents & POLLIN));
    CHECK(read(fd, info, 10) == -1 && errno == EINVAL);
    CHECK(read(fd, info, sizeof(info)) == 2 * (ssize_t)sizeof(info[0]));
    CHECK(info[0].ssi_signo == SIGUSR1 && info[1].ssi_signo == SIGUSR2 && info[1].ssi_pid == 1);
    sigset_t only_two;
    sigemptyset(&only_two);
    sigaddset(&only_two, SIGUSR2);
    CHECK(signalfd(fd, &only_two, 0) == fd);
    raise(SIGUSR1);
    CHECK(read(fd, info, sizeof(info)) == -1 && errno == EAGAIN); // USR1 is no longer its
    sigset_t pending;
    CHECK(sigpending(&pending) == 0 && sigismember(&pending, SIGUSR1));
    int signal = 0;
    CHECK(sigwait(&set, &signal) == 0 && signal == SIGUSR1);
    close(fd);
    CHECK(sigprocmask(SIG_UNBLOCK, &set, NULL) == 0);
}

static void devices(void)
{
    char buffer[16];
    int fd = open("/dev/null", O_RDWR);
    CHECK(fd >= 0 && write(fd, "x", 1) == 1 && read(fd, buffer, 16) == 0);
    close(fd);
    fd = open("/dev/zero", O_RDONLY);
    memset(buffer, 7, sizeof(buffer));
    CHECK(fd >= 0 && read(fd, buffer, 16) == 16 && buffer[0] == 0 && buffer[15] == 0);
    close(fd);
    fd = open("/dev/full", O_WRONLY);
    CHECK(fd >= 0 && write(fd, "x", 1) == -1 && errno == ENOSPC);
    close(fd);
    fd = open("/dev/urandom", O_RDONLY);
    CHECK(fd >= 0 && read(fd, buffer, 16) == 16);
    close(fd);
    struct stat st;
    CHECK(stat("/dev/null", &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3));
    CHECK(lstat("/dev/stdout", &st) == 0 && S_ISLNK(st.st_mode));
    CHECK(count_entries("/dev") >= 12);
}

int main(int argc, char** argv)
{
    basic_files();
    sparse_and_seek();
    many_files();
    working_directory();
    proc_and_sys(argv[0]);
    mapped_files(argv[0]);
    image_files(argv[0]);
    locks_and_attributes();
    fifos();
    timer_files();
    kernel_copies();
    signal_files();
    devices();
    if (failures == 0)
        printf("files: ok\n");
    return failures != 0;
}
