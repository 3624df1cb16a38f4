// AreaMap (mm/area_map.h) against a model (issue 18: it had example tests only, where the
// gap tree under it has a property test). Random mmap (fixed, fixed-noreplace, anywhere),
// munmap and mprotect calls over a 64-page address space, with pages touched between them;
// after every call the areas must say, page by page, what a plain array of pages says, the
// populated pages must be exactly those still mapped, and no two neighbouring areas may be
// mergeable. The area pool sometimes runs dry: a call may then fail with ENOMEM, and must
// change nothing.
#include "area_pool_fake.h"

#include <mm/area_map.h>

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace {

constexpr uintptr_t kPage = 4096, kBase = 0x1000'0000;
constexpr size_t kPages = 64;
constexpr uintptr_t kEnd = kBase + kPages * kPage;

/// Populated pages: address -> frame number; released pages leave.
class RecordedPages final : public mm::PageOps {
public:
    void release(const mm::Area& area, uintptr_t start, uintptr_t end) override
    {
        EXPECT_LE(area.start(), start);
        EXPECT_GE(area.end(), end);
        for (uintptr_t p = start; p < end; p += kPage)
            frames.erase(p);
    }
    void reprotect(const mm::Area& area, uintptr_t start, uintptr_t end) override
    {
        EXPECT_LE(area.start(), start);
        EXPECT_GE(area.end(), end);
    }
    bool move(uintptr_t, uintptr_t, size_t) override
    {
        ADD_FAILURE() << "no mremap here";
        return false;
    }
    std::map<uintptr_t, int> frames;
};

struct Page {
    bool mapped = false;
    int prot = mm::ProtNone;
    mm::Sharing sharing = mm::Sharing::Private;
    int frame = -1; // populated with this frame, or -1
    bool operator==(const Page&) const = default;
};

using Model = std::vector<Page>;

size_t index_of(uintptr_t address) { return (address - kBase) / kPage; }

// What the map says, page by page; and the populated pages the PageOps hold.
Model observed(const mm::AreaMap& map, const RecordedPages& pages)
{
    Model model(kPages);
    for (const mm::Area* a = map.first(); a; a = map.next(*a)) {
        EXPECT_GE(a->start(), kBase);
        EXPECT_LE(a->end(), kEnd);
        for (uintptr_t p = a->start(); p < a->end(); p += kPage)
            model[index_of(p)] = { true, a->prot, a->sharing, -1 };
    }
    for (auto [address, frame] : pages.frames) {
        EXPECT_TRUE(address >= kBase && address < kEnd && model[index_of(address)].mapped)
            << "a page populated at " << std::hex << address << " outlived its mapping";
        if (address >= kBase && address < kEnd)
            model[index_of(address)].frame = frame;
    }
    return model;
}

std::string describe(const Model& model)
{
    std::string out;
    for (const Page& page : model)
        out += !page.mapped ? '.' : page.frame >= 0 ? char('A' + page.prot) : char('a' + page.prot);
    return out;
}

// Linux's rule, written out here rather than taken from mm::can_merge, so that the check
// does not share a mistake with the code it checks.
bool mergeable(const mm::Area& left, const mm::Area& right)
{
    return left.end() == right.start() && !left.file && !right.file && left.prot == right.prot
        && left.sharing == right.sharing && left.role == right.role;
}

void expect_maximal_merging(const mm::AreaMap& map)
{
    size_t count = 0;
    for (const mm::Area* a = map.first(); a; a = map.next(*a)) {
        ++count;
        if (const mm::Area* b = map.next(*a)) {
            EXPECT_LE(a->end(), b->start());
            EXPECT_FALSE(mergeable(*a, *b))
                << "mergeable neighbours at " << std::hex << a->start() << "-" << a->end() << " and " << b->end();
        }
    }
    EXPECT_EQ(count, map.count());
    EXPECT_TRUE(map.check_invariants());
}

class ModelRun {
public:
    explicit ModelRun(uint32_t seed) : m_random(seed), m_model(kPages) { }

    void step()
    {
        m_pool.exhausted = m_random() % 8 == 0;
        Model before = m_model;
        switch (m_random() % 6) {
        case 0:
        case 1: map(mm::Placement::FixedReplace); break;
        case 2: map(m_random() % 2 ? mm::Placement::FixedNoReplace : mm::Placement::Anywhere); break;
        case 3: unmap(); break;
        case 4: protect(); break;
        case 5: touch(); break;
        }
        m_pool.exhausted = false;
        Model now = observed(m_map, m_pages);
        ASSERT_EQ(describe(now), describe(m_model)) << "after " << m_last << " (before: " << describe(before) << ")";
        ASSERT_TRUE(now == m_model) << m_last;
        expect_maximal_merging(m_map);
    }

    ~ModelRun()
    {
        while (const mm::Area* a = m_map.first())
            EXPECT_TRUE(m_map.unmap(a->start(), a->length()).is_ok());
    }

private:
    size_t pick(size_t bound) { return m_random() % bound; }
    int random_prot()
    {
        constexpr int kProts[]
            = { mm::ProtNone, mm::ProtRead, mm::ProtRead | mm::ProtWrite, mm::ProtRead | mm::ProtExec };
        return kProts[pick(4)];
    }

    // A call the model expects to fail with `code`. With the pool dry it may say ENOMEM
    // first (it takes its areas before it looks further); either way nothing changes.
    template<typename T> void expect_refused(const lib::Result<T>& result, lib::Errno code)
    {
        EXPECT_TRUE(result.is_error()
            && (result.error().code == code || (m_pool.exhausted && result.error().code == lib::Errno::NOMEM)))
            << m_last << (result.is_error() ? ": " + std::string(result.error().message) : ": it succeeded");
    }

    // A call that failed because the pool ran dry changes nothing; any other failure is
    // the model's to predict.
    bool failed_for_want_of_areas(const lib::Result<void>& result)
    {
        if (result.is_ok())
            return false;
        EXPECT_TRUE(m_pool.exhausted && result.error().code == lib::Errno::NOMEM)
            << m_last << ": " << result.error().message;
        return true;
    }

    void map(mm::Placement placement)
    {
        size_t pages = 1 + pick(12), first = pick(kPages);
        size_t length = pages * kPage - (pick(4) == 0 ? pick(kPage - 1) : 0); // rounded up by map()
        int prot = random_prot();
        auto sharing = pick(4) == 0 ? mm::Sharing::Shared : mm::Sharing::Private;
        uintptr_t hint = placement == mm::Placement::Anywhere ? 0 : kBase + first * kPage;
        m_last = "map " + std::to_string(int(placement)) + " at page " + std::to_string(first) + " of "
            + std::to_string(pages) + " pages, prot " + std::to_string(prot);
        auto result
            = m_map.map({ .hint = hint, .length = length, .placement = placement, .prot = prot, .sharing = sharing });
        if (placement == mm::Placement::Anywhere) { // top-down: the highest free run that fits
            std::optional<size_t> start;
            for (size_t s = kPages - pages + 1; s-- > 0 && !start;)
                if (free_run(s, pages))
                    start = s;
            if (!start) {
                expect_refused(result, lib::Errno::NOMEM);
                return;
            }
            if (failed_for_want_of_areas(result.is_ok() ? lib::Result<void>() : result.error()))
                return;
            EXPECT_EQ(result.value(), kBase + *start * kPage) << m_last;
            first = *start;
        } else {
            if (first + pages > kPages) { // beyond the highest address
                expect_refused(result, lib::Errno::NOMEM);
                return;
            }
            if (placement == mm::Placement::FixedNoReplace && !free_run(first, pages)) {
                expect_refused(result, lib::Errno::EXIST);
                return;
            }
            if (failed_for_want_of_areas(result.is_ok() ? lib::Result<void>() : result.error()))
                return;
            EXPECT_EQ(result.value(), hint) << m_last;
        }
        for (size_t i = first; i < first + pages; ++i)
            m_model[i] = { true, prot, sharing, -1 };
    }

    void unmap()
    {
        size_t first = pick(kPages), pages = 1 + pick(16);
        m_last = "unmap page " + std::to_string(first) + " + " + std::to_string(pages);
        auto result = m_map.unmap(kBase + first * kPage, pages * kPage);
        if (first + pages > kPages) { // past the highest address, as past TASK_SIZE: EINVAL
            expect_refused(result, lib::Errno::INVAL);
            return;
        }
        if (failed_for_want_of_areas(result))
            return;
        for (size_t i = first; i < first + pages; ++i)
            m_model[i] = {};
    }

    void protect()
    {
        size_t first = pick(kPages), pages = 1 + pick(12);
        int prot = random_prot();
        m_last
            = "protect page " + std::to_string(first) + " + " + std::to_string(pages) + " to " + std::to_string(prot);
        auto result = m_map.protect(kBase + first * kPage, pages * kPage, prot);
        bool all_mapped = first + pages <= kPages;
        for (size_t i = first; all_mapped && i < first + pages; ++i)
            all_mapped = m_model[i].mapped;
        if (!all_mapped) {
            expect_refused(result, lib::Errno::NOMEM);
            return;
        }
        if (failed_for_want_of_areas(result))
            return;
        for (size_t i = first; i < first + pages; ++i)
            m_model[i].prot = prot;
    }

    void touch()
    {
        size_t page = pick(kPages);
        m_last = "touch page " + std::to_string(page);
        if (!m_model[page].mapped)
            return;
        m_model[page].frame = m_pages.frames[kBase + page * kPage] = ++m_frames;
    }

    bool free_run(size_t first, size_t pages) const
    {
        for (size_t i = first; i < first + pages; ++i)
            if (i >= kPages || m_model[i].mapped)
                return false;
        return true;
    }

    std::mt19937 m_random;
    RecordedPages m_pages;
    HeapPool m_pool;
    mm::AreaMap m_map { kBase, kEnd, kEnd, m_pages, m_pool };
    Model m_model;
    std::string m_last;
    int m_frames = 0;
};

TEST(AreaMapModel, RandomCallsAgreeWithAPageArray)
{
    for (uint32_t seed = 1; seed <= 40; ++seed) {
        ModelRun run(seed);
        for (int i = 0; i < 1500; ++i) {
            SCOPED_TRACE("seed " + std::to_string(seed) + ", call " + std::to_string(i));
            run.step();
            if (::testing::Test::HasFatalFailure())
                return;
        }
    }
}

} // namespace
