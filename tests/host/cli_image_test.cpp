// `osprey build`, `inspect` and `run` end to end on the host, with a fake QEMU script
// standing in for the VM (it writes the status line the kernel would).
#include "cli_error.h"
#include "command_line.h"
#include "image_builder.h"
#include "image_file.h"
#include "inspect.h"
#include "mapped_input.h"
#include "run_command.h"

#include <images/rofs_format.h>

#include <gtest/gtest.h>

#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

namespace {

namespace fs = std::filesystem;
using namespace tools;

/// What `osprey run` adds to the kernel options when it passes a stdin that is not a
/// terminal on to QEMU (kernel/fs/console_input.h).
std::string relayed_input_option() { return ::isatty(STDIN_FILENO) ? "" : "console_input=escaped "; }
// What `osprey run` adds after the image's options: this process's RLIMIT_NOFILE, then the
// console mode.
std::string run_options() { return descriptor_limit_option() + " " + relayed_input_option(); }

class CliImage : public ::testing::Test {
protected:
    void SetUp() override
    {
        m_dir = fs::temp_directory_path()
            / ("osprey-cli-" + std::to_string(::getpid()) + "-"
                + ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(m_dir);
        fs::create_directories(m_dir / "bin");
        const char* path = std::getenv("PATH");
        m_saved_path = path ? path : "";
    }
    void TearDown() override
    {
        ::setenv("PATH", m_saved_path.c_str(), 1);
        fs::remove_all(m_dir);
    }

    // Puts a fake qemu-system-x86_64 first on $PATH. It records its arguments in
    // m_dir/args and behaves as `mode` says.
    void install_fake_qemu(const std::string& mode)
    {
        fs::path script = m_dir / "bin/qemu-system-x86_64";
        std::ofstream(script) << "#!/bin/sh\n"
                              << "printf '%s\\n' \"$@\" > '" << (m_dir / "args").string() << "'\n"
                              << "for a in \"$@\"; do case \"$a\" in file,id=status,path=*) "
                                 "status=\"${a#file,id=status,path=}\";; esac; done\n"
                              << "echo 'guest console line'\n"
                              << mode << "\n";
        fs::permissions(script, fs::perms::owner_all);
        ::setenv("PATH", ((m_dir / "bin").string() + ":" + m_saved_path).c_str(), 1);
    }

    std::vector<std::string> recorded_arguments() const
    {
        std::ifstream in(m_dir / "args");
        std::vector<std::string> lines;
        for (std::string line; std::getline(in, line);)
            lines.push_back(line);
        return lines;
    }

    RunRequest request_for(const fs::path& input)
    {
        RunRequest request;
        request.input = input.string();
        request.hypervisor = Hypervisor::QemuTcg;
        request.kernel = "/bin/sh"; // any existing file: the fake QEMU does not boot it
        request.timeout = std::chrono::seconds(20);
        return request;
    }

    fs::path m_dir;
    std::string m_saved_path;
};

TEST_F(CliImage, BuildPacksProgramLibrariesAndCmdline)
{
    fs::path output = m_dir / "ls.img";
    ImageReport report = build_image({ "/usr/bin/ls", { "-l", "two words" }, { "env=A=1" } }, output);
    EXPECT_EQ(report.program_image_path, "/app/ls");
    EXPECT_EQ(report.image_size, fs::file_size(output));

    ImageFile image = ImageFile::load(output);
    const images::RofsImage& reader = image.reader();
    auto program = reader.lookup("/app/ls");
    ASSERT_FALSE(program.is_error());
    EXPECT_EQ(program->size(), fs::file_size("/usr/bin/ls"));
    EXPECT_NE(program->permissions() & 0111, 0u);
    struct stat host { };
    ASSERT_EQ(::stat("/usr/bin/ls", &host), 0);
    EXPECT_GE(reader.stat(*program).value().mtime, uint64_t(host.st_mtime))
        << "the image's time is the newest of its inputs' (gzip refuses 0)";
    auto selinux = reader.lookup("/lib/x86_64-linux-gnu/libselinux.so.1");
    ASSERT_FALSE(selinux.is_error());
    EXPECT_TRUE(selinux->is_regular());
    EXPECT_TRUE(reader.lookup("/lib/x86_64-linux-gnu/libc.so.6").is_error());

    CommandLine line = image.default_command_line();
    EXPECT_EQ(line.options, std::vector<std::string> { "env=A=1" });
    EXPECT_EQ(line.argv, (std::vector<std::string> { "/app/ls", "-l", "two words" }));
    auto cmdline = reader.file_data(reader.lookup(images::kRofsCmdlinePath).value()).value();
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(cmdline.data()), cmdline.size()),
        "env=A=1 -- /app/ls -l \"two words\"\n");
}

