// Memory the device reads and writes (rings, request headers, bounce buffers): whole page
// frames from mm, reached through the direct map. x86 DMA is cache-coherent, so ordinary
// write-back memory is right; the physical address is what goes into descriptors.
#pragma once

#include <lib/result.h>

#include <cstdint>

namespace virtio {

struct DmaPage {
    void* virt;
    uint64_t phys;
};

/// One zeroed 4 KiB page. Errors: NOMEM.
lib::Result<DmaPage> alloc_dma_page();
/// Returns a page from alloc_dma_page() (never one the device may still be using).
void free_dma_page(const DmaPage& page);

} // namespace virtio
