// CHECK(condition) for the guest test programs: counts a failure in `failures` and prints
// "TEST_NAME: FAILED: condition (line N, errno E)". Define TEST_NAME before including it.
#pragma once

#include <errno.h>
#include <stdio.h>

static int failures;

// The message comes first: a call, which the compiler cannot move before a store the
// program expects to fault (sysv_shm.c), where a bare `++failures` could be moved.
#define CHECK(condition)                                                                                               \
    do {                                                                                                               \
        if (!(condition)) {                                                                                            \
            printf(TEST_NAME ": FAILED: %s (line %d, errno %d)\n", #condition, __LINE__, errno);                       \
            ++failures;                                                                                                \
        }                                                                                                              \
    } while (0)
