#include "exit_port.h"

#include <abi/console_port.h>
#include <abi/exit_port.h>

#include <cstring>

namespace monitor {

static_assert(
    kExitPanic == abi::kPanicStatus && kExitNoStatus == abi::kNoStatusExit && kExitGuestFault == abi::kGuestFaultExit);

bool StatusText::reports_panic() const
{
    std::string_view prefix = abi::kStatusLinePrefix;
    size_t at = m_text.rfind(prefix);
    return at != std::string::npos && std::string_view(m_text).substr(at + prefix.size()).starts_with("panic ");
}

void DebugExitPort::bus_read(uint64_t, std::span<uint8_t> data) { memset(data.data(), 0xff, data.size()); }

lib::Result<void> DebugExitPort::bus_write(uint64_t offset, std::span<const uint8_t> data)
{
    if (offset != 0 || data.empty())
        return {};
    uint32_t value = 0;
    memcpy(&value, data.data(), data.size() < sizeof value ? data.size() : sizeof value);
    int status = int(value & 0xff);
    if ((value & abi::kPanicFlag) || m_status.reports_panic())
        m_run.stop(status, "osprey-monitor: the kernel panicked (see the console output above)");
    else
        m_run.guest_exit(status);
    return {};
}

} // namespace monitor
