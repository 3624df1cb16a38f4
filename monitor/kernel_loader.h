// Loads the Osprey kernel ELF into guest memory the way a PVH loader does: each PT_LOAD
// segment at its physical address (p_paddr), bss zeroed, and the 32-bit entry point taken
// from the Xen ELF note XEN_ELFNOTE_PHYS32_ENTRY (Xen public/elfnote.h; the PVH boot ABI,
// Xen docs/misc/pvh.pandoc). Bad input is an error, never an out-of-bounds access.
#pragma once

#include "guest_memory.h"

namespace monitor {

struct LoadedKernel {
    uint32_t entry32;    // physical PVH entry point
    uint64_t phys_start; // lowest loaded physical address
    uint64_t phys_end;   // end of the highest segment (after bss)
};

/// XEN_ELFNOTE_PHYS32_ENTRY (Xen public/elfnote.h).
inline constexpr uint32_t kXenElfNotePhys32Entry = 18;
/// Segments must load at or above 1 MiB: the first MiB holds the monitor's boot tables.
inline constexpr uint64_t kLowestKernelAddress = 0x100000;

/// Validates `file` (an x86-64 ELF64 executable: the bytes of the open file `fd`, mapped),
/// puts its PT_LOAD segments into guest RAM and finds the PVH entry. The segments' whole
/// pages are mapped from `fd` copy-on-write rather than copied, and bss pages are fresh
/// zero pages: the guest faults in only what it touches. Errors: NOEXEC with a message
/// ("kernel ELF: ...") for a malformed file, a segment outside RAM or below 1 MiB, or no
/// PVH entry note; NOMEM if the host cannot map the pages.
lib::Result<LoadedKernel> load_kernel(std::span<const std::byte> file, int fd, const GuestMemory& memory);

/// The PHYS32_ENTRY address in the PT_NOTE segments of a validated ELF `file`; ENOEXEC if
/// there is none or a note is malformed.
lib::Result<uint32_t> find_pvh_entry(std::span<const std::byte> file);

} // namespace monitor
