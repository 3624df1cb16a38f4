// The shadow databases as glibc has them (<shadow.h>, <gshadow.h>): /etc/shadow's
// enumeration, which musl leaves empty, the parsers of one line from a string or a stream,
// and /etc/gshadow with putsgent. The guest test packs tests/guest/shadow/etc/* into /etc;
// natively the same two files are bound over /etc/shadow and /etc/gshadow in a mount
// namespace, and glibc 2.36 gives what is checked here.
#define _GNU_SOURCE
#define TEST_NAME "shadow_db"
#include "check.h"

#include <errno.h>
#include <gshadow.h>
#include <shadow.h>
#include <stdlib.h>
#include <string.h>

static char buffer[1024];

static void shadow_enumeration(void)
{
    struct spwd entry, *result = NULL;
    setspent();
    CHECK(getspent_r(&entry, buffer, sizeof buffer, &result) == 0 && result == &entry);
    CHECK(result && strcmp(entry.sp_namp, "root") == 0 && entry.sp_lstchg == 19000 && entry.sp_max == 99999
        && entry.sp_inact == -1 && entry.sp_flag == ~0ul);
    CHECK(getspent_r(&entry, buffer, 8, &result) == ERANGE && !result); // the same line next time
    CHECK(getspent_r(&entry, buffer, sizeof buffer, &result) == 0 && result);
    CHECK(result && strcmp(entry.sp_namp, "alice") == 0 && strcmp(entry.sp_pwdp, "$6$salt$hash") == 0
        && entry.sp_min == 1 && entry.sp_max == 90 && entry.sp_warn == 14 && entry.sp_inact == 30
        && entry.sp_expire == 20000);
    struct spwd* classic = getspent(); // the same enumeration
    CHECK(classic && strcmp(classic->sp_namp, "bob") == 0 && classic->sp_min == -1);
    CHECK(getspent_r(&entry, buffer, sizeof buffer, &result) == ENOENT && !result);
    CHECK(getspent() == NULL);
    endspent();
    CHECK(getspent() && strcmp(getspent()->sp_namp, "alice") == 0); // started again
    endspent();
}

static void shadow_parsers(void)
{
    struct spwd* parsed = sgetspent("carol:x:18000:2:30:5:6:7:8\n");
    CHECK(parsed && strcmp(parsed->sp_namp, "carol") == 0 && parsed->sp_lstchg == 18000 && parsed->sp_flag == 8);
    // glibc's grammar: three numbers at least, the line may end after them (the old form)
    // or after expire (no flag), nothing after the flag; numbers of 32 bits with blanks
    // or '+' before them, read through an int (4294967295 is -1), and nothing after them.
    CHECK(sgetspent("no fields here") == NULL);
    CHECK(sgetspent("dave:x:1:::::") == NULL && sgetspent("dave:x:1:::::::") == NULL);
    CHECK(
        sgetspent("dave:x:1:2") == NULL && sgetspent("dave:x:1:2:3:4") == NULL && sgetspent("dave:x:1:2:3:::") == NULL);
    CHECK(sgetspent("dave:x:1:2:3:4:5:6:7:") == NULL);
    parsed = sgetspent("dave:x:1:2:3"); // the old form
    CHECK(parsed && parsed->sp_max == 3 && parsed->sp_warn == -1 && parsed->sp_expire == -1 && parsed->sp_flag == ~0ul);
    parsed = sgetspent("dave:x:1:2:3:4:5:6"); // no flag
    CHECK(parsed && parsed->sp_expire == 6 && parsed->sp_flag == ~0ul);
    CHECK(sgetspent("dave:x:-5::::::") == NULL && sgetspent("dave:x:1 ::::::") == NULL);
    CHECK(sgetspent("dave:x:4294967296::::::") == NULL && sgetspent("dave:x:0x10::::::") == NULL);
    parsed = sgetspent("dave:x: +7:4294967295:2147483648::::4294967295");
    CHECK(parsed && parsed->sp_lstchg == 7 && parsed->sp_min == -1 && parsed->sp_max == -2147483648L
        && parsed->sp_flag == 0xfffffffful);
    struct spwd entry, *result = &entry;
    errno = 0; // glibc returns errno's value for a line that is no entry
    CHECK(sgetspent_r("dave", &entry, buffer, sizeof buffer, &result) == 0 && !result);
    CHECK(sgetspent_r("dave:x:1::::::", &entry, buffer, 4, &result) == ERANGE && !result);
    CHECK(sgetspent_r("dave:x:1::::::", &entry, buffer, sizeof buffer, &result) == 0 && result
        && strcmp(entry.sp_namp, "dave") == 0 && entry.sp_lstchg == 1 && entry.sp_expire == -1
        && entry.sp_flag == ~0ul);
    FILE* stream = fopen("/etc/shadow", "r");
    CHECK(stream != NULL);
    if (!stream)
        return;
    int users = 0;
    while (fgetspent_r(stream, &entry, buffer, sizeof buffer, &result) == 0)
        ++users;
    CHECK(users == 3);
    fclose(stream);
}

