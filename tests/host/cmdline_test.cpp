// The kernel command-line codec (images/cmdline.h): parsing, limits, and round trips
// through the encoder.
#include <images/cmdline.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

using lib::Errno;

struct Parsed {
    std::vector<char> storage;
    std::vector<std::string_view> words;
    lib::Result<images::Cmdline> result = lib::Error(Errno::INVAL);

    explicit Parsed(std::string_view text, size_t max_words = 64)
        : storage(text.size() + 1), words(max_words), result(images::parse_cmdline(text, storage, words))
    {
    }
    std::vector<std::string> options() const { return { result->options.begin(), result->options.end() }; }
    std::vector<std::string> argv() const { return { result->argv.begin(), result->argv.end() }; }
};

std::string encode(const std::vector<std::string>& words)
{
    std::string out;
    for (const std::string& word : words) {
        if (!out.empty())
            out += ' ';
        std::string encoded(images::encoded_size(word), '?');
        auto written = images::encode_word(word, encoded);
        EXPECT_FALSE(written.is_error());
        EXPECT_EQ(written.value(), encoded.size());
        out += encoded;
    }
    return out;
}

std::vector<std::string> split(std::string_view text)
{
    Parsed parsed(text);
    EXPECT_FALSE(parsed.result.is_error()) << parsed.result.error().message;
    std::vector<std::string> all = parsed.options();
    if (parsed.result->has_separator)
        all.emplace_back("--");
    for (const std::string& word : parsed.argv())
        all.push_back(word);
    return all;
}

TEST(Cmdline, OptionsThenSeparatorThenArgv)
{
    Parsed parsed("log=debug  env=HOME=/root\tquiet -- /app/hello a -- b");
    ASSERT_FALSE(parsed.result.is_error());
    EXPECT_TRUE(parsed.result->has_separator);
    EXPECT_EQ(parsed.options(), (std::vector<std::string> { "log=debug", "env=HOME=/root", "quiet" }));
    EXPECT_EQ(parsed.argv(), (std::vector<std::string> { "/app/hello", "a", "--", "b" }));
    EXPECT_EQ(images::option_key("env=HOME=/root"), "env");
    EXPECT_EQ(images::option_value("env=HOME=/root"), "HOME=/root");
    EXPECT_EQ(images::option_key("quiet"), "quiet");
    EXPECT_EQ(images::option_value("quiet"), "");
}

TEST(Cmdline, NoSeparatorMeansOnlyOptions)
{
    Parsed parsed("log=info");
    ASSERT_FALSE(parsed.result.is_error());
    EXPECT_FALSE(parsed.result->has_separator);
    EXPECT_EQ(parsed.options().size(), 1u);
    EXPECT_TRUE(parsed.argv().empty());
    Parsed empty("   \n ");
    ASSERT_FALSE(empty.result.is_error());
    EXPECT_TRUE(empty.options().empty());
}

TEST(Cmdline, QuotesAndEscapes)
{
    EXPECT_EQ(split(R"(a"b c"d "" x\ y \"q\" "in\"side" "back\\slash" \\)"),
        (std::vector<std::string> { "ab cd", "", "x y", "\"q\"", "in\"side", "back\\slash", "\\" }));
    EXPECT_EQ(split("\"tab\there\""), (std::vector<std::string> { "tab\there" }));
}

TEST(Cmdline, WordsAreNulTerminatedInStorage)
{
    Parsed parsed("-- one \"two words\"");
    ASSERT_FALSE(parsed.result.is_error());
    for (std::string_view word : parsed.result->argv)
        EXPECT_EQ(word.data()[word.size()], '\0');
}

TEST(Cmdline, WordStartsAreOffsetsInTheText)
{
    std::string_view text = "  ab \"c d\"\te\\ f";
    char storage[32];
    std::string_view words[4];
    size_t starts[4] = {};
    auto count = images::split_cmdline(text, storage, words, starts);
    ASSERT_FALSE(count.is_error());
    ASSERT_EQ(count.value(), 3u);
    EXPECT_EQ(words[2], "e f");
    EXPECT_EQ(starts[0], 2u);
    EXPECT_EQ(starts[1], 5u);
    EXPECT_EQ(starts[2], 11u);
}

TEST(Cmdline, Errors)
{
    EXPECT_EQ(Parsed("-- \"open").result.error().code, Errno::INVAL);
    EXPECT_STREQ(Parsed("-- \"open").result.error().message, "command line: unterminated quote");
    EXPECT_EQ(Parsed("-- end\\").result.error().code, Errno::INVAL);
    EXPECT_EQ(Parsed(std::string_view("a\0b", 3)).result.error().code, Errno::INVAL);
    EXPECT_EQ(Parsed("a b c d", 3).result.error().code, Errno::TOOBIG);
    EXPECT_FALSE(Parsed("a b c", 3).result.is_error());

    std::vector<char> small(4);
    std::vector<std::string_view> words(8);
    EXPECT_EQ(images::split_cmdline("abcdef", small, words).error().code, Errno::TOOBIG);
    char tiny[2];
    EXPECT_EQ(images::encode_word("abc", tiny).error().code, Errno::TOOBIG);
    char buffer[16];
    EXPECT_EQ(images::encode_word(std::string_view("a\0", 2), buffer).error().code, Errno::INVAL);
}

TEST(Cmdline, EncodingIsMinimal)
{
    EXPECT_EQ(encode({ "plain", "/app/x", "k=v" }), "plain /app/x k=v");
    EXPECT_EQ(encode({ "" }), "\"\"");
    EXPECT_EQ(encode({ "two words" }), "\"two words\"");
    EXPECT_EQ(encode({ "say \"hi\"" }), R"("say \"hi\"")");
    EXPECT_EQ(encode({ "C:\\dir" }), R"("C:\\dir")");
}

TEST(Cmdline, RoundTrips)
{
    std::vector<std::vector<std::string>> cases {
        { "--", "/app/prog" },
        { "env=A=b c", "--", "/app/p", "", "", "x" },
        { "--", "/app/p", "quote\"d", "back\\slash", "\\", "\"", "\\\"", "trailing\\" },
        { "--", "/app/p", "tab\tand\nnewline", "  leading", "trailing  ", "=", "a=b=c" },
        { "--", "/app/p", "héllo wörld", "日本語", "emoji 🦅", "\xff\xfe raw bytes" },
        { "--", "/app/p", "--", "-x", "--flag=value" },
    };
    for (const auto& words : cases)
        EXPECT_EQ(split(encode(words)), words) << encode(words);
}

TEST(Cmdline, RoundTripsEveryByte)
{
    std::vector<std::string> words { "--" };
    for (int c = 1; c < 256; ++c)
        words.push_back(std::string(1, static_cast<char>(c)) + "x" + std::string(1, static_cast<char>(c)));
    std::string encoded = encode(words);
    Parsed parsed(encoded, 512);
    ASSERT_FALSE(parsed.result.is_error());
    EXPECT_EQ(parsed.argv(), std::vector<std::string>(words.begin() + 1, words.end()));
}

} // namespace
