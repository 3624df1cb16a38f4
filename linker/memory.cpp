#include <linker/memory.h>

namespace linker {

lib::Result<void> Memory::copy(uint64_t address, const Memory& source, uint64_t source_address, uint64_t size)
{
    std::byte chunk[256];
    for (uint64_t done = 0; done < size;) {
        uint64_t n = size - done < sizeof(chunk) ? size - done : sizeof(chunk);
        TRY(source.read(source_address + done, std::span(chunk, n)));
        TRY(write(address + done, std::span<const std::byte>(chunk, n)));
        done += n;
    }
    return {};
}

std::byte* BufferMemory::at(uint64_t address, uint64_t size) const
{
    if (address < m_base || address - m_base > m_bytes.size() || size > m_bytes.size() - (address - m_base))
        return nullptr;
    return m_bytes.data() + (address - m_base);
}

lib::Result<void> BufferMemory::read(uint64_t address, std::span<std::byte> out) const
{
    const std::byte* p = at(address, out.size());
    if (!p)
        return lib::Error(lib::Errno::FAULT, "linker: read outside the object's memory");
    memcpy(out.data(), p, out.size());
    return {};
}

lib::Result<void> BufferMemory::write(uint64_t address, std::span<const std::byte> in)
{
    std::byte* p = at(address, in.size());
    if (!p)
        return lib::Error(lib::Errno::FAULT, "linker: write outside the object's memory");
    memcpy(p, in.data(), in.size());
    return {};
}

} // namespace linker