static int count(char** list)
{
    int n = 0;
    while (list && list[n])
        ++n;
    return n;
}

static void group_shadow(void)
{
    struct sgrp* staff = getsgnam("staff");
    CHECK(staff && strcmp(staff->sg_passwd, "!") == 0 && count(staff->sg_adm) == 1 && count(staff->sg_mem) == 2);
    CHECK(staff && strcmp(staff->sg_adm[0], "alice") == 0 && strcmp(staff->sg_mem[1], "bob") == 0);
    struct sgrp entry, *result = &entry;
    CHECK(getsgnam_r("nosuch", &entry, buffer, sizeof buffer, &result) == 0 && !result);
    CHECK(getsgnam_r("staff", &entry, buffer, 8, &result) == ERANGE && !result);
    CHECK(getsgnam("nosuch") == NULL);

    setsgent();
    CHECK(getsgent_r(&entry, buffer, sizeof buffer, &result) == 0 && result && strcmp(entry.sg_namp, "root") == 0
        && count(entry.sg_adm) == 0 && count(entry.sg_mem) == 0);
    struct sgrp* next = getsgent();
    CHECK(next && strcmp(next->sg_namp, "staff") == 0);
    CHECK(getsgent_r(&entry, buffer, sizeof buffer, &result) == 0 && result && strcmp(entry.sg_namp, "empty") == 0
        && strcmp(entry.sg_passwd, "") == 0);
    CHECK(getsgent_r(&entry, buffer, sizeof buffer, &result) == ENOENT && !result);
    endsgent();

    struct sgrp* parsed = sgetsgent("wheel:x:a,b,c:d");
    CHECK(parsed && count(parsed->sg_adm) == 3 && count(parsed->sg_mem) == 1 && strcmp(parsed->sg_mem[0], "d") == 0);
    // glibc reads gshadow lines leniently: missing fields are empty, empty list items go,
    // and a ':' past the fourth field belongs to the last member.
    parsed = sgetsgent("wheel");
    CHECK(parsed && strcmp(parsed->sg_namp, "wheel") == 0 && strcmp(parsed->sg_passwd, "") == 0
        && count(parsed->sg_adm) == 0 && count(parsed->sg_mem) == 0);
    parsed = sgetsgent("wheel:x: a, b: c ,d"); // leading blanks go, trailing ones stay
    CHECK(parsed && strcmp(parsed->sg_adm[1], "b") == 0 && strcmp(parsed->sg_mem[0], "c ") == 0);
    parsed = sgetsgent("wheel:x:,a:b,,c:d");
    CHECK(parsed && count(parsed->sg_adm) == 1 && strcmp(parsed->sg_adm[0], "a") == 0 && count(parsed->sg_mem) == 2
        && strcmp(parsed->sg_mem[1], "c:d") == 0);
    FILE* stream = fopen("/etc/gshadow", "r");
    CHECK(stream && fgetsgent(stream) && strcmp(fgetsgent(stream)->sg_namp, "staff") == 0);
    if (stream)
        fclose(stream);

    char* text = NULL;
    size_t size = 0;
    FILE* out = open_memstream(&text, &size);
    char* admins[] = { "ann", "ben", NULL };
    char* members[] = { "cy", NULL };
    struct sgrp written = { "team", "pw", admins, members };
    CHECK(putsgent(&written, out) == 0);
    struct sgrp no_lists = { "solo", NULL, NULL, NULL };
    CHECK(putsgent(&no_lists, out) == 0);
    char* bad_member[] = { "a,b", NULL };
    struct sgrp bad = { "team", "pw", NULL, bad_member };
    errno = 0;
    CHECK(putsgent(&bad, out) == -1 && errno == EINVAL);
    struct sgrp colon = { "te:am", "pw", NULL, NULL };
    CHECK(putsgent(&colon, out) == -1 && errno == EINVAL);
    fclose(out);
    CHECK(text && strcmp(text, "team:pw:ann,ben:cy\nsolo:::\n") == 0);
    free(text);
}

int main(void)
{
    shadow_enumeration();
    shadow_parsers();
    group_shadow();
    if (failures)
        return 1;
    printf("shadow_db: ok\n");
    return 0;
}
