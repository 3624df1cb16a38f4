// CRC-32C, byte-at-a-time with a table computed at compile time (no static constructor).
#include <images/crc32c.h>

namespace images {
namespace {

struct Crc32cTable {
    uint32_t entries[256];
};

constexpr Crc32cTable make_table()
{
    Crc32cTable table {};
    for (uint32_t i = 0; i < 256; ++i) {
        uint32_t crc = i;
        for (int bit = 0; bit < 8; ++bit)
            crc = (crc & 1) ? (crc >> 1) ^ 0x82f63b78u : crc >> 1;
        table.entries[i] = crc;
    }
    return table;
}

constexpr Crc32cTable kTable = make_table();

} // namespace

uint32_t crc32c(std::span<const std::byte> bytes, uint32_t crc)
{
    crc = ~crc;
    for (std::byte b : bytes)
        crc = kTable.entries[(crc ^ static_cast<uint8_t>(b)) & 0xff] ^ (crc >> 8);
    return ~crc;
}

} // namespace images
