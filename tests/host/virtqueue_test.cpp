// The split virtqueue (drivers/virtio/virtqueue.cpp) against a fake device that consumes
// the rings from the other side (virtio_fake_memory.h).
#include "virtio_fake_memory.h"

#include <virtio/virtqueue.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

using virtio::Access;
using virtio::Segment;
using virtio_test::FakeDevice;
using virtio_test::FakeMemory;

namespace {

struct QueueFixture {
    explicit QueueFixture(uint16_t size) : memory(1 << 20), ring(memory.ring(size)), device(memory, ring, size)
    {
        auto ok = queue.init(size, ring);
        EXPECT_FALSE(ok.is_error());
    }
    Segment buffer(const void* p, uint32_t length, Access access) { return { memory.phys(p), length, access }; }

    FakeMemory memory;
    virtio::RingMemory ring;
    FakeDevice device;
    virtio::SplitQueue queue;
};

} // namespace

TEST(Virtqueue, InitRejectsBadSizesAndMemory)
{
    FakeMemory memory(1 << 20);
    auto ring = memory.ring(256);
    virtio::SplitQueue queue;
    for (uint16_t size : { 0, 3, 100, 512 })
        EXPECT_EQ(queue.init(size, ring).error().code, lib::Errno::INVAL) << size;
    auto misaligned = ring;
    misaligned.desc = static_cast<char*>(ring.desc) + 8;
    misaligned.desc_phys += 8;
    EXPECT_EQ(queue.init(8, misaligned).error().code, lib::Errno::INVAL);
    auto missing = ring;
    missing.used = nullptr;
    EXPECT_EQ(queue.init(8, missing).error().code, lib::Errno::INVAL);
    EXPECT_EQ(queue.submit({}).error().code, lib::Errno::IO); // never initialised
    EXPECT_FALSE(queue.init(1, ring).is_error());
}

TEST(Virtqueue, RoundTripOfOneChain)
{
    QueueFixture f(8);
    auto* request = static_cast<char*>(f.memory.allocate(5));
    std::memcpy(request, "hello", 5);
    auto* reply = static_cast<char*>(f.memory.allocate(8));
    Segment chain[] = { f.buffer(request, 5, Access::DeviceReads), f.buffer(reply, 8, Access::DeviceWrites) };
    auto head = f.queue.submit(chain);
    ASSERT_FALSE(head.is_error());
    EXPECT_EQ(f.queue.free_descriptors(), 6);
    EXPECT_TRUE(f.queue.device_wants_notification());
    EXPECT_FALSE(f.queue.take_used().value().has_value()); // nothing used yet

    auto chains = f.device.take_available();
    ASSERT_EQ(chains.size(), 1u);
    EXPECT_EQ(chains[0].head, head.value());
    EXPECT_EQ(std::string(chains[0].readable.begin(), chains[0].readable.end()), "hello");
    ASSERT_EQ(chains[0].writable.size(), 1u);
    std::memcpy(chains[0].writable[0].first, "olleh", 5);
    f.device.push_used(chains[0].head, 5);

    auto done = f.queue.take_used();
    ASSERT_FALSE(done.is_error());
    ASSERT_TRUE(done.value().has_value());
    EXPECT_EQ(done.value()->head, head.value());
    EXPECT_EQ(done.value()->written, 5u);
    EXPECT_EQ(std::memcmp(reply, "olleh", 5), 0);
    EXPECT_EQ(f.queue.free_descriptors(), 8);
    EXPECT_EQ(f.queue.chains_in_flight(), 0);
}

TEST(Virtqueue, ChainedDescriptorsCarryNextAndWriteFlags)
{
    QueueFixture f(16);
    uint8_t* parts[5];
    for (int i = 0; i < 5; ++i) {
        parts[i] = static_cast<uint8_t*>(f.memory.allocate(4));
        std::memset(parts[i], 'a' + i, 4);
    }
    Segment chain[] = { f.buffer(parts[0], 4, Access::DeviceReads), f.buffer(parts[1], 3, Access::DeviceReads),
        f.buffer(parts[2], 2, Access::DeviceReads), f.buffer(parts[3], 4, Access::DeviceWrites),
        f.buffer(parts[4], 1, Access::DeviceWrites) };
    uint16_t head = f.queue.submit(chain).value();

    auto* table = static_cast<virtio::Descriptor*>(f.ring.desc);
    uint16_t id = head;
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(table[id].addr, chain[i].phys);
        EXPECT_EQ(table[id].len, chain[i].length);
        EXPECT_EQ(bool(table[id].flags & virtio::DescNext), i < 4);
        EXPECT_EQ(bool(table[id].flags & virtio::DescWrite), i >= 3);
        id = table[id].next;
    }
    auto chains = f.device.take_available();
    ASSERT_EQ(chains.size(), 1u);
    EXPECT_EQ(std::string(chains[0].readable.begin(), chains[0].readable.end()), "aaaabbbcc");
    ASSERT_EQ(chains[0].writable.size(), 2u);
    EXPECT_EQ(chains[0].writable[1].second, 1u);
    f.device.push_used(head, 5);
    EXPECT_EQ(f.queue.take_used().value()->written, 5u);
    EXPECT_EQ(f.queue.free_descriptors(), 16);
}

