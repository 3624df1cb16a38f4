#include "console_port.h"

#include <abi/console_port.h>

#include <cstring>

namespace monitor {

void ConsolePort::bus_read(uint64_t, std::span<uint8_t> data) { memset(data.data(), 0xff, data.size()); }

lib::Result<void> ConsolePort::bus_write(uint64_t offset, std::span<const uint8_t> data)
{
    if (offset != 0 || data.size() != 4)
        return {};
    uint32_t record_address;
    memcpy(&record_address, data.data(), sizeof record_address);
    abi::ConsoleWrite record;
    auto record_bytes = m_memory.read_span(record_address, sizeof record);
    if (record_bytes.is_error())
        return lib::Error(lib::Errno::FAULT, "console record outside guest memory");
    memcpy(&record, record_bytes->data(), sizeof record);
    if (record.length > abi::kConsoleWriteMax || record.reserved != 0)
        return lib::Error(lib::Errno::INVAL, "console record with a length over 64 KiB or a nonzero reserved field");
    if (record.length == 0)
        return {};
    auto bytes = m_memory.read_span(record.data, record.length);
    if (bytes.is_error())
        return lib::Error(lib::Errno::FAULT, "console bytes outside guest memory");
    m_sink(bytes.value());
    return {};
}

} // namespace monitor
