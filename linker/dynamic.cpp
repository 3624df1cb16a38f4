#include <linker/dynamic.h>

namespace linker {

namespace {

lib::Result<uint32_t> string_offset(uint64_t value)
{
    if (value > UINT32_MAX)
        return elf_error("ELF: dynamic string offset out of range");
    return uint32_t(value);
}

lib::Result<void> check_entry_size(int64_t tag, uint64_t value)
{
    switch (tag) {
    case elf::DT_SYMENT: return value == sizeof(elf::Symbol) ? lib::Result<void>() : elf_error("ELF: bad DT_SYMENT");
    case elf::DT_RELAENT: return value == sizeof(elf::Rela) ? lib::Result<void>() : elf_error("ELF: bad DT_RELAENT");
    case elf::DT_RELRENT: return value == 8 ? lib::Result<void>() : elf_error("ELF: bad DT_RELRENT");
    case elf::DT_PLTREL:
        return value == elf::DT_RELA ? lib::Result<void>() : elf_error("ELF: DT_PLTREL is not DT_RELA");
    case elf::DT_REL: return elf_error("ELF: DT_REL relocations (x86-64 uses DT_RELA)");
    default: return {};
    }
}

/// Entries that are plain addresses or sizes: where each one goes.
uint64_t* field_for(DynamicInfo& d, int64_t tag)
{
    switch (tag) {
    case elf::DT_STRTAB: return &d.strtab;
    case elf::DT_STRSZ: return &d.strsz;
    case elf::DT_SYMTAB: return &d.symtab;
    case elf::DT_GNU_HASH: return &d.gnu_hash;
    case elf::DT_HASH: return &d.sysv_hash;
    case elf::DT_RELA: return &d.rela;
    case elf::DT_RELASZ: return &d.relasz;
    case elf::DT_JMPREL: return &d.jmprel;
    case elf::DT_PLTRELSZ: return &d.pltrelsz;
    case elf::DT_RELR: return &d.relr;
    case elf::DT_RELRSZ: return &d.relrsz;
    case elf::DT_INIT: return &d.init;
    case elf::DT_FINI: return &d.fini;
    case elf::DT_INIT_ARRAY: return &d.init_array;
    case elf::DT_INIT_ARRAYSZ: return &d.init_arraysz;
    case elf::DT_FINI_ARRAY: return &d.fini_array;
    case elf::DT_FINI_ARRAYSZ: return &d.fini_arraysz;
    case elf::DT_PREINIT_ARRAY: return &d.preinit_array;
    case elf::DT_PREINIT_ARRAYSZ: return &d.preinit_arraysz;
    case elf::DT_VERSYM: return &d.versym;
    case elf::DT_VERDEF: return &d.verdef;
    case elf::DT_VERDEFNUM: return &d.verdefnum;
    case elf::DT_VERNEED: return &d.verneed;
    case elf::DT_VERNEEDNUM: return &d.verneednum;
    case elf::DT_FLAGS: return &d.flags;
    case elf::DT_FLAGS_1: return &d.flags_1;
    default: return nullptr;
    }
}

lib::Result<void> decode_entry(DynamicInfo& d, const elf::Dyn& e)
{
    TRY(check_entry_size(e.tag, e.value));
    if (uint64_t* field = field_for(d, e.tag)) {
        *field = e.value;
        return {};
    }
    switch (e.tag) {
    case elf::DT_NEEDED:
        if (d.needed_count == DynamicInfo::kMaxNeeded)
            return elf_error("ELF: more than 64 DT_NEEDED entries");
        d.needed[d.needed_count++] = TRY(string_offset(e.value));
        return {};
    case elf::DT_SONAME: d.soname = TRY(string_offset(e.value)); return {};
    case elf::DT_RPATH: d.rpath = TRY(string_offset(e.value)); return {};
    case elf::DT_RUNPATH: d.runpath = TRY(string_offset(e.value)); return {};
    case elf::DT_TEXTREL: d.textrel = true; return {};
    case elf::DT_BIND_NOW: d.bind_now_tag = true; return {};
    default: return {}; // DT_DEBUG, DT_PLTGOT, counts and unknown tags need nothing
    }
}

struct TableCheck {
    uint64_t vaddr, size, entry_size, alignment;
    const char* message;
};

lib::Result<void> check_table(const ImageView& view, const TableCheck& t)
{
    if (t.size == 0)
        return {};
    if (t.size % t.entry_size || t.vaddr % t.alignment || !view.bytes(t.vaddr, t.size))
        return elf_error(t.message);
    return {};
}

} // namespace

lib::Result<DynamicInfo> decode_dynamic(std::span<const elf::Dyn> entries)
{
    DynamicInfo info;
    for (const elf::Dyn& e : entries) {
        if (e.tag == elf::DT_NULL)
            return info;
        TRY(decode_entry(info, e));
    }
    return elf_error("ELF: dynamic section not terminated by DT_NULL");
}

lib::Result<std::string_view> dynamic_string(const ImageView& view, const DynamicInfo& info, uint64_t offset)
{
    if (offset >= info.strsz)
        return elf_error("ELF: string index outside the dynamic string table");
    auto s = view.string(info.strtab + offset, info.strsz - offset);
    if (!s)
        return elf_error("ELF: dynamic string not terminated inside the string table");
    return *s;
}

lib::Result<void> check_dynamic(const DynamicInfo& d, const ImageView& view)
{
    if (!d.strtab || !d.strsz || !view.bytes(d.strtab, d.strsz))
        return elf_error("ELF: dynamic string table missing or outside the loaded segments");
    for (uint32_t offset : d.needed_offsets())
        TRY(dynamic_string(view, d, offset));
    for (const auto& name : { d.soname, d.rpath, d.runpath })
        if (name)
            TRY(dynamic_string(view, d, *name));
    const TableCheck tables[] = {
        { d.rela, d.relasz, sizeof(elf::Rela), 8, "ELF: DT_RELA table outside the loaded segments or misaligned" },
        { d.jmprel, d.pltrelsz, sizeof(elf::Rela), 8,
            "ELF: DT_JMPREL table outside the loaded segments or misaligned" },
        { d.relr, d.relrsz, 8, 8, "ELF: DT_RELR table outside the loaded segments or misaligned" },
        { d.init_array, d.init_arraysz, 8, 8, "ELF: DT_INIT_ARRAY outside the loaded segments or misaligned" },
        { d.fini_array, d.fini_arraysz, 8, 8, "ELF: DT_FINI_ARRAY outside the loaded segments or misaligned" },
        { d.preinit_array, d.preinit_arraysz, 8, 8, "ELF: DT_PREINIT_ARRAY outside the loaded segments or misaligned" },
    };
    for (const TableCheck& t : tables)
        TRY(check_table(view, t));
    if (d.symtab && (d.symtab % 8 || !view.bytes(d.symtab, sizeof(elf::Symbol))))
        return elf_error("ELF: dynamic symbol table outside the loaded segments or misaligned");
    if ((d.init && !view.bytes(d.init, 1)) || (d.fini && !view.bytes(d.fini, 1)))
        return elf_error("ELF: DT_INIT or DT_FINI outside the loaded segments");
    return {};
}

lib::Result<DynamicInfo> read_dynamic(const ImageView& view, const LoadPlan& plan)
{
    if (!plan.dynamic)
        return elf_error("ELF: no PT_DYNAMIC segment");
    auto entries = view.array<elf::Dyn>(plan.dynamic->vaddr, plan.dynamic->size / sizeof(elf::Dyn));
    if (!entries)
        return elf_error("ELF: PT_DYNAMIC outside the loaded segments or misaligned");
    DynamicInfo info = TRY(decode_dynamic(*entries));
    TRY(check_dynamic(info, view));
    return info;
}

} // namespace linker
