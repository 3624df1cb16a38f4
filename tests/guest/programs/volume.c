// Volumes: a host directory shared at /data (`osprey run --volume DIR:/data[:ro]`), checked
// against what Linux answers on a 9p mount. The host prepared DIR (tests/guest/volume/
// run-volume-test): from_host.txt ("made on the host\n"), a symlink to it, sub/, and
// full/ holding one file. This program reads those, then builds, renames, links,
// truncates and removes files there; the script checks what the host sees afterwards.
// With the argument "ro" it checks instead that the read-only volume refuses every change.
#define _GNU_SOURCE
#define TEST_NAME "volume"
#include "check.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

static const char kFromHost[] = "made on the host\n";

static void write_file(const char* path, const char* text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
    CHECK(fsync(fd) == 0);
    CHECK(close(fd) == 0);
}

static ssize_t read_file(const char* path, char* out, size_t size)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, out, size - 1);
    out[n > 0 ? n : 0] = '\0';
    close(fd);
    return n;
}

static int listed(const char* dir, const char* name)
{
    DIR* d = opendir(dir);
    if (!d)
        return -1;
    int found = 0;
    for (struct dirent* entry; (entry = readdir(d));)
        found += strcmp(entry->d_name, name) == 0;
    closedir(d);
    return found;
}

static void reads_what_the_host_made(void)
{
    char text[256];
    CHECK(read_file("/data/from_host.txt", text, sizeof(text)) == (ssize_t)strlen(kFromHost));
    CHECK(strcmp(text, kFromHost) == 0);
    CHECK(read_file("/data/link_to_host", text, sizeof(text)) == (ssize_t)strlen(kFromHost)); // followed in the guest
    char target[64] = {};
    CHECK(readlink("/data/link_to_host", target, sizeof(target)) == 13 && strcmp(target, "from_host.txt") == 0);
    CHECK(listed("/data", "from_host.txt") == 1 && listed("/data", "sub") == 1 && listed("/data", ".") == 1);
    struct stat st, root;
    CHECK(stat("/data/from_host.txt", &st) == 0 && S_ISREG(st.st_mode) && st.st_size == (off_t)strlen(kFromHost));
    CHECK(stat("/", &root) == 0 && st.st_dev != root.st_dev); // another file system, as a mount is
    struct statfs fs;
    // The host file system's type, as Linux's v9fs reports it (the test passes it in).
    const char* host_type = getenv("VOLUME_FS_TYPE");
    CHECK(host_type && statfs("/data", &fs) == 0 && (unsigned long)fs.f_type == strtoul(host_type, NULL, 16));
    CHECK(stat("/data/missing", &st) == -1 && errno == ENOENT);
    CHECK(chdir("/data/sub") == 0);
    char cwd[64];
    CHECK(getcwd(cwd, sizeof(cwd)) && strcmp(cwd, "/data/sub") == 0);
    CHECK(chdir("../..") == 0 && getcwd(cwd, sizeof(cwd)) && strcmp(cwd, "/") == 0); // ".." leaves the volume
    // A mapping is a snapshot of the file (FIRST CUT): private and read-only shared ones
    // work (git maps its packs and index); a writable shared one is refused, as its stores
    // would never reach the host.
    int fd = open("/data/from_host.txt", O_RDWR);
    CHECK(fd >= 0);
    char* mapped = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
    CHECK(mapped != MAP_FAILED && memcmp(mapped, kFromHost, strlen(kFromHost)) == 0);
    if (mapped != MAP_FAILED) {
        mapped[0] = 'M'; // stays this mapping's
        CHECK(read_file("/data/from_host.txt", text, sizeof(text)) > 0 && text[0] == 'm');
        munmap(mapped, 4096);
    }
    char* shared = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
    CHECK(shared != MAP_FAILED && shared[0] == 'm');
    if (shared != MAP_FAILED)
        munmap(shared, 4096);
    CHECK(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED && errno == EACCES);
    close(fd);
}

