// Credentials and capabilities: the process's user and group IDs and supplementary groups
// (Credentials, credentials.h: Linux's rules), starting as root (0, 0, no groups) with every
// capability, or as the user `osprey run --user` names (kernel/boot/program_user.h). A
// server started as root may drop to another user (mosquitto, squid, named -u) and
// getuid/getresuid/getgroups then report it. Files read the identity for ownership only:
// new nodes are the creator's, chown/chmod/utimensat follow Linux's owner rules
// (file_attributes.cpp); NOT LINUX: the permission bits are never checked (a user reads
// and writes root's 0600 files).
// Capabilities: every one while the effective user is 0, none after; capset is checked and
// accepted without narrowing them (NOT LINUX: a later capget shows the reduced sets), since
// nothing in the kernel looks at single capabilities.
#include <kernel/arch/x86_64/spin_lock.h>
#include <kernel/process/credentials.h>
#include <kernel/process/process.h>
#include <lib/guarded.h>
#include <kernel/syscall/syscall.h>
#include <kernel/syscall/syscall_util.h>

#include <cstring>

namespace sys {

using process::Credentials;

namespace {

// linux/capability.h
constexpr uint32_t kCapabilityV1 = 0x19980330, kCapabilityV2 = 0x20071026, kCapabilityV3 = 0x20080522;
constexpr int kLastCapability = 40; // CAP_CHECKPOINT_RESTORE, Linux 6.1's last
struct CapabilityHeader {
    uint32_t version;
    int pid;
};
struct CapabilityData {
    uint32_t effective, permitted, inheritable;
};

/// The process's credentials, changed only by the set*id calls, under their lock.
lib::Guarded<Credentials, arch::SpinLock>& credentials() { return process::current().credentials(); }

template<typename Function> SysResult change(Function&& function)
{
    auto locked = credentials().lock();
    TRY(function(*locked));
    return 0;
}

/// Word `word` (0 or 1) of the full capability set.
uint32_t all_capabilities(int word) { return word == 0 ? 0xffff'ffffu : (uint32_t(1) << (kLastCapability - 31)) - 1; }

/// How many capability data words `version` uses (0: an unknown version).
int capability_words(uint32_t version)
{
    return version == kCapabilityV1 ? 1 : version == kCapabilityV2 || version == kCapabilityV3 ? 2 : 0;
}

} // namespace

SysResult getid(IdKind kind)
{
    auto locked = credentials().lock();
    switch (kind) {
    case IdKind::RealUser: return locked->user().real;
    case IdKind::EffectiveUser: return locked->user().effective;
    case IdKind::RealGroup: return locked->group().real;
    case IdKind::EffectiveGroup: return locked->group().effective;
    }
    return 0;
}

SysResult setuid(uint32_t uid)
{
    return change([&](Credentials& c) { return c.set_user(uid); });
}
SysResult setgid(uint32_t gid)
{
    return change([&](Credentials& c) { return c.set_group(gid); });
}
SysResult setreuid(uint32_t real, uint32_t effective)
{
    return change([&](Credentials& c) { return c.set_user_real_effective(real, effective); });
}
SysResult setregid(uint32_t real, uint32_t effective)
{
    return change([&](Credentials& c) { return c.set_group_real_effective(real, effective); });
}
SysResult setresuid(uint32_t real, uint32_t effective, uint32_t saved)
{
    return change([&](Credentials& c) { return c.set_user(real, effective, saved); });
}
SysResult setresgid(uint32_t real, uint32_t effective, uint32_t saved)
{
    return change([&](Credentials& c) { return c.set_group(real, effective, saved); });
}

SysResult getresid(bool group, uint32_t* real, uint32_t* effective, uint32_t* saved)
{
    for (uint32_t* id : { real, effective, saved })
        TRY(check_user_range(id, sizeof(*id), UserAccess::Write));
    Credentials::Ids ids = credentials().with([&](Credentials& c) { return group ? c.group() : c.user(); });
    *real = ids.real, *effective = ids.effective, *saved = ids.saved; // after the lock: may fault
    return 0;
}

SysResult setfsid(bool group, uint32_t id)
{
    auto locked = credentials().lock();
    return group ? locked->set_group_filesystem(id) : locked->set_user_filesystem(id);
}

SysResult getgroups(int size, uint32_t* groups)
{
    if (size < 0)
        return lib::Error(lib::Errno::INVAL, "getgroups: negative size");
    uint32_t copy[Credentials::kMaxGroups]; // copied out after the lock: the program's memory may fault
    size_t count = credentials().with([&](Credentials& c) {
        auto list = c.groups();
        for (size_t i = 0; i < list.size(); ++i)
            copy[i] = list[i];
        return list.size();
    });
    if (size == 0)
        return long(count);
    if (size_t(size) < count)
        return lib::Error(lib::Errno::INVAL, "getgroups: the list is longer than size");
    TRY(check_user_range(groups, count * sizeof(*groups), UserAccess::Write));
    for (size_t i = 0; i < count; ++i)
        groups[i] = copy[i];
    return long(count);
}

SysResult setgroups(size_t size, const uint32_t* groups)
{
    if (size > 65536) // NGROUPS_MAX
        return lib::Error(lib::Errno::INVAL, "setgroups: more than NGROUPS_MAX groups");
    TRY(check_user_range(groups, size * sizeof(*groups)));
    if (size > Credentials::kMaxGroups)
        return change([&](Credentials& c) { return c.set_groups({ groups, size }); }); // refused, unread
    uint32_t copy[Credentials::kMaxGroups]; // read before the lock: the program's memory may fault
    for (size_t i = 0; i < size; ++i)
        copy[i] = groups[i];
    return change([&](Credentials& c) { return c.set_groups({ copy, size }); });
}

SysResult capget(void* header_pointer, void* data_pointer)
{
    auto* header = static_cast<CapabilityHeader*>(header_pointer);
    TRY(check_user_range(header, sizeof(*header), UserAccess::Write));
    int words = capability_words(header->version);
    if (words == 0) { // Linux answers with the version it prefers
        header->version = kCapabilityV3;
        return data_pointer ? SysResult(lib::Error(lib::Errno::INVAL, "capget: unknown version")) : SysResult(0);
    }
    if (header->pid < 0)
        return lib::Error(lib::Errno::INVAL, "capget: negative pid");
    if (header->pid != 0 && header->pid != 1)
        return lib::Error(lib::Errno::SRCH, "capget: no such process");
    if (!data_pointer)
        return 0;
    auto* data = static_cast<CapabilityData*>(data_pointer);
    TRY(check_user_range(data, size_t(words) * sizeof(*data), UserAccess::Write));
    bool privileged = credentials().lock()->privileged();
    for (int i = 0; i < words; ++i) {
        uint32_t set = privileged ? all_capabilities(i) : 0;
        data[i] = { set, set, 0 };
    }
    return 0;
}

SysResult capset(void* header_pointer, const void* data_pointer)
{
    auto* header = static_cast<CapabilityHeader*>(header_pointer);
    TRY(check_user_range(header, sizeof(*header), UserAccess::Write));
    int words = capability_words(header->version);
    if (words == 0) {
        header->version = kCapabilityV3;
        return lib::Error(lib::Errno::INVAL, "capset: unknown version");
    }
    if (header->pid != 0 && header->pid != 1)
        return lib::Error(lib::Errno::PERM, "capset: another process");
    auto* data = static_cast<const CapabilityData*>(data_pointer);
    TRY(check_user_range(data, size_t(words) * sizeof(*data)));
    bool privileged = credentials().lock()->privileged();
    for (int i = 0; i < words; ++i) {
        uint32_t permitted = privileged ? all_capabilities(i) : 0;
        // Linux: nothing beyond the permitted set; effective within the new permitted set.
        if ((data[i].permitted & ~permitted) || (data[i].effective & ~data[i].permitted)
            || (data[i].inheritable & ~all_capabilities(i)))
            return lib::Error(lib::Errno::PERM, "capset: capabilities outside the permitted set");
    }
    return 0;
}

} // namespace sys
