#include <drivers/virtio/kernel/mmio_window.h>

#include <mm/memory.h>

namespace virtio {

lib::Result<void> MmioWindow::map(uint64_t base, uint32_t size)
{
    m_base = static_cast<volatile uint8_t*>(TRY(mm::map_device_memory(base, size)));
    return {};
}

} // namespace virtio
