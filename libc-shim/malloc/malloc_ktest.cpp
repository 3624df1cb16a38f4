// In-kernel test of the allocator (boot option ktest=malloc, tests/kernel/CMakeLists.txt):
// allocation from kernel context across mimalloc's size classes, statistics that come back
// to where they were, and the main thread's change of thread pointer that
// __libc_start_main causes (mimalloc_bridge.h, musl_main_thread.c).
#include "malloc_ktest.h"
#include "mimalloc_bridge.h"

#include <kernel/core/vm_exit.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <malloc.h>

extern "C" int __set_thread_area(void* thread_pointer); // libc-shim's (musl_syscall_asm.S)

namespace libc_shim {

namespace {

// Small, medium, large (128 KiB - 16 MiB) and huge (own segment) blocks.
constexpr size_t kSizes[] = { 8, 100, 1000, 9000, 100000, 1 << 20, 20 << 20 };
constexpr size_t kBlocks = sizeof(kSizes) / sizeof(kSizes[0]);

int g_failures;

void expect(bool ok, const char* what)
{
    if (!ok) {
        printf("ktest malloc: FAIL: %s\n", what);
        ++g_failures;
    }
}

void allocate(unsigned char* (&blocks)[kBlocks])
{
    for (size_t i = 0; i < kBlocks; ++i) {
        blocks[i] = static_cast<unsigned char*>(malloc(kSizes[i]));
        expect(blocks[i] != nullptr, "malloc in kernel context");
        if (blocks[i])
            memset(blocks[i], int(i + 1), kSizes[i]);
    }
}

bool intact(unsigned char* (&blocks)[kBlocks])
{
    bool ok = true;
    for (size_t i = 0; i < kBlocks; ++i)
        ok = ok && blocks[i] && blocks[i][0] == i + 1 && blocks[i][kSizes[i] - 1] == i + 1;
    return ok;
}

void release(unsigned char* (&blocks)[kBlocks])
{
    for (unsigned char* block : blocks)
        free(block);
}

void* thread_pointer()
{
    void* self;
    asm volatile("mov %%fs:0, %0" : "=r"(self));
    return self;
}

void test_thread_pointer_move()
{
    alignas(64) static unsigned char new_thread[1024];
    expect(osprey_musl_thread_size() <= sizeof(new_thread), "musl's struct pthread fits the test buffer");
    void* boot_thread = thread_pointer();
    unsigned char* blocks[kBlocks];
    allocate(blocks);
    expect(osprey_mimalloc_thread_owns_its_heaps(), "the boot thread owns its heaps");

    osprey_musl_move_thread(new_thread);
    expect(thread_pointer() == new_thread, "the thread pointer moved");
    osprey_musl_keep_main_thread_keys();
    expect(!osprey_mimalloc_thread_owns_its_heaps(), "after the move the heaps carry the old thread id");
    osprey_mimalloc_thread_pointer_moved();
    expect(osprey_mimalloc_thread_owns_its_heaps(), "re-keyed: the moved thread owns its heaps");
    expect(intact(blocks), "blocks allocated before the move keep their contents");
    release(blocks);
    allocate(blocks);
    expect(intact(blocks) && osprey_mimalloc_thread_owns_its_heaps(), "allocation after the move");
    release(blocks);

    __set_thread_area(boot_thread); // back to the boot thread's struct pthread, still intact
    osprey_mimalloc_thread_pointer_moved();
    expect(osprey_mimalloc_thread_owns_its_heaps(), "re-keyed back to the boot thread");
}

void test_statistics()
{
    struct mallinfo2 before = mallinfo2();
    unsigned char* blocks[kBlocks];
    allocate(blocks);
    struct mallinfo2 during = mallinfo2();
    expect(during.uordblks >= before.uordblks + 100000 + (1 << 20), "uordblks counts the blocks up to 16 MiB");
    expect(during.hblkhd >= before.hblkhd + (20 << 20), "hblkhd counts the 20 MiB block");
    expect(intact(blocks), "blocks keep their contents");
    release(blocks);
    struct mallinfo2 after = mallinfo2();
    expect(after.uordblks == before.uordblks && after.hblkhd == before.hblkhd, "freeing brings the counts back");
    printf("ktest malloc: arena %zu, in use %zu, segments %zu\n", after.arena, after.uordblks, after.hblks);
}

} // namespace

void run_malloc_test()
{
    test_statistics();
    test_thread_pointer_move();
    if (g_failures == 0)
        printf("ktest malloc: ok\n");
    fflush(stdout);
    core::vm_exit(g_failures ? 1 : 0);
}

} // namespace libc_shim
