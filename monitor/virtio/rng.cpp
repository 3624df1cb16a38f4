#include "rng.h"

#include <sys/random.h>

namespace monitor::virtio {

namespace {

constexpr uint32_t kMaxPerChain = 64 * 1024; // bounds the work one notify can ask for

lib::Result<uint32_t> fill(std::span<uint8_t> out)
{
    size_t done = 0;
    while (done < out.size()) {
        ssize_t n = getrandom(out.data() + done, out.size() - done, 0);
        if (n <= 0)
            return lib::Error(lib::Errno::IO, "host getrandom failed");
        done += size_t(n);
    }
    return uint32_t(done);
}

} // namespace

lib::Result<bool> RngDevice::process(size_t, Virtqueue& queue)
{
    return queue.serve_each([&](const Chain& chain) -> lib::Result<uint32_t> {
        uint32_t written = 0;
        for (const Buffer& buffer : chain.buffers) {
            if (!buffer.device_writable)
                continue;
            uint32_t length = std::min(buffer.len, kMaxPerChain - written);
            written += TRY(fill(TRY(m_memory.span(buffer.addr, length))));
        }
        return written;
    });
}

} // namespace monitor::virtio
