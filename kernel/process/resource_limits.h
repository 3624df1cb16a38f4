// The process's resource limits (getrlimit/setrlimit/prlimit64), with Linux's defaults for
// a process started from a Debian shell. process::Process owns them; RLIMIT_NOFILE alone
// is enforced (by the descriptor table, fs::FdTable::set_limit), the others are recorded
// and reported back.
#pragma once

#include <abi/linux_abi.h>

namespace process {

struct ResourceLimits {
    static constexpr uint64_t kStackLimit = 8ull << 20; // RLIMIT_STACK's soft limit
    // RLIMIT_NOFILE's hard limit unless the boot line sets one: systemd's default on Debian.
    static constexpr uint64_t kDefaultDescriptorHardLimit = 524288;

    ResourceLimits()
    {
        using namespace linux_abi;
        for (auto& limit : of)
            limit = { kRlimInfinity, kRlimInfinity };
        of[kRlimitStack] = { kStackLimit, kRlimInfinity };
        of[kRlimitCore] = { 0, kRlimInfinity };
        of[kRlimitNofile] = { uint64_t(kInitialOpenFilesLimit), kDefaultDescriptorHardLimit };
        of[kRlimitMemlock] = { 8ull << 20, 8ull << 20 };
    }

    linux_abi::Rlimit of[linux_abi::kRlimitNlimits];
};

} // namespace process
