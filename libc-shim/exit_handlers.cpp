// The program's exit and fork handlers (libc_shim/exit_handlers.h).
//
// Exit handlers: one list in registration order, each record with the object it belongs
// to. A run takes the newest record that matches, clears it and calls it with the lock
// released, until none is left, so a handler may register another (glibc runs those too)
// or call dlclose. A finalized object's cleared records are squeezed out, so a plugin
// opened and closed in a loop does not grow the list. Fork handlers: below.
#include <libc_shim/exit_handlers.h>
#include <libc_shim/line_database.h>

#include <lib/guarded.h>

#include <errno.h>
#include <pthread.h>
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

/// One __register_atfork call's handlers.
struct ForkHandlers {
    void (*prepare)();
    void (*parent)();
    void (*child)();
    void* dso;
    ForkHandlers* next; // the one registered after it
};

/// The program's fork handlers, oldest first; musl's pthread_atfork is given one trio of
/// functions that run them. The lock is held from the prepare handlers until the parent
/// or child ones have run (glibc's atfork lock), so a dlclose meanwhile waits to drop its
/// object's handlers: parent and child run the very handlers prepare ran. It owns `first`
/// and `installed`; a fork handler does not register another.
class ForkHandlerList {
public:
    void lock() { pthread_mutex_lock(&m_lock); }
    void unlock() { pthread_mutex_unlock(&m_lock); }

    ForkHandlers* first = nullptr;
    bool installed = false;

    void drop(void* dso)
    {
        for (ForkHandlers** link = &first; *link;) {
            ForkHandlers* h = *link;
            if (h->dso == dso) {
                *link = h->next;
                free(h);
            } else
                link = &h->next;
        }
    }

private:
    pthread_mutex_t m_lock = PTHREAD_MUTEX_INITIALIZER;
};

/// The program's list: one, until a Process object owns it.
ForkHandlerList& program_fork_handlers()
{
    static constinit ForkHandlerList handlers;
    return handlers;
}

/// Each prepare handler from `h` on, newest first.
void prepare_newest_first(const ForkHandlers* h)
{
    if (!h)
        return;
    prepare_newest_first(h->next);
    if (h->prepare)
        h->prepare();
}

void run_prepare()
{
    ForkHandlerList& list = program_fork_handlers();
    list.lock(); // until run_parent or run_child
    prepare_newest_first(list.first);
}

/// After the fork: each record's `which` handler, oldest first; then the list's lock,
/// taken by run_prepare, goes.
void run_oldest_first_and_unlock(void (*ForkHandlers::*which)())
{
    ForkHandlerList& list = program_fork_handlers();
    for (const ForkHandlers* h = list.first; h; h = h->next)
        if (h->*which)
            (h->*which)();
    list.unlock();
}

void run_parent() { run_oldest_first_and_unlock(&ForkHandlers::parent); }
void run_child() { run_oldest_first_and_unlock(&ForkHandlers::child); }

} // namespace

int add_fork_handlers(void (*prepare)(), void (*parent)(), void (*child)(), void* dso)
{
    auto* handlers = static_cast<ForkHandlers*>(malloc(sizeof(ForkHandlers)));
    if (!handlers)
        return ENOMEM;
    *handlers = { prepare, parent, child, dso, nullptr };
    ForkHandlerList& list = program_fork_handlers();
    list.lock();
    if (!list.installed && pthread_atfork(run_prepare, run_parent, run_child) != 0) { // musl's: -1
        list.unlock();
        free(handlers);
        return ENOMEM;
    }
    list.installed = true;
    ForkHandlers** link = &list.first;
    while (*link)
        link = &(*link)->next;
    *link = handlers;
    list.unlock();
    return 0;
}

int add_exit_handler(void (*function)(void*), void* argument, void* dso)
{
    return program_exit_handlers().with([&](ExitHandlers& list) { return list.add({ function, argument, dso }); });
}

void run_exit_handlers(void* dso)
{
    {
        auto list = program_exit_handlers().lock();
        ExitHandler next;
        while (list->take_newest(dso, next))
            list.unlocked([&] { next.function(next.argument); });
        if (dso)
            list->squeeze();
    }
    if (dso) { // the object is going: its fork handlers too (glibc's __cxa_finalize does so)
        ForkHandlerList& list = program_fork_handlers();
        list.lock();
        list.drop(dso);
        list.unlock();
    }
}

void install_exit_handlers() { __cxa_atexit(run_all_at_exit, nullptr, nullptr); }

} // namespace libc_shim

extern "C" {

int osprey_cxa_atexit(void (*function)(void*), void* argument, void* dso)
{
    return libc_shim::add_exit_handler(function, argument, dso);
}

void osprey_cxa_finalize(void* dso) { libc_shim::run_exit_handlers(dso); }

/// glibc 2.2.5's pthread_atfork (newer programs call __register_atfork): handlers of no
/// object, in the same list.
int osprey_pthread_atfork(void (*prepare)(), void (*parent)(), void (*child)())
{
    return libc_shim::add_fork_handlers(prepare, parent, child, nullptr);
}

} // extern "C"
