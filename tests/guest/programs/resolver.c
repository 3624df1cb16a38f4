// glibc's resolver through a state of the program's own (res_ninit, res_nsearch,
// res_nquery, res_nclose: what krb5, LDAP and SASL libraries call) and through _res
// (res_init, res_search, res_query), against a DNS server of the program's own on the
// loopback: the search list and ndots, NXDOMAIN and empty answers as h_errno, a truncated
// UDP answer asked again over TCP, SERVFAIL from one server and the next one asked.
// Checked against glibc on Linux (the expectations below are what glibc does).
//
// `resolver --print-config` prints what res_ninit read from /etc/resolv.conf instead (the
// guest test packs tests/guest/net/resolv.conf; natively: a mount namespace with that
// file bound over /etc/resolv.conf).
#define _GNU_SOURCE
#define TEST_NAME "resolver"
#include "check.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <ctype.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <resolv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

// What the servers were asked, in order: "udp NAME", "tcp NAME", "servfail NAME".
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char question_log[1024];

static void log_question(const char* how, const char* name)
{
    pthread_mutex_lock(&log_lock);
    size_t used = strlen(question_log);
    snprintf(question_log + used, sizeof question_log - used, "%s%s %s", used ? ", " : "", how, name);
    pthread_mutex_unlock(&log_lock);
}

static void take_log(char* out, size_t size)
{
    pthread_mutex_lock(&log_lock);
    snprintf(out, size, "%s", question_log);
    question_log[0] = 0;
    pthread_mutex_unlock(&log_lock);
}

// The question's name (dotted, lower case) and where the question section ends.
static size_t question_name(const unsigned char* query, size_t length, char* name)
{
    size_t at = 12, out = 0;
    while (at < length && query[at]) {
        size_t label = query[at++];
        if (out)
            name[out++] = '.';
        for (size_t i = 0; i < label && at < length && out < 250; ++i)
            name[out++] = (char)tolower(query[at++]);
    }
    name[out] = 0;
    return at + 1 + 4;
}

static size_t put16(unsigned char* p, unsigned value)
{
    p[0] = (unsigned char)(value >> 8);
    p[1] = (unsigned char)value;
    return 2;
}

// The answer to `query` (length `length`) into `reply`; its length. `over_tcp` says
// whether the whole of a large answer can go.
static size_t answer_query(const unsigned char* query, size_t length, unsigned char* reply, int over_tcp)
{
    char name[256];
    size_t end = question_name(query, length, name);
    unsigned type = (unsigned)query[end - 4] << 8 | query[end - 3];
    memcpy(reply, query, end);
    reply[2] = 0x80 | (query[2] & 0x79); // a response, the same opcode and RD
    reply[3] = 0x80;                     // RA, NOERROR
    reply[6] = reply[7] = reply[8] = reply[9] = reply[10] = reply[11] = 0;
    size_t at = end;
    int known = !strcmp(name, "www.corp.example") || !strcmp(name, "a.b.c") || !strcmp(name, "nodata.test")
        || !strcmp(name, "big.test");
    if (!known) {
        reply[3] |= ns_r_nxdomain;
        return at;
    }
    if (!strcmp(name, "big.test") && type == ns_t_txt) {
        if (!over_tcp) {
            reply[2] |= 0x02; // TC: ask again over TCP
            return at;
        }
        reply[7] = 3;
        for (int record = 0; record < 3; ++record) {
            at += put16(reply + at, 0xc00c);
            at += put16(reply + at, ns_t_txt);
            at += put16(reply + at, ns_c_in);
            at += put16(reply + at, 0) + put16(reply + at + 2, 60);
            at += put16(reply + at, 201);
            reply[at++] = 200;
            memset(reply + at, 'a' + record, 200);
            at += 200;
        }
        return at;
    }
    if (type != ns_t_a || !strcmp(name, "nodata.test"))
        return at; // NOERROR, no answers: NO_DATA
    reply[7] = 1;
    at += put16(reply + at, 0xc00c);
    at += put16(reply + at, ns_t_a);
    at += put16(reply + at, ns_c_in);
    at += put16(reply + at, 0) + put16(reply + at + 2, 60);
    at += put16(reply + at, 4);
    uint8_t address[4] = { 10, 1, 2, 3 };
    if (!strcmp(name, "a.b.c"))
        address[1] = 0, address[2] = 0, address[3] = 1;
    memcpy(reply + at, address, 4);
    return at + 4;
}

struct Server {
    int udp, tcp;
    int failing; // answers SERVFAIL to everything
    uint16_t port;
};

