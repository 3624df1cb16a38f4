// Thread-local storage in shared libraries (issue 13): two libraries with TLS in every model
// (tls_library.c, built as libtlsgd.so and, with TLS descriptors, libtlsdesc.so), found
// through the executable's DT_RUNPATH ($ORIGIN), next to the executable's own TLS. Checks
// initial values, zeroed .tbss, alignment, that every access path to one variable agrees
// (the program's extern access, the library's own, dl_iterate_phdr's dlpi_tls_data), and
// that the blocks lie below the thread pointer without overlapping. Prints "tls_libraries: ok".
#define _GNU_SOURCE
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define TEST_NAME "tls_libraries"
#include "check.h"

#define DECLARE(p)                                                                                                     \
    extern __thread int p##exported;                                                                                   \
    extern __thread char p##tag[16];                                                                                   \
    long p##bump_local(void);                                                                                          \
    int p##bump_exported(void);                                                                                        \
    int p##read_ie(void);                                                                                              \
    const char* p##read_tag(void);                                                                                     \
    int p##zero_ok(void);                                                                                              \
    int p##aligned_ok(void);                                                                                           \
    void* p##address_of_exported(void);
DECLARE(gd_)
DECLARE(desc_)

__thread int executable_value = 17;

struct Seen {
    int objects, with_tls;
    uintptr_t gd_block, desc_block;
};

static int each_object(struct dl_phdr_info* info, size_t size, void* data)
{
    struct Seen* seen = data;
    CHECK(size >= sizeof(*info));
    ++seen->objects;
    if (info->dlpi_tls_modid) {
        ++seen->with_tls;
        CHECK(info->dlpi_tls_data != NULL);
    }
    if (strstr(info->dlpi_name, "libtlsgd.so"))
        seen->gd_block = (uintptr_t)info->dlpi_tls_data;
    if (strstr(info->dlpi_name, "libtlsdesc.so"))
        seen->desc_block = (uintptr_t)info->dlpi_tls_data;
    return 0;
}

int main(void)
{
    uintptr_t tp;
    __asm__("mov %%fs:0, %0" : "=r"(tp));
    CHECK(executable_value == 17);
    CHECK(gd_exported == 1000 && desc_exported == 1000);
    CHECK(strcmp(gd_tag, "gd") == 0 && strcmp(desc_tag, "desc") == 0);
    CHECK(strcmp(gd_read_tag(), "gd") == 0 && strcmp(desc_read_tag(), "desc") == 0);
    CHECK(gd_bump_local() == 8 && gd_bump_local() == 9 && desc_bump_local() == 8); // separate blocks
    CHECK(gd_bump_exported() == 1001 && gd_exported == 1001 && desc_exported == 1000);
    desc_exported = 5;
    CHECK(desc_bump_exported() == 6);
    CHECK(gd_read_ie() == 55 && desc_read_ie() == 55);
    CHECK(gd_zero_ok() && desc_zero_ok());
    CHECK(gd_aligned_ok() && desc_aligned_ok());
    CHECK(gd_address_of_exported() == (void*)&gd_exported);
    CHECK(desc_address_of_exported() == (void*)&desc_exported);
    uintptr_t blocks[] = { (uintptr_t)&executable_value, (uintptr_t)&gd_exported, (uintptr_t)&desc_exported };
    for (int i = 0; i < 3; ++i)
        CHECK(blocks[i] < tp && tp - blocks[i] < (1 << 20)); // static TLS, below the thread pointer
    CHECK(blocks[0] != blocks[1] && blocks[1] != blocks[2]);

    struct Seen seen = { 0 };
    dl_iterate_phdr(each_object, &seen);
    CHECK(seen.objects == 3 && seen.with_tls == 3); // the executable and both libraries
    CHECK(seen.gd_block && seen.gd_block <= (uintptr_t)&gd_exported && (uintptr_t)&gd_exported - seen.gd_block < 4096);
    CHECK(seen.desc_block && seen.desc_block <= (uintptr_t)&desc_exported);
    if (failures)
        return 1;
    printf("tls_libraries: ok\n");
    return 0;
}
