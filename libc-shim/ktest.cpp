// In-kernel tests of musl-in-the-kernel and libc-shim (boot option ktest=libc|chk, and
// ktest=malloc in malloc/; see libc_shim/kernel.h). tests/kernel/CMakeLists.txt runs them
// under QEMU.
#include "malloc/malloc_ktest.h"

#include <libc_shim/exports.h>
#include <libc_shim/kernel.h>

#include <kernel/arch/x86_64/idt.h>
#include <kernel/core/vm_exit.h>
#include <kernel/fs/fd_table.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <pthread.h>
#include <sys/random.h>
#include <sys/utsname.h>
#include <unistd.h>

extern "C" int osprey_libc_start_main(
    int (*)(int, char**, char**), int, char**, void (*)(int, char**, char**), void (*)(), void (*)(), void*);
extern "C" void* __memcpy_chk(void*, const void*, size_t, size_t);

namespace libc_shim {

namespace {

int g_failures;

void expect(bool ok, const char* what)
{
    if (!ok) {
        printf("ktest libc: FAIL: %s\n", what);
        ++g_failures;
    }
}

void test_formatting()
{
    char buffer[64];
    int n = snprintf(buffer, sizeof(buffer), "%d %s %5.2f %x %c", 42, "osprey", 3.14159, 255, 'z');
    expect(n == 20 && strcmp(buffer, "42 osprey  3.14 ff z") == 0, "snprintf formats integers, strings, floats");
    int a = 0;
    char word[16];
    expect(sscanf("17 birds", "%d %15s", &a, word) == 2 && a == 17 && strcmp(word, "birds") == 0, "sscanf");
    expect(strtod("2.5e3", nullptr) == 2500.0, "strtod");
    printf("ktest libc: printf %s %d\n", "works", 7);
}

void test_malloc()
{
    constexpr int kBlocks = 64;
    unsigned char* blocks[kBlocks];
    for (int i = 0; i < kBlocks; ++i) {
        size_t size = size_t(16) << (i % 17); // 16 bytes .. 1 MiB: small and mmapped chunks
        blocks[i] = static_cast<unsigned char*>(malloc(size));
        expect(blocks[i] != nullptr, "malloc returns memory");
        if (blocks[i])
            memset(blocks[i], i, size);
    }
    bool intact = true;
    for (int i = 0; i < kBlocks; ++i) {
        size_t size = size_t(16) << (i % 17);
        intact = intact && blocks[i] && blocks[i][0] == i && blocks[i][size - 1] == i;
        free(blocks[i]);
    }
    expect(intact, "malloc'd blocks keep their contents");
    auto* grown = static_cast<char*>(malloc(100));
    strcpy(grown, "kept");
    grown = static_cast<char*>(realloc(grown, 3 << 20));
    expect(grown && strcmp(grown, "kept") == 0, "realloc keeps the contents");
    free(grown);
}

void test_time_and_system()
{
    timespec t0 {}, t1 {}, real {};
    expect(clock_gettime(CLOCK_MONOTONIC, &t0) == 0, "clock_gettime(CLOCK_MONOTONIC)");
    timespec pause_for { 0, 2'000'000 };
    expect(nanosleep(&pause_for, nullptr) == 0, "nanosleep");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    long long elapsed = (t1.tv_sec - t0.tv_sec) * 1'000'000'000ll + (t1.tv_nsec - t0.tv_nsec);
    expect(elapsed >= 2'000'000, "nanosleep sleeps at least the requested time");
    expect(clock_gettime(CLOCK_REALTIME, &real) == 0 && real.tv_sec >= 0, "clock_gettime(CLOCK_REALTIME)");
    printf("ktest libc: realtime %lld s, slept %lld us\n", (long long)real.tv_sec, elapsed / 1000);

    unsigned char random[32] = {};
    expect(getrandom(random, sizeof(random), 0) == 32, "getrandom fills the buffer");
    bool all_zero = true;
    for (unsigned char b : random)
        all_zero = all_zero && b == 0;
    expect(!all_zero, "getrandom returns non-zero bytes");

    utsname name;
    expect(uname(&name) == 0 && strcmp(name.sysname, "Linux") == 0 && strcmp(name.machine, "x86_64") == 0, "uname");
    errno = 0;
    expect(close(1000) == -1 && errno == EBADF, "a failing call sets errno (EBADF)");
    expect(getpid() == 1 && isatty(1) == 0, "getpid is 1 and the console is not a tty by default");
}

void test_exports()
{
    const ExportEntry* memcpy_new = lookup("memcpy", "GLIBC_2.14");
    const ExportEntry* memcpy_old = lookup("memcpy", "GLIBC_2.2.5");
    expect(
        memcpy_new && memcpy_new->address == reinterpret_cast<uint64_t>(&memcpy), "memcpy@GLIBC_2.14 is musl's memcpy");
    expect(memcpy_old && memcpy_old->address == reinterpret_cast<uint64_t>(&memmove), "memcpy@GLIBC_2.2.5 is memmove");
    expect(lookup("memcpy", "GLIBC_9.99") == nullptr, "a bogus version is not found");
    expect(lookup("memcpy", nullptr) == memcpy_new, "an unversioned reference binds the default version");
    const ExportEntry* start = lookup("__libc_start_main", "GLIBC_2.34");
    expect(start && start->address == reinterpret_cast<uint64_t>(&osprey_libc_start_main),
        "__libc_start_main@GLIBC_2.34 is the shim's");
    const ExportEntry* old_start = lookup("__libc_start_main", "GLIBC_2.2.5");
    expect(old_start && old_start->address == start->address, "__libc_start_main@GLIBC_2.2.5 is the same function");
    const ExportEntry* out = lookup("stdout", "GLIBC_2.2.5");
    expect(out && out->type == ExportType::Object && out->size == 8, "stdout is an 8-byte object");
    expect(lookup("no_such_function", nullptr) == nullptr, "an unknown name is not found");
    expect(is_kernel_soname("libc.so.6") && !is_kernel_soname("libstdc++.so.6"), "kernel sonames");
    printf("ktest libc: %llu glibc exports\n", (unsigned long long)export_count());
    expect(export_count() > 1000, "the table holds more than 1000 exports");
}

[[noreturn]] void run_libc_test()
{
    test_formatting();
    test_malloc();
    test_time_and_system();
    test_exports();
    if (g_failures == 0)
        printf("ktest libc: ok\n");
    fflush(stdout);
    core::vm_exit(g_failures ? 1 : 0);
}

[[noreturn]] void run_chk_test()
{
    char destination[8];
    const char source[32] = "longer than the destination";
    // Through a volatile pointer, so the compiler cannot see (and reject) the overflow.
    void* (*volatile check)(void*, const void*, size_t, size_t) = __memcpy_chk;
    check(destination, source, sizeof(source), sizeof(destination));
    printf("ktest chk: FAIL: __memcpy_chk returned\n");
    fflush(stdout);
    core::vm_exit(1);
}

void* sleep_long(void*)
{
    sleep(60); // alive while it is joined (its record is freed when it ends)
    return nullptr;
}

// musl's a_crash, reached the way a program reaches it: pthread_join of a detached thread.
// In ring 0 musl's `hlt` returned and went on; now the program ends with SIGSEGV (139).
[[noreturn]] void run_a_crash_test()
{
    arch::note_program_started(); // as a program would reach it (before that it is a panic)
    pthread_t thread;
    if (pthread_create(&thread, nullptr, sleep_long, nullptr) != 0 || pthread_detach(thread) != 0)
        printf("ktest a_crash: FAIL: no detached thread\n");
    else
        pthread_join(thread, nullptr);
    printf("ktest a_crash: FAIL: musl's a_crash returned\n");
    fflush(stdout);
    core::vm_exit(1);
}

} // namespace

bool run_ktest(std::string_view name)
{
    if (name != "libc" && name != "chk" && name != "malloc" && name != "a_crash")
        return false;
    init_kernel_libc(); // first: musl, then mimalloc
    if (fs::descriptors().get(1).is_error())
        fs::descriptors().open_console();
    if (name == "libc")
        run_libc_test();
    if (name == "malloc")
        run_malloc_test();
    if (name == "a_crash")
        run_a_crash_test();
    run_chk_test();
}

} // namespace libc_shim
