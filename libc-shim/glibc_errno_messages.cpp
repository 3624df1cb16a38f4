// strerror with glibc's messages. musl's own table says other things for many numbers
// ("I/O error" for glibc's "Input/output error", "Out of memory" for "Cannot allocate
// memory", "No error information" for "Success"), and programs print these messages: in
// logs, in perror(3), in printf's %m, in err(3), in what tests compare. This unit defines
// the three symbols of musl's src/errno/strerror.c (strerror, strerror_l, __strerror_l),
// so that member never enters the link and every musl path (perror, %m, strerror_r, err)
// reads this table. The table is made at build time from the build host's glibc
// (errno_messages/generate.c). A number outside it gives "Unknown error N", as glibc says
// it: strerror writes it into a buffer of the calling thread's, which its next unknown
// number overwrites (glibc's too), the strerror_r variants into the caller's buffer.
#include <libc_shim/thread_buffer.h>

#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

namespace {

constexpr const char* kMessages[] = {
#include "glibc_errno_messages.inc"
};
constexpr int kMessageCount = int(sizeof(kMessages) / sizeof(kMessages[0]));

/// glibc's message for `error`, or nullptr for a number it has none for.
const char* known_message(int error) { return error >= 0 && error < kMessageCount ? kMessages[error] : nullptr; }

constexpr size_t kUnknownBytes = sizeof("Unknown error -2147483648");

/// glibc's text for a number it has no message for, cut to `length` bytes with its NUL.
void format_unknown(int error, char* buffer, size_t length) { snprintf(buffer, length, "Unknown error %d", error); }

/// "Unknown error N" in the calling thread's buffer; a static text if memory is short.
char* unknown_message(int error)
{
    char* buffer = libc_shim::thread_buffer<kUnknownBytes, struct UnknownError>();
    if (!buffer)
        return const_cast<char*>("Unknown error");
    format_unknown(error, buffer, kUnknownBytes);
    return buffer;
}

} // namespace

extern "C" {

char* __strerror_l(int error, locale_t)
{
    const char* message = known_message(error);
    return message ? const_cast<char*>(message) : unknown_message(error);
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
        format_unknown(error, buffer, length);
    return buffer;
}

// XSI strerror_r (glibc's __xpg_strerror_r, what programs built with _POSIX_C_SOURCE get):
// the message copied into `buffer`, cut to fit; EINVAL for an unknown number (with "Unknown
// error N" in the buffer), ERANGE when the message was cut, else 0. musl's returns 0 for
// unknown numbers.
int osprey_xsi_strerror_r(int error, char* buffer, size_t length)
{
    const char* message = known_message(error);
    char unknown[kUnknownBytes];
    if (!message)
        format_unknown(error, unknown, sizeof unknown);
    const char* text = message ? message : unknown;
    size_t size = strlen(text);
    if (length > 0) {
        size_t copied = size < length - 1 ? size : length - 1;
        memcpy(buffer, text, copied);
        buffer[copied] = '\0';
    }
    if (!message)
        return EINVAL;
    return length <= size ? ERANGE : 0;
}

} // extern "C"
