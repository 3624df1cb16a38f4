// A C++ plugin for dl_close.c: a static object whose destructor __cxa_finalize must run at
// dlclose, a destructor function, a thread_local with a destructor (a thread that still
// has one keeps the plugin loaded), and a need of libunload_dep.so.
extern "C" void host_note(const char* what);
extern "C" int unload_dep_value();

namespace {

struct Noted {
    const char* name;
    ~Noted() { host_note(name); }
};

struct ThreadNoted {
    int value = 5;
    ~ThreadNoted() { host_note("a:thread_local"); }
};

Noted g_static { "a:static" };

} // namespace

__attribute__((destructor)) static void a_destructor() { host_note("a:dtor"); }

extern "C" int unload_a_value() { return unload_dep_value() + 1; }

extern "C" int unload_a_thread_value()
{
    thread_local ThreadNoted noted;
    return noted.value;
}
