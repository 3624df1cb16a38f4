// glibc's "files" databases (/etc/protocols, services, networks, hosts, passwd, group,
// netgroup), read as glibc's nss_files reads them: one entry a line, words split at white
// space, '#' to the end of the line a comment. An enumeration (set*ent, get*ent[_r],
// end*ent) keeps its own stream behind a lock; a lookup by name or number reads the file
// on a stream of its own, so it never moves an enumeration. Entries go into the caller's
// buffer (EntryBuffer); ERANGE leaves the enumeration on the same line for the next call.
#pragma once

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <pthread.h>
#include <string_view>

#include <lib/guarded.h>

namespace libc_shim {

/// A pthread mutex as lib::Guarded's lock: for libc state the program's threads share.
class ProgramMutex {
public:
    struct Token { };
    Token lock()
    {
        pthread_mutex_lock(&m_mutex);
        return {};
    }
    void unlock(Token) { pthread_mutex_unlock(&m_mutex); }

private:
    pthread_mutex_t m_mutex = PTHREAD_MUTEX_INITIALIZER;
};

/// The caller's buffer of a get*_r call, filled from the front with one entry's strings
/// and pointer arrays. Once something does not fit, every later call fails too and
/// fits() is false (the entry's function then returns ERANGE).
class EntryBuffer {
public:
    EntryBuffer(char* buffer, size_t size) : m_next(buffer), m_left(buffer ? size : 0) { }
    /// A NUL-terminated copy of `text`, or null when it does not fit.
    char* copy(std::string_view text);
    /// `count` bytes aligned for `alignment`, or null when they do not fit.
    void* bytes(size_t count, size_t alignment);
    /// A null-terminated array of copies of `words`, or null when it does not fit.
    char** copy_list(char* const* words, size_t count);
    bool fits() const { return m_fits; }

private:
    char* m_next;
    size_t m_left;
    bool m_fits = true;
};

/// The words of a line, split in place (NULs after each): as many as it has, the array
/// malloc'd and freed with the list.
class WordList {
public:
    WordList() = default;
    WordList(const WordList&) = delete;
    WordList& operator=(const WordList&) = delete;
    ~WordList() { free(m_words); }
    /// Splits `line` at any of `separators`, skipping empty words; with `comments`, a '#'
    /// ends the line. False when memory ran out (the list is then empty).
    bool split(char* line, const char* separators, bool comments);
    char** words() const { return m_words; }
    size_t count() const { return m_count; }

private:
    char** m_words = nullptr;
    size_t m_count = 0;
};

/// What a parser says of one line.
enum class LineResult { Entry, Skip, TooSmall };

/// Parses one line (its newline removed; the parser may change it) into an entry held by
/// `buffer`, if the line matches `key` (null: any line).
using LineParser = LineResult (*)(char* line, EntryBuffer& buffer, void* entry, const void* key);

/// The ':'-separated fields of `line` (changed in place), at most `capacity`, the last
/// keeping any ':' after it, as glibc's files parsers read a line's last field (passwd's
/// shell, group's and gshadow's members); their count.
size_t split_fields(char* line, char** fields, size_t capacity);

/// A get*ent_r/fget*ent_r result: 0 with *result set to `entry`, or the error with
/// *result null.
template<typename Entry> int finish_entry(int error, Entry* entry, Entry** result)
{
    *result = error ? nullptr : entry;
    return error;
}

/// A get*by*_r lookup's result, glibc's files backend's way: as finish_entry, but finding
/// nothing (ENOENT) is 0 with *result null.
template<typename Entry> int finish_lookup(int error, Entry* entry, Entry** result)
{
    finish_entry(error, entry, result);
    return error == ENOENT ? 0 : error;
}

/// One database: its file, or built-in text in the same format when the image has none
/// (null: none, the database is empty).
class LineDatabase {
public:
    constexpr LineDatabase(const char* path, const char* builtin) : m_path(path), m_builtin(builtin) { }

    /// set*ent: the enumeration starts again at the first line.
    void restart();
    /// end*ent: the enumeration's stream is closed.
    void end();
    /// get*ent_r: the next line `parse` takes as an entry. 0, ENOENT at the end, ERANGE
    /// when `buffer` is too small (the same line comes again next time).
    int next(LineParser parse, char* buffer, size_t size, void* entry, const void* key);
    /// get*by*_r: the first line `parse` takes (it checks `key`), on a stream of its own.
    /// 0, ENOENT when no line matches, ERANGE when `buffer` is too small.
    int find(LineParser parse, char* buffer, size_t size, void* entry, const void* key) const;

    /// The next line of `stream` that `parse` takes, as next() (fgetpwent_r): on ERANGE
    /// the stream is put back to that line's start.
    static int read_next(FILE* stream, LineParser parse, char* buffer, size_t size, void* entry, const void* key);

private:
    struct Enumeration {
        FILE* stream = nullptr;
    };
    FILE* open() const;

    const char* m_path;
    const char* m_builtin;
    lib::Guarded<Enumeration, ProgramMutex> m_enumeration;
};

} // namespace libc_shim
