// kernel_entry64: the first C++ code, called by boot.S in long mode on the boot stack.
#include <kernel/arch/x86_64/layout.h>
#include <kernel/arch/x86_64/pvh.h>
#include <kernel/arch/x86_64/tsc.h>
#include <kernel/console/log.h>
#include <kernel/console/serial.h>
#include <kernel/boot/vm_exit.h>
#include <mm/memory.h>

extern "C" [[noreturn]] void kernel_entry64(uint64_t start_info_paddr)
{
    console::console_uart().init();
    arch::tsc_init();
    auto* info = reinterpret_cast<const arch::PvhStartInfo*>(start_info_paddr);
    if (info->magic != arch::PvhStartInfo::kMagic)
        boot::panic("not booted through PVH (start_info magic {:#x})", info->magic);
    mm::init(*info);
    info = static_cast<const arch::PvhStartInfo*>(mm::phys_to_virt(start_info_paddr));
    auto frames = mm::frame_stats();
    klog::info(klog::Subsystem::Mm, "{} KiB free of {} KiB", frames.free_frames * 4, frames.total_frames * 4);
    klog::warn(klog::Subsystem::Boot, "hello from osprey; tsc {} Hz ({})", arch::tsc_hz(), arch::tsc_source());
    boot::vm_exit(0);
}
