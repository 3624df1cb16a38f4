// openat2(2) with Linux's answers: struct open_how's sizes and checks, and the RESOLVE_*
// restrictions on a tree the program makes in /tmp: BENEATH (no absolute path or symlink,
// no ".." above the directory), IN_ROOT (the directory is "/"), NO_SYMLINKS, NO_XDEV (not
// into /proc), NO_MAGICLINKS (/proc/self/fd/N), CACHED. Checked against Linux.
#define _GNU_SOURCE
#define TEST_NAME "openat2"
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int open2(int dir, const char* path, uint64_t flags, uint64_t mode, uint64_t resolve)
{
    struct open_how how = { .flags = flags, .mode = mode, .resolve = resolve };
    return (int)syscall(SYS_openat2, dir, path, &how, sizeof how);
}

/// Whether `fd` is open on the file at `path` (the same inode); closes it.
static int is(int fd, const char* path)
{
    struct stat a, b;
    int same = fd >= 0 && fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev;
    if (fd >= 0)
        close(fd);
    return same;
}

static void make_tree(void)
{
    mkdir("/tmp/o2", 0755);
    mkdir("/tmp/o2/a", 0755);
    mkdir("/tmp/o2/a/b", 0755);
    close(open("/tmp/o2/file", O_CREAT | O_WRONLY, 0644));
    close(open("/tmp/o2/a/b/deep", O_CREAT | O_WRONLY, 0644));
    symlink("../..", "/tmp/o2/a/up2");      // leaves /tmp/o2
    symlink("b/deep", "/tmp/o2/a/to_deep"); // stays inside
    symlink("/file", "/tmp/o2/absolute");   // "/file": outside, or o2's under IN_ROOT
}

static void how_checks(int dir)
{
    struct open_how how = { .flags = O_RDONLY };
    char bigger[64] = { 0 };
    memcpy(bigger, &how, sizeof how);
    CHECK(syscall(SYS_openat2, dir, "file", &how, 16) == -1 && errno == EINVAL); // smaller than version 0
    int fd = (int)syscall(SYS_openat2, dir, "file", bigger, sizeof bigger);      // larger, zeros past it
    CHECK(fd >= 0);
    close(fd);
    bigger[40] = 1;
    CHECK(syscall(SYS_openat2, dir, "file", bigger, sizeof bigger) == -1 && errno == E2BIG);
    CHECK(open2(dir, "file", O_RDONLY, 0644, 0) == -1 && errno == EINVAL);   // a mode without O_CREAT
    CHECK(open2(dir, "file", O_RDONLY, 0, 0x1000) == -1 && errno == EINVAL); // unknown RESOLVE_ bit
    CHECK(open2(dir, "file", O_RDONLY, 0, RESOLVE_BENEATH | RESOLVE_IN_ROOT) == -1 && errno == EINVAL);
    CHECK(open2(dir, "file", 1ull << 40, 0, 0) == -1 && errno == EINVAL); // unknown open flag
    CHECK(open2(dir, "new", O_CREAT | O_WRONLY, 0644, RESOLVE_CACHED) == -1 && errno == EAGAIN);
    CHECK(is(open2(dir, "file", O_RDONLY, 0, RESOLVE_CACHED), "/tmp/o2/file"));
    CHECK(is(open2(dir, "made", O_CREAT | O_WRONLY, 0600, RESOLVE_BENEATH), "/tmp/o2/made"));
}

static void beneath(int dir)
{
    CHECK(is(open2(dir, "a/b/deep", O_RDONLY, 0, RESOLVE_BENEATH), "/tmp/o2/a/b/deep"));
    CHECK(is(open2(dir, "a/../file", O_RDONLY, 0, RESOLVE_BENEATH), "/tmp/o2/file"));
    CHECK(is(open2(dir, "a/to_deep", O_RDONLY, 0, RESOLVE_BENEATH), "/tmp/o2/a/b/deep"));
    CHECK(open2(dir, "../o2/file", O_RDONLY, 0, RESOLVE_BENEATH) == -1 && errno == EXDEV);
    CHECK(open2(dir, "/tmp/o2/file", O_RDONLY, 0, RESOLVE_BENEATH) == -1 && errno == EXDEV);
    CHECK(open2(dir, "a/up2/etc", O_RDONLY, 0, RESOLVE_BENEATH) == -1 && errno == EXDEV);
    CHECK(open2(dir, "absolute", O_RDONLY, 0, RESOLVE_BENEATH) == -1 && errno == EXDEV);
    int ok = open("/tmp/o2/file", O_RDONLY); // without restrictions the same paths work
    CHECK(is(open2(dir, "../o2/file", O_RDONLY, 0, 0), "/tmp/o2/file"));
    close(ok);
}

static void in_root(int dir)
{
    CHECK(is(open2(dir, "/file", O_RDONLY, 0, RESOLVE_IN_ROOT), "/tmp/o2/file"));
    CHECK(is(open2(dir, "../../../file", O_RDONLY, 0, RESOLVE_IN_ROOT), "/tmp/o2/file")); // ".." stops at dir
    CHECK(is(open2(dir, "absolute", O_RDONLY, 0, RESOLVE_IN_ROOT), "/tmp/o2/file"));      // "/file" in dir
    CHECK(open2(dir, "/etc/passwd", O_RDONLY, 0, RESOLVE_IN_ROOT) == -1 && errno == ENOENT);
}

static void symlinks_and_crossings(int dir)
{
    CHECK(open2(dir, "a/to_deep", O_RDONLY, 0, RESOLVE_NO_SYMLINKS) == -1 && errno == ELOOP);
    CHECK(open2(dir, "a/up2/o2/file", O_RDONLY, 0, RESOLVE_NO_SYMLINKS) == -1 && errno == ELOOP);
    int link = open2(dir, "a/to_deep", O_PATH | O_NOFOLLOW, 0, RESOLVE_NO_SYMLINKS); // the link itself
    CHECK(link >= 0);
    close(link);
    CHECK(open2(AT_FDCWD, "/proc/self/status", O_RDONLY, 0, RESOLVE_NO_XDEV) == -1 && errno == EXDEV);
    int status = open2(AT_FDCWD, "/proc/self/status", O_RDONLY, 0, RESOLVE_NO_MAGICLINKS);
    CHECK(status >= 0);
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", dir);
    CHECK(open2(AT_FDCWD, path, O_RDONLY, 0, RESOLVE_NO_MAGICLINKS) == -1 && errno == ELOOP);
    CHECK(is(open2(AT_FDCWD, path, O_RDONLY, 0, 0), "/tmp/o2")); // allowed without it
    close(status);
}

int main(void)
{
    make_tree();
    int dir = open("/tmp/o2", O_RDONLY | O_DIRECTORY);
    CHECK(dir >= 0);
    how_checks(dir);
    beneath(dir);
    in_root(dir);
    symlinks_and_crossings(dir);
    close(dir);
    if (!failures)
        printf(TEST_NAME ": ok\n");
    return failures ? 1 : 0;
}
