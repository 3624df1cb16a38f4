// The single address space: mappings in the lower canonical half, shared by kernel heap
// and application. FIRST CUT: a first-fit search over a sorted array of areas and eager
// population with zeroed frames. Issue 3 replaces the search with the gap-indexed tree,
// adds demand paging, file mappings and full Linux mmap semantics.
#pragma once

#include <lib/result.h>

#include <cstddef>
#include <cstdint>

namespace mm {

enum Protection : int { ProtNone = 0, ProtRead = 1, ProtWrite = 2, ProtExec = 4 };

enum class Placement {
    Anywhere,       // hint is only a hint
    FixedReplace,   // MAP_FIXED: exactly at hint, replacing what is there
    FixedNoReplace, // MAP_FIXED_NOREPLACE: exactly at hint, EEXIST if anything is there
};

/// Lowest and highest addresses handed out by map_anonymous (Linux-like user range).
constexpr uintptr_t kUserBase = 0x10000;
constexpr uintptr_t kUserTop = 0x7fff'ffff'f000;

/// Maps `length` bytes (rounded up to pages) of zeroed memory with protection `prot`.
/// Returns the start address. Errors: EINVAL (zero length, unaligned fixed address,
/// range outside the user half), EEXIST (FixedNoReplace over a mapping), ENOMEM.
lib::Result<uintptr_t> map_anonymous(uintptr_t hint, size_t length, int prot, Placement placement);

/// Unmaps [addr, addr+length), any sub-range of existing mappings; frees their frames.
/// EINVAL if addr is unaligned or the range is outside the user half. Unmapping a hole is fine.
lib::Result<void> unmap(uintptr_t addr, size_t length);

/// Changes the protection of [addr, addr+length). ENOMEM if part of it is not mapped.
lib::Result<void> protect(uintptr_t addr, size_t length, int prot);

/// Linux brk(2): sets the program break within the heap area reserved at the first call,
/// returns the (possibly unchanged) break. brk(0) returns the current break.
uintptr_t brk(uintptr_t new_break);

/// Whether [addr, addr+length) is entirely mapped with at least `prot`.
bool is_mapped(uintptr_t addr, size_t length, int prot);

} // namespace mm