static void* serve_udp(void* argument)
{
    struct Server* server = argument;
    for (;;) {
        unsigned char query[512], reply[2048];
        struct sockaddr_in from;
        socklen_t from_length = sizeof from;
        ssize_t got = recvfrom(server->udp, query, sizeof query, 0, (struct sockaddr*)&from, &from_length);
        if (got < 12)
            continue;
        char name[256];
        question_name(query, (size_t)got, name);
        size_t length;
        if (server->failing) {
            log_question("servfail", name);
            length = question_name(query, (size_t)got, name);
            memcpy(reply, query, length);
            reply[2] = 0x80 | (query[2] & 0x79);
            reply[3] = 0x80 | ns_r_servfail;
        } else {
            log_question("udp", name);
            length = answer_query(query, (size_t)got, reply, 0);
        }
        sendto(server->udp, reply, length, 0, (struct sockaddr*)&from, from_length);
    }
    return NULL;
}

static int read_all(int fd, unsigned char* data, size_t length)
{
    while (length) {
        ssize_t got = read(fd, data, length);
        if (got <= 0)
            return -1;
        data += got;
        length -= (size_t)got;
    }
    return 0;
}

static void* serve_tcp(void* argument)
{
    struct Server* server = argument;
    for (;;) {
        int connection = accept(server->tcp, NULL, NULL);
        if (connection < 0)
            continue;
        unsigned char prefix[2], query[512], reply[2048 + 2];
        if (read_all(connection, prefix, 2) == 0) {
            size_t length = (size_t)(prefix[0] << 8 | prefix[1]);
            if (length <= sizeof query && read_all(connection, query, length) == 0) {
                char name[256];
                question_name(query, length, name);
                log_question("tcp", name);
                size_t reply_length = answer_query(query, length, reply + 2, 1);
                put16(reply, (unsigned)reply_length);
                CHECK(write(connection, reply, reply_length + 2) == (ssize_t)reply_length + 2);
            }
        }
        close(connection);
    }
    return NULL;
}

static void start_server(struct Server* server, int failing)
{
    struct sockaddr_in address = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t length = sizeof address;
    server->failing = failing;
    server->udp = socket(AF_INET, SOCK_DGRAM, 0);
    CHECK(bind(server->udp, (struct sockaddr*)&address, sizeof address) == 0);
    CHECK(getsockname(server->udp, (struct sockaddr*)&address, &length) == 0);
    server->port = ntohs(address.sin_port);
    server->tcp = socket(AF_INET, SOCK_STREAM, 0);
    int on = 1;
    setsockopt(server->tcp, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    CHECK(bind(server->tcp, (struct sockaddr*)&address, sizeof address) == 0);
    CHECK(listen(server->tcp, 8) == 0);
    pthread_t thread;
    CHECK(pthread_create(&thread, NULL, serve_udp, server) == 0);
    CHECK(pthread_create(&thread, NULL, serve_tcp, server) == 0);
}

static struct sockaddr_in server_address(const struct Server* server)
{
    struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons(server->port) };
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return address;
}

// The first A record's address in `answer`, dotted, or "" when there is none.
static void first_address(const unsigned char* answer, int length, char* out)
{
    char name[256];
    size_t at = question_name(answer, (size_t)length, name);
    out[0] = 0;
    if (answer[7] == 0 || at + 16 > (size_t)length)
        return;
    at += 2 + 2 + 2 + 4 + 2; // the compressed name, type, class, TTL, length
    inet_ntop(AF_INET, answer + at, out, 16);
}

static void expect_log(const char* expected, int line)
{
    char log[1024];
    take_log(log, sizeof log);
    if (strcmp(log, expected) != 0) {
        printf(TEST_NAME ": FAILED: line %d asked [%s], expected [%s]\n", line, log, expected);
        ++failures;
    }
}

static void search_and_query(struct __res_state* state)
{
    unsigned char answer[2048];
    char address[16];
    int got = res_nsearch(state, "www", ns_c_in, ns_t_a, answer, sizeof answer);
    CHECK(got > 12);
    first_address(answer, got, address);
    CHECK(strcmp(address, "10.1.2.3") == 0);
    expect_log("udp www.example.test, udp www.corp.example", __LINE__);

    got = res_nsearch(state, "a.b.c", ns_c_in, ns_t_a, answer, sizeof answer); // ndots:2: as it is first
    first_address(answer, got, address);
    CHECK(got > 12 && strcmp(address, "10.0.0.1") == 0);
    expect_log("udp a.b.c", __LINE__);

    h_errno = 0;
    CHECK(res_nquery(state, "missing.test", ns_c_in, ns_t_a, answer, sizeof answer) == -1);
    CHECK(h_errno == HOST_NOT_FOUND && state->res_h_errno == HOST_NOT_FOUND);
    CHECK(res_nquery(state, "nodata.test", ns_c_in, ns_t_aaaa, answer, sizeof answer) == -1);
    CHECK(h_errno == NO_DATA && state->res_h_errno == NO_DATA);
    expect_log("udp missing.test, udp nodata.test", __LINE__);

    got = res_nquery(state, "big.test", ns_c_in, ns_t_txt, answer, sizeof answer);
    CHECK(got > 512 && answer[7] == 3);
    expect_log("udp big.test, tcp big.test", __LINE__);

    CHECK(res_nsearch(state, "host.", ns_c_in, ns_t_a, answer, sizeof answer) == -1); // only as it is
    CHECK(h_errno == HOST_NOT_FOUND);
    expect_log("udp host", __LINE__);

    unsigned char query[512];
    int length
        = res_nmkquery(state, ns_o_query, "www.corp.example", ns_c_in, ns_t_a, NULL, 0, NULL, query, sizeof query);
    CHECK(length == 12 + 18 + 4 && (query[2] & 0x01)); // RD with RES_RECURSE
    got = res_nsend(state, query, length, answer, sizeof answer);
    CHECK(got > length && answer[0] == query[0] && answer[1] == query[1]);
    expect_log("udp www.corp.example", __LINE__);
    CHECK(res_nmkquery(state, ns_o_query, "bad..name", ns_c_in, ns_t_a, NULL, 0, NULL, query, sizeof query) == -1);
}

