// Crash-report output: whole lines straight to the console, without the log's timestamp
// and subsystem prefix and without any lock, so that a report always comes out.
#pragma once

#include <kernel/console/serial.h>

#include <fmt/format.h>

namespace debug {

template<typename... Args> void report(fmt::format_string<Args...> format, Args&&... args)
{
    char buffer[256];
    auto r = fmt::format_to_n(buffer, sizeof(buffer) - 1, format, static_cast<Args&&>(args)...);
    size_t length = r.size < sizeof(buffer) - 1 ? r.size : sizeof(buffer) - 1;
    buffer[length++] = '\n';
    console::console_uart().write(buffer, length);
}

} // namespace debug
