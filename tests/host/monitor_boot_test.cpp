// The monitor's kernel loading (PT_LOAD + PVH note) and PVH start_info building, on
// synthetic ELF files and guest memory.
#include <monitor/kernel_loader.h>
#include <monitor/pvh_boot.h>

#include <kernel/arch/x86_64/pvh.h>
#include <linker/elf.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <sys/mman.h>
#include <unistd.h>
#include <vector>

namespace {

using namespace monitor;
namespace elf = linker::elf;

// A kernel-like ELF: one PT_LOAD of `code` at physical `paddr` from file offset `offset`,
// with `bss` extra zero bytes, and a PT_NOTE (right after the program headers) holding
// Xen's PHYS32_ENTRY note pointing at `entry`.
struct FakeKernel {
    std::vector<uint8_t> code = std::vector<uint8_t>(64, 0xcc);
    uint64_t paddr = 0x100000, offset = 0x1000, bss = 4096;
    uint32_t entry = 0x100010, note_type = kXenElfNotePhys32Entry;
    bool with_note = true;

    static constexpr uint64_t kNoteOffset = sizeof(elf::Header) + 2 * sizeof(elf::ProgramHeader);

    std::vector<std::byte> build() const
    {
        std::vector<std::byte> file(std::max<uint64_t>(0x2000, offset + code.size()));
        elf::Header h {};
        memcpy(h.ident,
            "\x7f"
            "ELF",
            4);
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
        elf::ProgramHeader load { elf::PT_LOAD, 7, offset, paddr, paddr, code.size(), code.size() + bss, 0x1000 };
        memcpy(file.data() + sizeof(h), &load, sizeof(load));
        memcpy(file.data() + offset, code.data(), code.size());
        uint32_t note[5] = { 4, 4, note_type, 0, entry };
        memcpy(&note[3], "Xen", 4);
        elf::ProgramHeader note_ph { elf::PT_NOTE, 4, kNoteOffset, 0, 0, sizeof(note), sizeof(note), 4 };
        memcpy(file.data() + sizeof(h) + sizeof(load), &note_ph, sizeof(note_ph));
        memcpy(file.data() + kNoteOffset, note, sizeof(note));
        return file;
    }
};

/// `bytes` as the loader gets a kernel: an open file (memfd) and its mapping.
class KernelFile {
public:
    explicit KernelFile(const std::vector<std::byte>& bytes)
        : m_fd(memfd_create("fake-kernel", MFD_CLOEXEC)), m_size(bytes.size())
    {
        EXPECT_GE(m_fd, 0);
        EXPECT_EQ(write(m_fd, bytes.data(), bytes.size()), ssize_t(bytes.size()));
        if (m_size)
            m_data = mmap(nullptr, m_size, PROT_READ, MAP_PRIVATE, m_fd, 0);
        EXPECT_NE(m_data, MAP_FAILED);
    }
    KernelFile(const KernelFile&) = delete;
    ~KernelFile()
    {
        if (m_size && m_data != MAP_FAILED)
            munmap(m_data, m_size);
        close(m_fd);
    }
    std::span<const std::byte> bytes() const { return { static_cast<const std::byte*>(m_data), m_size }; }
    int fd() const { return m_fd; }

private:
    int m_fd;
    size_t m_size;
    void* m_data = nullptr;
};

lib::Result<LoadedKernel> load(const std::vector<std::byte>& bytes, const GuestMemory& memory)
{
    KernelFile file(bytes);
    return load_kernel(file.bytes(), file.fd(), memory);
}

TEST(MonitorKernelLoader, LoadsSegmentsAndFindsPvhEntry)
{
    auto memory = GuestMemory::create(4 << 20).release_value();
    memset(memory.span(0x100000 + 64, 16).value().data(), 0xaa, 16); // bss must be zeroed
    auto kernel = load(FakeKernel().build(), memory);
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

/// A segment of several pages that starts and ends mid-page, with a bss of several pages:
/// every byte of the segment is the file's or zero, and no byte around it changes.
void expect_exact_load(uint64_t paddr, uint64_t offset)
{
    FakeKernel fake;
    fake.paddr = paddr;
    fake.offset = offset;
    fake.entry = uint32_t(paddr);
    fake.code.resize(5 * 4096 + 123);
    for (size_t i = 0; i < fake.code.size(); ++i)
        fake.code[i] = uint8_t(i * 7 + 1);
    fake.bss = 3 * 4096 + 555;
    auto memory = GuestMemory::create(4 << 20).release_value();
    auto ram = memory.span(0, memory.ram_size()).value();
    memset(ram.data(), 0x5a, ram.size()); // stale bytes everywhere
    auto kernel = load(fake.build(), memory);
    ASSERT_FALSE(kernel.is_error()) << kernel.error().message;
    uint64_t file_end = paddr + fake.code.size(), end = file_end + fake.bss;
    for (uint64_t a = paddr - 4096; a < end + 4096; ++a) {
        uint8_t want = a < paddr || a >= end ? 0x5a : a < file_end ? fake.code[a - paddr] : 0;
        ASSERT_EQ(ram[a], want) << "at guest-physical " << std::hex << a;
    }
}

TEST(MonitorKernelLoader, MappedSegmentsAreExactToTheByte)
{
    expect_exact_load(0x100800, 0x1800); // same offset in the page: whole pages are mapped
    expect_exact_load(0x101000, 0x1000); // page-aligned
}

TEST(MonitorKernelLoader, SegmentsOffTheFilePageGridAreCopied)
{
    expect_exact_load(0x100100, 0x1000); // address and offset disagree modulo 4 KiB
}

TEST(MonitorKernelLoader, GuestWritesToMappedPagesStayPrivate)
{
    FakeKernel fake;
    fake.code.assign(3 * 4096, 0xcc);
    auto bytes = fake.build();
    KernelFile file(bytes);
    auto memory = GuestMemory::create(4 << 20).release_value();
    ASSERT_FALSE(load_kernel(file.bytes(), file.fd(), memory).is_error());
    memset(memory.span(0x100000, 3 * 4096).value().data(), 0x11, 3 * 4096); // the guest writes its data
    std::vector<std::byte> after(bytes.size());
    ASSERT_EQ(pread(file.fd(), after.data(), after.size(), 0), ssize_t(after.size()));
    EXPECT_EQ(after, bytes) << "a guest write reached the kernel file";
    EXPECT_EQ(memory.read_span(0x100000 + 4096, 1).value()[0], 0x11);
}

TEST(MonitorGuestMemory, ZeroClearsPartialPagesAndReplacesWholeOnes)
{
    auto memory = GuestMemory::create(2 << 20).release_value();
    auto ram = memory.span(0, memory.ram_size()).value();
    memset(ram.data(), 0x77, ram.size());
    ASSERT_FALSE(memory.zero(4096 + 100, 3 * 4096).is_error());
    for (uint64_t a = 0; a < 6 * 4096; ++a)
        ASSERT_EQ(ram[a], a >= 4096 + 100 && a < 4 * 4096 + 100 ? 0 : 0x77) << a;
    ASSERT_FALSE(memory.zero(8 * 4096 + 10, 20).is_error()); // inside one page
    EXPECT_EQ(ram[8 * 4096 + 9], 0x77);
    EXPECT_EQ(ram[8 * 4096 + 10], 0);
    EXPECT_EQ(ram[8 * 4096 + 29], 0);
    EXPECT_EQ(ram[8 * 4096 + 30], 0x77);
    EXPECT_EQ(memory.zero(memory.ram_size() - 10, 20).error().code, lib::Errno::FAULT);
    EXPECT_EQ(memory.map_file_pages(100, 0, 0, 4096).error().code, lib::Errno::INVAL);
    EXPECT_EQ(memory.map_file_pages(memory.ram_size(), 0, 0, 4096).error().code, lib::Errno::FAULT);
}

void expect_rejected(const std::vector<std::byte>& file, const char* why, uint64_t ram = 4 << 20)
{
    auto memory = GuestMemory::create(ram).release_value();
    auto kernel = load(file, memory);
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
    memcpy(bad_note.data() + FakeKernel::kNoteOffset, &huge_name, 4);
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
    EXPECT_EQ(map[1].type, arch::PvhMemmapEntry::kReserved);
    EXPECT_EQ(map[2].addr, 0x100000u);
    EXPECT_EQ(map[2].addr + map[2].size, 128u << 20);
    EXPECT_EQ(map[2].type, arch::PvhMemmapEntry::kRam);
    EXPECT_EQ(map[3].addr, 128u << 20); // the image: reserved, not RAM
    EXPECT_EQ(map[3].type, arch::PvhMemmapEntry::kReserved);
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
