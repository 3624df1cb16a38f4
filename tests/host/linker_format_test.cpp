// ELF header validation and load planning on synthetic byte-buffer images.
#include <linker/elf_format.h>
#include <linker/load_plan.h>

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace {

using namespace linker;

/// An ET_DYN x86-64 image: header, program headers at 64, file of `size` bytes.
struct Image {
    elf::Header header {};
    std::vector<elf::ProgramHeader> phdrs;
    size_t size = 0x3000;

    Image()
    {
        memcpy(header.ident,
            "\x7f"
            "ELF\x02\x01\x01",
            7);
        header.type = elf::kTypeDyn, header.machine = elf::kMachineX86_64, header.version = 1;
        header.entry = 0x1010, header.phoff = 64, header.ehsize = 64, header.phentsize = 56;
        phdrs = {
            { elf::PT_PHDR, elf::PF_R, 64, 64, 64, 56 * 6, 56 * 6, 8 },
            { elf::PT_LOAD, elf::PF_R, 0, 0, 0, 0x800, 0x800, 0x1000 },
            { elf::PT_LOAD, elf::PF_R | elf::PF_X, 0x1000, 0x1000, 0x1000, 0x100, 0x100, 0x1000 },
            { elf::PT_LOAD, elf::PF_R | elf::PF_W, 0x2000, 0x2000, 0x2000, 0x200, 0x1800, 0x1000 },
            { elf::PT_DYNAMIC, elf::PF_R | elf::PF_W, 0x2000, 0x2000, 0x2000, 0x100, 0x100, 8 },
            { elf::PT_TLS, elf::PF_R, 0x2100, 0x2100, 0x2100, 0x10, 0x40, 64 },
        };
    }
    std::vector<std::byte> bytes()
    {
        header.phnum = uint16_t(phdrs.size());
        std::vector<std::byte> out(size);
        memcpy(out.data(), &header, sizeof(header));
        if (64 + phdrs.size() * 56 <= size)
            memcpy(out.data() + 64, phdrs.data(), phdrs.size() * 56);
        return out;
    }
};

const char* plan_error(Image& image)
{
    auto bytes = image.bytes();
    auto plan = make_load_plan(bytes);
    EXPECT_TRUE(plan.is_error());
    return plan.is_error() ? plan.error().message : "";
}

TEST(LinkerFormat, PlansAWellFormedPie)
{
    Image image;
    image.phdrs.push_back({ elf::PT_GNU_RELRO, elf::PF_R, 0x2000, 0x2000, 0x2000, 0x100, 0x100, 1 });
    image.phdrs.push_back({ elf::PT_GNU_STACK, elf::PF_R | elf::PF_W, 0, 0, 0, 0, 0, 16 });
    auto bytes = image.bytes();
    auto plan = make_load_plan(bytes);
    ASSERT_FALSE(plan.is_error()) << plan.error().message;
    ASSERT_EQ(plan->segments().size(), 3u);
    EXPECT_TRUE(plan->segments()[1].protection().execute);
    EXPECT_FALSE(plan->segments()[1].protection().write);
    EXPECT_TRUE(plan->segments()[2].protection().write);
    EXPECT_EQ(plan->span_start, 0u);
    EXPECT_EQ(plan->span_end, 0x4000u); // 0x2000 + 0x1800 rounded up
    EXPECT_EQ(plan->entry, 0x1010u);
    EXPECT_EQ(plan->phdr_vaddr, 64u);
    EXPECT_EQ(plan->phnum, 8);
    ASSERT_TRUE(plan->dynamic && plan->tls && plan->relro);
    EXPECT_EQ(plan->tls->memsz, 0x40u);
    EXPECT_EQ(plan->tls->align, 64u);
    EXPECT_FALSE(plan->executable_stack);
}

TEST(LinkerFormat, FindsLoadedProgramHeadersWithoutPtPhdr)
{
    Image image;
    image.phdrs.erase(image.phdrs.begin());
    auto bytes = image.bytes();
    auto plan = make_load_plan(bytes);
    ASSERT_FALSE(plan.is_error()) << plan.error().message;
    EXPECT_EQ(plan->phdr_vaddr, 64u);
}

TEST(LinkerFormat, RejectsBadHeaders)
{
    struct Case {
        void (*mutate)(Image&);
        const char* message;
    } cases[] = {
        { [](Image& i) { i.header.ident[0] = 0; }, "ELF: bad magic (not an ELF file)" },
        { [](Image& i) { i.header.ident[4] = 1; }, "ELF: not a 64-bit (ELFCLASS64) file" },
        { [](Image& i) { i.header.ident[5] = 2; }, "ELF: not a little-endian file" },
        { [](Image& i) { i.header.machine = 3; }, "ELF: not an x86-64 file" },
        { [](Image& i) { i.header.type = 1; }, "ELF: not an executable or shared object" },
        { [](Image& i) { i.header.phentsize = 32; }, "ELF: program header entry size is not 56" },
        { [](Image& i) { i.header.phoff = 0x2f00; }, "ELF: program header table extends past end of file" },
        { [](Image& i) { i.header.phoff = ~0ull - 8; }, "ELF: program header table extends past end of file" },
        { [](Image& i) { i.header.phoff = 65; }, "ELF: program header table misaligned" },
        { [](Image& i) { i.header.type = elf::kTypeExec; },
            "ELF: not position-independent (ET_EXEC); Osprey loads PIE executables and shared objects" },
    };
    for (const Case& c : cases) {
        Image image;
        c.mutate(image);
        EXPECT_STREQ(plan_error(image), c.message);
    }
    std::vector<std::byte> tiny(63);
    EXPECT_STREQ(parse_elf(tiny).error().message, "ELF: file too short for an ELF header");
    auto exec = Image();
    exec.header.type = elf::kTypeExec;
    auto bytes = exec.bytes();
    EXPECT_FALSE(make_load_plan(parse_elf(bytes).value(), bytes.size(), AddressPolicy::AllowFixed).is_error());
}

TEST(LinkerFormat, RejectsBadSegments)
{
    struct Case {
        void (*mutate)(Image&);
        const char* message;
    } cases[] = {
        { [](Image& i) { i.phdrs[3].filesz = 0x2000; }, "ELF: segment file size larger than memory size" },
        { [](Image& i) { i.phdrs[3].offset = 0x2f00; }, "ELF: segment data extends past end of file" },
        { [](Image& i) { i.phdrs[3].vaddr = 1ull << 47; },
            "ELF: segment address or size beyond the user address space" },
        { [](Image& i) { i.phdrs[3].memsz = ~0ull; }, "ELF: segment address or size beyond the user address space" },
        { [](Image& i) { i.phdrs[3].memsz = 5ull << 30; }, "ELF: segments span more than 4 GiB" },
        { [](Image& i) { i.phdrs[2].align = 0x1001; }, "ELF: segment alignment not a power of two" },
        { [](Image& i) {
             i.phdrs[2].vaddr = 0x1008;
             i.phdrs[0].type = elf::PT_NULL;
             i.header.entry = 0;
         },
            "ELF: PT_LOAD segment not congruent to its file offset modulo the page size" },
        { [](Image& i) {
             i.phdrs[3].vaddr = 0x3000;
             i.phdrs[3].align = 0x200000;
         },
            "ELF: PT_LOAD segment misaligned (p_vaddr != p_offset modulo p_align)" },
        { [](Image& i) { std::swap(i.phdrs[2], i.phdrs[3]); }, "ELF: PT_LOAD segments unsorted or overlapping" },
        { [](Image& i) { i.phdrs[1].memsz = 0x1800; }, "ELF: PT_LOAD segments unsorted or overlapping" },
        { [](Image& i) {
             for (auto& p : i.phdrs)
                 if (p.type == elf::PT_LOAD)
                     p.type = elf::PT_NOTE;
         },
            "ELF: no PT_LOAD segment" },
        { [](Image& i) {
             i.phdrs[4].vaddr = 0x2c00;
             i.phdrs[4].offset = 0x2c00;
         },
            "ELF: PT_DYNAMIC outside the loaded segments or misaligned" },
        { [](Image& i) { i.phdrs[4].vaddr = 0x2004; }, "ELF: PT_DYNAMIC outside the loaded segments or misaligned" },
        { [](Image& i) { i.phdrs[5].vaddr = 0x1ff0; }, "ELF: PT_TLS initialisation image outside the loaded segments" },
        { [](Image& i) { i.phdrs[5].align = 48; }, "ELF: segment alignment not a power of two" },
        { [](Image& i) { i.phdrs.push_back(i.phdrs[5]); }, "ELF: more than one PT_TLS" },
        { [](Image& i) { i.header.entry = 0x5000; }, "ELF: entry point outside the loaded segments" },
        { [](Image& i) { i.phdrs[0].vaddr = 0x3f00; }, "ELF: PT_PHDR outside the loaded segments" },
        { [](Image& i) {
             i.phdrs.push_back({ elf::PT_GNU_RELRO, 4, 0, 0x3f00, 0, 0, 0x200, 1 });
         },
            "ELF: PT_GNU_RELRO outside the loaded segments" },
        { [](Image& i) { i.phdrs[5].memsz = 1ull << 40; }, "ELF: PT_TLS larger than 1 GiB or with p_filesz > p_memsz" },
        { [](Image& i) {
             i.phdrs[4] = { elf::PT_INTERP, elf::PF_R, 0x100, 0x100, 0x100, 0x1c, 0x1c, 1 };
         },
            "ELF: PT_INTERP without PT_DYNAMIC" },
    };
    for (const Case& c : cases) {
        Image image;
        c.mutate(image);
        EXPECT_STREQ(plan_error(image), c.message);
    }
}

TEST(LinkerFormat, TlsWithoutAnImageMayLieAnywhere)
{
    // Go's linker: a .tbss-only PT_TLS (no initialised bytes) at address 0, outside every
    // PT_LOAD of its ET_EXEC. There is no image to read, so nothing is wrong with it. (Here
    // address 0 is loaded, so the test's segment says 0x5000.)
    Image image;
    image.phdrs[5] = { elf::PT_TLS, elf::PF_R, 0x2100, 0x5000, 0x5000, 0, 8, 8 };
    auto bytes = image.bytes();
    auto plan = make_load_plan(bytes);
    ASSERT_FALSE(plan.is_error()) << plan.error().message;
    ASSERT_TRUE(plan->tls);
    EXPECT_EQ(plan->tls->memsz, 8u);
    // With one initialised byte the image must be in a loaded segment again.
    image.phdrs[5].filesz = 1;
    EXPECT_STREQ(plan_error(image), "ELF: PT_TLS initialisation image outside the loaded segments");
}

TEST(LinkerFormat, LimitsLoadSegmentsToSixteen)
{
    Image image;
    image.phdrs.resize(1);
    image.size = 0x20000;
    for (uint64_t i = 0; i < 17; ++i)
        image.phdrs.push_back({ elf::PT_LOAD, elf::PF_R, i * 0x1000, i * 0x1000, 0, 0x800, 0x800, 0x1000 });
    EXPECT_STREQ(plan_error(image), "ELF: more than 16 PT_LOAD segments");
    image.phdrs.pop_back();
    auto bytes = image.bytes();
    auto plan = make_load_plan(bytes);
    ASSERT_FALSE(plan.is_error()) << plan.error().message;
    EXPECT_EQ(plan->segments().size(), 16u);
}

TEST(LinkerFormat, ExecutableStackFromPtGnuStack)
{
    Image image;
    image.phdrs.push_back({ elf::PT_GNU_STACK, elf::PF_R | elf::PF_W | elf::PF_X, 0, 0, 0, 0, 0, 16 });
    auto bytes = image.bytes();
    EXPECT_TRUE(make_load_plan(bytes)->executable_stack);
}

} // namespace
