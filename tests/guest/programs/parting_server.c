// A TCP server that answers one client with more than the network can hold in flight and
// exits at once, without closing the connection (tests/guest/net_host_test parting): the
// end of the program must still deliver every byte, as Linux's kernel does after a process
// has gone. Listens on the port in argv[1]; sends argv[2] bytes of 'a'..'z' over and over
// once the client's first bytes come.
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char** argv)
{
    int port = argc > 1 ? atoi(argv[1]) : 8000;
    size_t size = argc > 2 ? strtoul(argv[2], NULL, 10) : 1 << 20;
    int listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons(port) };
    if (bind(listener, (struct sockaddr*)&address, sizeof(address)) != 0 || listen(listener, 4) != 0) {
        perror("parting_server: bind/listen");
        return 1;
    }
    printf("parting_server: listening on %d\n", port);
    fflush(stdout);
    int fd = accept(listener, NULL, NULL);
    char request[64];
    if (fd < 0 || recv(fd, request, sizeof(request), 0) <= 0) {
        perror("parting_server: accept/recv");
        return 1;
    }
    char* reply = malloc(size);
    for (size_t i = 0; i < size; ++i)
        reply[i] = (char)('a' + i % 26);
    for (size_t sent = 0; sent < size;) {
        ssize_t n = send(fd, reply + sent, size - sent, 0);
        if (n <= 0) {
            perror("parting_server: send");
            return 1;
        }
        sent += (size_t)n;
    }
    printf("parting_server: sent %zu bytes, exiting\n", size);
    return 0; // the connection stays open: the end of the program closes it
}
