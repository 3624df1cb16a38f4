// The program's exit handlers (libc_shim/exit_handlers.h): one list in registration order,
// each record with the object it belongs to. A run takes the newest record that matches,
// clears it and calls it with the lock released, until none is left, so a handler may
// register another (glibc runs those too) or call dlclose. A finalized object's cleared
// records are squeezed out, so a plugin opened and closed in a loop does not grow the list.
#include <libc_shim/exit_handlers.h>
#include <libc_shim/line_database.h>

#include <lib/guarded.h>

#include <stdlib.h>

extern "C" int __cxa_atexit(void (*)(void*), void*, void*); // musl's, for the one record below

namespace libc_shim {

namespace {

struct ExitHandler {
    void (*function)(void*); // null: ran already
    void* argument;
    void* dso;
};

class ExitHandlers {
public:
    int add(ExitHandler handler)
    {
        if (m_count == m_capacity && !grow())
            return -1;
        m_records[m_count++] = handler;
        return 0;
    }

    /// The newest handler for `dso` (null: any) not yet run, cleared; false if none.
    bool take_newest(void* dso, ExitHandler& taken)
    {
        for (size_t i = m_count; i-- > 0;) {
            ExitHandler& h = m_records[i];
            if (h.function && (!dso || h.dso == dso)) {
                taken = h;
                h.function = nullptr;
                return true;
            }
        }
        return false;
    }

    /// Drops the cleared records, keeping the others in order.
    void squeeze()
    {
        size_t kept = 0;
        for (size_t i = 0; i < m_count; ++i)
            if (m_records[i].function)
                m_records[kept++] = m_records[i];
        m_count = kept;
    }

private:
    static constexpr size_t kBuiltIn = 32; // as many as need no memory (atexit's minimum is 32)

    bool grow()
    {
        size_t capacity = m_capacity * 2;
        auto* records = static_cast<ExitHandler*>(malloc(capacity * sizeof(ExitHandler)));
        if (!records)
            return false;
        for (size_t i = 0; i < m_count; ++i)
            records[i] = m_records[i];
        if (m_records != m_built_in)
            free(m_records);
        m_records = records;
        m_capacity = capacity;
        return true;
    }

    ExitHandler m_built_in[kBuiltIn] {};
    ExitHandler* m_records = m_built_in;
    size_t m_count = 0;
    size_t m_capacity = kBuiltIn;
};

/// The program's list: one, until a Process object owns it.
lib::Guarded<ExitHandlers, ProgramMutex>& program_exit_handlers()
{
    static constinit lib::Guarded<ExitHandlers, ProgramMutex> handlers;
    return handlers;
}

void run_all_at_exit(void*) { run_exit_handlers(nullptr); }

} // namespace

int add_exit_handler(void (*function)(void*), void* argument, void* dso)
{
    return program_exit_handlers().with([&](ExitHandlers& list) { return list.add({ function, argument, dso }); });
}

void run_exit_handlers(void* dso)
{
    auto list = program_exit_handlers().lock();
    ExitHandler next;
    while (list->take_newest(dso, next))
        list.unlocked([&] { next.function(next.argument); });
    if (dso)
        list->squeeze();
}

void install_exit_handlers() { __cxa_atexit(run_all_at_exit, nullptr, nullptr); }

} // namespace libc_shim

extern "C" {

int osprey_cxa_atexit(void (*function)(void*), void* argument, void* dso)
{
    return libc_shim::add_exit_handler(function, argument, dso);
}

void osprey_cxa_finalize(void* dso) { libc_shim::run_exit_handlers(dso); }

} // extern "C"
