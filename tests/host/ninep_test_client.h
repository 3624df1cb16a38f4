// Test support for the monitor's 9P server: a scratch directory holding the shared
// directory and a sibling "outside" that nothing may reach, and a client that builds
// T-messages with the shared codec, hands them to NinepServer::handle and reads replies.
#pragma once

#include <monitor/volume/ninep_server.h>
#include <ninep/wire.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

namespace ninep_test {

using monitor::volume::NinepServer;
using monitor::volume::VolumeAccess;
using ninep::Type;

/// <tmp>/share (the volume) and <tmp>/outside/secret.txt, removed at the end.
struct Scratch {
    std::filesystem::path root, share, outside;
    Scratch()
    {
        char pattern[] = "/tmp/osprey-ninep-XXXXXX";
        root = mkdtemp(pattern);
        share = root / "share";
        outside = root / "outside";
        std::filesystem::create_directory(share);
        std::filesystem::create_directory(outside);
        put(outside / "secret.txt", "secret");
    }
    ~Scratch() { std::filesystem::remove_all(root); }
    static void put(const std::filesystem::path& path, const std::string& text) { std::ofstream(path) << text; }
    static std::string get(const std::filesystem::path& path)
    {
        std::ifstream in(path);
        return std::string(std::istreambuf_iterator<char>(in), {});
    }
};

/// One reply: the errno of an Rlerror (0 otherwise) and a reader positioned after its header.
struct Answer {
    int error = 0;
    Type type = Type::Rlerror;
    std::vector<std::byte> bytes;
    ninep::Reader reader() const { return ninep::Reader::open(bytes).release_value(); }
};

class Client {
public:
    explicit Client(NinepServer& server, size_t reply_room = monitor::volume::kMaxMessageSize)
        : m_server(server), m_reply(reply_room)
    {
    }

    /// Sends a `type` message whose fields `fill` writes; checks the reply's tag.
    Answer send(Type type, const std::function<void(ninep::Writer&)>& fill)
    {
        std::vector<std::byte> request(monitor::volume::kMaxMessageSize);
        ninep::Writer out(request, type, ++m_tag);
        fill(out);
        auto message = out.finish();
        EXPECT_FALSE(message.is_error());
        return send_raw(message.value());
    }
    Answer send_raw(std::span<const std::byte> message)
    {
        auto reply = m_server.handle(message, m_reply);
        Answer answer;
        answer.bytes.assign(reply.begin(), reply.end());
        auto in = ninep::Reader::open(reply);
        if (in.is_error()) {
            ADD_FAILURE() << "the server's reply is not a 9P message";
            return answer;
        }
        answer.type = in->type();
        if (answer.type == Type::Rlerror)
            answer.error = int(in->u32());
        return answer;
    }
    uint16_t last_tag() const { return m_tag; }

