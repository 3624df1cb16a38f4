// NUMA memory policy and membarrier: the machine as these calls see it.
//
// The VM is one NUMA node (node 0, as getcpu and /sys report). Every policy then places
// memory on node 0, so set_mempolicy and mbind check their arguments as Linux does and
// change nothing, and get_mempolicy reports MPOL_DEFAULT. NOT LINUX: after a
// set_mempolicy(MPOL_BIND, {0}) Linux would report MPOL_BIND back; placement is the same.
//
// membarrier: the expedited commands interrupt every other CPU (arch::barrier_on_other_cpus):
// taking an interrupt is serialising and orders memory, which is what the command
// promises for each CPU running the program's threads. The registration commands are
// accepted, and an expedited barrier before registering is not refused (NOT LINUX: EPERM).
#include <kernel/arch/x86_64/tlb.h>
#include <kernel/syscall/syscall.h>
#include <kernel/syscall/syscall_util.h>

#include <cstring>

namespace sys {

namespace {

// linux/mempolicy.h
enum : int {
    kMpolDefault = 0,
    kMpolPreferred = 1,
    kMpolBind = 2,
    kMpolInterleave = 3,
    kMpolLocal = 4,
    kMpolPreferredMany = 5
};
constexpr int kModeFlags = 1 << 15 | 1 << 14 | 1 << 13; // STATIC_NODES, RELATIVE_NODES, NUMA_BALANCING
constexpr unsigned long kGetNode = 1, kGetAddress = 2, kGetMemsAllowed = 4;
constexpr unsigned long kMbindFlags = 1 | 2 | 4; // MPOL_MF_STRICT, MOVE, MOVE_ALL

// linux/membarrier.h
enum : int {
    kQuery = 0,
    kGlobal = 1,
    kGlobalExpedited = 2,
    kRegisterGlobalExpedited = 4,
    kPrivateExpedited = 8,
    kRegisterPrivateExpedited = 16,
    kPrivateExpeditedSyncCore = 32,
    kRegisterPrivateExpeditedSyncCore = 64
};
constexpr int kSupportedBarriers = kGlobal | kGlobalExpedited | kRegisterGlobalExpedited | kPrivateExpedited
    | kRegisterPrivateExpedited | kPrivateExpeditedSyncCore | kRegisterPrivateExpeditedSyncCore;

constexpr unsigned long kNodes = 1; // node 0 only

/// Reads a node mask of `max_node` bits as Linux's get_nodes does (it uses max_node - 1
/// bits): whether node 0 is in it; EINVAL for a node the VM lacks.
lib::Result<bool> read_nodes(const unsigned long* mask, unsigned long max_node)
{
    if (!mask || max_node <= 1)
        return false;
    unsigned long bits = max_node - 1;
    if (bits > 64 * 1024) // Linux: more than a page of bits
        return lib::Error(lib::Errno::INVAL, "node mask too long");
    size_t words = (bits + 63) / 64;
    TRY(check_user_range(mask, words * sizeof(*mask)));
    for (size_t i = 0; i < words; ++i) {
        unsigned long word = mask[i];
        if (i == words - 1 && bits % 64)
            word &= (1ul << (bits % 64)) - 1;
        if (word & ~(i == 0 ? kNodes : 0))
            return lib::Error(lib::Errno::INVAL, "a NUMA node the VM does not have (it has node 0)");
    }
    return (mask[0] & kNodes) != 0;
}

/// The checks set_mempolicy and mbind share: a known mode, and nodes that fit it.
SysResult check_policy(int mode, const unsigned long* mask, unsigned long max_node)
{
    int base = mode & ~kModeFlags;
    if (base < kMpolDefault || base > kMpolPreferredMany)
        return lib::Error(lib::Errno::INVAL, "unknown memory policy");
    bool has_node0 = TRY(read_nodes(mask, max_node));
    if ((base == kMpolDefault || base == kMpolLocal) && has_node0)
        return lib::Error(lib::Errno::INVAL, "MPOL_DEFAULT and MPOL_LOCAL take no nodes");
    if ((base == kMpolBind || base == kMpolInterleave || base == kMpolPreferredMany) && !has_node0)
        return lib::Error(lib::Errno::INVAL, "an empty node mask");
    return 0;
}

} // namespace

SysResult get_mempolicy(int* mode, unsigned long* mask, unsigned long max_node, uintptr_t, unsigned long flags)
{
    if (flags & ~(kGetNode | kGetAddress | kGetMemsAllowed))
        return lib::Error(lib::Errno::INVAL, "unknown get_mempolicy flags");
    if ((flags & kGetMemsAllowed) && (flags & (kGetNode | kGetAddress)))
        return lib::Error(lib::Errno::INVAL, "MPOL_F_MEMS_ALLOWED with other flags");
    if ((flags & kGetNode) && !(flags & kGetAddress)) // the next interleave node: no interleaving
        return lib::Error(lib::Errno::INVAL, "MPOL_F_NODE without MPOL_F_ADDR and no interleave policy");
    if (mask && max_node < kNodes)
        return lib::Error(lib::Errno::INVAL, "node mask shorter than the VM's nodes");
    if (mode) {
        TRY(check_user_range(mode, sizeof(*mode), UserAccess::Write));
        *mode = kMpolDefault; // with MPOL_F_NODE|MPOL_F_ADDR: the page's node, 0
    }
    if (mask && max_node > 1) {
        size_t bytes = (max_node - 1 + 63) / 64 * sizeof(unsigned long);
        TRY(check_user_range(mask, bytes, UserAccess::Write));
        memset(mask, 0, bytes);
        if (flags & kGetMemsAllowed)
            mask[0] = kNodes;
    }
    return 0;
}

SysResult set_mempolicy(int mode, const unsigned long* mask, unsigned long max_node)
{
    return check_policy(mode, mask, max_node);
}

SysResult mbind(uintptr_t address, size_t, int mode, const unsigned long* mask, unsigned long max_node, unsigned flags)
{
    if (address % 4096 || (flags & ~kMbindFlags))
        return lib::Error(lib::Errno::INVAL, "mbind: unaligned address or unknown flags");
    return check_policy(mode, mask, max_node);
}

SysResult membarrier(int command, unsigned flags, int)
{
    if (flags != 0)
        return lib::Error(lib::Errno::INVAL, "membarrier: flags are for the rseq commands, which are not supported");
    switch (command) {
    case kQuery: return kSupportedBarriers;
    case kGlobal:
    case kGlobalExpedited:
    case kPrivateExpedited:
    case kPrivateExpeditedSyncCore: arch::barrier_on_other_cpus(); return 0;
    case kRegisterGlobalExpedited:
    case kRegisterPrivateExpedited:
    case kRegisterPrivateExpeditedSyncCore: return 0;
    }
    return lib::Error(lib::Errno::INVAL, "membarrier: unknown or unsupported command");
}

} // namespace sys
