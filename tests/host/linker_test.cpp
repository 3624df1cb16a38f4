// The portable linker core on real ELF files from the host toolchain and on corrupted
// copies of them. Objects are "loaded" into host buffers the way the kernel loads them.
#include <linker/elf_image.h>
#include <linker/loaded_object.h>
#include <linker/relocate.h>

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

namespace {

std::vector<std::byte> read_file(const char* path)
{
    std::ifstream in(path, std::ios::binary);
    std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<std::byte> bytes(chars.size());
    memcpy(bytes.data(), chars.data(), chars.size());
    return bytes;
}

/// An object loaded into a host buffer, as the kernel's module loader does it.
struct Loaded {
    static constexpr uint64_t kLoadAddress = 0x7f0000000000;
    std::vector<std::byte> file;
    linker::ElfImage image;
    std::vector<std::byte> memory;

    static lib::Result<Loaded> load(std::vector<std::byte> file)
    {
        Loaded l { std::move(file), {}, {} };
        l.image = TRY(linker::ElfImage::parse(l.file));
        if (l.image.span_end() - l.image.span_start() > (64u << 20)) // corrupted sizes: not worth a buffer
            return lib::Error(lib::Errno::NOMEM, "test: span too large for a host buffer");
        l.memory.assign(l.image.span_end() - l.image.span_start(), std::byte(0));
        for (const auto& s : l.image.segments())
            memcpy(l.memory.data() + (s.vaddr - l.image.span_start()), l.file.data() + s.offset, s.filesz);
        return l;
    }
    lib::Result<linker::LoadedObject> object() { return linker::LoadedObject::create(image, memory, kLoadAddress); }
};

Loaded load_ok(const char* path)
{
    auto loaded = Loaded::load(read_file(path));
    EXPECT_FALSE(loaded.is_error()) << (loaded.is_error() ? loaded.error().message : "");
    return loaded.release_value();
}

/// Records every import and binds it to a fake address; COPY sources come from `data`.
class RecordingResolver final : public linker::SymbolResolver {
public:
    std::map<std::string, std::string> imports; // name -> version@file
    std::vector<std::byte> data = std::vector<std::byte>(64, std::byte(0x5a));
    lib::Result<linker::ResolvedSymbol> resolve(const linker::SymbolRequest& r) override
    {
        imports[std::string(r.name)] = std::string(r.version) + "@" + std::string(r.version_file);
        if (r.copy) // read at its address in this process (relocate.h)
            return linker::ResolvedSymbol { reinterpret_cast<uint64_t>(data.data()), data.size() };
        return linker::ResolvedSymbol { 0x1000 + imports.size() };
    }
    lib::Result<uint64_t> call_ifunc(uint64_t address) override { return address; }
};

/// The TLS placement the tests relocate with: module 1, 128 bytes below the thread pointer.
const linker::ObjectTls kTestTls { 1, -128 };

TEST(LinkerElf, ParsesAHardenedPie)
{
    Loaded l = load_ok(OSPREY_LINKER_TEST_PROGRAM);
    EXPECT_GE(l.image.segments().size(), 2u);
    ASSERT_NE(l.image.dynamic(), nullptr);
    ASSERT_NE(l.image.tls(), nullptr);
    EXPECT_GE(l.image.tls()->memsz, 104u); // tls_counter + tls_buffer
    EXPECT_NE(l.image.relro(), nullptr);
    EXPECT_GE(l.image.entry(), l.image.span_start());
    EXPECT_LT(l.image.entry(), l.image.span_end());
}

TEST(LinkerElf, DecodesImportsWithVersionsAndRelocates)
{
    Loaded l = load_ok(OSPREY_LINKER_TEST_PROGRAM);
    auto object = l.object();
    ASSERT_FALSE(object.is_error()) << object.error().message;
    bool needs_libc = false;
    for (uint32_t offset : object->needed())
        needs_libc |= object->string(offset) == "libc.so.6";
    EXPECT_TRUE(needs_libc);
    RecordingResolver resolver;
    auto relocated = linker::relocate(object.value(), kTestTls, resolver);
    ASSERT_FALSE(relocated.is_error()) << relocated.error().message;
    EXPECT_EQ(resolver.imports["__libc_start_main"], "GLIBC_2.34@libc.so.6");
    EXPECT_EQ(resolver.imports["__stack_chk_fail"], "GLIBC_2.4@libc.so.6");
    EXPECT_EQ(resolver.imports["__fprintf_chk"], "GLIBC_2.3.4@libc.so.6");
    EXPECT_EQ(resolver.imports["stdout"], "GLIBC_2.2.5@libc.so.6"); // the COPY relocation
    // The program's copy of stdout now holds the resolver's bytes.
    auto definition = object->lookup("stdout", "GLIBC_2.2.5");
    ASSERT_TRUE(definition.has_value());
    auto* copy = object->at(definition->address, 8);
    ASSERT_NE(copy, nullptr);
    EXPECT_EQ(std::to_integer<int>(copy[0]), 0x5a);
}

TEST(LinkerElf, RelocatesANonPieExecutableThatExportsNothing)
{
    auto file = read_file(OSPREY_LINKER_TEST_NON_PIE);
    auto image = linker::ElfImage::parse(file, linker::AddressPolicy::AllowFixed);
    ASSERT_FALSE(image.is_error()) << image.error().message;
    ASSERT_TRUE(image->fixed_address());
    EXPECT_EQ(image->span_start(), 0x400000u);
    std::vector<std::byte> memory(image->span_end() - image->span_start());
    for (const auto& s : image->segments())
        memcpy(memory.data() + (s.vaddr - image->span_start()), file.data() + s.offset, s.filesz);
    auto object = linker::LoadedObject::create(image.value(), memory, image->span_start());
    ASSERT_FALSE(object.is_error()) << object.error().message;
    EXPECT_EQ(object->bias(), 0u);
    RecordingResolver resolver; // every import lies past GNU hash's symoffset
    auto relocated = linker::relocate(object.value(), kTestTls, resolver);
    ASSERT_FALSE(relocated.is_error()) << relocated.error().message;
    EXPECT_EQ(resolver.imports["__libc_start_main"], "GLIBC_2.34@libc.so.6");
    EXPECT_EQ(resolver.imports["__fprintf_chk"], "GLIBC_2.3.4@libc.so.6");
}

TEST(LinkerElf, LooksUpVersionedDefinitions)
{
    Loaded l = load_ok(OSPREY_LINKER_TEST_LIBRARY);
    auto object = l.object();
    ASSERT_FALSE(object.is_error()) << object.error().message;
    auto v1 = object->lookup("answer", "LIBTEST_1.0");
    auto v2 = object->lookup("answer", "LIBTEST_2.0");
    auto default_version = object->lookup("answer", "");
    ASSERT_TRUE(v1 && v2 && default_version);
    EXPECT_NE(v1->address, v2->address);
    EXPECT_EQ(default_version->address, v2->address); // unversioned binds to the default (@@)
    EXPECT_FALSE(object->lookup("answer", "LIBTEST_9.9").has_value());
    EXPECT_TRUE(object->lookup("plain_function", "").has_value());
    EXPECT_FALSE(object->lookup("no_such_function", "").has_value());
}

TEST(LinkerElf, HostGlibcExportsMemcpyAtTwoVersions)
{
    Loaded l = load_ok("/lib/x86_64-linux-gnu/libc.so.6");
    auto object = l.object();
    ASSERT_FALSE(object.is_error()) << object.error().message;
    auto old_memcpy = object->lookup("memcpy", "GLIBC_2.2.5");
    auto new_memcpy = object->lookup("memcpy", "GLIBC_2.14");
    auto default_memcpy = object->lookup("memcpy", "");
    ASSERT_TRUE(old_memcpy && new_memcpy && default_memcpy);
    EXPECT_NE(old_memcpy->address, new_memcpy->address);
    EXPECT_EQ(default_memcpy->address, new_memcpy->address);
    EXPECT_EQ(object->soname(), "libc.so.6");
}

TEST(LinkerElf, RejectsWhatIsNotALoadableElf)
{
    std::vector<std::byte> text(200, std::byte('a'));
    auto r = linker::ElfImage::parse(text);
    ASSERT_TRUE(r.is_error());
    EXPECT_EQ(r.error().code, lib::Errno::NOEXEC);
    EXPECT_STREQ(r.error().message, "ELF: bad magic (not an ELF file)");
    auto exec = read_file("/bin/true"); // a Debian PIE: accepted
    EXPECT_FALSE(linker::ElfImage::parse(exec).is_error());
    exec[16] = std::byte(2); // e_type = ET_EXEC
    auto not_pie = linker::ElfImage::parse(exec);
    ASSERT_TRUE(not_pie.is_error());
    EXPECT_NE(std::string(not_pie.error().message).find("position-independent"), std::string::npos);
    auto fixed = linker::ElfImage::parse(exec, linker::AddressPolicy::AllowFixed); // the executable's policy
    ASSERT_FALSE(fixed.is_error()) << fixed.error().message;
    EXPECT_TRUE(fixed->fixed_address());
}

TEST(LinkerElf, TruncatedAndCorruptedFilesNeverCrash)
{
    auto original = read_file(OSPREY_LINKER_TEST_PROGRAM);
    for (size_t size = 0; size < original.size(); size += size < 4096 ? 7 : 997) {
        std::vector<std::byte> truncated(original.begin(), original.begin() + long(size));
        auto loaded = Loaded::load(truncated);
        if (!loaded.is_error())
            (void)loaded->object();
    }
    uint32_t seed = 1;
    for (int round = 0; round < 3000; ++round) {
        auto corrupted = original;
        for (int flips = 0; flips < 4; ++flips) {
            seed = seed * 1103515245 + 12345;
            size_t at = (seed >> 8) % (round % 2 ? 4096 : corrupted.size());
            corrupted[at] ^= std::byte(1 << (seed % 8));
        }
        auto loaded = Loaded::load(corrupted);
        if (loaded.is_error())
            continue;
        auto object = loaded->object();
        if (object.is_error())
            continue;
        RecordingResolver resolver;
        (void)linker::relocate(object.value(), kTestTls, resolver);
        (void)object->lookup("main", "");
    }
}

} // namespace
