#include <drivers/virtio/kernel/dma.h>

#include <mm/memory.h>

namespace virtio {

lib::Result<DmaPage> alloc_dma_page()
{
    uint64_t phys = TRY(mm::alloc_frame());
    return DmaPage { mm::phys_to_virt(phys), phys };
}

void free_dma_page(const DmaPage& page) { mm::free_frame(page.phys); }

} // namespace virtio
