// Stage 6 of the linker: static thread-local storage, x86-64 TLS variant II (Drepper,
// "ELF Handling For Thread-Local Storage" §3.4.2; x86-64 psABI §3.4.6 and the TLS
// chapter). The thread pointer (%fs base) points at the thread control block; the TLS
// blocks lie directly below it: the executable's (module 1) ends at TP, so its local-exec
// offsets are link-time constants (tpoff = st_value - round_up(memsz, align)), then the
// initial libraries' blocks, each further down. All offsets are negative.
#pragma once

#include <linker/load_plan.h>
#include <linker/memory.h>

namespace linker {

struct StaticTlsLayout {
    uint64_t size;  // bytes below the thread pointer that the blocks use
    uint64_t align; // the thread pointer must be aligned to this (the largest p_align)
};

/// Lays out `modules` (the PT_TLS of each object that has one, in load order: the
/// executable first, then the initial libraries; module id = position + 1) and stores
/// each block's thread-pointer offset in `offsets[i]`. A block starts at TP + offset;
/// offsets honour p_align and the alignment of p_vaddr within it. Errors: EINVAL if
/// `offsets` is shorter than `modules`; ENOEXEC if an alignment is not a power of two or
/// above 1 MiB, or a block is larger than 1 GiB; E2BIG if the total exceeds 1 GiB.
lib::Result<StaticTlsLayout> layout_static_tls(std::span<const TlsSegment> modules, std::span<int64_t> offsets);

/// A static TLS block in use: `memsz` bytes at thread-pointer offset `offset` (negative).
struct TlsBlock {
    int64_t offset;
    uint64_t memsz;
};

/// Where a module loaded later (dlopen) puts its block among the blocks in `used` (any
/// order), no further than `capacity` bytes below the thread pointer: the offset nearest
/// the thread pointer where `segment` fits, aligned as layout_static_tls aligns (so the
/// space a dlclose'd module gave back is used again). Errors: ENOSPC when no gap is large
/// enough; those of check_tls_segment for a bad segment.
lib::Result<int64_t> place_tls_block(std::span<const TlsBlock> used, const TlsSegment& segment, uint64_t capacity);

/// Initialises one module's block of a new thread: copies the p_filesz bytes of the
/// initialisation image (at run-time address `image_address`, read from `image`) to
/// `thread_pointer + offset` in `thread_memory` and zeroes the rest up to p_memsz.
/// Errors: those of Memory (EFAULT) if either range is not accessible.
lib::Result<void> initialize_tls_block(Memory& thread_memory, uint64_t thread_pointer, int64_t offset,
    const TlsSegment& tls, const Memory& image, uint64_t image_address);

} // namespace linker
