// CHECK(condition) for the guest test programs: counts a failure in `failures` and prints
// "TEST_NAME: FAILED: condition (line N)". Define TEST_NAME before including it.
#pragma once

#include <stdio.h>

static int failures;

#define CHECK(condition)                                                                       \
    do {                                                                                       \
        if (!(condition))                                                                      \
            ++failures, printf(TEST_NAME ": FAILED: %s (line %d)\n", #condition, __LINE__);    \
    } while (0)
