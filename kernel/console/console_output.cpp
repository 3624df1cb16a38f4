#include <kernel/console/console_output.h>

#include <kernel/arch/x86_64/io.h>
#include <kernel/arch/x86_64/kernel_image.h>
#include <kernel/arch/x86_64/spin_lock.h>
#include <kernel/console/serial.h>
#include <lib/guarded.h>

#include <abi/console_port.h>

#include <cstring>

namespace console {

namespace {

constexpr size_t kChunk = 4096;

// The record and the bytes the monitor reads, in the kernel image's .bss: physically
// contiguous and below 4 GiB, so one `outl` can name the record.
struct PortBuffer {
    abi::ConsoleWrite record;
    char bytes[kChunk];
};

class ConsoleOutput {
public:
    enum class Path { Uart, Port };

    // Set once by the boot options, before any other CPU or thread runs.
    void set_path(Path path) { m_path = path; }
    Path path() const { return m_path; }

    void write_to_port(const char* data, size_t length)
    {
        while (length > 0) {
            // The lock (interrupts off) per chunk, not per write: a long write does not
            // keep this CPU deaf through many VM exits; other writers go between chunks.
            auto buffer = m_buffer.lock();
            size_t chunk = length < kChunk ? length : kChunk;
            memcpy(buffer->bytes, data, chunk);
            buffer->record = { arch::image_physical(buffer->bytes), uint32_t(chunk), 0 };
            arch::outl(abi::kConsolePort, uint32_t(arch::image_physical(&buffer->record)));
            data += chunk;
            length -= chunk;
        }
    }

private:
    Path m_path = Path::Uart;
    lib::Guarded<PortBuffer, arch::SpinLock> m_buffer;
};

ConsoleOutput& console_output()
{
    static constinit ConsoleOutput output;
    return output;
}

} // namespace

void write(const char* data, size_t length)
{
    ConsoleOutput& output = console_output();
    if (output.path() == ConsoleOutput::Path::Port)
        output.write_to_port(data, length);
    else
        console_uart().write(data, length);
}

bool set_output_path(std::string_view value)
{
    if (value != "uart" && value != "port")
        return false;
    console_output().set_path(value == "port" ? ConsoleOutput::Path::Port : ConsoleOutput::Path::Uart);
    return true;
}

} // namespace console
