// lib/guarded.h, lib/intrusive_list.h, lib/ref_counted.h: the building blocks of kernel
// state with owners (issue 12). Pure logic, so the kernel's code runs here unchanged.
#include <lib/byte_ring.h>
#include <lib/guarded.h>
#include <lib/intrusive_list.h>
#include <lib/ref_counted.h>

#include <gtest/gtest.h>

#include <mutex>
#include <thread>
#include <vector>

namespace {

// A lock that records what Guarded does with it, and really excludes (a std::mutex).
struct RecordingLock {
    int lock()
    {
        mutex.lock();
        ++locks;
        held = true;
        return locks; // the token: which acquisition this is
    }
    void unlock(int token)
    {
        EXPECT_EQ(token, locks) << "unlock got another acquisition's token";
        held = false;
        mutex.unlock();
    }
    std::mutex mutex;
    int locks = 0;
    bool held = false;
};

TEST(Guarded, WithHoldsTheLockForTheCallOnly)
{
    lib::Guarded<int, RecordingLock> value(41);
    bool held_inside = false;
    int result = value.with([&](int& v) {
        held_inside = value.raw_lock().held;
        return ++v;
    });
    EXPECT_EQ(result, 42);
    EXPECT_TRUE(held_inside);
    EXPECT_FALSE(value.raw_lock().held);
}

TEST(Guarded, LockedHandleUnlocksAtScopeEndAndWhenMovedOnlyOnce)
{
    lib::Guarded<std::vector<int>, RecordingLock> list;
    {
        auto locked = list.lock();
        locked->push_back(1);
        auto moved = std::move(locked);
        moved->push_back(2);
        EXPECT_TRUE(list.raw_lock().held);
    }
    EXPECT_FALSE(list.raw_lock().held);
    EXPECT_EQ(list.raw_lock().locks, 1);
    EXPECT_EQ(list.with([](auto& v) { return v.size(); }), 2u);
}

TEST(Guarded, ExcludesConcurrentWriters)
{
    lib::Guarded<long, RecordingLock> counter(0);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 20000; ++i)
                counter.with([](long& c) { c = c + 1; });
        });
    for (auto& thread : threads)
        thread.join();
    EXPECT_EQ(counter.with([](long& c) { return c; }), 80000);
}

struct Item {
    int value;
    lib::ListNode a;
    lib::ListNode b;
};
using ListA = lib::IntrusiveList<Item, &Item::a>;
using ListB = lib::IntrusiveList<Item, &Item::b>;

std::vector<int> values(const ListA& list)
{
    std::vector<int> out;
    for (Item* item = list.front(); item; item = list.next(item))
        out.push_back(item->value);
    return out;
}

TEST(IntrusiveList, KeepsOrderAndRemovesFromTheMiddle)
{
    Item one { 1, {}, {} }, two { 2, {}, {} }, three { 3, {}, {} };
    ListA list;
    EXPECT_TRUE(list.empty());
    list.push_back(&two);
    list.push_front(&one);
    list.push_back(&three);
    EXPECT_EQ(values(list), (std::vector<int> { 1, 2, 3 }));
    EXPECT_EQ(list.size(), 3u);
    list.remove(&two);
    EXPECT_FALSE(two.a.linked());
    EXPECT_EQ(values(list), (std::vector<int> { 1, 3 }));
    list.insert_before(&three, &two);
    EXPECT_EQ(values(list), (std::vector<int> { 1, 2, 3 }));
}

TEST(IntrusiveList, InsertBeforeAndPopFront)
{
    Item one { 1, {}, {} }, two { 2, {}, {} }, three { 3, {}, {} };
    ListA list;
    list.push_back(&three);
    list.insert_before(&three, &one);
    list.insert_before(&three, &two);
    EXPECT_EQ(values(list), (std::vector<int> { 1, 2, 3 }));
    EXPECT_EQ(list.pop_front(), &one);
    EXPECT_EQ(list.pop_front(), &two);
    EXPECT_EQ(list.back(), &three);
    EXPECT_EQ(list.pop_front(), &three);
    EXPECT_EQ(list.pop_front(), nullptr);
    EXPECT_TRUE(list.empty());
    EXPECT_EQ(list.size(), 0u);
}

TEST(IntrusiveList, OneObjectOnTwoListsThroughTwoNodes)
{
    Item one { 1, {}, {} }, two { 2, {}, {} };
    ListA a;
    ListB b;
    a.push_back(&one);
    a.push_back(&two);
    b.push_back(&two);
    b.push_back(&one);
    a.remove(&one);
    EXPECT_EQ(values(a), (std::vector<int> { 2 }));
    EXPECT_EQ(b.front(), &two);
    EXPECT_EQ(b.next(&two), &one);
    EXPECT_TRUE(one.b.linked());
}

struct Counted : lib::RefCounted<Counted> {
    explicit Counted(int* deaths_) : deaths(deaths_) { }
    ~Counted() { ++*deaths; }
    int* deaths;
};

TEST(RefPtr, TheLastReferenceDeletes)
{
    int deaths = 0;
    {
        auto first = lib::adopt(new Counted(&deaths));
        EXPECT_EQ(first->ref_count(), 1u);
        lib::RefPtr<Counted> second = first;
        EXPECT_EQ(first->ref_count(), 2u);
        lib::RefPtr<Counted> third = std::move(second);
        EXPECT_FALSE(second);
        EXPECT_EQ(third->ref_count(), 2u);
        first.reset();
        EXPECT_EQ(deaths, 0);
    }
    EXPECT_EQ(deaths, 1);
}

TEST(RefPtr, LeakHandsTheReferenceOver)
{
    int deaths = 0;
    auto pointer = lib::adopt(new Counted(&deaths));
    Counted* raw = pointer.leak();
    EXPECT_FALSE(pointer);
    EXPECT_EQ(deaths, 0);
    raw->unref();
    EXPECT_EQ(deaths, 1);
}

TEST(RefPtr, AssignmentReleasesTheOldObject)
{
    int deaths = 0;
    auto a = lib::adopt(new Counted(&deaths));
    auto b = lib::adopt(new Counted(&deaths));
    a = b;
    EXPECT_EQ(deaths, 1);
    EXPECT_EQ(b->ref_count(), 2u);
}

} // namespace

// The ring pipes and unix sockets keep their bytes in: peek leaves them, drop discards
// what a peek saw (splice takes only what its output took), take is both, across the end.
TEST(ByteRing, PeekDropAndTakeAcrossTheEnd)
{
    lib::ByteRing ring;
    ASSERT_TRUE(ring.allocate(8));
    const uint8_t in[] = { 1, 2, 3, 4, 5, 6 };
    EXPECT_EQ(ring.put(in, 6), 6u);
    uint8_t out[8] = {};
    EXPECT_EQ(ring.take(out, 5), 5u);
    EXPECT_EQ(ring.put(in, 6), 6u); // wraps: 6, then 1..6
    EXPECT_EQ(ring.peek(out, 3), 3u);
    EXPECT_EQ(out[0], 6);
    EXPECT_EQ(out[1], 1);
    EXPECT_EQ(ring.size(), 7u) << "a peek takes nothing";
    EXPECT_EQ(ring.drop(2), 2u);
    EXPECT_EQ(ring.take(out, 8), 5u);
    EXPECT_EQ(out[0], 2);
    EXPECT_EQ(out[4], 6);
    EXPECT_EQ(ring.drop(3), 0u) << "nothing left to drop";
    EXPECT_EQ(ring.space(), 8u);
}
