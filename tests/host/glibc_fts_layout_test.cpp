// libc-shim's copy of glibc's fts structures (libc_shim/glibc_fts.h) against the host's
// own glibc <fts.h>: every field a program reads at the offset glibc puts it, every
// constant the same.
#include <libc_shim/glibc_fts.h>

#include <fts.h>
#include <gtest/gtest.h>

#include <cstddef>

namespace {

#define SAME_FIELD(ours, theirs, field) EXPECT_EQ(offsetof(ours, field), offsetof(theirs, field)) << #field

TEST(GlibcFtsLayout, EntryFieldsSitWhereGlibcPutsThem)
{
    using Ours = glibc_fts::Entry;
    SAME_FIELD(Ours, FTSENT, fts_cycle);
    SAME_FIELD(Ours, FTSENT, fts_parent);
    SAME_FIELD(Ours, FTSENT, fts_link);
    SAME_FIELD(Ours, FTSENT, fts_number);
    SAME_FIELD(Ours, FTSENT, fts_pointer);
    SAME_FIELD(Ours, FTSENT, fts_accpath);
    SAME_FIELD(Ours, FTSENT, fts_path);
    SAME_FIELD(Ours, FTSENT, fts_errno);
    SAME_FIELD(Ours, FTSENT, fts_symfd);
    SAME_FIELD(Ours, FTSENT, fts_pathlen);
    SAME_FIELD(Ours, FTSENT, fts_namelen);
    SAME_FIELD(Ours, FTSENT, fts_ino);
    SAME_FIELD(Ours, FTSENT, fts_dev);
    SAME_FIELD(Ours, FTSENT, fts_nlink);
    SAME_FIELD(Ours, FTSENT, fts_level);
    SAME_FIELD(Ours, FTSENT, fts_info);
    SAME_FIELD(Ours, FTSENT, fts_flags);
    SAME_FIELD(Ours, FTSENT, fts_instr);
    SAME_FIELD(Ours, FTSENT, fts_statp);
    SAME_FIELD(Ours, FTSENT, fts_name);
    EXPECT_EQ(sizeof(Ours), sizeof(FTSENT));
}

TEST(GlibcFtsLayout, HandleFieldsSitWhereGlibcPutsThem)
{
    using Ours = glibc_fts::Fts;
    SAME_FIELD(Ours, FTS, fts_cur);
    SAME_FIELD(Ours, FTS, fts_child);
    SAME_FIELD(Ours, FTS, fts_array);
    SAME_FIELD(Ours, FTS, fts_dev);
    SAME_FIELD(Ours, FTS, fts_path);
    SAME_FIELD(Ours, FTS, fts_rfd);
    SAME_FIELD(Ours, FTS, fts_pathlen);
    SAME_FIELD(Ours, FTS, fts_nitems);
    SAME_FIELD(Ours, FTS, fts_compar);
    SAME_FIELD(Ours, FTS, fts_options);
    EXPECT_EQ(sizeof(Ours), sizeof(FTS));
}

TEST(GlibcFtsLayout, ConstantsAreGlibcs)
{
    using namespace glibc_fts;
    EXPECT_EQ(kComFollow, FTS_COMFOLLOW);
    EXPECT_EQ(kLogical, FTS_LOGICAL);
    EXPECT_EQ(kNoChdir, FTS_NOCHDIR);
    EXPECT_EQ(kNoStat, FTS_NOSTAT);
    EXPECT_EQ(kPhysical, FTS_PHYSICAL);
    EXPECT_EQ(kSeeDot, FTS_SEEDOT);
    EXPECT_EQ(kXdev, FTS_XDEV);
    EXPECT_EQ(kWhiteout, FTS_WHITEOUT);
    EXPECT_EQ(kOptionMask, FTS_OPTIONMASK);
    EXPECT_EQ(kNameOnly, FTS_NAMEONLY);
    EXPECT_EQ(kStop, FTS_STOP);
    const int infos[] = { kD, kDC, kDefault, kDNR, kDot, kDP, kErr, kF, kInit, kNS, kNSOK, kSL, kSLNone, kW };
    const int theirs[] = { FTS_D, FTS_DC, FTS_DEFAULT, FTS_DNR, FTS_DOT, FTS_DP, FTS_ERR, FTS_F, FTS_INIT, FTS_NS,
        FTS_NSOK, FTS_SL, FTS_SLNONE, FTS_W };
    for (size_t i = 0; i < sizeof infos / sizeof infos[0]; ++i)
        EXPECT_EQ(infos[i], theirs[i]) << i;
    EXPECT_EQ(kAgain, FTS_AGAIN);
    EXPECT_EQ(kFollow, FTS_FOLLOW);
    EXPECT_EQ(kNoInstr, FTS_NOINSTR);
    EXPECT_EQ(kSkip, FTS_SKIP);
    EXPECT_EQ(kRootParentLevel, FTS_ROOTPARENTLEVEL);
    EXPECT_EQ(kRootLevel, FTS_ROOTLEVEL);
}

} // namespace
