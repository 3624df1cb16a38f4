#include <ninep/wire.h>

#include <cstring>

namespace ninep {

Writer::Writer(std::span<std::byte> buffer, Type type, uint16_t tag) : m_buffer(buffer)
{
    if (!fits(kHeaderSize))
        return;
    m_length = 4; // the size, filled in by finish()
    u8(uint8_t(type)).u16(tag);
}

bool Writer::fits(size_t count)
{
    if (m_failed || count > m_buffer.size() - m_length)
        m_failed = true;
    return !m_failed;
}

Writer& Writer::u8(uint8_t value)
{
    if (fits(1))
        m_buffer[m_length++] = std::byte(value);
    return *this;
}

Writer& Writer::u16(uint16_t value) { return u8(uint8_t(value)).u8(uint8_t(value >> 8)); }
Writer& Writer::u32(uint32_t value) { return u16(uint16_t(value)).u16(uint16_t(value >> 16)); }
Writer& Writer::u64(uint64_t value) { return u32(uint32_t(value)).u32(uint32_t(value >> 32)); }

Writer& Writer::string(std::string_view text)
{
    if (text.size() > 0xffff)
        m_failed = true;
    u16(uint16_t(text.size()));
    return bytes(std::as_bytes(std::span(text.data(), text.size())));
}

Writer& Writer::qid(const Qid& qid) { return u8(qid.type).u32(qid.version).u64(qid.path); }

Writer& Writer::bytes(std::span<const std::byte> data)
{
    std::span<std::byte> place = reserve(data.size());
    if (!data.empty() && place.size() == data.size())
        memcpy(place.data(), data.data(), data.size());
    return *this;
}

Writer& Writer::attributes(const Attributes& a)
{
    u64(a.valid).qid(a.qid).u32(a.mode).u32(a.uid).u32(a.gid);
    u64(a.links).u64(a.rdev).u64(a.size).u64(a.block_size).u64(a.blocks);
    u64(a.atime_sec).u64(a.atime_nsec).u64(a.mtime_sec).u64(a.mtime_nsec).u64(a.ctime_sec).u64(a.ctime_nsec);
    return u64(a.btime_sec).u64(a.btime_nsec).u64(a.generation).u64(a.data_version);
}

std::span<std::byte> Writer::reserve(size_t count)
{
    if (!fits(count))
        return {};
    std::span<std::byte> place = m_buffer.subspan(m_length, count);
    m_length += count;
    return place;
}

lib::Result<std::span<const std::byte>> Writer::finish()
{
    if (m_failed || m_length > 0xffffffffu)
        return lib::Error(lib::Errno::TOOBIG, "a 9P message does not fit its buffer");
    for (size_t i = 0; i < 4; ++i)
        m_buffer[i] = std::byte(m_length >> (8 * i));
    return std::span<const std::byte>(m_buffer.data(), m_length);
}

lib::Result<Reader> Reader::open(std::span<const std::byte> bytes)
{
    if (bytes.size() < kHeaderSize)
        return lib::Error(lib::Errno::IO, "a 9P message shorter than its header");
    uint32_t size = 0;
    for (size_t i = 0; i < 4; ++i)
        size |= uint32_t(bytes[i]) << (8 * i);
    if (size < kHeaderSize || size > bytes.size())
        return lib::Error(lib::Errno::IO, "a 9P message whose size field does not match its bytes");
    Reader reader(bytes.first(size));
    reader.m_type = Type(uint8_t(bytes[4]));
    reader.m_tag = uint16_t(uint16_t(bytes[5]) | uint16_t(bytes[6]) << 8);
    return reader;
}

const std::byte* Reader::take(size_t count)
{
    if (m_failed || count > m_message.size() - m_at) {
        m_failed = true;
        return nullptr;
    }
    const std::byte* at = m_message.data() + m_at;
    m_at += count;
    return at;
}

uint8_t Reader::u8()
{
    const std::byte* at = take(1);
    return at ? uint8_t(*at) : 0;
}

// Each half is read in its own statement: the operands of | are unsequenced.
uint16_t Reader::u16()
{
    uint16_t low = u8();
    return uint16_t(low | u8() << 8);
}

uint32_t Reader::u32()
{
    uint32_t low = u16();
    return low | uint32_t(u16()) << 16;
}

uint64_t Reader::u64()
{
    uint64_t low = u32();
    return low | uint64_t(u32()) << 32;
}

std::string_view Reader::string()
{
    uint16_t length = u16();
    const std::byte* at = take(length);
    return at ? std::string_view(reinterpret_cast<const char*>(at), length) : std::string_view();
}

Qid Reader::qid()
{
    Qid qid;
    qid.type = u8();
    qid.version = u32();
    qid.path = u64();
    return qid;
}

std::span<const std::byte> Reader::bytes(size_t count)
{
    const std::byte* at = take(count);
    return at ? std::span<const std::byte>(at, count) : std::span<const std::byte>();
}

Attributes Reader::attributes()
{
    Attributes a;
    a.valid = u64();
    a.qid = qid();
    a.mode = u32();
    a.uid = u32();
    a.gid = u32();
    a.links = u64();
    a.rdev = u64();
    a.size = u64();
    a.block_size = u64();
    a.blocks = u64();
    a.atime_sec = u64();
    a.atime_nsec = u64();
    a.mtime_sec = u64();
    a.mtime_nsec = u64();
    a.ctime_sec = u64();
    a.ctime_nsec = u64();
    a.btime_sec = u64();
    a.btime_nsec = u64();
    a.generation = u64();
    a.data_version = u64();
    return a;
}

lib::Result<void> Reader::finish() const
{
    if (m_failed)
        return lib::Error(lib::Errno::IO, "a 9P message shorter than its fields");
    return {};
}

} // namespace ninep
