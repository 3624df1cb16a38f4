// ktest=process: a Process's descriptor table, checked from inside the kernel where a
// file's reference count and the table's growth are visible (tests/kernel runs it; the
// guest tests cover the system calls over it). The table tested is a fresh Process's,
// not the running one's.
//
// ktest=service_fault: after the program started, a fault in a thread the kernel runs for
// itself (the network stack's) is the kernel's bug, a panic with its report, not "program
// killed" as a fault in a program thread's system call would be.
#include <kernel/arch/x86_64/idt.h>
#include <kernel/core/vm_exit.h>
#include <kernel/debug/report.h>
#include <kernel/process/process.h>
#include <kernel/process/process_ktest.h>
#include <sched/scheduler.h>

namespace process {

namespace {

/// A file that counts its own deletion.
class CountedFile : public fs::File {
public:
    explicit CountedFile(int& deleted) : m_deleted(deleted) { }
    ~CountedFile() override { ++m_deleted; }
    lib::Result<void> stat(fs::LinuxStat&) override { return lib::Errno::INVAL; }

private:
    int& m_deleted;
};

struct Checks {
    int failures = 0;
    void expect(bool ok, const char* what)
    {
        if (!ok) {
            debug::report("ktest process: FAIL: {}", what);
            ++failures;
        }
    }
};

void test_install_and_close(Checks& c, fs::FdTable& table)
{
    int deleted = 0;
    auto first = table.install(new CountedFile(deleted), false);
    auto second = table.install(new CountedFile(deleted), true);
    c.expect(first.value() == 0 && second.value() == 1, "install takes the lowest free descriptors");
    c.expect(!table.close_on_exec(0).value() && table.close_on_exec(1).value(), "close-on-exec is per descriptor");
    {
        auto held = table.get(0);
        c.expect(!held.is_error(), "get finds an open descriptor");
        c.expect(!table.close(0).is_error() && deleted == 0, "a file held by get outlives its descriptor's close");
        c.expect(
            table.get(0).is_error() && table.get(0).error().code == lib::Errno::BADF, "a closed descriptor is EBADF");
    }
    c.expect(deleted == 1, "the last reference's drop deletes the file");
    c.expect(table.install(new CountedFile(deleted), false).value() == 0, "a closed descriptor is reused first");
    table.close_all();
    c.expect(deleted == 3 && table.next(0) == -1, "close_all closes and releases every file");
}

void test_duplicate(Checks& c, fs::FdTable& table)
{
    int deleted = 0;
    (void)table.install(new CountedFile(deleted), false);
    (void)table.install(new CountedFile(deleted), false);
    c.expect(table.duplicate(0, 1, true, false).value() == 1 && deleted == 1,
        "dup2 onto an open descriptor releases its file");
    c.expect(table.get(0)->get() == table.get(1)->get(), "dup2 shares the file");
    c.expect(table.duplicate(0, 5, false, true).value() == 5 && table.close_on_exec(5).value(),
        "F_DUPFD_CLOEXEC takes the lowest at or above");
    c.expect(table.duplicate(0, 0, true, false).value() == 0, "dup2 onto itself is a no-op");
    c.expect(
        table.duplicate(7, 8, true, false).error().code == lib::Errno::BADF, "dup of a closed descriptor is EBADF");
    table.close_all();
    c.expect(deleted == 2, "the shared file goes with its last descriptor");
}

void test_limit_and_growth(Checks& c, fs::FdTable& table)
{
    int deleted = 0;
    (void)table.install(new CountedFile(deleted), false);
    table.set_limit(3000);
    c.expect(
        table.duplicate(0, 2500, true, false).value() == 2500, "a descriptor past the inline slots grows the table");
    c.expect(table.get(2500)->get() == table.get(0)->get(), "the grown table keeps what it held");
    c.expect(table.duplicate(0, 3000, true, false).error().code == lib::Errno::BADF, "dup2 at the limit is EBADF");
    c.expect(
        table.duplicate(0, 3000, false, false).error().code == lib::Errno::INVAL, "F_DUPFD at the limit is EINVAL");
    table.set_limit(2);
    c.expect(!table.get(2500).is_error(), "lowering the limit keeps open descriptors");
    (void)table.install(new CountedFile(deleted), false);
    auto refused = table.install(new CountedFile(deleted), false);
    c.expect(refused.is_error() && refused.error().code == lib::Errno::MFILE && deleted == 1,
        "EMFILE at the limit, and the refused file is released");
    c.expect(table.next(2) == 2500, "next skips to the next open descriptor");
    table.close_all();
    c.expect(deleted == 3, "close_all releases the grown table's files");
}

void test_pairs(Checks& c, fs::FdTable& table)
{
    int deleted = 0;
    int pair[2] = { -1, -1 };
    (void)table.install(new CountedFile(deleted), false); // 0
    (void)table.install(new CountedFile(deleted), false); // 1
    (void)table.close(0);
    c.expect(!table.install_pair(new CountedFile(deleted), new CountedFile(deleted), false, pair).is_error()
            && pair[0] == 0 && pair[1] == 2,
        "a pair takes the two lowest free descriptors");
    table.set_limit(4); // 0, 1, 2 taken: one free below the limit
    auto refused = table.install_pair(new CountedFile(deleted), new CountedFile(deleted), false, pair);
    c.expect(refused.is_error() && refused.error().code == lib::Errno::MFILE && deleted == 3 && table.next(3) == -1,
        "a pair that does not fit is EMFILE, installs neither and releases both");
    table.close_all();
    table.set_limit(2000);
    (void)table.install(new CountedFile(deleted), false);
    for (int fd = 1; fd < fs::kDefaultDescriptorLimit - 1; ++fd)
        (void)table.duplicate(0, fd, true, false); // all but the last inline slot taken
    c.expect(!table.install_pair(new CountedFile(deleted), new CountedFile(deleted), false, pair).is_error()
            && pair[0] == fs::kDefaultDescriptorLimit - 1 && pair[1] == fs::kDefaultDescriptorLimit,
        "a pair across the end of the inline slots grows the table");
    table.close_all();
    // 1 closed + 2 refused, then 3 closed, then the shared file and the second pair.
    c.expect(deleted == 1 + 2 + 3 + 3, "every file of the pairs is released by close_all");
}

void test_defaults(Checks& c, Process& process)
{
    c.expect(process.files().limit() == fs::kDefaultDescriptorLimit, "RLIMIT_NOFILE's soft limit starts at 1024");
    c.expect(process.limits().with([](process::ResourceLimits& l) { return l.of[linux_abi::kRlimitNofile].rlim_max; })
            == process::ResourceLimits::kDefaultDescriptorHardLimit,
        "RLIMIT_NOFILE's hard limit starts at 524288");
    c.expect(process.credentials().with([](process::Credentials& cred) { return cred.privileged(); }),
        "the process starts as root");
    c.expect(process.paths().with([](PathContext& p) { return p.umask == 022 && !p.cwd; }), "umask 022, cwd the root");
}

} // namespace

[[gnu::noinline]] void ktest_service_fault()
{
    arch::note_program_started();
    sched::become_kernel_service("ktest");
    asm volatile("ud2");
}

bool run_ktest(std::string_view name)
{
    if (name == "service_fault") {
        ktest_service_fault();
        core::panic("ktest service_fault: ud2 did not fault");
    }
    if (name != "process")
        return false;
    Checks checks;
    auto* fresh = new Process();
    test_defaults(checks, *fresh);
    test_install_and_close(checks, fresh->files());
    test_duplicate(checks, fresh->files());
    test_limit_and_growth(checks, fresh->files());
    delete fresh;
    fresh = new Process(); // a table that never grew
    test_pairs(checks, fresh->files());
    delete fresh;
    debug::report("ktest process: {}", checks.failures ? "FAILED" : "ok");
    core::vm_exit(checks.failures ? 1 : 0);
}

} // namespace process
