// The set*id rules of kernel/process/credentials.h against Linux's (credentials(7),
// setresuid(2), setreuid(2), setfsuid(2)): root may become anyone, once; others may only
// move among their current IDs.
#include <kernel/process/credentials.h>

#include <gtest/gtest.h>

#include <vector>

namespace {

using process::Credentials;
constexpr uint32_t kKeep = Credentials::kUnchanged;

void expect_ids(const Credentials::Ids& ids, uint32_t real, uint32_t effective, uint32_t saved, uint32_t fs)
{
    EXPECT_EQ(ids.real, real);
    EXPECT_EQ(ids.effective, effective);
    EXPECT_EQ(ids.saved, saved);
    EXPECT_EQ(ids.filesystem, fs);
}

TEST(Credentials, RootDropsToAUserForGood)
{
    Credentials c;
    EXPECT_TRUE(c.privileged());
    ASSERT_FALSE(c.set_user(0).is_error()) << "root to root: what memcached -u root does";
    uint32_t groups[] = { 65534 };
    ASSERT_FALSE(c.set_groups(groups).is_error());
    ASSERT_FALSE(c.set_group(65534).is_error());
    ASSERT_FALSE(c.set_user(65534).is_error());
    expect_ids(c.user(), 65534, 65534, 65534, 65534);
    expect_ids(c.group(), 65534, 65534, 65534, 65534);
    EXPECT_FALSE(c.privileged());
    EXPECT_EQ(c.set_user(0).error().code, lib::Errno::PERM) << "no way back";
    EXPECT_EQ(c.set_groups({}).error().code, lib::Errno::PERM);
    ASSERT_EQ(c.groups().size(), 1u);
    EXPECT_EQ(c.groups()[0], 65534u);
}

TEST(Credentials, SavedIdLetsAServerSwitchBack)
{
    Credentials c;
    ASSERT_FALSE(c.set_user(kKeep, 1000, kKeep).is_error()); // seteuid(1000)
    expect_ids(c.user(), 0, 1000, 0, 1000);
    EXPECT_FALSE(c.privileged());
    EXPECT_EQ(c.set_user(kKeep, 2000, kKeep).error().code, lib::Errno::PERM);
    ASSERT_FALSE(c.set_user(kKeep, 0, kKeep).is_error()) << "0 is the real and saved ID";
    EXPECT_TRUE(c.privileged());
    EXPECT_EQ(c.set_user(kKeep).error().code, lib::Errno::INVAL) << "setuid(-1)";
}

TEST(Credentials, SetreuidMovesTheSavedId)
{
    Credentials c;
    ASSERT_FALSE(c.set_user_real_effective(1000, 1000).is_error());
    expect_ids(c.user(), 1000, 1000, 1000, 1000);
    Credentials d;
    ASSERT_FALSE(d.set_user_real_effective(kKeep, 0).is_error()) << "effective = old real: saved stays";
    expect_ids(d.user(), 0, 0, 0, 0);
    ASSERT_FALSE(d.set_user_real_effective(kKeep, 5).is_error());
    expect_ids(d.user(), 0, 5, 5, 5);
    EXPECT_EQ(d.set_user_real_effective(7, kKeep).error().code, lib::Errno::PERM);
}

TEST(Credentials, FilesystemIdsNeverFail)
{
    Credentials c;
    EXPECT_EQ(c.set_user_filesystem(42), 0u);
    EXPECT_EQ(c.user().filesystem, 42u);
    ASSERT_FALSE(c.set_user(1000).is_error());
    EXPECT_EQ(c.set_user_filesystem(0), 1000u) << "unprivileged: the old value, unchanged";
    EXPECT_EQ(c.user().filesystem, 1000u);
}

TEST(Credentials, GroupListIsBounded)
{
    Credentials c;
    std::vector<uint32_t> many(Credentials::kMaxGroups + 1, 7);
    EXPECT_EQ(c.set_groups(many).error().code, lib::Errno::INVAL);
    EXPECT_TRUE(c.groups().empty());
}

} // namespace

// chown and chmod (fs/attr.c chown_ok, chgrp_ok; inode_owner_or_capable): root changes any
// node; a user changes only its own, keeps it its own, and moves it only to its groups.
TEST(Credentials, OwnershipRules)
{
    Credentials root;
    EXPECT_TRUE(root.may_change_owner(101, 104, 0, 0));
    EXPECT_TRUE(root.may_change_mode(101));

    Credentials user;
    uint32_t groups[] = { 20 };
    ASSERT_FALSE(user.set_groups(groups).is_error());
    ASSERT_FALSE(user.set_group(104).is_error());
    ASSERT_FALSE(user.set_user(101).is_error());
    EXPECT_TRUE(user.in_group(104) && user.in_group(20));
    EXPECT_FALSE(user.in_group(0));

    EXPECT_TRUE(user.may_change_mode(101));
    EXPECT_FALSE(user.may_change_mode(0)) << "root's file";
    EXPECT_TRUE(user.may_change_owner(101, 104, 101, 20)) << "to a supplementary group";
    EXPECT_TRUE(user.may_change_owner(101, 104, kKeep, 104));
    EXPECT_TRUE(user.may_change_owner(0, 0, kKeep, kKeep)) << "nothing to change: Linux asks nothing";
    EXPECT_FALSE(user.may_change_owner(101, 104, 102, kKeep)) << "giving a file away";
    EXPECT_FALSE(user.may_change_owner(101, 104, kKeep, 0)) << "to a group it is not in";
    EXPECT_FALSE(user.may_change_owner(0, 0, kKeep, 104)) << "another's file";
    EXPECT_FALSE(user.may_change_owner(0, 0, 0, kKeep)) << "another's file, even to its owner";

    EXPECT_EQ(user.set_user_filesystem(0), 101u) << "not allowed: stays 101";
    EXPECT_FALSE(user.may_change_mode(0));
}
