// Reading memory from crash-report code, which must never fault while reporting a fault.
#pragma once

#include <cstddef>
#include <cstdint>

namespace debug {

/// Whether every byte of [address, address + length) is canonical and mapped present in the
/// live page tables. Found by walking the tables (never by touching the range), so it is
/// safe on any address, including a corrupt frame pointer. Returns false for length 0 or a
/// range that wraps. Trusts the page tables themselves (kernel-owned).
bool is_readable(uintptr_t address, size_t length);

/// Reads the 8-byte word at `address` if is_readable says it can; false otherwise.
bool read_word(uintptr_t address, uint64_t& value);

} // namespace debug
