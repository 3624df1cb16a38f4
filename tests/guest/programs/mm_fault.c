// A program that touches memory it may not, as argv[1] says; it must die like a Linux
// process killed by SIGSEGV (status 139) or SIGBUS (135), with the kernel's report naming
// the fault address, the access and the faulting function.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

__attribute__((noinline)) void write_to_read_only(volatile char* p) { p[0] = 1; }

int main(int argc, char** argv)
{
    long page = sysconf(_SC_PAGESIZE);
    const char* kind = argc > 1 ? argv[1] : "";
    printf("mm_fault: %s\n", kind);
    fflush(stdout);
    if (strcmp(kind, "read-only") == 0) {
        char* p = mmap(NULL, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        printf("mapped at %p\n", p);
        fflush(stdout);
        write_to_read_only(p);
    } else if (strcmp(kind, "null") == 0) {
        volatile int* p = NULL;
        return *p;
    } else if (strcmp(kind, "prot-none") == 0) {
        volatile char* p = mmap(NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        return p[10];
    } else if (strcmp(kind, "past-end-of-file") == 0) {
        int fd = open(argv[0], O_RDONLY);
        off_t size = lseek(fd, 0, SEEK_END);
        size_t pages = (size + page - 1) / page;
        volatile char* p = mmap(NULL, (pages + 2) * page, PROT_READ, MAP_PRIVATE, fd, 0);
        return p[(pages + 1) * page];
    }
    printf("mm_fault: still alive\n");
    return 0;
}
