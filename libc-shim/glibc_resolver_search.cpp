// glibc's res_nsearch (resolv/res_query.c, __res_context_search): a name tried as it is
// and with each domain of the state's search list, in glibc's order and with its rules
// for which failure ends the walk; and the res_* functions without a state, which use the
// program's _res (glibc_resolver.cpp). The queries themselves: glibc_resolver_query.cpp.
#include <cerrno>
#include <cstring>
#include <netdb.h>
#include <resolv.h>

#include <libc_shim/resolver.h>

namespace {

constexpr unsigned long kOptionNoTldQuery = 0x01000000; // glibc's RES_NOTLDQUERY

struct SearchProgress {
    bool tried_as_is = false;
    bool root_on_list = false;
    bool searched = false;
    bool got_no_data = false;
    bool got_server_failure = false;
    int saved_h_errno = -1;
};

/// Asks for `name` with each search-list domain while the failures allow (glibc: a
/// missing name or an empty answer goes on, a server failure goes on, anything else
/// stops); the answer's length, 0 when none came, -1 when the walk must end in failure.
int search_domains(
    res_state state, const char* name, int klass, int type, unsigned char* answer, int size, SearchProgress& progress)
{
    for (char** domain = state->dnsrch; *domain; ++domain) {
        progress.searched = true;
        bool root = !**domain || strcmp(*domain, ".") == 0;
        progress.root_on_list |= root;
        if (root && progress.tried_as_is)
            continue;
        int got = res_nquerydomain(state, name, root ? nullptr : *domain, klass, type, answer, size);
        if (got > 0)
            return got;
        if (errno == ECONNREFUSED) {
            state->res_h_errno = h_errno = TRY_AGAIN;
            return -1;
        }
        if (h_errno == NO_DATA)
            progress.got_no_data = true;
        else if (h_errno == TRY_AGAIN && size > 3 && (answer[3] & 0x0f) == ns_r_servfail)
            progress.got_server_failure = true;
        else if (h_errno != HOST_NOT_FOUND)
            return 0;
        if (!(state->options & RES_DNSRCH))
            return 0;
    }
    return 0;
}

} // namespace

extern "C" {

/// glibc's res_nsearch: `name` as it is first when it has at least `ndots` dots or ends in
/// a dot (then only that), then with each domain of the search list, then as it is if not
/// tried yet. The first answer's length, or -1 with h_errno from the most telling failure.
int res_nsearch(res_state state, const char* name, int klass, int type, unsigned char* answer, int size)
{
    errno = 0;
    state->res_h_errno = h_errno = HOST_NOT_FOUND;
    unsigned dots = 0;
    for (const char* p = name; *p; ++p)
        dots += *p == '.';
    size_t length = strlen(name);
    bool trailing_dot = length && name[length - 1] == '.';
    SearchProgress progress;
    if (dots >= state->ndots || trailing_dot) {
        int got = res_nquerydomain(state, name, nullptr, klass, type, answer, size);
        if (got > 0 || trailing_dot)
            return got;
        progress.saved_h_errno = h_errno;
        progress.tried_as_is = true;
    }
    bool defaults = !dots && (state->options & RES_DEFNAMES);
    bool search = dots && !trailing_dot && (state->options & RES_DNSRCH);
    if (defaults || search) {
        int got = search_domains(state, name, klass, type, answer, size, progress);
        if (got != 0)
            return got;
    }
    bool tld_allowed = dots || !progress.searched || !(state->options & kOptionNoTldQuery);
    if (tld_allowed && !progress.tried_as_is && !progress.root_on_list) {
        int got = res_nquerydomain(state, name, nullptr, klass, type, answer, size);
        if (got > 0)
            return got;
    }
    int final_h_errno = progress.saved_h_errno != -1 ? progress.saved_h_errno
        : progress.got_no_data                       ? NO_DATA
        : progress.got_server_failure                ? TRY_AGAIN
                                                     : h_errno;
    state->res_h_errno = h_errno = final_h_errno;
    return -1;
}

// The same with the program's _res (initialised on first use, as glibc's are); exported
// under the plain names (overrides.txt), as musl's ignore the state.
int osprey_res_query(const char* name, int klass, int type, unsigned char* answer, int size)
{
    return res_nquery(libc_shim::initialised_resolver_state(), name, klass, type, answer, size);
}

int osprey_res_search(const char* name, int klass, int type, unsigned char* answer, int size)
{
    return res_nsearch(libc_shim::initialised_resolver_state(), name, klass, type, answer, size);
}

int osprey_res_querydomain(const char* name, const char* domain, int klass, int type, unsigned char* answer, int size)
{
    return res_nquerydomain(libc_shim::initialised_resolver_state(), name, domain, klass, type, answer, size);
}

int osprey_res_send(const unsigned char* query, int length, unsigned char* answer, int size)
{
    return res_nsend(libc_shim::initialised_resolver_state(), query, length, answer, size);
}

} // extern "C"
