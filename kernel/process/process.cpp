#include <kernel/core/vm_exit.h>
#include <kernel/process/process.h>
#include <sched/scheduler.h>

#include <new>

namespace process {

lib::Result<void> create_first()
{
    auto* made = new (std::nothrow) Process();
    if (!made)
        return lib::Error(lib::Errno::NOMEM, "no memory for the process");
    sched::current().process = made; // owned for the life of the VM: there is no other
    return {};
}

Process& current()
{
    Process* process = sched::current().process;
    if (!process)
        core::panic("process state used before the process exists (thread {})", sched::current().tid);
    return *process;
}

} // namespace process
