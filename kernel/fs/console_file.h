// The console as a file: writes go to the 16550 console, reads take what the host sends
// (console_input.h). It is a terminal only with the boot option `console=tty`, so programs
// whose output is piped to a file by the CLI pick full buffering as they would on Linux.
#pragma once

#include <kernel/fs/file.h>

namespace fs {

/// Applies the boot option `console=tty|pipe`; false for another value.
bool set_console_mode(const char* value);
/// Whether the console is a terminal (`console=tty`).
bool console_is_terminal();

class ConsoleFile final : public File {
public:
    lib::Result<size_t> read(void* buffer, size_t length) override;
    uint16_t poll_events(uint16_t requested) override;
    lib::Result<size_t> bytes_readable() override;
    lib::Result<size_t> write(const void* data, size_t length) override;
    lib::Result<void> stat(LinuxStat& st) override;
    bool is_terminal() const override;
    size_t describe(char* out, size_t size) const override { return copy_name("/dev/console", out, size); }
};

} // namespace fs
