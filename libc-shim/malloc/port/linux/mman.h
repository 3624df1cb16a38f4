/* mimalloc's os.c includes <linux/mman.h> on glibc for Linux-only mmap flags; musl's
 * <sys/mman.h> already defines the ones it uses (MAP_NORESERVE, MAP_HUGETLB, MAP_HUGE_*,
 * MADV_*). See the __GLIBC__ note in libc-shim/malloc/mimalloc.cmake. */
#pragma once
#include <sys/mman.h>
