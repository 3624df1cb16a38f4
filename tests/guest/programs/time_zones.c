// Time zones as glibc programs read them: the variables tzname, timezone and daylight
// (which a PIE reads through its own COPY of glibc's), set by tzset and by the calls that
// call it (localtime, mktime), and the zone localtime_r and strftime report. Before any
// call tzname holds glibc's initial "GMT" names, never NULL (ICU, inside node, compares
// them with strcmp on its first local date). TZ rules are POSIX strings, so no zoneinfo
// file is needed. Prints "time_zones: ok".
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <wchar.h>

#define TEST_NAME "time_zones"
#include "check.h"

static int same(const char* text, const char* expected) { return text && strcmp(text, expected) == 0; }

int main(void)
{
    // glibc's static initial value, before the program calls anything that sets it.
    CHECK(same(tzname[0], "GMT") && same(tzname[1], "GMT"));

    CHECK(setenv("TZ", "EST5EDT,M3.2.0,M11.1.0", 1) == 0);
    tzset();
    CHECK(same(tzname[0], "EST") && same(tzname[1], "EDT"));
    CHECK(timezone == 5 * 3600 && daylight == 1);

    time_t july = 1783000000; // 2026-07-02 13:46:40 UTC, summer time in that zone
    struct tm local;
    CHECK(localtime_r(&july, &local) == &local);
    CHECK(local.tm_isdst == 1 && local.tm_gmtoff == -4 * 3600 && same(local.tm_zone, "EDT"));
    char text[64];
    CHECK(strftime(text, sizeof(text), "%H:%M %Z %z", &local) > 0 && same(text, "09:46 EDT -0400"));
    wchar_t wide[64];
    CHECK(wcsftime(wide, 64, L"%H:%M %Z", &local) > 0 && wcscmp(wide, L"09:46 EDT") == 0);
    struct tm noon_in_july = { .tm_year = 126, .tm_mon = 6, .tm_mday = 2, .tm_hour = 12, .tm_isdst = -1 };
    CHECK(mktime(&noon_in_july) == 1783008000 && noon_in_july.tm_isdst == 1);

    // localtime and mktime read TZ again, as tzset does: the variables follow.
    CHECK(setenv("TZ", "JST-9", 1) == 0);
    struct tm* japan = localtime(&july);
    CHECK(japan && japan->tm_hour == 22 && same(japan->tm_zone, "JST"));
    CHECK(same(tzname[0], "JST") && timezone == -9 * 3600 && daylight == 0);
    CHECK(setenv("TZ", "UTC0", 1) == 0);
    struct tm midnight = { .tm_year = 70, .tm_mday = 1 };
    CHECK(mktime(&midnight) == 0);
    CHECK(same(tzname[0], "UTC") && timezone == 0 && daylight == 0);

    if (failures)
        return 1;
    puts("time_zones: ok");
    return 0;
}
