// Small glibc-only functions that musl does not have, exported under their glibc names
// (the measured imports in ../shared/abi/tiers.md that musl leaves unresolved).
#include "glibc_data.h"

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <csignal>
#include <cstring>
#include <glob.h>
#include <langinfo.h>
#include <libintl.h>
#include <locale.h>
#include <fcntl.h>
#include <regex.h>
#include <utility>
#include <sched.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <wchar.h>

extern "C" {

int osprey_mprotect(void* address, size_t length, int prot); // glibc_compat.cpp

// FORTIFY's open checks (glibc 2.7): open with O_CREAT or O_TMPFILE but no mode argument.
static void check_open_flags(int flags)
{
    if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) {
        static const char message[] = "*** invalid open call: O_CREAT or O_TMPFILE without mode ***: terminated\n";
        ssize_t ignored = write(STDERR_FILENO, message, sizeof(message) - 1);
        (void)ignored;
        abort();
    }
}
int __open_2(const char* path, int flags)
{
    check_open_flags(flags);
    return open(path, flags);
}
int __open64_2(const char* path, int flags)
{
    check_open_flags(flags);
    return open(path, flags);
}
int __openat_2(int dirfd, const char* path, int flags)
{
    check_open_flags(flags);
    return openat(dirfd, path, flags);
}
int __openat64_2(int dirfd, const char* path, int flags)
{
    check_open_flags(flags);
    return openat(dirfd, path, flags);
}

long __sysconf(int name) { return sysconf(name); }

// The scheduling-policy calls as glibc has them, the system calls as they are (musl's
// sched_setscheduler, sched_getscheduler, sched_setparam and sched_getparam are stubs that
// say ENOSYS; exported over them by overrides.txt).
int osprey_sched_setscheduler(pid_t pid, int policy, const struct sched_param* param)
{
    return int(syscall(SYS_sched_setscheduler, pid, policy, param));
}
int osprey_sched_getscheduler(pid_t pid) { return int(syscall(SYS_sched_getscheduler, pid)); }
int osprey_sched_setparam(pid_t pid, const struct sched_param* param)
{
    return int(syscall(SYS_sched_setparam, pid, param));
}
int osprey_sched_getparam(pid_t pid, struct sched_param* param) { return int(syscall(SYS_sched_getparam, pid, param)); }

// glibc 2.36's process descriptor calls (the system calls as they are).
int pidfd_open(pid_t pid, unsigned int flags) { return int(syscall(SYS_pidfd_open, pid, flags)); }
int pidfd_getfd(int pidfd, int target, unsigned int flags)
{
    return int(syscall(SYS_pidfd_getfd, pidfd, target, flags));
}
int pidfd_send_signal(int pidfd, int signal, siginfo_t* info, unsigned int flags)
{
    return int(syscall(SYS_pidfd_send_signal, pidfd, signal, info, flags));
}

// glibc 2.36's mount API calls, the system calls as they are. Osprey's kernel has no mount
// table (docs/architecture.md, Files): they end with ENOSYS, as on a Linux before 5.2.
int fsopen(const char* name, unsigned int flags) noexcept { return int(syscall(SYS_fsopen, name, flags)); }
int fsmount(int fd, unsigned int flags, unsigned int attributes) noexcept
{
    return int(syscall(SYS_fsmount, fd, flags, attributes));
}
int move_mount(int from_fd, const char* from, int to_fd, const char* to, unsigned int flags) noexcept
{
    return int(syscall(SYS_move_mount, from_fd, from, to_fd, to, flags));
}
int fsconfig(int fd, unsigned int command, const char* key, const void* value, int aux) noexcept
{
    return int(syscall(SYS_fsconfig, fd, command, key, value, aux));
}
int fspick(int fd, const char* path, unsigned int flags) noexcept { return int(syscall(SYS_fspick, fd, path, flags)); }
int open_tree(int fd, const char* path, unsigned int flags) noexcept
{
    return int(syscall(SYS_open_tree, fd, path, flags));
}
int mount_setattr(int fd, const char* path, unsigned int flags, struct mount_attr* attributes, size_t size) noexcept
{
    return int(syscall(SYS_mount_setattr, fd, path, flags, attributes, size));
}

int __getpagesize() { return getpagesize(); }

void* osprey_rawmemchr(const void* s, int c) // exported as rawmemchr (overrides.txt)
{
    const auto* p = static_cast<const unsigned char*>(s);
    while (*p != static_cast<unsigned char>(c))
        ++p;
    return const_cast<unsigned char*>(p);
}

