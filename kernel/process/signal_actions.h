// The process's signal dispositions (rt_sigaction), one per signal 1..64; all SIG_DFL at
// start. process::Process owns them; masks and pending sets are each thread's
// (sched::Thread).
#pragma once

#include <abi/linux_abi.h>

namespace process {

struct SignalActions {
    linux_abi::KernelSigaction of[linux_abi::kSignalCount + 1] {}; // [0] unused
};

} // namespace process
