// glibc's utmp and wtmp files: pututline's overwrite-or-append, getutent/getutid/getutline
// from the cursor, updwtmp (never creating the file, cutting a partial record), login,
// logout and logwtmp on /var/run/utmp and /var/log/wtmp, utmpx as the same records.
// The program creates the files it uses (glibc's calls never create them). Natively it
// runs in a mount namespace with tmpfs over /run and /var/log; glibc gives what is
// checked here.
#define _GNU_SOURCE
#define TEST_NAME "utmp"
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utmp.h>
#include <utmpx.h>

static void make_empty(const char* path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    close(fd);
}

static long size_of(const char* path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static struct utmp record(short type, const char* id, const char* line, const char* user)
{
    struct utmp entry;
    memset(&entry, 0, sizeof entry);
    entry.ut_type = type;
    entry.ut_pid = 100;
    strncpy(entry.ut_id, id, sizeof entry.ut_id);
    strncpy(entry.ut_line, line, sizeof entry.ut_line);
    strncpy(entry.ut_user, user, sizeof entry.ut_user);
    return entry;
}

static void cursor_calls(void)
{
    const char* path = "/tmp/utmp-test";
    make_empty(path);
    CHECK(utmpname(path) == 0);
    setutent();
    struct utmp alice = record(USER_PROCESS, "ts/1", "pts/1", "alice");
    struct utmp getty = record(LOGIN_PROCESS, "tty2", "tty2", "LOGIN");
    struct utmp boot = record(BOOT_TIME, "", "~", "reboot");
    CHECK(pututline(&alice) == &alice);
    CHECK(pututline(&getty) != NULL && pututline(&boot) != NULL);
    CHECK(size_of(path) == 3 * (long)sizeof(struct utmp));

    setutent();
    struct utmp* entry = getutent();
    CHECK(entry && entry->ut_type == USER_PROCESS && strcmp(entry->ut_user, "alice") == 0);
    CHECK((entry = getutent()) && entry->ut_type == LOGIN_PROCESS);
    CHECK((entry = getutent()) && entry->ut_type == BOOT_TIME);
    CHECK(getutent() == NULL);

    setutent();
    struct utmp wanted = record(USER_PROCESS, "", "tty2", "");
    CHECK((entry = getutline(&wanted)) && strcmp(entry->ut_user, "LOGIN") == 0); // LOGIN_PROCESS counts
    setutent();
    wanted = record(DEAD_PROCESS, "ts/1", "", ""); // any process type with the id
    CHECK((entry = getutid(&wanted)) && strcmp(entry->ut_user, "alice") == 0);
    setutent();
    wanted = record(BOOT_TIME, "", "", "");
    CHECK((entry = getutid(&wanted)) && strcmp(entry->ut_user, "reboot") == 0);
    wanted = record(EMPTY, "", "", "");
    errno = 0;
    CHECK(getutid(&wanted) == NULL && errno == EINVAL);

    // The same id again: written over alice's record, not appended.
    setutent();
    struct utmp gone = record(DEAD_PROCESS, "ts/1", "pts/1", "");
    CHECK(pututline(&gone) != NULL);
    CHECK(size_of(path) == 3 * (long)sizeof(struct utmp));
    setutent();
    CHECK((entry = getutent()) && entry->ut_type == DEAD_PROCESS && entry->ut_user[0] == 0);

    // utmpx: the same records.
    setutxent();
    struct utmpx* x = getutxent();
    CHECK(x && x->ut_type == DEAD_PROCESS && strcmp(x->ut_line, "pts/1") == 0);
    endutxent();
    endutent();
}

static void wtmp_files(void)
{
    const char* path = "/tmp/wtmp-test";
    unlink(path);
    struct utmp entry = record(USER_PROCESS, "x", "pts/3", "erin");
    updwtmp(path, &entry);
    CHECK(size_of(path) == -1); // never created
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0 && write(fd, "partial", 7) == 7);
    close(fd);
    updwtmp(path, &entry); // the partial record is cut first
    CHECK(size_of(path) == (long)sizeof(struct utmp));
    updwtmp(path, &entry);
    CHECK(size_of(path) == 2 * (long)sizeof(struct utmp));
}

static struct utmp wtmp_record(int index)
{
    struct utmp entry;
    memset(&entry, 0, sizeof entry);
    int fd = open(_PATH_WTMP, O_RDONLY);
    CHECK(fd >= 0 && pread(fd, &entry, sizeof entry, (off_t)index * (off_t)sizeof entry) == sizeof entry);
    close(fd);
    return entry;
}

static void login_calls(void)
{
    mkdir("/var", 0755); // an image may have no /var
    mkdir("/var/run", 0755);
    mkdir("/var/log", 0755);
    make_empty(_PATH_UTMP);
    make_empty(_PATH_WTMP);

    logwtmp("pts/9", "bob", "example.org");
    logwtmp("pts/9", "", "");
    CHECK(size_of(_PATH_WTMP) == 2 * (long)sizeof(struct utmp));
    struct utmp entry = wtmp_record(0);
    CHECK(entry.ut_type == USER_PROCESS && strcmp(entry.ut_user, "bob") == 0 && entry.ut_pid == getpid());
    CHECK(strcmp(entry.ut_host, "example.org") == 0 && entry.ut_tv.tv_sec > 0);
    CHECK(wtmp_record(1).ut_type == DEAD_PROCESS);

    // login: the record into wtmp always; into utmp only on a terminal. Without one, glibc
    // 2.36 means to write "???" and skip utmp, but its tty_name takes ttyname_r's ENOTTY
    // for success and writes both with whatever its buffer held (an empty line here):
    // Osprey does what glibc means, and this accepts either.
    char tty[64];
    int on_tty = ttyname_r(0, tty, sizeof tty) == 0 || ttyname_r(1, tty, sizeof tty) == 0
        || ttyname_r(2, tty, sizeof tty) == 0;
    struct utmp carol = record(0, "c1", "", "carol");
    login(&carol);
    entry = wtmp_record(2);
    CHECK(entry.ut_type == USER_PROCESS && entry.ut_pid == getpid() && strcmp(entry.ut_user, "carol") == 0);
    long utmp_size = size_of(_PATH_UTMP);
    if (on_tty)
        CHECK(strncmp(entry.ut_line, tty + 5, sizeof entry.ut_line) == 0 && utmp_size == (long)sizeof(struct utmp));
    else
        CHECK((strcmp(entry.ut_line, "???") == 0 && utmp_size == 0) || (entry.ut_line[0] == 0 && utmp_size > 0));
    make_empty(_PATH_UTMP);

    // logout: the terminal's USER_PROCESS record made DEAD_PROCESS.
    CHECK(logout("pts/7") == 0);
    CHECK(utmpname(_PATH_UTMP) == 0);
    setutent();
    struct utmp dave = record(USER_PROCESS, "d7", "pts/7", "dave");
    strncpy(dave.ut_host, "client", sizeof dave.ut_host);
    CHECK(pututline(&dave) != NULL);
    endutent();
    CHECK(logout("pts/7") == 1);
    setutent();
    struct utmp wanted = record(DEAD_PROCESS, "d7", "", "");
    struct utmp* found = getutid(&wanted);
    CHECK(found && found->ut_type == DEAD_PROCESS && found->ut_user[0] == 0 && found->ut_host[0] == 0);
    endutent();
}

int main(void)
{
    cursor_calls();
    wtmp_files();
    login_calls();
    if (!failures)
        printf(TEST_NAME ": ok\n");
    return failures ? 1 : 0;
}