static void changes_reach_the_host(void)
{
    char text[256];
    CHECK(mkdir("/data/made_by_guest", 0755) == 0);
    CHECK(mkdir("/data/made_by_guest", 0755) == -1 && errno == EEXIST);
    write_file("/data/made_by_guest/out.txt", "first line\n");
    int fd = open("/data/made_by_guest/out.txt", O_WRONLY | O_APPEND);
    CHECK(fd >= 0 && write(fd, "second line\n", 12) == 12);
    close(fd);
    CHECK(read_file("/data/made_by_guest/out.txt", text, sizeof(text)) == 23);
    CHECK(strcmp(text, "first line\nsecond line\n") == 0);

    // A file bigger than one 9P message, written and read back whole.
    size_t big = 300 * 1024;
    char* data = malloc(big);
    char* back = malloc(big);
    for (size_t i = 0; i < big; ++i)
        data[i] = (char)(i * 7 + i / 4096);
    fd = open("/data/made_by_guest/big.bin", O_RDWR | O_CREAT | O_EXCL, 0600);
    CHECK(fd >= 0 && write(fd, data, big) == (ssize_t)big);
    CHECK(pread(fd, back, big, 0) == (ssize_t)big && memcmp(data, back, big) == 0);
    CHECK(lseek(fd, 0, SEEK_END) == (off_t)big);
    char* whole = mmap(NULL, big, PROT_READ, MAP_PRIVATE, fd, 0); // 75 pages of a snapshot
    CHECK(whole != MAP_FAILED && memcmp(whole, data, big) == 0);
    if (whole != MAP_FAILED)
        munmap(whole, big);
    CHECK(ftruncate(fd, 1000) == 0);
    struct stat st;
    CHECK(fstat(fd, &st) == 0 && st.st_size == 1000 && (st.st_mode & 0777) == 0600);
    CHECK(fchmod(fd, 0640) == 0 && fstat(fd, &st) == 0 && (st.st_mode & 0777) == 0640);
    close(fd);
    free(data);
    free(back);

    CHECK(rename("/data/made_by_guest/big.bin", "/data/made_by_guest/small.bin") == 0);
    CHECK(link("/data/made_by_guest/small.bin", "/data/made_by_guest/hard.bin") == 0);
    CHECK(stat("/data/made_by_guest/hard.bin", &st) == 0 && st.st_nlink == 2 && st.st_size == 1000);
    CHECK(symlink("out.txt", "/data/made_by_guest/sym") == 0);
    CHECK(read_file("/data/made_by_guest/sym", text, sizeof(text)) == 23);
    CHECK(unlink("/data/made_by_guest/hard.bin") == 0);
    CHECK(rmdir("/data/full") == -1 && errno == ENOTEMPTY);
    CHECK(unlink("/data/full/only") == 0 && rmdir("/data/full") == 0);
    CHECK(rmdir("/data/sub") == 0);
    CHECK(listed("/data", "sub") == 0 && listed("/data", "full") == 0);

    // Between the volume and the rest of the tree nothing moves by rename (mv copies).
    write_file("/tmp/in_tmpfs", "x");
    CHECK(rename("/tmp/in_tmpfs", "/data/moved") == -1 && errno == EXDEV);
    CHECK(rename("/data/from_host.txt", "/tmp/moved") == -1 && errno == EXDEV);
    CHECK(link("/tmp/in_tmpfs", "/data/linked") == -1 && errno == EXDEV);
    CHECK(rmdir("/data") == -1 && errno == EBUSY);

    // A file opened, then removed, stays readable through its descriptor.
    write_file("/data/made_by_guest/doomed", "still here");
    fd = open("/data/made_by_guest/doomed", O_RDONLY);
    CHECK(fd >= 0 && unlink("/data/made_by_guest/doomed") == 0);
    CHECK(read(fd, text, sizeof(text)) == 10);
    close(fd);
    CHECK(access("/data/made_by_guest/doomed", F_OK) == -1 && errno == ENOENT);
}

static void read_only_refuses_changes(void)
{
    char text[256];
    CHECK(read_file("/data/from_host.txt", text, sizeof(text)) == (ssize_t)strlen(kFromHost));
    CHECK(open("/data/new", O_WRONLY | O_CREAT, 0644) == -1 && errno == EROFS);
    CHECK(open("/data/from_host.txt", O_WRONLY) == -1 && errno == EROFS);
    CHECK(mkdir("/data/dir", 0755) == -1 && errno == EROFS);
    CHECK(unlink("/data/from_host.txt") == -1 && errno == EROFS);
    CHECK(rename("/data/from_host.txt", "/data/renamed") == -1 && errno == EROFS);
    CHECK(chmod("/data/from_host.txt", 0600) == -1 && errno == EROFS);
}

int main(int argc, char** argv)
{
    if (argc > 1 && strcmp(argv[1], "ro") == 0) {
        read_only_refuses_changes();
    } else {
        reads_what_the_host_made();
        changes_reach_the_host();
    }
    if (failures)
        return 1;
    puts("volume ok");
    return 0;
}