    int version(uint32_t msize = 65536, std::string_view text = ninep::kVersion)
    {
        return send(Type::Tversion, [&](ninep::Writer& w) { w.u32(msize).string(text); }).error;
    }
    int attach(uint32_t fid)
    {
        return send(Type::Tattach, [&](ninep::Writer& w) {
            w.u32(fid).u32(ninep::kNoFid).string("u").string("").u32(0);
        }).error;
    }
    /// Twalk; `qids` gets how many names were walked.
    int walk(uint32_t fid, uint32_t new_fid, const std::vector<std::string>& names, size_t* qids = nullptr)
    {
        Answer a = send(Type::Twalk, [&](ninep::Writer& w) {
            w.u32(fid).u32(new_fid).u16(uint16_t(names.size()));
            for (const std::string& name : names)
                w.string(name);
        });
        if (!a.error && qids)
            *qids = a.reader().u16();
        return a.error;
    }
    int lopen(uint32_t fid, uint32_t flags)
    {
        return send(Type::Tlopen, [&](ninep::Writer& w) { w.u32(fid).u32(flags); }).error;
    }
    int lcreate(uint32_t fid, std::string_view name, uint32_t flags, uint32_t mode = 0644)
    {
        return send(Type::Tlcreate, [&](ninep::Writer& w) {
            w.u32(fid).string(name).u32(flags).u32(mode).u32(0);
        }).error;
    }
    int write(uint32_t fid, uint64_t offset, std::string_view data)
    {
        return send(Type::Twrite, [&](ninep::Writer& w) {
            w.u32(fid).u64(offset).u32(uint32_t(data.size())).bytes(std::as_bytes(std::span(data.data(), data.size())));
        }).error;
    }
    /// Tread; the data read goes to `data`.
    int read(uint32_t fid, uint64_t offset, uint32_t count, std::string* data = nullptr)
    {
        Answer a = send(Type::Tread, [&](ninep::Writer& w) { w.u32(fid).u64(offset).u32(count); });
        if (!a.error && data) {
            auto in = a.reader();
            uint32_t n = in.u32();
            auto bytes = in.bytes(n);
            data->assign(reinterpret_cast<const char*>(bytes.data()), bytes.size());
        }
        return a.error;
    }
    struct Entry {
        ninep::Qid qid;
        uint64_t offset;
        uint8_t type;
        std::string name;
    };
    int readdir(uint32_t fid, uint64_t offset, uint32_t count, std::vector<Entry>* entries)
    {
        Answer a = send(Type::Treaddir, [&](ninep::Writer& w) { w.u32(fid).u64(offset).u32(count); });
        if (a.error)
            return a.error;
        auto in = a.reader();
        uint32_t n = in.u32();
        size_t end = in.remaining() - n;
        while (in.remaining() > end) {
            Entry e;
            e.qid = in.qid();
            e.offset = in.u64();
            e.type = in.u8();
            e.name = in.string();
            entries->push_back(e);
        }
        EXPECT_FALSE(in.finish().is_error());
        return 0;
    }
    /// Every entry of directory fid (open), read `count` bytes at a time.
    std::vector<std::string> list(uint32_t fid, uint32_t count = 8192)
    {
        std::vector<std::string> names;
        uint64_t offset = 0;
        for (;;) {
            std::vector<Entry> entries;
            EXPECT_EQ(readdir(fid, offset, count, &entries), 0);
            if (entries.empty())
                return names;
            for (const Entry& e : entries)
                names.push_back(e.name);
            offset = entries.back().offset;
        }
    }
    int mkdir(uint32_t fid, std::string_view name, uint32_t mode = 0755)
    {
        return send(Type::Tmkdir, [&](ninep::Writer& w) { w.u32(fid).string(name).u32(mode).u32(0); }).error;
    }
    int unlinkat(uint32_t fid, std::string_view name, uint32_t flags = 0)
    {
        return send(Type::Tunlinkat, [&](ninep::Writer& w) { w.u32(fid).string(name).u32(flags); }).error;
    }
    int renameat(uint32_t from, std::string_view from_name, uint32_t to, std::string_view to_name)
    {
        return send(Type::Trenameat, [&](ninep::Writer& w) {
            w.u32(from).string(from_name).u32(to).string(to_name);
        }).error;
    }
    int symlink(uint32_t fid, std::string_view name, std::string_view target)
    {
        return send(Type::Tsymlink, [&](ninep::Writer& w) { w.u32(fid).string(name).string(target).u32(0); }).error;
    }
    int readlink(uint32_t fid, std::string* target)
    {
        Answer a = send(Type::Treadlink, [&](ninep::Writer& w) { w.u32(fid); });
        if (!a.error)
            *target = std::string(a.reader().string());
        return a.error;
    }
    int link(uint32_t dir, uint32_t fid, std::string_view name)
    {
        return send(Type::Tlink, [&](ninep::Writer& w) { w.u32(dir).u32(fid).string(name); }).error;
    }
    int mknod(uint32_t fid, std::string_view name, uint32_t mode)
    {
        return send(Type::Tmknod, [&](ninep::Writer& w) {
            w.u32(fid).string(name).u32(mode).u32(0).u32(0).u32(0);
        }).error;
    }
    int getattr(uint32_t fid, ninep::Attributes* attributes)
    {
        Answer a = send(Type::Tgetattr, [&](ninep::Writer& w) { w.u32(fid).u64(ninep::kGetattrBasic); });
        if (!a.error)
            *attributes = a.reader().attributes();
        return a.error;
    }
    int setattr(uint32_t fid, const ninep::AttributeChange& c)
    {
        return send(Type::Tsetattr, [&](ninep::Writer& w) {
            w.u32(fid).u32(c.valid).u32(c.mode).u32(c.uid).u32(c.gid).u64(c.size);
            w.u64(c.atime_sec).u64(c.atime_nsec).u64(c.mtime_sec).u64(c.mtime_nsec);
        }).error;
    }
    int fsync(uint32_t fid)
    {
        return send(Type::Tfsync, [&](ninep::Writer& w) { w.u32(fid).u32(0); }).error;
    }
    int clunk(uint32_t fid)
    {
        return send(Type::Tclunk, [&](ninep::Writer& w) { w.u32(fid); }).error;
    }

private:
    NinepServer& m_server;
    std::vector<std::byte> m_reply;
    uint16_t m_tag = 0;
};

} // namespace ninep_test
