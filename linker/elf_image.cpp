#include <linker/elf_image.h>

#include <cstring>

namespace linker {

namespace {

constexpr uint64_t kPage = 4096;
constexpr uint64_t kMaxLoadedSize = 4ull << 30;
lib::Error bad(const char* why) { return lib::Error(lib::Errno::NOEXEC, why); }

bool fits(uint64_t offset, uint64_t size, uint64_t limit) { return offset <= limit && size <= limit - offset; }

} // namespace

lib::Result<ElfImage> ElfImage::parse(std::span<const std::byte> file)
{
    ElfImage image;
    image.m_file = file;
    if (file.size() < sizeof(elf::Header))
        return bad("ELF: file too short for an ELF header");
    memcpy(&image.m_header, file.data(), sizeof(elf::Header));
    const auto& h = image.m_header;
    if (memcmp(h.ident, "\x7f" "ELF", 4) != 0)
        return bad("ELF: bad magic (not an ELF file)");
    if (h.ident[4] != 2 || h.ident[5] != 1 || h.ident[6] != 1)
        return bad("ELF: not a 64-bit little-endian ELF version 1 file");
    if (h.machine != elf::kMachineX86_64)
        return bad("ELF: not an x86-64 file");
    if (h.type == elf::kTypeExec)
        return bad("ELF: not position-independent (ET_EXEC); Osprey loads PIE executables and shared objects");
    if (h.type != elf::kTypeDyn)
        return bad("ELF: not an executable or shared object");
    if (h.phentsize != sizeof(elf::ProgramHeader) || h.phnum == 0)
        return bad("ELF: bad program header size or count");
    if (h.phoff % 8 || !fits(h.phoff, uint64_t(h.phnum) * sizeof(elf::ProgramHeader), file.size()))
        return bad("ELF: program header table extends past end of file");
    TRY(image.check_program_headers());
    return image;
}

lib::Result<void> ElfImage::check_program_headers()
{
    auto* phdrs = reinterpret_cast<const elf::ProgramHeader*>(m_file.data() + m_header.phoff);
    uint64_t previous_end = 0;
    for (uint16_t i = 0; i < m_header.phnum; ++i) {
        const auto& p = phdrs[i];
        if (p.type == elf::PT_DYNAMIC)
            m_dynamic = &p;
        else if (p.type == elf::PT_TLS)
            m_tls = &p;
        else if (p.type == elf::PT_GNU_RELRO)
            m_relro = &p;
        else if (p.type == elf::PT_INTERP || p.type != elf::PT_LOAD)
            continue;
        if (p.filesz > p.memsz)
            return bad("ELF: segment file size larger than memory size");
        if (!fits(p.offset, p.filesz, m_file.size()))
            return bad("ELF: segment data extends past end of file");
        if (p.vaddr > (1ull << 46) || p.memsz > (1ull << 46))
            return bad("ELF: segment address or size out of range");
        if (p.type != elf::PT_LOAD)
            continue;
        if (m_segment_count == kMaxSegments)
            return bad("ELF: more than 16 PT_LOAD segments");
        if ((p.vaddr - p.offset) % kPage)
            return bad("ELF: PT_LOAD segment not congruent to its file offset modulo the page size");
        if (m_segment_count && p.vaddr < previous_end)
            return bad("ELF: PT_LOAD segments unsorted or overlapping");
        previous_end = p.vaddr + p.memsz;
        m_segments[m_segment_count++] = { p.vaddr, p.memsz, p.offset, p.filesz, p.flags };
        if (m_header.phoff >= p.offset && m_header.phoff - p.offset < p.filesz)
            m_phdr_vaddr = p.vaddr + (m_header.phoff - p.offset);
    }
    if (m_segment_count == 0)
        return bad("ELF: no PT_LOAD segment");
    m_span_start = m_segments[0].vaddr & ~(kPage - 1);
    m_span_end = (previous_end + kPage - 1) & ~(kPage - 1);
    if (m_span_end - m_span_start > kMaxLoadedSize)
        return bad("ELF: segments span more than 4 GiB");
    if (m_header.entry && (m_header.entry < m_span_start || m_header.entry >= m_span_end))
        return bad("ELF: entry point outside the loaded segments");
    if (m_tls && (m_tls->align & (m_tls->align - 1)))
        return bad("ELF: PT_TLS alignment not a power of two");
    return {};
}

} // namespace linker
