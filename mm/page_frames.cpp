// Page frame allocator: one bit per 4 KiB frame of physical memory (1 = in use), placed
// right after the kernel image. Lowest free frame first: `g_cursor` is a frame below which
// every frame is in use, so a free moves it down and an allocation scans up from it. Low
// frames are reused before a never-touched one is taken: a VM's host memory (the guest
// pages its host has had to back) stays near the program's peak use, where a cursor that
// only moved up spread a program's churn over all of RAM (a python3 VM with 256 MiB cost
// its host 195 MB). Reserved at init: the first MiB, the kernel image, the bitmap itself,
// the PVH start_info data and the modules.
#include <mm/memory.h>
#include <mm/page_frames_internal.h>

#include <kernel/arch/x86_64/layout.h>
#include <kernel/arch/x86_64/pvh.h>
#include <kernel/core/vm_exit.h>

#include <cstring>

extern "C" char __kernel_end[];

namespace mm {

namespace {

uint64_t* g_bitmap;
uint64_t g_frame_count; // frames covered by the bitmap
uint64_t g_free_frames;
uint64_t g_usable_frames;
uint64_t g_cursor;

bool in_use(uint64_t frame) { return g_bitmap[frame / 64] & (1ull << (frame % 64)); }
void set_in_use(uint64_t frame) { g_bitmap[frame / 64] |= 1ull << (frame % 64); }
void set_free(uint64_t frame) { g_bitmap[frame / 64] &= ~(1ull << (frame % 64)); }

/// Marks the frames of [start, end) (bytes, widened to whole frames) used or free and
/// keeps the free count, a bitmap word at a time: at boot all of RAM goes through here,
/// and frame by frame that cost about 7 ms of guest time per GiB.
void mark_range(uint64_t start, uint64_t end, bool used)
{
    uint64_t frame = start / kPageSize, stop = page_round_up(end) / kPageSize;
    stop = stop < g_frame_count ? stop : g_frame_count;
    while (frame < stop) {
        uint64_t bit = frame % 64, count = stop - frame < 64 - bit ? stop - frame : 64 - bit;
        uint64_t mask = (count == 64 ? ~0ull : (1ull << count) - 1) << bit;
        uint64_t& word = g_bitmap[frame / 64];
        uint64_t changed = used ? mask & ~word : mask & word;
        if (used) {
            word |= mask;
            g_free_frames -= __builtin_popcountll(changed);
        } else {
            word &= ~mask;
            g_free_frames += __builtin_popcountll(changed);
        }
        frame += count;
    }
}

} // namespace

void frames_init(const arch::PvhStartInfo& info, void* (*early_phys_to_virt)(uint64_t))
{
    auto* map = static_cast<const arch::PvhMemmapEntry*>(early_phys_to_virt(info.memmap_paddr));
    uint64_t top = 0;
    for (uint32_t i = 0; i < info.memmap_entries; ++i)
        if (map[i].type == arch::PvhMemmapEntry::kRam && map[i].addr + map[i].size > top)
            top = map[i].addr + map[i].size;
    g_frame_count = top / kPageSize;
    uint64_t bitmap_bytes = page_round_up((g_frame_count + 63) / 64 * 8);
    uint64_t bitmap_phys = page_round_up(reinterpret_cast<uint64_t>(__kernel_end) - KERNEL_VMA_BASE);
    g_bitmap = static_cast<uint64_t*>(early_phys_to_virt(bitmap_phys));
    memset(g_bitmap, 0xff, bitmap_bytes); // everything reserved until the map says RAM

    for (uint32_t i = 0; i < info.memmap_entries; ++i) {
        if (map[i].type != arch::PvhMemmapEntry::kRam)
            continue;
        uint64_t start = page_round_up(map[i].addr), end = page_round_down(map[i].addr + map[i].size);
        if (start < end) {
            mark_range(start, end, false);
            g_usable_frames += (end - start) / kPageSize;
        }
    }
    mark_range(0, 0x100000, true); // real-mode area, BIOS data, VMM tables
    mark_range(KERNEL_PHYS_LOAD, bitmap_phys + bitmap_bytes, true);
    mark_range(page_round_down(info.memmap_paddr),
        info.memmap_paddr + info.memmap_entries * sizeof(arch::PvhMemmapEntry), true);
    auto* modules = static_cast<const arch::PvhModule*>(early_phys_to_virt(info.modlist_paddr));
    for (uint32_t i = 0; i < info.nr_modules; ++i)
        mark_range(page_round_down(modules[i].paddr), modules[i].paddr + modules[i].size, true);
    if (info.nr_modules)
        mark_range(
            page_round_down(info.modlist_paddr), info.modlist_paddr + info.nr_modules * sizeof(arch::PvhModule), true);
    g_cursor = 0;
}

uint64_t frames_top() { return g_frame_count * kPageSize; }

lib::Result<uint64_t> alloc_frame()
{
    // Every frame below the cursor is in use, so the first free bit from its word on is
    // the lowest free frame.
    for (uint64_t word = g_cursor / 64; word * 64 < g_frame_count; ++word) {
        if (g_bitmap[word] == ~0ull)
            continue;
        uint64_t frame = word * 64 + __builtin_ctzll(~g_bitmap[word]);
        if (frame >= g_frame_count)
            break;
        set_in_use(frame);
        --g_free_frames;
        g_cursor = frame + 1;
        memset(phys_to_virt(frame * kPageSize), 0, kPageSize);
        return frame * kPageSize;
    }
    g_cursor = g_frame_count; // all in use until a frame is freed
    return lib::Error(lib::Errno::NOMEM, "out of physical memory");
}

lib::Result<uint64_t> alloc_contiguous_frames(size_t count)
{
    if (count == 0)
        return lib::Error(lib::Errno::INVAL, "alloc_contiguous_frames: zero frames");
    uint64_t run = 0;
    for (uint64_t frame = 0; frame < g_frame_count; ++frame) {
        run = in_use(frame) ? 0 : run + 1;
        if (run < count)
            continue;
        uint64_t first = frame + 1 - count;
        for (uint64_t f = first; f <= frame; ++f) {
            set_in_use(f);
            memset(phys_to_virt(f * kPageSize), 0, kPageSize);
        }
        g_free_frames -= count;
        return first * kPageSize;
    }
    return lib::Error(lib::Errno::NOMEM, "no run of free physical frames that long");
}

void free_frame(uint64_t phys)
{
    uint64_t frame = phys / kPageSize;
    if (phys % kPageSize || frame >= g_frame_count || !in_use(frame))
        core::panic("free_frame({:#x}): not an allocated frame", phys);
    set_free(frame);
    ++g_free_frames;
    if (frame < g_cursor)
        g_cursor = frame;
}

FrameStats frame_stats() { return { g_usable_frames, g_free_frames }; }

} // namespace mm
