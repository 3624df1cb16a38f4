// The program's process: the state Linux keeps per process (task_struct's files, fs,
// sighand, signal->rlim and cred), owned here instead of by module globals.
//
// Osprey runs one program per VM and has no fork (clone without CLONE_THREAD is ENOSYS),
// so there is one Process: boot makes it (create_first) before the program's first thread
// runs, it lives until the VM ends, and every thread points at it (sched::Thread::process;
// a spawned thread inherits its creator's, the network's service threads too: they work
// for this process and reach its descriptors).
//
// Each part is reached only through its own lock:
//   files()           the descriptor table (fs::FdTable: a spinlock inside)
//   credentials()     user and group IDs (process::Credentials)
//   limits()          resource limits (process::ResourceLimits)
//   signal_actions()  dispositions (process::SignalActions)
//   paths()           working directory and umask (PathContext)
// and its identity (argv, environment), written once at boot and then only read.
// Spinlocks, so never touch program memory or sleep inside one: copy out, then act.
//
// The address space is not here: Osprey has one address space for the kernel and the
// program, and mm owns it (mm/memory.h).
#pragma once

#include <kernel/arch/x86_64/spin_lock.h>
#include <kernel/fs/fd_table.h>
#include <kernel/process/credentials.h>
#include <kernel/process/resource_limits.h>
#include <kernel/process/signal_actions.h>
#include <lib/guarded.h>
#include <lib/ref_counted.h>
#include <vfs/node.h>

#include <span>
#include <string_view>

namespace process {

/// The program's argv and environment (for /proc/self/{cmdline,environ,exe,comm}).
struct Identity {
    std::span<const std::string_view> argv;
    std::span<const std::string_view> envp;
};

/// Where relative paths start and what new files' modes lose.
struct PathContext {
    lib::RefPtr<vfs::Node> cwd; // null until the root is mounted: then the root
    unsigned umask = 022;
};

/// The program's pid: Osprey runs one process.
constexpr int kProcessId = 1;
/// Its parent's: no process of the VM started it (/proc/self/status says PPid 0 too).
constexpr int kParentProcessId = 0;

template<typename T> using SpinGuarded = lib::Guarded<T, arch::SpinLock>;

class Process {
public:
    Process() = default;
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    fs::FdTable& files() { return m_files; }
    SpinGuarded<process::Credentials>& credentials() { return m_credentials; }
    SpinGuarded<process::ResourceLimits>& limits() { return m_limits; }
    SpinGuarded<process::SignalActions>& signal_actions() { return m_signal_actions; }
    SpinGuarded<PathContext>& paths() { return m_paths; }
    /// Set once at boot, before the program runs (the strings must stay valid), then
    /// only read: no lock.
    const Identity& identity() const { return m_identity; }
    void set_identity(const Identity& identity) { m_identity = identity; }

private:
    fs::FdTable m_files;
    SpinGuarded<process::Credentials> m_credentials;
    SpinGuarded<process::ResourceLimits> m_limits;
    SpinGuarded<process::SignalActions> m_signal_actions;
    SpinGuarded<PathContext> m_paths;
    Identity m_identity;
};

/// Makes the process and gives it to the calling thread (the boot thread, before the
/// program runs); threads it spawns inherit it. ENOMEM when it cannot be allocated.
lib::Result<void> create_first();
/// The calling thread's process. Precondition: create_first succeeded (a panic before).
Process& current();

} // namespace process
