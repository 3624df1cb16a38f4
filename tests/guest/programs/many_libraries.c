// 70 shared libraries in a DT_NEEDED chain (many_library.c): more objects than the loader's
// old fixed table held. Prints "many_libraries: 70 objects, sum 2415".
#define _GNU_SOURCE
#include <link.h>
#include <stdio.h>

int many_0(void);

static int count_object(struct dl_phdr_info* info, size_t size, void* data)
{
    (void)info, (void)size;
    ++*(int*)data;
    return 0;
}

int main(void)
{
    int objects = 0;
    dl_iterate_phdr(count_object, &objects);
    int sum = many_0();
    if (sum != 70 * 69 / 2 || objects != 71)
        return printf("many_libraries: FAILED: sum %d, %d objects\n", sum, objects), 1;
    printf("many_libraries: %d objects, sum %d\n", objects - 1, sum);
    return 0;
}
