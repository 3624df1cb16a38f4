// The test oracle for mm::GapTree (and the baseline of bench/mmap): disjoint ranges in a
// sorted std::map, free ranges found by a linear scan, the way most allocators do it.
#pragma once

#include <cstdint>
#include <iterator>
#include <map>
#include <optional>

namespace osprey_test {

class LinearRangeModel {
public:
    LinearRangeModel(uintptr_t lowest, uintptr_t highest) : m_lowest(lowest), m_highest(highest) { }

    void insert(uintptr_t start, uintptr_t end) { m_ranges[start] = end; }
    void erase(uintptr_t start) { m_ranges.erase(start); }
    const std::map<uintptr_t, uintptr_t>& ranges() const { return m_ranges; }

    /// The start of the range containing `address`, if any.
    std::optional<uintptr_t> find(uintptr_t address) const
    {
        auto it = m_ranges.upper_bound(address);
        if (it == m_ranges.begin())
            return std::nullopt;
        --it;
        return address < it->second ? std::optional(it->first) : std::nullopt;
    }
    /// The start of the first range whose end is above `address`, if any.
    std::optional<uintptr_t> first_ending_after(uintptr_t address) const
    {
        for (auto [start, end] : m_ranges)
            if (end > address)
                return start;
        return std::nullopt;
    }
    bool is_free(uintptr_t start, uintptr_t length) const
    {
        if (length == 0 || start < m_lowest || start > m_highest || length > m_highest - start)
            return false;
        for (auto [s, e] : m_ranges)
            if (s < start + length && start < e)
                return false;
        return true;
    }

    /// Lowest (or highest) aligned start of `length` free bytes inside [low, high) and the
    /// window: every gap is scanned, O(n).
    std::optional<uintptr_t> find_free(
        uintptr_t length, uintptr_t alignment, uintptr_t low, uintptr_t high, bool highest) const
    {
        low = low < m_lowest ? m_lowest : low;
        high = high > m_highest ? m_highest : high;
        std::optional<uintptr_t> best;
        uintptr_t previous_end = m_lowest;
        auto consider = [&](uintptr_t from, uintptr_t to) {
            from = from > low ? from : low;
            to = to < high ? to : high;
            if (from >= to || to - from < length)
                return;
            uintptr_t start = highest ? (to - length) & ~(alignment - 1) : (from + alignment - 1) & ~(alignment - 1);
            if (start < from || start > to - length)
                return;
            if (!best || (highest ? start > *best : start < *best))
                best = start;
        };
        for (auto [start, end] : m_ranges) {
            consider(previous_end, start);
            previous_end = end;
        }
        consider(previous_end, m_highest);
        return length == 0 ? std::nullopt : best;
    }

private:
    std::map<uintptr_t, uintptr_t> m_ranges;
    uintptr_t m_lowest, m_highest;
};

} // namespace osprey_test
