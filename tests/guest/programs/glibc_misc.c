// glibc calls the `osprey inspect --abi` sweep of Debian's /usr/bin found missing, beyond
// those with tests of their own (re_match in regex.c, /etc/rpc in netdb_files.c):
// libresolv's base64 codec (tmux), the clock queries adjtimex, clock_adjtime, ntp_gettime
// and ntp_gettimex (util-linux's logger), and mtrace (getent). Checked natively first:
// there the host's clock may be synchronised (TIME_OK) where Osprey's never is
// (TIME_ERROR, STA_UNSYNC), so both are accepted; nothing here changes a clock.
#define _GNU_SOURCE
#define TEST_NAME "glibc_misc"
#include "check.h"

#include <dlfcn.h>
#include <errno.h>
#include <mcheck.h>
#include <resolv.h>
#include <string.h>
#include <sys/time.h>
#include <sys/timex.h>
#include <time.h>

static void base64(void)
{
    char text[16];
    CHECK(b64_ntop((const unsigned char*)"", 0, text, sizeof text) == 0 && text[0] == 0);
    CHECK(b64_ntop((const unsigned char*)"f", 1, text, sizeof text) == 4 && strcmp(text, "Zg==") == 0);
    CHECK(b64_ntop((const unsigned char*)"fo", 2, text, sizeof text) == 4 && strcmp(text, "Zm8=") == 0);
    CHECK(b64_ntop((const unsigned char*)"foobar", 6, text, sizeof text) == 8 && strcmp(text, "Zm9vYmFy") == 0);
    CHECK(b64_ntop((const unsigned char*)"f", 1, text, 4) == -1); // no room for the NUL
    unsigned char bytes[16];
    CHECK(b64_pton("Zm9vYmFy", bytes, sizeof bytes) == 6 && memcmp(bytes, "foobar", 6) == 0);
    CHECK(b64_pton(" Zm9v\nYmFy\t", bytes, sizeof bytes) == 6); // white space anywhere
    CHECK(b64_pton("Zm8=", bytes, sizeof bytes) == 2 && memcmp(bytes, "fo", 2) == 0);
    CHECK(b64_pton("Zg==", bytes, 2) == 1 && bytes[0] == 'f');
    CHECK(b64_pton("Zg==", bytes, 1) == -1);              // glibc wants a byte of room past a padded end
    CHECK(b64_pton("Zg=", bytes, sizeof bytes) == -1);    // one character short of a pair
    CHECK(b64_pton("Zh==", bytes, sizeof bytes) == -1);   // bits past the last byte
    CHECK(b64_pton("Zg== x", bytes, sizeof bytes) == -1); // only white space after padding
    CHECK(b64_pton("Zg== \n", bytes, sizeof bytes) == 1);
    CHECK(b64_pton("Z", bytes, sizeof bytes) == -1 && b64_pton("Zm9*", bytes, sizeof bytes) == -1);
    CHECK(b64_pton("=Zg=", bytes, sizeof bytes) == -1);
    CHECK(b64_pton("Zm9vYmFy", NULL, 0) == 6); // only counts
    CHECK(b64_pton("Zm9vYmFy", bytes, 5) == -1);
}

static void clock_state(void)
{
    struct timex state;
    memset(&state, 0, sizeof state);
    struct timeval now;
    gettimeofday(&now, NULL);
    int result = adjtimex(&state);
    CHECK(result == TIME_OK || (result == TIME_ERROR && (state.status & STA_UNSYNC)));
    CHECK(state.time.tv_sec >= now.tv_sec && state.time.tv_sec - now.tv_sec <= 2);
    CHECK(state.maxerror >= 0 && state.esterror >= 0 && state.tick > 0 && state.precision > 0);
    memset(&state, 0, sizeof state);
    state.modes = ADJ_OFFSET_SS_READ; // adjtime's read-only form needs no privilege
    CHECK(adjtimex(&state) == result);
    memset(&state, 0, sizeof state);
    state.modes = 0x8000; // adjtime's mode bit alone
    CHECK(adjtimex(&state) == -1 && errno == EINVAL);
    memset(&state, 0, sizeof state);
    CHECK(clock_adjtime(CLOCK_REALTIME, &state) == result);
    CHECK(clock_adjtime(CLOCK_MONOTONIC, &state) == -1 && errno == EOPNOTSUPP);
    CHECK(clock_adjtime(99, &state) == -1 && errno == EINVAL);
    struct ntptimeval value;
    CHECK(ntp_gettime(&value) == result && value.time.tv_sec >= now.tv_sec && value.maxerror >= 0);
    memset(&value, 0xff, sizeof value);
    CHECK(ntp_gettimex(&value) == result && value.time.tv_sec >= now.tv_sec && value.tai >= 0);
    // The header sends ntp_gettime to ntp_gettimex; the old name, which older programs bound
    // to, fills time, errors and tai in glibc 2.36, and leaves the reserved words alone.
    int (*old_ntp_gettime)(struct ntptimeval*)
        = (int (*)(struct ntptimeval*))dlvsym(RTLD_DEFAULT, "ntp_gettime", "GLIBC_2.2.5");
    memset(&value, 0xff, sizeof value);
    CHECK(old_ntp_gettime && old_ntp_gettime(&value) == result && value.time.tv_sec >= now.tv_sec && value.maxerror >= 0
        && value.tai >= 0 && value.__glibc_reserved1 == -1);
}

int main(void)
{
    base64();
    clock_state();
    mtrace(); // nothing without libc_malloc_debug.so preloaded, in glibc as here
    muntrace();
    if (failures)
        return 1;
    printf("glibc_misc: ok\n");
    return 0;
}
