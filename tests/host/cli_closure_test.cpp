// Shared-library closure: on the host's real programs, and on small synthetic ELF files
// that exercise DT_RUNPATH / DT_RPATH / $ORIGIN and malformed input.
#include "cli_error.h"
#include "closure.h"
#include "elf_dynamic.h"
#include "kernel_sonames.h"

#include <gtest/gtest.h>

#include <elf.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;
using namespace tools;

struct ElfSpec {
    uint16_t type = ET_DYN;
    std::vector<std::string> needed;
    std::string runpath;
    std::string rpath;
};

// A minimal x86-64 ELF: header, PT_LOAD over the whole file, PT_DYNAMIC, string table.
std::vector<char> make_elf(const ElfSpec& spec)
{
    std::string strtab(1, '\0');
    std::vector<Elf64_Dyn> dynamic;
    auto add_string = [&](int64_t tag, const std::string& text) {
        dynamic.push_back({ tag, { strtab.size() } });
        strtab += text + '\0';
    };
    for (const std::string& soname : spec.needed)
        add_string(DT_NEEDED, soname);
    if (!spec.runpath.empty())
        add_string(DT_RUNPATH, spec.runpath);
    if (!spec.rpath.empty())
        add_string(DT_RPATH, spec.rpath);
    uint64_t strtab_offset = sizeof(Elf64_Ehdr) + 2 * sizeof(Elf64_Phdr);
    uint64_t dynamic_offset = (strtab_offset + strtab.size() + 7) / 8 * 8;
    dynamic.push_back({ DT_STRTAB, { strtab_offset } });
    dynamic.push_back({ DT_STRSZ, { strtab.size() } });
    dynamic.push_back({ DT_NULL, { 0 } });
    uint64_t size = dynamic_offset + dynamic.size() * sizeof(Elf64_Dyn);

    Elf64_Ehdr header {};
    std::memcpy(header.e_ident, ELFMAG, SELFMAG);
    header.e_ident[EI_CLASS] = ELFCLASS64;
    header.e_ident[EI_DATA] = ELFDATA2LSB;
    header.e_ident[EI_VERSION] = EV_CURRENT;
    header.e_type = spec.type;
    header.e_machine = EM_X86_64;
    header.e_version = EV_CURRENT;
    header.e_phoff = sizeof(Elf64_Ehdr);
    header.e_ehsize = sizeof(Elf64_Ehdr);
    header.e_phentsize = sizeof(Elf64_Phdr);
    header.e_phnum = 2;
    Elf64_Phdr segments[2] {};
    segments[0] = { PT_LOAD, PF_R, 0, 0, 0, size, size, 4096 };
    segments[1] = { PT_DYNAMIC, PF_R, dynamic_offset, dynamic_offset, dynamic_offset,
        dynamic.size() * sizeof(Elf64_Dyn), dynamic.size() * sizeof(Elf64_Dyn), 8 };

    std::vector<char> file(size);
    std::memcpy(file.data(), &header, sizeof(header));
    std::memcpy(file.data() + sizeof(header), segments, sizeof(segments));
    std::memcpy(file.data() + strtab_offset, strtab.data(), strtab.size());
    std::memcpy(file.data() + dynamic_offset, dynamic.data(), dynamic.size() * sizeof(Elf64_Dyn));
    return file;
}

