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

/// The file offset of section `name`, 0 if there is none.
size_t section_offset(const std::vector<char>& file, const char* name)
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
            return section(i).sh_offset;
    return 0;
}

std::string refusal(const fs::path& path)
{
    try {
        tools::check_loadable(path);
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
    fs::path corrupt = fs::temp_directory_path() / ("osprey-load-check-" + std::to_string(getpid()));
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
        std::ofstream(corrupt, std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
        std::string why = refusal(corrupt);
        EXPECT_NE(why.find("would not load: ELF: " + std::string(c.message)), std::string::npos) << c.section << ": " << why;
    }
    fs::remove(corrupt);
}

} // namespace
