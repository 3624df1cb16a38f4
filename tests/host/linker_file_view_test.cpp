// read_dynamic_from_file(): what the CLI's library closure needs, straight from files.
#include "linker_test_util.h"

#include <linker/file_view.h>

#include <gtest/gtest.h>

#include <algorithm>

namespace {

using namespace linker;

bool needs(const FileDynamic& d, std::string_view soname)
{
    return std::find(d.needed().begin(), d.needed().end(), soname) != d.needed().end();
}

TEST(LinkerFileView, HardenedPie)
{
    auto file = linker_test::read_file(OSPREY_LINKER_TEST_PROGRAM);
    auto d = read_dynamic_from_file(file);
    ASSERT_FALSE(d.is_error()) << d.error().message;
    EXPECT_EQ(d->type, ElfType::SharedObject);
    EXPECT_TRUE(d->has_dynamic);
    EXPECT_TRUE(d->pie);
    EXPECT_EQ(d->interpreter, "/lib64/ld-linux-x86-64.so.2");
    EXPECT_TRUE(needs(*d, "libc.so.6"));
    EXPECT_FALSE(d->soname);
}

TEST(LinkerFileView, SharedLibraryWithSonameAndRunpath)
{
    auto file = linker_test::read_file(OSPREY_LINKER_TEST_LIBRARY);
    auto d = read_dynamic_from_file(file);
    ASSERT_FALSE(d.is_error()) << d.error().message;
    EXPECT_FALSE(d->interpreter);
    EXPECT_FALSE(d->pie);
    EXPECT_EQ(d->soname, "liblinkertest.so.1");
    EXPECT_EQ(d->runpath, "/opt/osprey-test/lib");
    EXPECT_FALSE(d->rpath);

    auto libc = linker_test::read_file("/lib/x86_64-linux-gnu/libc.so.6");
    auto l = read_dynamic_from_file(libc);
    ASSERT_FALSE(l.is_error()) << l.error().message;
    EXPECT_EQ(l->soname, "libc.so.6");
    EXPECT_TRUE(needs(*l, "ld-linux-x86-64.so.2"));
}

TEST(LinkerFileView, RejectsBadFiles)
{
    std::vector<std::byte> text(200, std::byte('a'));
    EXPECT_STREQ(read_dynamic_from_file(text).error().message, "ELF: bad magic (not an ELF file)");

    // Point the first DT_NEEDED past the end of the string table.
    auto file = linker_test::read_file(OSPREY_LINKER_TEST_PROGRAM);
    auto plan = make_load_plan(file);
    ASSERT_FALSE(plan.is_error());
    uint64_t dynamic_offset = 0;
    for (const LoadSegment& s : plan->segments())
        if (plan->dynamic->vaddr >= s.vaddr && plan->dynamic->vaddr < s.vaddr + s.filesz)
            dynamic_offset = s.offset + (plan->dynamic->vaddr - s.vaddr);
    ASSERT_NE(dynamic_offset, 0u);
    for (uint64_t at = dynamic_offset;; at += sizeof(elf::Dyn)) {
        elf::Dyn entry;
        memcpy(&entry, file.data() + at, sizeof(entry));
        ASSERT_NE(entry.tag, elf::DT_NULL);
        if (entry.tag == elf::DT_NEEDED) {
            entry.value = 0x7fffffff;
            memcpy(file.data() + at, &entry, sizeof(entry));
            break;
        }
    }
    EXPECT_STREQ(read_dynamic_from_file(file).error().message, "ELF: string index outside the dynamic string table");
}

} // namespace
