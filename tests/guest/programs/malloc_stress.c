// Allocates, fills, reallocates and frees many blocks of many sizes, checking contents.
// Prints "malloc_stress: ok" on success.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 2048

static uint32_t rng_state = 12345;
static uint32_t next_random(void)
{
    rng_state = rng_state * 1103515245u + 12345u;
    return rng_state >> 8;
}

static size_t pick_size(void)
{
    uint32_t r = next_random();
    if (r % 100 < 80)
        return 1 + r % 256;
    if (r % 100 < 98)
        return 256 + r % 16384;
    return 65536 + r % (1 << 20); // some large blocks (mmap territory)
}

int main(void)
{
    static unsigned char* blocks[SLOTS];
    static size_t sizes[SLOTS];
    for (int round = 0; round < 40000; ++round) {
        int i = next_random() % SLOTS;
        if (blocks[i]) {
            for (size_t k = 0; k < sizes[i]; k += 97)
                if (blocks[i][k] != (unsigned char)(i + k)) {
                    printf("malloc_stress: FAILED: block %d corrupted at %zu\n", i, k);
                    return 1;
                }
            if (next_random() % 4 == 0) {
                size_t n = pick_size();
                unsigned char* p = realloc(blocks[i], n);
                if (!p)
                    return 2;
                for (size_t k = 0; k < n; ++k)
                    p[k] = (unsigned char)(i + k);
                blocks[i] = p;
                sizes[i] = n;
                continue;
            }
            free(blocks[i]);
            blocks[i] = NULL;
        } else {
            sizes[i] = pick_size();
            blocks[i] = malloc(sizes[i]);
            if (!blocks[i]) {
                printf("malloc_stress: FAILED: malloc(%zu) returned NULL\n", sizes[i]);
                return 1;
            }
            for (size_t k = 0; k < sizes[i]; ++k)
                blocks[i][k] = (unsigned char)(i + k);
        }
    }
    void* aligned = aligned_alloc(4096, 8192);
    if (!aligned || (uintptr_t)aligned % 4096)
        return 3;
    free(aligned);
    unsigned char* zeroed = calloc(1000, 1000);
    for (size_t k = 0; k < 1000 * 1000; k += 4093)
        if (zeroed[k])
            return 4;
    free(zeroed);
    for (int i = 0; i < SLOTS; ++i)
        free(blocks[i]);
    printf("malloc_stress: ok\n");
    return 0;
}
