// Uncached kernel mappings of device registers (virtio-mmio windows, later the LAPIC and
// IOAPIC). A bump allocator over the device window: device mappings are few and permanent.
#include <mm/memory.h>
#include <mm/page_frames_internal.h>

#include <kernel/arch/x86_64/layout.h>

namespace mm {

namespace {

constexpr uint64_t kMaxPhysical = 1ull << 52; // Intel SDM vol. 3A §4.1.4: MAXPHYADDR <= 52
uint64_t g_next_offset;                       // first unused byte of the device window

} // namespace

lib::Result<volatile void*> map_device_memory(uint64_t phys, size_t length)
{
    if (length == 0 || phys >= kMaxPhysical || length > kMaxPhysical - phys)
        return lib::Error(lib::Errno::INVAL, "map_device_memory: bad physical range");
    uint64_t first = page_round_down(phys), bytes = page_round_up(phys + length) - first;
    if (bytes > DEVICE_MAP_SIZE - g_next_offset)
        return lib::Error(lib::Errno::NOMEM, "map_device_memory: device window full");
    uint64_t virt = DEVICE_MAP_BASE + g_next_offset;
    for (uint64_t off = 0; off < bytes; off += kPageSize) {
        uint64_t* pte = pte_for(virt + off, true);
        if (!pte)
            return lib::Error(lib::Errno::NOMEM, "map_device_memory: no frame for a page table");
        *pte = (first + off) | PtePresent | PteWritable | PteWriteThrough | PteCacheDisable | PteGlobal | PteNoExecute;
        flush_page_local(virt + off); // a new entry in a window never mapped before
    }
    g_next_offset += bytes;
    return reinterpret_cast<volatile void*>(virt + (phys - first));
}

} // namespace mm
