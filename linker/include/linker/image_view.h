// Read-only, bounds-checked access to an object's link-time address space (the addresses
// its dynamic section uses). Two sources: the object as loaded (one contiguous span whose
// first byte is link-time address `span_start`), or the ELF file itself, where addresses
// are translated through the PT_LOAD segments' file parts (host tools read a file's
// dynamic section without loading it). Every accessor returns nothing rather than read
// outside the bytes it was given.
#pragma once

#include <linker/load_plan.h>

#include <cstring>
#include <optional>
#include <string_view>

namespace linker {

class ImageView {
public:
    ImageView() = default;
    /// The loaded object: `memory[0]` holds link-time address `span_start`.
    static ImageView loaded(std::span<const std::byte> memory, uint64_t span_start);
    /// An unloaded file: link-time addresses map to file bytes through `plan`'s PT_LOAD
    /// segments (only their p_filesz parts). `file` must be the file `plan` was made from.
    static ImageView file(std::span<const std::byte> file, const LoadPlan& plan);

    /// The bytes [vaddr, vaddr + size), if all inside one mapped range.
    std::optional<std::span<const std::byte>> bytes(uint64_t vaddr, uint64_t size) const;

    /// `count` objects of T at `vaddr`, if in range and suitably aligned in host memory.
    template<typename T> std::optional<std::span<const T>> array(uint64_t vaddr, uint64_t count) const
    {
        if (count > UINT64_MAX / sizeof(T))
            return std::nullopt;
        auto raw = bytes(vaddr, count * sizeof(T));
        if (!raw || reinterpret_cast<uintptr_t>(raw->data()) % alignof(T))
            return std::nullopt;
        return std::span(reinterpret_cast<const T*>(raw->data()), count);
    }

    /// A copy of the T at `vaddr` (no alignment requirement).
    template<typename T> std::optional<T> read(uint64_t vaddr) const
    {
        auto raw = bytes(vaddr, sizeof(T));
        if (!raw)
            return std::nullopt;
        T value;
        memcpy(&value, raw->data(), sizeof(T));
        return value;
    }

    /// The NUL-terminated string at `vaddr`, at most `max_size` bytes including the NUL;
    /// nothing if no NUL is found within range.
    std::optional<std::string_view> string(uint64_t vaddr, uint64_t max_size) const;

private:
    struct Range {
        uint64_t vaddr;
        std::span<const std::byte> bytes;
    };
    std::array<Range, LoadPlan::kMaxSegments> m_ranges {};
    size_t m_range_count = 0;
};

} // namespace linker
