// The single address space: mappings in the lower canonical half, shared by the kernel
// heap (mimalloc/musl) and the application. Areas live in the gap-indexed AreaMap
// (mm/area_map.h); pages are populated on first touch by the page-fault handler
// (mm/page_fault.cpp): anonymous pages zero-filled, private file pages shared read-only
// with the image until written (copy on write).
//
// All functions follow the Linux system call of the same purpose, with its errors.
#pragma once

#include <mm/area_map.h>

#include <lib/result.h>

#include <cstddef>
#include <cstdint>

namespace mm {

/// Lowest and highest addresses of the address space (Linux x86-64 user range), and the
/// top of the region where non-fixed mappings go (top-down, like Linux's mmap_base).
constexpr uintptr_t kUserBase = 0x10000;
constexpr uintptr_t kUserTop = 0x7fff'ffff'f000;
constexpr uintptr_t kMmapTop = 0x7fff'f000'0000;

enum MapFlags : int {
    MapPopulate = 1,  // MAP_POPULATE: fault every page in now
    MapNoReserve = 2, // MAP_NORESERVE: no overcommit check
};

/// mmap(2). Without MapNoReserve, a private writable mapping larger than all of RAM is
/// refused with ENOMEM (Linux's heuristic overcommit); memory is committed on first touch.
lib::Result<uintptr_t> map(const MapRequest& request, int flags = 0);
/// Anonymous private memory, for kernel users (ELF loader, stacks).
lib::Result<uintptr_t> map_anonymous(
    uintptr_t hint, size_t length, int prot, Placement placement, AreaRole role = AreaRole::Plain);
/// munmap(2): frees the frames of the range.
lib::Result<void> unmap(uintptr_t addr, size_t length);
/// mprotect(2).
lib::Result<void> protect(uintptr_t addr, size_t length, int prot);
/// mremap(2) (RemapFlags).
lib::Result<uintptr_t> remap(uintptr_t old_addr, size_t old_length, size_t new_length, int flags, uintptr_t new_addr);

enum class Advice {
    DontNeed, // MADV_DONTNEED: drop the pages; anonymous reads zero, file pages re-read
    Free,     // MADV_FREE: may drop the pages; here dropped at once like DontNeed (private anonymous only)
    WillNeed, // MADV_WILLNEED: populate now
    Normal,   // every other valid advice: accepted, no effect
};
/// madvise(2) on [addr, addr + length): ENOMEM if part of it is unmapped, EINVAL for
/// MADV_FREE on a file or shared mapping. DontNeed leaves shared anonymous memory as is.
lib::Result<void> advise(uintptr_t addr, size_t length, Advice advice);
/// The range checks of msync(2) and mincore(2): EINVAL for an unaligned address, ENOMEM
/// if part of the range is outside the address space or unmapped. This is all of msync:
/// nothing to write back, every file mapping is of the read-only image or private.
lib::Result<void> check_mapped(uintptr_t addr, size_t length);
/// mincore(2): one byte per page, bit 0 set when the page is resident.
lib::Result<void> residency(uintptr_t addr, size_t length, uint8_t* vector);

/// Linux brk(2): sets the program break inside a region reserved at the first call,
/// returns the (possibly unchanged) break. brk(0) returns the current break.
uintptr_t brk(uintptr_t new_break);

/// Makes [addr, addr + length) present and writable now, so that code which must not take
/// a page fault (an exception handler writing a signal frame on its own IST stack) can
/// write it. EFAULT unless the whole range is mapped writable; ENOMEM without frames.
lib::Result<void> prefault_writable(uintptr_t addr, size_t length);

/// Whether [addr, addr + length) is entirely mapped with at least `prot`.
bool is_mapped(uintptr_t addr, size_t length, int prot);

/// The areas, for /proc/self/maps and tests. Read-only.
const AreaMap& areas();

} // namespace mm
