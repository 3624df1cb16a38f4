// glibc-only functions musl lacks, with glibc's results (issue 13): the reentrant random
// family (glibc's sequence), argz vectors, signaling-NaN tests, floating-point trap control,
// gamma, glob_pattern_p, group_member, strtoll_l, memory protection keys (none on this
// CPU, as Linux reports it), fortified sprintf into a buffer of unknown size, backtrace
// and its symbols. Prints "glibc_more: ok".
#define _GNU_SOURCE
#include <argz.h>
#include <dlfcn.h>
#include <execinfo.h>
#include <errno.h>
#include <fenv.h>
#include <glob.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <stdio.h>
#include <unistd.h>

#define TEST_NAME "glibc_more"
#include "check.h"

int __issignaling(double);
int __issignalingf128(_Float128);

static void random_family(void)
{
    static char state[128];
    struct random_data data = { 0 };
    int32_t value;
    CHECK(initstate_r(1, state, sizeof(state), &data) == 0);
    CHECK(random_r(&data, &value) == 0 && value == 1804289383); // glibc's first random() for seed 1
    CHECK(random_r(&data, &value) == 0 && value == 846930886);
    CHECK(random_r(&data, &value) == 0 && value == 1681692777);
    CHECK(srandom_r(1, &data) == 0 && random_r(&data, &value) == 0 && value == 1804289383);
    static char small[8];
    struct random_data lcg = { 0 };
    CHECK(initstate_r(42, small, sizeof(small), &lcg) == 0 && random_r(&lcg, &value) == 0
        && value == (int32_t)((42u * 1103515245u + 12345u) & 0x7fffffff));
    CHECK(initstate_r(1, small, 4, &lcg) == -1 && errno == EINVAL);
}

static void argz_vectors(void)
{
    char* argz = NULL;
    size_t length = 0;
    CHECK(argz_create_sep("a:bb::c", ':', &argz, &length) == 0 && length == 7 && argz_count(argz, length) == 3);
    CHECK(argz_insert(&argz, &length, argz + 2, "x") == 0); // before "bb"
    CHECK(argz_append(&argz, &length, "d", 2) == 0);
    argz_stringify(argz, length, ',');
    CHECK(strcmp(argz, "a,x,bb,c,d") == 0);
    free(argz);
}

static void math_and_fenv(void)
{
    CHECK(__issignaling(__builtin_nans("")) && !__issignaling(NAN) && !__issignaling(1.0));
    CHECK(__issignalingf128(__builtin_nansf128("")) && !__issignalingf128(__builtin_nanf128(""))
        && !__issignalingf128(1.0f128) && !__issignalingf128(__builtin_inff128()));
    // Long double Bessel functions: at least double's precision (Osprey computes them in double).
    CHECK(fabsl(jnl(2, 1.5L) - 0.23208767214421472724L) < 1e-15L && fabsl(jnl(0, 0.0L) - 1.0L) < 1e-18L);
    CHECK(fabsl(ynl(1, 2.0L) - (-0.1070324315409375L)) < 1e-15L && fabsl(jnl(-3, 2.0L) + jn(3, 2.0)) < 1e-15L);
    CHECK(fabs(gamma(5.0) - log(24.0)) < 1e-12);
    CHECK(fegetexcept() == 0);
    CHECK(feenableexcept(FE_DIVBYZERO) == 0 && fegetexcept() == FE_DIVBYZERO);
    CHECK(fedisableexcept(FE_DIVBYZERO) == FE_DIVBYZERO && fegetexcept() == 0);
    volatile double zero = 0.0;
    CHECK(isinf(1.0 / zero)); // masked again: no trap
}

static void small_functions(void)
{
    CHECK(glob_pattern_p("a*b", 1) && glob_pattern_p("[ab]", 0) && !glob_pattern_p("plain", 1)
        && !glob_pattern_p("\\*", 1) && glob_pattern_p("\\*", 0));
    gid_t groups[64];
    int count = getgroups(64, groups);
    int listed = 0;
    for (int i = 0; i < count; ++i) {
        CHECK(group_member(groups[i]));
        listed |= groups[i] == 54321;
    }
    CHECK(group_member(54321) == listed); // a group is a member exactly when getgroups lists it
    locale_t c = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    char* end;
    CHECK(strtoll_l("-42x", &end, 10, c) == -42 && *end == 'x' && strtoull_l("ff", NULL, 16, c) == 255);
    freelocale(c);
    CHECK(pkey_alloc(0, 0) == -1 && errno == ENOSPC);
    void* page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(pkey_mprotect(page, 4096, PROT_READ, -1) == 0 && pkey_mprotect(page, 4096, PROT_READ, 1) == -1
        && errno == EINVAL);
}

/// The compiler cannot see through this: sprintf into it becomes __sprintf_chk with an
/// object size of SIZE_MAX (what `ls -l` does for its long-format line).
static char* __attribute__((noinline)) unknown_size(char* buffer)
{
    __asm__("" : "+r"(buffer));
    return buffer;
}

static void fortified_printf(void)
{
    char storage[64];
    CHECK(sprintf(unknown_size(storage), "%s %*s|", "mode", 3, "1") == 9 && strcmp(storage, "mode   1|") == 0);
    volatile size_t huge = (size_t)-1 / 2; // not known to the compiler: no truncation warning
    CHECK(snprintf(unknown_size(storage), huge, "%d", 42) == 2 && strcmp(storage, "42") == 0);
}

static void __attribute__((noinline)) backtraces(void)
{
    void* frames[16];
    int n = backtrace(frames, 16);
    CHECK(n >= 1);
    Dl_info info;
    CHECK(n >= 1 && dladdr(frames[0], &info) && info.dli_fname && strstr(info.dli_fname, "glibc_more"));
    char** lines = backtrace_symbols(frames, n);
    CHECK(lines && strstr(lines[0], "glibc_more(") && strstr(lines[0], ") [0x"));
    if (lines && !strstr(lines[0], "glibc_more("))
        printf("glibc_more: backtrace_symbols said %s\n", lines[0]);
    free(lines);
    CHECK(backtrace(frames, 0) == 0);
}

int main(void)
{
    fortified_printf();
    backtraces();
    random_family();
    argz_vectors();
    math_and_fenv();
    small_functions();
    if (failures)
        return 1;
    printf("glibc_more: ok\n");
    return 0;
}
