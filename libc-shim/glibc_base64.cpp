// libresolv's base64 codec from BIND (__b64_ntop, __b64_pton; tmux encodes its clipboard
// escapes with them), with glibc's behaviour to the byte:
//   - __b64_ntop writes the encoding and a NUL: its length, or -1 when it does not fit;
//   - __b64_pton skips white space, accepts '=' padding only where it belongs and then
//     only white space, refuses non-zero bits left over in the last character (they would
//     be a channel of their own), and with a null target only counts. Like glibc's, a
//     padded ending needs one byte of room past the decoded data.
#include <cctype>
#include <cstddef>
#include <cstring>

namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kPad = '=';

int digit_of(char c)
{
    const char* at = c ? strchr(kAlphabet, c) : nullptr;
    return at ? int(at - kAlphabet) : -1;
}

} // namespace

extern "C" {

int __b64_ntop(const unsigned char* source, size_t length, char* target, size_t size)
{
    size_t written = 0;
    for (size_t at = 0; at < length; at += 3) {
        size_t left = length - at;
        unsigned bits = unsigned(source[at]) << 16 | (left > 1 ? unsigned(source[at + 1]) << 8 : 0)
            | (left > 2 ? source[at + 2] : 0);
        if (written + 4 > size)
            return -1;
        target[written++] = kAlphabet[bits >> 18];
        target[written++] = kAlphabet[bits >> 12 & 0x3f];
        target[written++] = left > 1 ? kAlphabet[bits >> 6 & 0x3f] : kPad;
        target[written++] = left > 2 ? kAlphabet[bits & 0x3f] : kPad;
    }
    if (written >= size)
        return -1;
    target[written] = '\0';
    return int(written);
}

int __b64_pton(const char* source, unsigned char* target, size_t size)
{
    size_t out = 0;
    int state = 0; // characters of the current group of four seen
    char c;
    while ((c = *source++) != '\0') {
        if (isspace(static_cast<unsigned char>(c)))
            continue;
        if (c == kPad)
            break;
        int digit = digit_of(c);
        if (digit < 0)
            return -1;
        // Each state writes the bits it knows and starts the next byte (glibc's bounds).
        switch (state) {
        case 0:
            if (target) {
                if (out >= size)
                    return -1;
                target[out] = static_cast<unsigned char>(digit << 2);
            }
            break;
        case 1:
        case 2:
            if (target) {
                if (out + 1 >= size)
                    return -1;
                int shift = state == 1 ? 4 : 2;
                target[out] |= static_cast<unsigned char>(digit >> shift);
                target[out + 1] = static_cast<unsigned char>(digit << (8 - shift));
            }
            ++out;
            break;
        case 3:
            if (target) {
                if (out >= size)
                    return -1;
                target[out] |= static_cast<unsigned char>(digit);
            }
            ++out;
            break;
        }
        state = (state + 1) % 4;
    }
    if (c != kPad)
        return state == 0 ? int(out) : -1; // the string ended: no partial group
    if (state < 2)
        return -1; // '=' after none or one character of a group
    c = *source++;
    if (state == 2) { // two characters: "==" must end the group
        while (c != '\0' && isspace(static_cast<unsigned char>(c)))
            c = *source++;
        if (c != kPad)
            return -1;
        c = *source++;
    }
    for (; c != '\0'; c = *source++)
        if (!isspace(static_cast<unsigned char>(c)))
            return -1; // only white space after the padding
    if (target && target[out] != 0)
        return -1; // bits past the last byte must be zero
    return int(out);
}

} // extern "C"
