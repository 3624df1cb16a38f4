// A program run as another user (`osprey run --user`, argv: UID GID [NAME]): every user
// and group ID is the one given and there are no supplementary groups; it has no
// capabilities and cannot become root again; /etc/passwd names the user when the run
// gave a name (and has no entry for the number otherwise); the files and directories it
// makes are its own, and of root's files it may change neither mode, owner nor times.
// On Linux: `setpriv --reuid=UID --regid=GID --clear-groups PROGRAM UID GID [NAME]`.
// With NAME "read-only" (`osprey run --read-only`, no name for the user): the root
// filesystem refuses every change with EROFS, asked before whether the user may make it.
// Prints "user_identity: ok".
#define _GNU_SOURCE
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define TEST_NAME "user_identity"
#include "check.h"

static void check_ids(uid_t uid, gid_t gid)
{
    uid_t real, effective, saved;
    gid_t group_real, group_effective, group_saved;
    CHECK(getresuid(&real, &effective, &saved) == 0 && real == uid && effective == uid && saved == uid);
    CHECK(getresgid(&group_real, &group_effective, &group_saved) == 0 && group_real == gid && group_effective == gid
        && group_saved == gid);
    CHECK(getuid() == uid && geteuid() == uid && getgid() == gid && getegid() == gid);
    CHECK(getgroups(0, NULL) == 0);
}

static void check_no_privileges(void)
{
    struct __user_cap_header_struct header = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
    struct __user_cap_data_struct data[2];
    CHECK(syscall(SYS_capget, &header, data) == 0);
    CHECK(data[0].effective == 0 && data[0].permitted == 0 && data[1].effective == 0);
    CHECK(setuid(0) == -1 && errno == EPERM);
    gid_t root_group = 0;
    CHECK(setgroups(1, &root_group) == -1 && errno == EPERM);
}

static void check_account(uid_t uid, gid_t gid, const char* name)
{
    struct passwd* entry = getpwuid(uid);
    if (!name) {
        CHECK(entry == NULL);
        return;
    }
    CHECK(entry && strcmp(entry->pw_name, name) == 0 && entry->pw_gid == gid);
    entry = getpwnam(name);
    CHECK(entry && entry->pw_uid == uid);
}

// Root's file: no chmod, chown or given times.
static void check_root_file(void)
{
    const char* path = "/etc/passwd";
    struct stat st;
    CHECK(stat(path, &st) == 0 && st.st_uid == 0);
    CHECK(chmod(path, 0666) == -1 && errno == EPERM);
    CHECK(chown(path, getuid(), (gid_t)-1) == -1 && errno == EPERM);
    struct timespec times[2] = { { .tv_sec = 1 }, { .tv_sec = 1 } };
    CHECK(utimensat(AT_FDCWD, path, times, 0) == -1 && errno == EPERM);
    struct timespec now_and_omit[2] = { { .tv_nsec = UTIME_NOW }, { .tv_nsec = UTIME_OMIT } };
    CHECK(utimensat(AT_FDCWD, path, now_and_omit, 0) == -1 && errno == EPERM); // only "both now" is not
    struct timespec omit[2] = { { .tv_nsec = UTIME_OMIT }, { .tv_nsec = UTIME_OMIT } };
    CHECK(utimensat(AT_FDCWD, "/no/such/file", omit, 0) == 0); // nothing to do: not even looked up
    CHECK(stat(path, &st) == 0 && st.st_mtime != 1 && (st.st_mode & 0777) != 0666);
}

static void check_new_files(uid_t uid, gid_t gid)
{
    char path[] = "/tmp/user_identity.XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    struct stat st;
    CHECK(fstat(fd, &st) == 0 && st.st_uid == uid && st.st_gid == gid);
    // Its own file: it may change the mode and keep the group, not give the file away.
    CHECK(fchmod(fd, 0640) == 0);
    CHECK(fchown(fd, (uid_t)-1, gid) == 0);
    CHECK(fchown(fd, uid + 1, (gid_t)-1) == -1 && errno == EPERM);
    CHECK(fchown(fd, (uid_t)-1, 0) == -1 && errno == EPERM);
    // Set-ID bits: the owner, in the file's group, may set both; any chown, even to -1 -1,
    // drops set-user-ID, and set-group-ID when group execution is on.
    CHECK(fchmod(fd, 06755) == 0 && fstat(fd, &st) == 0 && (st.st_mode & 07777) == 06755);
    CHECK(fchown(fd, (uid_t)-1, (gid_t)-1) == 0 && fstat(fd, &st) == 0 && (st.st_mode & 07777) == 0755);
    CHECK(fchmod(fd, 06745) == 0 && fchown(fd, (uid_t)-1, gid) == 0 && fstat(fd, &st) == 0
        && (st.st_mode & 07777) == 02745);
    close(fd);
    unlink(path);
    char dir[] = "/tmp/user_identity_dir.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    CHECK(stat(dir, &st) == 0 && st.st_uid == uid && st.st_gid == gid && S_ISDIR(st.st_mode));
    rmdir(dir);
}

int main(int argc, char** argv)
{
    if (argc < 3) {
        puts("usage: user_identity UID GID [NAME]");
        return 2;
    }
    uid_t uid = (uid_t)strtoul(argv[1], NULL, 10);
    gid_t gid = (gid_t)strtoul(argv[2], NULL, 10);
    check_ids(uid, gid);
    if (argc > 3 && strcmp(argv[3], "read-only") == 0) { // root's file on a read-only root
        struct timespec times[2] = { { .tv_sec = 1 }, { .tv_sec = 1 } };
        CHECK(chmod("/etc/passwd", 0666) == -1 && errno == EROFS);
        CHECK(chown("/etc/passwd", uid, (gid_t)-1) == -1 && errno == EROFS);
        CHECK(utimensat(AT_FDCWD, "/etc/passwd", times, 0) == -1 && errno == EROFS);
        if (failures)
            return 1;
        puts("user_identity: ok");
        return 0;
    }
    check_no_privileges();
    check_account(uid, gid, argc > 3 ? argv[3] : NULL);
    check_new_files(uid, gid);
    check_root_file();
    if (failures)
        return 1;
    puts("user_identity: ok");
    return 0;
}
