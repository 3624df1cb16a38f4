// arch::walk_page_tables (kernel/arch/x86_64/page_walk.h) over page tables built in memory:
// "physical" addresses are indexes into an array of tables.
#include <kernel/arch/x86_64/page_walk.h>

#include <gtest/gtest.h>

#include <vector>

namespace {

constexpr uint64_t kPresent = 1, kWritable = 2, kHuge = 1 << 7, kNoExecute = 1ull << 63;

struct Tables {
    std::vector<std::vector<uint64_t>> tables;
    uint64_t add()
    {
        tables.emplace_back(512, 0);
        return (tables.size() - 1) << 12; // "physical address" of the new table
    }
    uint64_t* at(uint64_t phys) { return tables[phys >> 12].data(); }
    arch::PageMapping walk(uint64_t address)
    {
        return arch::walk_page_tables(at(0), address, [this](uint64_t phys) { return at(phys); });
    }
};

uint64_t index(uint64_t address, int shift) { return (address >> shift) & 511; }

TEST(PageWalk, FindsLeavesOfEverySizeAndCombinesWritable)
{
    Tables t;
    t.add(); // the PML4, at 0
    uint64_t address = 0xffff'8000'0020'3000;
    uint64_t pdpt = t.add(), pd = t.add(), pt = t.add();
    t.at(0)[index(address, 39)] = pdpt | kPresent | kWritable;
    t.at(pdpt)[index(address, 30)] = pd | kPresent | kWritable;
    t.at(pd)[index(address, 21)] = pt | kPresent | kWritable;
    t.at(pt)[index(address, 12)] = 0x1234'5000 | kPresent | kWritable | kNoExecute;

    arch::PageMapping page = t.walk(address + 0x123);
    EXPECT_EQ(page.entry, 0x1234'5000 | kPresent | kWritable | kNoExecute);
    EXPECT_EQ(page.size, 4096u);
    // A read-only level above makes the page read-only, whatever its own entry says.
    t.at(pd)[index(address, 21)] &= ~kWritable;
    EXPECT_EQ(t.walk(address).entry & kWritable, 0u);
    EXPECT_EQ(t.walk(address).entry & kPresent, kPresent);
    // The next page of the same table is absent: the walk stops at the 4 KiB level.
    EXPECT_EQ(t.walk(address + 4096).entry, 0u);
    EXPECT_EQ(t.walk(address + 4096).size, 4096u);
    // A 2 MiB page in the next directory slot, a 1 GiB page in the next PDPT slot.
    t.at(pd)[index(address, 21) + 1] = 0x4020'0000 | kPresent | kWritable | kHuge;
    EXPECT_EQ(t.walk(address + (2ull << 20)).size, 2ull << 20);
    t.at(pdpt)[index(address, 30) + 1] = 0x8000'0000 | kPresent | kHuge;
    arch::PageMapping giant = t.walk(address + (1ull << 30));
    EXPECT_EQ(giant.size, 1ull << 30);
    EXPECT_EQ(giant.entry & kWritable, 0u);
    // Nothing in another PML4 slot: absent at the top level.
    EXPECT_EQ(t.walk(0x0000'7000'0000'0000).entry, 0u);
    EXPECT_EQ(t.walk(0x0000'7000'0000'0000).size, 1ull << 39);
}

} // namespace
