// ktest=mm: physical frames and demand paging, checked from inside the kernel where the
// frame counts are visible (tests/kernel runs it; the guest tests cover the system calls).
#include <mm/address_space.h>
#include <mm/memory.h>
#include <mm/mm_ktest.h>

#include <kernel/arch/x86_64/idt.h>
#include <kernel/core/vm_exit.h>
#include <kernel/debug/report.h>

#include <cstring>
#include <pthread.h>

namespace mm {

namespace {

int g_failures;

void expect(bool ok, const char* what)
{
    if (!ok) {
        debug::report("ktest mm: FAIL: {}", what);
        ++g_failures;
    }
}

bool zeroed(uint64_t phys)
{
    auto* bytes = static_cast<const unsigned char*>(phys_to_virt(phys));
    for (size_t i = 0; i < kPageSize; ++i)
        if (bytes[i])
            return false;
    return true;
}

void test_single_and_contiguous_frames()
{
    uint64_t before = frame_stats().free_frames;
    uint64_t frames[10];
    for (uint64_t& frame : frames) {
        frame = alloc_frame().value();
        expect(zeroed(frame), "a new frame is zeroed");
        memset(phys_to_virt(frame), 0xab, kPageSize);
    }
    expect(frame_stats().free_frames == before - 10, "the free count follows single allocations");
    for (uint64_t frame : frames)
        free_frame(frame);
    uint64_t run = alloc_contiguous_frames(16).value();
    for (uint64_t i = 0; i < 16; ++i)
        expect(zeroed(run + i * kPageSize), "contiguous frames are zeroed (even ones used before)");
    expect(frame_stats().free_frames == before - 16, "the free count follows contiguous allocations");
    for (uint64_t i = 0; i < 16; ++i)
        free_frame(run + i * kPageSize);
    expect(frame_stats().free_frames == before, "freeing gives every frame back");
    expect(alloc_contiguous_frames(0).error().code == lib::Errno::INVAL, "zero frames is EINVAL");
    expect(alloc_contiguous_frames(frame_stats().total_frames + 1).error().code == lib::Errno::NOMEM,
        "more frames than exist is ENOMEM");
}

/// A freed frame is reused before any frame above it: the host backs only what the guest
/// has needed at its peak (page_frames.cpp).
void test_lowest_frame_first()
{
    uint64_t frames[8];
    for (uint64_t& frame : frames)
        frame = alloc_frame().value();
    uint64_t highest = 0;
    for (uint64_t frame : frames)
        highest = frame > highest ? frame : highest;
    free_frame(frames[5]);
    free_frame(frames[2]);
    uint64_t low = frames[2] < frames[5] ? frames[2] : frames[5], high = frames[2] < frames[5] ? frames[5] : frames[2];
    uint64_t first = alloc_frame().value(), second = alloc_frame().value();
    expect(first == low && second == high, "freed frames come back lowest first");
    uint64_t next = alloc_frame().value();
    expect(next > highest, "then the lowest free frame, above them all (every frame below is in use)");
    free_frame(next);
    frames[2] = first, frames[5] = second;
    for (uint64_t frame : frames)
        free_frame(frame);
}

/// Takes every free frame (chained through their own first word), checks that the next
/// allocation fails cleanly, then gives them all back.
void test_exhaustion()
{
    uint64_t before = frame_stats().free_frames, taken = 0, chain = 0;
    for (auto frame = alloc_frame(); !frame.is_error(); frame = alloc_frame(), ++taken) {
        *static_cast<uint64_t*>(phys_to_virt(frame.value())) = chain;
        chain = frame.value();
    }
    expect(taken == before && frame_stats().free_frames == 0, "every free frame can be allocated");
    expect(alloc_frame().error().code == lib::Errno::NOMEM, "an empty allocator says ENOMEM");
    while (chain) {
        uint64_t next = *static_cast<uint64_t*>(phys_to_virt(chain));
        free_frame(chain);
        chain = next;
    }
    expect(frame_stats().free_frames == before, "all frames came back");
}

void test_demand_paging()
{
    // Area objects come from frames too: let the pool take its first frame beforehand.
    (void)unmap(map_anonymous(0, kPageSize, ProtRead, Placement::Anywhere).value(), kPageSize);
    uint64_t before = frame_stats().free_frames;
    auto* p = reinterpret_cast<volatile char*>(
        map_anonymous(0, 64 * kPageSize, ProtRead | ProtWrite, Placement::Anywhere).value());
    expect(frame_stats().free_frames == before, "mmap takes no frame before a touch");
    p[0] = 1;
    p[10 * kPageSize] = 2;
    p[63 * kPageSize + 100] = 3;
    uint64_t used = before - frame_stats().free_frames;
    expect(used >= 3 && used <= 3 + 3, "three touches take three frames (and at most three page tables)");
    expect(p[5 * kPageSize] == 0 && p[10 * kPageSize] == 2, "untouched pages read zero, touched ones keep data");
    (void)unmap(reinterpret_cast<uintptr_t>(p), 64 * kPageSize);
    expect(frame_stats().free_frames == before, "munmap gives back the pages and the page tables their touches made");
    uint64_t reserved_before = frame_stats().free_frames;
    MapRequest huge { .length = 1ull << 30, .prot = ProtNone };
    auto reservation = map(huge, MapNoReserve);
    expect(
        !reservation.is_error() && frame_stats().free_frames == reserved_before, "a 1 GiB reservation costs nothing");
    if (!reservation.is_error())
        (void)unmap(reservation.value(), 1ull << 30);
    MapRequest too_big { .length = (frame_stats().total_frames + 1) * kPageSize, .prot = ProtRead | ProtWrite };
    expect(map(too_big).error().code == lib::Errno::NOMEM, "a private writable mapping larger than RAM is refused");
    expect(!map(too_big, MapNoReserve).is_error(), "... unless MAP_NORESERVE");
}

/// munmap skips whole 2 MiB, 1 GiB and 512 GiB stretches without page tables: pages
/// touched far apart inside one big mapping must all be found and freed, and so must the
/// page tables and directories their touches made.
void test_sparse_unmap()
{
    constexpr uint64_t kGiB = 1ull << 30, kLength = 3 * kGiB;
    MapRequest request { .length = kLength, .prot = ProtRead | ProtWrite };
    auto mapped = map(request, MapNoReserve);
    expect(!mapped.is_error(), "a 3 GiB MAP_NORESERVE mapping");
    if (mapped.is_error())
        return;
    auto* p = reinterpret_cast<volatile char*>(mapped.value());
    const uint64_t offsets[] = { 0, kGiB + 2 * kPageSize, 2 * kGiB + (5ull << 20), kLength - kPageSize };
    uint64_t before = frame_stats().free_frames;
    for (uint64_t offset : offsets)
        p[offset] = 7;
    uint64_t taken = before - frame_stats().free_frames;
    (void)unmap(mapped.value(), kLength);
    expect(taken >= 4 + 4, "four touches 1 GiB apart take four pages and at least four page tables");
    expect(frame_stats().free_frames == before,
        "munmap of a sparse 3 GiB mapping frees its four pages and their page tables");
}

constexpr uint64_t kUnmappedLowerHalf = 0x00007fffdead0000; // beyond the boot map, never mapped here
constexpr uint8_t kFaultingHandlerVector = 0x41;

arch::InterruptResult fault_in_handler(arch::InterruptFrame&)
{
    (void)*reinterpret_cast<volatile uint64_t*>(kUnmappedLowerHalf);
    return arch::InterruptResult::Handled;
}

void* raise_faulting_interrupt(void*)
{
    asm volatile("int $0x41");
    return nullptr;
}

// An interrupt handler that faults, on a thread's own interrupt stack (not the boot CPU's
// static one), once the program counts as started: a kernel bug, so the CPU exception
// report and a panic, never "program killed by SIGSEGV" (mm/page_fault.cpp tells the two
// apart by the interrupted stack, arch::ist_slot_containing). Does not return.
[[noreturn]] void test_interrupt_handler_fault()
{
    arch::note_program_started();
    arch::set_interrupt_handler(kFaultingHandlerVector, fault_in_handler);
    pthread_t thread;
    if (pthread_create(&thread, nullptr, raise_faulting_interrupt, nullptr) != 0)
        core::panic("ktest irq_fault: pthread_create failed");
    pthread_join(thread, nullptr);
    core::panic("ktest irq_fault: the faulting interrupt handler returned");
}

} // namespace

bool run_ktest(std::string_view name)
{
    if (name == "irq_fault")
        test_interrupt_handler_fault();
    if (name != "mm")
        return false;
    test_single_and_contiguous_frames();
    test_lowest_frame_first();
    test_exhaustion();
    test_demand_paging();
    test_sparse_unmap();
    debug::report("ktest mm: {}", g_failures ? "FAILED" : "ok");
    core::vm_exit(g_failures ? 1 : 0);
}

} // namespace mm
