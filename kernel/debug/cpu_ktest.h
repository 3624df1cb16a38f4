// In-kernel tests of the CPU layer, selected by the boot option ktest=NAME
// (tests/kernel/CMakeLists.txt runs them under QEMU):
//   fault        write to an unmapped address: #PF report, symbolized backtrace, panic
//   ud2          execute ud2: #UD report, panic
//   gp           read a non-canonical address: #GP report, panic
//   nested       fault inside an exception handler: still a report and a panic, no hang
//   ist_overflow an interrupt handler recursing off its IST stack: a page fault on the
//                unmapped guard page below it, named in the report, and a panic
//   panic        core::panic from a nested call: message and backtrace
//   bad_rbp      fault with garbage in %rbp (code without frame pointers): the report and
//                its backtrace complete without a second fault
//   symbols      kernel symbol lookup and a registered SymbolSource; "ktest symbols: ok"
//   interrupt    int $0x40, int3 (handled), int $0xfe from code that keeps data in the red
//                zone, SSE registers, MXCSR, DF and all general registers: everything must
//                survive; prints "ktest interrupt: ok" and exits with status 0
#pragma once

#include <cstdint>
#include <string_view>

namespace debug {

/// Runs the CPU test `name`. Returns false if there is no such test; otherwise it does not
/// return (the VM stops with the panic status, or with status 0 for `interrupt`).
bool run_cpu_ktest(std::string_view name);

/// Looks for `ktest=NAME` among the kernel options of the raw PVH command line and runs
/// that CPU test if there is one. For use right after arch::cpu_init(), before mm::init,
/// while the boot page tables still map the first GiB of physical memory 1:1.
/// INTERIM: a private scan of the raw line; once main.cpp dispatches the parsed
/// BootOptions::ktest, it calls run_cpu_ktest() and this goes away.
void run_early_cpu_ktest(uint64_t start_info_paddr);

} // namespace debug
