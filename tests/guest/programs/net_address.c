// Prints what the VM's network gave the program: each IPv4 interface address with its
// prefix (getifaddrs), the source address a datagram to an outside address would leave
// from (so a default route exists), and the name servers /etc/resolv.conf names. For the
// DHCP and tap tests (tests/guest/CMakeLists.txt, tests/guest/net_host_test).
//
// net_address --wait SECONDS: then waits (up to SECONDS) for /etc/resolv.conf to name
// another name server, as it must when a DHCP renewal brings one, and prints it.
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>

static int prefix_of(const struct sockaddr_in* mask) { return __builtin_popcount(mask->sin_addr.s_addr); }

// The "nameserver" lines of /etc/resolv.conf, in `out` (empty without the file).
static void name_servers(char* out, size_t size)
{
    out[0] = 0;
    FILE* resolv = fopen("/etc/resolv.conf", "r");
    char line[128];
    while (resolv && fgets(line, sizeof line, resolv))
        if (strncmp(line, "nameserver", 10) == 0 && strlen(out) + strlen(line) < size)
            strcat(out, line);
    if (resolv)
        fclose(resolv);
}

int main(int argc, char** argv)
{
    struct ifaddrs* list;
    if (getifaddrs(&list) != 0) {
        perror("net_address: getifaddrs");
        return 1;
    }
    for (struct ifaddrs* entry = list; entry; entry = entry->ifa_next) {
        if (!entry->ifa_addr || entry->ifa_addr->sa_family != AF_INET)
            continue;
        char text[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &((struct sockaddr_in*)entry->ifa_addr)->sin_addr, text, sizeof text);
        printf("address %s %s/%d\n", entry->ifa_name, text, prefix_of((struct sockaddr_in*)entry->ifa_netmask));
    }
    freeifaddrs(list);

    int probe = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in outside = { .sin_family = AF_INET, .sin_port = htons(53) };
    inet_pton(AF_INET, "192.0.2.53", &outside.sin_addr); // TEST-NET-1: never answered, never sent to
    struct sockaddr_in source;
    socklen_t length = sizeof source;
    if (connect(probe, (struct sockaddr*)&outside, sizeof outside) == 0
        && getsockname(probe, (struct sockaddr*)&source, &length) == 0) {
        char text[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &source.sin_addr, text, sizeof text);
        printf("route to the outside from %s\n", text);
    } else {
        perror("net_address: no route to the outside");
    }
    close(probe);

    char servers[256];
    name_servers(servers, sizeof servers);
    fputs(servers, stdout);
    if (argc != 3 || strcmp(argv[1], "--wait") != 0)
        return 0;
    fflush(stdout);
    struct timespec tick = { .tv_nsec = 100 * 1000 * 1000 };
    for (long ticks = atol(argv[2]) * 10; ticks > 0; --ticks) {
        char now[256];
        name_servers(now, sizeof now);
        if (strcmp(now, servers) != 0) {
            printf("name servers now:\n%s", now);
            return 0;
        }
        nanosleep(&tick, NULL);
    }
    printf("net_address: /etc/resolv.conf still names the same servers after %s s\n", argv[2]);
    return 1;
}
