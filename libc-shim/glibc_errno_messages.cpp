// strerror with glibc's messages. musl's own table says other things for many numbers
// ("I/O error" for glibc's "Input/output error", "Out of memory" for "Cannot allocate
// memory", "No error information" for "Success"), and programs print these messages: in
// logs, in perror(3), in printf's %m, in err(3), in what tests compare. This unit defines
// the three symbols of musl's src/errno/strerror.c (strerror, strerror_l, __strerror_l),
// so that member never enters the link and every musl path (perror, %m, strerror_r, err)
// reads this table. The table is made at build time from the build host's glibc
// (errno_messages/generate.c). A number outside it gives "Unknown error" here, where glibc
// appends the number (it keeps a per-thread buffer for that; strerror_r below does append
// it, into the caller's buffer).
#include <locale.h>
#include <stdio.h>
#include <string.h>

namespace {

constexpr const char* kMessages[] = {
#include "glibc_errno_messages.inc"
};
constexpr int kMessageCount = int(sizeof(kMessages) / sizeof(kMessages[0]));

/// glibc's message for `error`, or nullptr for a number it has none for.
const char* known_message(int error) { return error >= 0 && error < kMessageCount ? kMessages[error] : nullptr; }

} // namespace

extern "C" {

char* __strerror_l(int error, locale_t)
{
    const char* message = known_message(error);
    return const_cast<char*>(message ? message : "Unknown error");
}

char* strerror_l(int error, locale_t locale) { return __strerror_l(error, locale); }

char* strerror(int error) { return __strerror_l(error, nullptr); }

// glibc 2.32: the message of a known error number, or NULL.
const char* strerrordesc_np(int error) { return known_message(error); }

// GNU strerror_r (exported as glibc's strerror_r, exports/overrides.txt): the message, in
// `buffer` only when it has to be made ("Unknown error N", cut to fit, as glibc does).
char* osprey_gnu_strerror_r(int error, char* buffer, size_t length)
{
    if (const char* message = known_message(error))
        return const_cast<char*>(message);
    if (length > 0)
        snprintf(buffer, length, "Unknown error %d", error);
    return buffer;
}

} // extern "C"
