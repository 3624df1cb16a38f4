// mm::GapTree against the linear-scan model (tests/support/linear_range_model.h): random
// sequences of inserts, erases, in-place range changes and queries; every answer is
// compared and the tree's invariants (order, balance, parent links, cached subtree gaps)
// are checked after every step. OSPREY_PROPERTY_OPS sets the number of operations
// (default 3,000,000 in total); a failure prints the seed and step to replay it with
// OSPREY_PROPERTY_SEED.
#include "../support/linear_range_model.h"

#include <mm/gap_tree.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <random>
#include <vector>

namespace {

constexpr uintptr_t kUnit = 4096, kLowest = 16 * kUnit, kHighest = kLowest + 4096 * kUnit;

struct Item {
    mm::GapTreeNode link;
};
using Tree = mm::GapTree<Item, &Item::link>;

uint64_t env_number(const char* name, uint64_t fallback)
{
    const char* text = std::getenv(name);
    return text ? std::strtoull(text, nullptr, 0) : fallback;
}

class PropertyRun {
public:
    PropertyRun(uint64_t seed, size_t target_size) : m_random(seed), m_target(target_size) { }

    /// One random operation; false (with a gtest failure) when the tree disagrees.
    bool step()
    {
        unsigned choice = pick(100);
        if (choice < 30)
            insert();
        else if (choice < 30 + (m_items.size() > m_target ? 30 : 15))
            erase();
        else if (choice < 60)
            resize();
        else
            query();
        if (!m_tree.check_invariants()) {
            ADD_FAILURE() << "invariants broken";
            return false;
        }
        return !::testing::Test::HasFailure();
    }

    void clear()
    {
        while (!m_items.empty())
            erase();
    }

private:
    uintptr_t pick(uintptr_t n) { return std::uniform_int_distribution<uintptr_t>(0, n - 1)(m_random); }
    uintptr_t random_address() { return kLowest - 4 * kUnit + pick((kHighest - kLowest) / kUnit + 8) * kUnit; }
    uintptr_t random_length() { return (pick(8) == 0 ? 1 + pick(512) : 1 + pick(16)) * kUnit; }

    void insert()
    {
        uintptr_t start = random_address(), length = random_length();
        if (!m_model.is_free(start, length))
            return;
        auto item = std::make_unique<Item>();
        item->link.start = start;
        item->link.end = start + length;
        m_tree.insert(*item);
        m_model.insert(start, start + length);
        m_items.push_back(std::move(item));
    }

    void erase()
    {
        if (m_items.empty())
            return;
        size_t i = pick(m_items.size());
        m_model.erase(m_items[i]->link.start);
        m_tree.erase(*m_items[i]);
        m_items[i] = std::move(m_items.back());
        m_items.pop_back();
    }

    /// Moves one end of an item within the free space around it (split/merge/mremap use).
    void resize()
    {
        if (m_items.empty())
            return;
        Item& item = *m_items[pick(m_items.size())];
        Item* before = m_tree.prev(item);
        Item* after = m_tree.next(item);
        uintptr_t floor = before ? before->link.end : kLowest, ceiling = after ? after->link.start : kHighest;
        uintptr_t start = floor + pick((item.link.start - floor) / kUnit + 1) * kUnit;
        uintptr_t end = item.link.end + pick((ceiling - item.link.end) / kUnit + 1) * kUnit;
        if (pick(2))
            end = start + kUnit + pick((end - start) / kUnit) * kUnit; // shrink instead
        m_model.erase(item.link.start);
        m_model.insert(start, end);
        m_tree.set_range(item, start, end);
    }

    void query()
    {
        uintptr_t address = random_address();
        Item* found = m_tree.find(address);
        auto expected = m_model.find(address);
        EXPECT_EQ(found ? std::optional(found->link.start) : std::nullopt, expected) << "find " << address;
        Item* after = m_tree.first_ending_after(address);
        EXPECT_EQ(after ? std::optional(after->link.start) : std::nullopt, m_model.first_ending_after(address));
        uintptr_t length = random_length();
        EXPECT_EQ(m_tree.is_free(address, length), m_model.is_free(address, length));
        uintptr_t alignment = pick(5) == 0 ? uintptr_t(2) << 20 : kUnit << pick(4) * 2; // 4K..256K, 2M
        uintptr_t low = pick(4) ? 0 : random_address(), high = pick(4) ? ~uintptr_t(0) : random_address();
        EXPECT_EQ(m_tree.find_free_lowest(length, alignment, low, high),
            m_model.find_free(length, alignment, low, high, false))
            << "lowest length " << length << " alignment " << alignment << " in [" << low << ", " << high << ")";
        EXPECT_EQ(m_tree.find_free_highest(length, alignment, low, high),
            m_model.find_free(length, alignment, low, high, true))
            << "highest length " << length << " alignment " << alignment << " in [" << low << ", " << high << ")";
        EXPECT_EQ(m_tree.size(), m_model.ranges().size());
    }

    std::mt19937_64 m_random;
    size_t m_target;
    Tree m_tree { kLowest, kHighest };
    osprey_test::LinearRangeModel m_model { kLowest, kHighest };
    std::vector<std::unique_ptr<Item>> m_items;
};

TEST(GapTreeProperty, RandomOperationsMatchTheLinearModel)
{
    uint64_t total = env_number("OSPREY_PROPERTY_OPS", 3'000'000);
    uint64_t first_seed = env_number("OSPREY_PROPERTY_SEED", 1);
    constexpr uint64_t kStepsPerSeed = 5000;
    for (uint64_t done = 0, seed = first_seed; done < total; ++seed) {
        // Alternate small trees (edge cases near empty) and larger ones (deep rotations).
        PropertyRun run(seed, seed % 3 == 0 ? 400 : seed % 3 == 1 ? 40 : 4);
        for (uint64_t step = 0; step < kStepsPerSeed && done < total; ++step, ++done) {
            if (!run.step()) {
                FAIL() << "replay with OSPREY_PROPERTY_SEED=" << seed << " (failed at step " << step << ")";
            }
        }
        run.clear();
    }
}

} // namespace
