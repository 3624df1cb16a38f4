// Boot-CPU setup: descriptor tables, interrupt stacks, exception reporting.
#pragma once

namespace arch {

/// Loads the kernel GDT and TSS (IST stacks) and the IDT with all 256 vectors, and masks
/// the legacy 8259 PICs so that their IRQs never arrive on exception vectors. From here on
/// a CPU exception produces a crash report (kernel/core/cpu_exceptions.cpp) instead of a triple fault.
/// Call once on the boot CPU, with interrupts disabled, as early as possible.
void cpu_init();

} // namespace arch
