// parse_printf_format(3) (<printf.h>): the types of the arguments a printf format string
// reads, in glibc's PA_* codes, as glibc 2.36 reports them on x86-64: 'l', 'll', 'j', 'z'
// and 't' are all PA_FLAG_LONG (every one of those types is a long here), 'q' adds nothing,
// 'hh' makes an integer PA_CHAR, 'L' a double PA_FLAG_LONG_DOUBLE, 'l' does not change %c
// or %s (only %C and %S are wide), '*' widths and precisions are ints, "%m" and unknown
// conversions read nothing. Positional arguments ("%2$d", "%*3$d") fill their own slots.
#include <cerrno>
#include <cstddef>
#include <printf.h>

namespace {

struct Length {
    bool is_char = false, is_short = false, is_long = false, is_long_double = false;
};

/// Reads "N$" at `p` if there is one: the 1-based position, and `p` moves past it.
size_t position(const char*& p)
{
    const char* q = p;
    size_t n = 0;
    while (*q >= '0' && *q <= '9')
        n = n * 10 + size_t(*q++ - '0');
    if (q == p || *q != '$')
        return 0;
    p = q + 1;
    return n;
}

Length read_length(const char*& p)
{
    Length length;
    for (;; ++p) {
        switch (*p) {
        case 'h': (length.is_short ? length.is_char : length.is_short) = true; continue;
        case 'l':
        case 'j':
        case 'z':
        case 'Z':
        case 't': length.is_long = true; continue;
        case 'q': continue;
        case 'L': length.is_long_double = true; continue;
        default: return length;
        }
    }
}

/// The PA_* type of conversion `c`, or -1 if it reads no argument.
int argument_type(char c, const Length& length)
{
    switch (c) {
    case 'd':
    case 'i':
    case 'o':
    case 'u':
    case 'x':
    case 'X':
        if (length.is_long)
            return PA_INT | PA_FLAG_LONG;
        if (length.is_char)
            return PA_CHAR;
        return length.is_short ? PA_INT | PA_FLAG_SHORT : PA_INT;
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G':
    case 'a':
    case 'A': return length.is_long_double ? PA_DOUBLE | PA_FLAG_LONG_DOUBLE : PA_DOUBLE;
    case 'c': return PA_CHAR;
    case 'C': return PA_WCHAR;
    case 's': return PA_STRING;
    case 'S': return PA_WSTRING;
    case 'p': return PA_POINTER;
    case 'n': return PA_INT | PA_FLAG_PTR;
    default: return -1;
    }
}

/// Records argument `index` (0-based) of type `type` and the count so far.
void record(int* types, size_t n, size_t index, int type, size_t& count)
{
    if (index < n)
        types[index] = type;
    if (index + 1 > count)
        count = index + 1;
}

/// A '*' width or precision: an int, at its own position if it has one.
void star(const char*& p, int* types, size_t n, size_t& next, size_t& count)
{
    ++p;
    size_t at = position(p);
    record(types, n, at ? at - 1 : next++, PA_INT, count);
}

} // namespace

extern "C" size_t parse_printf_format(const char* format, size_t n, int* types) noexcept
{
    size_t count = 0, next = 0;
    for (const char* p = format; *p; ++p) {
        if (*p != '%')
            continue;
        if (*++p == '%')
            continue;
        size_t at = position(p);
        while (*p == '-' || *p == '+' || *p == ' ' || *p == '#' || *p == '0' || *p == '\'' || *p == 'I')
            ++p;
        if (*p == '*')
            star(p, types, n, next, count);
        while (*p >= '0' && *p <= '9')
            ++p;
        if (*p == '.') {
            ++p;
            if (*p == '*')
                star(p, types, n, next, count);
            while (*p >= '0' && *p <= '9')
                ++p;
        }
        Length length = read_length(p);
        if (!*p)
            break;
        if (int type = argument_type(*p, length); type >= 0)
            record(types, n, at ? at - 1 : next++, type, count);
    }
    return count;
}

// glibc's printf extension hooks register a conversion, modifier or argument type that
// glibc's printf family then calls back for. musl's printf has no hooks, so a registration
// fails, as glibc's does for a specifier it cannot take: -1 with EINVAL. Programs and
// libraries that register (libquadmath's %Q, at load) check the result and go on without
// the conversion. NOT glibc: every registration fails, not only bad ones.

extern "C" int register_printf_specifier(int, printf_function*, printf_arginfo_size_function*) noexcept
{
    errno = EINVAL;
    return -1;
}

extern "C" int register_printf_function(int, printf_function*, printf_arginfo_function*) noexcept
{
    errno = EINVAL;
    return -1;
}

extern "C" int register_printf_modifier(const wchar_t*) noexcept
{
    errno = EINVAL;
    return -1;
}

extern "C" int register_printf_type(printf_va_arg_function*) noexcept
{
    errno = EINVAL;
    return -1;
}