TEST_F(CliImage, BuildRejectsNonElfWithExit2)
{
    try {
        build_image({ "/etc/passwd", {}, {} }, m_dir / "x.img");
        FAIL() << "no error";
    } catch (const CliError& error) {
        EXPECT_EQ(error.exit_status(), kExitBadInput);
        EXPECT_NE(std::string(error.what()).find("is not an ELF program"), std::string::npos);
    }
    EXPECT_THROW(find_program("/nonexistent/prog"), CliError);
    EXPECT_EQ(find_program("ls").filename(), "ls");
}

// The output never loses what it held until the new image is whole, is never the program
// itself, and leaves no partial file behind.
TEST_F(CliImage, BuildReplacesTheOutputOnlyWhenDone)
{
    fs::path program = m_dir / "ls";
    fs::copy_file("/usr/bin/ls", program);
    auto program_size = fs::file_size(program);
    try {
        build_image({ program, {}, {} }, program);
        FAIL() << "no error";
    } catch (const CliError& error) {
        EXPECT_EQ(error.exit_status(), kExitBadInput);
        EXPECT_NE(std::string(error.what()).find("is the program itself"), std::string::npos);
    }
    EXPECT_EQ(fs::file_size(program), program_size); // untouched

    fs::path output = m_dir / "out.img";
    {
        std::ofstream(output) << "the previous image";
    }
    fs::path link = m_dir / "link.img"; // a symlink is written through, not replaced
    fs::create_symlink(output, link);
    build_image({ program, {}, {} }, link);
    EXPECT_TRUE(fs::is_symlink(link));
    EXPECT_GT(fs::file_size(output), 4096u);
    EXPECT_NO_THROW(ImageFile::load(output));

    // A write that fails (here: past RLIMIT_FSIZE, which binds root too) keeps the old file.
    {
        std::ofstream(output) << "the previous image";
    }
    struct rlimit saved { };
    ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &saved), 0);
    auto old_handler = signal(SIGXFSZ, SIG_IGN);
    struct rlimit small = { 4096, saved.rlim_max };
    ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
    EXPECT_THROW(build_image({ program, {}, {} }, output), CliError);
    setrlimit(RLIMIT_FSIZE, &saved);
    signal(SIGXFSZ, old_handler);
    std::string kept;
    std::getline(std::ifstream(output), kept);
    EXPECT_EQ(kept, "the previous image");
    fs::permissions(output, fs::perms::owner_read | fs::perms::owner_write); // a private image stays private
    build_image({ program, {}, {} }, output);
    EXPECT_NO_THROW(ImageFile::load(output));
    EXPECT_EQ(fs::status(output).permissions(), fs::perms::owner_read | fs::perms::owner_write);

    fs::path other_name = m_dir / "hard-link.img"; // a hard-linked image: every name sees the new one
    fs::create_hard_link(output, other_name);
    {
        std::ofstream(output) << "the previous image";
    }
    build_image({ program, {}, {} }, output);
    EXPECT_NO_THROW(ImageFile::load(other_name));
    fs::remove(other_name);

    fs::path dangling = m_dir / "dangling.img", made = m_dir / "made-through-the-link.img";
    fs::create_symlink(made, dangling); // made through the link, as open(O_CREAT) does
    build_image({ program, {}, {} }, dangling);
    EXPECT_NO_THROW(ImageFile::load(made));
    for (const auto& entry : fs::directory_iterator(m_dir)) // no .out.img.partial-XXXXXX left
        EXPECT_EQ(entry.path().filename().string().find(".partial-"), std::string::npos) << entry.path();
}

