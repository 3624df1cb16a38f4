// glibc's utmp and wtmp files (<utmp.h>, <utmpx.h>; glibc 2.36 login/utmp_file.c,
// login.c, logout.c, logwtmp.c): the login records servers such as sshd and dropbear
// keep in /var/run/utmp and append to /var/log/wtmp, in glibc's 384-byte record.
// musl's utmp calls are stubs with another record layout (a 64-bit ut_tv); these replace
// them (overrides.txt), utmpx as the same calls (the two records are one layout in
// glibc on x86-64). As in glibc, the files are never created: a system without them keeps
// no records. Records are not locked against other processes (a VM runs one program);
// the program's threads share one cursor behind a lock.
#include <cerrno>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <sys/time.h>
#include <unistd.h>

#include <libc_shim/line_database.h>

namespace {

// glibc's struct utmp (and utmpx) on x86-64 (bits/utmp.h): 32-bit time fields.
struct Record {
    int16_t type;
    int32_t pid;
    char line[32];
    char id[4];
    char user[32];
    char host[256];
    int16_t exit_termination;
    int16_t exit_status;
    int32_t session;
    int32_t seconds;
    int32_t microseconds;
    int32_t address_v6[4];
    char unused[20];
};
static_assert(sizeof(Record) == 384);
static_assert(offsetof(Record, line) == 8 && offsetof(Record, host) == 76 && offsetof(Record, seconds) == 340);

// ut_type values (bits/utmp.h)
enum : int16_t {
    RunLevel = 1,
    BootTime = 2,
    NewTime = 3,
    OldTime = 4,
    InitProcess = 5,
    LoginProcess = 6,
    UserProcess = 7,
    DeadProcess = 8
};

constexpr const char* kUtmpPath = "/var/run/utmp";
constexpr const char* kWtmpPath = "/var/log/wtmp";

/// The program's utmp cursor: the file (utmpname), its descriptor, the last record read
/// or written and where it is.
struct Cursor {
    char path[PATH_MAX] = "/var/run/utmp";
    int fd = -1;
    Record last = {};
    off_t last_at = -1;
};

lib::Guarded<Cursor, libc_shim::ProgramMutex>& cursor()
{
    static lib::Guarded<Cursor, libc_shim::ProgramMutex> the_cursor;
    return the_cursor;
}

bool open_locked(Cursor& c)
{
    if (c.fd < 0) {
        c.fd = open(c.path, O_RDWR | O_CLOEXEC);
        if (c.fd < 0)
            c.fd = open(c.path, O_RDONLY | O_CLOEXEC);
        c.last_at = -1;
    }
    return c.fd >= 0;
}

void close_locked(Cursor& c)
{
    if (c.fd >= 0)
        close(c.fd);
    c.fd = -1;
    c.last_at = -1;
}

/// The next whole record into c.last; false at the end (a partial record is the end).
bool read_locked(Cursor& c)
{
    if (!open_locked(c))
        return false;
    off_t at = lseek(c.fd, 0, SEEK_CUR);
    if (read(c.fd, &c.last, sizeof c.last) != ssize_t(sizeof c.last)) {
        c.last_at = -1;
        return false;
    }
    c.last_at = at;
    return true;
}

bool is_time_type(int16_t type) { return type == RunLevel || type == BootTime || type == NewTime || type == OldTime; }
bool is_process_type(int16_t type) { return type >= InitProcess && type <= DeadProcess; }

/// getutid's match: the same type for the time records; for the process records any
/// process type with the same ut_id (the same ut_line when the id is empty).
bool same_id(const Record& data, const Record& id)
{
    if (is_time_type(id.type))
        return data.type == id.type;
    if (!is_process_type(data.type))
        return false;
    if (id.id[0])
        return strncmp(data.id, id.id, sizeof id.id) == 0;
    return strncmp(data.line, id.line, sizeof id.line) == 0;
}

/// The next record from the cursor that `match` takes, into c.last.
template<typename Match> bool find_locked(Cursor& c, Match match)
{
    while (read_locked(c))
        if (match(c.last))
            return true;
    return false;
}

Record* copy_out(const Record& record, Record* buffer, Record** result, bool found)
{
    if (found)
        *buffer = record;
    *result = found ? buffer : nullptr;
    return *result;
}

/// Appends `record` to the wtmp-style file `path` (not created when absent), cutting a
/// partial record at its end first, as glibc does.
void append_record(const char* path, const Record& record)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    off_t end = lseek(fd, 0, SEEK_END);
    if (end > 0 && end % off_t(sizeof record) != 0) {
        end -= end % off_t(sizeof record);
        if (ftruncate(fd, end) != 0)
            end = -1;
    }
    if (end >= 0 && pwrite(fd, &record, sizeof record, end) != ssize_t(sizeof record))
        (void)!ftruncate(fd, end); // no partial record stays
    close(fd);
}

void stamp_now(Record& record)
{
    struct timeval now;
    gettimeofday(&now, nullptr);
    record.seconds = int32_t(now.tv_sec);
    record.microseconds = int32_t(now.tv_usec);
}

} // namespace

