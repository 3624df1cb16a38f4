// glibc's FORTIFY_SOURCE entry points (__*_chk): each checks the destination size the
// compiler passed, calls __chk_fail on overflow, else does the plain operation. Also the
// stack protector's failure path and abort(), with glibc's messages and Linux's status for
// a SIGABRT death (128 + 6 = 134).
#include <kernel/boot/vm_exit.h>
#include <kernel/console/serial.h>

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <poll.h>
#include <setjmp.h>
#include <sys/select.h>
#include <unistd.h>

namespace {
constexpr int kSigabrtStatus = 128 + 6;

[[noreturn]] void die(const char* message)
{
    fflush(nullptr);
    console::console_uart().write(message, strlen(message));
    boot::vm_exit(kSigabrtStatus);
}
} // namespace

extern "C" {

[[noreturn]] void osprey_abort() { die(""); }
[[noreturn]] void __chk_fail() { die("*** buffer overflow detected ***: terminated\n"); }
[[noreturn]] void osprey_stack_chk_fail() { die("*** stack smashing detected ***: terminated\n"); }

#define CHECK(cond) \
    if (!(cond)) [[unlikely]] \
        __chk_fail()

void* __memcpy_chk(void* d, const void* s, size_t n, size_t dn) { CHECK(n <= dn); return memcpy(d, s, n); }
void* __memmove_chk(void* d, const void* s, size_t n, size_t dn) { CHECK(n <= dn); return memmove(d, s, n); }
void* __mempcpy_chk(void* d, const void* s, size_t n, size_t dn) { CHECK(n <= dn); return static_cast<char*>(memcpy(d, s, n)) + n; }
void* __memset_chk(void* d, int c, size_t n, size_t dn) { CHECK(n <= dn); return memset(d, c, n); }
void __explicit_bzero_chk(void* d, size_t n, size_t dn) { CHECK(n <= dn); explicit_bzero(d, n); }
char* __strcpy_chk(char* d, const char* s, size_t dn) { CHECK(strlen(s) < dn); return strcpy(d, s); }
char* __stpcpy_chk(char* d, const char* s, size_t dn) { CHECK(strlen(s) < dn); return stpcpy(d, s); }
char* __strncpy_chk(char* d, const char* s, size_t n, size_t dn) { CHECK(n <= dn); return strncpy(d, s, n); }
char* __strcat_chk(char* d, const char* s, size_t dn) { CHECK(strlen(d) + strlen(s) < dn); return strcat(d, s); }
char* __strncat_chk(char* d, const char* s, size_t n, size_t dn)
{
    CHECK(strlen(d) + strnlen(s, n) < dn);
    return strncat(d, s, n);
}
ssize_t __read_chk(int fd, void* buf, size_t n, size_t bn) { CHECK(n <= bn); return read(fd, buf, n); }
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
long __fdelt_chk(long fd) { CHECK(fd >= 0 && fd < FD_SETSIZE); return fd / (8 * long(sizeof(long))); }
char* __realpath_chk(const char* path, char* resolved, size_t rn) { CHECK(!resolved || rn >= 4096); return realpath(path, resolved); }
[[noreturn]] void __longjmp_chk(jmp_buf env, int value) { longjmp(env, value); }

// The printf family: `flag` asks for %n checks in glibc; the size checks are what matter.
int __vsnprintf_chk(char* s, size_t n, int, size_t sn, const char* f, va_list ap) { CHECK(n <= sn); return vsnprintf(s, n, f, ap); }
int __vsprintf_chk(char* s, int, size_t sn, const char* f, va_list ap)
{
    CHECK(sn > 0);
    int r = vsnprintf(s, sn, f, ap);
    CHECK(r < 0 || size_t(r) < sn);
    return r;
}
int __vfprintf_chk(FILE* fp, int, const char* f, va_list ap) { return vfprintf(fp, f, ap); }
int __vprintf_chk(int, const char* f, va_list ap) { return vprintf(f, ap); }
int __vdprintf_chk(int fd, int, const char* f, va_list ap) { return vdprintf(fd, f, ap); }
int __vasprintf_chk(char** out, int, const char* f, va_list ap) { return vasprintf(out, f, ap); }

#define FORWARD_VARIADIC(call)  \
    va_list ap;                 \
    va_start(ap, format);       \
    int result = call;          \
    va_end(ap);                 \
    return result

int __snprintf_chk(char* s, size_t n, int flag, size_t sn, const char* format, ...) { FORWARD_VARIADIC(__vsnprintf_chk(s, n, flag, sn, format, ap)); }
int __sprintf_chk(char* s, int flag, size_t sn, const char* format, ...) { FORWARD_VARIADIC(__vsprintf_chk(s, flag, sn, format, ap)); }
int __fprintf_chk(FILE* fp, int, const char* format, ...) { FORWARD_VARIADIC(vfprintf(fp, format, ap)); }
int __printf_chk(int, const char* format, ...) { FORWARD_VARIADIC(vprintf(format, ap)); }
int __dprintf_chk(int fd, int, const char* format, ...) { FORWARD_VARIADIC(vdprintf(fd, format, ap)); }
int __asprintf_chk(char** out, int, const char* format, ...) { FORWARD_VARIADIC(vasprintf(out, format, ap)); }

char* osprey_gnu_strerror_r(int error, char* buffer, size_t length)
{
    (void)buffer;
    (void)length;
    return strerror(error); // GNU strerror_r may return a static string
}

} // extern "C"
