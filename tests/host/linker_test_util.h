// Helpers for the linker host tests: reading files, "loading" an ELF into a host buffer
// the way the kernel does (reserve the span, copy each PT_LOAD's file bytes, zero the
// rest), and a synthetic object builder for byte-exact symbol and relocation tests.
#pragma once

#include <linker/dynamic.h>
#include <linker/load_plan.h>
#include <linker/memory.h>
#include <linker/symbols.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace linker_test {

inline std::vector<std::byte> read_file(const char* path)
{
    std::ifstream in(path, std::ios::binary);
    std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::byte> bytes(chars.size());
    if (!chars.empty())
        memcpy(bytes.data(), chars.data(), chars.size());
    return bytes;
}

/// An ELF loaded at `base` in a host buffer, with its dynamic section and symbols decoded.
struct LoadedImage {
    std::vector<std::byte> file;
    linker::LoadPlan plan;
    std::vector<std::byte> memory;
    uint64_t base = 0;
    linker::DynamicInfo dynamic;
    linker::SymbolTable symbols;

    uint64_t bias() const { return base - plan.span_start; }
    linker::ImageView view() const { return linker::ImageView::loaded(memory, plan.span_start); }
    linker::BufferMemory buffer() { return linker::BufferMemory(memory, base); }

    /// Plans and copies the segments; decodes dynamic + symbols. Spans above 64 MiB
    /// (corrupted sizes) are refused rather than allocated.
    static lib::Result<LoadedImage> load(std::vector<std::byte> file, uint64_t base = 0x7f0000000000)
    {
        LoadedImage l;
        l.file = std::move(file);
        l.base = base;
        l.plan = TRY(linker::make_load_plan(l.file));
        if (l.plan.span_size() > (64u << 20))
            return lib::Error(lib::Errno::NOMEM, "test: span too large for a host buffer");
        l.memory.assign(l.plan.span_size(), std::byte(0));
        for (const auto& s : l.plan.segments())
            memcpy(l.memory.data() + (s.vaddr - l.plan.span_start), l.file.data() + s.offset, s.filesz);
        l.dynamic = TRY(linker::read_dynamic(l.view(), l.plan));
        l.symbols = TRY(linker::SymbolTable::create(l.view(), l.dynamic));
        return l;
    }
};

/// A synthetic loaded object at link-time address 0 (bias = base): string table, symbol
/// table with a SysV hash, versym/verdef/verneed and a data area, laid out at fixed offsets.
struct ObjectBuilder {
    static constexpr uint64_t kStrtab = 0x100, kHash = 0x600, kSymtab = 0x800, kVersym = 0xa00, kVerdef = 0xb00,
                              kVerneed = 0xc00, kData = 0x2000, kSize = 0x4000;
    std::vector<std::byte> memory = std::vector<std::byte>(kSize);
    std::string strings = std::string(1, '\0');
    std::vector<linker::elf::Symbol> symbols = { linker::elf::Symbol {} };
    std::vector<uint16_t> versyms = { 0 };
    std::vector<std::pair<uint16_t, std::string>> verdefs;  // index, name
    std::vector<std::pair<uint16_t, std::string>> verneeds; // index, name (all from "libc.so.6")
    linker::DynamicInfo dynamic;

    uint32_t add_string(const std::string& s)
    {
        uint32_t offset = uint32_t(strings.size());
        strings += s;
        strings += '\0';
        return offset;
    }
    uint32_t add_symbol(const std::string& name, uint8_t binding, uint8_t type, uint16_t shndx, uint64_t value,
        uint64_t size, uint16_t versym = 1)
    {
        symbols.push_back({ add_string(name), linker::elf::symbol_info(binding, type), 0, shndx, value, size });
        versyms.push_back(versym);
        return uint32_t(symbols.size() - 1);
    }
    template<typename T> void put(uint64_t at, const T& value) { memcpy(memory.data() + at, &value, sizeof(T)); }

    void finish();
    lib::Result<linker::SymbolTable> table() const
    {
        return linker::SymbolTable::create(linker::ImageView::loaded(memory, 0), dynamic);
    }
};

inline void ObjectBuilder::finish()
{
    using namespace linker::elf;
    uint32_t libc = add_string("libc.so.6");
    std::vector<std::pair<uint16_t, uint32_t>> def_names, need_names;
    for (auto& [index, name] : verdefs)
        def_names.push_back({ index, add_string(name) });
    for (auto& [index, name] : verneeds)
        need_names.push_back({ index, add_string(name) });
    memcpy(memory.data() + kStrtab, strings.data(), strings.size());
    for (size_t i = 0; i < symbols.size(); ++i) {
        put(kSymtab + i * sizeof(Symbol), symbols[i]);
        put(kVersym + i * 2, versyms[i]);
    }
    const uint32_t nbucket = 3, nchain = uint32_t(symbols.size());
    std::vector<uint32_t> buckets(nbucket), chains(nchain);
    for (uint32_t i = 1; i < nchain; ++i) { // prepend each symbol to its bucket's chain
        uint32_t b = linker::elf_hash(strings.c_str() + symbols[i].name) % nbucket;
        chains[i] = buckets[b];
        buckets[b] = i;
    }
    put(kHash, nbucket), put(kHash + 4, nchain);
    memcpy(memory.data() + kHash + 8, buckets.data(), nbucket * 4);
    memcpy(memory.data() + kHash + 8 + nbucket * 4, chains.data(), nchain * 4);
    for (size_t i = 0; i < def_names.size(); ++i) {
        uint64_t at = kVerdef + i * 28;
        uint32_t next = i + 1 < def_names.size() ? 28 : 0;
        put(at, Verdef { 1, uint16_t(def_names[i].first == 1 ? VER_FLG_BASE : 0), def_names[i].first, 1, 0, 20, next });
        put(at + 20, Verdaux { def_names[i].second, 0 });
    }
    put(kVerneed, Verneed { 1, uint16_t(need_names.size()), libc, 16, 0 });
    for (size_t i = 0; i < need_names.size(); ++i) {
        uint32_t next = i + 1 < need_names.size() ? 16 : 0;
        put(kVerneed + 16 + i * 16, Vernaux { 0, 0, need_names[i].first, need_names[i].second, next });
    }
    dynamic.strtab = kStrtab, dynamic.strsz = strings.size();
    dynamic.symtab = kSymtab, dynamic.sysv_hash = kHash, dynamic.versym = kVersym;
    dynamic.verdef = def_names.empty() ? 0 : kVerdef, dynamic.verdefnum = def_names.size();
    dynamic.verneed = need_names.empty() ? 0 : kVerneed, dynamic.verneednum = need_names.empty() ? 0 : 1;
}

} // namespace linker_test
