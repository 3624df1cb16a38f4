// `--add HOST[:GUEST]` (tools/added_files.h): the argument's checks, and a host tree packed
// into an image with its modes and symlinks, read back with the ROFS reader.
#include "added_files.h"
#include "cli_error.h"

#include <images/rofs_reader.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;
using tools::AddedPath;
using tools::CliError;

class CliAddedFiles : public ::testing::Test {
protected:
    void SetUp() override
    {
        m_dir = fs::temp_directory_path() / ("osprey-add-" + std::to_string(::getpid()));
        fs::remove_all(m_dir);
        fs::create_directories(m_dir / "conf" / "sub");
        std::ofstream(m_dir / "conf" / "app.conf") << "port=8080\n";
        std::ofstream(m_dir / "conf" / "sub" / "data.txt") << "data";
        fs::permissions(m_dir / "conf" / "app.conf", fs::perms::owner_read | fs::perms::owner_write);
        fs::permissions(m_dir / "conf" / "sub", fs::perms(0750));
        fs::create_symlink("app.conf", m_dir / "conf" / "link");
    }
    void TearDown() override { fs::remove_all(m_dir); }

    std::string error_of(const std::string& argument)
    {
        try {
            tools::parse_added_path(argument);
        } catch (const CliError& error) {
            EXPECT_EQ(error.exit_status(), tools::kExitBadInput);
            return error.what();
        }
        return "";
    }

    fs::path m_dir;
};

TEST_F(CliAddedFiles, ParsesHostAndGuest)
{
    AddedPath added = tools::parse_added_path((m_dir / "conf").string() + ":/etc/app/");
    EXPECT_EQ(added.host, m_dir / "conf");
    EXPECT_EQ(added.guest, "/etc/app");
    EXPECT_EQ(tools::parse_added_path((m_dir / "conf").string()).guest, (m_dir / "conf").string())
        << "GUEST defaults to HOST";
    EXPECT_NE(error_of("/no/such/thing:/x").find("does not exist"), std::string::npos);
    EXPECT_NE(error_of((m_dir / "conf").string() + ":relative").find("must be absolute"), std::string::npos);
    EXPECT_NE(error_of((m_dir / "conf").string() + ":/a/../b").find("'.' or '..'"), std::string::npos);
    EXPECT_NE(
        error_of((m_dir / "conf").string() + ":/.osprey/cmdline").find("belongs to the image"), std::string::npos);
    EXPECT_NE(error_of((m_dir / "conf").string() + ":/").find("belongs to the image"), std::string::npos);
}

TEST_F(CliAddedFiles, PacksATreeWithModesAndSymlinks)
{
    images::RofsWriter writer;
    tools::add_to_image(writer, tools::parse_added_path((m_dir / "conf").string() + ":/etc/app"));
    auto bytes = writer.build();
    auto image = images::RofsImage::open(bytes).value();
    auto conf = image.lookup("/etc/app/app.conf").value();
    EXPECT_EQ(conf.permissions(), 0600u);
    auto data = image.file_data(conf).value();
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(data.data()), data.size()), "port=8080\n");
    auto link = image.lookup("/etc/app/link", images::SymlinkMode::NoFollow).value();
    EXPECT_EQ(image.read_link(link).value(), "app.conf");
    EXPECT_EQ(image.lookup("/etc/app/sub").value().permissions(), 0750u);
    EXPECT_EQ(image.lookup("/etc/app/sub/data.txt").value().size(), 4u);
}

// A program inside an --add'ed directory runs from there (image_builder.cpp); the tree's
// shared objects are found for the closure (closure.h).
TEST_F(CliAddedFiles, FindsFilesAndSharedObjectsInAddedTrees)
{
    fs::create_directories(m_dir / "jdk" / "bin");
    fs::create_directories(m_dir / "jdk" / "lib" / "server");
    std::ofstream(m_dir / "jdk" / "bin" / "java") << "x";
    std::ofstream(m_dir / "jdk" / "lib" / "libjava.so") << "x";
    std::ofstream(m_dir / "jdk" / "lib" / "server" / "libjvm.so.1") << "x";
    std::ofstream(m_dir / "jdk" / "lib" / "classlist") << "x";
    fs::create_symlink("libjava.so", m_dir / "jdk" / "lib" / "link.so");
    std::vector<AddedPath> added { { m_dir / "conf", "/etc/app" }, { m_dir / "jdk", "/opt/jdk" } };
    EXPECT_EQ(tools::guest_path_in_added(m_dir / "jdk" / "bin" / "java", added), "/opt/jdk/bin/java");
    EXPECT_EQ(tools::guest_path_in_added(m_dir / "jdk" / "bin" / ".." / "bin" / "java", added), "/opt/jdk/bin/java");
    EXPECT_EQ(tools::guest_path_in_added(m_dir / "elsewhere", added), "");
    EXPECT_EQ(tools::guest_path_in_added(m_dir / "jdk", added), "");
    std::vector<std::string> objects;
    for (const tools::AddedObject& object : tools::shared_objects_in(added))
        objects.push_back(object.image_path);
    std::sort(objects.begin(), objects.end());
    EXPECT_EQ(objects, (std::vector<std::string> { "/opt/jdk/lib/libjava.so", "/opt/jdk/lib/server/libjvm.so.1" }));
}

TEST_F(CliAddedFiles, RefusesWhatAnImageCannotHoldAndClashes)
{
    images::RofsWriter writer;
    ASSERT_EQ(::mkfifo((m_dir / "fifo").c_str(), 0600), 0);
    EXPECT_THROW(tools::add_to_image(writer, tools::parse_added_path((m_dir / "fifo").string() + ":/fifo")), CliError);
    tools::add_to_image(writer, tools::parse_added_path((m_dir / "conf" / "app.conf").string() + ":/etc/x"));
    EXPECT_THROW(
        tools::add_to_image(writer, tools::parse_added_path((m_dir / "conf" / "app.conf").string() + ":/etc/x")),
        CliError)
        << "the same guest path twice";
}

} // namespace
