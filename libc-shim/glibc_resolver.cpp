// glibc's resolver state (<resolv.h>): res_ninit, res_nclose and res_init fill and free a
// caller's struct __res_state the way glibc 2.36 does (resolv/res_init.c), from
// /etc/resolv.conf and the LOCALDOMAIN and RES_OPTIONS environment variables. musl has the
// struct (the same layout as glibc's: the asserts below) but its res_init does nothing and
// its queries read the file each time; Kerberos (krb5's SRV lookups), LDAP and SASL
// libraries initialise a state of their own and query through it (glibc_resolver_query.cpp).
//
// What is not read: `sortlist` (glibc sorts gethostbyname's addresses by it; musl's
// lookups ignore it), and options that only change glibc's own lookups (inet6,
// no-aaaa, trust-ad), which are kept as flags and otherwise ignored, as musl's lookups do.
#include <arpa/inet.h>
#include <cctype>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <net/if.h>
#include <netinet/in.h>
#include <resolv.h>
#include <pthread.h>
#include <sys/random.h>
#include <ctime>
#include <unistd.h>

#include <libc_shim/resolver.h>

// glibc 2.36's struct __res_state on x86-64 (resolv/bits/types/res_state.h).
static_assert(sizeof(struct __res_state) == 568);
static_assert(offsetof(struct __res_state, nsaddr_list) == 20);
static_assert(offsetof(struct __res_state, id) == 68);
static_assert(offsetof(struct __res_state, dnsrch) == 72);
static_assert(offsetof(struct __res_state, defdname) == 128);
static_assert(offsetof(struct __res_state, pfcode) == 384);
static_assert(offsetof(struct __res_state, res_h_errno) == 496);
static_assert(offsetof(struct __res_state, _u._ext.nscount) == 512);
static_assert(offsetof(struct __res_state, _u._ext.nsaddrs) == 536);

