// Which function of an ELF file contains an address: for crash reports (the kernel's
// SymbolSource for loaded objects) and nothing else. Reads the section headers and the
// full symbol table (.symtab) when the file has one, else the dynamic one (.dynsym);
// every offset and index is bounds-checked, so a malformed file gives no answer, never a
// bad read. Linear in the number of symbols: crash reports only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace linker {

struct FunctionSymbol {
    std::string_view name; // points into `file`
    uint64_t start;        // link-time address of the function
};

/// The STT_FUNC symbol of `file` whose [value, value + size) contains the link-time address
/// `vaddr` (or, for symbols of size 0, the nearest one below it). Empty when none does.
std::optional<FunctionSymbol> find_function_symbol(std::span<const std::byte> file, uint64_t vaddr);

} // namespace linker
