// The process's identity as Linux keeps it (credentials(7)): real, effective, saved and
// file-system user and group IDs, and the supplementary groups, with the rules of the set*id
// calls. Pure logic, tested on the host (tests/host/credentials_test.cpp).
//
// Privilege is an effective user ID of 0, standing for CAP_SETUID and CAP_SETGID: Osprey has
// no per-capability state, and Linux drops every capability when the effective user ID
// leaves 0 (without PR_SET_KEEPCAPS), which is what servers that drop privileges do.
// The identity is recorded and reported (getuid, getresuid, getgroups, /proc) and decides
// ownership: new files are the file-system IDs', and chown/chmod/utimensat follow the owner
// rules below. NOT LINUX: no call checks a file's permission bits against it.
#pragma once

#include <lib/result.h>

#include <cstddef>
#include <cstdint>
#include <span>

namespace process {

class Credentials {
public:
    static constexpr uint32_t kUnchanged = uint32_t(-1); // setre*id/setres*id: leave it
    static constexpr size_t kMaxGroups = 256;            // stored; Linux takes up to NGROUPS_MAX 65536

    struct Ids {
        uint32_t real = 0, effective = 0, saved = 0, filesystem = 0;
    };

    const Ids& user() const { return m_user; }
    const Ids& group() const { return m_group; }
    std::span<const uint32_t> groups() const { return { m_groups, m_group_count }; }
    bool privileged() const { return m_user.effective == 0; }

    /// setuid(2)/setgid(2): all four IDs when privileged, else only the effective (and
    /// file-system) one, to the real or saved ID. EPERM otherwise.
    lib::Result<void> set_user(uint32_t id) { return set_one(m_user, id); }
    lib::Result<void> set_group(uint32_t id) { return set_one(m_group, id); }
    /// setresuid(2)/setresgid(2).
    lib::Result<void> set_user(uint32_t real, uint32_t effective, uint32_t saved)
    {
        return set_three(m_user, real, effective, saved);
    }
    lib::Result<void> set_group(uint32_t real, uint32_t effective, uint32_t saved)
    {
        return set_three(m_group, real, effective, saved);
    }
    /// setreuid(2)/setregid(2), with Linux's rule for the saved ID.
    lib::Result<void> set_user_real_effective(uint32_t real, uint32_t effective)
    {
        return set_two(m_user, real, effective);
    }
    lib::Result<void> set_group_real_effective(uint32_t real, uint32_t effective)
    {
        return set_two(m_group, real, effective);
    }
    /// setfsuid(2)/setfsgid(2): the old value, changed only when allowed (never an error).
    uint32_t set_user_filesystem(uint32_t id) { return set_filesystem(m_user, id); }
    uint32_t set_group_filesystem(uint32_t id) { return set_filesystem(m_group, id); }
    /// setgroups(2): privileged only.
    lib::Result<void> set_groups(std::span<const uint32_t> groups);

    /// Whether the caller is in group `gid`: its file-system group or a supplementary one
    /// (Linux's in_group_p).
    bool in_group(uint32_t gid) const;
    /// chmod(2) and utimes to a given time: the node's owner (by file-system ID) or root
    /// (Linux's inode_owner_or_capable).
    bool may_change_mode(uint32_t node_uid) const { return privileged() || m_user.filesystem == node_uid; }
    /// chown(2) of a node owned by `node_uid`:`node_gid` to `uid`:`gid` (kUnchanged: that
    /// one stays): root may give it to anyone; its owner may only keep its user and move it
    /// to a group of its own (Linux's chown_ok and chgrp_ok).
    bool may_change_owner(uint32_t node_uid, uint32_t node_gid, uint32_t uid, uint32_t gid) const;

private:
    lib::Result<void> set_one(Ids& ids, uint32_t id);
    lib::Result<void> set_three(Ids& ids, uint32_t real, uint32_t effective, uint32_t saved);
    lib::Result<void> set_two(Ids& ids, uint32_t real, uint32_t effective);
    uint32_t set_filesystem(Ids& ids, uint32_t id);
    bool is_current(const Ids& ids, uint32_t id) const
    {
        return id == ids.real || id == ids.effective || id == ids.saved;
    }

