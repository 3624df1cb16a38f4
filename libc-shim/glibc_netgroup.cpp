// glibc's innetgr over /etc/netgroup, as its "files" netgroup backend reads it
// (netgroup(5)): each line a netgroup's name, then members, each a (host,user,domain)
// triple or the name of another netgroup; a backslash at the end of a line continues it.
// musl has no netgroups. Not provided: setnetgrent/getnetgrent/endnetgrent (no measured
// program imports them).
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <netdb.h>

namespace {

/// The netgroups a lookup has walked (their lines in the text), so that each is walked
/// once however the groups name each other (glibc keeps the same list).
struct Visited {
    const char** lines = nullptr;
    size_t count = 0, capacity = 0;
    ~Visited() { free(lines); }
    bool seen(const char* line) const
    {
        for (size_t i = 0; i < count; ++i)
            if (lines[i] == line)
                return true;
        return false;
    }
    /// False when memory ran out (the walk then stops there).
    bool add(const char* line)
    {
        if (count == capacity) {
            size_t grown = capacity ? capacity * 2 : 16;
            auto* larger = static_cast<const char**>(realloc(lines, grown * sizeof *lines));
            if (!larger)
                return false;
            lines = larger;
            capacity = grown;
        }
        lines[count++] = line;
        return true;
    }
};

/// The whole of /etc/netgroup with continued lines joined (backslash-newline removed),
/// malloc'd; null when there is none.
char* read_netgroups()
{
    FILE* file = fopen("/etc/netgroup", "re");
    if (!file)
        return nullptr;
    char* text = nullptr;
    size_t size = 0;
    FILE* out = open_memstream(&text, &size);
    for (int c; out && (c = getc(file)) != EOF;) {
        if (c == '\\') {
            int next = getc(file);
            if (next == '\n')
                continue;
            if (next != EOF)
                ungetc(next, file);
        }
        putc(c, out);
    }
    fclose(file);
    if (out)
        fclose(out);
    return text;
}

/// The members of netgroup `name` in `text` (the rest of its line), or null.
const char* members_of(const char* text, const char* name)
{
    size_t length = strlen(name);
    for (const char* line = text; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : nullptr) {
        const char* p = line + strspn(line, " \t");
        if (strncmp(p, name, length) == 0 && (p[length] == ' ' || p[length] == '\t'))
            return p + length;
    }
    return nullptr;
}

/// A triple's field, from `start` to `end`, white space trimmed, against the caller's
/// `wanted` (null: anything). An empty field matches anything (glibc: a null field).
/// Hosts and domains compare without case, users with (glibc's innetgr).
bool field_matches(const char* start, const char* end, const char* wanted, bool ignore_case)
{
    while (start < end && isspace((unsigned char)*start))
        ++start;
    while (end > start && isspace((unsigned char)end[-1]))
        --end;
    size_t length = size_t(end - start);
    if (!wanted || !length)
        return true;
    if (length != strlen(wanted))
        return false;
    return ignore_case ? strncasecmp(start, wanted, length) == 0 : strncmp(start, wanted, length) == 0;
}

/// Whether the triple "(host,user,domain)" at `p` (after the parenthesis) matches.
bool triple_matches(const char* p, const char* end, const char* const wanted[3])
{
    for (int field = 0; field < 3; ++field) {
        const char* stop = field < 2 ? static_cast<const char*>(memchr(p, ',', size_t(end - p))) : end;
        if (!stop || !field_matches(p, stop, wanted[field], field != 1))
            return false;
        p = stop + 1;
    }
    return true;
}

bool in_netgroup(const char* text, const char* name, const char* const wanted[3], Visited& visited)
{
    const char* p = members_of(text, name);
    if (!p || visited.seen(p) || !visited.add(p))
        return false;
    while (*p && *p != '\n') {
        p += strspn(p, " \t");
        if (*p == '(') {
            const char* close = strchr(p, ')');
            const char* newline = strchr(p, '\n');
            if (!close || (newline && newline < close))
                return false; // a malformed triple ends the line's members, as in glibc
            if (triple_matches(p + 1, close, wanted))
                return true;
            p = close + 1;
            continue;
        }
        size_t length = strcspn(p, " \t\n");
        if (!length)
            break;
        char nested[256];
        if (length < sizeof nested) {
            memcpy(nested, p, length);
            nested[length] = 0;
            if (in_netgroup(text, nested, wanted, visited))
                return true;
        }
        p += length;
    }
    return false;
}

} // namespace

extern "C" {

/// glibc's innetgr: 1 when netgroup `netgroup` (or one it names, recursively) has a
/// triple matching `host`, `user` and `domain` (null matches any), else 0.
int innetgr(const char* netgroup, const char* host, const char* user, const char* domain)
{
    char* text = read_netgroups();
    if (!text)
        return 0;
    const char* const wanted[3] = { host, user, domain };
    Visited visited;
    int found = in_netgroup(text, netgroup, wanted, visited);
    free(text);
    return found;
}

} // extern "C"
