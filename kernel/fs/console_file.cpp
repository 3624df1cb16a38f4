#include <kernel/console/console_output.h>
#include <kernel/fs/console_file.h>
#include <kernel/fs/console_input.h>

#include <cstring>

namespace fs {

namespace {
bool g_console_is_tty;
}

bool set_console_mode(const char* value)
{
    if (strcmp(value, "tty") == 0)
        g_console_is_tty = true;
    else if (strcmp(value, "pipe") == 0)
        g_console_is_tty = false;
    else
        return false;
    return true;
}

lib::Result<size_t> ConsoleFile::write(const void* data, size_t length)
{
    console::write(static_cast<const char*>(data), length);
    return length;
}

lib::Result<void> ConsoleFile::stat(LinuxStat& st)
{
    st = {};
    st.st_dev = 5;
    st.st_ino = 1;
    st.st_nlink = 1;
    st.st_mode = (g_console_is_tty ? kModeCharDevice : 0010000 /* FIFO */) | 0620;
    st.st_rdev = g_console_is_tty ? (4u << 8 | 64u) : 0; // ttyS0 is char device 4:64
    st.st_blksize = 1024;
    return {};
}

bool ConsoleFile::is_terminal() const { return g_console_is_tty; }

bool console_is_terminal() { return g_console_is_tty; }

lib::Result<size_t> ConsoleFile::read(void* buffer, size_t length)
{
    return console_read(buffer, length, non_blocking());
}

uint16_t ConsoleFile::poll_events(uint16_t requested)
{
    uint16_t ready = PollOut | PollWrNorm;
    if (console_readable())
        ready |= PollIn | PollRdNorm;
    return requested & ready;
}

lib::Result<size_t> ConsoleFile::bytes_readable() { return console_bytes_ready(); }

} // namespace fs
