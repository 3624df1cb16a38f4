// parse_printf_format (issue 13; 12 of the 50 measured programs import it): the argument
// types glibc 2.36 reports for each format, as printed by the same program run on the host
// against glibc. Prints "printf_format: ok".
#include <errno.h>
#include <printf.h>
#include <string.h>

#define TEST_NAME "printf_format"
#include "check.h"

static void expect(const char* format, size_t count, const int* expected)
{
    int types[16];
    memset(types, 0x55, sizeof(types));
    size_t n = parse_printf_format(format, 16, types);
    CHECK(n == count);
    for (size_t i = 0; i < count && i < 16; ++i)
        if (types[i] != expected[i])
            ++failures,
                printf(
                    TEST_NAME ": FAILED: \"%s\" argument %zu is %#x, expected %#x\n", format, i, types[i], expected[i]);
}

static int print_nothing(FILE* out, const struct printf_info* info, const void* const* args)
{
    (void)out, (void)info, (void)args;
    return 0;
}

static int no_arguments(const struct printf_info* info, size_t n, int* types, int* size)
{
    (void)info, (void)n, (void)types, (void)size;
    return 0;
}

int main(void)
{
    // printf extension hooks: refused (musl's printf has none), as libquadmath expects may happen.
    errno = 0;
    CHECK(register_printf_specifier('Q', print_nothing, no_arguments) == -1 && errno == EINVAL);
    CHECK(register_printf_modifier(L"Z") == -1);
    expect("%d %s %f", 3, (int[]) { PA_INT, PA_STRING, PA_DOUBLE });
    expect("%lc %ls %C %S", 4, (int[]) { PA_CHAR, PA_STRING, PA_WCHAR, PA_WSTRING });
    expect("%hhd %hd %ld %lld %qd %jd %zd %td %Lf %p %n %%", 11,
        (int[]) { PA_CHAR, PA_INT | PA_FLAG_SHORT, PA_INT | PA_FLAG_LONG, PA_INT | PA_FLAG_LONG, PA_INT,
            PA_INT | PA_FLAG_LONG, PA_INT | PA_FLAG_LONG, PA_INT | PA_FLAG_LONG, PA_DOUBLE | PA_FLAG_LONG_DOUBLE,
            PA_POINTER, PA_INT | PA_FLAG_PTR });
    expect("%2$s %1$d", 2, (int[]) { PA_INT, PA_STRING });
    expect("%*.*f", 3, (int[]) { PA_INT, PA_INT, PA_DOUBLE });
    expect("%1$*2$d", 2, (int[]) { PA_INT, PA_INT });
    expect("%m %c", 1, (int[]) { PA_CHAR });
    expect("%-+ #08.3lx", 1, (int[]) { PA_INT | PA_FLAG_LONG });
    expect("%zu %I5d %'d", 3, (int[]) { PA_INT | PA_FLAG_LONG, PA_INT, PA_INT });
    expect("%y", 0, (int[]) { 0 });
    int one[1] = { 0x55 };
    CHECK(parse_printf_format("%d %d %d", 1, one) == 3 && one[0] == PA_INT); // counts past n
    if (failures)
        return 1;
    printf("printf_format: ok\n");
    return 0;
}
