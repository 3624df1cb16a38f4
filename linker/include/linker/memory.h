// Where relocation writes go: a bounds-checked view of memory at run-time addresses (the
// idea of Fuchsia elfldltl's memory abstraction). Host tests use BufferMemory over a byte
// buffer; the kernel uses BufferMemory over the object's mapped span, or its own Memory
// for other address ranges (the kernel's export table, another object's data).
#pragma once

#include <lib/result.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace linker {

class Memory {
public:
    /// Copies [address, address + out.size()) into `out`. Error: EFAULT if not all mapped.
    virtual lib::Result<void> read(uint64_t address, std::span<std::byte> out) const = 0;
    /// Copies `in` to [address, address + in.size()). Error: EFAULT if not all mapped.
    virtual lib::Result<void> write(uint64_t address, std::span<const std::byte> in) = 0;

    template<typename T> lib::Result<T> read_value(uint64_t address) const
    {
        T value;
        TRY(read(address, std::as_writable_bytes(std::span(&value, 1))));
        return value;
    }
    template<typename T> lib::Result<void> write_value(uint64_t address, T value)
    {
        return write(address, std::as_bytes(std::span(&value, 1)));
    }
    lib::Result<uint64_t> read_u64(uint64_t address) const { return read_value<uint64_t>(address); }
    lib::Result<uint32_t> read_u32(uint64_t address) const { return read_value<uint32_t>(address); }
    lib::Result<void> write_u64(uint64_t address, uint64_t value) { return write_value(address, value); }
    lib::Result<void> write_u32(uint64_t address, uint32_t value) { return write_value(address, value); }

    /// Copies `size` bytes from `source_address` of `source` to `address` here, in chunks
    /// through a small stack buffer. Errors: those of read() and write().
    lib::Result<void> copy(uint64_t address, const Memory& source, uint64_t source_address, uint64_t size);

protected:
    ~Memory() = default;
};

/// Memory backed by `bytes`, whose first byte is run-time address `base`.
class BufferMemory final : public Memory {
public:
    BufferMemory(std::span<std::byte> bytes, uint64_t base) : m_bytes(bytes), m_base(base) { }
    lib::Result<void> read(uint64_t address, std::span<std::byte> out) const override;
    lib::Result<void> write(uint64_t address, std::span<const std::byte> in) override;
    uint64_t base() const { return m_base; }
    std::span<std::byte> bytes() const { return m_bytes; }

private:
    std::byte* at(uint64_t address, uint64_t size) const;
    std::span<std::byte> m_bytes;
    uint64_t m_base;
};

} // namespace linker
