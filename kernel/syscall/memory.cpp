// The program break and anonymous memory mappings, on the address space of
// mm/address_space.h. File mappings are not supported yet (ENODEV): the ELF linker maps
// program files itself, and musl's malloc only needs anonymous memory.
#include <kernel/console/log.h>
#include <kernel/syscall/syscall.h>
#include <mm/address_space.h>
#include <mm/memory.h>

#include <cstring>

namespace sys {

namespace {

bool page_aligned(uintptr_t v) { return (v & (mm::kPageSize - 1)) == 0; }

int to_mm_protection(int prot)
{
    int result = mm::ProtNone;
    if (prot & abi::kProtRead)
        result |= mm::ProtRead;
    if (prot & abi::kProtWrite)
        result |= mm::ProtWrite;
    if (prot & abi::kProtExec)
        result |= mm::ProtExec;
    return result;
}

lib::Result<mm::Placement> placement_of(int flags)
{
    if (flags & abi::kMapFixedNoreplace)
        return mm::Placement::FixedNoReplace;
    if (flags & abi::kMapFixed)
        return mm::Placement::FixedReplace;
    return mm::Placement::Anywhere;
}

lib::Result<void> check_range(uintptr_t address, size_t length)
{
    if (!page_aligned(address))
        return lib::Error(lib::Errno::INVAL, "address not page-aligned");
    if (length == 0 || mm::page_round_up(length) < length)
        return lib::Error(lib::Errno::INVAL, "bad length");
    return {};
}

} // namespace

SysResult brk(uintptr_t new_break) { return long(mm::brk(new_break)); }

SysResult mmap(uintptr_t hint, size_t length, int prot, int flags, int fd, int64_t offset)
{
    if (length == 0 || mm::page_round_up(length) < length)
        return lib::Error(lib::Errno::INVAL, "bad mmap length");
    if (!(flags & (abi::kMapPrivate | abi::kMapShared)))
        return lib::Error(lib::Errno::INVAL, "mmap needs kMapPrivate or kMapShared");
    if (!(flags & abi::kMapAnonymous)) {
        klog::debug(klog::Subsystem::Syscall, "mmap of fd {} offset {}: file mappings are not supported yet", fd, offset);
        return lib::Error(lib::Errno::NODEV, "file mappings are not supported yet");
    }
    auto placement = TRY(placement_of(flags));
    if (placement != mm::Placement::Anywhere && !page_aligned(hint))
        return lib::Error(lib::Errno::INVAL, "kMapFixed address not page-aligned");
    // Single process, no fork: MAP_SHARED anonymous memory behaves as MAP_PRIVATE.
    return long(TRY(mm::map_anonymous(hint, length, to_mm_protection(prot), placement)));
}

SysResult munmap(uintptr_t address, size_t length)
{
    TRY(check_range(address, length));
    TRY(mm::unmap(address, length));
    return 0;
}

SysResult mprotect(uintptr_t address, size_t length, int prot)
{
    if (!page_aligned(address))
        return lib::Error(lib::Errno::INVAL, "address not page-aligned");
    if (length == 0)
        return 0;
    TRY(mm::protect(address, length, to_mm_protection(prot)));
    return 0;
}

SysResult mremap(uintptr_t address, size_t old_length, size_t new_length, int flags, uintptr_t new_address)
{
    TRY(check_range(address, new_length));
    if (flags & ~(abi::kMremapMaymove | abi::kMremapFixed))
        return lib::Error(lib::Errno::INVAL, "bad mremap flags");
    size_t old_size = mm::page_round_up(old_length), new_size = mm::page_round_up(new_length);
    if ((flags & abi::kMremapFixed) || new_size > old_size) {
        // FIRST CUT: no growing and no moving. musl's realloc falls back to malloc + copy.
        (void)new_address;
        return lib::Error(lib::Errno::NOMEM, "mremap can only shrink in place");
    }
    if (!mm::is_mapped(address, old_size ? old_size : mm::kPageSize, mm::ProtNone))
        return lib::Error(lib::Errno::FAULT, "mremap of an unmapped range");
    if (new_size < old_size)
        TRY(mm::unmap(address + new_size, old_size - new_size));
    return long(address);
}

SysResult madvise(uintptr_t address, size_t length, int advice)
{
    if (!page_aligned(address))
        return lib::Error(lib::Errno::INVAL, "address not page-aligned");
    size_t size = mm::page_round_up(length);
    if (size == 0)
        return 0;
    if (!mm::is_mapped(address, size, mm::ProtNone))
        return lib::Error(lib::Errno::NOMEM, "madvise of an unmapped range");
    // kMadvDontneed on private anonymous memory: later reads see zeroes. Memory is
    // populated eagerly for now, so zero it in place when it is writable. Every other
    // advice is a hint and is accepted without effect.
    if (advice == abi::kMadvDontneed && mm::is_mapped(address, size, mm::ProtWrite))
        memset(reinterpret_cast<void*>(address), 0, size);
    return 0;
}

} // namespace sys