// _res is the calling thread's own (glibc keeps it per thread): a new thread's starts
// uninitialised, and what it changes is not the main thread's.
static void* other_thread_state(void* unused)
{
    (void)unused;
    int fresh = !(_res.options & RES_INIT);
    CHECK(res_init() == 0);
    _res.ndots = 9;
    return (void*)(long)fresh;
}

static int run_queries(void)
{
    setenv("LOCALDOMAIN", "example.test corp.example", 1);
    setenv("RES_OPTIONS", "ndots:2 attempts:1 timeout:1", 1);
    struct __res_state state;
    memset(&state, 0, sizeof state);
    CHECK(res_ninit(&state) == 0);
    CHECK(state.ndots == 2 && state.retry == 1 && state.retrans == 1);
    CHECK((state.options & (RES_INIT | RES_RECURSE | RES_DEFNAMES | RES_DNSRCH))
        == (RES_INIT | RES_RECURSE | RES_DEFNAMES | RES_DNSRCH));
    CHECK(state.dnsrch[0] && strcmp(state.dnsrch[0], "example.test") == 0);
    CHECK(state.dnsrch[1] && strcmp(state.dnsrch[1], "corp.example") == 0 && !state.dnsrch[2]);

    static struct Server good, failing;
    start_server(&good, 0);
    start_server(&failing, 1);
    state.nscount = 1;
    state.nsaddr_list[0] = server_address(&good);
    search_and_query(&state);

    // SERVFAIL from the first server: the second is asked.
    unsigned char answer[2048];
    state.nscount = 2;
    state.nsaddr_list[0] = server_address(&failing);
    state.nsaddr_list[1] = server_address(&good);
    CHECK(res_nquery(&state, "www.corp.example", ns_c_in, ns_t_a, answer, sizeof answer) > 12);
    expect_log("servfail www.corp.example, udp www.corp.example", __LINE__);
    res_nclose(&state);

    // The same through _res, which res_init fills.
    CHECK(res_init() == 0);
    CHECK(_res.ndots == 2 && (_res.options & RES_INIT));
    _res.nscount = 1;
    _res.nsaddr_list[0] = server_address(&good);
    int got = res_search("www", ns_c_in, ns_t_a, answer, sizeof answer);
    char address[16];
    first_address(answer, got, address);
    CHECK(got > 12 && strcmp(address, "10.1.2.3") == 0);
    CHECK(res_query("missing.test", ns_c_in, ns_t_a, answer, sizeof answer) == -1 && h_errno == HOST_NOT_FOUND);
    expect_log("udp www.example.test, udp www.corp.example, udp missing.test", __LINE__);
    pthread_t thread;
    void* fresh = NULL;
    CHECK(pthread_create(&thread, NULL, other_thread_state, NULL) == 0 && pthread_join(thread, &fresh) == 0);
    CHECK(fresh == (void*)1L && _res.ndots == 2);

    if (!failures)
        printf(TEST_NAME ": ok\n");
    return failures ? 1 : 0;
}

static int print_config(void)
{
    struct __res_state state;
    memset(&state, 0, sizeof state);
    CHECK(res_ninit(&state) == 0);
    printf("nscount %d\n", state.nscount);
    for (int i = 0; i < state.nscount; ++i) {
        char text[INET6_ADDRSTRLEN] = "?";
        if (state.nsaddr_list[i].sin_family == AF_INET)
            inet_ntop(AF_INET, &state.nsaddr_list[i].sin_addr, text, sizeof text);
        else if (state._u._ext.nsaddrs[i])
            inet_ntop(AF_INET6, &state._u._ext.nsaddrs[i]->sin6_addr, text, sizeof text);
        printf("nameserver %s\n", text);
    }
    for (int i = 0; state.dnsrch[i]; ++i)
        printf("search %s\n", state.dnsrch[i]);
    printf("ndots %u timeout %d attempts %d rotate %d\n", state.ndots, state.retrans, state.retry,
        (state.options & RES_ROTATE) != 0);
    res_nclose(&state);
    return failures ? 1 : 0;
}

int main(int argc, char** argv)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc > 1 && strcmp(argv[1], "--print-config") == 0)
        return print_config();
    return run_queries();
}