TEST_F(CliImage, InspectListsFiles)
{
    fs::path output = m_dir / "ls.img";
    build_image({ "/usr/bin/ls", {}, {} }, output);
    std::ostringstream listing;
    inspect_image(output, listing);
    std::string text = listing.str();
    EXPECT_NE(text.find("drwxr-xr-x          - /\n"), std::string::npos) << text;
    EXPECT_NE(text.find(" /app/ls\n"), std::string::npos) << text;
    EXPECT_NE(text.find(" /lib/x86_64-linux-gnu/libselinux.so.1\n"), std::string::npos) << text;
    EXPECT_NE(text.find("default command line: -- /app/ls\n"), std::string::npos) << text;

    std::ofstream(m_dir / "junk.img") << "not an image at all";
    EXPECT_THROW(inspect_image(m_dir / "junk.img", listing), CliError);
}

TEST_F(CliImage, RunPacksAnElfAndReturnsTheGuestStatus)
{
    install_fake_qemu("echo 'osprey-exit status 42' > \"$status\"; exit 85");
    RunRequest request = request_for("/usr/bin/ls");
    request.args = { "-a", "b c" };
    request.env = { "GREETING=hello world" };
    request.machine = Machine::Q35;
    EXPECT_EQ(run_vm(request), 42);
    std::vector<std::string> arguments = recorded_arguments();
    auto append = std::find(arguments.begin(), arguments.end(), "-append");
    ASSERT_NE(append, arguments.end());
    EXPECT_EQ(*(append + 1), "\"env=GREETING=hello world\" " + run_options() + "-- /app/ls -a \"b c\"");
    auto initrd = std::find(arguments.begin(), arguments.end(), "-initrd");
    ASSERT_NE(initrd, arguments.end());
    EXPECT_FALSE(fs::exists(*(initrd + 1))) << "the temporary image is removed";
    EXPECT_NE(std::find(arguments.begin(), arguments.end(), "q35"), arguments.end());
}

// QEMU loads the image into the VM's RAM: a large one raises the default memory, and a
// --memory too small for it is refused with the size to give.
TEST_F(CliImage, RunGivesALargeImageTheMemoryItNeeds)
{
    install_fake_qemu("echo 'osprey-exit status 0' > \"$status\"; exit 85");
    fs::path data = m_dir / "data";
    fs::create_directories(data);
    {
        std::ofstream blob(data / "blob", std::ios::binary); // not zeros: those are holes in an image
        std::string chunk(1 << 20, 'x');
        for (int i = 0; i < 100; ++i)
            blob << chunk;
    }
    fs::path output = m_dir / "big.img";
    build_image({ "/usr/bin/ls", {}, {}, {}, { parse_added_path(data.string() + ":/data") } }, output);
    RunRequest request = request_for(output);
    EXPECT_EQ(run_vm(request), 0);
    std::vector<std::string> arguments = recorded_arguments();
    auto memory = std::find(arguments.begin(), arguments.end(), "-m");
    ASSERT_NE(memory, arguments.end());
    EXPECT_EQ(*(memory + 1), "256M") << "100 MiB of image and 128 MiB beside it, in 64 MiB steps";
    request.memory_given = true;
    request.memory_bytes = 64ull << 20; // smaller than the image
    try {
        run_vm(request);
        FAIL() << "no error";
    } catch (const CliError& error) {
        EXPECT_EQ(error.exit_status(), kExitBadInput);
        EXPECT_NE(std::string(error.what()).find("give --memory 256M or more"), std::string::npos) << error.what();
    }
    request.memory_bytes = 112ull << 20; // the image and some MiB: as given, small as it is
    EXPECT_EQ(run_vm(request), 0);
    arguments = recorded_arguments();
    EXPECT_EQ(*(std::find(arguments.begin(), arguments.end(), "-m") + 1), "112M");
    request.memory_bytes = 512ull << 20; // plenty: as given
    EXPECT_EQ(run_vm(request), 0);
    arguments = recorded_arguments();
    EXPECT_EQ(*(std::find(arguments.begin(), arguments.end(), "-m") + 1), "512M");
}

TEST_F(CliImage, RunAnImageAppendsArguments)
{
    fs::path output = m_dir / "ls.img";
    build_image({ "/usr/bin/ls", { "-l" }, {} }, output);
    install_fake_qemu("echo 'osprey-exit status 0' > \"$status\"");
    RunRequest request = request_for(output);
    request.args = { "/app" };
    EXPECT_EQ(run_vm(request), 0);
    std::vector<std::string> arguments = recorded_arguments();
    auto append = std::find(arguments.begin(), arguments.end(), "-append");
    ASSERT_NE(append, arguments.end());
    EXPECT_EQ(*(append + 1), run_options() + "-- /app/ls -l /app");
    EXPECT_TRUE(fs::exists(output)) << "a given image is kept";
}

