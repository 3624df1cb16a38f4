// glibc's getpid, getppid, gettid and the four credential getters without the system-call
// path, as clock_calls.cpp does for the clocks: each is a read that needs no big kernel
// lock (constants, the calling thread's record, the credentials behind their own lock), so
// a plain call answers it, with no kernel section and no signal delivered on the way out.
// The system-call path gives the same answers (kernel/syscall/dispatch.cpp,
// answer_without_kernel_lock) to musl's callers, `syscall(SYS_getpid)` and the syscall
// instruction.
#include <kernel/syscall/syscall.h>
#include <sched/scheduler.h>

#include <sys/types.h>

namespace {

uint32_t id(sys::IdKind kind) { return uint32_t(sys::getid(kind).value()); } // never fails

} // namespace

extern "C" pid_t osprey_getpid() { return sys::kProcessId; }
extern "C" pid_t osprey_getppid() { return sys::kParentProcessId; }
extern "C" pid_t osprey_gettid() { return sched::current().tid; }
extern "C" uid_t osprey_getuid() { return id(sys::IdKind::RealUser); }
extern "C" uid_t osprey_geteuid() { return id(sys::IdKind::EffectiveUser); }
extern "C" gid_t osprey_getgid() { return id(sys::IdKind::RealGroup); }
extern "C" gid_t osprey_getegid() { return id(sys::IdKind::EffectiveGroup); }
