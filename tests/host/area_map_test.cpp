// AreaMap (mm/area_map.h): Linux mmap/munmap/mprotect/mremap rules for splitting, merging
// and placing areas, with the page effects recorded by a fake PageOps.
#include "area_pool_fake.h"

#include <mm/area_map.h>

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

namespace {

constexpr uintptr_t kPage = 4096, kLow = 0x10000, kHigh = 0x7fff'ffff'f000, kTop = 0x7fff'f000'0000;

/// Pages as the kernel would hold them: address -> a "frame" number, moved by move().
class FakePages final : public mm::PageOps {
public:
    void release(const mm::Area& area, uintptr_t start, uintptr_t end) override
    {
        EXPECT_LE(area.start(), start);
        EXPECT_GE(area.end(), end);
        for (uintptr_t p = start; p < end; p += kPage)
            pages.erase(p);
        releases.push_back({ start, end });
    }
    void reprotect(const mm::Area& area, uintptr_t start, uintptr_t end) override
    {
        EXPECT_LE(area.start(), start);
        EXPECT_GE(area.end(), end);
        reprotects.push_back({ start, end });
    }
    bool move(uintptr_t from, uintptr_t to, size_t length) override
    {
        if (out_of_tables)
            return false;
        std::map<uintptr_t, int> moved;
        for (auto it = pages.lower_bound(from); it != pages.end() && it->first < from + length;)
            moved[it->first - from + to] = it->second, it = pages.erase(it);
        for (auto [page, frame] : moved) {
            EXPECT_FALSE(pages.count(page)) << "move onto a populated page";
            pages[page] = frame;
        }
        return true;
    }
    bool out_of_tables = false;
    std::map<uintptr_t, int> pages;
    std::vector<std::pair<uintptr_t, uintptr_t>> releases, reprotects;
};

struct AreaMapTest : ::testing::Test {
    ~AreaMapTest() override
    {
        while (const mm::Area* a = map.first())
            EXPECT_TRUE(map.unmap(a->start(), a->length()).is_ok());
    }
    uintptr_t anon(uintptr_t hint, size_t length, int prot = mm::ProtRead | mm::ProtWrite,
        mm::Placement placement = mm::Placement::FixedNoReplace)
    {
        auto r = map.map({ .hint = hint, .length = length, .placement = placement, .prot = prot });
        EXPECT_TRUE(r.is_ok()) << r.error().message;
        return r.is_ok() ? r.value() : 0;
    }
    std::string layout() const
    {
        std::string out;
        for (const mm::Area* a = map.first(); a; a = map.next(*a))
            out += std::to_string((a->start() - kBase) / kPage) + "-" + std::to_string((a->end() - kBase) / kPage) + ":"
                + std::to_string(a->prot) + " ";
        return out;
    }
    static constexpr uintptr_t kBase = 0x1000'0000;
    FakePages pages;
    HeapPool pool;
    mm::AreaMap map { kLow, kHigh, kTop, pages, pool };
};

TEST_F(AreaMapTest, AdjacentAnonymousMappingsMerge)
{
    anon(kBase, 2 * kPage);
    anon(kBase + 2 * kPage, 2 * kPage);
    EXPECT_EQ(layout(), "0-4:3 ");
    anon(kBase + 5 * kPage, kPage);
    anon(kBase + 4 * kPage, kPage); // fills the hole: all three become one
    EXPECT_EQ(layout(), "0-6:3 ");
    EXPECT_EQ(map.count(), 1u);
    EXPECT_TRUE(map.check_invariants());
}

TEST_F(AreaMapTest, DifferentProtectionsDoNotMerge)
{
    anon(kBase, kPage, mm::ProtRead);
    anon(kBase + kPage, kPage);
    EXPECT_EQ(layout(), "0-1:1 1-2:3 ");
}

TEST_F(AreaMapTest, FileMappingsNeverMerge)
{
    mm::MappedFile file { .phys_base = 0x100000, .size = 8 * kPage, .path = "/lib/x.so", .inode = 1 };
    for (uintptr_t i = 0; i < 2; ++i)
        ASSERT_TRUE(map.map({ .hint = kBase + i * kPage,
                                .length = kPage,
                                .placement = mm::Placement::FixedNoReplace,
                                .prot = mm::ProtRead,
                                .file = &file,
                                .file_offset = i * kPage })
                        .is_ok());
    EXPECT_EQ(map.count(), 2u);
}

TEST_F(AreaMapTest, UnmapMiddleSplitsAndReleasesOnlyThatRange)
{
    anon(kBase, 8 * kPage);
    ASSERT_TRUE(map.unmap(kBase + 3 * kPage, 2 * kPage).is_ok());
    EXPECT_EQ(layout(), "0-3:3 5-8:3 ");
    ASSERT_EQ(pages.releases.size(), 1u);
    EXPECT_EQ(pages.releases[0], std::make_pair(kBase + 3 * kPage, kBase + 5 * kPage));
    EXPECT_TRUE(map.check_invariants());
}

TEST_F(AreaMapTest, UnmapAcrossSeveralAreasAndHoles)
{
    anon(kBase, 2 * kPage, mm::ProtRead);
    anon(kBase + 3 * kPage, 2 * kPage);
    anon(kBase + 6 * kPage, 2 * kPage, mm::ProtRead);
    ASSERT_TRUE(map.unmap(kBase + kPage, 6 * kPage).is_ok());
    EXPECT_EQ(layout(), "0-1:1 7-8:1 ");
    ASSERT_TRUE(map.unmap(kBase + 100 * kPage, kPage).is_ok()) << "unmapping a hole is fine";
}

TEST_F(AreaMapTest, UnmapRoundsLengthUpAndRejectsBadArguments)
{
    anon(kBase, 4 * kPage);
    ASSERT_TRUE(map.unmap(kBase, 1).is_ok());
    EXPECT_EQ(layout(), "1-4:3 ");
    EXPECT_EQ(map.unmap(kBase + 1, kPage).error().code, lib::Errno::INVAL);
    EXPECT_EQ(map.unmap(kBase, 0).error().code, lib::Errno::INVAL);
    EXPECT_EQ(map.unmap(kHigh - kPage, 2 * kPage).error().code, lib::Errno::INVAL);
}

TEST_F(AreaMapTest, BelowTheLowestAddressIsAHoleToUnmapAndForbiddenToMap)
{
    ASSERT_TRUE(
        map.map({ .hint = kLow, .length = 2 * kPage, .placement = mm::Placement::FixedNoReplace, .prot = mm::ProtRead })
            .is_ok());
    EXPECT_TRUE(map.unmap(0, kPage).is_ok()) << "Linux: munmap of nothing succeeds";
    EXPECT_TRUE(map.unmap(kLow - 4 * kPage, 5 * kPage).is_ok());
    ASSERT_NE(map.find(kLow + kPage), nullptr);
    EXPECT_EQ(map.find(kLow + kPage)->start(), kLow + kPage) << "the part above the lowest address was unmapped";
    EXPECT_EQ(map.find(kLow), nullptr);
    EXPECT_EQ(map.map({ .hint = kLow - kPage, .length = kPage, .placement = mm::Placement::FixedReplace }).error().code,
        lib::Errno::PERM)
        << "Linux's mmap_min_addr";
    EXPECT_EQ(map.map({ .hint = 0, .length = kPage, .placement = mm::Placement::FixedNoReplace }).error().code,
        lib::Errno::PERM);
    EXPECT_EQ(map.map({ .hint = kHigh, .length = kPage, .placement = mm::Placement::FixedReplace }).error().code,
        lib::Errno::NOMEM);
    EXPECT_TRUE(map.unmap(kLow + kPage, kPage).is_ok());
}

TEST_F(AreaMapTest, SplitNeedsAnAreaAndFailsCleanlyWithoutOne)
{
    anon(kBase, 8 * kPage);
    pool.exhausted = true;
    EXPECT_EQ(map.unmap(kBase + 2 * kPage, kPage).error().code, lib::Errno::NOMEM);
    EXPECT_EQ(map.protect(kBase + 2 * kPage, kPage, mm::ProtRead).error().code, lib::Errno::NOMEM);
    EXPECT_EQ(layout(), "0-8:3 ") << "a failed call changes nothing";
    EXPECT_TRUE(pages.releases.empty());
    ASSERT_TRUE(map.unmap(kBase, kPage).is_ok()) << "trimming an end needs no new area";
    pool.exhausted = false;
}

TEST_F(AreaMapTest, ProtectSplitsThenMergesBack)
{
    anon(kBase, 8 * kPage);
    ASSERT_TRUE(map.protect(kBase + 2 * kPage, 3 * kPage, mm::ProtRead).is_ok());
    EXPECT_EQ(layout(), "0-2:3 2-5:1 5-8:3 ");
    EXPECT_EQ(pages.reprotects.back(), std::make_pair(kBase + 2 * kPage, kBase + 5 * kPage));
    ASSERT_TRUE(map.protect(kBase + 2 * kPage, 3 * kPage, mm::ProtRead | mm::ProtWrite).is_ok());
    EXPECT_EQ(layout(), "0-8:3 ");
    EXPECT_TRUE(map.check_invariants());
}

TEST_F(AreaMapTest, ProtectOfAnUnmappedHoleFailsWithNomemAndChangesNothing)
{
    anon(kBase, 2 * kPage);
    anon(kBase + 3 * kPage, 2 * kPage);
    EXPECT_EQ(map.protect(kBase, 5 * kPage, mm::ProtRead).error().code, lib::Errno::NOMEM);
    EXPECT_EQ(layout(), "0-2:3 3-5:3 ");
    EXPECT_EQ(map.protect(kBase + 1, kPage, mm::ProtRead).error().code, lib::Errno::INVAL);
    EXPECT_TRUE(map.protect(kBase, 0, mm::ProtRead).is_ok());
}

TEST_F(AreaMapTest, WritableSharedFileMappingIsRefused)
{
    mm::MappedFile file { .phys_base = 0x100000, .size = kPage, .path = "/f", .inode = 1 };
    mm::MapRequest request { .hint = kBase,
        .length = kPage,
        .placement = mm::Placement::FixedNoReplace,
        .prot = mm::ProtRead | mm::ProtWrite,
        .sharing = mm::Sharing::Shared,
        .file = &file };
    EXPECT_EQ(map.map(request).error().code, lib::Errno::ACCES);
    request.prot = mm::ProtRead;
    ASSERT_TRUE(map.map(request).is_ok());
    EXPECT_EQ(map.protect(kBase, kPage, mm::ProtRead | mm::ProtWrite).error().code, lib::Errno::ACCES);
}

TEST_F(AreaMapTest, PlacementFollowsLinux)
{
    uintptr_t a = anon(0, kPage, mm::ProtRead, mm::Placement::Anywhere);
    EXPECT_EQ(a, kTop - kPage) << "top-down below the mmap top";
    uintptr_t b = anon(0, 2 * kPage, mm::ProtRead | mm::ProtWrite, mm::Placement::Anywhere);
    EXPECT_EQ(b, kTop - 3 * kPage);
    uintptr_t hinted = anon(kBase + 123, kPage, mm::ProtRead, mm::Placement::Anywhere);
    EXPECT_EQ(hinted, kBase + kPage) << "a free hint is used, rounded up to a page";
    uintptr_t taken = anon(kBase + kPage, kPage, mm::ProtRead, mm::Placement::Anywhere);
    EXPECT_NE(taken, kBase + kPage) << "a busy hint is only a hint";
    EXPECT_EQ(
        map.map({ .hint = kBase + kPage, .length = kPage, .placement = mm::Placement::FixedNoReplace }).error().code,
        lib::Errno::EXIST);
    EXPECT_EQ(map.map({ .hint = kBase + 1, .length = kPage, .placement = mm::Placement::FixedReplace }).error().code,
        lib::Errno::INVAL);
    EXPECT_EQ(map.map({ .hint = kBase, .length = 0 }).error().code, lib::Errno::INVAL);
    EXPECT_EQ(map.map({ .hint = 0, .length = kHigh }).error().code, lib::Errno::NOMEM);
}

TEST_F(AreaMapTest, FixedReplaceUnmapsWhatWasThere)
{
    anon(kBase, 4 * kPage, mm::ProtRead);
    pages.pages[kBase + kPage] = 7;
    anon(kBase + kPage, kPage, mm::ProtRead | mm::ProtWrite, mm::Placement::FixedReplace);
    EXPECT_EQ(layout(), "0-1:1 1-2:3 2-4:1 ");
    EXPECT_FALSE(pages.pages.count(kBase + kPage)) << "the old page was released";
}

TEST_F(AreaMapTest, RemapShrinksGrowsInPlaceAndMoves)
{
    anon(kBase, 4 * kPage);
    EXPECT_EQ(map.remap(kBase, 4 * kPage, 2 * kPage, 0, 0).value(), kBase);
    EXPECT_EQ(layout(), "0-2:3 ");
    EXPECT_EQ(map.remap(kBase, 2 * kPage, 6 * kPage, 0, 0).value(), kBase) << "room after it: grows in place";
    EXPECT_EQ(layout(), "0-6:3 ");
    anon(kBase + 6 * kPage, kPage, mm::ProtRead);
    EXPECT_EQ(map.remap(kBase, 6 * kPage, 8 * kPage, 0, 0).error().code, lib::Errno::NOMEM);
    pages.pages[kBase] = 1;
    pages.pages[kBase + 5 * kPage] = 2;
    uintptr_t moved = map.remap(kBase, 6 * kPage, 8 * kPage, mm::RemapMayMove, 0).value();
    EXPECT_NE(moved, kBase);
    EXPECT_EQ(pages.pages[moved], 1) << "pages travel with the mapping";
    EXPECT_EQ(pages.pages[moved + 5 * kPage], 2);
    EXPECT_FALSE(pages.pages.count(kBase));
    EXPECT_EQ(map.find(kBase), nullptr);
    EXPECT_EQ(map.find(moved + 7 * kPage)->end(), moved + 8 * kPage);
    EXPECT_TRUE(map.check_invariants());
}

TEST_F(AreaMapTest, RemapThatCannotMoveItsPagesChangesNothing)
{
    anon(kBase, 2 * kPage);
    anon(kBase + 2 * kPage, kPage, mm::ProtRead);
    pages.pages[kBase] = 3;
    pages.out_of_tables = true;
    EXPECT_EQ(map.remap(kBase, 2 * kPage, 4 * kPage, mm::RemapMayMove, 0).error().code, lib::Errno::NOMEM);
    EXPECT_EQ(layout(), "0-2:3 2-3:1 ");
    EXPECT_EQ(pages.pages[kBase], 3);
    pages.out_of_tables = false;
}

TEST_F(AreaMapTest, RemapFixedMovesOntoTheTargetAndShrinks)
{
    anon(kBase, 4 * kPage);
    anon(kBase + 20 * kPage, 4 * kPage, mm::ProtRead);
    pages.pages[kBase + kPage] = 5;
    pages.pages[kBase + 3 * kPage] = 6;
    auto r = map.remap(kBase, 4 * kPage, 2 * kPage, mm::RemapMayMove | mm::RemapFixed, kBase + 20 * kPage);
    ASSERT_TRUE(r.is_ok()) << r.error().message;
    EXPECT_EQ(layout(), "20-22:3 22-24:1 ");
    EXPECT_EQ(pages.pages[kBase + 21 * kPage], 5);
    EXPECT_FALSE(pages.pages.count(kBase + 3 * kPage)) << "the cut-off tail was released";
}

TEST_F(AreaMapTest, RemapRejectsWhatLinuxRejects)
{
    anon(kBase, 2 * kPage);
    anon(kBase + 2 * kPage, 2 * kPage, mm::ProtRead);
    EXPECT_EQ(map.remap(kBase + 1, kPage, kPage, 0, 0).error().code, lib::Errno::INVAL);
    EXPECT_EQ(map.remap(kBase, kPage, 0, 0, 0).error().code, lib::Errno::INVAL);
    EXPECT_EQ(map.remap(kBase, kPage, kPage, mm::RemapFixed, kBase).error().code, lib::Errno::INVAL);
    EXPECT_EQ(map.remap(kBase, kPage, kPage, 8, 0).error().code, lib::Errno::INVAL);
    EXPECT_EQ(map.remap(kBase, 4 * kPage, 5 * kPage, mm::RemapMayMove, 0).error().code, lib::Errno::FAULT)
        << "old range spans two mappings";
    EXPECT_EQ(map.remap(kBase + 10 * kPage, kPage, 2 * kPage, mm::RemapMayMove, 0).error().code, lib::Errno::FAULT);
    EXPECT_EQ(map.remap(kBase, 2 * kPage, 2 * kPage, mm::RemapMayMove | mm::RemapFixed, kBase + kPage).error().code,
        lib::Errno::INVAL)
        << "overlapping ranges";
}

TEST_F(AreaMapTest, RemapShrinkCutsATailThatSpansSeveralAreas)
{
    // Linux looks only at the area at the old address when shrinking: the tail goes as
    // with munmap, whatever areas and holes it covers.
    anon(kBase, 2 * kPage);
    anon(kBase + 2 * kPage, kPage, mm::ProtRead);
    anon(kBase + 4 * kPage, 2 * kPage);
    pages.pages[kBase + 2 * kPage] = 1;
    pages.pages[kBase + 4 * kPage] = 2;
    EXPECT_EQ(map.remap(kBase, 5 * kPage, kPage, 0, 0).value(), kBase);
    EXPECT_EQ(layout(), "0-1:3 5-6:3 ");
    EXPECT_FALSE(pages.pages.count(kBase + 2 * kPage));
    EXPECT_FALSE(pages.pages.count(kBase + 4 * kPage));
    EXPECT_EQ(map.remap(kBase, 6 * kPage, 6 * kPage, 0, 0).value(), kBase) << "same size: nothing to cut";
    EXPECT_EQ(map.remap(kBase + kPage, 2 * kPage, kPage, 0, 0).error().code, lib::Errno::FAULT)
        << "nothing mapped at the old address";
    EXPECT_TRUE(map.check_invariants());
}

TEST_F(AreaMapTest, RemapFixedShrinkCutsATailThatSpansSeveralAreas)
{
    anon(kBase, 2 * kPage);
    anon(kBase + 2 * kPage, 2 * kPage, mm::ProtRead);
    pages.pages[kBase] = 4;
    pages.pages[kBase + 3 * kPage] = 5;
    auto r = map.remap(kBase, 4 * kPage, kPage, mm::RemapMayMove | mm::RemapFixed, kBase + 10 * kPage);
    ASSERT_TRUE(r.is_ok()) << r.error().message;
    EXPECT_EQ(layout(), "10-11:3 ");
    EXPECT_EQ(pages.pages[kBase + 10 * kPage], 4);
    EXPECT_EQ(pages.pages.size(), 1u) << "the cut-off tail's pages were released";
    EXPECT_EQ(map.remap(kBase + 10 * kPage, kPage, 2 * kPage, mm::RemapMayMove | mm::RemapFixed, kBase).value(), kBase);
    anon(kBase + 2 * kPage, kPage, mm::ProtRead);
    EXPECT_EQ(
        map.remap(kBase, 3 * kPage, 3 * kPage, mm::RemapMayMove | mm::RemapFixed, kBase + 20 * kPage).error().code,
        lib::Errno::FAULT)
        << "what is kept must lie in one area";
    EXPECT_EQ(layout(), "0-2:3 2-3:1 ");
    EXPECT_EQ(map.remap(kBase, 3 * kPage, 3 * kPage, mm::RemapMayMove | mm::RemapFixed, kBase + kPage).error().code,
        lib::Errno::INVAL)
        << "as Linux: the new range is checked before the old one";
    EXPECT_EQ(
        map.remap(kBase, kPage, kPage, mm::RemapMayMove | mm::RemapFixed, kLow - kPage).error().code, lib::Errno::PERM)
        << "below the lowest address, as MAP_FIXED";
    EXPECT_EQ(layout(), "0-2:3 2-3:1 ");
    EXPECT_TRUE(map.check_invariants());
}

TEST_F(AreaMapTest, RemapOfAFileMappingKeepsItsOffset)
{
    mm::MappedFile file { .phys_base = 0x100000, .size = 16 * kPage, .path = "/f", .inode = 1 };
    ASSERT_TRUE(map.map({ .hint = kBase,
                            .length = 8 * kPage,
                            .placement = mm::Placement::FixedNoReplace,
                            .prot = mm::ProtRead,
                            .file = &file,
                            .file_offset = 2 * kPage })
                    .is_ok());
    anon(kBase + 8 * kPage, kPage);
    uintptr_t moved = map.remap(kBase + 4 * kPage, 4 * kPage, 6 * kPage, mm::RemapMayMove, 0).value();
    EXPECT_EQ(map.find(moved)->file_offset, 6 * kPage);
    EXPECT_EQ(map.find(kBase)->end(), kBase + 4 * kPage);
}

TEST_F(AreaMapTest, CoversSeesHoles)
{
    anon(kBase, 2 * kPage);
    anon(kBase + 2 * kPage, kPage, mm::ProtRead);
    EXPECT_TRUE(map.covers(kBase, 3 * kPage));
    EXPECT_FALSE(map.covers(kBase, 4 * kPage));
    EXPECT_FALSE(map.covers(kBase - kPage, 2 * kPage));
}

} // namespace
