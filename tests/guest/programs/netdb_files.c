// glibc's "files" databases through their reentrant calls and the classic ones: protocols,
// services, networks and the host enumeration, passwd and group enumerations, innetgr,
// ONC RPC program numbers.
// The guest test packs tests/guest/net/etc/* into /etc; natively the same files are bound
// over /etc in a mount namespace (with its nsswitch.conf, "files" for every database),
// and glibc gives what is checked here. `netdb_files builtin`: an image without
// /etc/protocols still knows the common protocols (Osprey's built-in table; Linux without
// netbase knows none, so this part is Osprey's own behaviour).
#define _GNU_SOURCE
#define TEST_NAME "netdb_files"
#include "check.h"

#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <netdb.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char buffer[4096];

static void protocols(void)
{
    struct protoent entry, *result = NULL;
    CHECK(getprotobyname_r("TCP", &entry, buffer, sizeof buffer, &result) == 0); // an alias
    CHECK(result == &entry && entry.p_proto == 6 && strcmp(entry.p_name, "tcp") == 0);
    CHECK(getprotobynumber_r(132, &entry, buffer, sizeof buffer, &result) == 0 && result);
    CHECK(result && strcmp(entry.p_aliases[0], "SCTP") == 0 && strcmp(entry.p_aliases[1], "sctp-alias") == 0
        && !entry.p_aliases[2]);
    CHECK(getprotobyname_r("nosuch", &entry, buffer, sizeof buffer, &result) == 0 && !result);
    CHECK(getprotobyname_r("tcp", &entry, buffer, 8, &result) == ERANGE && !result);

    // The enumeration: ERANGE leaves it on the same line.
    setprotoent(0);
    CHECK(getprotoent_r(&entry, buffer, sizeof buffer, &result) == 0 && entry.p_proto == 0);
    CHECK(getprotoent_r(&entry, buffer, 4, &result) == ERANGE && !result);
    CHECK(getprotoent_r(&entry, buffer, sizeof buffer, &result) == 0 && entry.p_proto == 6);
    struct protoent* classic = getprotoent(); // the same enumeration
    CHECK(classic && classic->p_proto == 17);
    CHECK(getprotoent_r(&entry, buffer, sizeof buffer, &result) == 0 && entry.p_proto == 132);
    CHECK(getprotoent_r(&entry, buffer, sizeof buffer, &result) == ENOENT && !result);
    endprotoent();
    classic = getprotobyname("udp");
    CHECK(classic && classic->p_proto == 17);
}

static void services(void)
{
    struct servent entry, *result = NULL;
    int count = 0;
    setservent(1);
    while (getservent_r(&entry, buffer, sizeof buffer, &result) == 0) {
        if (count++ == 0)
            CHECK(strcmp(entry.s_name, "http") == 0 && ntohs((uint16_t)entry.s_port) == 80
                && strcmp(entry.s_proto, "tcp") == 0 && strcmp(entry.s_aliases[0], "www") == 0);
    }
    CHECK(count == 5); // glibc takes a port without a protocol too ("")
    endservent();
    CHECK(getservbyname_r("www", "tcp", &entry, buffer, sizeof buffer, &result) == 0 && result
        && ntohs((uint16_t)entry.s_port) == 80);
    struct servent* classic = getservent();
    CHECK(classic && strcmp(classic->s_name, "http") == 0);
    endservent();
}

static void networks(void)
{
    struct netent entry, *result = NULL;
    int h_error = 0;
    CHECK(getnetbyname_r("zeroconf", &entry, buffer, sizeof buffer, &result, &h_error) == 0 && result);
    CHECK(
        result && entry.n_net == 0xa9fe0000 && entry.n_addrtype == AF_INET && strcmp(entry.n_name, "link-local") == 0);
    CHECK(getnetbyaddr_r(0x7f000000, AF_INET, &entry, buffer, sizeof buffer, &result, &h_error) == 0 && result);
    CHECK(result && strcmp(entry.n_name, "loopback") == 0);
    CHECK(getnetbyname_r("nosuch", &entry, buffer, sizeof buffer, &result, &h_error) == 0 && !result);
    CHECK(h_error == HOST_NOT_FOUND);
    int count = 0;
    setnetent(0);
    while (getnetent_r(&entry, buffer, sizeof buffer, &result, &h_error) == 0)
        ++count;
    CHECK(count == 2 && h_error == HOST_NOT_FOUND); // still the lookup's: the end leaves it alone
    CHECK(getnetbyname_r("loopback", &entry, buffer, 4, &result, &h_error) == ERANGE && h_error == NETDB_INTERNAL);
    endnetent();
    CHECK(getnetbyname("loopback") && getnetbyname("loopback")->n_net == 0x7f000000); // "127" is 127.0.0.0
}

