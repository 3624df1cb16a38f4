// A TCP server for the published-port test (tests/guest/net_host_test): listens on the
// port in argv[1] on every address, serves argv[2] connections one after the other, each
// by echoing one request back as "echo: REQUEST", then prints "served N" and exits 0.
// With argv[3] "ready", it says it is ready once it listens, by a write to Osprey's
// /dev/osprey-ready: the snapshot point of `--snapshot-at ready` (tests/kvm/net_publish.sh).
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char** argv)
{
    int port = argc > 1 ? atoi(argv[1]) : 8000;
    int connections = argc > 2 ? atoi(argv[2]) : 1;
    int listener = socket(AF_INET6, SOCK_STREAM, 0); // dual-stack: IPv4 clients arrive mapped
    int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in6 address = { .sin6_family = AF_INET6, .sin6_port = htons(port), .sin6_addr = IN6ADDR_ANY_INIT };
    if (bind(listener, (struct sockaddr*)&address, sizeof(address)) != 0 || listen(listener, 16) != 0) {
        perror("echo_server: bind/listen");
        return 1;
    }
    printf("echo_server: listening on %d\n", port);
    fflush(stdout);
    if (argc > 3 && strcmp(argv[3], "ready") == 0) {
        FILE* ready = fopen("/dev/osprey-ready", "w");
        if (!ready || fputs("ready\n", ready) < 0 || fclose(ready) != 0) {
            perror("echo_server: /dev/osprey-ready");
            return 1;
        }
    }
    for (int served = 0; served < connections; ++served) {
        struct sockaddr_in6 peer;
        socklen_t length = sizeof(peer);
        int fd = accept(listener, (struct sockaddr*)&peer, &length);
        if (fd < 0) {
            perror("echo_server: accept");
            return 1;
        }
        char request[512];
        ssize_t n = recv(fd, request, sizeof(request) - 1, 0);
        if (n < 0) {
            perror("echo_server: recv");
            return 1;
        }
        request[n] = '\0';
        char reply[600];
        int size = snprintf(reply, sizeof(reply), "echo: %s", request);
        if (send(fd, reply, (size_t)size, 0) != size) {
            perror("echo_server: send");
            return 1;
        }
        close(fd);
    }
    printf("served %d\n", connections);
    return 0;
}
