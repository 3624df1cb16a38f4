// The shadow databases as glibc has them: /etc/shadow's enumeration (setspent, getspent,
// getspent_r, endspent: musl's are empty stubs that never return an entry), its parsers
// of a line from a string or a stream (sgetspent[_r], fgetspent_r), and all of
// /etc/gshadow (<gshadow.h>: the group passwords and administrators, which systemd's
// tools, getent and shadow's own tools read and putsgent writes). musl has no gshadow.
// Lookups of one user (getspnam, getspnam_r) stay musl's.
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <gshadow.h>
#include <shadow.h>

#include <libc_shim/line_database.h>
#include <libc_shim/shared_entry.h>

namespace {

using libc_shim::EntryBuffer;
using libc_shim::LineResult;

/// A shadow(5) number as glibc reads one: blanks and a '+' before the digits, nothing
/// after them, at most 32 bits (0xffffffff); empty is "not set". False otherwise ('-'
/// included).
bool parse_number(const char* text, bool* set, uint32_t* value)
{
    *set = false;
    if (!*text)
        return true;
    while (isspace(static_cast<unsigned char>(*text)))
        ++text;
    if (*text == '+')
        ++text;
    if (!isdigit(static_cast<unsigned char>(*text)) || strspn(text, "0123456789") != strlen(text))
        return false;
    errno = 0;
    unsigned long number = strtoul(text, nullptr, 10);
    if (errno || number > 0xffffffffUL)
        return false;
    *set = true;
    *value = uint32_t(number);
    return true;
}

/// The next number field of a shadow line at `cursor`, moved past it and its ':': false
/// where glibc refuses the line (the line ending where a field must begin, or a number it
/// does not read). `set` false: empty, "not set".
bool number_field(char*& cursor, bool* set, uint32_t* value)
{
    if (!*cursor)
        return false;
    char* colon = strchr(cursor, ':');
    if (colon)
        *colon = '\0';
    bool parsed = parse_number(cursor, set, value);
    cursor = colon ? colon + 1 : cursor + strlen(cursor);
    return parsed;
}

// name:password:lastchange:min:max[:warn:inactive:expire[:flag]] (shadow(5)), as glibc's
// parser takes it (probed): the three first numbers must be there; a line may end after
// them (glibc's old form: the rest unset) or after expire (the flag unset); an empty
// flag is ~0; nothing may follow the flag.
LineResult shadow_line(char* line, EntryBuffer& out, void* entry, const void* key)
{
    char* fields[3];
    if (libc_shim::split_fields(line, fields, 3) != 3 || (key && strcmp(fields[0], static_cast<const char*>(key)) != 0))
        return LineResult::Skip;
    char* cursor = fields[2];
    auto* user = static_cast<struct spwd*>(entry);
    long* numbers[]
        = { &user->sp_lstchg, &user->sp_min, &user->sp_max, &user->sp_warn, &user->sp_inact, &user->sp_expire };
    bool set;
    uint32_t value;
    for (size_t i = 0; i < 6; ++i) {
        if (i == 3 && !*cursor) { // the old form ends here
            user->sp_warn = user->sp_inact = user->sp_expire = -1;
            break;
        }
        if (!number_field(cursor, &set, &value))
            return LineResult::Skip;
        *numbers[i] = set ? long(int32_t(value)) : -1; // glibc goes through int: 4294967295 is -1
    }
    user->sp_flag = ~0ul;
    if (*cursor) {
        if (strchr(cursor, ':') || !parse_number(cursor, &set, &value))
            return LineResult::Skip;
        if (set)
            user->sp_flag = value;
    }
    user->sp_namp = out.copy(fields[0]);
    user->sp_pwdp = out.copy(fields[1]);
    return out.fits() ? LineResult::Entry : LineResult::TooSmall;
}

/// A gshadow list's items as glibc keeps them: leading blanks dropped (trailing ones
/// kept), then items left empty dropped. Compacts `words` in place; the new count.
size_t trim_items(char** words, size_t count)
{
    size_t kept = 0;
    for (size_t i = 0; i < count; ++i) {
        char* item = words[i];
        while (isspace(static_cast<unsigned char>(*item)))
            ++item;
        if (*item)
            words[kept++] = item;
    }
    return kept;
}

// name:password:administrator,...:member,... (gshadow(5)), read as leniently as glibc
// does: missing fields are empty, list items lose their leading blanks and empty ones are
// dropped, and a ':' past the fourth field belongs to the last member.
LineResult gshadow_line(char* line, EntryBuffer& out, void* entry, const void* key)
{
    char empty[] = "";
    char* fields[4] = { empty, empty, empty, empty };
    libc_shim::split_fields(line, fields, 4);
    if (key && strcmp(fields[0], static_cast<const char*>(key)) != 0)
        return LineResult::Skip;
    libc_shim::WordList administrators, members;
    if (!administrators.split(fields[2], ",", false) || !members.split(fields[3], ",", false))
        return LineResult::Skip;
    auto* group = static_cast<struct sgrp*>(entry);
    group->sg_adm = out.copy_list(administrators.words(), trim_items(administrators.words(), administrators.count()));
    group->sg_mem = out.copy_list(members.words(), trim_items(members.words(), members.count()));
    group->sg_namp = out.copy(fields[0]);
    group->sg_passwd = out.copy(fields[1]);
    return out.fits() ? LineResult::Entry : LineResult::TooSmall;
}

libc_shim::LineDatabase& shadow_users()
{
    static libc_shim::LineDatabase database("/etc/shadow", nullptr);
    return database;
}

libc_shim::LineDatabase& shadow_groups()
{
    static libc_shim::LineDatabase database("/etc/gshadow", nullptr);
    return database;
}

/// sgetspent_r and sgetsgent_r: `parse` on a copy of `text`. A line that is no entry gives
/// 0 and no entry, as glibc's do.
int parse_text(const char* text, libc_shim::LineParser parse, void* entry, char* buffer, size_t size, void** result)
{
    *result = nullptr;
    char* line = strdup(text);
    if (!line)
        return ENOMEM;
    line[strcspn(line, "\n")] = 0;
    EntryBuffer out(buffer, size);
    LineResult parsed = parse(line, out, entry, nullptr);
    free(line);
    if (parsed == LineResult::TooSmall)
        return ERANGE;
    if (parsed == LineResult::Entry)
        *result = entry;
    return 0;
}

/// A field putsgent may write: no ':' or newline (nor ',' in a list).
bool writable(const char* text, bool in_list) { return !text || !strpbrk(text, in_list ? ":\n," : ":\n"); }

bool writable_list(char* const* words)
{
    for (; words && *words; ++words)
        if (!writable(*words, true))
            return false;
    return true;
}

/// False when a write failed.
bool put_list(char* const* words, FILE* stream)
{
    bool written = true;
    for (size_t i = 0; words && words[i]; ++i)
        written &= fprintf(stream, i ? ",%s" : "%s", words[i]) >= 0;
    return written;
}

} // namespace

