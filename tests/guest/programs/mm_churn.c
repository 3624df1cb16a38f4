// Maps, touches and unmaps 10 GiB in total, far more than the VM's memory (the test runs
// it in a 64 MiB VM): every page of every round is written, so each round really takes
// frames (32 MiB of them), and munmap must give them all back. Also checks that each page
// is zero-filled when first touched.
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(void)
{
    const size_t chunk = 32ul << 20, total = 10ul << 30;
    long page = sysconf(_SC_PAGESIZE);
    size_t rounds = total / chunk;
    for (size_t round = 0; round < rounds; round++) {
        unsigned char* p = mmap(NULL, chunk, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) {
            printf("mm_churn: mmap failed in round %zu\n", round);
            return 1;
        }
        for (size_t offset = 0; offset < chunk; offset += (size_t)page) {
            if (p[offset] != 0) {
                printf("mm_churn: page not zero-filled in round %zu\n", round);
                return 1;
            }
            p[offset] = (unsigned char)round;
        }
        if (munmap(p, chunk) != 0) {
            printf("mm_churn: munmap failed in round %zu\n", round);
            return 1;
        }
    }
    printf("mm_churn: mapped, touched and unmapped %zu GiB in %zu rounds\n", total >> 30, rounds);
    return 0;
}
