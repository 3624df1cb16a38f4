// libFuzzer target: the monitor's 9P2000.L server (monitor/volume/ninep_server.h) fed
// hostile messages over a fresh scratch directory per input. So that inputs reach the
// message handlers rather than stopping at the size check, each input is read as records,
// type[1] length[2] body[length], and each becomes a message with a correct size field and
// its own tag; a Tversion and a Tattach of fid 0 come first. The share holds a file, a
// directory and symlinks out to a sibling "outside", whose secret must be intact after
// every input: any crash, leak, out-of-bounds access or escape stops the fuzzer.
#include <monitor/volume/ninep_server.h>
#include <ninep/wire.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>
#include <vector>

namespace {

namespace fs = std::filesystem;
using monitor::volume::NinepServer;
using monitor::volume::VolumeAccess;

struct Scratch {
    fs::path root, share, outside;
    Scratch()
    {
        char pattern[] = "/tmp/osprey-ninep-fuzz-XXXXXX";
        root = mkdtemp(pattern);
        share = root / "share";
        outside = root / "outside";
        fs::create_directory(outside);
        std::ofstream(outside / "secret") << "secret";
    }
    void fill_share() const
    {
        fs::create_directories(share / "d");
        std::ofstream(share / "f") << "file";
        fs::create_symlink("../outside", share / "up");
        fs::create_symlink(outside / "secret", share / "abs");
    }
    // The guest may have taken permissions away; give them back before removing.
    static void clear(const fs::path& path)
    {
        std::error_code ignored;
        fs::permissions(path, fs::perms::owner_all, fs::perm_options::add, ignored);
        for (fs::directory_iterator it(path, ignored), end; !ignored && it != end; it.increment(ignored))
            if (it->is_directory(ignored) && !it->is_symlink(ignored))
                clear(it->path());
        fs::remove_all(path, ignored);
    }
    void check_outside() const
    {
        std::ifstream in(outside / "secret");
        std::string text((std::istreambuf_iterator<char>(in)), {});
        struct stat st;
        if (text != "secret" || stat((outside / "secret").c_str(), &st) != 0 || st.st_nlink != 1
            || std::distance(fs::directory_iterator(outside), {}) != 1)
            abort(); // the guest reached outside the share
    }
};

void send(
    NinepServer& server, std::vector<std::byte>& reply, ninep::Type type, uint16_t tag, std::span<const std::byte> body)
{
    std::vector<std::byte> request(ninep::kHeaderSize + body.size());
    ninep::Writer out(request, type, tag);
    out.bytes(body);
    if (auto message = out.finish(); !message.is_error())
        (void)server.handle(message.value(), reply);
}

void start_session(NinepServer& server, std::vector<std::byte>& reply)
{
    std::vector<std::byte> body(64);
    ninep::Writer version(body, ninep::Type::Tversion, ninep::kNoTag);
    version.u32(65536).string(ninep::kVersion);
    (void)server.handle(version.finish().value(), reply);
    ninep::Writer attach(body, ninep::Type::Tattach, 0);
    attach.u32(0).u32(ninep::kNoFid).string("fuzz").string("").u32(0);
    (void)server.handle(attach.finish().value(), reply);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static Scratch scratch;
    if (size < 1)
        return 0;
    scratch.fill_share();
    {
        auto access = data[0] & 0x80 ? VolumeAccess::ReadOnly : VolumeAccess::ReadWrite;
        auto server = NinepServer::open(scratch.share.string(), access, 16).release_value();
        // The reply room: from less than an Rlerror up to 64 KiB.
        std::vector<std::byte> reply(size_t(data[0] & 0x7f) * 512 + 8);
        start_session(server, reply);
        const auto* bytes = reinterpret_cast<const std::byte*>(data);
        uint16_t tag = 1;
        for (size_t at = 1; at + 3 <= size; ++tag) {
            auto type = ninep::Type(data[at]);
            size_t length = std::min<size_t>(size_t(data[at + 1]) | size_t(data[at + 2]) << 8, size - at - 3);
            send(server, reply, type, tag, std::span(bytes + at + 3, length));
            at += 3 + length;
        }
    }
    Scratch::clear(scratch.share);
    scratch.check_outside();
    return 0;
}
