// glibc's _FORTIFY_SOURCE entry points (__*_chk): each checks the object size the compiler
// passed and calls __chk_fail on overflow, else does the plain operation with musl. Also
// the stack protector's failure path. Both end the program as glibc does: the message on
// stderr, then abort(), which dies of SIGABRT (exit status 128 + 6 = 134 as a Linux shell
// reports it; kernel/syscall/signal.cpp), running a SIGABRT handler first if the program
// installed one. Like glibc >= 2.27, stdio buffers are not flushed.
#include <cerrno>
#include <climits>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <cwchar>
#include <poll.h>
#include <setjmp.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

namespace {

[[noreturn]] void die(const char* message)
{
    ssize_t ignored = write(STDERR_FILENO, message, strlen(message));
    (void)ignored;
    abort();
}

} // namespace

// program_allocator.cpp: what these return comes from the program's allocator if it has one.
extern "C" char* osprey_getcwd(char* buffer, size_t size);
extern "C" char* osprey_realpath(const char* path, char* resolved);
extern "C" int osprey_vasprintf(char** out, const char* format, va_list arguments);

extern "C" {

[[noreturn]] void __chk_fail() { die("*** buffer overflow detected ***: terminated\n"); }
[[noreturn]] void osprey_stack_chk_fail() { die("*** stack smashing detected ***: terminated\n"); }

#define CHECK(cond)                                                                                                    \
    if (!(cond)) [[unlikely]]                                                                                          \
    __chk_fail()

} // extern "C"

namespace {

/// fgets and its kin as glibc's __fgets_chk reads: at most min(n - 1, size) characters,
/// NULL for n <= 0, and an overflow only when the line really reaches `size` characters
/// (a line that fits is fine whatever n says). Reading `size` - 1 characters without the
/// line's end, one more character that arrives is the overflow glibc would have written.
template<typename Char, typename ReadLine, typename ReadChar>
Char* checked_line(Char* s, size_t size, int n, FILE* f, ReadLine read_line, ReadChar read_char)
{
    if (n <= 0)
        return nullptr;
    if (size_t(n) - 1 < size)
        return read_line(s, n, f); // at most n - 1 characters and the NUL: within `size`
    if (size == 0)
        return nullptr;
    Char* line = read_line(s, int(size), f); // size <= n - 1 < INT_MAX
    if (!line)
        return line;
    size_t length = 0;
    while (line[length])
        ++length;
    if (length == size - 1 && (length == 0 || line[length - 1] != Char('\n'))) {
        auto next = read_char(f);
        CHECK(next == decltype(next)(-1)); // EOF / WEOF: the line ended with the file
        if (length == 0)
            return nullptr; // nothing read: glibc's NULL
    }
    return line;
}

} // namespace

