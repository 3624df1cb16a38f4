// kernel_entry64: the first C++ code, called by boot.S in long mode on the boot stack.
#include "../arch/x86_64/layout.h"
#include "../arch/x86_64/pvh.h"
#include "../arch/x86_64/tsc.h"
#include "../console/log.h"
#include "../console/serial.h"
#include "vm_exit.h"

extern "C" [[noreturn]] void kernel_entry64(uint64_t start_info_paddr)
{
    console::console_uart().init();
    arch::tsc_init();
    auto* info = reinterpret_cast<const arch::PvhStartInfo*>(start_info_paddr);
    if (info->magic != arch::PvhStartInfo::kMagic)
        boot::panic("not booted through PVH (start_info magic {:#x})", info->magic);
    klog::warn(klog::Subsystem::Boot, "hello from osprey; tsc {} Hz ({})", arch::tsc_hz(), arch::tsc_source());
    boot::vm_exit(0);
}
