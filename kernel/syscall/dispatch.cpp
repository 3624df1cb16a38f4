// osprey_syscall: the one entry from musl (and later the raw `syscall` instruction) into the
// kernel's Linux system-call functions. Numbers are the x86-64 Linux ABI
// (arch/x86/entry/syscalls/syscall_64.tbl).
#include <kernel/boot/vm_exit.h>
#include <kernel/console/serial.h>

#include <lib/errno.h>

namespace {
constexpr long kWrite = 1, kExit = 60, kExitGroup = 231;

long enosys() { return -long(lib::Errno::NOSYS); }
} // namespace

extern "C" long osprey_syscall(long n, long a1, long a2, long a3, long a4, long a5, long a6)
{
    switch (n) {
    case kWrite:
        console::console_uart().write(reinterpret_cast<const char*>(a2), size_t(a3));
        return a3;
    case kExit:
    case kExitGroup:
        boot::vm_exit(int(a1));
    default:
        return enosys();
    }
}
