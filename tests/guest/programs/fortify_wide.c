// glibc's _FORTIFY_SOURCE entry points for wide characters, conversions and the rest
// (__wmemcpy_chk, __wcrtomb_chk, __swprintf_chk, __pread_chk, __ppoll_chk...): built with
// -D_FORTIFY_SOURCE=2 and lengths the compiler cannot see, so every call below goes
// through its __*_chk function. In bounds each must do the plain operation; with the
// argument "overflow", a wmemcpy past its buffer must end the program as glibc does
// ("*** buffer overflow detected ***", SIGABRT: 134).
#define _GNU_SOURCE
#define TEST_NAME "fortify_wide"
#include "check.h"

#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>

static volatile size_t g_length = 4; // a length the compiler cannot see

static void wide_copies(void)
{
    wchar_t source[8] = L"wide", target[8] = { 0 }, spaced[8];
    size_t n = g_length;
    CHECK(wmemcpy(target, source, n + 1) == target && wcscmp(target, L"wide") == 0);
    CHECK(wmemmove(target + 1, target, n) == target + 1 && wcscmp(target, L"wwide") == 0);
    CHECK(wmempcpy(target, source, n) == target + 4);
    CHECK(wmemset(spaced, L' ', n) == spaced && spaced[3] == L' ');
    CHECK(wcscpy(target, source + (n - 4)) == target && wcscmp(target, L"wide") == 0);
    CHECK(wcpcpy(target, source + (n - 4)) == target + 4);
    CHECK(wcsncpy(target, source, n + 1) == target && wcscmp(target, L"wide") == 0);
    CHECK(wcpncpy(target, L"ab", n) == target + 2 && target[3] == 0);
    wcscpy(target, L"ab");
    CHECK(wcscat(target, source + (n - 2)) == target && wcscmp(target, L"abde") == 0);
    CHECK(wcsncat(target, source, n - 3) == target && wcscmp(target, L"abdew") == 0);
}

static void conversions(void)
{
    // A buffer under MB_LEN_MAX: the calls check it against MB_CUR_MAX, 1 in the C locale.
    char small[2];
    mbstate_t small_state = { 0 };
    CHECK(wctomb(small, L'a') == 1 && small[0] == 'a');
    CHECK(wcrtomb(small, L'b', &small_state) == 1 && small[0] == 'b');
    CHECK(setlocale(LC_ALL, "C.UTF-8") != NULL);
    char bytes[MB_LEN_MAX + 8];
    mbstate_t state = { 0 };
    CHECK(wcrtomb(bytes, L'\u00e9', &state) == 2 && (unsigned char)bytes[0] == 0xc3);
    CHECK(wctomb(bytes, L'\u20ac') == 3 && (unsigned char)bytes[2] == 0xac);
    wchar_t wide[8];
    size_t n = g_length + 2;
    CHECK(mbstowcs(wide, "h\xc3\xa9llo", n) == 5 && wide[1] == L'\u00e9');
    const char* from = "abc";
    memset(&state, 0, sizeof state);
    CHECK(mbsrtowcs(wide, &from, n, &state) == 3 && from == NULL && wcscmp(wide, L"abc") == 0);
    from = "abcdef";
    CHECK(mbsnrtowcs(wide, &from, 2, n, &state) == 2 && wide[1] == L'b');
    char narrow[8];
    CHECK(wcstombs(narrow, L"\u00e9t\u00e9", n) == 5 && strcmp(narrow, "\xc3\xa9t\xc3\xa9") == 0);
    const wchar_t* wfrom = L"xyz";
    CHECK(wcsrtombs(narrow, &wfrom, n, &state) == 3 && strcmp(narrow, "xyz") == 0);
    wfrom = L"uvwxyz";
    CHECK(wcsnrtombs(narrow, &wfrom, 2, n, &state) == 2 && narrow[1] == 'v');
}

static void wide_printing(void)
{
    wchar_t text[32];
    size_t n = g_length * 8;
    CHECK(swprintf(text, n, L"%d-%ls", 42, L"x") == 4 && wcscmp(text, L"42-x") == 0);
    FILE* file = tmpfile();
    CHECK(file != NULL);
    CHECK(fwprintf(file, L"%ls %d\n", L"line", 7) == 7);
    rewind(file);
    wchar_t line[16];
    CHECK(fgetws(line, (int)(g_length * 4), file) == line && wcscmp(line, L"line 7\n") == 0);
    fclose(file);
}

static void files_and_names(void)
{
    int fd = open("/tmp/fortify_wide", O_RDWR | O_CREAT | O_TRUNC, 0600);
    CHECK(fd >= 0 && write(fd, "0123456789", 10) == 10);
    char buffer[8];
    CHECK(pread(fd, buffer, g_length, 3) == 4 && memcmp(buffer, "3456", 4) == 0);
    CHECK(lseek(fd, 0, SEEK_SET) == 0);
    FILE* stream = fdopen(dup(fd), "r");
    CHECK(stream != NULL);
    CHECK(fread_unlocked(buffer, 1, g_length, stream) == 4 && memcmp(buffer, "0123", 4) == 0);
    CHECK(fgets_unlocked(buffer, (int)g_length, stream) == buffer && strcmp(buffer, "456") == 0);
    fclose(stream);
    close(fd);
    CHECK(symlink("/tmp/fortify_wide", "/tmp/fortify_wide.link") == 0);
    char target[32];
    CHECK(readlinkat(AT_FDCWD, "/tmp/fortify_wide.link", target, g_length * 8) == 17);
    unlink("/tmp/fortify_wide.link");
    unlink("/tmp/fortify_wide");
    // A line shorter than its buffer is fine whatever length the call says (glibc checks
    // what is read, not the argument).
    FILE* lines = fopen("/tmp/fortify_lines", "w+");
    CHECK(lines && fputs("ab\ncd\n", lines) >= 0);
    if (lines) {
        rewind(lines);
        char small[4];
        int claimed = (int)(g_length * 16);
        CHECK(fgets(small, claimed, lines) == small && strcmp(small, "ab\n") == 0);
        CHECK(fgets_unlocked(small, claimed, lines) == small && strcmp(small, "cd\n") == 0);
        CHECK(fgets(small, claimed, lines) == NULL); // the end
        fclose(lines);
    }
    unlink("/tmp/fortify_lines");
    struct pollfd fds[2] = { { .fd = STDOUT_FILENO, .events = POLLOUT }, { .fd = -1 } };
    struct timespec no_wait = { 0, 0 };
    CHECK(ppoll(fds, g_length - 2, &no_wait, NULL) == 1);
    char path[64];
    CHECK(confstr(_CS_PATH, path, g_length * 16) > 1 && path[0] == '/');
    char name[64];
    CHECK(getdomainname(name, g_length * 16) == 0);
}

int main(int argc, char** argv)
{
    if (argc > 1 && strcmp(argv[1], "overflow") == 0) {
        wchar_t small[4], source[16] = L"far too long";
        wmemcpy(small, source, g_length * 3);
        printf("fortify_wide: FAILED: not detected (%lc)\n", (wint_t)small[0]);
        return 0;
    }
    wide_copies();
    conversions();
    wide_printing();
    files_and_names();
    if (failures)
        return 1;
    printf("fortify_wide: ok\n");
    return 0;
}