extern "C" {

// /etc/shadow: the enumeration and the parsers.
void osprey_setspent() { shadow_users().restart(); }
void osprey_endspent() { shadow_users().end(); }

int getspent_r(struct spwd* entry, char* buffer, size_t size, struct spwd** result)
{
    return libc_shim::finish_entry(shadow_users().next(shadow_line, buffer, size, entry, nullptr), entry, result);
}

struct spwd* osprey_getspent()
{
    return libc_shim::shared_entry<struct spwd>(
        [](struct spwd* e, char* b, size_t n, struct spwd** r) { return getspent_r(e, b, n, r); });
}

int fgetspent_r(FILE* stream, struct spwd* entry, char* buffer, size_t size, struct spwd** result)
{
    return libc_shim::finish_entry(
        libc_shim::LineDatabase::read_next(stream, shadow_line, buffer, size, entry, nullptr), entry, result);
}

int sgetspent_r(const char* text, struct spwd* entry, char* buffer, size_t size, struct spwd** result)
{
    return parse_text(text, shadow_line, entry, buffer, size, reinterpret_cast<void**>(result));
}

struct spwd* sgetspent(const char* text)
{
    return libc_shim::shared_entry<struct spwd>(
        [text](struct spwd* e, char* b, size_t n, struct spwd** r) { return sgetspent_r(text, e, b, n, r); });
}

// /etc/gshadow.
void setsgent() { shadow_groups().restart(); }
void endsgent() { shadow_groups().end(); }

int getsgent_r(struct sgrp* entry, char* buffer, size_t size, struct sgrp** result)
{
    return libc_shim::finish_entry(shadow_groups().next(gshadow_line, buffer, size, entry, nullptr), entry, result);
}

struct sgrp* getsgent()
{
    return libc_shim::shared_entry<struct sgrp>(
        [](struct sgrp* e, char* b, size_t n, struct sgrp** r) { return getsgent_r(e, b, n, r); });
}

int getsgnam_r(const char* name, struct sgrp* entry, char* buffer, size_t size, struct sgrp** result)
{
    return libc_shim::finish_lookup(shadow_groups().find(gshadow_line, buffer, size, entry, name), entry, result);
}

struct sgrp* getsgnam(const char* name)
{
    return libc_shim::shared_entry<struct sgrp>(
        [name](struct sgrp* e, char* b, size_t n, struct sgrp** r) { return getsgnam_r(name, e, b, n, r); });
}

int fgetsgent_r(FILE* stream, struct sgrp* entry, char* buffer, size_t size, struct sgrp** result)
{
    return libc_shim::finish_entry(
        libc_shim::LineDatabase::read_next(stream, gshadow_line, buffer, size, entry, nullptr), entry, result);
}

struct sgrp* fgetsgent(FILE* stream)
{
    return libc_shim::shared_entry<struct sgrp>(
        [stream](struct sgrp* e, char* b, size_t n, struct sgrp** r) { return fgetsgent_r(stream, e, b, n, r); });
}

int sgetsgent_r(const char* text, struct sgrp* entry, char* buffer, size_t size, struct sgrp** result)
{
    return parse_text(text, gshadow_line, entry, buffer, size, reinterpret_cast<void**>(result));
}

struct sgrp* sgetsgent(const char* text)
{
    return libc_shim::shared_entry<struct sgrp>(
        [text](struct sgrp* e, char* b, size_t n, struct sgrp** r) { return sgetsgent_r(text, e, b, n, r); });
}

/// One gshadow line; -1 with EINVAL for a field that would break the format.
int putsgent(const struct sgrp* group, FILE* stream)
{
    if (!group->sg_namp || !writable(group->sg_namp, false) || !writable(group->sg_passwd, false)
        || !writable_list(group->sg_adm) || !writable_list(group->sg_mem)) {
        errno = EINVAL;
        return -1;
    }
    flockfile(stream);
    bool failed = fprintf(stream, "%s:%s:", group->sg_namp, group->sg_passwd ? group->sg_passwd : "") < 0;
    failed |= !put_list(group->sg_adm, stream);
    failed |= fputc(':', stream) == EOF;
    failed |= !put_list(group->sg_mem, stream);
    failed |= fputc('\n', stream) == EOF;
    funlockfile(stream);
    return failed ? -1 : 0; // this call's writes, not an error the stream had before
}

} // extern "C"
