#include <linker/tls.h>

namespace linker {

namespace {

constexpr uint64_t kMaxTotal = 1 << 30;

uint64_t round_up(uint64_t v, uint64_t align) { return (v + align - 1) & ~(align - 1); }

} // namespace

lib::Result<StaticTlsLayout> layout_static_tls(std::span<const TlsSegment> modules, std::span<int64_t> offsets)
{
    if (offsets.size() < modules.size())
        return lib::Error(lib::Errno::INVAL, "TLS: fewer offset slots than modules");
    StaticTlsLayout layout { 0, 1 };
    for (size_t i = 0; i < modules.size(); ++i) {
        const TlsSegment& m = modules[i];
        uint64_t align = m.align ? m.align : 1;
        TRY(check_tls_segment({ m.vaddr, m.filesz, m.memsz, align }));
        // The block start (TP - offset) must be congruent to p_vaddr modulo p_align.
        uint64_t first_byte = (0 - m.vaddr) & (align - 1);
        uint64_t offset = round_up(layout.size + m.memsz - first_byte, align) + first_byte;
        if (offset > kMaxTotal)
            return lib::Error(lib::Errno::TOOBIG, "TLS: static TLS blocks larger than 1 GiB");
        offsets[i] = -int64_t(offset);
        layout.size = offset;
        layout.align = align > layout.align ? align : layout.align;
    }
    return layout;
}

lib::Result<void> initialize_tls_block(Memory& thread_memory, uint64_t thread_pointer, int64_t offset,
    const TlsSegment& tls, const Memory& image, uint64_t image_address)
{
    uint64_t block = thread_pointer + uint64_t(offset);
    TRY(thread_memory.copy(block, image, image_address, tls.filesz));
    static constexpr std::byte zeros[256] {};
    for (uint64_t done = tls.filesz; done < tls.memsz;) {
        uint64_t n = tls.memsz - done < sizeof(zeros) ? tls.memsz - done : sizeof(zeros);
        TRY(thread_memory.write(block + done, std::span(zeros, n)));
        done += n;
    }
    return {};
}

} // namespace linker