namespace {

// glibc's option values where musl's <resolv.h> differs or lacks them (glibc 2.36 resolv.h).
constexpr unsigned long kGlibcDefaultOptions = RES_RECURSE | RES_DEFNAMES | RES_DNSRCH;
constexpr unsigned long kOptionNoTldQuery = 0x01000000;
constexpr unsigned long kOptionNoReload = 0x02000000;
constexpr unsigned long kOptionTrustAd = 0x04000000;
constexpr unsigned long kOptionNoAaaa = 0x08000000;

struct OptionFlag {
    const char* name;
    unsigned long flag;
    bool clear; // the option turns the flag off
};

constexpr OptionFlag kOptionFlags[] = {
    { "rotate", RES_ROTATE, false },
    { "edns0", RES_USE_EDNS0, false },
    { "single-request-reopen", RES_SNGLKUPREOP, false },
    { "single-request", RES_SNGLKUP, false },
    { "no_tld_query", kOptionNoTldQuery, false },
    { "no-tld-query", kOptionNoTldQuery, false },
    { "no-reload", kOptionNoReload, false },
    { "use-vc", RES_USEVC, false },
    { "trust-ad", kOptionTrustAd, false },
    { "no-aaaa", kOptionNoAaaa, false },
    { "debug", RES_DEBUG, false },
};

/// `word` is "name:NUMBER": the number, clamped to `limit`; -1 when it is not.
long numeric_option(const char* word, size_t length, const char* name, long limit)
{
    size_t name_length = strlen(name);
    if (length <= name_length || strncmp(word, name, name_length) != 0 || !isdigit((unsigned char)word[name_length]))
        return -1;
    long value = strtol(word + name_length, nullptr, 10);
    return value > limit ? limit : value;
}

/// One word of an `options` line or of RES_OPTIONS (resolv.conf(5)); unknown words are
/// ignored, as glibc does.
void apply_option(res_state state, const char* word, size_t length)
{
    if (long n = numeric_option(word, length, "ndots:", RES_MAXNDOTS); n >= 0)
        state->ndots = unsigned(n);
    else if (long t = numeric_option(word, length, "timeout:", RES_MAXRETRANS); t >= 0)
        state->retrans = int(t);
    else if (long a = numeric_option(word, length, "attempts:", RES_MAXRETRY); a >= 0)
        state->retry = int(a);
    else
        for (const OptionFlag& option : kOptionFlags)
            if (strlen(option.name) == length && strncmp(word, option.name, length) == 0) {
                state->options = option.clear ? state->options & ~option.flag : state->options | option.flag;
                break;
            }
}

void apply_options(res_state state, const char* text)
{
    for (const char* p = text;;) {
        p += strspn(p, " \t\n");
        size_t length = strcspn(p, " \t\n");
        if (!length)
            return;
        apply_option(state, p, length);
        p += length;
    }
}

/// The search list from the words of `text`: at most MAXDNSRCH names, copied into
/// defdname one after another (each dnsrch[] entry points into it, as glibc's do).
void set_search_list(res_state state, const char* text)
{
    size_t used = 0, count = 0;
    for (const char* p = text; count < MAXDNSRCH;) {
        p += strspn(p, " \t\n");
        size_t length = strcspn(p, " \t\n");
        if (!length || used + length + 1 > sizeof(state->defdname))
            break;
        memcpy(state->defdname + used, p, length);
        state->defdname[used + length] = 0;
        state->dnsrch[count++] = state->defdname + used;
        used += length + 1;
        p += length;
    }
    state->dnsrch[count] = nullptr;
}

/// A `nameserver` line's address (IPv4, or IPv6 with an optional %scope) appended to
/// the state: IPv6 ones in _u._ext.nsaddrs (malloc'd; nsaddr_list's family 0), as glibc.
void add_nameserver(res_state state, const char* text)
{
    if (state->nscount >= MAXNS)
        return;
    char address[INET6_ADDRSTRLEN + IF_NAMESIZE + 2] = {};
    size_t length = strcspn(text, " \t\n");
    if (length >= sizeof(address))
        return;
    memcpy(address, text, length);
    int slot = state->nscount;
    struct sockaddr_in v4 = {};
    if (inet_pton(AF_INET, address, &v4.sin_addr) == 1) {
        v4.sin_family = AF_INET;
        v4.sin_port = htons(NAMESERVER_PORT);
        state->nsaddr_list[slot] = v4;
        state->_u._ext.nsaddrs[slot] = nullptr;
        state->nscount++;
        return;
    }
    char* scope = strchr(address, '%');
    if (scope)
        *scope++ = 0;
    struct sockaddr_in6 v6 = {};
    if (inet_pton(AF_INET6, address, &v6.sin6_addr) != 1)
        return;
    v6.sin6_family = AF_INET6;
    v6.sin6_port = htons(NAMESERVER_PORT);
    if (scope) {
        char* end;
        unsigned long number = strtoul(scope, &end, 10);
        v6.sin6_scope_id = *end ? if_nametoindex(scope) : unsigned(number); // %2 or %eth0
    }
    auto* copy = static_cast<struct sockaddr_in6*>(malloc(sizeof v6));
    if (!copy)
        return;
    *copy = v6;
    state->nsaddr_list[slot] = {};
    state->_u._ext.nsaddrs[slot] = copy;
    state->nscount++;
}

/// Whether `line` starts with the keyword `name` followed by white space; then `*rest`
/// is the text after it.
bool keyword(const char* line, const char* name, const char** rest)
{
    size_t length = strlen(name);
    if (strncmp(line, name, length) != 0 || (line[length] != ' ' && line[length] != '\t'))
        return false;
    *rest = line + length + strspn(line + length, " \t");
    return true;
}

void read_resolv_conf(res_state state)
{
    FILE* file = fopen("/etc/resolv.conf", "re");
    if (!file)
        return;
    char line[512];
    const char* rest;
    while (fgets(line, sizeof line, file)) {
        if (keyword(line, "nameserver", &rest))
            add_nameserver(state, rest);
        else if (keyword(line, "domain", &rest) || keyword(line, "search", &rest))
            set_search_list(state, rest); // the last one wins (resolv.conf(5))
        else if (keyword(line, "options", &rest))
            apply_options(state, rest);
    }
    fclose(file);
}

/// With no domain or search line: the domain part of the host name, if it has one.
void search_from_host_name(res_state state)
{
    char name[256] = {};
    if (gethostname(name, sizeof name - 1) != 0)
        return;
    if (const char* dot = strchr(name, '.'); dot && dot[1])
        set_search_list(state, dot + 1);
}

void free_ipv6_nameservers(res_state state)
{
    for (auto*& address : state->_u._ext.nsaddrs) {
        free(address);
        address = nullptr;
    }
}

/// Fills `state` from /etc/resolv.conf (127.0.0.1 when it names no server), then
/// LOCALDOMAIN (the search list) and RES_OPTIONS, over the given starting values.
int initialise(res_state state, int retrans, int retry, unsigned long options, unsigned short id)
{
    memset(state, 0, sizeof *state);
    state->retrans = retrans;
    state->retry = retry;
    state->options = options & ~RES_INIT;
    state->id = id;
    state->ndots = 1;
    state->_vcsock = -1;
    read_resolv_conf(state);
    if (!state->nscount)
        add_nameserver(state, "127.0.0.1");
    state->_u._ext.nscount = uint16_t(state->nscount);
    if (!state->dnsrch[0])
        search_from_host_name(state);
    if (const char* local = getenv("LOCALDOMAIN"))
        set_search_list(state, local);
    if (const char* extra = getenv("RES_OPTIONS"))
        apply_options(state, extra);
    state->options |= RES_INIT;
    return 0;
}

/// The calling thread's state, made zeroed on its first use and freed when it ends (with
/// the IPv6 server addresses res_init gave it). A thread whose state cannot be allocated
/// shares one emergency state (and may race on it, as every thread did before).
void free_thread_state(void* state)
{
    free_ipv6_nameservers(static_cast<res_state>(state));
    free(state);
}

res_state thread_state()
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    static pthread_key_t key;
    static bool have_key;
    static struct __res_state emergency;
    pthread_once(&once, [] { have_key = pthread_key_create(&key, free_thread_state) == 0; });
    if (!have_key)
        return &emergency;
    auto* state = static_cast<res_state>(pthread_getspecific(key));
    if (state)
        return state;
    state = static_cast<res_state>(calloc(1, sizeof(struct __res_state)));
    if (!state || pthread_setspecific(key, state) != 0) {
        free(state);
        return &emergency;
    }
    return state;
}

} // namespace

