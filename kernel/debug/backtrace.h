// Frame-pointer backtraces. The kernel is built with -fno-omit-frame-pointer, so each
// frame starts with the record {caller's %rbp, return address} at %rbp, and boot.S starts
// the chain with %rbp = 0. Application code is usually built without frame pointers: its
// %rbp may hold anything, which is why every record is validated before it is read.
#pragma once

#include <cstddef>
#include <cstdint>

namespace debug {

constexpr size_t kMaxBacktraceFrames = 32;

/// The call chain of the frame (rip, rbp): `rip` first, then one return address per
/// frame record. A record is read only if it is 8-byte aligned and mapped
/// (debug::is_readable), and only if it lies above the previous one on the same stack (or
/// the walk is leaving an IST stack for the stack it interrupted), so a corrupt chain ends
/// the walk instead of faulting or looping. Stops at rbp 0 or after `max` addresses.
/// Returns how many addresses were written to `out`.
size_t collect_backtrace(uintptr_t rip, uintptr_t rbp, uintptr_t* out, size_t max);

/// Prints "backtrace:" and one symbolized line per address of the chain of (rip, rbp).
/// `rip` is the address of the interrupted instruction (as in an interrupt frame).
void print_backtrace(uintptr_t rip, uintptr_t rbp);

/// Prints the backtrace of its caller.
[[gnu::noinline]] void print_current_backtrace();

} // namespace debug
