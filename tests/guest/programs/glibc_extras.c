// glibc-only imports that stopped real programs at load (issue 13): __libc_stack_end (ld.so
// data, read by node's and ruby's stack scanners), strerrordesc_np (nginx, fio) and statx
// (coreutils); the mount API calls (systemd: ENOSYS from Osprey's kernel, which has no
// mount table; Linux as root opens the tree); glibc's strerror messages; and locale_t objects with glibc's public
// fields, which libstdc++ reads directly. Prints "glibc_extras: ok".
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

extern void* __libc_stack_end;
int __xpg_strerror_r(int error, char* buffer, size_t length); // what <string.h> gives XSI programs

int main(int argc, char** argv)
{
    int failures = 0;
    uintptr_t end = (uintptr_t)__libc_stack_end, here = (uintptr_t)&argc;
    // The initial stack's top as _start saw it: above main's frame, below argv's strings.
    if (end == 0 || end <= here || end > (uintptr_t)argv[0] || end - here > (1 << 20))
        ++failures,
            printf("glibc_extras: FAILED: __libc_stack_end %#lx (main's frame %#lx)\n", (unsigned long)end,
                (unsigned long)here);
    // strerror, %m and GNU strerror_r say what glibc says (musl's texts differ for many).
    static const struct {
        int error;
        const char* message;
    } kMessages[] = { { 0, "Success" }, { EIO, "Input/output error" }, { ENOMEM, "Cannot allocate memory" },
        { EMFILE, "Too many open files" }, { ENOTTY, "Inappropriate ioctl for device" },
        { ETIMEDOUT, "Connection timed out" }, { EHWPOISON, "Memory page has hardware error" } };
    for (size_t i = 0; i < sizeof(kMessages) / sizeof(kMessages[0]); ++i) {
        if (strcmp(strerror(kMessages[i].error), kMessages[i].message) != 0)
            ++failures,
                printf("glibc_extras: FAILED: strerror(%d) = %s\n", kMessages[i].error, strerror(kMessages[i].error));
    }
    char text[64];
    errno = EIO;
    snprintf(text, sizeof(text), "[%m]");
    if (strcmp(text, "[Input/output error]") != 0)
        ++failures, printf("glibc_extras: FAILED: %%m gave %s\n", text);
    if (strcmp(strerror_r(1000, text, sizeof(text)), "Unknown error 1000") != 0
        || strcmp(strerror_r(EIO, text, 4), "Input/output error") != 0)
        ++failures, printf("glibc_extras: FAILED: GNU strerror_r\n");
    // Unknown numbers: glibc names them, in a buffer of the thread's that the next call reuses.
    if (strcmp(strerror(1234), "Unknown error 1234") != 0 || strcmp(strerror(-1), "Unknown error -1") != 0)
        ++failures, printf("glibc_extras: FAILED: strerror of an unknown number = %s\n", strerror(1234));
    if (__xpg_strerror_r(1234, text, sizeof(text)) != EINVAL || strcmp(text, "Unknown error 1234") != 0
        || __xpg_strerror_r(EPERM, text, 5) != ERANGE || strcmp(text, "Oper") != 0
        || __xpg_strerror_r(EPERM, text, sizeof(text)) != 0 || strcmp(text, "Operation not permitted") != 0)
        ++failures, printf("glibc_extras: FAILED: XSI strerror_r\n");
    const char* inval = strerrordesc_np(EINVAL);
    if (!inval || strcmp(inval, "Invalid argument") != 0)
        ++failures, printf("glibc_extras: FAILED: strerrordesc_np(EINVAL) = %s\n", inval ? inval : "NULL");
    if (!strerrordesc_np(0) || strcmp(strerrordesc_np(0), "Success") != 0)
        ++failures, printf("glibc_extras: FAILED: strerrordesc_np(0)\n");
    if (strerrordesc_np(9999) != NULL || strerrordesc_np(-1) != NULL)
        ++failures, printf("glibc_extras: FAILED: strerrordesc_np of an unknown number is not NULL\n");

    struct stat st;
    struct statx sx;
    if (stat(argv[0], &st) != 0 || statx(AT_FDCWD, argv[0], 0, STATX_BASIC_STATS, &sx) != 0
        || (sx.stx_mask & STATX_BASIC_STATS) != STATX_BASIC_STATS || (long long)sx.stx_size != (long long)st.st_size
        || sx.stx_mode != st.st_mode || sx.stx_ino != st.st_ino || sx.stx_mtime.tv_sec != st.st_mtime
        || makedev(sx.stx_dev_major, sx.stx_dev_minor) != st.st_dev)
        ++failures, printf("glibc_extras: FAILED: statx of %s does not match stat\n", argv[0]);
    if (statx(AT_FDCWD, "/no/such/file", 0, STATX_BASIC_STATS, &sx) != -1 || errno != ENOENT)
        ++failures, printf("glibc_extras: FAILED: statx of a missing file\n");
    if (statx(AT_FDCWD, argv[0], 0x40000000, STATX_BASIC_STATS, &sx) != -1 || errno != EINVAL)
        ++failures, printf("glibc_extras: FAILED: statx with an unknown flag\n");
    struct stat out;
    if (fstat(1, &out) != 0 || statx(1, "", AT_EMPTY_PATH, STATX_BASIC_STATS, &sx) != 0 || sx.stx_mode != out.st_mode)
        ++failures, printf("glibc_extras: FAILED: statx of stdout with AT_EMPTY_PATH\n");

    locale_t c = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    if (!c || !(c->__ctype_b['a'] & _ISalpha) || (c->__ctype_b['1'] & _ISalpha) || c->__ctype_toupper['q'] != 'Q'
        || c->__ctype_tolower['Q'] != 'q' || strcmp(c->__names[LC_CTYPE], "C") != 0)
        ++failures, printf("glibc_extras: FAILED: newlocale's glibc fields\n");
    if (c && (!isalpha_l('x', c) || toupper_l('x', c) != 'X'))
        ++failures, printf("glibc_extras: FAILED: *_l functions with newlocale's locale\n");
    locale_t numeric = c ? newlocale(LC_NUMERIC_MASK, "C", c) : 0; // base changed in place
    if (numeric != c)
        ++failures, printf("glibc_extras: FAILED: newlocale with a base\n");
    locale_t global = duplocale(LC_GLOBAL_LOCALE);
    if (!global || !global->__ctype_b || !isdigit_l('7', global))
        ++failures, printf("glibc_extras: FAILED: duplocale(LC_GLOBAL_LOCALE)\n");
    if (uselocale(global) != LC_GLOBAL_LOCALE || uselocale((locale_t)0) != global
        || uselocale(LC_GLOBAL_LOCALE) != global)
        ++failures, printf("glibc_extras: FAILED: uselocale\n");
    // Not checked: glibc refuses a locale it has no data for (ENOENT); musl accepts any
    // name as the C locale with UTF-8, and so does Osprey.
    freelocale(global);
    freelocale(numeric);
    int tree = open_tree(AT_FDCWD, "/", 0);
    if (tree >= 0)
        close(tree);
    else if (errno != ENOSYS && errno != EPERM)
        ++failures, printf("glibc_extras: FAILED: open_tree: %s\n", strerror(errno));
    if (fsopen("glibc_extras_no_such_fs", 0) != -1 || (errno != ENOSYS && errno != ENODEV && errno != EPERM))
        ++failures, printf("glibc_extras: FAILED: fsopen of no file system: %s\n", strerror(errno));
    if (failures)
        return 1;
    printf("glibc_extras: ok\n");
    return 0;
}
