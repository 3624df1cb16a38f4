#include <linker/tls.h>

#include <optional>

namespace linker {

namespace {

constexpr uint64_t kMaxTotal = 1 << 30;

uint64_t round_up(uint64_t v, uint64_t align) { return (v + align - 1) & ~(align - 1); }

/// How far below the thread pointer a block of `m` ends up when it may start no nearer than
/// `nearest` bytes below it: the block's start (TP - distance) must be congruent to p_vaddr
/// modulo p_align.
uint64_t block_distance(uint64_t nearest, const TlsSegment& m, uint64_t align)
{
    uint64_t first_byte = (0 - m.vaddr) & (align - 1);
    return round_up(nearest + m.memsz - first_byte, align) + first_byte;
}

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
        uint64_t offset = block_distance(layout.size, m, align);
        if (offset > kMaxTotal)
            return lib::Error(lib::Errno::TOOBIG, "TLS: static TLS blocks larger than 1 GiB");
        offsets[i] = -int64_t(offset);
        layout.size = offset;
        layout.align = align > layout.align ? align : layout.align;
    }
    return layout;
}

lib::Result<int64_t> place_tls_block(std::span<const TlsBlock> used, const TlsSegment& segment, uint64_t capacity)
{
    uint64_t align = segment.align ? segment.align : 1;
    TRY(check_tls_segment({ segment.vaddr, segment.filesz, segment.memsz, align }));
    // A block at distance d covers the bytes from TP - d to TP - d + memsz. The best place
    // starts right below the thread pointer or right below a used block: try each.
    auto overlaps = [&](uint64_t distance) {
        for (const TlsBlock& b : used) {
            uint64_t far = uint64_t(-b.offset), near = far - b.memsz;
            if (distance - segment.memsz < far && near < distance)
                return true;
        }
        return false;
    };
    std::optional<uint64_t> best;
    auto consider = [&](uint64_t nearest) {
        uint64_t distance = block_distance(nearest, segment, align);
        if (distance <= capacity && (!best || distance < *best) && !overlaps(distance))
            best = distance;
    };
    consider(0);
    for (const TlsBlock& b : used)
        consider(uint64_t(-b.offset));
    if (!best)
        return lib::Error(lib::Errno::NOSPC, "no static TLS space left for the object's thread-local storage");
    return -int64_t(*best);
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
