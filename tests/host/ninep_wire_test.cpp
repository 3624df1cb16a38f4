// The 9P2000.L codec (ninep/wire.h): round trips of every field kind, and the ways a
// message can be wrong (truncated, a size field that lies, a writer that runs out).
#include <ninep/wire.h>

#include <gtest/gtest.h>

#include <array>
#include <vector>

namespace {

using ninep::Reader;
using ninep::Type;
using ninep::Writer;

TEST(NinepWire, HeaderAndIntegersRoundTripLittleEndian)
{
    std::array<std::byte, 64> buffer {};
    Writer out(buffer, Type::Tread, 0x1234);
    out.u32(7).u64(0x0102030405060708).u32(4096);
    auto message = out.finish();
    ASSERT_FALSE(message.is_error());
    ASSERT_EQ(message->size(), 7u + 16);
    EXPECT_EQ(uint8_t((*message)[0]), 23);                   // size[4], little-endian
    EXPECT_EQ(uint8_t((*message)[4]), uint8_t(Type::Tread)); // type[1]
    EXPECT_EQ(uint8_t((*message)[5]), 0x34);                 // tag[2]
    EXPECT_EQ(uint8_t((*message)[11]), 0x08);                // the u64's low byte first

    auto in = Reader::open(*message);
    ASSERT_FALSE(in.is_error());
    EXPECT_EQ(in->type(), Type::Tread);
    EXPECT_EQ(in->tag(), 0x1234);
    EXPECT_EQ(in->u32(), 7u);
    EXPECT_EQ(in->u64(), 0x0102030405060708u);
    EXPECT_EQ(in->u32(), 4096u);
    EXPECT_EQ(in->remaining(), 0u);
    EXPECT_FALSE(in->finish().is_error());
}

TEST(NinepWire, StringsQidsBytesAndAttributesRoundTrip)
{
    std::array<std::byte, 512> buffer {};
    ninep::Qid qid { ninep::kQidDirectory, 42, 0xdeadbeefcafe };
    ninep::Attributes attributes;
    attributes.valid = ninep::kGetattrBasic;
    attributes.qid = qid;
    attributes.mode = 040755;
    attributes.size = 1ull << 40;
    attributes.mtime_nsec = 999999999;
    attributes.data_version = 3;
    const std::byte data[3] = { std::byte(1), std::byte(2), std::byte(3) };
    Writer out(buffer, Type::Rgetattr, 1);
    out.string("name").qid(qid).bytes(data).attributes(attributes).string("");
    auto message = out.finish();
    ASSERT_FALSE(message.is_error());

    auto in = Reader::open(*message).release_value();
    EXPECT_EQ(in.string(), "name");
    ninep::Qid back = in.qid();
    EXPECT_EQ(back.type, qid.type);
    EXPECT_EQ(back.version, qid.version);
    EXPECT_EQ(back.path, qid.path);
    auto bytes = in.bytes(3);
    ASSERT_EQ(bytes.size(), 3u);
    EXPECT_EQ(bytes[2], std::byte(3));
    ninep::Attributes a = in.attributes();
    EXPECT_EQ(a.valid, ninep::kGetattrBasic);
    EXPECT_EQ(a.qid.path, qid.path);
    EXPECT_EQ(a.mode, 040755u);
    EXPECT_EQ(a.size, 1ull << 40);
    EXPECT_EQ(a.mtime_nsec, 999999999u);
    EXPECT_EQ(a.data_version, 3u);
    EXPECT_EQ(in.string(), "");
    EXPECT_FALSE(in.finish().is_error());
}

TEST(NinepWire, ReservedSpaceIsTheCallersToFill)
{
    std::array<std::byte, 32> buffer {};
    Writer out(buffer, Type::Rread, 9);
    auto count = out.reserve(4);
    ASSERT_EQ(count.size(), 4u);
    count[0] = std::byte(5);
    out.bytes(std::as_bytes(std::span("hello", 5)));
    EXPECT_EQ(out.room(), 32u - 16);
    auto in = Reader::open(out.finish().release_value()).release_value();
    EXPECT_EQ(in.u32(), 5u);
    EXPECT_EQ(std::string_view(reinterpret_cast<const char*>(in.bytes(5).data()), 5), "hello");
}

std::vector<std::byte> message(std::initializer_list<uint8_t> bytes)
{
    std::vector<std::byte> out;
    for (uint8_t b : bytes)
        out.push_back(std::byte(b));
    return out;
}

TEST(NinepWire, OpenRefusesShortMessagesAndLyingSizes)
{
    EXPECT_EQ(Reader::open({}).error().code, lib::Errno::IO);
    EXPECT_TRUE(Reader::open(message({ 7, 0, 0, 0, 120, 0 })).is_error());        // shorter than a header
    EXPECT_TRUE(Reader::open(message({ 6, 0, 0, 0, 120, 0, 0 })).is_error());     // size below 7
    EXPECT_TRUE(Reader::open(message({ 12, 0, 0, 0, 120, 0, 0, 1 })).is_error()); // size beyond the bytes
    EXPECT_TRUE(Reader::open(message({ 0xff, 0xff, 0xff, 0xff, 120, 0, 0 })).is_error());
    // Bytes after the message are not part of it.
    auto bytes = message({ 11, 0, 0, 0, 120, 1, 0, 9, 0, 0, 0, 0xaa, 0xbb });
    auto in = Reader::open(bytes);
    ASSERT_FALSE(in.is_error());
    EXPECT_EQ(in->u32(), 9u);
    EXPECT_EQ(in->remaining(), 0u);
    EXPECT_FALSE(in->finish().is_error());
}

TEST(NinepWire, ReadsPastTheEndAreZeroAndFailFinish)
{
    // Tclunk with a 2-byte fid: the u32 runs past the end (what it returns is not to be
    // used: only finish() says whether the fields were there).
    auto clunk = message({ 9, 0, 0, 0, 120, 0, 0, 1, 2 });
    auto in = Reader::open(clunk).release_value();
    in.u32();
    EXPECT_EQ(in.u8(), 0u); // everything after it reads as zero
    EXPECT_EQ(in.remaining(), 0u);
    EXPECT_EQ(in.finish().error().code, lib::Errno::IO);

    // A string whose length says more than the message holds.
    auto walk = message({ 12, 0, 0, 0, 110, 0, 0, 9, 0, 'a', 'b', 'c' });
    auto text = Reader::open(walk).release_value();
    EXPECT_EQ(text.string(), "");
    EXPECT_TRUE(text.finish().is_error());

    auto write = message({ 8, 0, 0, 0, 118, 0, 0, 1 });
    auto data = Reader::open(write).release_value();
    EXPECT_TRUE(data.bytes(2).empty());
    EXPECT_TRUE(data.finish().is_error());
}

TEST(NinepWire, WriterOverflowIsE2bigAndWritesNothingPastTheBuffer)
{
    std::array<std::byte, 16> buffer {};
    buffer.fill(std::byte(0xee));
    Writer out(std::span<std::byte>(buffer).first(12), Type::Twalk, 1);
    out.u32(1).u32(2); // 7 + 8 = 15 > 12
    EXPECT_EQ(out.room(), 0u);
    EXPECT_TRUE(out.reserve(1).empty());
    auto finished = out.finish();
    ASSERT_TRUE(finished.is_error());
    EXPECT_EQ(finished.error().code, lib::Errno::TOOBIG);
    for (size_t i = 12; i < buffer.size(); ++i)
        EXPECT_EQ(buffer[i], std::byte(0xee));

    std::array<std::byte, 4> tiny {};
    EXPECT_TRUE(Writer(tiny, Type::Tclunk, 0).finish().is_error()); // not even a header

    std::vector<std::byte> big(70000);
    std::string long_name(65536, 'x');
    EXPECT_TRUE(Writer(big, Type::Twalk, 0).string(long_name).finish().is_error()); // a string's length is 16 bits
}

} // namespace