extern "C" {

/// glibc's res_ninit: `state` (whatever it held, never freed: glibc's rule) filled with
/// the defaults, /etc/resolv.conf and the environment; returns 0.
int __res_ninit(res_state state)
{
    return initialise(state, RES_TIMEOUT, RES_DFLRETRY, kGlibcDefaultOptions, libc_shim::resolver_random());
}

/// glibc's res_nclose: frees what res_ninit allocated (the IPv6 server addresses); the
/// state must be initialised again before another query.
void __res_nclose(res_state state)
{
    free_ipv6_nameservers(state);
    state->options &= ~RES_INIT;
}

/// glibc's __res_state: the calling thread's _res (exported over musl's, which is one
/// state for the whole program).
res_state osprey_res_state() { return thread_state(); }

/// glibc's res_init: the calling thread's _res (re)initialised, keeping the retrans,
/// retry, options and id a program set in it before, as glibc does.
int __res_init()
{
    res_state state = thread_state();
    unsigned long options = state->options & RES_INIT ? state->options : kGlibcDefaultOptions;
    if (state->options & RES_INIT)
        free_ipv6_nameservers(state);
    return initialise(state, state->retrans ? state->retrans : RES_TIMEOUT, state->retry ? state->retry : RES_DFLRETRY,
        options, state->id ? state->id : libc_shim::resolver_random());
}

} // extern "C"

uint16_t libc_shim::resolver_random()
{
    uint16_t bits;
    if (getrandom(&bits, sizeof bits, GRND_NONBLOCK) == ssize_t(sizeof bits))
        return bits;
    struct timespec now; // no entropy: the clock's low bits, as musl's res_mkquery uses
    clock_gettime(CLOCK_REALTIME, &now);
    return uint16_t(now.tv_nsec + now.tv_nsec / 65536);
}

res_state libc_shim::initialised_resolver_state()
{
    res_state state = thread_state();
    if (!(state->options & RES_INIT))
        __res_ninit(state);
    return state;
}
