// Obstacks with glibc's layout (issue 13; 12 of the 50 measured programs import them):
// the <obstack.h> macros compiled here call the kernel's _obstack_begin, _obstack_newchunk,
// obstack_free and obstack_printf. Objects grown across chunks keep their bytes, freeing
// an object frees what came after it, chunks come from the program's own functions.
// Prints "obstack: ok".
#define _GNU_SOURCE
#include <obstack.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define TEST_NAME "obstack"
#include "check.h"

static int chunks_allocated, chunks_freed;
static void* chunk_alloc(size_t size)
{
    ++chunks_allocated;
    return malloc(size);
}
static void chunk_free(void* chunk)
{
    ++chunks_freed;
    free(chunk);
}
#define obstack_chunk_alloc chunk_alloc
#define obstack_chunk_free chunk_free

int main(void)
{
    struct obstack stack;
    CHECK(obstack_init(&stack) == 1 && chunks_allocated == 1);
    char* first = obstack_copy0(&stack, "first", 5);
    CHECK(strcmp(first, "first") == 0 && ((uintptr_t)first & (__alignof__(long double) - 1)) == 0);

    for (int i = 0; i < 3000; ++i) // a 30,000-byte object: it moves to bigger chunks as it grows
        obstack_grow(&stack, "0123456789", 10);
    obstack_1grow(&stack, 0);
    char* big = obstack_finish(&stack);
    CHECK(strlen(big) == 30000 && memcmp(big + 29990, "0123456789", 10) == 0 && chunks_allocated >= 2);
    CHECK(strcmp(first, "first") == 0); // still in the first chunk
    CHECK(obstack_memory_used(&stack) >= 30000);

    int written = obstack_printf(&stack, "%s-%d", "x", 42);
    obstack_1grow(&stack, 0);
    char* formatted = obstack_finish(&stack);
    CHECK(written == 4 && strcmp(formatted, "x-42") == 0);

    obstack_free(&stack, big); // big and everything after it: the next object starts there
    char* again = obstack_copy0(&stack, "again", 5);
    CHECK(again == big && strcmp(again, "again") == 0 && strcmp(first, "first") == 0);
    int freed_before = chunks_freed;
    obstack_free(&stack, first); // below the current chunk: the chunks above it go
    CHECK(chunks_freed > freed_before);
    obstack_free(&stack, NULL); // all of it
    CHECK(chunks_freed == chunks_allocated);
    if (failures)
        return 1;
    printf("obstack: ok\n");
    return 0;
}
