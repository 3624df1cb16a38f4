// ELF64 structures for x86-64 (System V ABI, "ELF-64 Object File Format" and the x86-64
// psABI §4). Our own definitions: the kernel has no <elf.h>.
#pragma once

#include <cstdint>

namespace linker::elf {

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

struct Dyn {
    int64_t tag;
    uint64_t value;
};
static_assert(sizeof(Dyn) == 16);

struct Symbol {
    uint32_t name;
    uint8_t info;
    uint8_t other;
    uint16_t shndx;
    uint64_t value;
    uint64_t size;
};
static_assert(sizeof(Symbol) == 24);

struct Rela {
    uint64_t offset;
    uint64_t info;
    int64_t addend;
};
static_assert(sizeof(Rela) == 24);

// GNU symbol versioning (LSB Core, "Symbol Versioning").
struct Verdef {
    uint16_t version, flags, ndx, cnt;
    uint32_t hash, aux, next;
};
static_assert(sizeof(Verdef) == 20);
struct Verdaux {
    uint32_t name, next;
};
struct Verneed {
    uint16_t version, cnt;
    uint32_t file, aux, next;
};
static_assert(sizeof(Verneed) == 16);
struct Vernaux {
    uint32_t hash;
    uint16_t flags, other;
    uint32_t name, next;
};
static_assert(sizeof(Vernaux) == 16);

constexpr uint16_t kTypeExec = 2, kTypeDyn = 3, kMachineX86_64 = 62;
constexpr uint32_t PT_LOAD = 1, PT_DYNAMIC = 2, PT_INTERP = 3, PT_PHDR = 6, PT_TLS = 7,
                   PT_GNU_STACK = 0x6474e551, PT_GNU_RELRO = 0x6474e552;
constexpr uint32_t PF_X = 1, PF_W = 2, PF_R = 4;

enum DynTag : int64_t {
    DT_NULL = 0, DT_NEEDED = 1, DT_PLTRELSZ = 2, DT_HASH = 4, DT_STRTAB = 5, DT_SYMTAB = 6,
    DT_RELA = 7, DT_RELASZ = 8, DT_RELAENT = 9, DT_STRSZ = 10, DT_SYMENT = 11, DT_INIT = 12,
    DT_FINI = 13, DT_SONAME = 14, DT_RPATH = 15, DT_PLTREL = 20, DT_JMPREL = 23,
    DT_INIT_ARRAY = 25, DT_FINI_ARRAY = 26, DT_INIT_ARRAYSZ = 27, DT_FINI_ARRAYSZ = 28,
    DT_RUNPATH = 29, DT_FLAGS = 30, DT_PREINIT_ARRAY = 32, DT_PREINIT_ARRAYSZ = 33,
    DT_RELRSZ = 35, DT_RELR = 36, DT_RELRENT = 37,
    DT_GNU_HASH = 0x6ffffef5, DT_VERSYM = 0x6ffffff0, DT_FLAGS_1 = 0x6ffffffb,
    DT_VERDEF = 0x6ffffffc, DT_VERDEFNUM = 0x6ffffffd, DT_VERNEED = 0x6ffffffe,
    DT_VERNEEDNUM = 0x6fffffff,
};

// Relocation types, x86-64 psABI §4.4.1 Table 4.9.
enum RelocType : uint32_t {
    R_X86_64_NONE = 0, R_X86_64_64 = 1, R_X86_64_PC32 = 2, R_X86_64_COPY = 5,
    R_X86_64_GLOB_DAT = 6, R_X86_64_JUMP_SLOT = 7, R_X86_64_RELATIVE = 8,
    R_X86_64_DTPMOD64 = 16, R_X86_64_DTPOFF64 = 17, R_X86_64_TPOFF64 = 18,
    R_X86_64_IRELATIVE = 37,
};

constexpr uint8_t STB_LOCAL = 0, STB_GLOBAL = 1, STB_WEAK = 2;
constexpr uint8_t STT_OBJECT = 1, STT_FUNC = 2, STT_TLS = 6, STT_GNU_IFUNC = 10;
constexpr uint16_t SHN_UNDEF = 0;
constexpr uint16_t kVersymHidden = 0x8000, kVersymIndexMask = 0x7fff;

inline uint8_t symbol_binding(const Symbol& s) { return s.info >> 4; }
inline uint8_t symbol_type(const Symbol& s) { return s.info & 0xf; }
inline uint32_t rela_symbol(const Rela& r) { return uint32_t(r.info >> 32); }
inline uint32_t rela_type(const Rela& r) { return uint32_t(r.info); }

} // namespace linker::elf