// clang-format off: the checked functions read as a table, one per line.
extern "C" {

void* __memcpy_chk(void* d, const void* s, size_t n, size_t dn)
{
    CHECK(n <= dn);
    return memcpy(d, s, n);
}
void* __memmove_chk(void* d, const void* s, size_t n, size_t dn)
{
    CHECK(n <= dn);
    return memmove(d, s, n);
}
void* __mempcpy_chk(void* d, const void* s, size_t n, size_t dn)
{
    CHECK(n <= dn);
    return static_cast<char*>(memcpy(d, s, n)) + n;
}
void* __memset_chk(void* d, int c, size_t n, size_t dn)
{
    CHECK(n <= dn);
    return memset(d, c, n);
}
void __explicit_bzero_chk(void* d, size_t n, size_t dn)
{
    CHECK(n <= dn);
    explicit_bzero(d, n);
}
char* __strcpy_chk(char* d, const char* s, size_t dn)
{
    CHECK(strlen(s) < dn);
    return strcpy(d, s);
}
char* __stpcpy_chk(char* d, const char* s, size_t dn)
{
    CHECK(strlen(s) < dn);
    return stpcpy(d, s);
}
char* __strncpy_chk(char* d, const char* s, size_t n, size_t dn)
{
    CHECK(n <= dn);
    return strncpy(d, s, n);
}
char* __stpncpy_chk(char* d, const char* s, size_t n, size_t dn)
{
    CHECK(n <= dn);
    return stpncpy(d, s, n);
}
char* __strcat_chk(char* d, const char* s, size_t dn)
{
    CHECK(strlen(d) + strlen(s) < dn);
    return strcat(d, s);
}
char* __strncat_chk(char* d, const char* s, size_t n, size_t dn)
{
    CHECK(strlen(d) + strnlen(s, n) < dn);
    return strncat(d, s, n);
}

ssize_t __read_chk(int fd, void* buf, size_t n, size_t bn)
{
    CHECK(n <= bn);
    return read(fd, buf, n);
}
ssize_t __recv_chk(int fd, void* buf, size_t n, size_t bn, int flags)
{
    CHECK(n <= bn);
    return recv(fd, buf, n, flags);
}
ssize_t __recvfrom_chk(int fd, void* buf, size_t n, size_t bn, int flags, struct sockaddr* from, socklen_t* from_length)
{
    CHECK(n <= bn);
    return recvfrom(fd, buf, n, flags, from, from_length);
}
ssize_t __pread64_chk(int fd, void* buf, size_t n, off_t offset, size_t bn)
{
    CHECK(n <= bn);
    return pread(fd, buf, n, offset);
}
ssize_t __readlink_chk(const char* path, char* buf, size_t n, size_t bn)
{
    CHECK(n <= bn);
    return readlink(path, buf, n);
}
char* __getcwd_chk(char* buf, size_t n, size_t bn)
{
    CHECK(n <= bn);
    return osprey_getcwd(buf, n);
}
int __gethostname_chk(char* buf, size_t n, size_t bn)
{
    CHECK(n <= bn);
    return gethostname(buf, n);
}
int __getgroups_chk(int n, gid_t* list, size_t bn)
{
    CHECK(n < 0 || size_t(n) * sizeof(gid_t) <= bn);
    return getgroups(n, list);
}
char* __fgets_chk(char* s, size_t sn, int n, FILE* f) { return checked_line(s, sn, n, f, fgets, getc); }
size_t __fread_chk(void* p, size_t bn, size_t size, size_t count, FILE* f)
{
    CHECK(!size || count <= bn / size);
    return fread(p, size, count, f);
}
int __poll_chk(struct pollfd* fds, nfds_t n, int timeout, size_t fdslen)
{
    CHECK(n <= fdslen / sizeof(*fds));
    return poll(fds, n, timeout);
}
long __fdelt_chk(long fd)
{
    CHECK(fd >= 0 && fd < FD_SETSIZE);
    return fd / (8 * long(sizeof(long)));
}
char* __realpath_chk(const char* path, char* resolved, size_t rn)
{
    CHECK(!resolved || rn >= 4096);
    return osprey_realpath(path, resolved);
}
// glibc checks that the target frame is above the current one; musl's jmp_buf is not
// mangled, so plain longjmp.
[[noreturn]] void __longjmp_chk(jmp_buf env, int value) { longjmp(env, value); }

// The printf family. `flag` > 0 asks glibc to refuse %n in writable format strings; that
// hardening is not reproduced, the size checks are.
int __vsnprintf_chk(char* s, size_t n, int, size_t sn, const char* f, va_list ap)
{
    CHECK(n <= sn);
    return vsnprintf(s, n > size_t(INT_MAX) ? size_t(INT_MAX) : n, f, ap); // glibc takes any size
}
int __vsprintf_chk(char* s, int, size_t sn, const char* f, va_list ap)
{
    CHECK(sn > 0);
    // An object size the compiler could not know is SIZE_MAX: plain vsprintf, as glibc
    // does (musl's vsnprintf refuses any size over INT_MAX with EOVERFLOW, and `ls -l`
    // then wrote -1 bytes of its long format: "ls: write error").
    if (sn > size_t(INT_MAX))
        return vsprintf(s, f, ap);
    int r = vsnprintf(s, sn, f, ap);
    CHECK(r < 0 || size_t(r) < sn);
    return r;
}
int __vfprintf_chk(FILE* fp, int, const char* f, va_list ap) { return vfprintf(fp, f, ap); }
int __vprintf_chk(int, const char* f, va_list ap) { return vprintf(f, ap); }
int __vdprintf_chk(int fd, int, const char* f, va_list ap) { return vdprintf(fd, f, ap); }
int __vasprintf_chk(char** out, int, const char* f, va_list ap) { return osprey_vasprintf(out, f, ap); }
void __vsyslog_chk(int priority, int, const char* f, va_list ap) { vsyslog(priority, f, ap); }

#define FORWARD_VARIADIC(call)                                                                                         \
    va_list ap;                                                                                                        \
    va_start(ap, format);                                                                                              \
    int result = call;                                                                                                 \
    va_end(ap);                                                                                                        \
    return result

int __snprintf_chk(char* s, size_t n, int flag, size_t sn, const char* format, ...)
{
    FORWARD_VARIADIC(__vsnprintf_chk(s, n, flag, sn, format, ap));
}
int __sprintf_chk(char* s, int flag, size_t sn, const char* format, ...)
{
    FORWARD_VARIADIC(__vsprintf_chk(s, flag, sn, format, ap));
}
int __fprintf_chk(FILE* fp, int, const char* format, ...) { FORWARD_VARIADIC(vfprintf(fp, format, ap)); }
int __printf_chk(int, const char* format, ...) { FORWARD_VARIADIC(vprintf(format, ap)); }
int __dprintf_chk(int fd, int, const char* format, ...) { FORWARD_VARIADIC(vdprintf(fd, format, ap)); }
int __asprintf_chk(char** out, int, const char* format, ...) { FORWARD_VARIADIC(osprey_vasprintf(out, format, ap)); }

void __syslog_chk(int priority, int flag, const char* format, ...)
{
    va_list ap;
    va_start(ap, format);
    __vsyslog_chk(priority, flag, format, ap);
    va_end(ap);
}

// The rest of glibc 2.36's entry points, the wide-character ones most (zip, the X11
// utilities and BIND's tools import them). Sizes named `...len` of wide buffers count
// wchar_t, as glibc's headers pass them (__glibc_objsize / sizeof (wchar_t)).
ssize_t __pread_chk(int fd, void* buf, size_t n, off_t offset, size_t bn)
{
    CHECK(n <= bn);
    return pread(fd, buf, n, offset);
}
ssize_t __readlinkat_chk(int dirfd, const char* path, char* buf, size_t n, size_t bn)
{
    CHECK(n <= bn);
    return readlinkat(dirfd, path, buf, n);
}
int __ppoll_chk(struct pollfd* fds, nfds_t n, const struct timespec* timeout, const sigset_t* mask, size_t fdslen)
{
    CHECK(n <= fdslen / sizeof(*fds));
    return ppoll(fds, n, timeout, mask);
}
size_t __confstr_chk(int name, char* buf, size_t n, size_t bn)
{
    CHECK(n <= bn);
    return confstr(name, buf, n);
}
int __getdomainname_chk(char* buf, size_t n, size_t bn)
{
    CHECK(n <= bn);
    return getdomainname(buf, n);
}
int __getlogin_r_chk(char* buf, size_t n, size_t bn)
{
    CHECK(n <= bn);
    return getlogin_r(buf, n);
}
int __ptsname_r_chk(int fd, char* buf, size_t n, size_t bn)
{
    CHECK(n <= bn);
    return ptsname_r(fd, buf, n);
}
int __ttyname_r_chk(int fd, char* buf, size_t n, size_t bn)
{
    CHECK(n <= bn);
    return ttyname_r(fd, buf, n);
}
char* __getwd_chk(char* buf, size_t bn)
{
    char* result = osprey_getcwd(buf, bn);
    CHECK(result || errno != ERANGE); // the directory does not fit the buffer
    return result;
}
char* __fgets_unlocked_chk(char* s, size_t sn, int n, FILE* f)
{
    // getc, not getc_unlocked: glibc's header inlines the latter on glibc's FILE layout.
    return checked_line(s, sn, n, f, fgets_unlocked, getc);
}
size_t __fread_unlocked_chk(void* p, size_t bn, size_t size, size_t count, FILE* f)
{
    CHECK(!size || count <= bn / size);
    return fread_unlocked(p, size, count, f);
}
/// gets() with the buffer's size: a line that does not fit is an overflow.
char* __gets_chk(char* s, size_t sn)
{
    CHECK(sn > 0);
    size_t count = 0;
    int c;
    while ((c = getchar()) != EOF && c != '\n') {
        CHECK(count + 1 < sn);
        s[count++] = char(c);
    }
    if (c == EOF && (count == 0 || ferror(stdin)))
        return nullptr;
    s[count] = '\0';
    return s;
}

wchar_t* __fgetws_chk(wchar_t* s, size_t sn, int n, FILE* f) { return checked_line(s, sn, n, f, fgetws, getwc); }
wchar_t* __fgetws_unlocked_chk(wchar_t* s, size_t sn, int n, FILE* f)
{
    return checked_line(s, sn, n, f, fgetws_unlocked, getwc);
}
wchar_t* __wmemcpy_chk(wchar_t* d, const wchar_t* s, size_t n, size_t dn)
{
    CHECK(n <= dn);
    return wmemcpy(d, s, n);
}
wchar_t* __wmemmove_chk(wchar_t* d, const wchar_t* s, size_t n, size_t dn)
{
    CHECK(n <= dn);
    return wmemmove(d, s, n);
}
wchar_t* __wmempcpy_chk(wchar_t* d, const wchar_t* s, size_t n, size_t dn)
{
    CHECK(n <= dn);
    return wmemcpy(d, s, n) + n;
}
wchar_t* __wmemset_chk(wchar_t* d, wchar_t c, size_t n, size_t dn)
{
    CHECK(n <= dn);
    return wmemset(d, c, n);
}
wchar_t* __wcscpy_chk(wchar_t* d, const wchar_t* s, size_t dn)
{
    CHECK(wcslen(s) < dn);
    return wcscpy(d, s);
}
wchar_t* __wcpcpy_chk(wchar_t* d, const wchar_t* s, size_t dn)
{
    CHECK(wcslen(s) < dn);
    return wcpcpy(d, s);
}
wchar_t* __wcsncpy_chk(wchar_t* d, const wchar_t* s, size_t n, size_t dn)
{
    CHECK(n <= dn);
    return wcsncpy(d, s, n);
}
wchar_t* __wcpncpy_chk(wchar_t* d, const wchar_t* s, size_t n, size_t dn)
{
    CHECK(n <= dn);
    return wcpncpy(d, s, n);
}
wchar_t* __wcscat_chk(wchar_t* d, const wchar_t* s, size_t dn)
{
    CHECK(wcslen(d) + wcslen(s) < dn);
    return wcscat(d, s);
}
wchar_t* __wcsncat_chk(wchar_t* d, const wchar_t* s, size_t n, size_t dn)
{
    CHECK(wcslen(d) + wcsnlen(s, n) < dn);
    return wcsncat(d, s, n);
}
// Conversions: the output may need up to MB_CUR_MAX bytes per character.
size_t __wcrtomb_chk(char* s, wchar_t c, mbstate_t* state, size_t sn)
{
    CHECK(sn >= MB_CUR_MAX);
    return wcrtomb(s, c, state);
}
int __wctomb_chk(char* s, wchar_t c, size_t sn)
{
    CHECK(sn >= MB_CUR_MAX);
    return wctomb(s, c);
}
size_t __mbstowcs_chk(wchar_t* d, const char* s, size_t n, size_t dn)
{
    CHECK(n <= dn);
    return mbstowcs(d, s, n);
}
size_t __mbsrtowcs_chk(wchar_t* d, const char** s, size_t n, mbstate_t* state, size_t dn)
{
    CHECK(n <= dn);
    return mbsrtowcs(d, s, n, state);
}
size_t __mbsnrtowcs_chk(wchar_t* d, const char** s, size_t limit, size_t n, mbstate_t* state, size_t dn)
{
    CHECK(n <= dn);
    return mbsnrtowcs(d, s, limit, n, state);
}
size_t __wcstombs_chk(char* d, const wchar_t* s, size_t n, size_t dn)
{
    CHECK(n <= dn);
    return wcstombs(d, s, n);
}
size_t __wcsrtombs_chk(char* d, const wchar_t** s, size_t n, mbstate_t* state, size_t dn)
{
    CHECK(n <= dn);
    return wcsrtombs(d, s, n, state);
}
size_t __wcsnrtombs_chk(char* d, const wchar_t** s, size_t limit, size_t n, mbstate_t* state, size_t dn)
{
    CHECK(n <= dn);
    return wcsnrtombs(d, s, limit, n, state);
}
// The wide printf family; `flag` as for the narrow one above.
int __vswprintf_chk(wchar_t* s, size_t n, int, size_t sn, const wchar_t* f, va_list ap)
{
    CHECK(n <= sn);
    return vswprintf(s, n, f, ap);
}
int __vfwprintf_chk(FILE* fp, int, const wchar_t* f, va_list ap) { return vfwprintf(fp, f, ap); }
int __vwprintf_chk(int, const wchar_t* f, va_list ap) { return vwprintf(f, ap); }
int __swprintf_chk(wchar_t* s, size_t n, int flag, size_t sn, const wchar_t* format, ...)
{
    FORWARD_VARIADIC(__vswprintf_chk(s, n, flag, sn, format, ap));
}
int __fwprintf_chk(FILE* fp, int, const wchar_t* format, ...) { FORWARD_VARIADIC(vfwprintf(fp, format, ap)); }
int __wprintf_chk(int, const wchar_t* format, ...) { FORWARD_VARIADIC(vwprintf(format, ap)); }

} // extern "C"
// clang-format on
