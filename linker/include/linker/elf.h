// ELF64 structures and constants for x86-64. Our own definitions (the kernel has no
// <elf.h>), from the System V ABI generic chapters ("gABI", ch. 4 "Object Files" and
// ch. 5 "Program Loading and Dynamic Linking"), the x86-64 psABI (§4, §5) and the LSB Core
// specification for the GNU extensions (symbol versioning, DT_GNU_HASH).
#pragma once

#include <cstddef>
#include <cstdint>

namespace linker::elf {

// gABI §4 "ELF Header", Figure 4-3.
struct Header {
    uint8_t ident[16];
    uint16_t type;
    uint16_t machine;
    uint32_t version;
    uint64_t entry;
    uint64_t phoff;
    uint64_t shoff;
    uint32_t flags;
    uint16_t ehsize;
    uint16_t phentsize;
    uint16_t phnum;
    uint16_t shentsize;
    uint16_t shnum;
    uint16_t shstrndx;
};
static_assert(sizeof(Header) == 64);
static_assert(offsetof(Header, type) == 16 && offsetof(Header, entry) == 24 && offsetof(Header, phoff) == 32);
static_assert(offsetof(Header, phentsize) == 54 && offsetof(Header, phnum) == 56);

// gABI §5 "Program Header", Figure 5-1.
struct ProgramHeader {
    uint32_t type;
    uint32_t flags;
    uint64_t offset;
    uint64_t vaddr;
    uint64_t paddr;
    uint64_t filesz;
    uint64_t memsz;
    uint64_t align;
};
static_assert(sizeof(ProgramHeader) == 56);
static_assert(offsetof(ProgramHeader, offset) == 8 && offsetof(ProgramHeader, vaddr) == 16);
static_assert(offsetof(ProgramHeader, filesz) == 32 && offsetof(ProgramHeader, memsz) == 40
    && offsetof(ProgramHeader, align) == 48);

// gABI §5 "Dynamic Section", Figure 5-9.
struct Dyn {
    int64_t tag;
    uint64_t value;
};
static_assert(sizeof(Dyn) == 16 && offsetof(Dyn, value) == 8);

// gABI §4 "Symbol Table", Figure 4-15.
struct Symbol {
    uint32_t name;
    uint8_t info;
    uint8_t other;
    uint16_t shndx;
    uint64_t value;
    uint64_t size;
};
static_assert(sizeof(Symbol) == 24);
static_assert(offsetof(Symbol, info) == 4 && offsetof(Symbol, shndx) == 6 && offsetof(Symbol, value) == 8
    && offsetof(Symbol, size) == 16);

// gABI §4 "Relocation", Figure 4-19 (x86-64 uses only the RELA form, psABI §4.4).
struct Rela {
    uint64_t offset;
    uint64_t info;
    int64_t addend;
};
static_assert(sizeof(Rela) == 24 && offsetof(Rela, info) == 8 && offsetof(Rela, addend) == 16);

// GNU symbol versioning (LSB Core 5.0 §11.7 "Symbol Versioning").
struct Verdef {
    uint16_t version, flags, ndx, cnt;
    uint32_t hash, aux, next;
};
static_assert(
    sizeof(Verdef) == 20 && offsetof(Verdef, hash) == 8 && offsetof(Verdef, aux) == 12 && offsetof(Verdef, next) == 16);
struct Verdaux {
    uint32_t name, next;
};
static_assert(sizeof(Verdaux) == 8);
struct Verneed {
    uint16_t version, cnt;
    uint32_t file, aux, next;
};
static_assert(sizeof(Verneed) == 16 && offsetof(Verneed, file) == 4 && offsetof(Verneed, aux) == 8
    && offsetof(Verneed, next) == 12);
struct Vernaux {
    uint32_t hash;
    uint16_t flags, other;
    uint32_t name, next;
};
static_assert(sizeof(Vernaux) == 16 && offsetof(Vernaux, other) == 6 && offsetof(Vernaux, name) == 8
    && offsetof(Vernaux, next) == 12);

// e_ident (gABI §4 "ELF Identification").
constexpr uint8_t ELFCLASS64 = 2, ELFDATA2LSB = 1, EV_CURRENT = 1;
constexpr size_t EI_CLASS = 4, EI_DATA = 5, EI_VERSION = 6;
constexpr uint16_t kTypeExec = 2, kTypeDyn = 3, kMachineX86_64 = 62;

// Segment types and flags (gABI §5; GNU extensions from the LSB).
constexpr uint32_t PT_NULL = 0, PT_LOAD = 1, PT_DYNAMIC = 2, PT_INTERP = 3, PT_NOTE = 4, PT_PHDR = 6, PT_TLS = 7,
                   PT_GNU_EH_FRAME = 0x6474e550, PT_GNU_STACK = 0x6474e551, PT_GNU_RELRO = 0x6474e552,
                   PT_GNU_PROPERTY = 0x6474e553;
constexpr uint32_t PF_X = 1, PF_W = 2, PF_R = 4;

enum DynTag : int64_t {
    DT_NULL = 0,
    DT_NEEDED = 1,
    DT_PLTRELSZ = 2,
    DT_PLTGOT = 3,
    DT_HASH = 4,
    DT_STRTAB = 5,
    DT_SYMTAB = 6,
    DT_RELA = 7,
    DT_RELASZ = 8,
    DT_RELAENT = 9,
    DT_STRSZ = 10,
    DT_SYMENT = 11,
    DT_INIT = 12,
    DT_FINI = 13,
    DT_SONAME = 14,
    DT_RPATH = 15,
    DT_SYMBOLIC = 16,
    DT_REL = 17,
    DT_PLTREL = 20,
    DT_DEBUG = 21,
    DT_TEXTREL = 22,
    DT_JMPREL = 23,
    DT_BIND_NOW = 24,
    DT_INIT_ARRAY = 25,
    DT_FINI_ARRAY = 26,
    DT_INIT_ARRAYSZ = 27,
    DT_FINI_ARRAYSZ = 28,
    DT_RUNPATH = 29,
    DT_FLAGS = 30,
    DT_PREINIT_ARRAY = 32,
    DT_PREINIT_ARRAYSZ = 33,
    DT_RELRSZ = 35,
    DT_RELR = 36,
    DT_RELRENT = 37,
    DT_GNU_HASH = 0x6ffffef5,
    DT_VERSYM = 0x6ffffff0,
    DT_RELACOUNT = 0x6ffffff9,
    DT_FLAGS_1 = 0x6ffffffb,
    DT_VERDEF = 0x6ffffffc,
    DT_VERDEFNUM = 0x6ffffffd,
    DT_VERNEED = 0x6ffffffe,
    DT_VERNEEDNUM = 0x6fffffff,
};

// DT_FLAGS (gABI §5 "Dynamic Section") and DT_FLAGS_1 (GNU) bits.
constexpr uint64_t DF_ORIGIN = 0x1, DF_SYMBOLIC = 0x2, DF_TEXTREL = 0x4, DF_BIND_NOW = 0x8, DF_STATIC_TLS = 0x10;
constexpr uint64_t DF_1_NOW = 0x1, DF_1_NODELETE = 0x8, DF_1_PIE = 0x08000000;

// Relocation types, x86-64 psABI §4.4.1 Table 4.9.
enum RelocType : uint32_t {
    R_X86_64_NONE = 0,
    R_X86_64_64 = 1,
    R_X86_64_PC32 = 2,
    R_X86_64_COPY = 5,
    R_X86_64_GLOB_DAT = 6,
    R_X86_64_JUMP_SLOT = 7,
    R_X86_64_RELATIVE = 8,
    R_X86_64_DTPMOD64 = 16,
    R_X86_64_DTPOFF64 = 17,
    R_X86_64_TPOFF64 = 18,
    R_X86_64_TLSDESC = 36,
    R_X86_64_IRELATIVE = 37,
};

// Symbol binding, type (gABI §4 "Symbol Table", Figures 4-17/4-18) and section indices.
constexpr uint8_t STB_LOCAL = 0, STB_GLOBAL = 1, STB_WEAK = 2, STB_GNU_UNIQUE = 10;
constexpr uint8_t STT_NOTYPE = 0, STT_OBJECT = 1, STT_FUNC = 2, STT_SECTION = 3, STT_TLS = 6, STT_GNU_IFUNC = 10;
constexpr uint16_t SHN_UNDEF = 0, SHN_ABS = 0xfff1;

// Versions (LSB Core §11.7): versym index 0 is local, 1 global (unversioned), bit 15 hidden.
constexpr uint16_t kVersymHidden = 0x8000, kVersymIndexMask = 0x7fff;
constexpr uint16_t VER_NDX_LOCAL = 0, VER_NDX_GLOBAL = 1, VER_FLG_BASE = 1, VER_DEF_CURRENT = 1, VER_NEED_CURRENT = 1;

inline uint8_t symbol_binding(const Symbol& s) { return s.info >> 4; }
inline uint8_t symbol_type(const Symbol& s) { return s.info & 0xf; }
inline uint32_t rela_symbol(const Rela& r) { return uint32_t(r.info >> 32); }
inline uint32_t rela_type(const Rela& r) { return uint32_t(r.info); }
constexpr uint64_t rela_info(uint32_t symbol, uint32_t type) { return uint64_t(symbol) << 32 | type; }
constexpr uint8_t symbol_info(uint8_t binding, uint8_t type) { return uint8_t(binding << 4 | (type & 0xf)); }

} // namespace linker::elf
