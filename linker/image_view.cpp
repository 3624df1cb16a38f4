#include <linker/image_view.h>

namespace linker {

ImageView ImageView::loaded(std::span<const std::byte> memory, uint64_t span_start)
{
    ImageView view;
    view.m_ranges[0] = { span_start, memory };
    view.m_range_count = 1;
    return view;
}

ImageView ImageView::file(std::span<const std::byte> file, const LoadPlan& plan)
{
    ImageView view;
    for (const LoadSegment& s : plan.segments()) {
        if (!range_fits(s.offset, s.filesz, file.size()))
            continue; // make_load_plan() rejects this; stay safe with a mismatched file
        view.m_ranges[view.m_range_count++] = { s.vaddr, file.subspan(s.offset, s.filesz) };
    }
    return view;
}

std::optional<std::span<const std::byte>> ImageView::bytes(uint64_t vaddr, uint64_t size) const
{
    for (size_t i = 0; i < m_range_count; ++i) {
        const Range& r = m_ranges[i];
        if (vaddr >= r.vaddr && range_fits(vaddr - r.vaddr, size, r.bytes.size()))
            return r.bytes.subspan(vaddr - r.vaddr, size);
    }
    return std::nullopt;
}

std::optional<std::string_view> ImageView::string(uint64_t vaddr, uint64_t max_size) const
{
    for (size_t i = 0; i < m_range_count; ++i) {
        const Range& r = m_ranges[i];
        if (vaddr < r.vaddr || vaddr - r.vaddr >= r.bytes.size())
            continue;
        uint64_t available = r.bytes.size() - (vaddr - r.vaddr);
        uint64_t limit = available < max_size ? available : max_size;
        auto* start = reinterpret_cast<const char*>(r.bytes.data() + (vaddr - r.vaddr));
        auto* nul = static_cast<const char*>(memchr(start, 0, limit));
        if (!nul)
            return std::nullopt;
        return std::string_view(start, size_t(nul - start));
    }
    return std::nullopt;
}

} // namespace linker