class CliClosureFiles : public ::testing::Test {
protected:
    void SetUp() override
    {
        m_root = fs::temp_directory_path()
            / ("osprey-closure-" + std::to_string(::getpid()) + "-"
                + ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(m_root);
        fs::create_directories(m_root);
    }
    void TearDown() override { fs::remove_all(m_root); }

    fs::path write(const std::string& relative, const std::vector<char>& bytes)
    {
        fs::path path = m_root / relative;
        fs::create_directories(path.parent_path());
        std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        return path;
    }

    ClosureOptions no_system_dirs() const
    {
        ClosureOptions options;
        options.system_dirs = { m_root / "system" };
        return options;
    }

    fs::path m_root;
};

const ClosureLibrary* find_library(const Closure& closure, const std::string& soname)
{
    auto it = std::find_if(closure.libraries.begin(), closure.libraries.end(),
        [&](const ClosureLibrary& library) { return library.soname == soname; });
    return it == closure.libraries.end() ? nullptr : &*it;
}

std::string error_message(const std::function<void()>& action)
{
    try {
        action();
    } catch (const CliError& error) {
        EXPECT_EQ(error.exit_status(), kExitBadInput);
        return error.what();
    }
    return "";
}

TEST(CliClosure, HostLsNeedsSelinuxButNotLibc)
{
    Closure closure = resolve_closure("/usr/bin/ls");
    const ClosureLibrary* selinux = find_library(closure, "libselinux.so.1");
    ASSERT_NE(selinux, nullptr);
    EXPECT_EQ(selinux->image_path, "/lib/x86_64-linux-gnu/libselinux.so.1");
    EXPECT_TRUE(fs::is_regular_file(selinux->real));
    EXPECT_FALSE(fs::is_symlink(selinux->real));
    EXPECT_NE(find_library(closure, "libpcre2-8.so.0"), nullptr); // needed by libselinux, not by ls
    for (std::string_view soname : kKernelSonames)
        EXPECT_EQ(find_library(closure, std::string(soname)), nullptr) << soname;
    EXPECT_NE(std::find(closure.kernel_sonames.begin(), closure.kernel_sonames.end(), "libc.so.6"),
        closure.kernel_sonames.end());
}

TEST(CliClosure, ReadsDynamicSectionOfRealFiles)
{
    ElfDynamicInfo ls = read_elf_dynamic("/usr/bin/ls");
    EXPECT_EQ(ls.type, ElfDynamicInfo::Type::SharedObject); // Debian builds PIE
    EXPECT_TRUE(ls.has_interpreter);
    EXPECT_NE(std::find(ls.needed.begin(), ls.needed.end(), "libc.so.6"), ls.needed.end());
    Closure selinux = resolve_closure("/lib/x86_64-linux-gnu/libselinux.so.1");
    EXPECT_NE(find_library(selinux, "libpcre2-8.so.0"), nullptr);
}

TEST_F(CliClosureFiles, RunpathWithOriginMapsIntoTheImage)
{
    write("lib/libone.so.1", make_elf({ ET_DYN, { "libtwo.so.2", "libc.so.6" }, "$ORIGIN", "" }));
    write("lib/libtwo.so.2", make_elf({ ET_DYN, {}, "", "" }));
    fs::path program = write("bin/prog", make_elf({ ET_DYN, { "libone.so.1" }, "$ORIGIN/../lib", "" }));
    Closure closure = resolve_closure(program, no_system_dirs());
    ASSERT_EQ(closure.libraries.size(), 2u);
    EXPECT_EQ(closure.libraries[0].soname, "libone.so.1");
    EXPECT_EQ(closure.libraries[0].image_path, "/lib/libone.so.1"); // /app/../lib
    EXPECT_EQ(closure.libraries[0].found, m_root / "bin/../lib/libone.so.1");
    EXPECT_EQ(closure.libraries[1].image_path, "/lib/libtwo.so.2");
    EXPECT_EQ(closure.kernel_sonames, std::vector<std::string> { "libc.so.6" });
}

// The CLI skips the search entries the kernel's loader skips (linker::expand_search_entry),
// so it never packs a library where the kernel would not look for it.
TEST_F(CliClosureFiles, SearchEntriesTheKernelSkipsAreSkipped)
{
    write("binAL/libone.so.1", make_elf({ ET_DYN, {}, "", "" })); // where "$ORIGINAL" would lead
    write("lib/libone.so.1", make_elf({ ET_DYN, {}, "", "" }));
    fs::path program
        = write("bin/prog", make_elf({ ET_DYN, { "libone.so.1" }, "$ORIGINAL:$UNKNOWN/lib:$ORIGIN/../lib", "" }));
    Closure closure = resolve_closure(program, no_system_dirs());
    ASSERT_EQ(closure.libraries.size(), 1u);
    EXPECT_EQ(closure.libraries[0].image_path, "/lib/libone.so.1");
}

TEST_F(CliClosureFiles, RpathIsInheritedButRunpathIsNot)
{
    write("rp/libdep.so", make_elf({ ET_DYN, {}, "", "" }));
    write("system/libmid.so", make_elf({ ET_DYN, { "libdep.so" }, "", "" }));
    fs::path program = write("prog", make_elf({ ET_DYN, { "libmid.so" }, "", (m_root / "rp").string() }));
    Closure closure = resolve_closure(program, no_system_dirs());
    ASSERT_NE(find_library(closure, "libdep.so"), nullptr);
    EXPECT_EQ(find_library(closure, "libdep.so")->image_path, (m_root / "rp/libdep.so").string());

    fs::path program2 = write("prog2", make_elf({ ET_DYN, { "libmid.so" }, (m_root / "rp").string(), "" }));
    std::string message = error_message([&] { resolve_closure(program2, no_system_dirs()); });
    EXPECT_NE(message.find("cannot find library 'libdep.so'"), std::string::npos) << message;
    EXPECT_NE(message.find("libmid.so"), std::string::npos) << message;
}

TEST_F(CliClosureFiles, IncompatibleCandidatesAreSkipped)
{
    std::vector<char> not_elf(64, 'x');
    write("first/libx.so", not_elf);
    write("second/libx.so", make_elf({ ET_DYN, {}, "", "" }));
    std::string runpath = (m_root / "first").string() + ":" + (m_root / "second").string();
    fs::path program = write("prog", make_elf({ ET_DYN, { "libx.so" }, runpath, "" }));
    Closure closure = resolve_closure(program, no_system_dirs());
    ASSERT_EQ(closure.libraries.size(), 1u);
    EXPECT_EQ(closure.libraries[0].found, m_root / "second/libx.so");
}

TEST_F(CliClosureFiles, MalformedCandidateIsRefusedNotPassedOver)
{
    std::vector<char> broken = make_elf({ ET_DYN, { "libc.so.6" }, "", "" });
    size_t dynamic_offset = (sizeof(Elf64_Ehdr) + 2 * sizeof(Elf64_Phdr) + 11 + 7) / 8 * 8;
    uint64_t far = 1000; // DT_NEEDED's offset past DT_STRSZ
    std::memcpy(broken.data() + dynamic_offset + 8, &far, 8);
    write("first/libx.so", broken);
    write("second/libx.so", make_elf({ ET_DYN, {}, "", "" }));
    std::string runpath = (m_root / "first").string() + ":" + (m_root / "second").string();
    fs::path program = write("prog", make_elf({ ET_DYN, { "libx.so" }, runpath, "" }));
    std::string message = error_message([&] { resolve_closure(program, no_system_dirs()); });
    EXPECT_NE(message.find("first/libx.so"), std::string::npos) << message;
    EXPECT_NE(message.find("not a loadable x86-64 ELF file"), std::string::npos) << message;
}

TEST_F(CliClosureFiles, MissingLibraryIsAClearError)
{
    fs::path program = write("prog", make_elf({ ET_DYN, { "libnothere.so.9" }, "", "" }));
    std::string message = error_message([&] { resolve_closure(program, no_system_dirs()); });
    EXPECT_NE(message.find("cannot find library 'libnothere.so.9' needed by '" + program.string()), std::string::npos)
        << message;
    EXPECT_NE(message.find("install the package"), std::string::npos) << message;
}

// Shared objects an --add'ed tree holds (the JDK's libjvm.so): what they need is packed,
// found with their own $ORIGIN in the image; they are not (the tree packs them); a need
// found nowhere is a warning, not an error.
TEST_F(CliClosureFiles, AddedObjectsBringTheirNeedsAndOnlyWarnOfMissingOnes)
{
    fs::path program = write("prog", make_elf({ ET_DYN, {}, "", "" }));
    write("system/libdep.so.2", make_elf({ ET_DYN, {}, "", "" }));
    write("tree/lib/libsibling.so", make_elf({ ET_DYN, {}, "", "" }));
    fs::path plugin = write(
        "tree/lib/plugin.so", make_elf({ ET_DYN, { "libdep.so.2", "libsibling.so", "libgone.so.1" }, "$ORIGIN", "" }));
    ClosureOptions options = no_system_dirs();
    options.added_objects
        = { { plugin, "/opt/tree/lib/plugin.so" }, { write("tree/notes.so", { 'n', 'o' }), "/opt/tree/notes.so" } };
    Closure closure = resolve_closure(program, options);
    const ClosureLibrary* dep = find_library(closure, "libdep.so.2");
    ASSERT_NE(dep, nullptr);
    EXPECT_EQ(dep->needed_by, plugin.string());
    const ClosureLibrary* sibling = find_library(closure, "libsibling.so");
    ASSERT_NE(sibling, nullptr);
    EXPECT_EQ(sibling->image_path, "/opt/tree/lib/libsibling.so");
    EXPECT_EQ(find_library(closure, "plugin.so"), nullptr);
    ASSERT_EQ(closure.warnings.size(), 1u);
    EXPECT_NE(
        closure.warnings[0].find("cannot find library 'libgone.so.1' needed by '" + plugin.string()), std::string::npos)
        << closure.warnings[0];
    // The program's own needs stay errors.
    fs::path needy = write("needy", make_elf({ ET_DYN, { "libgone.so.1" }, "", "" }));
    EXPECT_NE(error_message([&] { resolve_closure(needy, options); }), "");
}

// The JDK's layout: lib/libextnet.so needs libjvm.so, which is in lib/server, not on its
// RUNPATH ($ORIGIN): at run time the JVM has loaded it by then. No warning, and libjvm.so's
// own needs come in whatever order the tree lists the two.
TEST_F(CliClosureFiles, AddedObjectsMayNeedAnotherAddedObjectBySoname)
{
    fs::path program = write("prog", make_elf({ ET_DYN, {}, "", "" }));
    write("system/libdep.so.2", make_elf({ ET_DYN, {}, "", "" }));
    fs::path extnet = write("jdk/lib/libextnet.so", make_elf({ ET_DYN, { "libjvm.so" }, "", "$ORIGIN" }));
    fs::path jvm = write("jdk/lib/server/libjvm.so", make_elf({ ET_DYN, { "libdep.so.2" }, "", "" }));
    ClosureOptions options = no_system_dirs();
    options.added_objects = { { extnet, "/opt/jdk/lib/libextnet.so" }, { jvm, "/opt/jdk/lib/server/libjvm.so" } };
    Closure closure = resolve_closure(program, options);
    EXPECT_TRUE(closure.warnings.empty()) << closure.warnings[0];
    const ClosureLibrary* dep = find_library(closure, "libdep.so.2");
    ASSERT_NE(dep, nullptr) << "libjvm.so's own needs";
    EXPECT_EQ(dep->needed_by, jvm.string());
}

TEST_F(CliClosureFiles, MalformedElfIsAClearError)
{
    std::vector<char> good = make_elf({ ET_DYN, { "libc.so.6" }, "", "" });
    EXPECT_NE(error_message([&] { read_elf_dynamic(write("text", { 'h', 'i' })); }), "");
    EXPECT_NE(error_message([&] { read_elf_dynamic(write("empty", {})); }), "");
    for (size_t size = 0; size < good.size(); ++size) {
        std::vector<char> truncated(good.begin(), good.begin() + static_cast<long>(size));
        EXPECT_NE(error_message([&] { read_elf_dynamic(write("t", truncated)); }), "") << size;
    }
    std::vector<char> bad_machine = good;
    bad_machine[18] = 3; // EM_386
    EXPECT_NE(error_message([&] { read_elf_dynamic(write("m", bad_machine)); }).find("x86-64"), std::string::npos);
    std::vector<char> bad_string = good;
    // DT_NEEDED's offset points past DT_STRSZ.
    size_t dynamic_offset = (sizeof(Elf64_Ehdr) + 2 * sizeof(Elf64_Phdr) + 11 + 7) / 8 * 8;
    uint64_t far = 1000;
    std::memcpy(bad_string.data() + dynamic_offset + 8, &far, 8);
    std::string bad_string_message = error_message([&] { read_elf_dynamic(write("s", bad_string)); });
    EXPECT_NE(bad_string_message.find("not a loadable x86-64 ELF file: ELF:"), std::string::npos) << bad_string_message;
    std::vector<char> relocatable = make_elf({ ET_REL, {}, "", "" });
    EXPECT_NE(error_message([&] { read_elf_dynamic(write("o", relocatable)); }), "");
}

} // namespace

