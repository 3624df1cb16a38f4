// An ELF object after its segments are in memory: its dynamic section decoded and checked,
// symbol lookup (GNU hash, SysV hash) with GNU symbol versions. Portable: `memory` is the
// object's bytes as loaded, seen by the program at `load_address`; in the kernel the two
// are the same, host tests load into a buffer. Every address read from the object is
// bounds-checked against its loaded span.
#pragma once

#include <linker/elf.h>
#include <linker/elf_image.h>
#include <lib/result.h>

#include <optional>
#include <span>
#include <string_view>

namespace linker {

struct DynamicInfo {
    uint64_t strtab = 0, strsz = 0, symtab = 0, gnu_hash = 0, sysv_hash = 0;
    uint64_t rela = 0, relasz = 0, jmprel = 0, pltrelsz = 0, relr = 0, relrsz = 0;
    uint64_t init = 0, fini = 0, init_array = 0, init_arraysz = 0, fini_array = 0, fini_arraysz = 0;
    uint64_t preinit_array = 0, preinit_arraysz = 0;
    uint64_t versym = 0, verdef = 0, verdefnum = 0, verneed = 0, verneednum = 0;
    uint64_t soname = 0, runpath = 0, flags = 0, flags_1 = 0;
    static constexpr size_t kMaxNeeded = 64;
    uint32_t needed[kMaxNeeded] = {}; // string table offsets
    size_t needed_count = 0;
};

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

    /// load_address - span_start: add to a virtual address of the file to get its address.
    uint64_t bias() const { return m_bias; }
    const DynamicInfo& dynamic() const { return m_dynamic; }
    /// A NUL-terminated string of the dynamic string table; empty if out of range.
    std::string_view string(uint64_t offset) const;
    std::span<const uint32_t> needed() const { return { m_dynamic.needed, m_dynamic.needed_count }; }
    std::string_view soname() const { return m_dynamic.soname ? string(m_dynamic.soname - 1) : std::string_view(); }

    /// Host pointer for [address, address+size) of the program's view; nullptr if it is not
    /// entirely inside this object.
    std::byte* at(uint64_t address, uint64_t size) const;
    /// As at(), typed; nullptr also when `address` is misaligned for T.
    template<typename T>
    T* object_at(uint64_t address) const
    {
        if (address % alignof(T))
            return nullptr;
        return reinterpret_cast<T*>(at(address, sizeof(T)));
    }

    /// Symbol `index` of the dynamic symbol table; nullptr if out of range.
    const elf::Symbol* symbol(uint32_t index) const;
    uint32_t symbol_count() const { return m_symbol_count; }
    /// The version name that symbol `index` has or needs ("" if unversioned), its file for
    /// a needed version (verneed), and whether it is hidden (not the default version).
    struct SymbolVersion {
        std::string_view name, file;
        bool hidden;
    };
    SymbolVersion symbol_version(uint32_t index) const;

    /// The defined global or weak symbol `name`. With `version`, only that version
    /// matches; without, the default (non-hidden) version or an unversioned symbol.
    std::optional<Definition> lookup(std::string_view name, std::string_view version) const;

private:
    lib::Result<void> decode_dynamic(const elf::ProgramHeader& dynamic);
    lib::Result<void> check_tables();
    bool matches(uint32_t index, std::string_view name, std::string_view version) const;
    std::string_view version_name(uint16_t version_index) const;

    std::span<std::byte> m_memory;
    uint64_t m_load_address = 0, m_bias = 0;
    DynamicInfo m_dynamic;
    uint32_t m_symbol_count = 0;
};

/// The GNU hash of a symbol name (the DT_GNU_HASH function).
uint32_t gnu_hash(std::string_view name);
/// The SysV ELF hash (DT_HASH and symbol versioning's vd_hash).
uint32_t elf_hash(std::string_view name);

} // namespace linker
