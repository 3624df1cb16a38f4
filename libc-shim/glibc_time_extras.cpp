// glibc's NTP clock queries (<sys/timex.h>): ntp_gettime and ntp_gettimex read the clock's
// state through adjtimex (kernel/syscall/time.cpp: unsynchronised, as a Linux no NTP
// daemon disciplines; util-linux's logger asks before it stamps a message), and
// ntp_adjtime is adjtimex itself (overrides.txt).
#include <sys/time.h>
#include <sys/timex.h>

#include <cstring>

namespace {

/// glibc 2.1's struct ntptimeval, what ntp_gettime@GLIBC_2.2.5 fills (2.12's adds tai and
/// reserved words: ntp_gettimex).
struct OldNtpTimeval {
    struct timeval time;
    long maxerror;
    long esterror;
};

/// The clock's state and adjtimex's answer (TIME_OK, TIME_ERROR...; -1 with errno).
int query(struct timex& state)
{
    memset(&state, 0, sizeof state);
    return adjtimex(&state);
}

} // namespace

extern "C" {

int osprey_ntp_gettime(OldNtpTimeval* value)
{
    struct timex state;
    int result = query(state);
    value->time = state.time;
    value->maxerror = state.maxerror;
    value->esterror = state.esterror;
    return result;
}

int ntp_gettimex(struct ntptimeval* value)
{
    struct timex state;
    int result = query(state);
    memset(value, 0, sizeof *value);
    value->time = state.time;
    value->maxerror = state.maxerror;
    value->esterror = state.esterror;
    value->tai = state.tai;
    return result;
}

} // extern "C"
