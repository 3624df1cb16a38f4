// Kernel versions of musl routines that musl writes in assembly around a raw `syscall`
// instruction (src/thread/x86_64/*.s). Only those the kernel links are here; the post-link
// check scripts/check-no-syscall catches any other.
#include <kernel/arch/x86_64/io.h>

extern "C" int __set_thread_area(void* thread_pointer)
{
    arch::wrmsr(arch::kMsrFsBase, reinterpret_cast<uint64_t>(thread_pointer));
    return 0;
}