// <sys/sysmacros.h> before glibc 2.28 made these functions.
unsigned int gnu_dev_major(dev_t dev) { return unsigned(((dev >> 32) & 0xfffff000) | ((dev >> 8) & 0xfff)); }
unsigned int gnu_dev_minor(dev_t dev) { return unsigned(((dev >> 12) & 0xffffff00) | (dev & 0xff)); }
dev_t gnu_dev_makedev(unsigned int major, unsigned int minor)
{
    return (dev_t(major & 0xfffff000) << 32) | (dev_t(major & 0xfff) << 8) | (dev_t(minor & 0xffffff00) << 12)
        | (minor & 0xff);
}

// CPU_ALLOC/CPU_FREE of glibc's <sched.h>.
cpu_set_t* __sched_cpualloc(size_t count)
{
    return static_cast<cpu_set_t*>(calloc((count + 63) / 64, sizeof(uint64_t)));
}
void __sched_cpufree(cpu_set_t* set) { free(set); }

// CMSG_NXTHDR of glibc's <sys/socket.h> (musl's is a macro).
struct cmsghdr* __cmsg_nxthdr(struct msghdr* message, struct cmsghdr* header)
{
    auto align = [](size_t n) { return (n + sizeof(size_t) - 1) & ~(sizeof(size_t) - 1); };
    if (header->cmsg_len < sizeof(struct cmsghdr))
        return nullptr;
    auto* next = reinterpret_cast<struct cmsghdr*>(reinterpret_cast<unsigned char*>(header) + align(header->cmsg_len));
    auto* end = static_cast<unsigned char*>(message->msg_control) + message->msg_controllen;
    if (reinterpret_cast<unsigned char*>(next + 1) > end
        || reinterpret_cast<unsigned char*>(next) + align(next->cmsg_len) > end)
        return nullptr;
    return next;
}

// glibc 2.28's statx wrapper (musl has none before 1.2.5): the system call (kernel/syscall/statx.cpp).
int statx(
    int dirfd, const char* __restrict path, int flags, unsigned int mask, struct statx* __restrict buffer) noexcept
{
    return int(syscall(332, dirfd, path, flags, mask, buffer));
}

size_t __mbrlen(const char* s, size_t n, mbstate_t* state) noexcept { return mbrlen(s, n, state); }

// Integers parse the same in every locale musl knows (no grouping): the locale is unused.
long long strtoll_l(const char* s, char** end, int base, locale_t) noexcept { return strtoll(s, end, base); }
unsigned long long strtoull_l(const char* s, char** end, int base, locale_t) noexcept { return strtoull(s, end, base); }

// glob(3)'s test for metacharacters: '*', '?', '[' with a closing ']' (and, unless
// `quote` is 0, a backslash escapes the next character).
int glob_pattern_p(const char* pattern, int quote) noexcept
{
    bool open_bracket = false;
    for (const char* p = pattern; *p; ++p) {
        if (*p == '?' || *p == '*')
            return 1;
        if (*p == '\\' && quote && p[1])
            ++p;
        else if (*p == '[')
            open_bracket = true;
        else if (*p == ']' && open_bracket)
            return 1;
    }
    return 0;
}

// Whether `gid` is one of the process's supplementary groups (glibc checks only those).
int group_member(gid_t gid) noexcept
{
    gid_t groups[64];
    int count = getgroups(64, groups);
    for (int i = 0; i < count; ++i)
        if (groups[i] == gid)
            return 1;
    return 0;
}

// Memory protection keys, as Linux answers on a CPU without them (no key to allocate): an
// allocation fails with ENOSPC, other keys are invalid, key -1 is plain mprotect.
int pkey_alloc(unsigned int, unsigned int) noexcept { return errno = ENOSPC, -1; }
int pkey_free(int) noexcept { return errno = EINVAL, -1; }
int pkey_get(int) noexcept { return errno = EINVAL, -1; }
int pkey_set(int, unsigned int) noexcept { return errno = EINVAL, -1; }
int pkey_mprotect(void* address, size_t length, int prot, int key) noexcept
{
    if (key != -1)
        return errno = EINVAL, -1;
    return osprey_mprotect(address, length, prot); // Linux's checks (glibc_compat.cpp)
}

int pthread_yield() { return sched_yield(); }
int tgkill(pid_t tgid, pid_t tid, int signal) { return int(syscall(234, tgid, tid, signal)); }

