// FIRST-CUT API kept for linker/kernel/ until it moves to the staged core (image_view.h,
// dynamic.h, symbols.h): an ELF object after its segments are in memory, its dynamic
// section decoded and checked, symbol lookup with GNU versions. Now a thin wrapper.
// `memory` is the object's bytes as loaded, seen by the program at `load_address`.
#pragma once

#include <linker/elf_image.h>
#include <linker/symbols.h>

namespace linker {

/// One symbol definition found by lookup.
struct Definition {
    const elf::Symbol* symbol;
    uint64_t address; // load bias + st_value
};

class LoadedObject {
public:
    /// Decodes the dynamic section of `image` loaded in `memory` at `load_address`
    /// (memory[0] is the program's address load_address, which corresponds to the image's
    /// span_start()). Errors: ENOEXEC with what is wrong.
    static lib::Result<LoadedObject> create(const ElfImage& image, std::span<std::byte> memory, uint64_t load_address);

    uint64_t bias() const { return m_bias; }
    const DynamicInfo& dynamic() const { return m_dynamic; }
    const SymbolTable& symbols() const { return m_symbols; }
    const ImageView& view() const { return m_view; }
    std::span<std::byte> memory() const { return m_memory; }
    uint64_t load_address() const { return m_load_address; }
    bool has_tls() const { return m_has_tls; }
    /// PT_TLS's p_vaddr (link-time): where the TLS initialisation image starts.
    uint64_t tls_vaddr() const { return m_tls_vaddr; }
    /// A string of the dynamic string table; empty if out of range.
    std::string_view string(uint64_t offset) const;
    std::span<const uint32_t> needed() const { return m_dynamic.needed_offsets(); }
    std::string_view soname() const { return m_dynamic.soname ? string(*m_dynamic.soname) : std::string_view(); }

    /// Host pointer for [address, address+size) of the program's view; nullptr if it is not
    /// entirely inside this object.
    std::byte* at(uint64_t address, uint64_t size) const;
    /// As at(), typed; nullptr also when `address` is misaligned for T.
    template<typename T> T* object_at(uint64_t address) const
    {
        if (address % alignof(T))
            return nullptr;
        return reinterpret_cast<T*>(at(address, sizeof(T)));
    }

    /// Symbol `index` of the dynamic symbol table; nullptr if out of range.
    const elf::Symbol* symbol(uint32_t index) const;
    uint32_t symbol_count() const { return m_symbols.size(); }
    /// The version symbol `index` has or needs (empty name if unversioned or malformed).
    SymbolVersion symbol_version(uint32_t index) const;

    /// SymbolTable::lookup() with the run-time address.
    std::optional<Definition> lookup(std::string_view name, std::string_view version) const;
    /// The resolver address an STT_GNU_IFUNC `definition` of this object names, checked to
    /// lie in the object: ifunc_outside_object_error() if not.
    lib::Result<uint64_t> checked_ifunc_resolver(const Definition& definition) const;

private:
    std::span<std::byte> m_memory;
    uint64_t m_load_address = 0, m_bias = 0;
    bool m_has_tls = false;
    uint64_t m_tls_vaddr = 0;
    ImageView m_view;
    DynamicInfo m_dynamic;
    SymbolTable m_symbols;
};

} // namespace linker
