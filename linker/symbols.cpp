// Symbol table validation and lookup (gABI §5 "Hash Table"; DT_GNU_HASH as documented by
// its author in "GNU Hash ELF Sections" and implemented by binutils and glibc, here
// written from that description).
#include <linker/symbols.h>

namespace linker {

uint32_t gnu_hash(std::string_view name)
{
    uint32_t h = 5381;
    for (char c : name)
        h = h * 33 + uint8_t(c);
    return h;
}

uint32_t elf_hash(std::string_view name)
{
    uint32_t h = 0;
    for (char c : name) {
        h = (h << 4) + uint8_t(c);
        uint32_t g = h & 0xf0000000;
        h ^= g >> 24;
        h &= ~g;
    }
    return h;
}

lib::Result<void> SymbolTable::read_gnu_hash(uint64_t vaddr)
{
    auto header = m_view.array<uint32_t>(vaddr, 4);
    if (!header || vaddr % 8)
        return elf_error("ELF: DT_GNU_HASH header outside the object or misaligned");
    GnuHash h { (*header)[0], (*header)[1], (*header)[2], (*header)[3], {}, {}, {} };
    if (h.nbuckets == 0 || h.bloom_size == 0 || (h.bloom_size & (h.bloom_size - 1)))
        return elf_error("ELF: DT_GNU_HASH with no buckets or a bad Bloom filter size");
    uint64_t bloom = vaddr + 16, buckets = bloom + uint64_t(h.bloom_size) * 8;
    auto bloom_words = m_view.array<uint64_t>(bloom, h.bloom_size);
    auto bucket_words = m_view.array<uint32_t>(buckets, h.nbuckets);
    if (!bloom_words || !bucket_words)
        return elf_error("ELF: DT_GNU_HASH buckets outside the object");
    h.bloom = *bloom_words, h.buckets = *bucket_words;
    uint32_t last = 0;
    for (uint32_t b : h.buckets) {
        if (b && b < h.symoffset)
            return elf_error("ELF: DT_GNU_HASH bucket below its first hashed symbol");
        last = b > last ? b : last;
    }
    uint64_t chains = buckets + uint64_t(h.nbuckets) * 4;
    m_count = h.symoffset;
    if (last) { // walk the chain of the highest bucket to its end: that is the symbol count
        for (;; ++last) {
            auto entry = m_view.read<uint32_t>(chains + uint64_t(last - h.symoffset) * 4);
            if (!entry || last == UINT32_MAX)
                return elf_error("ELF: DT_GNU_HASH chain outside the object");
            if (*entry & 1)
                break;
        }
        m_count = last + 1;
    }
    auto chain_words = m_view.array<uint32_t>(chains, m_count - h.symoffset);
    if (!chain_words)
        return elf_error("ELF: DT_GNU_HASH chain outside the object");
    h.chains = *chain_words;
    m_gnu = h;
    return {};
}

lib::Result<void> SymbolTable::read_sysv_hash(uint64_t vaddr)
{
    auto header = m_view.array<uint32_t>(vaddr, 2);
    if (!header)
        return elf_error("ELF: DT_HASH header outside the object or misaligned");
    uint32_t nbucket = (*header)[0], nchain = (*header)[1];
    auto buckets = m_view.array<uint32_t>(vaddr + 8, nbucket);
    auto chains = m_view.array<uint32_t>(vaddr + 8 + uint64_t(nbucket) * 4, nchain);
    if (!buckets || !chains || nbucket == 0)
        return elf_error("ELF: DT_HASH buckets or chains outside the object");
    m_sysv = SysvHash { *buckets, *chains };
    // nchain is the symbol count by definition (gABI "Hash Table"). A GNU hash table counts
    // only up to its last hashed symbol, and one that hashes nothing (Free Pascal's
    // executables, which export nothing) says only symoffset: the imports lie past it.
    if (!m_gnu || nchain > m_count)
        m_count = nchain;
    return {};
}

lib::Result<SymbolTable> SymbolTable::create(const ImageView& view, const DynamicInfo& d)
{
    SymbolTable t;
    t.m_view = view;
    t.m_strtab = d.strtab, t.m_strsz = d.strsz;
    t.m_verdef = d.verdef, t.m_verdefnum = d.verdefnum, t.m_verneed = d.verneed, t.m_verneednum = d.verneednum;
    if (!d.symtab)
        return elf_error("ELF: no DT_SYMTAB");
    if (!view.bytes(d.strtab, d.strsz))
        return elf_error("ELF: dynamic string table outside the object");
    if (d.gnu_hash)
        TRY(t.read_gnu_hash(d.gnu_hash));
    if (d.sysv_hash)
        TRY(t.read_sysv_hash(d.sysv_hash));
    if (!t.m_gnu && !t.m_sysv)
        return elf_error("ELF: no DT_HASH or DT_GNU_HASH (symbol count unknown)");
    // A GNU hash table with no hashed symbol says nothing of the undefined ones: GNU ld
    // writes symoffset 1 for an executable that exports nothing (a non-PIE one, say), whose
    // imports then lie past the count. Take the count from the layout ld writes instead,
    // .dynsym directly followed by .dynstr.
    if (t.m_gnu && !t.m_sysv && t.m_gnu->chains.empty() && d.strtab > d.symtab) {
        uint64_t by_layout = (d.strtab - d.symtab) / sizeof(elf::Symbol);
        if (by_layout > t.m_count && by_layout <= UINT32_MAX)
            t.m_count = uint32_t(by_layout);
    }
    auto symbols = view.array<elf::Symbol>(d.symtab, t.m_count);
    if (!symbols)
        return elf_error("ELF: dynamic symbol table outside the object or misaligned");
    t.m_symbols = *symbols;
    if (d.versym) {
        auto versym = view.array<uint16_t>(d.versym, t.m_count);
        if (!versym)
            return elf_error("ELF: DT_VERSYM outside the object or misaligned");
        t.m_versym = *versym;
    }
    TRY(t.check_versions());
    return t;
}

lib::Result<elf::Symbol> SymbolTable::symbol(uint32_t index) const
{
    if (index >= m_count)
        return elf_error("ELF: symbol index out of range");
    return m_symbols[index];
}

lib::Result<std::string_view> SymbolTable::string(uint64_t offset) const
{
    if (offset >= m_strsz)
        return elf_error("ELF: string index outside the dynamic string table");
    auto s = m_view.string(m_strtab + offset, m_strsz - offset);
    if (!s)
        return elf_error("ELF: dynamic string not terminated inside the string table");
    return *s;
}

lib::Result<std::string_view> SymbolTable::name(const elf::Symbol& symbol) const { return string(symbol.name); }

bool SymbolTable::matches(uint32_t index, std::string_view name, std::string_view version) const
{
    const elf::Symbol& s = m_symbols[index];
    uint8_t binding = elf::symbol_binding(s), type = elf::symbol_type(s);
    if (s.shndx == elf::SHN_UNDEF || binding == elf::STB_LOCAL)
        return false;
    if (binding != elf::STB_GLOBAL && binding != elf::STB_WEAK && binding != elf::STB_GNU_UNIQUE)
        return false;
    if (s.value == 0 && s.shndx != elf::SHN_ABS && type != elf::STT_TLS)
        return false;
    auto symbol_name = string(s.name);
    if (symbol_name.is_error() || symbol_name.value() != name)
        return false;
    if (m_versym.empty())
        return true;
    auto v = this->version(index);
    if (v.is_error())
        return false;
    if (v->index <= elf::VER_NDX_GLOBAL || version.empty())
        return !v->hidden;
    return v->name == version;
}

std::optional<SymbolDefinition> SymbolTable::definition(uint32_t index) const
{
    auto v = version(index);
    return SymbolDefinition { index, m_symbols[index], v.is_error() ? SymbolVersion {} : v.value() };
}

std::optional<SymbolDefinition> SymbolTable::lookup_gnu(std::string_view name, std::string_view version) const
{
    const GnuHash& h = *m_gnu;
    uint32_t hash = gnu_hash(name);
    uint64_t word = h.bloom[(hash / 64) % h.bloom_size];
    uint64_t mask = (1ull << (hash % 64)) | (1ull << ((hash >> (h.bloom_shift % 32)) % 64));
    if ((word & mask) != mask)
        return std::nullopt;
    for (uint32_t index = h.buckets[hash % h.nbuckets]; index && index < m_count; ++index) {
        uint32_t chain = h.chains[index - h.symoffset];
        if ((chain | 1) == (hash | 1) && matches(index, name, version))
            return definition(index);
        if (chain & 1)
            break;
    }
    return std::nullopt;
}

std::optional<SymbolDefinition> SymbolTable::lookup_sysv(std::string_view name, std::string_view version) const
{
    const SysvHash& h = *m_sysv;
    uint32_t index = h.buckets[elf_hash(name) % h.buckets.size()];
    for (size_t steps = 0; index && index < h.chains.size() && index < m_count && steps < h.chains.size(); ++steps) {
        if (matches(index, name, version))
            return definition(index);
        index = h.chains[index];
    }
    return std::nullopt;
}

std::optional<SymbolDefinition> SymbolTable::lookup(std::string_view name, std::string_view version) const
{
    if (m_gnu)
        return lookup_gnu(name, version);
    if (m_sysv && !m_sysv->buckets.empty())
        return lookup_sysv(name, version);
    return std::nullopt; // no table: a static executable exports nothing
}

} // namespace linker