extern "C" {

int osprey_utmpname(const char* path)
{
    if (strlen(path) >= PATH_MAX) {
        errno = ENAMETOOLONG;
        return -1;
    }
    cursor().with([&](Cursor& c) {
        close_locked(c);
        strcpy(c.path, path);
    });
    return 0;
}

void osprey_setutent()
{
    cursor().with([](Cursor& c) {
        if (open_locked(c))
            lseek(c.fd, 0, SEEK_SET);
        c.last_at = -1;
    });
}

void osprey_endutent()
{
    cursor().with([](Cursor& c) { close_locked(c); });
}

int osprey_getutent_r(Record* buffer, Record** result)
{
    return cursor().with([&](Cursor& c) { return copy_out(c.last, buffer, result, read_locked(c)) ? 0 : -1; });
}

int osprey_getutid_r(const Record* id, Record* buffer, Record** result)
{
    if (!is_time_type(id->type) && !is_process_type(id->type)) {
        errno = EINVAL;
        *result = nullptr;
        return -1;
    }
    return cursor().with([&](Cursor& c) {
        bool found = find_locked(c, [&](const Record& r) { return same_id(r, *id); });
        return copy_out(c.last, buffer, result, found) ? 0 : (errno = ESRCH, -1);
    });
}

int osprey_getutline_r(const Record* line, Record* buffer, Record** result)
{
    return cursor().with([&](Cursor& c) {
        bool found = find_locked(c, [&](const Record& r) {
            return (r.type == LoginProcess || r.type == UserProcess) && strncmp(r.line, line->line, sizeof r.line) == 0;
        });
        return copy_out(c.last, buffer, result, found) ? 0 : (errno = ESRCH, -1);
    });
}

// The classic calls return the cursor's own copy, as glibc's static buffer.
Record* osprey_getutent()
{
    static Record entry;
    Record* result;
    return osprey_getutent_r(&entry, &result) == 0 ? result : nullptr;
}

Record* osprey_getutid(const Record* id)
{
    static Record entry;
    Record* result;
    return osprey_getutid_r(id, &entry, &result) == 0 ? result : nullptr;
}

Record* osprey_getutline(const Record* line)
{
    static Record entry;
    Record* result;
    return osprey_getutline_r(line, &entry, &result) == 0 ? result : nullptr;
}

/// glibc's pututline: `data` over the record with its id (the last one read, or the next
/// from the cursor), else at the end of the file. `data` itself, or null with errno.
Record* osprey_pututline(const Record* data)
{
    Record copy = *data; // `data` may be the cursor's record the search overwrites
    return cursor().with([&](Cursor& c) -> Record* {
        if (!open_locked(c))
            return nullptr;
        off_t at = c.last_at >= 0 && same_id(c.last, copy) ? c.last_at : -1;
        if (at < 0 && find_locked(c, [&](const Record& r) { return same_id(r, copy); }))
            at = c.last_at;
        if (at < 0) {
            at = lseek(c.fd, 0, SEEK_END);
            at -= at % off_t(sizeof copy);
        }
        if (pwrite(c.fd, &copy, sizeof copy, at) != ssize_t(sizeof copy))
            return nullptr;
        lseek(c.fd, at + off_t(sizeof copy), SEEK_SET);
        c.last = copy;
        c.last_at = at;
        return const_cast<Record*>(data);
    });
}

void osprey_updwtmp(const char* path, const Record* record) { append_record(path, *record); }

void osprey_getutmp(const Record* from, Record* to) { *to = *from; } // utmpx and utmp: one layout

/// glibc's login: `entry` as this process's USER_PROCESS record on the terminal of fd 0,
/// 1 or 2 into utmp (none when there is no terminal: the line is then "???"), and
/// appended to wtmp. That is what glibc documents and means; glibc 2.36's tty_name takes
/// ttyname_r's ENOTTY for success and, without a terminal, writes both records with
/// whatever its stack buffer held as the line.
void osprey_login(const Record* entry)
{
    Record copy = *entry;
    copy.type = UserProcess;
    copy.pid = getpid();
    char tty[PATH_MAX];
    bool has_tty = ttyname_r(0, tty, sizeof tty) == 0 || ttyname_r(1, tty, sizeof tty) == 0
        || ttyname_r(2, tty, sizeof tty) == 0;
    if (has_tty) {
        const char* name = strncmp(tty, "/dev/", 5) == 0 ? tty + 5 : tty;
        strncpy(copy.line, name, sizeof copy.line);
        osprey_utmpname(kUtmpPath);
        osprey_setutent();
        osprey_pututline(&copy);
        osprey_endutent();
    } else {
        strncpy(copy.line, "???", sizeof copy.line);
    }
    append_record(kWtmpPath, copy);
}

/// glibc's logout: the USER_PROCESS record of terminal `line` in utmp made DEAD_PROCESS
/// (user and host cleared, the time now); 1 when there was one, else 0.
int osprey_logout(const char* line)
{
    osprey_utmpname(kUtmpPath);
    osprey_setutent();
    Record wanted = {};
    wanted.type = UserProcess;
    strncpy(wanted.line, line, sizeof wanted.line);
    Record found;
    Record* result = nullptr;
    int done = 0;
    if (osprey_getutline_r(&wanted, &found, &result) == 0) {
        memset(found.user, 0, sizeof found.user);
        memset(found.host, 0, sizeof found.host);
        stamp_now(found);
        found.type = DeadProcess;
        done = osprey_pututline(&found) != nullptr;
    }
    osprey_endutent();
    return done;
}

/// glibc's logwtmp: a record for `line` appended to wtmp: USER_PROCESS for `name`, or
/// DEAD_PROCESS when `name` is empty (a logout).
void osprey_logwtmp(const char* line, const char* name, const char* host)
{
    Record record = {};
    record.pid = getpid();
    record.type = name[0] ? UserProcess : DeadProcess;
    strncpy(record.line, line, sizeof record.line);
    strncpy(record.user, name, sizeof record.user);
    strncpy(record.host, host, sizeof record.host);
    stamp_now(record);
    append_record(kWtmpPath, record);
}

} // extern "C"
