// clone(2) by the syscall instruction: threads of a program that makes its own system
// calls (clone_instruction.cpp says how).
#pragma once

#include <kernel/arch/x86_64/interrupt_frame.h>

namespace sys {

/// clone with the caller's registers (flags, stack, parent_tid, child_tid, tls in rdi,
/// rsi, rdx, r10, r8): the new thread's tid, or -errno (ENOSYS for a new process).
long clone_by_instruction(const arch::InterruptFrame& caller);

} // namespace sys
