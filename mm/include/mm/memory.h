// Physical memory and the kernel's page tables.
//
// Layout (kernel/arch/x86_64/layout.h): the kernel image in the top 2 GiB, all physical
// memory direct-mapped at DIRECT_MAP_BASE, the lower canonical half for mappings made
// through mm::map_anonymous (kernel heap and application, like a Linux process layout).
// Page 0 and everything not mapped explicitly fault, so NULL dereferences are caught.
#pragma once

#include <lib/result.h>

#include <cstddef>
#include <cstdint>

namespace arch {
struct PvhStartInfo;
}

namespace mm {

constexpr size_t kPageSize = 4096;

constexpr uint64_t page_round_down(uint64_t v) { return v & ~uint64_t(kPageSize - 1); }
constexpr uint64_t page_round_up(uint64_t v) { return (v + kPageSize - 1) & ~uint64_t(kPageSize - 1); }

/// Takes over memory from the PVH memory map: reserves the kernel image, the start_info
/// data, the command line and the modules; builds the kernel page tables (kernel image,
/// direct map) and switches to them, dropping the boot identity map. Call once, early.
void init(const arch::PvhStartInfo& start_info);

/// Makes the other CPUs drop the translations of every page whose entry changed or went
/// away since the last call (arch::tlb_shootdown over one range covering them), then
/// frees the frames those entries pointed at. munmap, mprotect and mremap call it before
/// they return; sched calls it before it releases the big kernel lock (mm's callers hold
/// it), so the other CPUs' TLBs agree with the page tables whenever the lock is free.
void flush_remote_tlbs();

/// Kernel virtual address of a physical address, through the direct map.
void* phys_to_virt(uint64_t phys);
/// Physical address behind a direct-map or kernel-image address.
uint64_t virt_to_phys(const void* virt);

/// Takes one 4 KiB page of the kernel image out of the page tables (a guard page below a
/// stack in the image's bss), so that touching it faults. Panics for any other address.
void unmap_kernel_image_page(uint64_t virt);

/// Whether every page of [start, start+length), in the kernel half, is present in the
/// kernel page tables, and writable when `prot` has ProtWrite (so text and rodata refuse
/// writes), as is_mapped (address_space.h) for the lower half. The device window never
/// counts. For sys::check_user_range: EFAULT, not a fault.
bool kernel_half_mapped(uint64_t start, size_t length, int prot);

struct FrameStats {
    uint64_t total_frames;
    uint64_t free_frames;
};

/// One zeroed 4 KiB physical page frame; ENOMEM when none is left.
lib::Result<uint64_t> alloc_frame();
/// `count` physically contiguous zeroed frames (DMA buffers); returns the first one's
/// address. A linear scan of the bitmap: for set-up time, not hot paths. Each frame is
/// freed with free_frame(). EINVAL for zero, ENOMEM when no run is that long.
lib::Result<uint64_t> alloc_contiguous_frames(size_t count);
/// Returns a frame from alloc_frame(). Freeing a frame twice is a kernel bug (panic).
void free_frame(uint64_t phys);
FrameStats frame_stats();

/// Maps the device registers at physical [phys, phys+length) uncached (PCD|PWT: UC with
/// the power-on PAT), read-write, no-execute, in the device window of the kernel half
/// (DEVICE_MAP_BASE), and returns the address of `phys`. Mappings are never undone
/// (devices live as long as the VM). Errors: EINVAL (zero length, an address beyond
/// 2^52), NOMEM (window or page-table frames exhausted).
lib::Result<volatile void*> map_device_memory(uint64_t phys, size_t length);

} // namespace mm