TEST(Virtqueue, IndicesWrapAroundSixteenBits)
{
    QueueFixture f(4);
    auto* in = static_cast<uint32_t*>(f.memory.allocate(4));
    auto* out = static_cast<uint32_t*>(f.memory.allocate(4));
    Segment chain[] = { f.buffer(in, 4, Access::DeviceReads), f.buffer(out, 4, Access::DeviceWrites) };
    for (uint32_t i = 0; i < 70000; ++i) { // past 65535: avail and used idx both wrap
        *in = i;
        ASSERT_FALSE(f.queue.submit(chain).is_error()) << i;
        auto chains = f.device.take_available();
        ASSERT_EQ(chains.size(), 1u) << i;
        uint32_t value;
        std::memcpy(&value, chains[0].readable.data(), 4);
        value = ~value;
        std::memcpy(chains[0].writable[0].first, &value, 4);
        f.device.push_used(chains[0].head, 4);
        auto done = f.queue.take_used();
        ASSERT_FALSE(done.is_error()) << i;
        ASSERT_TRUE(done.value().has_value()) << i;
        ASSERT_EQ(*out, ~i);
    }
    EXPECT_EQ(static_cast<uint16_t*>(f.ring.avail)[1], uint16_t(70000));
    EXPECT_EQ(f.queue.free_descriptors(), 4);
}

TEST(Virtqueue, OutOfOrderCompletionsReturnEveryDescriptor)
{
    QueueFixture f(8);
    auto* buffer = f.memory.allocate(64);
    uint16_t heads[3];
    for (auto& head : heads) {
        Segment chain[] = { f.buffer(buffer, 8, Access::DeviceReads), f.buffer(buffer, 8, Access::DeviceWrites) };
        head = f.queue.submit(chain).value();
    }
    EXPECT_EQ(f.queue.free_descriptors(), 2);
    Segment too_long[] = { f.buffer(buffer, 1, Access::DeviceReads), f.buffer(buffer, 1, Access::DeviceReads),
        f.buffer(buffer, 1, Access::DeviceWrites) };
    EXPECT_EQ(f.queue.submit(too_long).error().code, lib::Errno::NOSPC);
    auto chains = f.device.take_available();
    ASSERT_EQ(chains.size(), 3u);
    for (int i = 2; i >= 0; --i)
        f.device.push_used(chains[i].head, 0);
    for (int i = 2; i >= 0; --i)
        EXPECT_EQ(f.queue.take_used().value()->head, heads[i]);
    EXPECT_EQ(f.queue.free_descriptors(), 8);
    // The free list still works: the whole table in one chain.
    std::vector<Segment> all(8, f.buffer(buffer, 8, Access::DeviceReads));
    EXPECT_FALSE(f.queue.submit(all).is_error());
}

TEST(Virtqueue, RejectsMalformedChains)
{
    QueueFixture f(8);
    auto* buffer = f.memory.allocate(16);
    Segment readable_after_writable[]
        = { f.buffer(buffer, 4, Access::DeviceWrites), f.buffer(buffer, 4, Access::DeviceReads) };
    EXPECT_EQ(f.queue.submit(readable_after_writable).error().code, lib::Errno::INVAL);
    Segment empty_buffer[] = { f.buffer(buffer, 0, Access::DeviceReads) };
    EXPECT_EQ(f.queue.submit(empty_buffer).error().code, lib::Errno::INVAL);
    EXPECT_EQ(f.queue.submit({}).error().code, lib::Errno::INVAL);
    EXPECT_EQ(f.queue.free_descriptors(), 8);
    EXPECT_FALSE(f.queue.broken());
}

