// Symbolization: which function an address belongs to, for backtraces and crash reports.
//
// The kernel's own functions come from a table generated at build time
// (scripts/gen-kernel-symbols, section .osprey_tables.symbols; names already demangled).
// Code outside the kernel image (the application and its libraries) is symbolized by
// SymbolSources: the ELF linker embeds one in each loaded object and registers it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace debug {

struct Symbol {
    const char* name;        // the function; nullptr when only the module is known
    uintptr_t offset;        // address - function start (when name is set)
    const char* module;      // nullptr: the kernel; else the object's name ("libfoo.so.1")
    uintptr_t module_offset; // address - module load base (when module is set)
};

/// The symbols of one loaded object (extension point for the ELF linker). Runs in crash
/// context: implementations must not allocate, take locks, or read memory that might be
/// unmapped (check with debug::is_readable first).
class SymbolSource {
public:
    /// `module` names the object (must outlive the registration); the object covers
    /// [start, end) and was loaded at `base` (its link-time address 0).
    constexpr SymbolSource(const char* module, uintptr_t base, uintptr_t start, uintptr_t end)
        : m_module(module), m_base(base), m_start(start), m_end(end)
    {
    }

    /// The function containing `address` (which lies in [start, end)): its name and start
    /// address. False if unknown; the report then shows module+offset only. The default
    /// knows no names.
    virtual bool find_function(uintptr_t address, const char*& name, uintptr_t& function_start) const;

    const char* module() const { return m_module; }
    uintptr_t base() const { return m_base; }
    bool contains(uintptr_t address) const { return address >= m_start && address < m_end; }

protected:
    ~SymbolSource() = default;

private:
    friend class SymbolRegistry; // symbols.cpp: the list of registered sources
    const char* m_module;
    uintptr_t m_base, m_start, m_end;
    SymbolSource* m_next = nullptr;
};

/// Adds `source` to the sources lookup_symbol consults. The caller serializes registration
/// and unregistration (the linker's lock); lookups may run concurrently (crash reports).
void register_symbol_source(SymbolSource& source);
/// Removes a registered source (an object being unloaded). Same serialization rule.
void unregister_symbol_source(SymbolSource& source);

/// The function containing `address`: the kernel's text through the generated table, any
/// other address through the registered sources. Empty when nobody knows it.
std::optional<Symbol> lookup_symbol(uintptr_t address);

enum class AddressKind {
    Instruction,   // the faulting instruction: symbolize the address itself
    ReturnAddress, // from a backtrace: symbolize address - 1 (the call may end a function)
};

/// Writes a readable description of `address` into `buffer` (not NUL-terminated):
/// "klog::emit+0x1a", "main+0x12 (app+0x1152)", "libfoo.so.1+0x4a12" or "?". Returns the
/// number of characters written (at most `size`).
size_t describe_address(uintptr_t address, AddressKind kind, char* buffer, size_t size);

} // namespace debug