// glibc 2.36's arc4random family, on getrandom (kernel/syscall/random.cpp says how good
// the bytes are).
void arc4random_buf(void* buffer, size_t length)
{
    auto* out = static_cast<unsigned char*>(buffer);
    while (length > 0) {
        ssize_t n = getrandom(out, length, 0);
        if (n > 0)
            out += n, length -= size_t(n);
    }
}
uint32_t arc4random()
{
    uint32_t value;
    arc4random_buf(&value, sizeof(value));
    return value;
}
uint32_t arc4random_uniform(uint32_t bound)
{
    if (bound < 2)
        return 0;
    uint32_t minimum = -bound % bound; // reject the low values that would bias the modulus
    for (;;) {
        uint32_t value = arc4random();
        if (value >= minimum)
            return value % bound;
    }
}

// Descriptors are few and the table is small: close them one by one.
void closefrom(int lowest)
{
    for (int fd = lowest < 0 ? 0 : lowest; fd < 1024; ++fd)
        close(fd);
}
int close_range(unsigned first, unsigned last, int flags)
{
    if (flags != 0 || first > last) {
        errno = EINVAL;
        return -1;
    }
    for (unsigned fd = first; fd <= last && fd < 1024; ++fd)
        close(int(fd));
    return 0;
}

/// Whether `response` says yes (1), no (0) or neither (-1), by the locale's YESEXPR and
/// NOEXPR (coreutils' `rm -i` and `cp -i` ask this way).
int rpmatch(const char* response)
{
    for (auto [item, answer] : { std::pair { YESEXPR, 1 }, std::pair { NOEXPR, 0 } }) {
        regex_t expression;
        if (regcomp(&expression, nl_langinfo(item), REG_EXTENDED | REG_NOSUB) != 0)
            return -1;
        bool matched = regexec(&expression, response, 0, nullptr, 0) == 0;
        regfree(&expression);
        if (matched)
            return answer;
    }
    return -1;
}

/// A pseudo-terminal master, as glibc's getpt: posix_openpt(O_RDWR | O_NOCTTY). (Osprey's
/// /dev has no ptmx yet: -1 with ENOENT.)
int getpt() { return posix_openpt(O_RDWR | O_NOCTTY); }

// The BSD signal masks: one bit per signal 1..32, bit (signal - 1), as sigmask() makes.
// sigsetmask replaces the whole mask, real-time signals included.
static int change_signal_mask(int how, int mask)
{
    sigset_t wanted, old;
    sigemptyset(&wanted);
    for (int signal = 1; signal <= 32; ++signal)
        if (mask & (1u << (signal - 1)))
            sigaddset(&wanted, signal);
    if (sigprocmask(how, &wanted, &old) != 0)
        return -1;
    int old_mask = 0;
    for (int signal = 1; signal <= 32; ++signal)
        if (sigismember(&old, signal) == 1)
            old_mask |= int(1u << (signal - 1));
    return old_mask;
}

int sigblock(int mask) { return change_signal_mask(SIG_BLOCK, mask); }
int siggetmask() { return change_signal_mask(SIG_BLOCK, 0); }
int sigsetmask(int mask) { return change_signal_mask(SIG_SETMASK, mask); }

// glibc 2.34 moved malloc tracing into libc_malloc_debug.so: without it preloaded, as
// always under Osprey, mtrace and muntrace do nothing, which is what these do.
void mtrace() { }
void muntrace() { }

// gettext's catalog counter: programs that cache translations (vim's menus) look again
// when it changes. glibc counts each textdomain() that names a domain, and each
// bindtextdomain() that changes a directory; also each setlocale(), which this does not
// (musl's setlocale is exported as it is).
int _nl_msg_cat_cntr;
extern const char _libc_intl_domainname[] = "libc"; // extern: a const has internal linkage in C++

static void catalogs_changed() { ++*static_cast<int*>(libc_shim::program_copy_of(&_nl_msg_cat_cntr)); }

char* osprey_textdomain(const char* domain)
{
    char* result = textdomain(domain);
    if (domain && result)
        catalogs_changed();
    return result;
}

char* osprey_bindtextdomain(const char* domain, const char* directory)
{
    if (!directory)
        return bindtextdomain(domain, nullptr);
    const char* before = bindtextdomain(domain, nullptr);
    bool changed = !before || strcmp(before, directory) != 0;
    char* result = bindtextdomain(domain, directory);
    if (result && changed)
        catalogs_changed();
    return result;
}

} // extern "C"
