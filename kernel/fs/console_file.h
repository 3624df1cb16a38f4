// The console as a file: writes go to the 16550 console, reads return end of file (no
// input path yet). It is a terminal only with the boot option `console=tty`, so programs
// whose output is piped to a file by the CLI pick full buffering as they would on Linux.
#pragma once

#include <kernel/fs/file.h>

namespace fs {

/// Applies the boot option `console=tty|pipe`; false for another value.
bool set_console_mode(const char* value);

class ConsoleFile final : public File {
public:
    lib::Result<size_t> read(void*, size_t) override { return size_t(0); }
    lib::Result<size_t> write(const void* data, size_t length) override;
    lib::Result<void> stat(LinuxStat& st) override;
    bool is_terminal() const override;
    size_t describe(char* out, size_t size) const override { return copy_name("/dev/console", out, size); }
};

} // namespace fs