namespace {

// --dlopen: a plugin beside the program goes beside it in the image, one elsewhere keeps
// its host path; each brings its own closure, found through its own DT_RUNPATH; a library
// already needed is packed once; a file that is not a shared object is refused.
TEST_F(CliClosureFiles, DlopenLibrariesComeWithTheirClosures)
{
    fs::path program = write("bin/app", make_elf({ ET_DYN, { "libcommon.so" }, "$ORIGIN" }));
    write("bin/libcommon.so", make_elf({}));
    fs::path beside
        = write("bin/libbeside.so", make_elf({ ET_DYN, { "libhelper.so", "libc.so.6" }, "$ORIGIN/helpers" }));
    write("bin/helpers/libhelper.so", make_elf({}));
    fs::path elsewhere = write("opt/plugins/libfar.so", make_elf({}));
    ClosureOptions options = no_system_dirs();
    options.dlopen_libraries = { beside, elsewhere, m_root / "bin/libcommon.so" };
    Closure closure = resolve_closure(program, options);
    ASSERT_EQ(closure.libraries.size(), 4u);
    EXPECT_EQ(find_library(closure, "libcommon.so")->image_path, "/app/libcommon.so");
    EXPECT_EQ(find_library(closure, "libbeside.so")->image_path, "/app/libbeside.so");
    EXPECT_EQ(find_library(closure, "libbeside.so")->needed_by, "--dlopen");
    EXPECT_EQ(find_library(closure, "libhelper.so")->image_path, "/app/helpers/libhelper.so");
    EXPECT_EQ(
        find_library(closure, "libfar.so")->image_path, (m_root / "opt/plugins/libfar.so").lexically_normal().string());
    options.dlopen_libraries = { write("bin/notes.txt", { 'h', 'i' }) };
    EXPECT_NE(error_message([&] { resolve_closure(program, options); }).find("is not an x86-64 shared object"),
        std::string::npos);
}

// The guest's LD_LIBRARY_PATH is searched as ld.so searches it: after DT_RPATH, before
// DT_RUNPATH; a library found there is packed at its own path.
TEST_F(CliClosureFiles, LibraryPathComesBetweenRpathAndRunpath)
{
    for (const char* dir : { "rpath", "env", "runpath" })
        write(std::string(dir) + "/libx.so", make_elf({}));
    std::string rpath = (m_root / "rpath").string(), runpath = (m_root / "runpath").string();
    ClosureOptions options = no_system_dirs();
    options.library_path = "relative/ignored:" + (m_root / "env").string();
    fs::path with_rpath = write("a", make_elf({ ET_DYN, { "libx.so" }, "", rpath }));
    EXPECT_EQ(find_library(resolve_closure(with_rpath, options), "libx.so")->found.parent_path(), m_root / "rpath");
    fs::path with_runpath = write("b", make_elf({ ET_DYN, { "libx.so" }, runpath, "" }));
    Closure closure = resolve_closure(with_runpath, options);
    const ClosureLibrary* found = find_library(closure, "libx.so");
    ASSERT_NE(found, nullptr);
    EXPECT_EQ(found->found.parent_path(), m_root / "env");
    EXPECT_EQ(found->image_path, (m_root / "env/libx.so").string());
    options.library_path.clear();
    EXPECT_EQ(find_library(resolve_closure(with_runpath, options), "libx.so")->found.parent_path(), m_root / "runpath");
}

} // namespace
