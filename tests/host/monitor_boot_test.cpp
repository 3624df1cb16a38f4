// The monitor's kernel loading (PT_LOAD + PVH note) and PVH start_info building, on
// synthetic ELF files and guest memory.
#include <monitor/kernel_loader.h>
#include <monitor/pvh_boot.h>

#include <kernel/arch/x86_64/pvh.h>
#include <linker/elf.h>

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace {

using namespace monitor;
namespace elf = linker::elf;

// A kernel-like ELF: one PT_LOAD of `code` at physical 1 MiB with `bss` extra zero bytes,
// and a PT_NOTE holding Xen's PHYS32_ENTRY note pointing at `entry`.
struct FakeKernel {
    std::vector<uint8_t> code = std::vector<uint8_t>(64, 0xcc);
    uint64_t paddr = 0x100000, bss = 4096;
    uint32_t entry = 0x100010, note_type = kXenElfNotePhys32Entry;
    bool with_note = true;

    std::vector<std::byte> build() const
    {
        std::vector<std::byte> file(0x2000);
        elf::Header h {};
        memcpy(h.ident, "\x7f" "ELF", 4);
        h.ident[elf::EI_CLASS] = elf::ELFCLASS64;
        h.ident[elf::EI_DATA] = elf::ELFDATA2LSB;
        h.ident[elf::EI_VERSION] = elf::EV_CURRENT;
        h.type = elf::kTypeExec;
        h.machine = elf::kMachineX86_64;
        h.version = elf::EV_CURRENT;
        h.phoff = sizeof(h);
        h.phentsize = sizeof(elf::ProgramHeader);
        h.phnum = with_note ? 2 : 1;
        memcpy(file.data(), &h, sizeof(h));
        elf::ProgramHeader load { elf::PT_LOAD, 7, 0x1000, paddr, paddr, code.size(), code.size() + bss, 0x1000 };
        memcpy(file.data() + sizeof(h), &load, sizeof(load));
        memcpy(file.data() + 0x1000, code.data(), code.size());
        uint32_t note[5] = { 4, 4, note_type, 0, entry };
        memcpy(&note[3], "Xen", 4);
        elf::ProgramHeader note_ph { elf::PT_NOTE, 4, 0x1800, 0, 0, sizeof(note), sizeof(note), 4 };
        memcpy(file.data() + sizeof(h) + sizeof(load), &note_ph, sizeof(note_ph));
        memcpy(file.data() + 0x1800, note, sizeof(note));
        return file;
    }
};

TEST(MonitorKernelLoader, LoadsSegmentsAndFindsPvhEntry)
{
    auto memory = GuestMemory::create(4 << 20).release_value();
    memset(memory.span(0x100000 + 64, 16).value().data(), 0xaa, 16); // bss must be zeroed
    FakeKernel fake;
    auto file = fake.build();
    auto kernel = load_kernel(file, memory);
    ASSERT_FALSE(kernel.is_error()) << kernel.error().message;
    EXPECT_EQ(kernel->entry32, 0x100010u);
    EXPECT_EQ(kernel->phys_start, 0x100000u);
    EXPECT_EQ(kernel->phys_end, 0x100000u + 64 + 4096);
    auto loaded = memory.read_span(0x100000, 80).value();
    EXPECT_EQ(loaded[0], 0xcc);
    EXPECT_EQ(loaded[63], 0xcc);
    EXPECT_EQ(loaded[64], 0);
    EXPECT_EQ(loaded[79], 0);
}

void expect_rejected(const std::vector<std::byte>& file, const char* why, uint64_t ram = 4 << 20)
{
    auto memory = GuestMemory::create(ram).release_value();
    auto kernel = load_kernel(file, memory);
    ASSERT_TRUE(kernel.is_error()) << why;
    EXPECT_EQ(kernel.error().code, lib::Errno::NOEXEC) << why;
    EXPECT_NE(std::string(kernel.error().message).find("ELF"), std::string::npos) << kernel.error().message;
}

TEST(MonitorKernelLoader, RejectsBadKernels)
{
    expect_rejected({}, "empty file");
    expect_rejected(std::vector<std::byte>(100, std::byte(0x41)), "not an ELF");
    FakeKernel no_note;
    no_note.with_note = false;
    expect_rejected(no_note.build(), "no PVH note");
    FakeKernel other_note;
    other_note.note_type = 17;
    expect_rejected(other_note.build(), "wrong note type");
    FakeKernel low;
    low.paddr = 0x1000;
    low.entry = 0x1010;
    expect_rejected(low.build(), "below 1 MiB");
    FakeKernel huge;
    huge.bss = 64ull << 20;
    expect_rejected(huge.build(), "bss past RAM");
    FakeKernel wild_entry;
    wild_entry.entry = 0x900000;
    expect_rejected(wild_entry.build(), "entry outside segments");
    auto truncated = FakeKernel().build();
    truncated.resize(0x1010); // segment data cut off
    expect_rejected(truncated, "truncated");
    auto bad_note = FakeKernel().build();
    uint32_t huge_name = 0xfffffff0;
    memcpy(bad_note.data() + 0x1800, &huge_name, 4);
    expect_rejected(bad_note, "note name past segment");
}

TEST(MonitorPvhBoot, WritesStartInfoMemmapCmdlineAndModules)
{
    auto memory = GuestMemory::create(128 << 20).release_value();
    BootModule image { image_address(memory.ram_size()), 12345 };
    BootInfoRequest request { "log=debug -- /app/hello", std::span(&image, 1) };
    auto address = write_boot_info(memory, request);
    ASSERT_FALSE(address.is_error());
    arch::PvhStartInfo info;
    memcpy(&info, memory.read_span(address.value(), sizeof(info))->data(), sizeof(info));
    EXPECT_EQ(info.magic, arch::PvhStartInfo::kMagic);
    EXPECT_EQ(info.version, 1u);
    EXPECT_EQ(info.nr_modules, 1u);
    auto cmdline = memory.read_span(info.cmdline_paddr, 24).value();
    EXPECT_STREQ(reinterpret_cast<const char*>(cmdline.data()), "log=debug -- /app/hello");
    arch::PvhModule module;
    memcpy(&module, memory.read_span(info.modlist_paddr, sizeof(module))->data(), sizeof(module));
    EXPECT_EQ(module.paddr, 128u << 20);
    EXPECT_EQ(module.size, 12345u);
    ASSERT_EQ(info.memmap_entries, 4u);
    std::vector<arch::PvhMemmapEntry> map(4);
    memcpy(map.data(), memory.read_span(info.memmap_paddr, 4 * sizeof(map[0]))->data(), 4 * sizeof(map[0]));
    EXPECT_EQ(map[0].type, arch::PvhMemmapEntry::kRam);
    EXPECT_EQ(map[1].type, kE820Reserved);
    EXPECT_EQ(map[2].addr, 0x100000u);
    EXPECT_EQ(map[2].addr + map[2].size, 128u << 20);
    EXPECT_EQ(map[2].type, arch::PvhMemmapEntry::kRam);
    EXPECT_EQ(map[3].addr, 128u << 20); // the image: reserved, not RAM
    EXPECT_EQ(map[3].type, kE820Reserved);
}

TEST(MonitorPvhBoot, RejectsBadCommandLines)
{
    auto memory = GuestMemory::create(2 << 20).release_value();
    std::string nul("a\0b", 3);
    EXPECT_EQ(write_boot_info(memory, { nul, {} }).error().code, lib::Errno::INVAL);
    std::string huge(kCmdlineMax, 'x');
    EXPECT_EQ(write_boot_info(memory, { huge, {} }).error().code, lib::Errno::TOOBIG);
}

TEST(MonitorPvhBoot, ImageGoesAfterRamOn2MiB)
{
    EXPECT_EQ(image_address(128 << 20), 128u << 20);
    EXPECT_EQ(image_address((128 << 20) + 1), 130u << 20);
}

} // namespace