TEST(Virtqueue, HonoursNoNotify)
{
    QueueFixture f(2);
    auto* buffer = f.memory.allocate(8);
    Segment chain[] = { f.buffer(buffer, 8, Access::DeviceReads) };
    ASSERT_FALSE(f.queue.submit(chain).is_error());
    f.device.set_no_notify(true);
    EXPECT_FALSE(f.queue.device_wants_notification());
    f.device.set_no_notify(false);
    EXPECT_TRUE(f.queue.device_wants_notification());
}

namespace {

// Submits one chain (4 readable + 8 writable bytes) and lets `misbehave` answer for the
// device; returns the driver's verdict on that answer.
template<typename Answer> lib::Result<std::optional<virtio::Completion>> answer_with(QueueFixture& f, Answer misbehave)
{
    auto* buffer = f.memory.allocate(16);
    Segment chain[] = { f.buffer(buffer, 4, Access::DeviceReads), f.buffer(buffer, 8, Access::DeviceWrites) };
    EXPECT_FALSE(f.queue.submit(chain).is_error());
    auto chains = f.device.take_available();
    misbehave(f.device, chains.at(0).head);
    return f.queue.take_used();
}

void expect_broken(QueueFixture& f, const lib::Result<std::optional<virtio::Completion>>& verdict)
{
    ASSERT_TRUE(verdict.is_error());
    EXPECT_EQ(verdict.error().code, lib::Errno::IO);
    EXPECT_TRUE(f.queue.broken());
    auto* buffer = f.memory.allocate(4);
    Segment chain[] = { f.buffer(buffer, 4, Access::DeviceReads) };
    EXPECT_EQ(f.queue.submit(chain).error().code, lib::Errno::IO);
    EXPECT_EQ(f.queue.take_used().error().code, lib::Errno::IO);
}

} // namespace

TEST(Virtqueue, RejectsUsedIdOutOfRange)
{
    QueueFixture f(8);
    expect_broken(f, answer_with(f, [](FakeDevice& d, uint16_t) { d.push_used(8, 0); }));
}

TEST(Virtqueue, RejectsUsedIdThatIsNotAHeadInFlight)
{
    QueueFixture f(8);
    // The chain's second descriptor, not its head.
    expect_broken(f, answer_with(f, [](FakeDevice& d, uint16_t head) { d.push_used(head + 1u, 0); }));
}

TEST(Virtqueue, RejectsLengthBeyondWritableBuffers)
{
    QueueFixture f(8);
    expect_broken(f, answer_with(f, [](FakeDevice& d, uint16_t head) { d.push_used(head, 9); }));
}

TEST(Virtqueue, AcceptsLengthEqualToWritableBuffers)
{
    QueueFixture f(8);
    auto verdict = answer_with(f, [](FakeDevice& d, uint16_t head) { d.push_used(head, 8); });
    ASSERT_FALSE(verdict.is_error());
    EXPECT_EQ(verdict.value()->written, 8u);
}

TEST(Virtqueue, RejectsTheSameChainCompletedTwice)
{
    QueueFixture f(8);
    auto* buffer = f.memory.allocate(16);
    Segment chain[] = { f.buffer(buffer, 8, Access::DeviceWrites) };
    ASSERT_FALSE(f.queue.submit(chain).is_error());
    ASSERT_FALSE(f.queue.submit(chain).is_error()); // two in flight, so two used entries fit
    auto chains = f.device.take_available();
    f.device.push_used(chains.at(0).head, 1);
    f.device.push_used(chains.at(0).head, 1);
    ASSERT_FALSE(f.queue.take_used().is_error());
    expect_broken(f, f.queue.take_used());
}

TEST(Virtqueue, RejectsUsedIndexRunningAhead)
{
    QueueFixture f(8);
    expect_broken(f, answer_with(f, [](FakeDevice& d, uint16_t head) {
        d.push_used(head, 1);
        d.publish_used_idx(uint16_t(d.used_idx() + 5));
    }));
}

TEST(Virtqueue, ReinitialisingRepairsABrokenQueue)
{
    QueueFixture f(8);
    expect_broken(f, answer_with(f, [](FakeDevice& d, uint16_t) { d.push_used(100, 0); }));
    std::memset(f.ring.avail, 0, virtio::avail_ring_bytes(8));
    std::memset(f.ring.used, 0, virtio::used_ring_bytes(8));
    ASSERT_FALSE(f.queue.init(8, f.ring).is_error());
    EXPECT_FALSE(f.queue.broken());
    EXPECT_EQ(f.queue.free_descriptors(), 8);
}
