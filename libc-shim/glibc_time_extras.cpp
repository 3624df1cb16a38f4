// glibc's NTP clock queries (<sys/timex.h>): ntp_gettimex reads the clock's state through
// adjtimex (kernel/syscall/time.cpp: unsynchronised, as a Linux no NTP daemon disciplines;
// util-linux's logger asks before it stamps a message). ntp_gettime@GLIBC_2.2.5, which the
// header no longer names, writes what glibc 2.36's writes (probed natively): time,
// maxerror, esterror and tai, not the reserved words ntp_gettimex clears. ntp_adjtime is
// adjtimex itself (overrides.txt).
#include <sys/time.h>
#include <sys/timex.h>

#include <cstring>

namespace {

/// The clock's state and adjtimex's answer (TIME_OK, TIME_ERROR...; -1 with errno).
int query(struct timex& state)
{
    memset(&state, 0, sizeof state);
    return adjtimex(&state);
}

} // namespace

extern "C" {

int osprey_ntp_gettime(struct ntptimeval* value)
{
    struct timex state;
    int result = query(state);
    value->time = state.time;
    value->maxerror = state.maxerror;
    value->esterror = state.esterror;
    value->tai = state.tai;
    return result;
}

/// glibc 2.12's: the same, with the reserved words cleared.
int ntp_gettimex(struct ntptimeval* value)
{
    memset(value, 0, sizeof *value);
    return osprey_ntp_gettime(value);
}

} // extern "C"
