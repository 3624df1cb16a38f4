// Memory system calls: argument checks in Linux's order and with Linux's errors, then the
// address space (mm/address_space.h) does the work. File mappings come from files that
// can be mapped without copying (ROFS files of the image: fs::File::mapping).
#include <kernel/fs/fd_table.h>
#include <kernel/syscall/syscall.h>
#include <kernel/syscall/syscall_util.h>
#include <mm/address_space.h>
#include <mm/memory.h>

namespace sys {

namespace {

constexpr int kAccessModeMask = 3, kWriteOnly = 1, kReadWrite = 2;

bool page_aligned(uint64_t v) { return (v & (mm::kPageSize - 1)) == 0; }

lib::Result<int> to_mm_protection(int prot)
{
    if (prot & ~(abi::kProtRead | abi::kProtWrite | abi::kProtExec | abi::kProtGrowsdown | abi::kProtGrowsup))
        return lib::Error(lib::Errno::INVAL, "unknown PROT_ bits");
    int result = mm::ProtNone;
    if (prot & abi::kProtRead)
        result |= mm::ProtRead;
    if (prot & abi::kProtWrite)
        result |= mm::ProtWrite | mm::ProtRead; // x86 pages cannot be write-only
    if (prot & abi::kProtExec)
        result |= mm::ProtExec | mm::ProtRead; // nor execute-only (without protection keys)
    return result;
}

constexpr int kKnownMapFlags = abi::kMapTypeMask | abi::kMapFixed | abi::kMapAnonymous | abi::kMap32bit
    | abi::kMapGrowsdown | abi::kMapDenywrite | abi::kMapExecutable | abi::kMapLocked | abi::kMapNoreserve
    | abi::kMapPopulate | abi::kMapNonblock | abi::kMapStack | abi::kMapHugetlb | abi::kMapSync
    | abi::kMapFixedNoreplace | abi::kMapUninitialized | abi::kMapHugeMask;

/// The sharing type and placement of mmap `flags` (mmap(2) ERRORS).
lib::Result<mm::MapRequest> decode_flags(uintptr_t hint, size_t length, int flags)
{
    int type = flags & abi::kMapTypeMask;
    if (type != abi::kMapShared && type != abi::kMapPrivate && type != abi::kMapSharedValidate)
        return lib::Error(lib::Errno::INVAL, "mmap: needs exactly one of MAP_SHARED and MAP_PRIVATE");
    if (type == abi::kMapSharedValidate && (flags & ~kKnownMapFlags))
        return lib::Error(lib::Errno::NOTSUP, "mmap: unknown flags with MAP_SHARED_VALIDATE");
    if (flags & (abi::kMapHugetlb | abi::kMap32bit))
        return lib::Error(lib::Errno::INVAL, "mmap: MAP_HUGETLB and MAP_32BIT are not supported");
    mm::MapRequest request { .hint = hint, .length = length };
    request.sharing = type == abi::kMapPrivate ? mm::Sharing::Private : mm::Sharing::Shared;
    if (flags & abi::kMapFixedNoreplace)
        request.placement = mm::Placement::FixedNoReplace;
    else if (flags & abi::kMapFixed)
        request.placement = mm::Placement::FixedReplace;
    // MAP_STACK and MAP_GROWSDOWN are accepted as plain mappings: Linux labels only the
    // main thread's stack "[stack]", and nothing here grows down on its own.
    return request;
}

/// Points `request` at the file behind `fd` (EBADF, ENODEV for an unmappable file,
/// EACCES for a write-only descriptor).
lib::Result<void> attach_file(mm::MapRequest& request, int fd, int64_t offset)
{
    auto file = TRY(fs::descriptors().get(fd));
    if ((file->open_flags() & kAccessModeMask) == kWriteOnly)
        return lib::Error(lib::Errno::ACCES, "mmap: descriptor opened write-only");
    if (request.sharing == mm::Sharing::Shared && (request.prot & mm::ProtWrite)
        && (file->open_flags() & kAccessModeMask) != kReadWrite)
        return lib::Error(lib::Errno::ACCES, "mmap: a writable shared mapping needs a descriptor opened O_RDWR");
    request.file = TRY(file->mapping());
    request.file_offset = uint64_t(offset);
    return {};
}

mm::Advice to_advice(int advice)
{
    switch (advice) {
    case abi::kMadvDontneed: return mm::Advice::DontNeed;
    case abi::kMadvFree: return mm::Advice::Free;
    case abi::kMadvWillneed:
    case abi::kMadvPopulateRead:
    case abi::kMadvPopulateWrite: return mm::Advice::WillNeed;
    default: return mm::Advice::Normal;
    }
}

bool known_advice(int advice)
{
    return (advice >= abi::kMadvNormal && advice <= abi::kMadvDontneed)
        || (advice >= abi::kMadvFree && advice <= abi::kMadvPopulateWrite);
}

} // namespace

lib::Result<void> check_user_range(const void* p, size_t length, UserAccess access)
{
    auto start = reinterpret_cast<uintptr_t>(p);
    if (length == 0)
        return {};
    if (!p || start + length < start)
        return lib::Error(lib::Errno::FAULT, "bad buffer address");
    constexpr uintptr_t kLowerHalfEnd = 0x0000'8000'0000'0000, kUpperHalfStart = 0xffff'8000'0000'0000;
    int needed = access == UserAccess::Write ? mm::ProtWrite : mm::ProtRead;
    if (start >= kUpperHalfStart) {
        if (!mm::kernel_half_mapped(start, length, needed))
            return lib::Error(lib::Errno::FAULT, "kernel address not mapped, or not with the access needed");
        return {};
    }
    if (start + length > kLowerHalfEnd)
        return lib::Error(lib::Errno::FAULT, "non-canonical buffer address");
    if (!mm::is_mapped(start, length, needed))
        return lib::Error(lib::Errno::FAULT, "buffer not mapped, or not with the access needed");
    return {};
}

SysResult brk(uintptr_t new_break) { return long(mm::brk(new_break)); }

SysResult mmap(uintptr_t hint, size_t length, int prot, int flags, int fd, int64_t offset)
{
    mm::MapRequest request = TRY(decode_flags(hint, length, flags));
    request.prot = TRY(to_mm_protection(prot));
    if (length == 0 || mm::page_round_up(length) < length)
        return lib::Error(lib::Errno::INVAL, "mmap: bad length");
    if (offset < 0 || !page_aligned(uint64_t(offset)))
        return lib::Error(lib::Errno::INVAL, "mmap: offset not page aligned");
    if (!(flags & abi::kMapAnonymous))
        TRY(attach_file(request, fd, offset));
    int options
        = (flags & abi::kMapPopulate ? mm::MapPopulate : 0) | (flags & abi::kMapNoreserve ? mm::MapNoReserve : 0);
    return long(TRY(mm::map(request, options)));
}

SysResult munmap(uintptr_t address, size_t length)
{
    TRY(mm::unmap(address, length));
    return 0;
}

SysResult mprotect(uintptr_t address, size_t length, int prot)
{
    TRY(mm::protect(address, length, TRY(to_mm_protection(prot))));
    return 0;
}

SysResult mremap(uintptr_t address, size_t old_length, size_t new_length, int flags, uintptr_t new_address)
{
    if (flags & abi::kMremapDontunmap)
        return lib::Error(lib::Errno::INVAL, "mremap: MREMAP_DONTUNMAP is not supported");
    int mm_flags
        = (flags & abi::kMremapMaymove ? mm::RemapMayMove : 0) | (flags & abi::kMremapFixed ? mm::RemapFixed : 0);
    if (flags & ~(abi::kMremapMaymove | abi::kMremapFixed))
        return lib::Error(lib::Errno::INVAL, "mremap: unknown flags");
    return long(TRY(mm::remap(address, old_length, new_length, mm_flags, new_address)));
}

SysResult madvise(uintptr_t address, size_t length, int advice)
{
    if (!known_advice(advice))
        return lib::Error(lib::Errno::INVAL, "madvise: unknown advice");
    TRY(mm::advise(address, length, to_advice(advice)));
    return 0;
}

// mlock family: Osprey never swaps, so every page stays in memory once touched; a lock
// populates its range now (mlock's other promise: no page fault later), and mlockall and
// the unlocks only check their arguments. Root's CAP_IPC_LOCK: no RLIMIT_MEMLOCK bound.
namespace {

/// The whole pages [address, address + length) touches, checked mapped (ENOMEM); 0 bytes
/// for an empty range.
lib::Result<size_t> locked_pages(uintptr_t address, size_t length, uintptr_t& start)
{
    start = mm::page_round_down(address);
    size_t span = mm::page_round_up(address + length) - start;
    if (span != 0)
        TRY(mm::check_mapped(start, span));
    return span;
}

} // namespace

SysResult mlock(uintptr_t address, size_t length, unsigned flags)
{
    constexpr unsigned kLockOnFault = 1; // MLOCK_ONFAULT
    if (flags & ~kLockOnFault)
        return lib::Error(lib::Errno::INVAL, "mlock2: unknown flags");
    uintptr_t start;
    size_t span = TRY(locked_pages(address, length, start));
    if (span != 0 && !(flags & kLockOnFault))
        TRY(mm::advise(start, span, mm::Advice::WillNeed));
    return 0;
}

SysResult munlock(uintptr_t address, size_t length)
{
    uintptr_t start;
    TRY(locked_pages(address, length, start));
    return 0;
}

SysResult mlockall(int flags)
{
    constexpr int kCurrent = 1, kFuture = 2, kOnFault = 4; // MCL_*
    if (flags == 0 || (flags & ~(kCurrent | kFuture | kOnFault)) || flags == kOnFault)
        return lib::Error(lib::Errno::INVAL, "mlockall: bad flags");
    return 0;
}

SysResult msync(uintptr_t address, size_t length, int flags)
{
    if ((flags & ~(abi::kMsAsync | abi::kMsInvalidate | abi::kMsSync))
        || ((flags & abi::kMsAsync) && (flags & abi::kMsSync)))
        return lib::Error(lib::Errno::INVAL, "msync: bad flags");
    TRY(mm::check_mapped(address, length));
    return 0;
}

SysResult mincore(uintptr_t address, size_t length, uint8_t* vector)
{
    // EINVAL for the address, ENOMEM for a range not all mapped, then EFAULT for a vector
    // (one byte a page) that cannot be written. (Linux checks that the vector lies in the
    // user half before looking for unmapped pages; only a call wrong both ways differs.)
    TRY(mm::check_mapped(address, length));
    size_t pages = length / mm::kPageSize + (length % mm::kPageSize != 0);
    TRY(check_user_range(vector, pages, UserAccess::Write));
    TRY(mm::residency(address, length, vector));
    return 0;
}

} // namespace sys
