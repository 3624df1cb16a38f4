// getrandom(2), from the kernel's random source (kernel/entropy/random_source.h).
#include <kernel/entropy/random_source.h>
#include <kernel/syscall/syscall.h>
#include <kernel/syscall/syscall_util.h>

namespace sys {

namespace {

constexpr size_t kMaxRequest = 33'554'431; // Linux caps one getrandom call here

} // namespace

SysResult getrandom(void* buffer, size_t length, unsigned flags)
{
    if (flags & ~(abi::kGrndNonblock | abi::kGrndRandom | abi::kGrndInsecure))
        return lib::Error(lib::Errno::INVAL, "bad getrandom flags");
    if (length > kMaxRequest)
        length = kMaxRequest;
    TRY(check_user_range(buffer, length, UserAccess::Write));
    entropy::random_bytes(buffer, length);
    return long(length);
}

} // namespace sys
