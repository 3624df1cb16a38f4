#include <linker/loaded_object.h>

#include <cstring>

namespace linker {

namespace {
lib::Error bad(const char* why) { return lib::Error(lib::Errno::NOEXEC, why); }
} // namespace

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

lib::Result<LoadedObject> LoadedObject::create(const ElfImage& image, std::span<std::byte> memory, uint64_t load_address)
{
    LoadedObject object;
    object.m_memory = memory;
    object.m_load_address = load_address;
    object.m_bias = load_address - image.span_start();
    if (memory.size() < image.span_end() - image.span_start())
        return bad("ELF: loaded span smaller than the image");
    if (!image.dynamic())
        return bad("ELF: no PT_DYNAMIC segment (static executables are not supported)");
    TRY(object.decode_dynamic(*image.dynamic()));
    TRY(object.check_tables());
    return object;
}

std::byte* LoadedObject::at(uint64_t address, uint64_t size) const
{
    if (address < m_load_address || address - m_load_address > m_memory.size()
        || size > m_memory.size() - (address - m_load_address))
        return nullptr;
    return m_memory.data() + (address - m_load_address);
}

lib::Result<void> LoadedObject::decode_dynamic(const elf::ProgramHeader& dynamic)
{
    auto* entries = reinterpret_cast<const elf::Dyn*>(at(m_bias + dynamic.vaddr, dynamic.memsz));
    if (!entries || dynamic.vaddr % 8)
        return bad("ELF: PT_DYNAMIC outside the loaded segments");
    auto& d = m_dynamic;
    for (size_t i = 0; i < dynamic.memsz / sizeof(elf::Dyn) && entries[i].tag != elf::DT_NULL; ++i) {
        uint64_t v = entries[i].value;
        switch (entries[i].tag) {
        case elf::DT_NEEDED:
            if (d.needed_count == DynamicInfo::kMaxNeeded)
                return bad("ELF: more than 64 DT_NEEDED entries");
            d.needed[d.needed_count++] = uint32_t(v);
            break;
        case elf::DT_STRTAB: d.strtab = v; break;
        case elf::DT_STRSZ: d.strsz = v; break;
        case elf::DT_SYMTAB: d.symtab = v; break;
        case elf::DT_SYMENT: if (v != sizeof(elf::Symbol)) return bad("ELF: bad DT_SYMENT"); break;
        case elf::DT_RELAENT: if (v != sizeof(elf::Rela)) return bad("ELF: bad DT_RELAENT"); break;
        case elf::DT_PLTREL: if (v != elf::DT_RELA) return bad("ELF: DT_PLTREL is not DT_RELA"); break;
        case elf::DT_GNU_HASH: d.gnu_hash = v; break;
        case elf::DT_HASH: d.sysv_hash = v; break;
        case elf::DT_RELA: d.rela = v; break;
        case elf::DT_RELASZ: d.relasz = v; break;
        case elf::DT_JMPREL: d.jmprel = v; break;
        case elf::DT_PLTRELSZ: d.pltrelsz = v; break;
        case elf::DT_RELR: d.relr = v; break;
        case elf::DT_RELRSZ: d.relrsz = v; break;
        case elf::DT_INIT: d.init = v; break;
        case elf::DT_FINI: d.fini = v; break;
        case elf::DT_INIT_ARRAY: d.init_array = v; break;
        case elf::DT_INIT_ARRAYSZ: d.init_arraysz = v; break;
        case elf::DT_FINI_ARRAY: d.fini_array = v; break;
        case elf::DT_FINI_ARRAYSZ: d.fini_arraysz = v; break;
        case elf::DT_PREINIT_ARRAY: d.preinit_array = v; break;
        case elf::DT_PREINIT_ARRAYSZ: d.preinit_arraysz = v; break;
        case elf::DT_VERSYM: d.versym = v; break;
        case elf::DT_VERDEF: d.verdef = v; break;
        case elf::DT_VERDEFNUM: d.verdefnum = v; break;
        case elf::DT_VERNEED: d.verneed = v; break;
        case elf::DT_VERNEEDNUM: d.verneednum = v; break;
        case elf::DT_SONAME: d.soname = v + 1; break; // +1: 0 means "none"
        case elf::DT_RUNPATH: case elf::DT_RPATH: d.runpath = v + 1; break;
        case elf::DT_FLAGS: d.flags = v; break;
        case elf::DT_FLAGS_1: d.flags_1 = v; break;
        default: break;
        }
    }
    return {};
}

lib::Result<void> LoadedObject::check_tables()
{
    auto& d = m_dynamic;
    if (!d.strtab || !at(m_bias + d.strtab, d.strsz) || !d.symtab)
        return bad("ELF: dynamic string or symbol table missing or outside the loaded segments");
    for (uint32_t offset : needed())
        if (offset >= d.strsz)
            return bad("ELF: DT_NEEDED name outside the string table");
    if (d.gnu_hash) {
        auto* h = object_at<const uint32_t[4]>(m_bias + d.gnu_hash);
        if (!h)
            return bad("ELF: DT_GNU_HASH outside the loaded segments");
        uint32_t nbuckets = (*h)[0], symoffset = (*h)[1], bloom_size = (*h)[2];
        uint64_t buckets = m_bias + d.gnu_hash + 16 + uint64_t(bloom_size) * 8;
        auto* bucket = reinterpret_cast<const uint32_t*>(at(buckets, uint64_t(nbuckets) * 4));
        if (!bucket || nbuckets == 0)
            return bad("ELF: DT_GNU_HASH buckets outside the loaded segments");
        uint32_t last = 0;
        for (uint32_t b = 0; b < nbuckets; ++b)
            last = bucket[b] > last ? bucket[b] : last;
        uint64_t chains = buckets + uint64_t(nbuckets) * 4;
        if (last >= symoffset) {
            for (;;) { // follow the last chain to its end to learn the symbol count
                auto* entry = object_at<const uint32_t>(chains + uint64_t(last - symoffset) * 4);
                if (!entry)
                    return bad("ELF: DT_GNU_HASH chain outside the loaded segments");
                if (*entry & 1)
                    break;
                ++last;
            }
            m_symbol_count = last + 1;
        } else {
            m_symbol_count = symoffset;
        }
    } else if (d.sysv_hash) {
        auto* h = object_at<const uint32_t[2]>(m_bias + d.sysv_hash);
        if (!h)
            return bad("ELF: DT_HASH outside the loaded segments");
        m_symbol_count = (*h)[1];
    }
    if (!at(m_bias + d.symtab, uint64_t(m_symbol_count) * sizeof(elf::Symbol)))
        return bad("ELF: dynamic symbol table outside the loaded segments");
    if (d.versym && !at(m_bias + d.versym, uint64_t(m_symbol_count) * 2))
        return bad("ELF: DT_VERSYM outside the loaded segments");
    return {};
}

std::string_view LoadedObject::string(uint64_t offset) const
{
    if (offset >= m_dynamic.strsz)
        return {};
    auto* base = reinterpret_cast<const char*>(at(m_bias + m_dynamic.strtab, m_dynamic.strsz));
    size_t length = strnlen(base + offset, m_dynamic.strsz - offset);
    return std::string_view(base + offset, length);
}

const elf::Symbol* LoadedObject::symbol(uint32_t index) const
{
    if (index >= m_symbol_count)
        return nullptr;
    return object_at<const elf::Symbol>(m_bias + m_dynamic.symtab + uint64_t(index) * sizeof(elf::Symbol));
}

} // namespace linker
