// Library search paths: ld.so's dynamic string tokens and path folding, as the kernel's
// loader applies them to DT_RUNPATH, DT_RPATH and LD_LIBRARY_PATH.
#include <linker/search_path.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace {

std::string expand(std::string_view entry, std::string_view origin = "/app/bin")
{
    char buffer[64];
    auto r = linker::expand_search_entry(entry, origin, buffer);
    return r.is_error() ? std::string("error: ") + lib::errno_name(r.error().code) : std::string(r.value());
}

TEST(LinkerSearchPath, ExpandsTokens)
{
    EXPECT_EQ(expand("$ORIGIN"), "/app/bin");
    EXPECT_EQ(expand("${ORIGIN}/../lib"), "/app/lib");
    EXPECT_EQ(expand("$ORIGIN/../$LIB"), "/app/lib/x86_64-linux-gnu");
    EXPECT_EQ(expand("/opt/${PLATFORM}/lib"), "/opt/x86_64/lib");
    EXPECT_EQ(expand("$ORIGINAL"), "error: EINVAL"); // not a token ld.so knows
    EXPECT_EQ(expand("${ORIGIN"), "error: EINVAL");  // unterminated brace
    EXPECT_EQ(expand(""), "error: EINVAL");
}

TEST(LinkerSearchPath, FoldsPaths)
{
    EXPECT_EQ(expand("/usr//lib/./x86_64-linux-gnu/"), "/usr/lib/x86_64-linux-gnu");
    EXPECT_EQ(expand("$ORIGIN/../../.."), "/");
    EXPECT_EQ(expand("/"), "/");
    EXPECT_EQ(expand("lib"), "/lib"); // relative: from the root, the only working directory at start-up
    EXPECT_EQ(expand("$ORIGIN/x", "/"), "/x");
    EXPECT_EQ(expand("/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t/u/v/w/x/y/z/a/b/c/d/e/f/g"), "error: ENAMETOOLONG");
}

TEST(LinkerSearchPath, DirectoryOf)
{
    EXPECT_EQ(linker::directory_of("/app/prog"), "/app");
    EXPECT_EQ(linker::directory_of("/prog"), "/");
    EXPECT_EQ(linker::directory_of("prog"), ".");
}

TEST(LinkerSearchPath, VisitsEachUsableEntryInOrder)
{
    std::vector<std::string> seen;
    bool stopped
        = linker::for_each_search_directory("$ORIGIN::$BAD:/usr/lib:/stop:/never", "/app", [&](std::string_view d) {
              seen.emplace_back(d);
              return d == "/stop";
          });
    EXPECT_TRUE(stopped);
    EXPECT_EQ(seen, (std::vector<std::string> { "/app", "/usr/lib", "/stop" }));
    EXPECT_FALSE(linker::for_each_search_directory("", "/app", [](std::string_view) { return true; }));
}

} // namespace
