// The Osprey kernel command line: how the host tells the kernel its options and the
// program to run. Portable: the CLI encodes with it, the kernel parses with it.
//
//   log=debug env=HOME=/root env=GREETING="hello world" -- /app/hello "first arg" x\ y
//
// Syntax: words separated by whitespace (space, \t, \n, \r, \v, \f). Inside a word,
// "..." quotes a part (whitespace in it is literal) and a backslash makes the next byte
// literal, inside or outside quotes (\" \\ "\ "). Words before the first "--" are kernel
// options, `key` or `key=value` (env=NAME=VALUE may repeat); the words after it are the
// program path and its arguments (argv). Bytes >= 0x80 (UTF-8) are ordinary; NUL is
// never allowed.
#pragma once

#include <lib/result.h>

#include <cstddef>
#include <span>
#include <string_view>

namespace images {

inline constexpr std::string_view kCmdlineSeparator = "--";

// What the kernel takes (kernel/boot/boot_options.cpp keeps storage of these sizes); the
// CLI checks them before it starts a VM, so too much is a clear error on the host.
/// Longest command line, in bytes (the kernel stores it with a NUL in 64 KiB).
inline constexpr size_t kCmdlineMaxBytes = 64 * 1024 - 1;
/// Most words in one command line (options, "--", program and arguments).
inline constexpr size_t kCmdlineMaxWords = 2048;
/// Most env=NAME=VALUE options (the program's environment).
inline constexpr size_t kCmdlineMaxEnvironment = 1024;

/// Splits `text` into words with quotes and escapes removed. Each word is written to
/// `storage` followed by a NUL (so `words[i].data()` is a C string); `storage` of
/// text.size() + 1 bytes always suffices. Returns the number of words stored in `words`;
/// `starts`, when given (as large as `words`), receives the offset in `text` where each
/// word begins. Errors: E2BIG (more words than words.size(), or storage too small),
/// EINVAL (an unterminated quote, a trailing backslash, a NUL byte).
lib::Result<size_t> split_cmdline(
    std::string_view text, std::span<char> storage, std::span<std::string_view> words, std::span<size_t> starts = {});

struct Cmdline {
    /// Kernel options: the words before the first "--" (all words if there is none).
    std::span<const std::string_view> options;
    /// The program path and its arguments: the words after the first "--".
    std::span<const std::string_view> argv;
    /// Whether the "--" was present (the image's default command line applies if not).
    bool has_separator;
};

/// split_cmdline(), then divides the words at the first "--". Same errors.
lib::Result<Cmdline> parse_cmdline(std::string_view text, std::span<char> storage, std::span<std::string_view> words);

/// The key of an option word: "log" for "log=debug" and for "log".
std::string_view option_key(std::string_view option);
/// The value of an option word: "NAME=VALUE" for "env=NAME=VALUE"; empty without '='.
std::string_view option_value(std::string_view option);

/// Bytes that encode_word() writes for `word`.
size_t encoded_size(std::string_view word);
/// Writes `word` so that split_cmdline() gives it back as one word: as is when it has no
/// special byte, else in double quotes with \" and \\ escaped; "" for an empty word.
/// Returns the bytes written. Errors: E2BIG (out too small), EINVAL (a NUL in `word`).
lib::Result<size_t> encode_word(std::string_view word, std::span<char> out);

} // namespace images
