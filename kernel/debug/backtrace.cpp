#include <kernel/debug/backtrace.h>

#include <kernel/arch/x86_64/gdt.h>
#include <kernel/debug/report.h>
#include <kernel/debug/safe_memory.h>
#include <kernel/debug/symbols.h>

namespace debug {

namespace {

// Whether the walk may go from the record at `from` to the one at `to`. Stacks grow down,
// so callers' records sit at higher addresses; the one allowed jump elsewhere is from an
// interrupt entry's record (on an IST stack) to the interrupted stack.
bool plausible_next(uintptr_t from, uintptr_t to)
{
    if (to > from)
        return true;
    uint8_t from_slot = arch::ist_slot_containing(from);
    return from_slot != 0 && arch::ist_slot_containing(to) != from_slot;
}

void print_chain(uintptr_t first, uintptr_t rbp, AddressKind first_kind)
{
    uintptr_t addresses[kMaxBacktraceFrames];
    size_t count = collect_backtrace(first, rbp, addresses, kMaxBacktraceFrames);
    report("backtrace:");
    for (size_t i = 0; i < count; ++i) {
        char text[160];
        auto kind = i == 0 ? first_kind : AddressKind::ReturnAddress;
        size_t length = describe_address(addresses[i], kind, text, sizeof(text));
        report("  #{:<2} {:#018x}  {}", i, addresses[i], std::string_view(text, length));
    }
    if (count == kMaxBacktraceFrames)
        report("  ... (stopped after {} frames)", kMaxBacktraceFrames);
}

} // namespace

size_t collect_backtrace(uintptr_t rip, uintptr_t rbp, uintptr_t* out, size_t max)
{
    size_t count = 0;
    if (max == 0)
        return 0;
    out[count++] = rip;
    while (count < max && rbp != 0) {
        uint64_t next_rbp, return_address;
        if (rbp % 8 != 0 || !is_readable(rbp, 16))
            break;
        next_rbp = *reinterpret_cast<const uint64_t*>(rbp);
        return_address = *reinterpret_cast<const uint64_t*>(rbp + 8);
        if (return_address == 0)
            break;
        out[count++] = return_address;
        if (next_rbp != 0 && !plausible_next(rbp, next_rbp))
            break;
        rbp = next_rbp;
    }
    return count;
}

void print_backtrace(uintptr_t rip, uintptr_t rbp) { print_chain(rip, rbp, AddressKind::Instruction); }

void print_current_backtrace()
{
    auto* frame = static_cast<uintptr_t*>(__builtin_frame_address(0));
    // Start at our caller: its return address and its frame record.
    print_chain(frame[1], frame[0], AddressKind::ReturnAddress);
}

} // namespace debug
