// `osprey build`'s load check (tools/load_check.h): the kernel's own ELF checks, run on
// the host. A real hardened PIE passes; the same file with one table corrupted is refused
// with the kernel's message, as the mutation test (tests/mutation) found the kernel doing
// alone before.
#include "cli_error.h"
#include "load_check.h"

#include <gtest/gtest.h>

#include <cstring>
#include <elf.h>
#include <fstream>
#include <iterator>
#include <unistd.h>
#include <vector>

namespace {

namespace fs = std::filesystem;

std::vector<char> read_bytes(const fs::path& path)
{
    std::ifstream in(path, std::ios::binary);
    return std::vector<char>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

/// The header of section `name`; sh_offset 0 if there is none.
Elf64_Shdr section_header(const std::vector<char>& file, const char* name)
{
    Elf64_Ehdr header;
    memcpy(&header, file.data(), sizeof header);
    auto section = [&](size_t i) {
        Elf64_Shdr s;
        memcpy(&s, file.data() + header.e_shoff + i * header.e_shentsize, sizeof s);
        return s;
    };
    Elf64_Shdr names = section(header.e_shstrndx);
    for (size_t i = 0; i < header.e_shnum; ++i)
        if (strcmp(file.data() + names.sh_offset + section(i).sh_name, name) == 0)
            return section(i);
    return {};
}

size_t section_offset(const std::vector<char>& file, const char* name) { return section_header(file, name).sh_offset; }

/// The file offset of dynamic symbol `name`'s Elf64_Sym, 0 if there is none.
size_t dynamic_symbol_offset(const std::vector<char>& file, const char* name)
{
    Elf64_Shdr symbols = section_header(file, ".dynsym"), strings = section_header(file, ".dynstr");
    size_t end = symbols.sh_offset + symbols.sh_size;
    for (size_t at = symbols.sh_offset; at + sizeof(Elf64_Sym) <= end; at += sizeof(Elf64_Sym)) {
        Elf64_Sym symbol;
        memcpy(&symbol, file.data() + at, sizeof symbol);
        if (strcmp(file.data() + strings.sh_offset + symbol.st_name, name) == 0)
            return at;
    }
    return 0;
}

fs::path write_corrupt(const std::vector<char>& bytes)
{
    fs::path corrupt = fs::temp_directory_path() / ("osprey-load-check-" + std::to_string(getpid()));
    std::ofstream(corrupt, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
    return corrupt;
}

std::string refusal(const fs::path& path, tools::LoadedAs loaded_as = tools::LoadedAs::Program)
{
    try {
        tools::check_loadable(path, loaded_as);
    } catch (const tools::CliError& error) {
        EXPECT_EQ(error.exit_status(), tools::kExitBadInput);
        return error.what();
    }
    return "";
}

TEST(CliLoadCheck, RealProgramPassesAndCorruptTablesAreRefusedAsTheKernelWould)
{
    EXPECT_EQ(refusal(OSPREY_LINKER_TEST_PROGRAM), "");
    EXPECT_EQ(refusal(OSPREY_LINKER_TEST_LIBRARY), "");
    std::vector<char> program = read_bytes(OSPREY_LINKER_TEST_PROGRAM);
    struct Case {
        const char* section;
        size_t at;
        uint16_t value;
        const char* message;
    };
    for (Case c : { Case { ".gnu.version_r", 0, 7, "unknown DT_VERNEED revision" }, // vn_version
             Case { ".gnu.version", 2 * 3, 0x7ff0, "symbol version index names no DT_VERDEF or DT_VERNEED entry" } }) {
        std::vector<char> bytes = program;
        size_t offset = section_offset(bytes, c.section);
        ASSERT_NE(offset, 0u) << c.section;
        memcpy(bytes.data() + offset + c.at, &c.value, 2);
        fs::path corrupt = write_corrupt(bytes);
        std::string why = refusal(corrupt);
        EXPECT_NE(why.find("would not load: ELF: " + std::string(c.message)), std::string::npos)
            << c.section << ": " << why;
        fs::remove(corrupt);
    }
}

// The library takes the address of its own exported IFUNC: binding it calls the resolver the
// symbol names, so a symbol pointing outside the library is refused, never called.
TEST(CliLoadCheck, IfuncSymbolOutsideItsObjectIsRefused)
{
    std::vector<char> library = read_bytes(OSPREY_LINKER_TEST_LIBRARY);
    size_t symbol = dynamic_symbol_offset(library, "chosen_function");
    ASSERT_NE(symbol, 0u);
    for (uint64_t value : { uint64_t(0x7fff00000000), uint64_t(0x10000000), ~uint64_t(0) }) {
        std::vector<char> bytes = library;
        memcpy(bytes.data() + symbol + offsetof(Elf64_Sym, st_value), &value, sizeof value);
        fs::path corrupt = write_corrupt(bytes);
        std::string why = refusal(corrupt);
        EXPECT_NE(why.find("would not load: ELF: IFUNC resolver outside the object"), std::string::npos)
            << value << ": " << why;
        fs::remove(corrupt);
    }
}

// The kernel loads every library as position-independent code with a dynamic section; the
// host checks a library the same way (a program without PT_DYNAMIC is a static one).
TEST(CliLoadCheck, LibrariesAreCheckedAsLibraries)
{
    std::vector<char> library = read_bytes(OSPREY_LINKER_TEST_LIBRARY);
    Elf64_Ehdr header;
    memcpy(&header, library.data(), sizeof header);
    bool found = false;
    for (size_t i = 0; i < header.e_phnum; ++i) {
        size_t at = header.e_phoff + i * header.e_phentsize;
        Elf64_Phdr segment;
        memcpy(&segment, library.data() + at, sizeof segment);
        if (segment.p_type == PT_DYNAMIC) {
            segment.p_type = PT_NULL;
            memcpy(library.data() + at, &segment, sizeof segment);
            found = true;
        }
    }
    ASSERT_TRUE(found);
    fs::path corrupt = write_corrupt(library);
    EXPECT_NE(
        refusal(corrupt, tools::LoadedAs::Library).find("would not load: ELF: a shared library without PT_DYNAMIC"),
        std::string::npos);
    EXPECT_EQ(refusal(corrupt, tools::LoadedAs::Program), ""); // as a program: a static one
    fs::remove(corrupt);
    EXPECT_NE(refusal(OSPREY_LINKER_TEST_NON_PIE, tools::LoadedAs::Library).find("not position-independent"),
        std::string::npos);
    EXPECT_EQ(refusal(OSPREY_LINKER_TEST_NON_PIE, tools::LoadedAs::Program), "");
}

// A TLS relocation against a symbol that is not STT_TLS is a malformed object: refused on
// the host as in the kernel (the mutation test with libraries found a host that packed
// such a library, seed 2026).
TEST(CliLoadCheck, TlsRelocationAgainstAnOrdinarySymbolIsRefused)
{
    EXPECT_EQ(refusal(OSPREY_LINKER_TEST_TLS_LIBRARY, tools::LoadedAs::Library), "");
    std::vector<char> library = read_bytes(OSPREY_LINKER_TEST_TLS_LIBRARY);
    size_t symbol = dynamic_symbol_offset(library, "tls_counter");
    ASSERT_NE(symbol, 0u);
    Elf64_Sym entry;
    memcpy(&entry, library.data() + symbol, sizeof entry);
    ASSERT_EQ(ELF64_ST_TYPE(entry.st_info), STT_TLS);
    entry.st_info = ELF64_ST_INFO(ELF64_ST_BIND(entry.st_info), STT_OBJECT);
    entry.st_shndx = SHN_UNDEF; // an import, as the mutant's was
    memcpy(library.data() + symbol, &entry, sizeof entry);
    fs::path corrupt = write_corrupt(library);
    std::string why = refusal(corrupt, tools::LoadedAs::Library);
    EXPECT_NE(why.find("would not load: ELF: TLS relocation against a symbol that is not STT_TLS"), std::string::npos)
        << why;
    fs::remove(corrupt);
}

} // namespace
