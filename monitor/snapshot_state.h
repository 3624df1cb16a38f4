// The byte stream a snapshot's state is kept in (snapshot_file.h): little-endian integers
// and length-prefixed byte strings, written by StateWriter and read back by StateReader,
// which checks every length against what is left (a short or corrupt stream is an INVAL
// error, never a read past the end). Device models and the KVM layer save and restore
// their state through these. Portable: host tests and the fuzzer use them.
#pragma once

#include <lib/result.h>

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

namespace monitor {

class StateWriter {
public:
    void u8(uint8_t value) { m_bytes.push_back(value); }
    void u16(uint16_t value) { put(&value, sizeof value); }
    void u32(uint32_t value) { put(&value, sizeof value); }
    void u64(uint64_t value) { put(&value, sizeof value); }
    /// A length (u32) and the bytes.
    void bytes(std::span<const uint8_t> data)
    {
        u32(uint32_t(data.size()));
        put(data.data(), data.size());
    }
    void text(const std::string& value) { bytes({ reinterpret_cast<const uint8_t*>(value.data()), value.size() }); }
    /// A plain struct (a KVM state structure) as one length-prefixed string.
    template<typename T> void record(const T& value)
    {
        bytes({ reinterpret_cast<const uint8_t*>(&value), sizeof value });
    }

    const std::vector<uint8_t>& data() const { return m_bytes; }
    std::vector<uint8_t> take() { return std::move(m_bytes); }

private:
    void put(const void* data, size_t size)
    {
        auto* p = static_cast<const uint8_t*>(data);
        m_bytes.insert(m_bytes.end(), p, p + size);
    }
    std::vector<uint8_t> m_bytes;
};

class StateReader {
public:
    explicit StateReader(std::span<const uint8_t> data) : m_data(data) { }

    lib::Result<uint8_t> u8() { return get<uint8_t>(); }
    lib::Result<uint16_t> u16() { return get<uint16_t>(); }
    lib::Result<uint32_t> u32() { return get<uint32_t>(); }
    lib::Result<uint64_t> u64() { return get<uint64_t>(); }
    /// A length-prefixed byte string, pointing into the stream.
    lib::Result<std::span<const uint8_t>> bytes()
    {
        uint32_t length = TRY(u32());
        if (length > m_data.size() - m_offset)
            return truncated();
        auto out = m_data.subspan(m_offset, length);
        m_offset += length;
        return out;
    }
    lib::Result<std::string> text()
    {
        auto data = TRY(bytes());
        return std::string(reinterpret_cast<const char*>(data.data()), data.size());
    }
    /// A struct written by StateWriter::record: INVAL unless its size is exactly T's.
    template<typename T> lib::Result<T> record()
    {
        auto data = TRY(bytes());
        if (data.size() != sizeof(T))
            return lib::Error(lib::Errno::INVAL, "snapshot state has a record of the wrong size");
        T value;
        memcpy(&value, data.data(), sizeof value);
        return value;
    }

    bool at_end() const { return m_offset == m_data.size(); }

private:
    template<typename T> lib::Result<T> get()
    {
        if (sizeof(T) > m_data.size() - m_offset)
            return truncated();
        T value;
        memcpy(&value, m_data.data() + m_offset, sizeof value);
        m_offset += sizeof value;
        return value;
    }
    static lib::Error truncated() { return lib::Error(lib::Errno::INVAL, "snapshot state ends too early"); }

    std::span<const uint8_t> m_data;
    size_t m_offset = 0;
};

} // namespace monitor