static void hosts(void)
{
    struct hostent entry, *result = NULL;
    int h_error = 0, count = 0;
    sethostent(0);
    while (gethostent_r(&entry, buffer, sizeof buffer, &result, &h_error) == 0) {
        CHECK(entry.h_addrtype == AF_INET && entry.h_length == 4); // IPv4 only: ::1 is 127.0.0.1
        char text[16];
        inet_ntop(AF_INET, entry.h_addr_list[0], text, sizeof text);
        if (++count == 2)
            CHECK(strcmp(text, "127.0.0.1") == 0 && strcmp(entry.h_aliases[1], "ip6-loopback") == 0);
        if (count == 3) {
            CHECK(strcmp(text, "10.0.0.5") == 0 && strcmp(entry.h_name, "server.example") == 0);
            CHECK(strcmp(entry.h_aliases[0], "server") == 0 && !entry.h_aliases[1] && !entry.h_addr_list[1]);
        }
    }
    CHECK(count == 3 && h_error == 0); // the end leaves h_errno alone
    endhostent();
}

static void users_and_groups(void)
{
    struct passwd user, *user_result = NULL;
    setpwent();
    CHECK(getpwent_r(&user, buffer, 4, &user_result) == ERANGE && !user_result);
    CHECK(getpwent_r(&user, buffer, sizeof buffer, &user_result) == 0 && strcmp(user.pw_name, "root") == 0);
    CHECK(getpwent_r(&user, buffer, sizeof buffer, &user_result) == 0); // the broken line is skipped
    CHECK(strcmp(user.pw_name, "alice") == 0 && user.pw_uid == 1000 && strcmp(user.pw_gecos, "Alice A,,,") == 0);
    CHECK(strcmp(user.pw_dir, "/home/alice") == 0 && strcmp(user.pw_shell, "/bin/bash") == 0);
    CHECK(getpwent_r(&user, buffer, sizeof buffer, &user_result) == ENOENT && !user_result);
    setpwent();
    struct passwd* classic = getpwent();
    CHECK(classic && strcmp(classic->pw_name, "root") == 0);
    endpwent();

    struct group group, *group_result = NULL;
    setgrent();
    CHECK(getgrent_r(&group, buffer, sizeof buffer, &group_result) == 0 && group.gr_gid == 0 && !group.gr_mem[0]);
    CHECK(getgrent_r(&group, buffer, 16, &group_result) == ERANGE);
    CHECK(getgrent_r(&group, buffer, sizeof buffer, &group_result) == 0 && strcmp(group.gr_name, "staff") == 0);
    CHECK(strcmp(group.gr_mem[0], "alice") == 0 && strcmp(group.gr_mem[1], "bob") == 0 && !group.gr_mem[2]);
    CHECK(getgrent_r(&group, buffer, sizeof buffer, &group_result) == 0 && strcmp(group.gr_name, "big") == 0);
    int members = 0;
    while (group.gr_mem[members])
        ++members;
    CHECK(members == 100 && strcmp(group.gr_mem[99], "user99") == 0); // no limit on members
    CHECK(getgrent_r(&group, buffer, sizeof buffer, &group_result) == ENOENT);
    endgrent();

    FILE* file = fopen("/etc/group", "r");
    CHECK(file != NULL);
    if (file) {
        CHECK(fgetgrent_r(file, &group, buffer, sizeof buffer, &group_result) == 0 && group.gr_gid == 0);
        CHECK(fgetgrent_r(file, &group, buffer, sizeof buffer, &group_result) == 0 && group.gr_gid == 50);
        fclose(file);
    }

    // A ':' in a line's last field stays in it, as glibc reads passwd's shell and group's
    // members.
    file = fopen("/tmp/netdb_colons", "w+");
    CHECK(file && fputs("a:x:1:2:g:/d:/bin/sh:extra\ng:x:5:a,b:c\n", file) >= 0);
    if (file) {
        rewind(file);
        CHECK(fgetpwent_r(file, &user, buffer, sizeof buffer, &user_result) == 0
            && strcmp(user.pw_shell, "/bin/sh:extra") == 0);
        CHECK(fgetgrent_r(file, &group, buffer, sizeof buffer, &group_result) == 0 && group.gr_gid == 5
            && strcmp(group.gr_mem[1], "b:c") == 0 && !group.gr_mem[2]);
        fclose(file);
    }
    unlink("/tmp/netdb_colons");
}

