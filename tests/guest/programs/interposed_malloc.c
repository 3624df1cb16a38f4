// The program brings its own malloc (libtagged_allocator.so, as redis and named bring
// jemalloc): memory the libc hands over for the caller to free must come from it, so that
// its free() can take it back. Prints "interposed_malloc: ok".
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TEST_NAME "interposed_malloc"
#include "check.h"

extern int tagged_foreign_frees, tagged_live_blocks;

int main(void)
{
    int before = tagged_live_blocks;
    char* copy = strdup("osprey");
    char* part = strndup("osprey", 3);
    char* printed = NULL;
    CHECK(asprintf(&printed, "%s-%d", copy, 42) == 9 && strcmp(printed, "osprey-42") == 0);
    CHECK(strcmp(part, "osp") == 0);
    char* resolved = realpath("/tmp/../tmp", NULL);
    CHECK(resolved && strcmp(resolved, "/tmp") == 0);
    char* cwd = getcwd(NULL, 0);
    CHECK(cwd && strcmp(cwd, "/") == 0);
    CHECK(tagged_live_blocks - before >= 5); // each of them is the program's allocator's

    FILE* f = fopen("/tmp/lines", "w+");
    CHECK(f != NULL);
    fputs("first line\na much longer second line that needs the buffer to grow\n", f);
    rewind(f);
    char* line = NULL;
    size_t capacity = 0;
    CHECK(getline(&line, &capacity, f) == 11 && strcmp(line, "first line\n") == 0);
    CHECK(getline(&line, &capacity, f) > 11 && capacity > 11 && strncmp(line, "a much", 6) == 0);
    CHECK(getline(&line, &capacity, f) == -1);
    fclose(f);

    free(copy), free(part), free(printed), free(resolved), free(cwd), free(line);
    CHECK(tagged_foreign_frees == 0);
    if (failures)
        return 1;
    printf("interposed_malloc: ok\n");
    return 0;
}
