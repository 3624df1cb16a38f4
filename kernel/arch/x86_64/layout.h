/* The kernel's virtual memory layout (usable from C++ and assembly). */
#pragma once

/* Kernel image: linked at KERNEL_VMA_BASE + its physical load address (1 MiB). */
#define KERNEL_VMA_BASE 0xffffffff80000000
#define KERNEL_PHYS_LOAD 0x100000
/* All physical memory, mapped at this offset (PML4 slot 256 and up). */
#define DIRECT_MAP_BASE 0xffff800000000000
/* Uncached mappings of device registers (mm::map_device_memory), 1 GiB, PML4 slot 384. */
#define DEVICE_MAP_BASE 0xffffc00000000000
#define DEVICE_MAP_SIZE 0x40000000
#define BOOT_STACK_SIZE 65536
