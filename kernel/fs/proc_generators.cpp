// The contents of /proc and /sys files. Formats follow Linux (fs/proc/task_mmu.c
// show_map_vma, fs/proc/meminfo.c, fs/proc/array.c, fs/proc/stat.c, arch/x86/kernel/cpu/
// proc.c), so the parsers in runtimes and tools read them as they read Linux's. There is
// one process, pid 1, whose threads are the VM's.
#include <kernel/arch/x86_64/tsc.h>
#include <kernel/core/identity.h>
#include <kernel/fs/proc_generators.h>
#include <kernel/fs/root_fs.h>
#include <kernel/process/process.h>
#include <kernel/entropy/random_source.h>
#include <kernel/core/wall_clock.h>
#include <mm/address_space.h>
#include <mm/memory.h>
#include <sched/scheduler.h>

#include <cpuid.h>
#include <cstring>
#include <utility>

namespace fs::proc {

namespace {

constexpr uint64_t kUserHz = 100; // USER_HZ: clock ticks in /proc/stat and /proc/PID/stat

const process::Identity& identity() { return process::current().identity(); }

std::string_view program_name()
{
    if (identity().argv.empty())
        return "osprey";
    std::string_view path = identity().argv[0];
    size_t slash = path.rfind('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

uint64_t ticks(uint64_t ns) { return ns / (1'000'000'000 / kUserHz); }

/// A CPU mask as Linux's cpulist format: "0-3,6".
bool append_cpu_list(ProcText& text, uint64_t mask)
{
    bool first = true;
    for (unsigned cpu = 0; cpu < 64; ++cpu) {
        if (!(mask & (uint64_t(1) << cpu)))
            continue;
        unsigned last = cpu;
        while (last + 1 < 64 && (mask & (uint64_t(1) << (last + 1))))
            ++last;
        bool ok = last == cpu ? text.append("{}{}", first ? "" : ",", cpu)
                              : text.append("{}{}-{}", first ? "" : ",", cpu, last);
        if (!ok)
            return false;
        first = false;
        cpu = last;
    }
    return true;
}

/// Thread `tid`'s comm: its name, which starts as the program's (set_program_identity).
/// For a thread that has ended, the program's name (Linux shows an exited leader's).
std::string_view thread_name(int tid, char (&out)[16])
{
    auto report = sched::thread_report(tid);
    if (report.is_error())
        return program_name().substr(0, 15);
    memcpy(out, report->name, sizeof(out));
    return std::string_view(out);
}

uint64_t mapped_bytes()
{
    uint64_t total = 0;
    const mm::AreaMap& areas = mm::areas();
    for (const mm::Area* a = areas.first(); a; a = areas.next(*a))
        total += a->length();
    return total;
}

/// Memory in use (all frames not free: the program's pages and the kernel's). FIRST CUT:
/// an upper bound of the resident set, as there is one process.
uint64_t used_bytes()
{
    auto frames = mm::frame_stats();
    return (frames.total_frames - frames.free_frames) * mm::kPageSize;
}

const char* area_name(const mm::Area& area, const mm::Area* first_stack)
{
    if (area.role == mm::AreaRole::Heap)
        return "[heap]";
    if (&area == first_stack)
        return "[stack]";
    return nullptr;
}

bool append_strings(ProcText& text, std::span<const std::string_view> strings)
{
    for (std::string_view s : strings)
        if (!text.append_bytes(s.data(), s.size()) || !text.append_bytes("", 1))
            return false;
    return true;
}

} // namespace

bool maps(ProcText& text)
{
    const mm::AreaMap& areas = mm::areas();
    const mm::Area* stack = nullptr;
    for (const mm::Area* a = areas.first(); a && !stack; a = areas.next(*a))
        if (a->role == mm::AreaRole::Stack)
            stack = a;
    for (const mm::Area* a = areas.first(); a; a = areas.next(*a)) {
        const mm::MappedFile* file = a->file;
        char perms[5] = { a->prot & mm::ProtRead ? 'r' : '-', a->prot & mm::ProtWrite ? 'w' : '-',
            a->prot & mm::ProtExec ? 'x' : '-', a->sharing == mm::Sharing::Shared ? 's' : 'p', '\0' };
        // Linux pads the fields before the name to 72 columns, then one space.
        char prefix[128];
        auto r = fmt::format_to_n(prefix, sizeof(prefix), "{:08x}-{:08x} {} {:08x} {} {} ", a->start(), a->end(), perms,
            file ? a->file_offset : 0, file ? "08:01" : "00:00", file ? file->inode : 0);
        std::string_view head(prefix, r.size);
        std::string_view name = file ? file->path : std::string_view(area_name(*a, stack) ? area_name(*a, stack) : "");
        bool ok = name.empty() ? text.append("{}\n", head)
                               : text.append("{:<72} {}\n", head.substr(0, head.size() - 1), name);
        if (!ok)
            return false;
    }
    return true;
}

bool meminfo(ProcText& text)
{
    auto stats = mm::frame_stats();
    uint64_t total = stats.total_frames * 4, free_kb = stats.free_frames * 4;
    return text.append(
        "{:<16}{:>8} kB\n{:<16}{:>8} kB\n{:<16}{:>8} kB\n{:<16}{:>8} kB\n{:<16}{:>8} kB\n{:<16}{:>8} kB\n"
        "{:<16}{:>8} kB\n{:<16}{:>8} kB\n",
        "MemTotal:", total, "MemFree:", free_kb, "MemAvailable:", free_kb, "Buffers:", 0, "Cached:", 0,
        "SwapCached:", 0, "SwapTotal:", 0, "SwapFree:", 0);
}

bool cpuinfo(ProcText& text)
{
    unsigned a, b, c, d;
    char vendor[13] = {};
    __cpuid(0, a, b, c, d);
    memcpy(vendor, &b, 4), memcpy(vendor + 4, &d, 4), memcpy(vendor + 8, &c, 4);
    char brand[49] = {};
    __cpuid(0x80000000, a, b, c, d);
    if (a >= 0x80000004)
        for (unsigned leaf = 0; leaf < 3; ++leaf) {
            __cpuid(0x80000002 + leaf, a, b, c, d);
            unsigned regs[4] = { a, b, c, d };
            memcpy(brand + 16 * leaf, regs, 16);
        }
    __cpuid(1, a, b, c, d);
    unsigned family = (a >> 8) & 0xf, model = (a >> 4) & 0xf, stepping = a & 0xf;
    if (family == 0xf)
        family += (a >> 20) & 0xff;
    if (family >= 6)
        model |= ((a >> 16) & 0xf) << 4;
    // The flags programs look for (arch/x86/include/asm/cpufeatures.h names).
    struct Flag {
        const char* name;
        unsigned* reg;
        unsigned bit;
    };
    unsigned ecx = c, edx = d;
    const Flag flags[] = { { "fpu", &edx, 0 }, { "tsc", &edx, 4 }, { "msr", &edx, 5 }, { "pae", &edx, 6 },
        { "cx8", &edx, 8 }, { "apic", &edx, 9 }, { "cmov", &edx, 15 }, { "clflush", &edx, 19 }, { "mmx", &edx, 23 },
        { "fxsr", &edx, 24 }, { "sse", &edx, 25 }, { "sse2", &edx, 26 }, { "ht", &edx, 28 }, { "pni", &ecx, 0 },
        { "pclmulqdq", &ecx, 1 }, { "ssse3", &ecx, 9 }, { "fma", &ecx, 12 }, { "cx16", &ecx, 13 },
        { "sse4_1", &ecx, 19 }, { "sse4_2", &ecx, 20 }, { "x2apic", &ecx, 21 }, { "movbe", &ecx, 22 },
        { "popcnt", &ecx, 23 }, { "aes", &ecx, 25 }, { "xsave", &ecx, 26 }, { "avx", &ecx, 28 }, { "f16c", &ecx, 29 },
        { "rdrand", &ecx, 30 }, { "hypervisor", &ecx, 31 } };
    uint64_t mhz_x1000 = arch::tsc_hz() / 1000;
    size_t cpus = sched::processor_count();
    for (size_t cpu = 0; cpu < cpus; ++cpu) {
        if (!text.append("processor\t: {}\nvendor_id\t: {}\ncpu family\t: {}\nmodel\t\t: {}\nmodel name\t: {}\n"
                         "stepping\t: {}\ncpu MHz\t\t: {}.{:03}\ncache size\t: 0 KB\nphysical id\t: 0\nsiblings\t: {}\n"
                         "core id\t\t: {}\ncpu cores\t: {}\napicid\t\t: {}\nfpu\t\t: yes\ncpuid level\t: {}\nwp\t\t: "
                         "yes\nflags\t\t:",
                cpu, vendor, family, model, brand[0] ? brand : "unknown", stepping, mhz_x1000 / 1000, mhz_x1000 % 1000,
                cpus, cpu, cpus, cpu, 0))
            return false;
        for (const Flag& flag : flags)
            if ((*flag.reg >> flag.bit) & 1 && !text.append(" {}", flag.name))
                return false;
        if (!text.append(
                "\nbogomips\t: {}.00\nclflush size\t: 64\naddress sizes\t: 48 bits physical, 48 bits virtual\n\n",
                mhz_x1000 / 500))
            return false;
    }
    return true;
}

bool system_stat(ProcText& text)
{
    uint64_t up = arch::monotonic_ns(), cpus = sched::processor_count();
    uint64_t user = ticks(sched::process_cpu_ns()), all = ticks(up) * cpus;
    uint64_t idle = all > user ? all - user : 0;
    if (!text.append("cpu  {} 0 0 {} 0 0 0 0 0 0\n", user, idle))
        return false;
    for (uint64_t cpu = 0; cpu < cpus; ++cpu) // FIRST CUT: the process's time split evenly
        if (!text.append("cpu{} {} 0 0 {} 0 0 0 0 0 0\n", cpu, user / cpus, idle / cpus))
            return false;
    int64_t boot_time = (core::realtime_ns() - int64_t(up)) / 1'000'000'000;
    return text.append(
        "intr 0\nctxt 0\nbtime {}\nprocesses 1\nprocs_running 1\nprocs_blocked 0\nsoftirq 0\n", boot_time);
}

bool uptime(ProcText& text)
{
    uint64_t up = arch::monotonic_ns() / 10'000'000; // hundredths
    return text.append("{}.{:02} {}.{:02}\n", up / 100, up % 100, up / 100, up % 100);
}

bool loadavg(ProcText& text) { return text.append("0.00 0.00 0.00 1/{} 1\n", sched::thread_count()); }

bool version(ProcText& text)
{
    return text.append("{} version {} (osprey) {}\n", core::kSystemName, core::kRelease, core::kVersion);
}

bool filesystems(ProcText& text) { return text.append("nodev\ttmpfs\nnodev\tproc\nnodev\tsysfs\n\trofs\n"); }

bool mounts(ProcText& text)
{
    return text.append(
        "rootfs / tmpfs rw,relatime 0 0\nproc /proc proc ro,relatime 0 0\nsysfs /sys sysfs ro,relatime 0 0\n");
}

bool mountinfo(ProcText& text)
{
    return text.append("1 1 0:1 / / rw,relatime - tmpfs rootfs rw\n2 1 0:22 / /proc ro,relatime - proc proc ro\n"
                       "3 1 0:21 / /sys ro,relatime - sysfs sysfs ro\n");
}

namespace {

/// Linux's state letter: R running or runnable, S sleeping (blocked in a wait).
char state_of(const sched::ThreadReport& report) { return report.blocked ? 'S' : 'R'; }

// fs/proc/array.c proc_pid_status: `shown` as Pid, the rest from thread `tid` (0: the
// caller). Nothing for a thread gone since the file was found.
bool append_status(ProcText& text, int shown, int tid)
{
    auto report = sched::thread_report(tid);
    if (report.is_error() && shown == 1) // the first thread ended: the caller's, for the process
        report = sched::thread_report(0);
    if (report.is_error())
        return true;
    auto [user, group] = process::current().credentials().with([](process::Credentials& c) {
        return std::pair { c.user(), c.group() };
    });
    uint64_t vm_kb = mapped_bytes() / 1024, rss_kb = used_bytes() / 1024;
    char state = state_of(report.value());
    const char* state_name = state == 'S' ? "sleeping" : "running";
    return text.append("Name:\t{}\nUmask:\t{:04o}\nState:\t{} ({})\nTgid:\t{}\nNgid:\t0\nPid:\t{}\nPPid:\t{}\n"
                       "TracerPid:\t0\nUid:\t{}\t{}\t{}\t{}\nGid:\t{}\t{}\t{}\t{}\nFDSize:\t1024\nGroups:\t\n"
                       "VmPeak:\t{} kB\nVmSize:\t{} kB\nVmHWM:\t{} kB\nVmRSS:\t{} kB\nThreads:\t{}\n"
                       "Cpus_allowed:\t{:x}\nCpus_allowed_list:\t",
               std::string_view(report->name), fs::umask(), state, state_name, process::kProcessId, shown,
               process::kParentProcessId, user.real, user.effective, user.saved, user.filesystem, group.real,
               group.effective, group.saved, group.filesystem, vm_kb, vm_kb, rss_kb, rss_kb, sched::thread_count(),
               report->affinity)
        && append_cpu_list(text, report->affinity) && text.append("\n");
}

} // namespace

// The process's status is its first thread's, or the caller's once that one has ended.
bool status(ProcText& text) { return append_status(text, 1, 1); }

bool task_comm(ProcText& text, int tid)
{
    char name[16];
    return text.append("{}\n", thread_name(tid, name));
}

bool task_status(ProcText& text, int tid) { return append_status(text, tid, tid); }

// fs/proc/array.c do_task_stat, for thread `tid`: its own state, CPU time and nice.
bool task_stat(ProcText& text, int tid)
{
    auto report = sched::thread_report(tid);
    if (report.is_error())
        return true;
    char state = state_of(report.value());
    return text.append("{} ({}) {} 0 1 1 0 -1 4194560 0 0 0 0 {} 0 0 0 {} {} {} 0 0 {} {} 18446744073709551615 "
                       "0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
        tid, std::string_view(report->name), state, ticks(report->cpu_ns), 20 + report->nice, report->nice,
        sched::thread_count(), mapped_bytes(), used_bytes() / mm::kPageSize);
}

bool process_stat(ProcText& text)
{
    uint64_t cpu = ticks(sched::process_cpu_ns());
    // pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt
    // utime stime cutime cstime priority nice num_threads itrealvalue starttime vsize rss
    // rsslim, then 27 more fields Linux fills (addresses, signals, scheduling): zeros.
    return text.append("{} ({}) R {} {} {} 0 -1 4194560 0 0 0 0 {} 0 0 0 20 0 {} 0 0 {} {} 18446744073709551615 "
                       "0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n",
        process::kProcessId, program_name().substr(0, 15), process::kParentProcessId, process::kProcessId,
        process::kProcessId, cpu, sched::thread_count(), mapped_bytes(), used_bytes() / mm::kPageSize);
}

bool statm(ProcText& text)
{
    uint64_t size = mapped_bytes() / mm::kPageSize, resident = used_bytes() / mm::kPageSize;
    return text.append("{} {} 0 0 0 {} 0\n", size, resident, resident);
}

bool cmdline(ProcText& text) { return append_strings(text, identity().argv); }
bool environ(ProcText& text) { return append_strings(text, identity().envp); }
bool comm(ProcText& text) { return task_comm(text, 1); }
bool hostname(ProcText& text) { return text.append("{}\n", core::kHostName); }
bool ostype(ProcText& text) { return text.append("{}\n", core::kSystemName); }
bool osrelease(ProcText& text) { return text.append("{}\n", core::kRelease); }
bool pid_max(ProcText& text) { return text.append("4194304\n"); }
bool overcommit_memory(ProcText& text) { return text.append("0\n"); } // heuristic, as mm does
bool somaxconn(ProcText& text) { return text.append("4096\n"); }

bool uuid(ProcText& text)
{
    uint8_t b[16];
    entropy::random_bytes(b, sizeof(b));
    b[6] = uint8_t((b[6] & 0x0f) | 0x40); // version 4
    b[8] = uint8_t((b[8] & 0x3f) | 0x80); // RFC 4122 variant
    return text.append(
        "{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}\n", b[0],
        b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

bool cpu_list(ProcText& text)
{
    size_t cpus = sched::processor_count();
    return cpus == 1 ? text.append("0\n") : text.append("0-{}\n", cpus - 1);
}

bool link_self(ProcText& text) { return text.append("1"); }
bool link_root(ProcText& text) { return text.append("/"); }

bool link_exe(ProcText& text)
{
    std::string_view exe = identity().argv.empty() ? std::string_view("/") : identity().argv[0];
    return text.append("{}", exe);
}

bool link_cwd(ProcText& text)
{
    char path[4096];
    auto length = vfs::path_of(root_tree().root(), *working_directory(), path, sizeof(path));
    return length.is_error() ? text.append("/ (deleted)") : text.append("{}", std::string_view(path, length.value()));
}

} // namespace fs::proc

namespace fs {

void set_program_identity(std::span<const std::string_view> argv, std::span<const std::string_view> envp)
{
    process::current().set_identity({ argv, envp });
    (void)sched::set_thread_name(0, proc::program_name().substr(0, 15)); // Linux's comm at exec
}

} // namespace fs