static void netgroups(void)
{
    CHECK(innetgr("trusted", "host1", "alice", "example") == 1);
    CHECK(innetgr("trusted", NULL, "bob", NULL) == 1);      // empty fields match anything
    CHECK(innetgr("trusted", "HOST2", "carol", NULL) == 1); // through admins; hosts ignore case
    CHECK(innetgr("trusted", "host1", "ALICE", NULL) == 0); // users do not
    CHECK(innetgr("admins", "host1", NULL, NULL) == 0);
    CHECK(innetgr("loop", "anything", NULL, NULL) == 0); // a loop ends
    CHECK(innetgr("cyca", "hostc", NULL, NULL) == 1);    // groups naming each other,
    CHECK(innetgr("cyca", "nohost", NULL, NULL) == 0);   // each walked once
    CHECK(innetgr("nosuch", NULL, NULL, NULL) == 0);
}

static void rpc_programs(void)
{
    struct rpcent entry, *result = NULL;
    CHECK(getrpcbyname_r("rpcbind", &entry, buffer, sizeof buffer, &result) == 0 && result); // an alias
    CHECK(result && entry.r_number == 100000 && strcmp(entry.r_name, "portmapper") == 0
        && strcmp(entry.r_aliases[2], "rpcbind") == 0 && !entry.r_aliases[3]);
    CHECK(getrpcbynumber_r(100005, &entry, buffer, sizeof buffer, &result) == 0 && result
        && strcmp(entry.r_name, "mountd") == 0 && strcmp(entry.r_aliases[1], "showmount") == 0 && !entry.r_aliases[2]);
    CHECK(getrpcbynumber_r(42, &entry, buffer, sizeof buffer, &result) == 0 && !result);
    CHECK(getrpcbyname_r("broken", &entry, buffer, sizeof buffer, &result) == 0 && !result); // no number: skipped
    CHECK(getrpcbynumber_r(0, &entry, buffer, sizeof buffer, &result) == 0 && !result);
    CHECK(getrpcbyname_r("nfs", &entry, buffer, 8, &result) == ERANGE && !result);
    struct rpcent* classic = getrpcbynumber(100003);
    CHECK(classic && strcmp(classic->r_name, "nfs") == 0);
    CHECK(getrpcbyname("nosuch") == NULL);
    setrpcent(0);
    int count = 0;
    while (getrpcent())
        ++count;
    endrpcent();
    CHECK(count == 3);
}

static void builtin_protocols(void)
{
    struct protoent entry, *result = NULL;
    CHECK(getprotobyname_r("udp", &entry, buffer, sizeof buffer, &result) == 0 && result && entry.p_proto == 17);
    CHECK(getprotobynumber_r(58, &entry, buffer, sizeof buffer, &result) == 0 && result
        && strcmp(entry.p_name, "ipv6-icmp") == 0);
    int count = 0;
    while (getprotoent_r(&entry, buffer, sizeof buffer, &result) == 0)
        ++count;
    CHECK(count >= 20);
}

int main(int argc, char** argv)
{
    if (argc > 1 && strcmp(argv[1], "builtin") == 0) {
        builtin_protocols();
    } else {
        protocols();
        services();
        networks();
        hosts();
        users_and_groups();
        netgroups();
        rpc_programs();
    }
    if (!failures)
        printf(TEST_NAME ": ok\n");
    return failures ? 1 : 0;
}
