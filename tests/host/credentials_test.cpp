// The set*id rules of kernel/syscall/credentials.h against Linux's (credentials(7),
// setresuid(2), setreuid(2), setfsuid(2)): root may become anyone, once; others may only
// move among their current IDs.
#include <kernel/syscall/credentials.h>

#include <gtest/gtest.h>

#include <vector>

namespace {

using sys::Credentials;
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
