// Stage 3 of the linker: the dynamic section (gABI §5 "Dynamic Section"; x86-64 psABI
// §5.2; DT_RELR from the gABI 2022 draft; DT_GNU_HASH, DT_VERSYM, DT_VERDEF, DT_VERNEED
// and DT_FLAGS_1 from the LSB and GNU). Addresses are link-time virtual addresses and
// string fields are offsets into DT_STRTAB.
#pragma once

#include <linker/image_view.h>

namespace linker {

struct DynamicInfo {
    static constexpr size_t kMaxNeeded = 64;

    uint64_t strtab = 0, strsz = 0, symtab = 0, gnu_hash = 0, sysv_hash = 0;
    uint64_t rela = 0, relasz = 0, jmprel = 0, pltrelsz = 0, relr = 0, relrsz = 0;
    uint64_t init = 0, fini = 0, init_array = 0, init_arraysz = 0, fini_array = 0, fini_arraysz = 0;
    uint64_t preinit_array = 0, preinit_arraysz = 0;
    uint64_t versym = 0, verdef = 0, verdefnum = 0, verneed = 0, verneednum = 0;
    uint64_t flags = 0, flags_1 = 0;
    bool textrel = false;
    std::optional<uint32_t> soname, rpath, runpath; // string table offsets
    std::array<uint32_t, kMaxNeeded> needed {};     // string table offsets, in file order
    size_t needed_count = 0;

    std::span<const uint32_t> needed_offsets() const { return { needed.data(), needed_count }; }
    /// DT_BIND_NOW, DF_BIND_NOW or DF_1_NOW (Osprey binds everything now regardless).
    bool bind_now() const { return bind_now_tag || (flags & elf::DF_BIND_NOW) || (flags_1 & elf::DF_1_NOW); }
    /// DF_STATIC_TLS: the object uses initial-exec TLS, so it needs static TLS space.
    bool static_tls() const { return (flags & elf::DF_STATIC_TLS) != 0; }
    /// DF_1_PIE: a position-independent executable (not a library).
    bool pie() const { return (flags_1 & elf::DF_1_PIE) != 0; }
    /// DF_1_NODELETE: dlclose never unloads the object.
    bool nodelete() const { return (flags_1 & elf::DF_1_NODELETE) != 0; }
    bool bind_now_tag = false;
};

/// Decodes `entries` up to DT_NULL. Errors (ENOEXEC): no DT_NULL, DT_REL relocations
/// (x86-64 uses RELA), DT_PLTREL other than DT_RELA, wrong DT_SYMENT/DT_RELAENT/
/// DT_RELRENT, more than 64 DT_NEEDED, a string offset that does not fit 32 bits.
lib::Result<DynamicInfo> decode_dynamic(std::span<const elf::Dyn> entries);

/// Checks every table `info` names lies inside `view` and every string offset (DT_NEEDED,
/// DT_SONAME, DT_RPATH, DT_RUNPATH) is a NUL-terminated string of DT_STRTAB. Errors:
/// ENOEXEC naming the table.
lib::Result<void> check_dynamic(const DynamicInfo& info, const ImageView& view);

/// Reads PT_DYNAMIC of the object `view` shows, decodes and checks it. Errors: ENOEXEC
/// (no PT_DYNAMIC: static executables are not supported; or as above).
lib::Result<DynamicInfo> read_dynamic(const ImageView& view, const LoadPlan& plan);

/// The string at `offset` of the dynamic string table. Error: ENOEXEC if out of range or
/// not NUL-terminated inside the table.
lib::Result<std::string_view> dynamic_string(const ImageView& view, const DynamicInfo& info, uint64_t offset);

} // namespace linker
