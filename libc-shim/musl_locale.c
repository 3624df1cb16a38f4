/* The name of one category of a musl locale (src/internal/locale_impl.h: a null map is the
 * C locale), for glibc_locale.cpp, which keeps glibc's __names array. */
#include "locale_impl.h"

const char* osprey_musl_locale_name(const void* category)
{
    const struct __locale_map* map = category;
    return map ? map->name : "C";
}
