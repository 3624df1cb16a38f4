// glibc's reentrant enumerations of /etc/passwd and /etc/group (getpwent_r, getgrent_r,
// fgetpwent_r, fgetgrent_r), and the classic setpwent/getpwent/endpwent (and group) over
// the same enumeration, as glibc's share one. musl has the classic ones only, on a stream
// of their own; these replace them (overrides.txt). Lookups by name or id stay musl's
// (getpwnam, getpwuid_r, ...: they read the same files).
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <grp.h>
#include <pwd.h>

#include <libc_shim/line_database.h>
#include <libc_shim/shared_entry.h>

namespace {

using libc_shim::EntryBuffer;
using libc_shim::LineResult;

/// A decimal id field; false when it is empty or not a number.
bool parse_id(const char* text, unsigned* id)
{
    char* end;
    unsigned long value = strtoul(text, &end, 10);
    if (!*text || *end || value > 0xffffffffUL)
        return false;
    *id = unsigned(value);
    return true;
}

// name:password:uid:gid:gecos:directory:shell (passwd(5)); a ':' in the shell stays in it,
// as glibc reads the last field
LineResult passwd_line(char* line, EntryBuffer& out, void* entry, const void*)
{
    char* fields[7];
    unsigned uid, gid;
    if (libc_shim::split_fields(line, fields, 7) != 7 || !parse_id(fields[2], &uid) || !parse_id(fields[3], &gid))
        return LineResult::Skip;
    auto* user = static_cast<struct passwd*>(entry);
    user->pw_uid = uid;
    user->pw_gid = gid;
    user->pw_name = out.copy(fields[0]);
    user->pw_passwd = out.copy(fields[1]);
    user->pw_gecos = out.copy(fields[4]);
    user->pw_dir = out.copy(fields[5]);
    user->pw_shell = out.copy(fields[6]);
    return out.fits() ? LineResult::Entry : LineResult::TooSmall;
}

// name:password:gid:member,member (group(5)); a ':' among the members stays in the last one
LineResult group_line(char* line, EntryBuffer& out, void* entry, const void*)
{
    char* fields[4];
    unsigned gid;
    if (libc_shim::split_fields(line, fields, 4) != 4 || !parse_id(fields[2], &gid))
        return LineResult::Skip;
    libc_shim::WordList members;
    if (!members.split(fields[3], ",", false))
        return LineResult::Skip;
    auto* group = static_cast<struct group*>(entry);
    group->gr_gid = gid;
    group->gr_mem = out.copy_list(members.words(), members.count());
    group->gr_name = out.copy(fields[0]);
    group->gr_passwd = out.copy(fields[1]);
    return out.fits() ? LineResult::Entry : LineResult::TooSmall;
}

// The program's libc owns one enumeration of each (glibc's nss_files has one).
libc_shim::LineDatabase& users()
{
    static libc_shim::LineDatabase database("/etc/passwd", nullptr);
    return database;
}

libc_shim::LineDatabase& groups()
{
    static libc_shim::LineDatabase database("/etc/group", nullptr);
    return database;
}

} // namespace

extern "C" {

/// 0 with the next entry, ENOENT at the end, ERANGE when `buffer` is too small (the same
/// entry comes next time).
int getpwent_r(struct passwd* entry, char* buffer, size_t size, struct passwd** result)
{
    return libc_shim::finish_entry(users().next(passwd_line, buffer, size, entry, nullptr), entry, result);
}

int getgrent_r(struct group* entry, char* buffer, size_t size, struct group** result)
{
    return libc_shim::finish_entry(groups().next(group_line, buffer, size, entry, nullptr), entry, result);
}

int fgetpwent_r(FILE* stream, struct passwd* entry, char* buffer, size_t size, struct passwd** result)
{
    return libc_shim::finish_entry(
        libc_shim::LineDatabase::read_next(stream, passwd_line, buffer, size, entry, nullptr), entry, result);
}

int fgetgrent_r(FILE* stream, struct group* entry, char* buffer, size_t size, struct group** result)
{
    return libc_shim::finish_entry(
        libc_shim::LineDatabase::read_next(stream, group_line, buffer, size, entry, nullptr), entry, result);
}

void osprey_setpwent() { users().restart(); }
void osprey_endpwent() { users().end(); }
void osprey_setgrent() { groups().restart(); }
void osprey_endgrent() { groups().end(); }

struct passwd* osprey_getpwent()
{
    return libc_shim::shared_entry<struct passwd>(
        [](struct passwd* e, char* b, size_t n, struct passwd** r) { return getpwent_r(e, b, n, r); });
}

struct group* osprey_getgrent()
{
    return libc_shim::shared_entry<struct group>(
        [](struct group* e, char* b, size_t n, struct group** r) { return getgrent_r(e, b, n, r); });
}

} // extern "C"
