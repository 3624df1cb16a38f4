// The calls that set glibc's time-zone variables (tzname, timezone, daylight): tzset and
// those that call it (localtime, localtime_r, mktime, timelocal, ctime, ctime_r, and the
// strftime and wcsftime families, for %Z). A PIE that reads the variables holds its own
// COPY of them (glibc_data.h) while musl sets its own: each call here runs musl's and then
// copies musl's values into the program's. They read TZ from the environment the program
// may have assigned itself, as getenv does (environ_in). Not covered: getdate (its mktime
// is musl's own), and glibc's first gmtime, which sets the names from TZ where musl leaves
// them as they are.
#include "glibc_data.h"

#include <ctime>
#include <locale.h>
#include <wchar.h>

namespace {

/// Runs `call` (a musl function that may run tzset) with the program's environment and
/// hands the time-zone variables it set to the program's copies.
template<typename Call> auto with_time_zone(Call&& call)
{
    libc_shim::environ_in();
    auto result = call();
    libc_shim::time_zone_variables_out();
    return result;
}

} // namespace

extern "C" {

void osprey_tzset()
{
    libc_shim::environ_in();
    tzset();
    libc_shim::time_zone_variables_out();
}

struct tm* osprey_localtime(const time_t* when)
{
    return with_time_zone([&] { return localtime(when); });
}
struct tm* osprey_localtime_r(const time_t* when, struct tm* out)
{
    return with_time_zone([&] { return localtime_r(when, out); });
}
time_t osprey_mktime(struct tm* fields)
{
    return with_time_zone([&] { return mktime(fields); });
}
char* osprey_ctime(const time_t* when)
{
    return with_time_zone([&] { return ctime(when); });
}
char* osprey_ctime_r(const time_t* when, char* out)
{
    return with_time_zone([&] { return ctime_r(when, out); });
}
size_t osprey_strftime(char* out, size_t size, const char* format, const struct tm* fields)
{
    return with_time_zone([&] { return strftime(out, size, format, fields); });
}
size_t osprey_strftime_l(char* out, size_t size, const char* format, const struct tm* fields, locale_t locale)
{
    return with_time_zone([&] { return strftime_l(out, size, format, fields, locale); });
}
size_t osprey_wcsftime(wchar_t* out, size_t size, const wchar_t* format, const struct tm* fields)
{
    return with_time_zone([&] { return wcsftime(out, size, format, fields); });
}
size_t osprey_wcsftime_l(wchar_t* out, size_t size, const wchar_t* format, const struct tm* fields, locale_t locale)
{
    return with_time_zone([&] { return wcsftime_l(out, size, format, fields, locale); });
}

} // extern "C"