    Ids m_user, m_group;
    uint32_t m_groups[kMaxGroups] {};
    size_t m_group_count = 0;
};

inline lib::Result<void> Credentials::set_one(Ids& ids, uint32_t id)
{
    if (id == kUnchanged)
        return lib::Error(lib::Errno::INVAL, "set*id: -1 is not an ID");
    if (privileged()) {
        ids = { id, id, id, id };
        return {};
    }
    if (id != ids.real && id != ids.saved)
        return lib::Error(lib::Errno::PERM, "set*id: not the real or saved ID, and not privileged");
    ids.effective = ids.filesystem = id;
    return {};
}

inline lib::Result<void> Credentials::set_three(Ids& ids, uint32_t real, uint32_t effective, uint32_t saved)
{
    if (!privileged()) {
        for (uint32_t id : { real, effective, saved }) {
            if (id != kUnchanged && !is_current(ids, id))
                return lib::Error(lib::Errno::PERM, "setres*id: not a current ID, and not privileged");
        }
    }
    if (real != kUnchanged)
        ids.real = real;
    if (effective != kUnchanged)
        ids.effective = effective;
    if (saved != kUnchanged)
        ids.saved = saved;
    ids.filesystem = ids.effective;
    return {};
}

inline lib::Result<void> Credentials::set_two(Ids& ids, uint32_t real, uint32_t effective)
{
    if (!privileged()) {
        if (real != kUnchanged && real != ids.real && real != ids.effective)
            return lib::Error(lib::Errno::PERM, "setre*id: real ID not current, and not privileged");
        if (effective != kUnchanged && !is_current(ids, effective))
            return lib::Error(lib::Errno::PERM, "setre*id: effective ID not current, and not privileged");
    }
    uint32_t old_real = ids.real;
    if (real != kUnchanged)
        ids.real = real;
    if (effective != kUnchanged)
        ids.effective = effective;
    // Linux: the saved ID follows the new effective one when the real one is set, or the
    // effective one is set to something other than the old real ID.
    if (real != kUnchanged || (effective != kUnchanged && effective != old_real))
        ids.saved = ids.effective;
    ids.filesystem = ids.effective;
    return {};
}

inline uint32_t Credentials::set_filesystem(Ids& ids, uint32_t id)
{
    uint32_t old = ids.filesystem;
    if (id != kUnchanged && (privileged() || is_current(ids, id) || id == ids.filesystem))
        ids.filesystem = id;
    return old;
}

inline bool Credentials::in_group(uint32_t gid) const
{
    if (gid == m_group.filesystem)
        return true;
    for (size_t i = 0; i < m_group_count; ++i) {
        if (m_groups[i] == gid)
            return true;
    }
    return false;
}

inline bool Credentials::may_change_owner(uint32_t node_uid, uint32_t node_gid, uint32_t uid, uint32_t gid) const
{
    if (privileged())
        return true;
    bool owner = m_user.filesystem == node_uid;
    bool user_ok = uid == kUnchanged || (owner && uid == node_uid);
    bool group_ok = gid == kUnchanged || (owner && (gid == node_gid || in_group(gid)));
    return user_ok && group_ok;
}

inline lib::Result<void> Credentials::set_groups(std::span<const uint32_t> groups)
{
    if (!privileged())
        return lib::Error(lib::Errno::PERM, "setgroups: not privileged");
    if (groups.size() > kMaxGroups)
        return lib::Error(lib::Errno::INVAL, "setgroups: more groups than Osprey keeps (256)");
    for (size_t i = 0; i < groups.size(); ++i)
        m_groups[i] = groups[i];
    m_group_count = groups.size();
    return {};
}

} // namespace process