TEST_F(CliImage, RunReportsPanicsSilenceAndTimeouts)
{
    fs::path output = m_dir / "ls.img";
    build_image({ "/usr/bin/ls", {}, {} }, output);
    install_fake_qemu("echo 'osprey-exit panic 112' > \"$status\"; exit 225");
    EXPECT_EQ(run_vm(request_for(output)), kExitPanic);
    install_fake_qemu("exit 0"); // a guest gone without a status (a triple fault under -no-reboot)
    EXPECT_EQ(run_vm(request_for(output)), kExitNoStatus);
    install_fake_qemu("exit 1"); // QEMU's own refusal
    EXPECT_EQ(run_vm(request_for(output)), kExitBadInput);
    install_fake_qemu("exec sleep 30");
    RunRequest request = request_for(output);
    request.timeout = std::chrono::seconds(1);
    auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(run_vm(request), kExitTimeout);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST_F(CliImage, RunChecksItsSetupFirst)
{
    RunRequest request = request_for("/usr/bin/ls");
    request.kernel = m_dir / "missing-kernel.elf";
    EXPECT_THROW(run_vm(request), CliError);
    ::setenv("PATH", (m_dir / "bin").string().c_str(), 1); // no QEMU there
    request.kernel = "/bin/sh";
    try {
        run_vm(request);
        FAIL() << "no error";
    } catch (const CliError& error) {
        EXPECT_NE(std::string(error.what()).find("scripts/setup"), std::string::npos);
    }
}

TEST_F(CliImage, SnapshotsNeedTheMonitor)
{
    auto refusal = [](const RunRequest& request) {
        try {
            prepare_vm(request, ConsoleUse::Detached);
        } catch (const CliError& error) {
            return std::make_pair(error.exit_status(), std::string(error.what()));
        }
        return std::make_pair(0, std::string("accepted"));
    };
    RunRequest saving = request_for("/usr/bin/ls");
    saving.snapshot = { "ready", (m_dir / "ls.snap").string(), "" };
    auto [status, message] = refusal(saving);
    EXPECT_EQ(status, kExitBadInput);
    EXPECT_NE(message.find("--snapshot-at needs Osprey's monitor"), std::string::npos) << message;
    RunRequest restoring;
    restoring.hypervisor = Hypervisor::QemuKvm;
    restoring.snapshot.restore = (m_dir / "ls.snap").string();
    std::tie(status, message) = refusal(restoring);
    EXPECT_EQ(status, kExitBadInput);
    EXPECT_NE(message.find("--restore needs Osprey's monitor"), std::string::npos) << message;
    EXPECT_FALSE(fs::exists(m_dir / "ls.snap.image")); // refused before packing anything
    // A restore takes where its network goes (-p, a tap), nothing else the VM had.
    RunRequest with_disk;
    with_disk.snapshot.restore = (m_dir / "ls.snap").string();
    with_disk.virtio.push_back({ .kind = VirtioDevice::Kind::Block, .file = m_dir / "disk.raw" });
    std::tie(status, message) = refusal(with_disk);
    EXPECT_EQ(status, kExitBadInput);
    EXPECT_NE(
        message.find("--restore: the saved VM's disks, volumes and devices come from the snapshot"), std::string::npos)
        << message;
}

} // namespace

// An input that shrinks while it is mapped (a package replaced under the build) ends the
// CLI with exit 2 and its name, not a SIGBUS crash.
TEST(CliMappedInput, AFileThatShrinksEndsTheRunWithItsName)
{
    fs::path path = fs::temp_directory_path() / ("osprey-shrinking-" + std::to_string(::getpid()));
    {
        std::ofstream(path) << std::string(3 * 4096, 'x');
    }
    EXPECT_EXIT(
        {
            MappedInput input(path);
            if (::truncate(path.c_str(), 0) != 0)
                _exit(3);
            volatile std::byte past_the_end = input.bytes()[2 * 4096];
            (void)past_the_end;
            _exit(0);
        },
        ::testing::ExitedWithCode(kExitBadInput), "shrank while osprey was reading it");
    fs::remove(path);
}
